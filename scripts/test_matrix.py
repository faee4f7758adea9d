"""Run the unit and integration tests on the oldest and newest supported ansible-core and boto3/botocore.

Each combination gets its own virtual environment under .venv-matrix/NAME,
created on first use and reused while its package list stays the same. The
tests run with that environment's Python, so ansible-playbook, the modules and
boto3 all come from it. The AWS CLI stays in .venv-awscli (`make awscli`).

    python3 scripts/test_matrix.py               # every combination
    python3 scripts/test_matrix.py core2.16-boto-oldest core2.21-boto-newest
    python3 scripts/test_matrix.py --refresh     # reinstall, so "newest" is current again

A combination whose Python is not installed is reported as skipped. The
summary at the end is a Markdown table with pytest's counts, the minutes and
the date of each combination, followed by the ids of failed tests. The exit
code is 1 when any combination that ran has failing tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MATRIX_DIR = REPO_ROOT / ".venv-matrix"
TEST_REQUIREMENTS = REPO_ROOT / "tests" / "requirements.txt"
# Packages of tests/requirements.txt that the pytest run does not need: the
# gates of `make test` other than pytest, and ansible-core, which each
# combination pins itself. Everything else there is installed.
NOT_FOR_PYTEST = {"ansible-core", "ruff", "mypy", "ansible-lint", "molecule", "antsibull-docs", "antsibull-changelog"}
# botocore 1.35.32 is the oldest release that requirements.txt allows.
OLDEST_BOTO = ["boto3==1.35.32", "botocore==1.35.32"]
NEWEST_BOTO = ["boto3", "botocore"]
PYTEST_ARGUMENTS = ["-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider", "tests/unit", "tests/integration"]
PIP_TIMEOUT = 1200
PYTEST_TIMEOUT = 3600
# The outcomes in pytest's last line, e.g. "2 failed, 1187 passed, 9 xfailed in 812.30s (0:13:32)".
# pytest writes "1 error" but "2 errors", so the pattern accepts a trailing "s".
PYTEST_OUTCOMES = ("passed", "failed", "skipped", "xfailed", "xpassed", "error")
PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|error)s?\b")
# The lines of pytest's short test summary (-ra) that name a failed test.
PYTEST_FAILURE_LINE = re.compile(r"^(FAILED|ERROR) \S+")


@dataclasses.dataclass
class Outcome:
    """The result of one combination: its status, versions, pytest's counts, the minutes and the failed tests."""

    name: str
    status: str
    versions: str = ""
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    minutes: float | None = None
    note: str = ""
    failures: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Combination:
    """One set of versions to test with."""

    name: str
    python: str
    ansible_core: str
    boto: list[str]


