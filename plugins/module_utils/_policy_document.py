# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket policy documents: the ready statements, semantic comparison and merging by Sid."""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import json
import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

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


# The elements of a policy statement in the IAM JSON policy grammar.
STATEMENT_ELEMENTS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
# The condition operators of the IAM JSON policy reference ("IAM JSON policy elements: Condition
# operators"). Every operator but Null also exists with the IfExists suffix, and any of them with the
# ForAllValues: or ForAnyValue: prefix for keys with several values.
CONDITION_OPERATORS = (
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
)
SET_OPERATOR_PREFIXES = ("ForAllValues:", "ForAnyValue:")
_IF_EXISTS = "IfExists"
# NOTE: operator names are matched without regard to case, so a wrongly cased name passes here.
_OPERATORS_BY_LOWER = {operator.lower(): operator for operator in CONDITION_OPERATORS}

# Condition keys that limit a statement with Principal "*" to known requesters when compared with
# fixed values. The AWS SDK for .NET reference of PublicAccessBlockConfiguration names aws:SourceArn,
# aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount, aws:userid, aws:SourceIp and
# the KMS key id. The aws:Principal* keys are added so that a statement limited to one organization,
# account or role is never rejected as public.
_LIMITING_CONDITION_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceowner",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:sourceip",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:dataaccesspointarn",
        "s3:dataaccesspointaccount",
    }
)
LIMITING_CONDITION_KEYS_TEXT = (
    "aws:SourceArn, aws:SourceAccount, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:PrincipalOrgID, "
    "aws:PrincipalAccount, aws:PrincipalArn, aws:userid or aws:SourceIp"
)
# Operators that let a request through only when its key equals or matches one of the listed values.
# Negated operators, IfExists and ForAllValues: also let through requests without the key.
_LIMITING_OPERATORS = frozenset(
    {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "IpAddress"}
)


def validate_statements(statements: Iterable[Dict[str, Any]], bucket: str, partition: str = "aws") -> None:
    """Check raw statements given as options against what S3 accepts in a bucket policy.

    Each statement needs a unique Sid of letters and digits, only the elements of the
    IAM grammar, an Effect, a Principal, S3 actions, resources of this bucket and known
    condition operators. Raises ValidationError naming the statement, the value and the fix.
    """
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
        _check_elements(statement, sid, bucket)
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise ValidationError(
                f"Invalid Effect {statement.get('Effect')!r} in statement '{sid}' for bucket {bucket}: use Allow or Deny."
            )
        _check_actions(statement, sid, bucket)
        _check_principal(statement, sid, bucket)
        _check_resources(statement, sid, bucket, f"arn:{partition}:s3:::{bucket}")
        _check_condition(statement.get("Condition"), sid, bucket)


