"""Run a module of the collection in the test process, for cases where ansible-playbook's start-up dominates.

main() runs with the same argument spec, validation and requests as under
ansible-playbook. Options that name the moto endpoint come from the
environment, so a test sets the environment of MotoServer.env() first (see
the ``module_env`` fixtures).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json

import pytest

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:
    # ansible-core before 2.19 has no patch_module_args. AnsibleModule there
    # reads its arguments from basic._ANSIBLE_ARGS when that is set.
    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args: dict):
        """Make AnsibleModule read ``args`` as its module arguments, as patch_module_args does in 2.19."""
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


MODULE_PACKAGE = "ansible_collections.logsafe.aws.plugins.modules"


def run_in_process(module_name: str, args: dict, check: bool = False, diff: bool = False) -> dict:
    """Run the main() of ``module_name`` (a short name such as s3_bucket) and return the result it prints."""
    module = importlib.import_module(f"{MODULE_PACKAGE}.{module_name}")
    module_args = dict(args)
    if check:
        module_args["_ansible_check_mode"] = True
    if diff:
        module_args["_ansible_diff"] = True
    output = io.StringIO()
    with patch_module_args(module_args), contextlib.redirect_stdout(output), pytest.raises(SystemExit):
        module.main()
    return json.loads(output.getvalue())


def warning_texts(result: dict) -> list[str]:
    """Return the warning messages of a module result.

    In this process a module prints ansible-core 2.19's structured warnings,
    {"event": {"msg": ...}}, which ansible-playbook turns back into text.
    """
    texts = []
    for warning in result.get("warnings", []):
        texts.append(warning["event"]["msg"] if isinstance(warning, dict) else str(warning))
    return texts