def pyenv_python(version: str) -> str:
    """Return the path of a pyenv-installed Python, which may not exist."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        root = str(Path.home() / ".pyenv")
    return str(Path(root) / "versions" / version / "bin" / "python")


def combinations() -> list[Combination]:
    """List the combinations: ansible-core 2.16 (oldest in meta/runtime.yml), 2.19 and 2.21, each with both boto ends.

    ansible-core 2.19 is the newest release for Python 3.11, because 2.20 and later need Python 3.12.
    """
    python311 = sys.executable if sys.version_info[:2] == (3, 11) else pyenv_python("3.11.7")
    python312 = pyenv_python("3.12.1")
    result = []
    for core, python in (("2.16", python311), ("2.19", python311), ("2.21", python312)):
        for boto_name, boto in (("oldest", OLDEST_BOTO), ("newest", NEWEST_BOTO)):
            result.append(Combination(f"core{core}-boto-{boto_name}", python, f"ansible-core=={core}.*", boto))
    return result


def pytest_requirements() -> list[str]:
    """Return the requirement lines of tests/requirements.txt that the pytest run needs."""
    packages = []
    for line in TEST_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()
        if name and name not in NOT_FOR_PYTEST:
            packages.append(requirement)
    return packages


def install(combination: Combination, venv: Path, refresh: bool) -> Path:
    """Create or reuse the virtual environment of one combination and return its Python."""
    # Relative to REPO_ROOT, the working directory of pip, so that the stamp does not depend on the checkout's path.
    packages = ["-r", "requirements.txt", combination.ansible_core, *combination.boto, *pytest_requirements()]
    stamp = venv / ".matrix-packages.json"
    python = venv / "bin" / "python"
    if not refresh and stamp.exists() and json.loads(stamp.read_text()) == packages and python.exists():
        return python

    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([combination.python, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True, timeout=PIP_TIMEOUT
    )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *packages], check=True, timeout=PIP_TIMEOUT, cwd=REPO_ROOT
    )
    stamp.write_text(json.dumps(packages))
    return python


def installed_versions(python: Path) -> str:
    """Return the Python, ansible-core, boto3 and botocore versions of an environment, for the summary."""
    script = (
        "import sys, importlib.metadata as m; "
        "print(f'Python {sys.version.split()[0]}, ' + ', '.join("
        "f'{name} {m.version(name)}' for name in ('ansible-core', 'boto3', 'botocore')))"
    )
    return subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True).stdout.strip()


def run_tests(python: Path, log_file: Path) -> tuple[bool, str, list[str]]:
    """Run the unit and integration tests and return whether they passed, pytest's summary line and the failed tests."""
    with open(log_file, "w", encoding="utf-8") as log:
        completed = subprocess.run(
            [str(python), "-m", "pytest", *PYTEST_ARGUMENTS],
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=PYTEST_TIMEOUT,
            check=False,
        )
    lines = [line for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    summary = lines[-1].strip("= ") if lines else "(no output)"
    failures = [line for line in lines if PYTEST_FAILURE_LINE.match(line)]
    return completed.returncode == 0, summary, failures


def count_outcomes(summary: str) -> dict[str, int]:
    """Read the number of tests per outcome from pytest's summary line. An outcome that it does not list counts as 0."""
    counts = dict.fromkeys(PYTEST_OUTCOMES, 0)
    for number, outcome in PYTEST_COUNT.findall(summary):
        counts[outcome] = int(number)
    return counts


def markdown_table(outcomes: list[Outcome], date: str) -> str:
    """Format the outcomes as the Markdown table of README.md's "Tested versions" section."""
    header = ["combination", "versions", "result", *PYTEST_OUTCOMES, "minutes", "date"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for outcome in outcomes:
        if outcome.status == "skipped":
            cells = [outcome.name, outcome.note, "skipped", *[""] * len(PYTEST_OUTCOMES), "", date]
        else:
            counts = [str(outcome.counts.get(name, 0)) for name in PYTEST_OUTCOMES]
            minutes = "" if outcome.minutes is None else f"{outcome.minutes:.0f}"
            cells = [outcome.name, outcome.versions, outcome.status, *counts, minutes, date]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="combinations to run (default: all)")
    parser.add_argument("--refresh", action="store_true", help="reinstall the environments")
    arguments = parser.parse_args()

    selected = [
        combination for combination in combinations() if not arguments.names or combination.name in arguments.names
    ]
    unknown = set(arguments.names) - {combination.name for combination in selected}
    if unknown:
        parser.error(
            f"unknown combinations: {', '.join(sorted(unknown))}; known: {', '.join(c.name for c in combinations())}"
        )

    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    outcomes = []
    failed = False
    for combination in selected:
        if not Path(combination.python).exists():
            note = f"needs {combination.python}, which does not exist"
            outcomes.append(Outcome(combination.name, "skipped", note=note))
            print(f"== {combination.name}: skipped: {note}", flush=True)
            continue
        venv = MATRIX_DIR / combination.name
        print(f"== {combination.name}: installing into {venv.relative_to(REPO_ROOT)}", flush=True)
        started = time.monotonic()
        python = install(combination, venv, arguments.refresh)
        versions = installed_versions(python)
        print(
            f"== {combination.name}: {versions}; running pytest, output in {venv.relative_to(REPO_ROOT)}/pytest.log",
            flush=True,
        )
        passed, summary, failures = run_tests(python, venv / "pytest.log")
        failed = failed or not passed
        outcome = Outcome(
            combination.name,
            "passed" if passed else "FAILED",
            versions=versions,
            counts=count_outcomes(summary),
            minutes=(time.monotonic() - started) / 60,
            failures=failures,
        )
        outcomes.append(outcome)
        print(f"== {combination.name}: {outcome.status}: {summary}", flush=True)

    print("\nTest matrix (minutes include creating the environment when it is new):\n")
    print(markdown_table(outcomes, date))
    for outcome in outcomes:
        if outcome.failures:
            print(f"\n{outcome.name}, see .venv-matrix/{outcome.name}/pytest.log:")
            print("\n".join(f"  {line}" for line in outcome.failures))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
