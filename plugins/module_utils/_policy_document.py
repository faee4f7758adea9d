# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket policy documents: the ready statements, semantic comparison and merging by Sid."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from typing import Any, Dict, Iterable, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError

POLICY_VERSION = "2012-10-17"
SID_PREFIX = "Logsafe"
DENY_INSECURE_TRANSPORT_SID = "LogsafeDenyInsecureTransport"
DENY_OUTDATED_TLS_SID = "LogsafeDenyOutdatedTls"
TLS_VERSIONS = ("1.2", "1.3")
S3_ACCESS_LOGS_SID_PREFIX = "LogsafeS3AccessLogs"
S3_LOGGING_PRINCIPAL = "logging.s3.amazonaws.com"
# S3 rejects bucket policies larger than 20 KB.
MAX_POLICY_BYTES = 20 * 1024

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_SID = re.compile(r"^[A-Za-z0-9]*$")


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _scalar(value: Any) -> str:
    # JSON booleans and numbers in conditions mean the same as their string forms to IAM.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _normalize_principal(principal: Any, partition: str = "aws") -> Any:
    if principal is None:
        return None
    if principal == "*":
        return {"AWS": ["*"]}
    if not isinstance(principal, dict):
        return {"AWS": sorted(_scalar(value) for value in _as_list(principal))}
    normalized = {}
    for kind, values in principal.items():
        items = []
        for value in _as_list(values):
            text = _scalar(value)
            if kind == "AWS" and _ACCOUNT_ID.match(text):
                text = f"arn:{partition}:iam::{text}:root"
            items.append(text)
        normalized[kind] = sorted(set(items))
    return normalized


def normalize_statement(statement: Dict[str, Any], partition: str = "aws") -> Dict[str, Any]:
    """Return a statement in a canonical form, so that equal meanings compare equal with ``==``."""
    normalized: Dict[str, Any] = {}
    for key, value in statement.items():
        if key in ("Principal", "NotPrincipal"):
            normalized[key] = _normalize_principal(value, partition)
        elif key in ("Action", "NotAction", "Resource", "NotResource"):
            normalized[key] = sorted({_scalar(item) for item in _as_list(value)})
        elif key == "Condition":
            # Condition key names are case-insensitive in IAM; values are not.
            normalized[key] = {
                operator: {
                    name.lower(): sorted({_scalar(item) for item in _as_list(values)}) for name, values in block.items()
                }
                for operator, block in (value or {}).items()
            }
        else:
            normalized[key] = value
    return normalized


def _canonical_text(statement: Dict[str, Any], partition: str) -> str:
    return json.dumps(normalize_statement(statement, partition), sort_keys=True)


def documents_equal(first: Optional[Dict[str, Any]], second: Optional[Dict[str, Any]], partition: str = "aws") -> bool:
    """Compare two policy documents by meaning: statement order and value forms do not matter."""
    if first is None or second is None:
        return first is second
    if first.get("Version", POLICY_VERSION) != second.get("Version", POLICY_VERSION) or first.get("Id") != second.get(
        "Id"
    ):
        return False
    first_statements = sorted(_canonical_text(item, partition) for item in _as_list(first.get("Statement")))
    second_statements = sorted(_canonical_text(item, partition) for item in _as_list(second.get("Statement")))
    return first_statements == second_statements


def parse_policy(text: Optional[str], bucket: str) -> Optional[Dict[str, Any]]:
    """Parse the policy text that GetBucketPolicy returns."""
    if not text:
        return None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ValidationError(f"The policy of bucket {bucket} is not valid JSON: {error}.") from error
    return document


def deny_insecure_transport_statement(bucket_arn: str) -> Dict[str, Any]:
    """Build the statement that denies every request made without TLS, on the bucket and its objects."""
    return {
        "Sid": DENY_INSECURE_TRANSPORT_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def deny_outdated_tls_statement(bucket_arn: str, minimum_version: str) -> Dict[str, Any]:
    """Build the statement that denies requests made with a TLS version below ``minimum_version``."""
    return {
        "Sid": DENY_OUTDATED_TLS_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"NumericLessThan": {"s3:TlsVersion": minimum_version}},
    }


