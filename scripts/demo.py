"""Build the demo logs bucket on a local moto server and show it with the runbook's commands.

Run it with the Python of .venv (`make demo`): it starts moto on 127.0.0.1,
runs playbooks/logs_bucket.yml twice (the second run must change nothing),
prints what the runbook's AWS CLI commands return for the bucket, and stops
the server. No request leaves this machine: every AWS call goes to the local
server, with fake credentials.
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))

from support.moto_server import MotoServer, MotoServerError  # noqa: E402

BUCKET = "logsafe-demo-logs"
REGION = "us-east-1"
DEFAULT_PLAYBOOK = "playbooks/logs_bucket.yml"
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
AWSCLI = REPO_ROOT / ".venv-awscli" / "bin" / "aws"
PLAYBOOK_TIMEOUT = 600
AWSCLI_TIMEOUT = 120

# The checks of the runbook, in its order, as (heading, AWS CLI arguments).
RUNBOOK_CHECKS = [
    ("Checking bucket existence", ["s3api", "head-bucket", "--bucket", BUCKET]),
    ("Verifying bucket policies", ["s3api", "get-bucket-policy", "--bucket", BUCKET]),
    ("Testing bucket access", ["s3", "ls", f"s3://{BUCKET}"]),
    ("Server-side encryption", ["s3api", "get-bucket-encryption", "--bucket", BUCKET]),
    ("Lifecycle policy", ["s3api", "get-bucket-lifecycle-configuration", "--bucket", BUCKET]),
    ("Access logs", ["s3api", "get-bucket-logging", "--bucket", BUCKET]),
]

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
_RECAP_LINE = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")


class DemoError(Exception):
    """Raised when a step of the demo fails; the message names the step."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"step '{step}' failed: {reason}")
        self.step = step
        self.reason = reason


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--playbook",
        default=DEFAULT_PLAYBOOK,
        help=f"playbook to run, relative to the repository root (default: {DEFAULT_PLAYBOOK})",
    )
    return parser.parse_args(argv)


def heading(text: str) -> None:
    print(f"\n=== {text} ===", flush=True)


def playbook_env(server: MotoServer) -> dict[str, str]:
    """Return the server's environment without settings that would find another copy of logsafe.aws."""
    env = server.env()
    for name in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS"):
        env.pop(name, None)
    return env


def run_playbook(server: MotoServer, playbook: str, step: str) -> dict[str, dict[str, int]]:
    """Run the playbook from the repository root, echo its output, and return its PLAY RECAP counts."""
    heading(step)
    command = [
        str(ANSIBLE_PLAYBOOK), playbook,
        "-e", f"logs_bucket_name={BUCKET}",
        "-e", "logs_bucket_access_logging=true",
        "-e", f"logs_bucket_region={REGION}",
    ]
    print("$ ansible-playbook " + " ".join(command[1:]), flush=True)
    try:
        completed = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=playbook_env(server),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=PLAYBOOK_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as error:
        raise DemoError(step, f"{ANSIBLE_PLAYBOOK} not found; create .venv with `make venv`") from error
    except subprocess.TimeoutExpired as error:
        raise DemoError(step, f"ansible-playbook timed out after {PLAYBOOK_TIMEOUT} s") from error

    print(completed.stdout, end="", flush=True)
    if completed.returncode != 0:
        raise DemoError(step, f"ansible-playbook failed with exit code {completed.returncode}")
    recap = parse_recap(completed.stdout)
    if "localhost" not in recap:
        raise DemoError(step, "the PLAY RECAP has no line for localhost")
    return recap


def parse_recap(output: str) -> dict[str, dict[str, int]]:
    """Return the counts of the last PLAY RECAP in ansible-playbook output, per host."""
    recap: dict[str, dict[str, int]] = {}
    in_recap = False
    for raw_line in output.splitlines():
        line = _ANSI_ESCAPE.sub("", raw_line)
        if line.startswith("PLAY RECAP"):
            recap = {}
            in_recap = True
            continue
        if not in_recap:
            continue
        match = _RECAP_LINE.match(line.strip())
        if match is None:
            in_recap = False
            continue
        counts = dict(pair.split("=") for pair in match.group("counts").split())
        recap[match.group("host")] = {name: int(value) for name, value in counts.items()}
    return recap


def run_aws_cli(server: MotoServer, step: str, args: list[str]) -> str:
    """Run one AWS CLI command against the server and return what it printed."""
    command = [str(AWSCLI), "--endpoint-url", server.endpoint_url, "--region", REGION, "--output", "json", *args]
    print("$ aws " + " ".join(args), flush=True)
    try:
        completed = subprocess.run(
            command,
            env=server.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=AWSCLI_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise DemoError(step, f"the AWS CLI timed out after {AWSCLI_TIMEOUT} s") from error
    if completed.returncode != 0:
        raise DemoError(step, f"aws {' '.join(args)} failed with exit code {completed.returncode}: "
                              f"{completed.stderr.strip()}")
    return completed.stdout


def run_demo(server: MotoServer, playbook: str) -> None:
    if not (REPO_ROOT / playbook).is_file():
        raise DemoError("find the playbook", f"{REPO_ROOT / playbook} not found")
    if not AWSCLI.exists():
        raise DemoError("find the AWS CLI", f"{AWSCLI} not found; create it with `make awscli`")

    step = "start the moto server"
    try:
        server.start()
    except MotoServerError as error:
        raise DemoError(step, str(error)) from error
    print(f"moto server listening on {server.endpoint_url} (process {server.pid})", flush=True)

    run_playbook(server, playbook, "first playbook run")
    step = "second playbook run"
    recap = run_playbook(server, playbook, step)
    changed = recap["localhost"].get("changed")
    if changed != 0:
        raise DemoError(step, f"expected changed=0 for localhost on the second run, got changed={changed}")
    print("The second run changed nothing.", flush=True)

    for title, args in RUNBOOK_CHECKS:
        heading(title)
        output = run_aws_cli(server, title.lower(), args)
        print(output.rstrip() if output.strip() else "(no output)", flush=True)


def exit_on_sigterm(signum: int, _frame: object) -> None:
    """Turn SIGTERM into SystemExit, so that the finally blocks stop ansible-playbook and the server."""
    sys.exit(128 + signum)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    server = MotoServer(region=REGION)
    try:
        run_demo(server, args.playbook)
    except DemoError as error:
        print(f"\nDemo failed: {error}", file=sys.stderr)
        return 1
    finally:
        server.stop()
    print("\nDemo finished: the moto server is stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