def _check_elements(statement: Dict[str, Any], sid: str, bucket: str) -> None:
    for key in statement:
        if key not in STATEMENT_ELEMENTS:
            close = difflib.get_close_matches(str(key), STATEMENT_ELEMENTS, n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise ValidationError(
                f"Unknown element '{key}' in statement '{sid}' for bucket {bucket}.{hint} A statement may contain "
                f"only {', '.join(STATEMENT_ELEMENTS)}."
            )
    for positive, negative in (("Action", "NotAction"), ("Principal", "NotPrincipal"), ("Resource", "NotResource")):
        if positive in statement and negative in statement:
            raise ValidationError(
                f"Statement '{sid}' for bucket {bucket} has both {positive} and {negative}. Keep one of them."
            )


def _check_actions(statement: Dict[str, Any], sid: str, bucket: str) -> None:
    element = "NotAction" if "NotAction" in statement else "Action"
    values = _as_list(statement.get(element))
    if not values:
        raise ValidationError(f"Statement '{sid}' for bucket {bucket} has no Action or NotAction.")
    for value in values:
        # IAM compares service prefixes without regard to case.
        if not isinstance(value, str) or not (value == "*" or value.lower().startswith("s3:")):
            raise ValidationError(
                f"Invalid {element} {value!r} in statement '{sid}' for bucket {bucket}: a bucket policy accepts only "
                "S3 actions. Use actions that start with s3: (such as s3:GetObject) or '*', and grant the actions of "
                "other services in an IAM policy."
            )


def _check_principal(statement: Dict[str, Any], sid: str, bucket: str) -> None:
    if "Principal" not in statement and "NotPrincipal" not in statement:
        raise ValidationError(
            f"Statement '{sid}' for bucket {bucket} has no Principal: bucket policy statements need one."
        )
    element = "NotPrincipal" if "NotPrincipal" in statement else "Principal"
    principal = statement[element]
    if principal == "*":
        return
    if isinstance(principal, dict) and principal and all(kind in PRINCIPAL_TYPES for kind in principal):
        return
    raise ValidationError(
        f"Invalid {element} {principal!r} in statement '{sid}' for bucket {bucket}: use \"*\" or a dict whose keys "
        f'are {", ".join(PRINCIPAL_TYPES)}, such as {{"AWS": "arn:aws:iam::111122223333:root"}}.'
    )


def _check_resources(statement: Dict[str, Any], sid: str, bucket: str, bucket_arn: str) -> None:
    element = "NotResource" if "NotResource" in statement else "Resource"
    values = _as_list(statement.get(element))
    if not values:
        raise ValidationError(
            f"Statement '{sid}' for bucket {bucket} has no Resource or NotResource. Add Resource with the bucket ARN "
            f"{bucket_arn}, its objects {bucket_arn}/*, or both."
        )
    for value in values:
        # NOTE: NotResource values are not checked against the bucket, because a list of
        # exclusions that names another bucket is not known to fail.
        if not isinstance(value, str) or (element == "Resource" and not _resource_in_bucket(value, bucket_arn)):
            raise ValidationError(
                f"Invalid {element} {value!r} in statement '{sid}' for bucket {bucket}: a bucket policy applies only "
                f"to its own bucket and objects. Use {bucket_arn} or {bucket_arn}/ followed by an object key or "
                f"pattern, such as {bucket_arn}/*, and grant access to other buckets in their own policies."
            )


def _check_condition(condition: Any, sid: str, bucket: str) -> None:
    if condition is None:
        return
    if not isinstance(condition, dict):
        raise ValidationError(
            f"Invalid Condition {condition!r} in statement '{sid}' for bucket {bucket}: it must be a dict of condition "
            'operators, such as {"StringEquals": {"aws:SourceAccount": "111122223333"}}.'
        )
    for operator, block in condition.items():
        if parse_condition_operator(str(operator)) is None:
            names = [*CONDITION_OPERATORS, *(f"{name}{_IF_EXISTS}" for name in CONDITION_OPERATORS if name != "Null")]
            close = difflib.get_close_matches(str(operator), names, n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise ValidationError(
                f"Unknown condition operator '{operator}' in statement '{sid}' for bucket {bucket}.{hint} Use an "
                "operator of the IAM policy reference, such as StringEquals, ArnLike, IpAddress or Bool, with the "
                "IfExists suffix or a ForAllValues: or ForAnyValue: prefix where needed."
            )
        if not isinstance(block, dict) or not block:
            raise ValidationError(
                f"Invalid condition block {operator} in statement '{sid}' for bucket {bucket}: it must map condition "
                f'keys to values, such as {{"{operator}": {{"aws:SourceAccount": "111122223333"}}}}.'
            )


def parse_condition_operator(name: str) -> Optional[Tuple[str, str, bool]]:
    """Split a condition operator into its set prefix, base operator and IfExists flag, or return None for an unknown one."""
    prefix = next((item for item in SET_OPERATOR_PREFIXES if name.lower().startswith(item.lower())), "")
    rest = name[len(prefix) :]
    if_exists = rest.lower().endswith(_IF_EXISTS.lower())
    if if_exists:
        rest = rest[: -len(_IF_EXISTS)]
    base = _OPERATORS_BY_LOWER.get(rest.lower())
    if base is None or (if_exists and base == "Null"):
        return None
    return prefix, base, if_exists


def _glob_regex(pattern: str) -> str:
    # In IAM ARN patterns "*" is any run of characters and "?" is one character. Nothing else is special.
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _resource_in_bucket(pattern: str, bucket_arn: str) -> bool:
    """Tell whether a Resource pattern can match the bucket ARN or the ARN of an object in the bucket."""
    if re.fullmatch(_glob_regex(pattern), bucket_arn, re.DOTALL):
        return True
    # The pattern can match some object ARN exactly when one of its beginnings matches "BUCKET_ARN/",
    # because whatever follows that beginning can match the rest of some object key.
    object_prefix = f"{bucket_arn}/"
    return any(re.fullmatch(_glob_regex(pattern[:end]), object_prefix, re.DOTALL) for end in range(len(pattern) + 1))


def public_grant_reason(statement: Dict[str, Any]) -> Optional[str]:
    """Describe why an Allow statement grants access to everyone, or return None when it does not.

    A simplified form of the S3 Block Public Access rule: Principal "*" counts as public
    unless a condition compares one of the limiting keys with fixed values (no wildcard
    and no policy variable). Deny statements never count.
    """
    if statement.get("Effect") != "Allow":
        return None
    if "NotPrincipal" in statement:
        return "it is an Allow statement with NotPrincipal, which grants access to every principal not listed"
    principal = statement.get("Principal")
    everyone = principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS")))
    if not everyone or _limits_requesters(statement.get("Condition")):
        return None
    return f'its Principal is "*" and no condition limits it to fixed values of {LIMITING_CONDITION_KEYS_TEXT}'


def _limits_requesters(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for operator, block in condition.items():
        parsed = parse_condition_operator(str(operator))
        if parsed is None or not isinstance(block, dict):
            continue
        prefix, base, if_exists = parsed
        if if_exists or prefix == "ForAllValues:" or base not in _LIMITING_OPERATORS:
            continue
        for key, values in block.items():
            items = [_scalar(value) for value in _as_list(values)]
            if str(key).lower() in _LIMITING_CONDITION_KEYS and items and all(_is_fixed(item) for item in items):
                return True
    return False


def _is_fixed(value: str) -> bool:
    return not any(marker in value for marker in ("*", "?", "${"))


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
