"""The IAM policy documents of docs/, and the IAM permissions that requests recorded by moto need.

Each recorded request becomes one or more ``Permission`` entries: an IAM
action (from the modules' own operation-to-action maps, plus the extra
actions that AWS documents for some requests) and the resource ARN that AWS
checks. ``is_allowed`` then evaluates an identity policy for each entry.

The documents use placeholders (example-logs, 111122223333, 444455556666,
eu-west-1, AWS's example key id, LogsafeLogsBucket, example-external-id);
``load_policy`` puts a test's own names in their place.
"""

from __future__ import annotations

import base64
import fnmatch
import json
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from integration.helpers import ACCOUNT_ID, REGION, aws_client
from integration.moto_state import recorded_requests, request_header
from support.moto_server import classify_recorded_request

from ansible_collections.logsafe.aws.plugins.module_utils._aws import IAM_ACTIONS
from ansible_collections.logsafe.aws.plugins.module_utils._kms_key import KMS_IAM_ACTIONS

DOCS = Path(__file__).resolve().parents[2] / "docs"
CONVERGE_POLICY = "iam-policy.json"
READONLY_POLICY = "iam-policy-readonly.json"
KMS_KEY_POLICY = "iam-policy-kms-key.json"
OBJECT_LOCK_POLICY = "iam-policy-object-lock.json"
ASSUME_ROLE_POLICY = "iam-policy-assume-role.json"
TRUST_POLICY = "iam-role-trust-policy.json"
IDENTITY_POLICIES = (CONVERGE_POLICY, READONLY_POLICY, KMS_KEY_POLICY, OBJECT_LOCK_POLICY, ASSUME_ROLE_POLICY)

DOC_BUCKET = "example-logs"
DOC_ACCOUNT = "111122223333"
DOC_CALLER_ACCOUNT = "444455556666"
DOC_REGION = "eu-west-1"
DOC_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
DOC_ROLE_NAME = "LogsafeLogsBucket"
DOC_EXTERNAL_ID = "example-external-id"

# STS returns the caller's identity whatever the caller's policies allow.
NO_PERMISSION_NEEDED = {"GetCallerIdentity"}


class Permission(NamedTuple):
    """One IAM permission that a request needs, and the access key id that signed the request."""

    operation: str
    action: str
    resource: str
    access_key_id: str


def iam_action(operation: str) -> str:
    """Return the IAM action of an operation, from the maps the modules use to name it in access-denied errors.

    An operation missing from both maps gets a placeholder action that no
    document allows, so a check against any document fails and names it.
    """
    mapping = {**IAM_ACTIONS, **KMS_IAM_ACTIONS}
    return mapping.get(operation, f"unknown-iam-action-of:{operation}")


