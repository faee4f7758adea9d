# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM principals in the audit: their policies, and whether they can write and read a bucket's logs."""

from __future__ import annotations

import json
import threading
import urllib.parse
from typing import Any, Dict, List, Optional, Tuple, Type

from ansible_collections.logsafe.aws.plugins.module_utils._audit_checks import ERROR, FAIL, PASS, WARN, make_check
from ansible_collections.logsafe.aws.plugins.module_utils._audit_policy import (
    ALLOWED,
    CONDITIONAL,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    evaluate_identity_policies,
    wildcard_s3_grants,
)
from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError

try:
    from botocore.parsers import ResponseParserError

    # An endpoint without the IAM policy simulator (moto 5.2 returns HTTP 500 with an HTML page) makes
    # botocore raise this, which is not a BotoCoreError and so not an AwsApiError either.
    _SIMULATOR_FAILURES: Tuple[Type[Exception], ...] = (AwsApiError, ResponseParserError)
except ImportError:  # pragma: no cover - check_boto3() reports the missing SDK
    _SIMULATOR_FAILURES = (AwsApiError,)

OBJECT_ACTIONS = ("s3:PutObject", "s3:GetObject")
# S3 calls GenerateDataKey to write an SSE-KMS object and Decrypt to read one.
KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")

_SIMULATOR_DECISIONS = {"allowed": ALLOWED, "explicitDeny": EXPLICIT_DENY, "implicitDeny": IMPLICIT_DENY}
_KINDS = {
    "user": {
        "get": "GetUser",
        "key": "User",
        "list_attached": "ListAttachedUserPolicies",
        "list_inline": "ListUserPolicies",
        "get_inline": "GetUserPolicy",
        "name_field": "UserName",
    },
    "role": {
        "get": "GetRole",
        "key": "Role",
        "list_attached": "ListAttachedRolePolicies",
        "list_inline": "ListRolePolicies",
        "get_inline": "GetRolePolicy",
        "name_field": "RoleName",
    },
    "group": {
        "list_attached": "ListAttachedGroupPolicies",
        "list_inline": "ListGroupPolicies",
        "get_inline": "GetGroupPolicy",
        "name_field": "GroupName",
    },
}


def iam_action_of(error: AwsApiError) -> str:
    """Return the IAM action that a failed IAM request needed: IAM names its actions after the API operations."""
    return f"iam:{error.operation}"


def _document(value: Any) -> Dict[str, Any]:
    # The IAM API returns documents URL-encoded; boto3 decodes them, a recorded response may not.
    if isinstance(value, dict):
        return value
    return json.loads(urllib.parse.unquote(value))


