"""The collection as users get it: the built tarball, installed into a fresh collections path.

The playbook runs from a copy outside the checkout with ANSIBLE_COLLECTIONS_PATH
set to that path, so it can only find logsafe.aws where the tarball was
installed.
"""

from __future__ import annotations

import re
import tarfile

import pytest

from integration.helpers import REGION, unique_bucket
from integration.installed_collection import (
    CALLBACK_PLUGINS,
    REPO_ROOT,
    VENV_BIN,
    build_collection,
    copy_playbook,
    install_collection,
    outside_env,
    run_command,
    task_results,
    tarball_name,
)

# Top-level paths of the checkout that must stay out of the tarball: tests,
# build output, the collections/ link tree that points back at the checkout,
# and the development scripts.
EXCLUDED_TOP_LEVEL = re.compile(r"^(tests|build|collections|scripts)(/|$)")
# Directory names that must not appear at any depth: virtual environments,
# tool caches and compiled Python.
EXCLUDED_DIRECTORY = re.compile(r"^(\.venv.*|\.[a-z]+_cache|\.benchmarks|\.tox|__pycache__)$")
EXPECTED_MEMBERS = (
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "requirements.txt",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "plugins/modules/s3_logs_bucket.py",
    "plugins/doc_fragments/connection.py",
    "roles/logs_bucket/tasks/main.yml",
    "roles/logs_bucket/meta/argument_specs.yml",
    "playbooks/logs_bucket.yml",
    "playbooks/verify.yml",
    "docs/awx.md",
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("installed-tarball")


@pytest.fixture(scope="module")
def tarball(workdir):
    """Build the tarball once for this module."""
    return build_collection(workdir / "dist")


@pytest.fixture(scope="module")
def installed(tarball, workdir):
    """Install the tarball into a fresh collections path."""
    return install_collection(tarball, workdir / "collections")


@pytest.fixture(scope="module")
def members(tarball) -> list[str]:
    """Return the member names of the tarball."""
    with tarfile.open(tarball) as archive:
        return archive.getnames()


def run_installed_playbook(moto, installed, project_dir, run_name: str, extra_vars: list[str]):
    """Run the copied playbook with only the installed collection on the collections path."""
    result_log = project_dir / f"{run_name}.jsonl"
    env = outside_env(
        base=moto.env(),
        extra={
            "ANSIBLE_COLLECTIONS_PATH": str(installed.collections_path),
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_PLUGINS),
            "ANSIBLE_CALLBACKS_ENABLED": "task_result_log",
            "LOGSAFE_TASK_RESULT_LOG": str(result_log),
            "ANSIBLE_LOCAL_TEMP": str(project_dir / "ansible-tmp"),
        },
    )
    command = [str(VENV_BIN / "ansible-playbook"), "logs_bucket.yml"]
    for extra_var in extra_vars:
        command += ["-e", extra_var]
    completed = run_command(command, cwd=project_dir, env=env)
    return completed, task_results(result_log)


def test_tarball_named_after_galaxy_yml(tarball):
    """The build writes namespace-name-version.tar.gz from galaxy.yml."""
    assert tarball.name == tarball_name()


def test_tarball_leaves_out_development_files(members):
    """No tests, virtual environments, build output, collections/ link tree or caches are packed, at any depth."""
    top_level = [name for name in members if EXCLUDED_TOP_LEVEL.match(name)]
    directories = [name for name in members if any(EXCLUDED_DIRECTORY.match(part) for part in name.split("/"))]
    compiled = [name for name in members if name.endswith(".pyc")]
    archives = [name for name in members if name.endswith(".tar.gz")]

    assert top_level == []
    assert directories[:10] == []
    assert compiled == []
    assert archives == []


def test_tarball_contains_collection_content(members):
    """Modules, the role, the playbooks, the metadata and the docs are packed."""
    missing = [name for name in EXPECTED_MEMBERS if name not in members]

    assert missing == []


def test_installed_collection_outside_checkout(installed):
    """The install is a copy under the fresh collections path, not a link back into the checkout."""
    assert installed.root.is_dir()
    assert not installed.root.is_symlink()
    assert REPO_ROOT not in installed.root.resolve().parents


def test_installed_playbook_converges_then_changes_nothing(moto, installed, tmp_path):
    """playbooks/logs_bucket.yml runs the installed role by its FQCN; the second run changes nothing."""
    project_dir = tmp_path / "project"
    copy_playbook("playbooks/logs_bucket.yml", project_dir)
    bucket = unique_bucket("installed-logs")
    extra_vars = [
        f"logs_bucket_name={bucket}",
        f"logs_bucket_region={REGION}",
        "logs_bucket_access_logging=true",
    ]

    first, first_results = run_installed_playbook(moto, installed, project_dir, "first", extra_vars)
    mark = moto.mark()
    second, second_results = run_installed_playbook(moto, installed, project_dir, "second", extra_vars)

    role_tasks = str(installed.root / "roles" / "logs_bucket" / "tasks")
    assert role_tasks in first.stdout, first.stdout
    assert str(REPO_ROOT) not in first.stdout
    assert [entry["task"] for entry in first_results if entry["status"] == "changed"] == [
        f"logsafe.aws.logs_bucket : Create or update bucket {bucket}"
    ]
    assert [entry for entry in first_results if entry["status"] == "failed"] == []
    assert [entry for entry in second_results if entry["status"] in ("changed", "failed")] == [], second.stdout
    assert moto.writes_since(mark) == []