DENY_OTHER_ENCRYPTION_SID = "LogsafeDenyOtherEncryption"
DENY_DELETION_SID = "LogsafeDenyDeletion"
READ_ACCESS_SID = "LogsafeReadAccess"
READ_ACCESS_ORGANIZATION_SID = "LogsafeReadAccessOrganization"
# Actions that destroy logs or weaken the bucket's protection; deletion protection denies them.
PROTECTED_ACTIONS = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:DeleteBucket",
]
READ_ACTIONS = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]


def deny_other_encryption_statement(bucket_arn: str, sse_algorithm: str, kms_key_arn: Optional[str]) -> Dict[str, Any]:
    """Build the statement that denies uploads asking for other encryption than the bucket's default.

    Uploads without encryption headers pass: S3 applies the default encryption
    to them, and the log delivery services send no such headers.
    """
    condition: Dict[str, Any] = {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": sse_algorithm}}
    if kms_key_arn:
        condition["StringNotEqualsIfExists"]["s3:x-amz-server-side-encryption-aws-kms-key-id"] = kms_key_arn
    return {
        "Sid": DENY_OTHER_ENCRYPTION_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn}/*",
        "Condition": condition,
    }


def deny_deletion_statement(bucket_arn: str, break_glass_role_arns: List[str]) -> Dict[str, Any]:
    """Build the statement that denies deleting logs and weakening the bucket to everyone but break-glass roles."""
    return {
        "Sid": DENY_DELETION_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(PROTECTED_ACTIONS),
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": list(break_glass_role_arns)}},
    }


def read_access_statements(
    bucket_arn: str, principals: List[str], organization_id: Optional[str]
) -> List[Dict[str, Any]]:
    """Build the statements that let named principals, or a whole organization, read the logs."""
    statements = []
    if principals:
        statements.append(
            {
                "Sid": READ_ACCESS_SID,
                "Effect": "Allow",
                "Principal": {"AWS": list(principals)},
                "Action": list(READ_ACTIONS),
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
            }
        )
    if organization_id:
        statements.append(
            {
                "Sid": READ_ACCESS_ORGANIZATION_SID,
                "Effect": "Allow",
                "Principal": "*",
                "Action": list(READ_ACTIONS),
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}},
            }
        )
    return statements


def s3_access_logs_sid(source_bucket: str) -> str:
    """Return the stable Sid of the delivery statement for one source bucket."""
    readable = re.sub(r"[^A-Za-z0-9]", "", source_bucket.title())
    digest = hashlib.sha256(source_bucket.encode("utf-8")).hexdigest()[:8]
    return f"{S3_ACCESS_LOGS_SID_PREFIX}{readable}{digest}"


def s3_access_logs_statement(
    target_bucket_arn: str, prefix: str, source_bucket: str, account_id: str, partition: str = "aws"
) -> Dict[str, Any]:
    """Build the statement that lets S3 server access logging of ``source_bucket`` write under ``prefix``."""
    return {
        "Sid": s3_access_logs_sid(source_bucket),
        "Effect": "Allow",
        "Principal": {"Service": S3_LOGGING_PRINCIPAL},
        "Action": "s3:PutObject",
        "Resource": f"{target_bucket_arn}/{prefix}*",
        "Condition": {
            "ArnLike": {"aws:SourceArn": f"arn:{partition}:s3:::{source_bucket}"},
            "StringEquals": {"aws:SourceAccount": account_id},
        },
    }


def validate_statements(statements: Iterable[Dict[str, Any]], bucket: str) -> None:
    """Check raw statements given as options: each has a unique Sid of letters and digits, and the basic fields."""
    seen = set()
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict):
            raise ValidationError(
                f"Invalid policy statement #{index + 1} for bucket {bucket}: it must be a dict, got {type(statement).__name__}."
            )
        sid = statement.get("Sid")
        if not sid or not isinstance(sid, str):
            raise ValidationError(
                f"Invalid policy statement #{index + 1} for bucket {bucket}: it has no Sid. Statements are managed by Sid: add one."
            )
        if not _SID.match(sid):
            raise ValidationError(
                f"Invalid Sid '{sid}' for bucket {bucket}: a Sid may contain only letters and digits."
            )
        if sid in seen:
            raise ValidationError(
                f"Duplicate Sid '{sid}' in the policy statements for bucket {bucket}: each Sid must be unique."
            )
        seen.add(sid)
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise ValidationError(
                f"Invalid Effect {statement.get('Effect')!r} in statement '{sid}' for bucket {bucket}: use Allow or Deny."
            )
        if "Action" not in statement and "NotAction" not in statement:
            raise ValidationError(f"Statement '{sid}' for bucket {bucket} has no Action or NotAction.")
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise ValidationError(
                f"Statement '{sid}' for bucket {bucket} has no Principal: bucket policy statements need one."
            )


def merge_statements(
    current: Optional[Dict[str, Any]],
    managed: List[Dict[str, Any]],
    removed_sids: Iterable[str],
    purge: bool,
) -> Optional[Dict[str, Any]]:
    """Merge the managed statements into a policy by Sid.

    Statements of ``current`` with other Sids are kept unless ``purge``;
    ``removed_sids`` are dropped. Allow statements come before Deny ones (the
    order has no meaning to IAM, and it keeps delivery grants first). Returns
    None when no statement is left, which means "delete the policy".
    """
    managed_sids = {statement["Sid"] for statement in managed}
    dropped = set(removed_sids) | managed_sids
    document: Dict[str, Any] = {"Version": POLICY_VERSION}
    kept: List[Dict[str, Any]] = []
    if current:
        document = {key: value for key, value in current.items() if key != "Statement"}
        document.setdefault("Version", POLICY_VERSION)
        if not purge:
            kept = [item for item in _as_list(current.get("Statement")) if item.get("Sid") not in dropped]
    statements = list(managed) + kept
    if not statements:
        return None
    statements.sort(key=lambda item: item.get("Effect") != "Allow")
    document["Statement"] = statements
    return document


def denies_insecure_transport(document: Optional[Dict[str, Any]], bucket_arn: str) -> bool:
    """Tell whether a policy denies requests without TLS for everyone, on the bucket and on its objects."""
    covered = set()
    partition = bucket_arn.split(":")[1] if bucket_arn.startswith("arn:") else "aws"
    for statement in _as_list((document or {}).get("Statement")):
        normalized = normalize_statement(statement, partition)
        if normalized.get("Effect") != "Deny" or normalized.get("Principal") != {"AWS": ["*"]}:
            continue
        actions = normalized.get("Action", [])
        if not any(action in ("s3:*", "*") for action in actions):
            continue
        # Any other condition key or operator would narrow the denial to some of the requests without TLS.
        if normalized.get("Condition") != {"Bool": {"aws:securetransport": ["false"]}}:
            continue
        covered.update(normalized.get("Resource", []))
    return {bucket_arn, f"{bucket_arn}/*"} <= covered or "*" in covered


def policy_size(document: Dict[str, Any]) -> int:
    """Return the size in bytes of a policy as it is sent."""
    return len(json.dumps(document).encode("utf-8"))


def grants_s3_log_delivery(
    document: Optional[Dict[str, Any]], target_arn: str, prefix: str, source_bucket_arn: str, account_id: str
) -> bool:
    """Tell whether a target bucket policy lets S3 server access logging of a source write under a prefix."""
    key_arn = f"{target_arn}/{prefix}log-object"
    partition = target_arn.split(":")[1] if target_arn.startswith("arn:") else "aws"
    for statement in _as_list((document or {}).get("Statement")):
        normalized = normalize_statement(statement, partition)
        if normalized.get("Effect") != "Allow":
            continue
        if S3_LOGGING_PRINCIPAL not in (normalized.get("Principal") or {}).get("Service", []):
            continue
        if not {"s3:PutObject", "s3:*", "*"} & set(normalized.get("Action", [])):
            continue
        if not any(fnmatch.fnmatchcase(key_arn, resource) for resource in normalized.get("Resource", [])):
            continue
        conditions = normalized.get("Condition", {})
        source_arns = [
            value
            for block in conditions.values()
            for key, values in block.items()
            if key == "aws:sourcearn"
            for value in values
        ]
        accounts = [
            value
            for block in conditions.values()
            for key, values in block.items()
            if key == "aws:sourceaccount"
            for value in values
        ]
        if source_arns and not any(fnmatch.fnmatchcase(source_bucket_arn, value) for value in source_arns):
            continue
        if accounts and account_id not in accounts:
            continue
        return True
    return False
