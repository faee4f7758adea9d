# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The part of ``main()`` that every logsafe.aws module shares: set up clients, run, report failures."""

from __future__ import annotations

from typing import Any, Callable, Dict

from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients, check_boto3
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, LogsafeError


def run_module(module: Any, body: Callable[[AwsClients], Dict[str, Any]]) -> None:
    """Call ``body`` with the module's clients and exit with its result, or fail with the error's message and details."""
    check_boto3(module)
    try:
        aws = AwsClients(module.params)
        result = body(aws)
    except LogsafeError as error:
        failure: Dict[str, Any] = {key: value for key, value in error.details.items() if key != "partial_result"}
        failure.update(error.details.get("partial_result") or {})
        if isinstance(error, AwsApiError):
            failure.update(error_code=error.error_code, operation=error.operation)
        written = error.details.get("written") or {}
        failure["changed"] = any(written.values())
        module.fail_json(msg=error.message, **failure)
    module.exit_json(**result)
