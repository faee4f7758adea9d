"""Start and stop a moto server that outlives the command, for Molecule's create and destroy steps.

Usage, from the tests/ directory so that ``support`` is importable::

    python -m support.moto_endpoint start STATE_FILE
    python -m support.moto_endpoint stop STATE_FILE

``start`` launches a supervisor process in a new session. The supervisor runs
a MotoServer (moto_server.py) on 127.0.0.1 on a free port, writes the endpoint
URL and its own process id to STATE_FILE as JSON, and keeps the server up
until it receives SIGTERM. ``start`` returns once the state file exists, or
fails with the supervisor's output. ``stop`` sends SIGTERM to the process id
in STATE_FILE, after checking that the process is the supervisor started for
that file, waits for it to stop the server and exit, and removes the file.

Both commands print one JSON object with ``changed``, so that an Ansible task
can report whether it started or stopped anything.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.moto_server import MotoServer

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
POLL_INTERVAL = 0.1


def read_state(state_file: Path) -> dict | None:
    """Return the JSON content of the state file, or None if there is none."""
    try:
        return json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def is_supervisor(pid: int, state_file: Path) -> bool:
    """Tell whether ``pid`` is a running supervisor for ``state_file``.

    The command line is compared, so that a process id reused by another
    program after the supervisor died is never signalled.
    """
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"support.moto_endpoint" in arguments and b"serve" in arguments and os.fsencode(str(state_file)) in arguments


def wait_for_exit(pid: int, state_file: Path, timeout: float) -> bool:
    """Wait until the supervisor ``pid`` has exited. Return False if it is still running at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_supervisor(pid, state_file):
            return True
        time.sleep(POLL_INTERVAL)
    return False


def start(state_file: Path) -> dict:
    """Launch the supervisor unless one is already running for this state file."""
    state = read_state(state_file)
    if state is not None and is_supervisor(state["pid"], state_file):
        return dict(state, changed=False)
    state_file.unlink(missing_ok=True)

    log_file = state_file.with_suffix(".log")
    with open(log_file, "wb") as log:
        # A new session keeps the supervisor out of the caller's process group,
        # so it survives the end of the Ansible task that started it.
        process = subprocess.Popen(
            [sys.executable, "-m", "support.moto_endpoint", "serve", str(state_file)],
            cwd=Path(__file__).resolve().parents[1],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        state = read_state(state_file)
        if state is not None:
            return dict(state, changed=True)
        if process.poll() is not None:
            raise SystemExit(
                f"The moto server supervisor exited with code {process.returncode} before it was ready. "
                f"Output: {log_file.read_text(errors='replace').strip() or '(none)'}"
            )
        time.sleep(POLL_INTERVAL)

    process.terminate()
    process.wait(timeout=STOP_TIMEOUT)
    raise SystemExit(
        f"The moto server was not ready within {START_TIMEOUT:.0f} s. "
        f"Output: {log_file.read_text(errors='replace').strip() or '(none)'}"
    )


def serve(state_file: Path) -> None:
    """Run the moto server until SIGTERM, with its endpoint in the state file."""
    # The handler only records the request, so a SIGTERM that arrives while
    # the server starts stops it right after the start instead of leaving the
    # moto process behind.
    stop_requests = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stop_requests.append(signum))

    with MotoServer() as server:
        state = {"endpoint_url": server.endpoint_url, "pid": os.getpid(), "server_pid": server.pid}
        # Written under another name and renamed, so that start() never reads half a file.
        partial = state_file.with_suffix(".partial")
        partial.write_text(json.dumps(state), encoding="utf-8")
        partial.replace(state_file)
        print(f"moto server listening on {server.endpoint_url} (server pid {server.pid})", flush=True)
        while not stop_requests:
            time.sleep(POLL_INTERVAL)

    state_file.unlink(missing_ok=True)
    print("moto server stopped", flush=True)


def stop(state_file: Path) -> dict:
    """Stop the supervisor named in the state file, if it is still running."""
    state = read_state(state_file)
    if state is None:
        return {"changed": False}

    pid = state["pid"]
    changed = False
    if is_supervisor(pid, state_file):
        os.kill(pid, signal.SIGTERM)
        changed = True
        if not wait_for_exit(pid, state_file, STOP_TIMEOUT):
            raise SystemExit(f"The moto server supervisor (pid {pid}) did not exit within {STOP_TIMEOUT:.0f} s of SIGTERM.")

    state_file.unlink(missing_ok=True)
    state_file.with_suffix(".log").unlink(missing_ok=True)
    return dict(state, changed=changed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "serve"])
    parser.add_argument("state_file", type=Path, help="JSON file with the endpoint URL and the supervisor's process id")
    arguments = parser.parse_args()
    state_file = arguments.state_file.resolve()

    if arguments.command == "serve":
        serve(state_file)
        return
    result = start(state_file) if arguments.command == "start" else stop(state_file)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
