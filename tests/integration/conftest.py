"""Fixtures for integration tests: a moto server per test module, and helpers that run
ansible-playbook, one module of the collection, or the AWS CLI against it.

State: each test module gets its own moto server, which is not reset between
tests. Tests of one module may build on each other (apply, then check mode
again), so `make test` keeps a module's tests on one pytest-xdist worker in
file order (--dist loadfile). A test that needs an empty account calls
``moto.reset()`` itself; other tests use bucket names of their own.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.moto_server import MotoServer

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_CONFIG = REPO_ROOT / "ansible.cfg"
CALLBACK_PLUGINS = Path(__file__).resolve().parent / "callback_plugins"
CALLBACK_NAME = "task_result_log"
# The tests run with the Python of .venv, so its bin directory contains the
# ansible-playbook of the same ansible-core, next to the same boto3.
VENV_BIN = Path(sys.executable).parent
AWSCLI = REPO_ROOT / ".venv-awscli" / "bin" / "aws"
PLAYBOOK_TIMEOUT = 600
AWSCLI_TIMEOUT = 120

# A PLAY RECAP line, e.g. "localhost : ok=2 changed=1 unreachable=0 failed=0 ...".
_RECAP_LINE = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")


@dataclasses.dataclass
class PlaybookRun:
    """The outcome of one ansible-playbook run.

    ``recap`` maps each host to its PLAY RECAP counts (ok, changed,
    unreachable, failed, skipped, rescued, ignored). ``results`` contains one
    entry per task result, in order: task, action, host, status (ok, changed,
    failed, skipped or unreachable), ignored, and result, the registered result.
    """

    command: list[str]
    rc: int
    stdout: str
    stderr: str
    recap: dict[str, dict[str, int]]
    results: list[dict]

    def results_of(self, task_name: str, host: str = "localhost") -> list[dict]:
        """Return the result dicts of every run of the named task on one host."""
        return [entry["result"] for entry in self.results if entry["task"] == task_name and entry["host"] == host]

    def describe(self) -> str:
        """Return the command and its output, for assertion messages."""
        return (
            f"command: {' '.join(self.command)}\nrc: {self.rc}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )


@dataclasses.dataclass
class ModuleRun:
    """The outcome of run_module(): the single task's result dict and the PLAY RECAP of localhost."""

    result: dict
    recap: dict[str, int]
    run: PlaybookRun


class AwsCliError(AssertionError):
    """Raised when an AWS CLI command exits with a non-zero code."""

    def __init__(self, command: list[str], rc: int, stdout: str, stderr: str) -> None:
        super().__init__(f"{' '.join(command)} failed with exit code {rc}: {stderr.strip() or stdout.strip()}")
        self.command = command
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr


def parse_recap(stdout: str) -> dict[str, dict[str, int]]:
    """Return the counts of the last PLAY RECAP in ansible-playbook output, per host."""
    recap: dict[str, dict[str, int]] = {}
    in_recap = False
    for line in stdout.splitlines():
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


def ansible_env(moto: MotoServer, result_log: Path, local_temp: Path, extra: dict[str, str] | None) -> dict[str, str]:
    """Build the environment of an ansible-playbook run against the moto server.

    Inherited ANSIBLE_* variables are dropped, so that a developer's
    ANSIBLE_COLLECTIONS_PATH or ANSIBLE_CONFIG cannot replace this checkout
    with another copy of logsafe.aws.
    """
    env = {key: value for key, value in moto.env().items() if not key.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_CONFIG=str(ANSIBLE_CONFIG),
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACK_PLUGINS),
        ANSIBLE_CALLBACKS_ENABLED=CALLBACK_NAME,
        LOGSAFE_TASK_RESULT_LOG=str(result_log),
        ANSIBLE_LOCAL_TEMP=str(local_temp),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(extra or {})
    return env


