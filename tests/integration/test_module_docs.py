"""The documentation of every module and of the role, as `ansible-doc` reads it from this checkout.

ansible-test's validate-modules checks each module's documentation against its
argument spec. These tests check what it leaves out. `ansible-doc` must render
every module and both entry points of the role without an error or a warning,
and `ansible-doc --list` must find every module file. Every RETURN value,
nested ones included, must have a sample of its documented type.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTION = "logsafe.aws"
ANSIBLE_DOC = Path(sys.executable).parent / "ansible-doc"
MODULES = sorted(path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__")
ROLE = f"{COLLECTION}.logs_bucket"
DOC_TIMEOUT = 120

# Python types that a RETURN sample of each documented type may have.
SAMPLE_TYPES = {
    "str": (str,),
    "bool": (bool,),
    "int": (int,),
    "float": (float, int),
    "list": (list,),
    "dict": (dict,),
    "complex": (dict, list),
    "raw": (object,),
}


def ansible_doc(*arguments: str) -> subprocess.CompletedProcess:
    """Run ansible-doc from the repository root, where ansible.cfg finds the collection through collections/."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(
        [str(ANSIBLE_DOC), *arguments],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=DOC_TIMEOUT,
        check=False,
    )


# ansible-core 2.21 warns on every `ansible-doc -t role` run that its own
# internal collection ansible._protomatter has no MANIFEST.json. That warning
# is not about this collection.
IGNORED_WARNINGS = ("/ansible/_internal/ansible_collections/",)


def assert_clean(completed: subprocess.CompletedProcess) -> None:
    assert completed.returncode == 0, completed.stderr
    assert "[ERROR]" not in completed.stderr, completed.stderr
    warnings = [
        line
        for line in completed.stderr.splitlines()
        if "[WARNING]" in line and not any(text in line for text in IGNORED_WARNINGS)
    ]
    assert not warnings, completed.stderr


@pytest.fixture(scope="module")
def module_docs() -> dict:
    """Return the `ansible-doc --json` documentation of every module, by module name."""
    completed = ansible_doc("--json", "-t", "module", *[f"{COLLECTION}.{name}" for name in MODULES])
    assert_clean(completed)
    docs = json.loads(completed.stdout)
    return {fqcn.rsplit(".", 1)[-1]: doc for fqcn, doc in docs.items()}


def test_list_finds_every_module() -> None:
    completed = ansible_doc("--list", "--json", "-t", "module", COLLECTION)
    assert_clean(completed)
    listed = sorted(fqcn.rsplit(".", 1)[-1] for fqcn in json.loads(completed.stdout))
    assert listed == MODULES


@pytest.mark.parametrize("module", MODULES)
def test_module_doc_renders(module: str) -> None:
    completed = ansible_doc(f"{COLLECTION}.{module}")
    assert_clean(completed)
    assert f"{COLLECTION}.{module}" in completed.stdout
    for heading in ("OPTIONS", "EXAMPLES:", "RETURN VALUES:"):
        assert heading in completed.stdout, f"{module}: no {heading} section"


@pytest.mark.parametrize("entry_point", ["main", "verify"])
def test_role_doc_renders(entry_point: str) -> None:
    completed = ansible_doc("-t", "role", "--entry-point", entry_point, ROLE)
    assert_clean(completed)
    # ansible-core 2.19 prints the name as *main*, and older releases print it without asterisks.
    assert re.search(rf"^ENTRY POINT: \*?{entry_point}\*? - ", completed.stdout, re.MULTILINE), completed.stdout


def _return_values(values: dict, prefix: str = ""):
    """Yield (dotted name, documentation) for every RETURN value, nested ones included."""
    for name, doc in values.items():
        yield prefix + name, doc
        yield from _return_values(doc.get("contains") or {}, f"{prefix}{name}.")


@pytest.mark.parametrize("module", MODULES)
def test_return_values_have_samples(module_docs: dict, module: str) -> None:
    returns = module_docs[module].get("return") or {}
    assert returns, f"{module} documents no RETURN values"
    for name, doc in _return_values(returns):
        for field in ("description", "type", "returned", "sample"):
            assert field in doc, f"{module}: RETURN value {name} has no {field}"
        sample = doc["sample"]
        if sample is not None:
            assert isinstance(sample, SAMPLE_TYPES[doc["type"]]), (
                f"{module}: the sample of {name} is {sample!r}, not of type {doc['type']}"
            )
        if doc["type"] == "list" and doc.get("contains"):
            assert doc.get("elements") == "dict", f"{module}: list {name} has contains but elements is not dict"
