# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""KMS key policy documents for log delivery: the Logsafe statements, merging by Sid, and the root guard.

Every function here is pure. A key policy always keeps a statement that
allows the account root ``kms:*`` on the key (the ``Enable IAM User
Permissions`` statement of the default key policy): without it, nobody in the
account could change the key policy again, and only AWS Support could restore
access to the key and to every log encrypted with it.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import (
    CLOUDTRAIL_PRINCIPAL,
    CONFIG_PRINCIPAL,
    VENDED_LOGS_PRINCIPAL,
    required_key_grants,
)
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    POLICY_VERSION,
    S3_LOGGING_PRINCIPAL,
    SID_PREFIX,
    merge_statements,
    normalize_statement,
)

ROOT_STATEMENT_SID = "Enable IAM User Permissions"
# KMS rejects key policies larger than 32 KB.
MAX_KEY_POLICY_BYTES = 32 * 1024

# One statement per delivering service principal, with a fixed Sid.
SERVICE_STATEMENT_SIDS = {
    S3_LOGGING_PRINCIPAL: "LogsafeKeyS3AccessLogs",
    VENDED_LOGS_PRINCIPAL: "LogsafeKeyVendedLogs",
    CLOUDTRAIL_PRINCIPAL: "LogsafeKeyCloudTrail",
    CONFIG_PRINCIPAL: "LogsafeKeyConfig",
}
READERS_SID = "LogsafeKeyReaders"
S3_USE_SID = "LogsafeKeyS3Use"
DELETION_WINDOW_SID = "LogsafeKeyDenyShortDeletionWindow"

READER_ACTIONS = ["kms:Decrypt", "kms:DescribeKey"]
# S3 calls GenerateDataKey to write an SSE-KMS object and Decrypt to read it.
S3_USE_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"]
# ScheduleKeyDeletion accepts a waiting period of 7 to 30 days.
PENDING_WINDOW_DAYS = (7, 30)

