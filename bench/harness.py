"""Run one ansible-playbook command against the benchmark's moto server and measure it.

A measurement is the wall time of the ansible-playbook process, the AWS API
requests that the moto server recorded while it ran, and the counts of its
PLAY RECAP. Runs are sequential, so every request between the marks before
and after a run belongs to that run.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))

from support.moto_server import ApiCall, MotoServer, classify_recorded_request  # noqa: E402

PLAYBOOK_TIMEOUT = 1800
PIP_TIMEOUT = 1200

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
_RECAP_LINE = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")

# Variables that would make ansible-playbook read another configuration or
# another copy of a collection than the one each side is meant to use.
_ANSIBLE_OVERRIDES = ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS")


class BenchError(Exception):
    """Raised when the benchmark itself cannot go on (a setup step failed)."""


class BenchMotoServer(MotoServer):
    """A moto server whose request log also reads entries that concurrent requests wrote onto one line.

    moto's recorder writes an entry and its newline with two writes. When
    requests are handled concurrently, another entry can land between them,
    which leaves two JSON documents on one line and an empty line after it.
    The fleet cases send enough concurrent requests to hit this.
    """

    def requests_since(self, mark: int = 0) -> list[ApiCall]:
        decoder = json.JSONDecoder()
        calls = []
        for line in self._read_log_lines()[mark:]:
            position = 0
            while position < len(line):
                if line[position].isspace():
                    position += 1
                    continue
                entry, position = decoder.raw_decode(line, position)
                call = classify_recorded_request(entry)
                if call is not None:
                    calls.append(call)
        return calls


@dataclasses.dataclass
class RunSpec:
    """One ansible-playbook command of one side."""

    side: str
    python: Path
    cwd: Path
    playbook: str
    inventory: Path | None = None
    extra_vars: dict[str, str] = dataclasses.field(default_factory=dict)
    options: list[str] = dataclasses.field(default_factory=list)
    forks: int = 5

    def command(self) -> list[str]:
        """Return the ansible-playbook command line."""
        command = [str(self.python.parent / "ansible-playbook"), self.playbook, "--forks", str(self.forks)]
        if self.inventory is not None:
            command += ["--inventory", str(self.inventory)]
        for name, value in self.extra_vars.items():
            command += ["--extra-vars", f"{name}={value}"]
        return command + self.options


@dataclasses.dataclass
class Measurement:
    """The cost and the outcome of one run."""

    side: str
    seconds: float
    # User plus system CPU time of ansible-playbook and every process it
    # started, which depends far less on other load on the machine than wall time.
    cpu_seconds: float
    requests: int
    reads: int
    writes: int
    by_operation: dict[str, int]
    # Requests per bucket and operation, for the check that a no-op run reads each setting once.
    by_bucket_operation: dict[str, dict[str, int]]
    changed: int
    failed_hosts: int
    returncode: int
    load_average: float
    log: str | None = None

    @property
    def ok(self) -> bool:
        """Tell whether ansible-playbook succeeded on every host."""
        return self.returncode == 0 and self.failed_hosts == 0

    def to_json(self) -> dict[str, Any]:
        """Return the measurement as plain data for the results file."""
        return dataclasses.asdict(self)


def playbook_env(server: MotoServer) -> dict[str, str]:
    """Return the environment of a playbook run: fake credentials, the server's endpoint, no colors."""
    env = server.env()
    for name in _ANSIBLE_OVERRIDES:
        env.pop(name, None)
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    return env


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


def bucket_of(path: str) -> str:
    """Return the bucket of a path-style S3 request path, or "" for a request that names none."""
    return path.lstrip("/").split("/", 1)[0]


def run_playbook(server: MotoServer, spec: RunSpec, log_dir: Path, label: str) -> Measurement:
    """Run one playbook, time it and count the requests that the server received meanwhile.

    The output of a run that failed is kept in ``log_dir`` under ``label``.
    """
    env = playbook_env(server)
    mark = server.mark()
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    try:
        completed = subprocess.run(
            spec.command(),
            cwd=spec.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=PLAYBOOK_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"{label}: ansible-playbook timed out after {PLAYBOOK_TIMEOUT} s") from error
    seconds = time.perf_counter() - started
    cpu_seconds = children_cpu_seconds() - cpu_before
    load_average = os.getloadavg()[0]

    calls = server.requests_since(mark)
    by_operation = collections.Counter(str(call) for call in calls)
    by_bucket: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for call in calls:
        by_bucket[bucket_of(call.path) if call.service == "s3" else ""][str(call)] += 1
    writes = sum(1 for call in calls if call.is_write)

    recap = parse_recap(completed.stdout)
    changed = sum(counts.get("changed", 0) for counts in recap.values())
    failed_hosts = sum(1 for counts in recap.values() if counts.get("failed", 0) or counts.get("unreachable", 0))
    if not recap:
        failed_hosts = 1

    log_path = None
    if completed.returncode != 0 or failed_hosts:
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / f"{label}.log"
        log_file.write_text("$ " + " ".join(spec.command()) + "\n" + completed.stdout)
        log_path = str(log_file.relative_to(REPO_ROOT)) if log_file.is_relative_to(REPO_ROOT) else str(log_file)

    return Measurement(
        side=spec.side,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        requests=len(calls),
        reads=len(calls) - writes,
        writes=writes,
        by_operation=dict(sorted(by_operation.items())),
        by_bucket_operation={bucket: dict(sorted(counts.items())) for bucket, counts in sorted(by_bucket.items())},
        changed=changed,
        failed_hosts=failed_hosts,
        returncode=completed.returncode,
        load_average=load_average,
        log=log_path,
    )


