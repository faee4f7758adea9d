# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit checks: their ids, titles, runbook commands and compliance mapping, and the shape of one result.

Security Hub control ids are those of the AWS Security Hub CSPM user guide
(controls for Amazon S3, AWS KMS and IAM). CIS items name the CIS AWS
Foundations Benchmark version, because the numbering changed between versions.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterable, NamedTuple, Optional, Tuple

from ansible_collections.logsafe.aws.plugins.module_utils._errors import AccessDeniedError, LogsafeError

PASS = "pass"
FAIL = "fail"
WARN = "warn"
ERROR = "error"
SKIPPED = "skipped"
STATUSES = (PASS, FAIL, WARN, ERROR, SKIPPED)
# Worst first: the status of a bucket is the first of these that one of its checks has.
SEVERITY_ORDER = (FAIL, ERROR, WARN, PASS, SKIPPED)

CIS_V3 = "CIS AWS Foundations Benchmark v3.0.0"
CIS_V14 = "CIS AWS Foundations Benchmark v1.4.0"


class CheckSpec(NamedTuple):
    """A check's title, the AWS CLI command that shows the same setting, and the controls it covers."""

    title: str
    command: str
    security_hub: Tuple[str, ...] = ()
    cis: Tuple[str, ...] = ()


# NOTE: the CIS numbers follow the "Related requirements" of Security Hub's control reference; check them
# against the benchmark version that the auditor uses.
# In the order of the runbook: existence, policy, access, encryption,
# lifecycle, access logs, then the settings the runbook assumes (ownership,
# public access block), the KMS key and the IAM principals.
CHECKS: Dict[str, CheckSpec] = {
    "bucket_exists": CheckSpec(
        "The bucket exists in the expected region",
        "aws s3api head-bucket --bucket {bucket}",
    ),
    "policy_present": CheckSpec(
        "The bucket has a bucket policy",
        "aws s3api get-bucket-policy --bucket {bucket}",
    ),
    "policy_tls_only": CheckSpec(
        "The bucket policy denies requests without TLS",
        "aws s3api get-bucket-policy --bucket {bucket}",
        ("S3.5",),
        (f"{CIS_V3} 2.1.1", f"{CIS_V14} 2.1.2"),
    ),
    "policy_not_public": CheckSpec(
        "No bucket policy statement grants public access",
        "aws s3api get-bucket-policy --bucket {bucket}",
        ("S3.2", "S3.3"),
    ),
    "policy_delivery_statements": CheckSpec(
        "The bucket policy contains the statements of the log sources",
        "aws s3api get-bucket-policy --bucket {bucket}",
    ),
    "list_objects": CheckSpec(
        "The caller can list the objects",
        "aws s3 ls s3://{bucket}",
    ),
    "encryption": CheckSpec(
        "Default encryption uses the expected algorithm and key",
        "aws s3api get-bucket-encryption --bucket {bucket}",
        ("S3.17",),
    ),
    "versioning": CheckSpec(
        "Versioning is enabled",
        "aws s3api get-bucket-versioning --bucket {bucket}",
        ("S3.14",),
    ),
    "lifecycle": CheckSpec(
        "The lifecycle rules are as expected",
        "aws s3api get-bucket-lifecycle-configuration --bucket {bucket}",
        ("S3.13",),
    ),
    "access_logging": CheckSpec(
        "Server access logging goes to the expected target bucket and prefix",
        "aws s3api get-bucket-logging --bucket {bucket}",
        ("S3.9",),
    ),
    "access_logging_target": CheckSpec(
        "The access log target bucket accepts delivery from this bucket",
        "aws s3api get-bucket-policy --bucket {target}",
    ),
    "ownership_controls": CheckSpec(
        "ACLs are disabled (object ownership BucketOwnerEnforced)",
        "aws s3api get-bucket-ownership-controls --bucket {bucket}",
        ("S3.12",),
    ),
    "public_access_block": CheckSpec(
        "The bucket-level public access block has all four flags on",
        "aws s3api get-public-access-block --bucket {bucket}",
        ("S3.8",),
        (f"{CIS_V3} 2.1.4",),
    ),
    "account_public_access_block": CheckSpec(
        "The account-level public access block has all four flags on",
        "aws s3control get-public-access-block --account-id {account}",
        ("S3.1",),
        (f"{CIS_V3} 2.1.4", f"{CIS_V14} 2.1.5"),
    ),
    "kms_key_state": CheckSpec(
        "The KMS key is enabled, symmetric and not pending deletion",
        "aws kms describe-key --key-id {key}",
        ("KMS.3",),
    ),
    "kms_key_rotation": CheckSpec(
        "Automatic rotation of the KMS key is enabled",
        "aws kms get-key-rotation-status --key-id {key}",
        ("KMS.4",),
        (f"{CIS_V3} 3.6", f"{CIS_V14} 3.8"),
    ),
    "kms_key_policy": CheckSpec(
        "The key policy lets S3 and the log services use the key",
        "aws kms get-key-policy --key-id {key} --policy-name default",
    ),
    "iam_user_access": CheckSpec(
        "The IAM user can write and read the logs",
        "aws iam list-attached-user-policies --user-name {principal}",
        ("IAM.21",),
    ),
    "iam_role_access": CheckSpec(
        "The IAM role can write and read the logs",
        "aws iam list-attached-role-policies --role-name {principal}",
        ("IAM.21",),
    ),
}