_ROLE_ARN = re.compile(r"^arn:(?P<partition>[a-z-]+):iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def root_arn(account_id: str, partition: str) -> str:
    """Return the ARN of an account's root principal."""
    return f"arn:{partition}:iam::{account_id}:root"


def root_statement(account_id: str, partition: str) -> Dict[str, Any]:
    """Build the statement of the default key policy that lets IAM policies of the account grant use of the key."""
    return {
        "Sid": ROOT_STATEMENT_SID,
        "Effect": "Allow",
        "Principal": {"AWS": root_arn(account_id, partition)},
        "Action": "kms:*",
        "Resource": "*",
    }


def grants_root_all(statement: Dict[str, Any], account_id: str, partition: str) -> bool:
    """Tell whether a statement allows the account root every KMS action on the key, without conditions."""
    normalized = normalize_statement(statement, partition)
    if normalized.get("Effect") != "Allow" or normalized.get("Condition"):
        return False
    if any(key in normalized for key in ("NotAction", "NotPrincipal", "NotResource")):
        return False
    principals = (normalized.get("Principal") or {}).get("AWS", [])
    actions = [action.lower() for action in normalized.get("Action", [])]
    return (
        root_arn(account_id, partition) in principals
        and ("kms:*" in actions or "*" in actions)
        and "*" in normalized.get("Resource", [])
    )


def _covers_everyone_or_root(statement: Dict[str, Any]) -> bool:
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if principal == "*":
        return True
    values = principal.get("AWS") if isinstance(principal, dict) else principal
    return any(
        str(value) == "*" or str(value).endswith(":root") or _ACCOUNT_ID.match(str(value)) for value in _as_list(values)
    )


def denies_policy_changes(statement: Dict[str, Any]) -> bool:
    """Tell whether a Deny statement could stop the account root from changing the key policy.

    Conditions do not count as a way out: a Deny that matches ``kms:PutKeyPolicy``
    for everyone or for the root can lock the account out under some requests.
    """
    if statement.get("Effect") != "Deny" or not _covers_everyone_or_root(statement):
        return False
    if "NotAction" in statement:
        return True
    return any(
        fnmatch.fnmatchcase("kms:putkeypolicy", str(action).lower()) for action in _as_list(statement.get("Action"))
    )


def s3_via_services(region: str, partition: str) -> List[str]:
    """Return the ``kms:ViaService`` values of Amazon S3 in a region.

    NOTE: AWS documents ``s3.<region>.amazonaws.com``. No AWS page that was
    checked names the value for the China regions, where S3 endpoints end in
    ``amazonaws.com.cn``. Both forms are allowed there, and both name S3 in that region.
    """
    values = [f"s3.{region}.amazonaws.com"]
    if partition == "aws-cn":
        values.append(f"s3.{region}.amazonaws.com.cn")
    return values


def _source_arns(
    service: str, sources: List[Dict[str, Any]], account_id: str, region: str, partition: str
) -> List[str]:
    """Return the aws:SourceArn values that a delivering service sends to KMS, or [] when it sends none."""
    if service == S3_LOGGING_PRINCIPAL:
        buckets = sorted(
            {name for source in sources if source["type"] == "s3_access_logs" for name in source["source_buckets"]}
        )
        return [f"arn:{partition}:s3:::{name}" for name in buckets]
    if service == VENDED_LOGS_PRINCIPAL:
        return [f"arn:{partition}:logs:{region}:{account_id}:*"]
    if service == CLOUDTRAIL_PRINCIPAL:
        trails = [source for source in sources if source["type"] == "cloudtrail"]
        names = {"*"} if any(not source.get("trail_names") for source in trails) else set()
        if not names:
            names = {name for source in trails for name in source["trail_names"]}
        return [f"arn:{partition}:cloudtrail:*:{account_id}:trail/{name}" for name in sorted(names)]
    # AWS Config scopes its KMS requests by aws:SourceAccount only.
    return []


def service_statements(
    sources: List[Dict[str, Any]], account_id: str, region: str, partition: str
) -> List[Dict[str, Any]]:
    """Build one statement per delivering service: its key actions, limited to this account and its resources.

    Service principals are ``<service>.amazonaws.com`` in every partition:
    AWS gives the services used here no separate name in China or GovCloud.
    """
    statements = []
    for grant in required_key_grants(sources):
        service = grant["service"]
        condition: Dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
        source_arns = _source_arns(service, sources, account_id, region, partition)
        if source_arns:
            condition["ArnLike"] = {"aws:SourceArn": source_arns}
        statements.append(
            {
                "Sid": SERVICE_STATEMENT_SIDS[service],
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": list(grant["actions"]),
                "Resource": "*",
                "Condition": condition,
            }
        )
    return statements


def readers_statement(role_arns: List[str]) -> Dict[str, Any]:
    """Build the statement that lets the reader roles decrypt what the key encrypted."""
    return {
        "Sid": READERS_SID,
        "Effect": "Allow",
        "Principal": {"AWS": sorted(set(role_arns))},
        "Action": list(READER_ACTIONS),
        "Resource": "*",
    }


def s3_use_statement(bucket: str, account_id: str, region: str, partition: str) -> Dict[str, Any]:
    """Build the statement that lets principals of the account use the key through S3 for one bucket.

    It mirrors the key policy of the AWS managed key ``aws/s3``, so that moving a
    bucket from ``aws/s3`` to this key keeps every writer and reader working, and
    the encryption context limits it to the objects of ``bucket``.
    """
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    return {
        "Sid": S3_USE_SID,
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": list(S3_USE_ACTIONS),
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": account_id, "kms:ViaService": s3_via_services(region, partition)},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, f"{bucket_arn}/*"]},
        },
    }


def deletion_window_statement(days: int) -> Dict[str, Any]:
    """Build the statement that denies scheduling the deletion of the key with a waiting period under ``days``."""
    return {
        "Sid": DELETION_WINDOW_SID,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "kms:ScheduleKeyDeletion",
        "Resource": "*",
        "Condition": {"NumericLessThan": {"kms:ScheduleKeyDeletionPendingWindowInDays": str(days)}},
    }


def logsafe_statements(
    options: Dict[str, Any], account_id: str, region: str, partition: str, manage_all: bool = False
) -> Tuple[List[Dict[str, Any]], List[str]]:
    """Build the Logsafe statements that the options ask for; return them with the Logsafe Sids to remove.

    Each option manages its own statements: ``log_sources`` the service
    statements, ``reader_role_arns`` the readers, ``bucket`` the S3 use and
    ``pending_window_days`` the deletion window. An option that is None is not
    managed, unless ``manage_all``, where None means "no such statement".
    """
    statements: List[Dict[str, Any]] = []
    removed: List[str] = []

    sources = options.get("log_sources")
    if sources is not None or manage_all:
        requested = service_statements(sources or [], account_id, region, partition)
        statements.extend(requested)
        requested_sids = {statement["Sid"] for statement in requested}
        removed.extend(sid for sid in SERVICE_STATEMENT_SIDS.values() if sid not in requested_sids)

    families = (
        ("reader_role_arns", READERS_SID, lambda value: readers_statement(value) if value else None),
        ("bucket", S3_USE_SID, lambda value: s3_use_statement(value, account_id, region, partition)),
        ("pending_window_days", DELETION_WINDOW_SID, deletion_window_statement),
    )
    for option, sid, build in families:
        value = options.get(option)
        if value is None and not manage_all:
            continue
        statement = build(value) if value is not None else None
        if statement is None:
            removed.append(sid)
        else:
            statements.append(statement)
    return statements, removed


def validate_reader_role_arns(role_arns: Iterable[str], partition: str, label: str) -> None:
    """Reject reader role ARNs that are not IAM role ARNs of the key's partition."""
    for arn in role_arns:
        match = _ROLE_ARN.match(arn)
        if not match:
            raise ValidationError(
                f"Invalid reader role ARN '{arn}' for {label}: give an IAM role ARN such as "
                f"arn:{partition}:iam::111122223333:role/siem-reader."
            )
        if match.group("partition") != partition:
            raise ValidationError(
                f"Invalid reader role ARN '{arn}' for {label}: the role is in partition {match.group('partition')}, "
                f"but the key is in {partition}. Key policies can only name principals of their own partition."
            )


def validate_pending_window_days(days: Optional[int], label: str) -> None:
    """Reject a minimum deletion waiting period outside what ScheduleKeyDeletion accepts."""
    if days is None:
        return
    low, high = PENDING_WINDOW_DAYS
    if not low <= days <= high:
        raise ValidationError(
            f"Invalid pending_window_days {days} for {label}: KMS accepts deletion waiting periods of {low} to "
            f"{high} days. Give a number in that range."
        )


def validate_key_statements(statements: List[Any], label: str) -> None:
    """Check raw key policy statements given as options, before any request."""
    seen = set()
    for index, statement in enumerate(statements):
        where = f"key policy statement #{index + 1} for {label}"
        if not isinstance(statement, dict):
            raise ValidationError(f"Invalid {where}: it must be a dict, got {type(statement).__name__}.")
        sid = statement.get("Sid")
        if not sid or not isinstance(sid, str):
            raise ValidationError(f"Invalid {where}: it has no Sid. Statements are managed by Sid: add one.")
        if sid.startswith(SID_PREFIX):
            raise ValidationError(
                f"Invalid Sid '{sid}' in {where}: Sids that start with '{SID_PREFIX}' are reserved for the "
                "statements this collection builds. Rename the statement."
            )
        if sid in seen:
            raise ValidationError(
                f"Duplicate Sid '{sid}' in the key policy statements for {label}: each Sid must be unique."
            )
        seen.add(sid)
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise ValidationError(
                f"Invalid Effect {statement.get('Effect')!r} in statement '{sid}' for {label}: use Allow or Deny."
            )
        for required in (("Action", "NotAction"), ("Principal", "NotPrincipal"), ("Resource", "NotResource")):
            if not any(key in statement for key in required):
                raise ValidationError(
                    f"Statement '{sid}' for {label} has no {' or '.join(required)}: KMS rejects key policy "
                    'statements without it. In a key policy, Resource "*" means the key itself.'
                )
        if denies_policy_changes(statement):
            raise ValidationError(
                f"Statement '{sid}' for {label} denies kms:PutKeyPolicy to everyone or to the account root, which "
                "could lock the account out of the key for good. Narrow its Principal to named roles, or its Action."
            )


def merge_key_policy(
    current: Optional[Dict[str, Any]],
    managed: List[Dict[str, Any]],
    removed_sids: Iterable[str],
    account_id: str,
    partition: str,
    purge: bool = False,
    own_prefix: bool = False,
) -> Tuple[Dict[str, Any], List[str]]:
    """Merge managed statements into a key policy by Sid and keep the account root's access; return it with warnings.

    Statements of ``current`` with other Sids are kept unless ``purge``. With
    ``own_prefix``, statements whose Sid starts with ``Logsafe`` and that are
    not in ``managed`` are dropped too. A statement that gives the account root
    ``kms:*`` is never dropped, and the default one is added when none is left.
    """
    warnings: List[str] = []
    managed_sids = {statement["Sid"] for statement in managed}
    statements = [item for item in _as_list((current or {}).get("Statement")) if isinstance(item, dict)]
    protected = [item for item in statements if grants_root_all(item, account_id, partition)]
    protected_sids = {item.get("Sid") for item in protected if item.get("Sid")}
    removed = set(removed_sids)
    for sid in sorted(removed & protected_sids):
        warnings.append(
            f"Statement '{sid}' of the key policy was kept: it gives the account root kms:*, and without it nobody in "
            "the account could change the key policy again."
        )
    removed -= protected_sids

    kept = []
    for item in statements:
        item_sid = item.get("Sid")
        if item in protected and item_sid not in managed_sids:
            kept.append(item)
            continue
        owned = own_prefix and isinstance(item_sid, str) and item_sid.startswith(SID_PREFIX)
        if not purge and not (owned and item_sid not in managed_sids):
            kept.append(item)

    base: Optional[Dict[str, Any]] = None
    if current is not None:
        base = {key: value for key, value in current.items() if key != "Statement"}
        base["Statement"] = kept
    document = merge_statements(base, managed, removed, purge=False) or {"Version": POLICY_VERSION, "Statement": []}

    if not any(grants_root_all(item, account_id, partition) for item in document["Statement"]):
        if any(item.get("Sid") == ROOT_STATEMENT_SID for item in document["Statement"]):
            raise ValidationError(
                f"The key policy would no longer give the account root ({root_arn(account_id, partition)}) kms:*, "
                f"because statement '{ROOT_STATEMENT_SID}' is replaced by one that does not. That would lock the "
                "account out of the key. Give your statement another Sid."
            )
        document["Statement"].insert(0, root_statement(account_id, partition))
        if current is not None:
            warnings.append(
                f"The key policy gave the account root no kms:* statement, so '{ROOT_STATEMENT_SID}' was added: "
                "without it nobody in the account could change the key policy again."
            )
    # Order has no meaning to KMS; the root statement first is where readers of the policy look for it.
    document["Statement"].sort(key=lambda item: not grants_root_all(item, account_id, partition))
    return document, warnings


def key_policy_size(document: Dict[str, Any]) -> int:
    """Return the size in bytes of a key policy as it is sent."""
    return len(json.dumps(document).encode("utf-8"))