class IamReader:
    """Reads the policies of IAM users and roles once per module run, and calls the policy simulator."""

    def __init__(self, aws: AwsClients) -> None:
        self.aws = aws
        self._lock = threading.Lock()
        self._principals: Dict[Tuple[str, str], Dict[str, Any]] = {}

    def principal(self, kind: str, name: str) -> Dict[str, Any]:
        """Return ``{"arn", "attached", "inline", "groups", "documents", "error", "found"}`` of a user or role."""
        with self._lock:
            cached = self._principals.get((kind, name))
        if cached is not None:
            return cached
        try:
            principal = self._read_principal(kind, name)
        except AwsApiError as error:
            found = error.error_code != "NoSuchEntity"
            principal = {
                "arn": None,
                "attached": [],
                "inline": [],
                "groups": [],
                "documents": [],
                "error": error,
                "found": found,
            }
        with self._lock:
            self._principals[(kind, name)] = principal
        return principal

    def _call(self, operation: str, **kwargs: Any) -> Dict[str, Any]:
        return self.aws.call("iam", operation, f"read IAM ({operation})", **kwargs)

    def _pages(self, operation: str, result_key: str, **kwargs: Any) -> List[Any]:
        items: List[Any] = []
        while True:
            page = self._call(operation, **kwargs)
            items.extend(page.get(result_key, []))
            if not page.get("IsTruncated"):
                return items
            kwargs["Marker"] = page["Marker"]

    def _read_principal(self, kind: str, name: str) -> Dict[str, Any]:
        calls = _KINDS[kind]
        arn = self._call(calls["get"], **{calls["name_field"]: name})[calls["key"]]["Arn"]
        attached, inline, documents = self._policies_of(kind, name, "")
        groups: List[str] = []
        if kind == "user":
            groups = [group["GroupName"] for group in self._pages("ListGroupsForUser", "Groups", UserName=name)]
            for group in groups:
                _attached, _inline, group_documents = self._policies_of("group", group, f"group {group} ")
                documents.extend(group_documents)
        return {
            "arn": arn,
            "attached": attached,
            "inline": inline,
            "groups": groups,
            "documents": documents,
            "error": None,
            "found": True,
        }

    def _policies_of(
        self, kind: str, name: str, label_prefix: str
    ) -> Tuple[List[str], List[str], List[Tuple[str, Any]]]:
        calls = _KINDS[kind]
        name_argument = {calls["name_field"]: name}
        attached = self._pages(calls["list_attached"], "AttachedPolicies", **name_argument)
        inline = self._pages(calls["list_inline"], "PolicyNames", **name_argument)
        documents: List[Tuple[str, Any]] = []
        for policy in attached:
            version = self._call("GetPolicy", PolicyArn=policy["PolicyArn"])["Policy"]["DefaultVersionId"]
            document = self._call("GetPolicyVersion", PolicyArn=policy["PolicyArn"], VersionId=version)
            documents.append(
                (
                    f"{label_prefix}managed policy {policy['PolicyName']}",
                    _document(document["PolicyVersion"]["Document"]),
                )
            )
        for policy_name in inline:
            document = self._call(calls["get_inline"], PolicyName=policy_name, **name_argument)["PolicyDocument"]
            documents.append((f"{label_prefix}inline policy {policy_name}", _document(document)))
        return [policy["PolicyName"] for policy in attached], list(inline), documents

    def simulate(self, arn: str, actions: Tuple[str, ...], resource: str) -> Dict[str, str]:
        """Call iam:SimulatePrincipalPolicy for each action on ``resource``; raise SimulatorUnavailable when it returns no decision."""
        try:
            response = self.aws.call(
                "iam",
                "SimulatePrincipalPolicy",
                "simulate the principal's policies",
                PolicySourceArn=arn,
                ActionNames=list(actions),
                ResourceArns=[resource],
            )
        except _SIMULATOR_FAILURES as error:
            reason = (
                getattr(error, "message", None)
                or f"the endpoint returned an invalid IAM response, {type(error).__name__}"
            )
            raise SimulatorUnavailable(reason) from error
        decisions = {}
        for result in response.get("EvaluationResults", []):
            decisions[result["EvalActionName"]] = _SIMULATOR_DECISIONS.get(result["EvalDecision"], IMPLICIT_DENY)
        return decisions


class SimulatorUnavailable(Exception):
    """The IAM policy simulator returned no decision, because it was denied, is missing on the endpoint, or failed."""


def principal_access_check(
    reader: IamReader, kind: str, name: str, bucket: str, bucket_arn: str, key_arn: Optional[str]
) -> Dict[str, Any]:
    """Build the check of one IAM user or role: can it put and get the bucket's objects, and use the bucket's KMS key?

    ``key_arn`` is the bucket's customer managed key, or None for SSE-S3 and
    the AWS managed key, whose key policy already lets every principal of the
    account use it through S3.
    """
    check_id = f"iam_{kind}_access"
    label = f"IAM {kind} {name}"
    principal = reader.principal(kind, name)
    error = principal["error"]
    if error is not None:
        if not principal["found"]:
            return make_check(
                check_id,
                bucket,
                FAIL,
                f"{label} does not exist",
                subject=f"{kind}/{name}",
                remediation=f"Create the {kind}, or remove it from the principals to check.",
                principal=name,
            )
        return make_check(
            check_id,
            bucket,
            ERROR,
            f"Could not read the policies of {label}: {error.message}",
            subject=f"{kind}/{name}",
            iam_action=iam_action_of(error),
            remediation=f"Grant {iam_action_of(error)} to the caller.",
            principal=name,
        )

    object_arn = f"{bucket_arn}/*"
    targets = [(action, object_arn) for action in OBJECT_ACTIONS]
    if key_arn:
        targets += [(action, key_arn) for action in KEY_ACTIONS]
    decisions, method, fallback_reason = _decide(reader, principal, targets)
    wildcards = wildcard_s3_grants(principal["documents"])
    observed = {
        "arn": principal["arn"],
        "attached_policies": principal["attached"],
        "inline_policies": principal["inline"],
        "groups": principal["groups"],
        "decisions": decisions,
        "evaluated_with": method,
        "wildcard_s3_grants": wildcards,
    }
    expected = {action: ALLOWED for action, _resource in targets}
    return _access_result(check_id, kind, name, bucket, observed, expected, fallback_reason, key_arn, object_arn)


