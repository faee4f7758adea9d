# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure evaluation of policy documents for the audit: public grants, expected statements, service grants and IAM decisions.

These functions read policies the way IAM does for the cases a logs bucket
needs: Allow and Deny, Action and NotAction, Resource and NotResource, and
the wildcards ``*`` and ``?``. They are not a full policy engine. Conditions
are interpreted only for the keys named below, and a statement with any other
condition counts as conditional.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import normalize_statement

ALLOWED = "allowed"
CONDITIONAL = "conditional"
EXPLICIT_DENY = "explicit_deny"
IMPLICIT_DENY = "implicit_deny"

# Condition keys that S3 counts as restricting a policy to fixed principals or
# networks, so that a statement with "Principal": "*" is not public (S3 user
# guide, "The meaning of public").
_NON_PUBLIC_CONDITION_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:userid",
        "aws:sourceip",
        "s3:dataaccesspointarn",
        "s3:dataaccesspointaccount",
    }
)

_ACCOUNT_ID = re.compile(r"^\d{12}$")


def as_list(value: Any) -> List[Any]:
    """Return a policy value as a list: a single string becomes a one-element list, None an empty one."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def statements_of(document: Optional[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Return the statements of a policy document, accepting a single statement that is not in a list."""
    return [item for item in as_list((document or {}).get("Statement")) if isinstance(item, dict)]


def parse_document(value: Any) -> Optional[Dict[str, Any]]:
    """Return a policy document from an API response: boto3 returns IAM documents as dicts, KMS and S3 ones as JSON text."""
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