class PlaybookRunner:
    """Runs ansible-playbook from the repository root against one moto server."""

    def __init__(self, moto: MotoServer, workdir: Path) -> None:
        self.moto = moto
        self.workdir = workdir
        self._count = 0

    def __call__(
        self,
        playbook_path_or_text: str | Path,
        extra_vars: dict | None = None,
        check: bool = False,
        diff: bool = False,
        env: dict[str, str] | None = None,
    ) -> PlaybookRun:
        """Run a playbook given as a path (relative to the repository root) or as YAML text."""
        self._count += 1
        run_dir = self.workdir / f"run-{self._count}"
        run_dir.mkdir(parents=True)
        playbook = self._playbook_path(playbook_path_or_text, run_dir)

        command = [str(VENV_BIN / "ansible-playbook"), str(playbook)]
        if extra_vars:
            extra_vars_file = run_dir / "extra-vars.json"
            extra_vars_file.write_text(json.dumps(extra_vars))
            command += ["--extra-vars", f"@{extra_vars_file}"]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")

        result_log = run_dir / "results.jsonl"
        local_temp = run_dir / "ansible-tmp"
        completed = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=ansible_env(self.moto, result_log, local_temp, env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=PLAYBOOK_TIMEOUT,
            check=False,
        )
        results = []
        if result_log.exists():
            results = [json.loads(line) for line in result_log.read_text().splitlines() if line]
        return PlaybookRun(
            command=command,
            rc=completed.returncode,
            stdout=completed.stdout,
            stderr=completed.stderr,
            recap=parse_recap(completed.stdout),
            results=results,
        )

    @staticmethod
    def _playbook_path(playbook_path_or_text: str | Path, run_dir: Path) -> Path:
        if isinstance(playbook_path_or_text, Path) or (
            "\n" not in playbook_path_or_text and playbook_path_or_text.endswith((".yml", ".yaml"))
        ):
            path = REPO_ROOT / playbook_path_or_text
            if not path.is_file():
                raise FileNotFoundError(f"playbook not found: {path}")
            return path
        path = run_dir / "playbook.yml"
        path.write_text(playbook_path_or_text)
        return path


def module_playbook(fqcn: str, args: dict, task_name: str) -> str:
    """Return a one-task playbook on localhost that calls ``fqcn`` with ``args``.

    JSON is valid YAML, so the arguments keep their types. As in any playbook,
    a string argument that contains Jinja2 syntax is templated.
    """
    play = {
        "name": f"Run {fqcn}",
        "hosts": "localhost",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable},
        "tasks": [{"name": task_name, fqcn: args}],
    }
    return json.dumps([play], indent=2) + "\n"


@pytest.fixture(scope="module")
def moto():
    """Start one moto server for the test module; see the module docstring for its state."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def run_playbook(moto, tmp_path):
    """Return a function that runs ansible-playbook against this module's moto server."""
    return PlaybookRunner(moto, tmp_path / "playbooks")


@pytest.fixture
def run_module(run_playbook):
    """Return a function that calls one module in a one-task playbook and returns its result.

    A bare name is taken from logsafe.aws (``s3_logs_bucket`` means
    ``logsafe.aws.s3_logs_bucket``); a dotted name is used as given.
    """
    task_name = "Run the module under test"

    def run_one_module(module_name: str, args: dict | None = None, check: bool = False,
                       diff: bool = False) -> ModuleRun:
        fqcn = module_name if "." in module_name else f"logsafe.aws.{module_name}"
        playbook_run = run_playbook(module_playbook(fqcn, args or {}, task_name), check=check, diff=diff)
        results = playbook_run.results_of(task_name)
        if len(results) != 1:
            raise AssertionError(f"expected one result of {fqcn}, got {len(results)}\n{playbook_run.describe()}")
        return ModuleRun(result=results[0], recap=playbook_run.recap.get("localhost", {}), run=playbook_run)

    return run_one_module


@pytest.fixture
def aws_cli(moto):
    """Return a function that runs the AWS CLI against the moto server and returns its parsed JSON output.

    The function returns None when the command prints nothing (most s3api put-*
    commands) and raises AwsCliError when the command fails.
    """
    if not AWSCLI.exists():
        reason = f"the AWS CLI environment is missing ({AWSCLI}); create it with `make awscli`"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)

    def run_aws_cli(*args: str) -> object:
        command = [str(AWSCLI), "--endpoint-url", moto.endpoint_url, "--region", moto.region,
                   "--output", "json", *args]
        completed = subprocess.run(
            command,
            env=moto.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=AWSCLI_TIMEOUT,
            check=False,
        )
        if completed.returncode != 0:
            raise AwsCliError(command, completed.returncode, completed.stdout, completed.stderr)
        return json.loads(completed.stdout) if completed.stdout.strip() else None

    return run_aws_cli


def pytest_collection_modifyitems(config, items):
    integration_dir = Path(__file__).resolve().parent
    for item in items:
        if integration_dir in item.path.resolve().parents:
            item.add_marker(pytest.mark.integration)
            if "aws_cli" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.awscli)