def every_key_arn(region: str = REGION) -> str:
    """Return the resource that stands for every KMS key of the account and region."""
    return f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/*"


def load_policy(
    name: str,
    bucket: str,
    key_id: str = DOC_KEY_ID,
    region: str = REGION,
    role_name: str = DOC_ROLE_NAME,
    external_id: str = DOC_EXTERNAL_ID,
) -> dict:
    """Read a policy document of docs/ with the placeholders replaced by the test's names.

    Both account placeholders become moto's account. The default ``key_id``
    leaves the key id placeholder in place, so the document's statements
    about that key match no key of the test.
    """
    text = (DOCS / name).read_text()
    replacements = (
        (DOC_BUCKET, bucket),
        (DOC_ACCOUNT, ACCOUNT_ID),
        (DOC_CALLER_ACCOUNT, ACCOUNT_ID),
        (DOC_REGION, region),
        (DOC_KEY_ID, key_id),
        (DOC_ROLE_NAME, role_name),
        (DOC_EXTERNAL_ID, external_id),
    )
    for placeholder, value in replacements:
        text = text.replace(placeholder, value)
    return json.loads(text)


def read_document(name: str) -> dict:
    """Read a policy document of docs/ as written, with its placeholders."""
    return json.loads((DOCS / name).read_text())


def combined_policy(*policies: dict) -> dict:
    """Return one document with the statements of several, as IAM evaluates policies attached together."""
    statements = [item for policy in policies for item in as_list(policy["Statement"])]
    return {"Version": "2012-10-17", "Statement": statements}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _matches(statement: dict, action: str, resource: str) -> bool:
    if "Condition" in statement:
        raise AssertionError(f"statement {statement.get('Sid')} has a condition, which this check does not evaluate")
    actions = [pattern.lower() for pattern in as_list(statement["Action"])]
    resources = as_list(statement["Resource"])
    return any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in actions) and any(
        fnmatch.fnmatchcase(resource, pattern) for pattern in resources
    )


def is_allowed(policy: dict, action: str, resource: str) -> bool:
    """Evaluate an identity policy without conditions: an explicit deny wins, else an allow is needed."""
    statements = as_list(policy["Statement"])
    if any(item["Effect"] == "Deny" and _matches(item, action, resource) for item in statements):
        return False
    return any(item["Effect"] == "Allow" and _matches(item, action, resource) for item in statements)


def denied_permissions(permissions: list[Permission], policy: dict) -> list[str]:
    """Describe each permission that the policy does not allow, for an assertion that expects none."""
    return [
        f"{item.operation} needs {item.action} on {item.resource}"
        for item in permissions
        if not is_allowed(policy, item.action, item.resource)
    ]


def trust_allows(trust_policy: dict, caller_account: str, external_id: str | None) -> bool:
    """Tell whether a role trust policy lets a principal of ``caller_account`` assume the role.

    Only what the trust document in docs/ uses is evaluated: Allow
    statements for sts:AssumeRole with an account principal and an optional
    StringEquals condition on sts:ExternalId. Any other condition fails the check.
    """
    for statement in as_list(trust_policy["Statement"]):
        if statement["Effect"] != "Allow" or "sts:AssumeRole" not in as_list(statement["Action"]):
            continue
        principals = as_list(statement["Principal"]["AWS"])
        if f"arn:aws:iam::{caller_account}:root" not in principals and caller_account not in principals:
            continue
        conditions = statement.get("Condition", {})
        unknown = {operator: keys for operator, keys in conditions.items() if operator != "StringEquals"}
        unknown.update(
            {key: value for key, value in conditions.get("StringEquals", {}).items() if key != "sts:ExternalId"}
        )
        if unknown:
            raise AssertionError(f"the trust policy has conditions that this check does not evaluate: {unknown}")
        expected = conditions.get("StringEquals", {}).get("sts:ExternalId")
        if expected is None or external_id in as_list(expected):
            return True
    return False


def policy_actions(policy: dict) -> set[str]:
    return {action for item in as_list(policy["Statement"]) for action in as_list(item["Action"])}


def key_arns_of(moto, region: str = REGION) -> dict[str, str]:
    """Map every key id, key ARN, alias name and alias ARN in one region of moto to its key ARN."""
    kms = aws_client(moto, "kms", region)
    arns = {}
    for key in kms.list_keys()["Keys"]:
        arns[key["KeyId"]] = key["KeyArn"]
        arns[key["KeyArn"]] = key["KeyArn"]
    for alias in kms.list_aliases()["Aliases"]:
        if alias.get("TargetKeyId") in arns:
            arns[alias["AliasName"]] = arns[alias["TargetKeyId"]]
            arns[alias["AliasArn"]] = arns[alias["TargetKeyId"]]
    return arns


def _key_resource(key: str, key_arns: dict[str, str], region: str) -> str:
    """Return the key ARN that IAM checks for a KeyId parameter: a key id, key ARN, alias name or alias ARN."""
    if key in key_arns:
        return key_arns[key]
    if key.startswith("arn:"):
        return key
    if key.startswith("alias/"):
        # No key had this alias at the end of the run, so the alias ARN is used instead. It matches no key pattern.
        return f"arn:aws:kms:{region}:{ACCOUNT_ID}:{key}"
    return f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{key}"


def _kms_permissions(operation: str, body: bytes, key_arns: dict[str, str], region: str) -> list[tuple[str, str]]:
    fields = json.loads(body or b"{}")
    action = iam_action(operation)
    if operation == "CreateKey":
        needed = [(action, "*")]
        if fields.get("Tags"):
            # The AWS KMS Developer Guide ("Controlling access to tags"): tags on CreateKey need
            # kms:TagResource in an IAM policy that covers every key of the account and region.
            needed.append(("kms:TagResource", every_key_arn(region)))
        return needed
    if operation == "CreateAlias":
        # AWS checks kms:CreateAlias on the alias and on the key it points to.
        alias_arn = f"arn:aws:kms:{region}:{ACCOUNT_ID}:{fields['AliasName']}"
        return [(action, alias_arn), (action, _key_resource(fields["TargetKeyId"], key_arns, region))]
    if "KeyId" not in fields:
        return [(action, "*")]
    return [(action, _key_resource(fields["KeyId"], key_arns, region))]


def _s3_permissions(operation: str, request: dict) -> list[tuple[str, str]]:
    bucket = urlsplit(request["url"]).path.lstrip("/").split("/", 1)[0]
    resource = f"arn:aws:s3:::{bucket}" if bucket else "*"
    needed = [(iam_action(operation), resource)]
    if operation == "CreateBucket":
        # The CreateBucket API reference lists these extra permissions for these request headers.
        if request_header(request, "x-amz-bucket-object-lock-enabled").lower() == "true":
            needed += [("s3:PutBucketObjectLockConfiguration", resource), ("s3:PutBucketVersioning", resource)]
        if request_header(request, "x-amz-object-ownership"):
            needed.append(("s3:PutBucketOwnershipControls", resource))
    return needed


def request_body(request: dict) -> bytes:
    if request.get("body_encoded"):
        return base64.b64decode(request["body"])
    return (request.get("body") or "").encode()


def access_key_id(request: dict) -> str:
    """Return the access key id in the SigV4 credential scope of a recorded request."""
    authorization = request_header(request, "authorization")
    return authorization.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in authorization else ""


def request_permissions(requests: list[dict], key_arns: dict[str, str], region: str = REGION) -> list[Permission]:
    """Return the permissions that each of the recorded requests needs, in order."""
    permissions = []
    for request in requests:
        call = classify_recorded_request(request)
        if call is None or call.operation in NO_PERMISSION_NEEDED:
            continue
        body = request_body(request)
        if call.service == "kms":
            needed = _kms_permissions(call.operation, body, key_arns, region)
        elif call.service == "sts" and call.operation == "AssumeRole":
            needed = [(iam_action(call.operation), parse_qs(body.decode())["RoleArn"][0])]
        else:
            needed = _s3_permissions(call.operation, request)
        signer = access_key_id(request)
        permissions.extend(Permission(call.operation, action, resource, signer) for action, resource in needed)
    return permissions


def requested_permissions(moto, mark: int, key_arns: dict[str, str], region: str = REGION) -> list[Permission]:
    """Return the permissions that every request after ``mark`` needs."""
    return request_permissions(recorded_requests(moto, mark), key_arns, region)


def assume_role_parameters(requests: list[dict]) -> list[dict[str, str]]:
    """Return the parameters of every STS AssumeRole request among the recorded requests."""
    found = []
    for request in requests:
        call = classify_recorded_request(request)
        if call is not None and call.service == "sts" and call.operation == "AssumeRole":
            found.append({name: values[0] for name, values in parse_qs(request_body(request).decode()).items()})
    return found
