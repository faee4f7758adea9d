"""Consistency of the logs_bucket role's interface: defaults, argument specs and README.

ansible-core validates role variables against meta/argument_specs.yml, but it
applies defaults/main.yml, not the spec defaults, and it never compares the
two. These tests fail when the files drift apart, so that `ansible-doc -t role`
and the role README describe what the role really does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

ROLE_DIR = Path(__file__).resolve().parents[2] / "roles" / "logs_bucket"
DEFAULTS_FILE = ROLE_DIR / "defaults" / "main.yml"
SPECS_FILE = ROLE_DIR / "meta" / "argument_specs.yml"
README_FILE = ROLE_DIR / "README.md"

# Python types that a value of each argument spec type may have in YAML.
# None stands for an option that is unset by default.
SPEC_TYPES = {
    "str": (str,),
    "bool": (bool,),
    "int": (int,),
    "float": (float, int),
    "list": (list,),
    "dict": (dict,),
    "path": (str,),
    "raw": (object,),
}

# A README table row: | `name` | default | description |
README_ROW = re.compile(r"^\|\s*`(?P<name>logs_bucket_\w+)`\s*\|\s*(?P<default>[^|]*?)\s*\|")


class _SpecLoader(yaml.SafeLoader):
    """A safe YAML loader that reads Ansible's !unsafe tag as a plain string."""


_SpecLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_SpecLoader)


@pytest.fixture(scope="module")
def defaults() -> Dict[str, Any]:
    return _load(DEFAULTS_FILE) or {}


@pytest.fixture(scope="module")
def entry_points() -> Dict[str, Any]:
    return _load(SPECS_FILE)["argument_specs"]


@pytest.fixture(scope="module")
def main_options(entry_points: Dict[str, Any]) -> Dict[str, Any]:
    return entry_points["main"]["options"]


def test_spec_has_main_and_verify(entry_points: Dict[str, Any]) -> None:
    assert set(entry_points) == {"main", "verify"}


def test_every_default_is_in_spec(defaults: Dict[str, Any], main_options: Dict[str, Any]) -> None:
    missing = sorted(set(defaults) - set(main_options))
    assert not missing, f"{DEFAULTS_FILE.name} sets variables that the main entry point does not describe: {missing}"


def test_every_spec_default_is_in_defaults(defaults: Dict[str, Any], main_options: Dict[str, Any]) -> None:
    missing = sorted(name for name, option in main_options.items() if "default" in option and name not in defaults)
    assert not missing, f"the main entry point gives defaults that {DEFAULTS_FILE.name} does not set: {missing}"


def test_required_options_have_no_default(defaults: Dict[str, Any], main_options: Dict[str, Any]) -> None:
    required = {name for name, option in main_options.items() if option.get("required")}
    assert not required & set(defaults), "a required variable must not have a default"
    assert not [name for name in required if "default" in main_options[name]]


def test_options_are_required_or_have_default(main_options: Dict[str, Any]) -> None:
    """Every optional variable has a default, so that the tasks never meet an undefined one."""
    undefined = sorted(name for name, option in main_options.items() if not option.get("required") and "default" not in option)
    assert not undefined


@pytest.mark.parametrize("entry_point", ["main", "verify"])
def test_options_have_type_and_description(entry_points: Dict[str, Any], entry_point: str) -> None:
    for name, option in entry_points[entry_point]["options"].items():
        assert option.get("type") in SPEC_TYPES, f"{entry_point}: {name} has no known type"
        assert option.get("description"), f"{entry_point}: {name} has no description"
        if option["type"] == "list":
            assert "elements" in option, f"{entry_point}: list option {name} has no elements"


def test_default_values_match_spec(defaults: Dict[str, Any], main_options: Dict[str, Any]) -> None:
    for name, value in defaults.items():
        option = main_options.get(name, {})
        assert option.get("default") == value, (
            f"{name}: {DEFAULTS_FILE.name} has {value!r}, meta/argument_specs.yml has {option.get('default')!r}"
        )


def test_default_types_match_spec(defaults: Dict[str, Any], main_options: Dict[str, Any]) -> None:
    for name, value in defaults.items():
        spec_type = main_options.get(name, {}).get("type", "raw")
        if value is None:
            continue
        # bool is a subclass of int, so an int option must not accept true or false.
        wrong_bool = isinstance(value, bool) and spec_type != "bool"
        assert isinstance(value, SPEC_TYPES[spec_type]) and not wrong_bool, (
            f"{name}: default {value!r} is not of type {spec_type}"
        )


def test_defaults_pass_spec_validation(defaults: Dict[str, Any], main_options: Dict[str, Any]) -> None:
    """Validate the defaults with the validator that ansible-core runs for the role, so nested rules are checked too."""
    variables = dict(defaults, logs_bucket_name="example-logs")
    result = ArgumentSpecValidator(main_options).validate(variables)
    assert not result.error_messages


def test_verify_options_are_main_options(entry_points: Dict[str, Any], main_options: Dict[str, Any]) -> None:
    verify_options = entry_points["verify"]["options"]
    extra = sorted(set(verify_options) - set(main_options))
    assert not extra, f"verify takes variables that main does not: {extra}"
    for name, option in verify_options.items():
        assert option == main_options[name], f"verify describes {name} differently from main"


def _readme_rows() -> Dict[str, str]:
    """Return the Default cell of each row of the README's variable table, by variable name."""
    rows: Dict[str, str] = {}
    for line in README_FILE.read_text(encoding="utf-8").splitlines():
        match = README_ROW.match(line)
        if match:
            assert match.group("name") not in rows, f"{match.group('name')} appears twice in the README table"
            rows[match.group("name")] = match.group("default")
    return rows


def test_readme_table_lists_spec_options(main_options: Dict[str, Any]) -> None:
    rows = _readme_rows()
    assert sorted(set(main_options) - set(rows)) == [], "variables missing from the README table"
    assert sorted(set(rows) - set(main_options)) == [], "README table rows for variables the spec does not have"


def test_readme_table_defaults(main_options: Dict[str, Any]) -> None:
    """Check the Default cells that are one YAML literal (`true`, `null`, `{}`) or the word "required"."""
    for name, cell in _readme_rows().items():
        option = main_options.get(name, {})
        if cell == "required":
            assert option.get("required"), f"the README calls {name} required, the spec does not"
            continue
        assert not option.get("required"), f"{name} is required, the README gives it a default"
        literal = re.fullmatch(r"`([^`]*)`", cell)
        if literal is None or "{{" in literal.group(1):
            continue
        assert yaml.safe_load(literal.group(1)) == option.get("default"), (
            f"README default of {name} is {cell}, the spec has {option.get('default')!r}"
        )


def test_readme_names_variables_verify_does_not_read(entry_points: Dict[str, Any], main_options: Dict[str, Any]) -> None:
    text = " ".join(README_FILE.read_text(encoding="utf-8").split())
    sentence = re.search(r"The `verify` entry point reads the same variables, except (?P<names>[^.]*)\.", text)
    assert sentence, "the README no longer says which variables verify does not read"
    named = set(re.findall(r"`(logs_bucket_\w+)`", sentence.group("names")))
    assert named == set(main_options) - set(entry_points["verify"]["options"])


def test_variable_name_list_matches_spec(main_options: Dict[str, Any]) -> None:
    """validate.yml checks logs_bucket_ variables against a literal list in vars/main.yml, not the spec itself."""
    names = _load(ROLE_DIR / "vars" / "main.yml")["__logs_bucket_variable_names"]
    assert names == sorted(main_options), "update __logs_bucket_variable_names in vars/main.yml to the spec's options"