# The checks that every audited bucket reports, whether they apply or not (then they are skipped).
BUCKET_CHECK_IDS = tuple(check_id for check_id in CHECKS if not check_id.startswith("iam_"))


def render(value: Any) -> str:
    """Render an observed or expected value for a message: text as it is, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def make_check(
    check_id: str,
    bucket: str,
    status: str,
    finding: str,
    observed: Any = None,
    expected: Any = None,
    remediation: Optional[str] = None,
    subject: Optional[str] = None,
    iam_action: Optional[str] = None,
    **command_values: str,
) -> Dict[str, Any]:
    """Build one check result; the message repeats the expected value, the fix and the command unless the check passed.

    ``finding`` is a full sentence about what was observed. ``command_values``
    fill the placeholders of the check's command besides ``{bucket}``.
    """
    spec = CHECKS[check_id]
    command = spec.command.format(bucket=bucket, **command_values)
    parts = [finding.rstrip(".") + "."]
    if status in (FAIL, WARN, ERROR):
        if expected is not None and status != ERROR:
            parts.append(f"Expected: {render(expected)}.")
        if remediation:
            parts.append(remediation if remediation.endswith(".") else f"{remediation}.")
        parts.append(f"Check with: {command}")
    return {
        "id": check_id,
        "title": spec.title,
        "bucket": bucket,
        "subject": subject or bucket,
        "status": status,
        "message": " ".join(parts),
        "observed": observed,
        "expected": expected,
        "remediation": remediation,
        "command": command,
        "iam_action": iam_action,
        "security_hub": list(spec.security_hub),
        "cis": list(spec.cis),
    }


# IAM actions of the audit's reads that the shared table of the modules does not name.
_READ_ACTIONS = {
    "GetBucketAcl": "s3:GetBucketAcl",
    "ListBuckets": "s3:ListAllMyBuckets",
}
_GRANT_SENTENCE = re.compile(r"\.? Grant \S+ to the caller\.$")


def denied_action(error: LogsafeError, service: str) -> Optional[str]:
    """Return the IAM action that a failed read needed, or None when the error was not a denial."""
    if not isinstance(error, AccessDeniedError):
        return None
    if service in ("iam", "kms"):
        # Both services name their IAM actions after the API operations.
        return f"{service}:{error.operation}"
    return error.details.get("iam_action") or _READ_ACTIONS.get(error.operation)


def error_check(
    check_id: str, bucket: str, error: LogsafeError, service: str = "s3", action: Optional[str] = None, **values: Any
) -> Dict[str, Any]:
    """Build the ``error`` result of a check whose read failed, naming the IAM action when it was denied.

    ``service`` is the service of the failed request, because IAM and KMS name
    their actions after the operation and S3 does not.
    """
    action = action or denied_action(error, service)
    finding = _GRANT_SENTENCE.sub("", error.message)
    remediation = None
    if action:
        remediation = f"Grant {action} to the caller, or run the audit with credentials that have it."
    return make_check(check_id, bucket, ERROR, finding, remediation=remediation, iam_action=action, **values)


def count_statuses(checks: Iterable[Dict[str, Any]]) -> Dict[str, int]:
    """Count checks by status; every status is a key, and ``total`` counts them all."""
    counts = dict.fromkeys(STATUSES, 0)
    for check in checks:
        counts[check["status"]] += 1
    counts["total"] = sum(counts[status] for status in STATUSES)
    return counts


def worst_status(checks: Iterable[Dict[str, Any]]) -> str:
    """Return the most severe status among the checks; ``skipped`` when there are none."""
    present = {check["status"] for check in checks}
    for status in SEVERITY_ORDER:
        if status in present:
            return status
    return SKIPPED