def pattern_matches(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    """Match an IAM value pattern, where ``*`` is any run of characters and ``?`` one character."""
    regex = fnmatch.translate(pattern)
    return re.match(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def covers_action(statement: Dict[str, Any], action: str) -> bool:
    """Tell whether a statement's Action (or NotAction) applies to ``action``; action names are case-insensitive."""
    if "NotAction" in statement:
        return not any(pattern_matches(item, action, False) for item in as_list(statement["NotAction"]))
    return any(pattern_matches(item, action, False) for item in as_list(statement.get("Action")))


def covers_resource(statement: Dict[str, Any], resource: str) -> bool:
    """Tell whether a statement's Resource (or NotResource) applies to ``resource``; a missing Resource means all."""
    if "NotResource" in statement:
        return not any(pattern_matches(item, resource) for item in as_list(statement["NotResource"]))
    if "Resource" not in statement:
        return True
    return any(pattern_matches(item, resource) for item in as_list(statement["Resource"]))


def principal_values(statement: Dict[str, Any], kind: str) -> List[str]:
    """Return the principals of one kind (``AWS``, ``Service``) of a statement; ``"*"`` counts as ``{"AWS": "*"}``."""
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"] if kind == "AWS" else []
    if isinstance(principal, dict):
        return [str(value) for value in as_list(principal.get(kind))]
    return []


def covers_aws_principal(statement: Dict[str, Any], arn: str, account_id: Optional[str]) -> bool:
    """Tell whether a statement's Principal names the IAM principal ``arn``, its account, or everyone."""
    for value in principal_values(statement, "AWS"):
        if value in ("*", arn):
            return True
        if account_id and value in (account_id, f"arn:{arn.split(':')[1]}:iam::{account_id}:root"):
            return True
    return False


def is_account_root(value: str, account_id: Optional[str]) -> bool:
    """Tell whether a principal value names a whole account (``123456789012`` or its ``root`` ARN)."""
    if _ACCOUNT_ID.match(value):
        return account_id is None or value == account_id
    match = re.match(r"^arn:[a-z-]+:iam::(\d{12}):root$", value)
    return match is not None and (account_id is None or match.group(1) == account_id)


# Public grants


def public_statements(document: Optional[Dict[str, Any]]) -> List[str]:
    """Describe the Allow statements that grant access to anyone: ``"*"`` as principal without a restricting condition."""
    found = []
    for index, statement in enumerate(statements_of(document)):
        if statement.get("Effect") != "Allow":
            continue
        label = statement.get("Sid") or f"statement #{index + 1}"
        if "NotPrincipal" in statement:
            found.append(f"{label} (Allow with NotPrincipal grants everyone not listed)")
            continue
        if "*" not in principal_values(statement, "AWS"):
            continue
        if _restricts_principal(statement.get("Condition") or {}):
            continue
        found.append(f"{label} (Principal * on {', '.join(str(item) for item in as_list(statement.get('Resource')))})")
    return found


def _restricts_principal(condition: Dict[str, Any]) -> bool:
    for operator, block in condition.items():
        if not isinstance(block, dict) or operator.startswith("Null"):
            continue
        for key, values in block.items():
            if key.lower() not in _NON_PUBLIC_CONDITION_KEYS:
                continue
            # A wildcard value such as "*" or "arn:aws:s3:::*" restricts nothing.
            if all(str(value).strip("*") and not str(value).endswith(":*") for value in as_list(values)):
                return True
    return False


# Expected statements


def find_statement(
    document: Optional[Dict[str, Any]], expected: Dict[str, Any], partition: str = "aws"
) -> Tuple[str, Optional[Dict[str, Any]]]:
    """Look for an expected statement in a policy, by Sid first and then by equivalent content.

    Returns ``("present", statement)``, ``("present_other_sid", statement)``,
    ``("differs", statement with the expected Sid)`` or ``("missing", None)``.
    Statements compare with ``normalize_statement``, so order, single values
    and account-id forms do not count as differences.
    """
    wanted = _without_sid(normalize_statement(expected, partition))
    same_sid = None
    for statement in statements_of(document):
        if expected.get("Sid") and statement.get("Sid") == expected.get("Sid"):
            same_sid = statement
            if _without_sid(normalize_statement(statement, partition)) == wanted:
                return "present", statement
    for statement in statements_of(document):
        if _without_sid(normalize_statement(statement, partition)) == wanted:
            return "present_other_sid", statement
    if same_sid is not None:
        return "differs", same_sid
    return "missing", None


def _without_sid(statement: Dict[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in statement.items() if key != "Sid"}


# Service grants


def service_write_grant(
    document: Optional[Dict[str, Any]],
    service: str,
    object_arn: str,
    source_arn: Optional[str],
    account_id: Optional[str],
) -> Optional[Dict[str, Any]]:
    """Return the first statement that lets ``service`` put ``object_arn`` for this source, or None.

    ``aws:SourceArn`` and ``aws:SourceAccount`` conditions must admit the
    source bucket and the account; other condition keys do not stop the match.
    A Deny statement for the service or everyone on the same object, without
    a condition, wins over any Allow.
    """
    for statement in statements_of(document):
        if statement.get("Effect") != "Deny" or statement.get("Condition"):
            continue
        if not _names_service(statement, service, allow_everyone=True):
            continue
        if covers_action(statement, "s3:PutObject") and covers_resource(statement, object_arn):
            return None
    for statement in statements_of(document):
        if statement.get("Effect") != "Allow" or not _names_service(statement, service, allow_everyone=False):
            continue
        if not (covers_action(statement, "s3:PutObject") and covers_resource(statement, object_arn)):
            continue
        if _source_conditions_admit(statement.get("Condition") or {}, source_arn, account_id):
            return statement
    return None


def _names_service(statement: Dict[str, Any], service: str, allow_everyone: bool) -> bool:
    if service in principal_values(statement, "Service"):
        return True
    return allow_everyone and "*" in principal_values(statement, "AWS")


def _source_conditions_admit(condition: Dict[str, Any], source_arn: Optional[str], account_id: Optional[str]) -> bool:
    for block in condition.values():
        if not isinstance(block, dict):
            continue
        for key, values in block.items():
            admitted = {"aws:sourcearn": source_arn, "aws:sourceaccount": account_id}.get(key.lower())
            if admitted is None:
                continue
            if not any(pattern_matches(str(value), admitted) for value in as_list(values)):
                return False
    return True


def service_key_grant(document: Optional[Dict[str, Any]], service: str, actions: Iterable[str]) -> List[str]:
    """Return the actions of ``actions`` that no Allow statement of a key policy grants to ``service``.

    Required actions may contain wildcards (``kms:GenerateDataKey*``): a
    statement grants them when one of its patterns matches the text, so
    ``kms:*`` and ``kms:GenerateDataKey*`` do, and ``kms:GenerateDataKey`` does not.
    """
    missing = []
    for action in actions:
        granted = False
        for statement in statements_of(document):
            if statement.get("Effect") != "Allow" or service not in principal_values(statement, "Service"):
                continue
            if covers_action(statement, action):
                granted = True
                break
        if not granted:
            missing.append(action)
    return missing


def key_use_grant(
    document: Optional[Dict[str, Any]], arn: str, account_id: Optional[str], actions: Iterable[str]
) -> Dict[str, str]:
    """Decide, for each action, how a key policy lets ``arn`` use the key.

    Values: ``delegated`` (a statement grants the actions to the account,
    so IAM policies decide), ``granted`` (the principal itself or everyone
    is named), ``denied`` (an unconditional Deny), or ``missing``.
    """
    decisions = {}
    for action in actions:
        decision = "missing"
        for statement in statements_of(document):
            if not covers_action(statement, action):
                continue
            if statement.get("Effect") == "Deny" and not statement.get("Condition"):
                if covers_aws_principal(statement, arn, account_id):
                    decision = "denied"
                    break
                continue
            if statement.get("Effect") != "Allow":
                continue
            values = principal_values(statement, "AWS")
            if any(is_account_root(value, account_id) for value in values):
                decision = "delegated" if decision == "missing" else decision
            elif covers_aws_principal(statement, arn, account_id):
                decision = "granted"
        decisions[action] = decision
    return decisions


# Identity policies


def evaluate_identity_policies(
    documents: Iterable[Tuple[str, Dict[str, Any]]], action: str, resource: str
) -> Dict[str, Any]:
    """Decide whether identity policies allow ``action`` on ``resource``, as IAM would without other policy types.

    Returns ``{"decision", "statements"}``. The decision is ``explicit_deny``
    (an unconditional Deny applies), ``allowed`` (an unconditional Allow
    applies), ``conditional`` (only Allows with conditions apply) or
    ``implicit_deny``. ``statements`` names the policies that decided.
    """
    allows: List[str] = []
    conditional: List[str] = []
    for label, document in documents:
        for statement in statements_of(document):
            if not (covers_action(statement, action) and covers_resource(statement, resource)):
                continue
            if statement.get("Effect") == "Deny":
                if not statement.get("Condition"):
                    return {"decision": EXPLICIT_DENY, "statements": [label]}
                continue
            if statement.get("Effect") == "Allow":
                (conditional if statement.get("Condition") else allows).append(label)
    if allows:
        return {"decision": ALLOWED, "statements": sorted(set(allows))}
    if conditional:
        return {"decision": CONDITIONAL, "statements": sorted(set(conditional))}
    return {"decision": IMPLICIT_DENY, "statements": []}


def wildcard_s3_grants(documents: Iterable[Tuple[str, Dict[str, Any]]]) -> List[str]:
    """Name the policies with an Allow of ``s3:*`` (or ``*``) on every resource."""
    found = []
    for label, document in documents:
        for statement in statements_of(document):
            if statement.get("Effect") != "Allow" or "NotAction" in statement:
                continue
            actions = [str(item).lower() for item in as_list(statement.get("Action"))]
            if not any(action in ("*", "s3:*") for action in actions):
                continue
            if "NotResource" in statement or "*" in as_list(statement.get("Resource")):
                found.append(label)
    return sorted(set(found))
