"""The execution environment: ansible-builder finds the collection's Python dependencies, and ee/ makes a build context.

No container engine is needed: `ansible-builder introspect` and `ansible-builder
create` only read files and write the build context. The galaxy stage of the
image build is repeated outside a container by running its
`ansible-galaxy collection install` command in the context's _build directory.
"""

from __future__ import annotations

import filecmp
import shutil

import pytest
import yaml
from packaging.requirements import Requirement

from integration.installed_collection import (
    REPO_ROOT,
    VENV_BIN,
    build_and_install,
    outside_env,
    run_command,
    tarball_name,
)

EE_DIR = REPO_ROOT / "ee"
COLLECTION_COMMENT = "# from collection logsafe.aws"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the tarball once for this module and install it into a fresh collections path."""
    return build_and_install(tmp_path_factory.mktemp("ee-tarball"))


@pytest.fixture(scope="module")
def build_context(installed, tmp_path_factory):
    """Run `ansible-builder create` on a copy of ee/ with the built tarball next to it; return the context."""
    workdir = tmp_path_factory.mktemp("ee-create")
    ee_copy = workdir / "ee"
    shutil.copytree(EE_DIR, ee_copy)
    shutil.copy(installed.tarball, ee_copy)
    context = workdir / "context"
    run_command(
        [
            str(VENV_BIN / "ansible-builder"),
            "create",
            "--file",
            str(ee_copy / "execution-environment.yml"),
            "--context",
            str(context),
            "--output-filename",
            "Containerfile",
        ],
        cwd=workdir,
        env=outside_env(),
    )
    return context


def introspect(collections_path) -> dict:
    """Run `ansible-builder introspect --sanitize` and return its YAML output as a dict."""
    completed = run_command(
        [str(VENV_BIN / "ansible-builder"), "introspect", "--sanitize", str(collections_path)],
        cwd=collections_path,
        env=outside_env(),
    )
    return yaml.safe_load(completed.stdout)


def collection_requirements() -> dict[str, str]:
    """Return requirements.txt of the collection as {name: specifier}."""
    lines = (REPO_ROOT / "requirements.txt").read_text().splitlines()
    requirements = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    return {requirement.name: str(requirement.specifier) for requirement in requirements}


def introspected_requirements(dependencies: dict) -> dict[str, str]:
    """Return the Python lines that introspect attributes to logsafe.aws, as {name: specifier}."""
    found = {}
    for line in dependencies["python"]:
        if COLLECTION_COMMENT not in line:
            continue
        requirement = Requirement(line.split("#", 1)[0].strip())
        found[requirement.name] = str(requirement.specifier)
    return found


def test_collection_metadata_names_requirements_txt():
    """meta/execution-environment.yml points ansible-builder at requirements.txt and needs no system package."""
    metadata = yaml.safe_load((REPO_ROOT / "meta" / "execution-environment.yml").read_text())

    assert metadata["version"] == 1
    assert metadata["dependencies"] == {"python": "requirements.txt"}
    assert not (REPO_ROOT / "bindep.txt").exists()


def test_introspect_lists_boto3_and_botocore(installed):
    """Introspection of the installed collection returns boto3 and botocore with the versions of requirements.txt."""
    dependencies = introspect(installed.collections_path)

    assert introspected_requirements(dependencies) == collection_requirements()
    assert set(collection_requirements()) == {"boto3", "botocore"}
    assert dependencies["system"] == []


def test_ee_requirements_name_current_tarball():
    """ee/requirements.yml installs the tarball of the version in galaxy.yml."""
    requirements = yaml.safe_load((EE_DIR / "requirements.yml").read_text())

    assert requirements["collections"] == [{"name": f"collections/{tarball_name()}", "type": "file"}]


def test_builder_create_writes_build_context(build_context, installed):
    """The context has a Containerfile, the galaxy requirements and the tarball under _build/."""
    containerfile = (build_context / "Containerfile").read_text()
    copied_tarball = build_context / "_build" / "collections" / installed.tarball.name

    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect.py introspect" in containerfile
    assert 'ANSIBLE_INSTALL_REFS="ansible-core==2.19.* ansible-runner==2.4.*"' in containerfile
    assert (build_context / "_build" / "requirements.yml").read_text() == (EE_DIR / "requirements.yml").read_text()
    assert filecmp.cmp(copied_tarball, installed.tarball, shallow=False)


def test_build_context_installs_collection(build_context, tmp_path):
    """The galaxy stage's install command, run in _build/, installs logsafe.aws with boto3 and botocore as dependencies."""
    collections_path = tmp_path / "usr-share-ansible-collections"
    run_command(
        [
            str(VENV_BIN / "ansible-galaxy"),
            "collection",
            "install",
            "-r",
            "requirements.yml",
            "--collections-path",
            str(collections_path),
        ],
        cwd=build_context / "_build",
        env=outside_env(extra={"ANSIBLE_COLLECTIONS_PATH": str(collections_path)}),
    )

    dependencies = introspect(collections_path)

    assert (collections_path / "ansible_collections" / "logsafe" / "aws" / "MANIFEST.json").is_file()
    assert introspected_requirements(dependencies) == collection_requirements()