def _decide(
    reader: IamReader, principal: Dict[str, Any], targets: List[Tuple[str, str]]
) -> Tuple[Dict[str, str], str, Optional[str]]:
    decisions: Dict[str, str] = {}
    try:
        for resource in dict.fromkeys(resource for _action, resource in targets):
            actions = tuple(action for action, target in targets if target == resource)
            decisions.update(reader.simulate(principal["arn"], actions, resource))
        return decisions, "iam:SimulatePrincipalPolicy", None
    except SimulatorUnavailable as unavailable:
        reason = str(unavailable)
    decisions = {
        action: evaluate_identity_policies(principal["documents"], action, resource)["decision"]
        for action, resource in targets
    }
    return decisions, "policy documents", reason


def _access_result(
    check_id: str,
    kind: str,
    name: str,
    bucket: str,
    observed: Dict[str, Any],
    expected: Dict[str, str],
    fallback_reason: Optional[str],
    key_arn: Optional[str],
    object_arn: str,
) -> Dict[str, Any]:
    label = f"IAM {kind} {name}"
    decisions = observed["decisions"]
    denied = [action for action in expected if decisions.get(action) not in (ALLOWED, CONDITIONAL)]
    conditional = [action for action in expected if decisions.get(action) == CONDITIONAL]
    policies = observed["attached_policies"] + observed["inline_policies"]
    sentences = [f"{label} has the policies {', '.join(policies) if policies else '(none)'}"]
    if observed["groups"]:
        sentences.append(f"It is in the groups {', '.join(observed['groups'])}")
    if denied:
        sentences.append("It cannot " + ", ".join(f"{action} ({decisions.get(action)})" for action in denied))
    else:
        sentences.append(f"It can {', '.join(expected)}")
    if conditional:
        sentences.append(f"Only under conditions: {', '.join(conditional)}")
    if observed["wildcard_s3_grants"]:
        sentences.append(f"It is granted s3:* on every resource by {', '.join(observed['wildcard_s3_grants'])}")
    if not key_arn:
        sentences.append("No customer managed KMS key encrypts the bucket, so no KMS permission is needed")
    if fallback_reason:
        sentences.append(
            f"iam:SimulatePrincipalPolicy was not available: {fallback_reason.rstrip('.')}. So the decisions come "
            "from reading the attached, inline and group policy documents, without permissions boundaries, service "
            "control policies and the bucket policy"
        )
    finding = ". ".join(sentences)

    remediations = []
    if denied:
        grant = f"s3:PutObject and s3:GetObject on {object_arn}"
        if key_arn:
            grant += f", and kms:GenerateDataKey and kms:Decrypt on {key_arn}"
        remediations.append(f"Attach a policy to the {kind} that allows {grant}.")
    if observed["wildcard_s3_grants"]:
        remediations.append(
            "Replace s3:* on * with the actions and resources the principal needs (Security Hub IAM.21 reports "
            "service-wide wildcards in customer managed policies)."
        )
    status = PASS
    if conditional or observed["wildcard_s3_grants"]:
        status = WARN
    if denied:
        status = FAIL
    return make_check(
        check_id,
        bucket,
        status,
        finding,
        observed=observed,
        expected=expected,
        remediation=" ".join(remediations) or None,
        subject=f"{kind}/{name}",
        principal=name,
    )