def children_cpu_seconds() -> float:
    """Return the CPU time of the child processes that this process has waited for, and their descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Return the wall time and the CPU time of a command that must succeed."""
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    cpu_seconds = children_cpu_seconds() - cpu_before
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr)[-2000:]
        raise BenchError(f"{' '.join(command)} failed with exit code {completed.returncode}: {output}")
    return seconds, cpu_seconds


# The peer environment


def installed_version(python: Path, distribution: str) -> str:
    """Return the version of a distribution installed for ``python``."""
    completed = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({distribution!r}))"],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(f"{distribution} is not installed for {python}: {completed.stderr.strip()}")
    return completed.stdout.strip()


def site_packages(python: Path) -> Path:
    """Return the site-packages directory of a virtual environment's Python."""
    completed = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(completed.stdout.strip())


def collection_version(python: Path, namespace: str, name: str) -> str:
    """Return the version of a collection that the ansible package installed for ``python``."""
    manifest = site_packages(python) / "ansible_collections" / namespace / name / "MANIFEST.json"
    return json.loads(manifest.read_text())["collection_info"]["version"]


def peer_requirements(requirements_file: Path, boto3_version: str, botocore_version: str) -> list[str]:
    """Return the pip requirements of the peer environment: the file's, plus this side's boto3 and botocore."""
    lines = [line.split("#", 1)[0].strip() for line in requirements_file.read_text().splitlines()]
    return [line for line in lines if line] + [f"boto3=={boto3_version}", f"botocore=={botocore_version}"]


def ensure_peer_venv(venv: Path, requirements: list[str], recreate: bool) -> dict[str, Any]:
    """Create the peer's virtual environment unless one with the same requirements exists.

    Returns how it was obtained (``created`` or ``reused``) and the seconds
    that creating it took.
    """
    stamp = venv / ".bench-requirements"
    digest = hashlib.sha256("\n".join(requirements).encode()).hexdigest()
    python = venv / "bin" / "python"
    if not recreate and python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return {"path": str(venv), "state": "reused", "seconds": None}

    print(f"Creating the peer environment {venv} ({', '.join(requirements)})", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    started = time.perf_counter()
    # The pip of this environment installs into the new one (pip --python), which
    # saves the ensurepip step: 6 to 50 s on a 2-core machine, depending on load.
    _run_setup([sys.executable, "-m", "venv", "--without-pip", str(venv)], "create the peer virtual environment")
    created_venv = time.perf_counter()
    # --no-compile skips the byte-code of the thousands of collections that the
    # ansible package ships and this benchmark never imports. The packages the
    # runs import are compiled below, so neither side compiles them while it is
    # timed, even where PYTHONDONTWRITEBYTECODE keeps Python from caching them.
    _run_setup(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-compile", *requirements],
        "install the peer packages",
    )
    installed = time.perf_counter()
    packages = site_packages(python)
    targets = [str(path) for path in sorted(packages.iterdir()) if path.name != "ansible_collections"]
    targets += [
        str(packages / "ansible_collections" / "amazon" / "aws"),
        str(packages / "ansible_collections" / "community" / "aws"),
    ]
    _run_setup([str(python), "-m", "compileall", "-q", "-j", "0", *targets], "compile the peer packages")
    finished = time.perf_counter()
    stamp.write_text(digest + "\n")
    return {
        "path": str(venv),
        "state": "created",
        "seconds": finished - started,
        "venv_seconds": created_venv - started,
        "pip_install_seconds": installed - created_venv,
        "compile_seconds": finished - installed,
    }


def _run_setup(command: list[str], step: str) -> None:
    try:
        completed = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"failed to {step}: timed out after {PIP_TIMEOUT} s") from error
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr)[-3000:]
        raise BenchError(f"failed to {step} (exit code {completed.returncode}): {output}")
