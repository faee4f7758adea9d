"""Build the collection tarball, install it into a fresh collections path, and run it from outside the checkout.

Every command here runs in a temporary directory, with the ANSIBLE_* variables
of the test process removed. So the checkout's ansible.cfg, whose
collections_path resolves logsafe.aws to this checkout, never applies, and
logsafe.aws is found only in the collections path that a test installs the
tarball into.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# The tests run with the Python of .venv, whose bin directory has the
# ansible-galaxy, ansible-playbook, ansible-builder and ansible-runner that
# tests/requirements.txt installs.
VENV_BIN = Path(sys.executable).parent
CALLBACK_PLUGINS = Path(__file__).resolve().parent / "callback_plugins"
COMMAND_TIMEOUT = 300


@dataclasses.dataclass(frozen=True)
class InstalledCollection:
    """A built tarball and the collections path it was installed into."""

    tarball: Path
    collections_path: Path

    @property
    def root(self) -> Path:
        """Return the directory of the installed collection."""
        return self.collections_path / "ansible_collections" / "logsafe" / "aws"


def galaxy_metadata() -> dict:
    """Return galaxy.yml as a dict."""
    return yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())


def tarball_name() -> str:
    """Return the file name that `ansible-galaxy collection build` gives the tarball of this version."""
    metadata = galaxy_metadata()
    return f"{metadata['namespace']}-{metadata['name']}-{metadata['version']}.tar.gz"


def outside_env(base: dict[str, str] | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return ``base`` (default: os.environ) without ANSIBLE_* variables, with .venv/bin first on PATH."""
    source = os.environ if base is None else base
    env = {key: value for key, value in source.items() if not key.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(extra or {})
    return env


def run_command(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command and return its result; raise AssertionError with its output when it fails."""
    completed = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if completed.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed with exit code {completed.returncode} in {cwd}\n"
            f"--- stdout ---\n{completed.stdout}\n--- stderr ---\n{completed.stderr}"
        )
    return completed


def build_collection(output_dir: Path) -> Path:
    """Build the tarball from the checkout into ``output_dir`` and return its path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    run_command(
        [str(VENV_BIN / "ansible-galaxy"), "collection", "build", str(REPO_ROOT), "--output-path", str(output_dir)],
        cwd=output_dir,
        env=outside_env(),
    )
    tarball = output_dir / tarball_name()
    if not tarball.is_file():
        raise AssertionError(f"ansible-galaxy collection build did not write {tarball}")
    return tarball


def install_collection(tarball: Path, collections_path: Path) -> InstalledCollection:
    """Install ``tarball`` into ``collections_path`` as a user would, and return where it went."""
    collections_path.mkdir(parents=True, exist_ok=True)
    run_command(
        [str(VENV_BIN / "ansible-galaxy"), "collection", "install", str(tarball), "-p", str(collections_path)],
        cwd=collections_path,
        # Naming the same path in ANSIBLE_COLLECTIONS_PATH stops ansible-galaxy
        # from warning that the collection will not be picked up.
        env=outside_env(extra={"ANSIBLE_COLLECTIONS_PATH": str(collections_path)}),
    )
    installed = InstalledCollection(tarball=tarball, collections_path=collections_path)
    if not (installed.root / "MANIFEST.json").is_file():
        raise AssertionError(f"ansible-galaxy collection install did not install logsafe.aws into {installed.root}")
    return installed


def build_and_install(workdir: Path) -> InstalledCollection:
    """Build the tarball under ``workdir`` and install it into ``workdir/collections``."""
    tarball = build_collection(workdir / "dist")
    return install_collection(tarball, workdir / "collections")


def copy_playbook(relative_path: str, project_dir: Path) -> Path:
    """Copy a playbook of the checkout into ``project_dir`` and return the copy's path."""
    project_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(REPO_ROOT / relative_path, project_dir))


def task_results(result_log: Path) -> list[dict]:
    """Read the JSON lines that the task_result_log callback wrote, one per task result."""
    if not result_log.exists():
        return []
    return [json.loads(line) for line in result_log.read_text().splitlines() if line]
