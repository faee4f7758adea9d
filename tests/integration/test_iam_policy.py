"""docs/iam-policy.json and docs/iam-policy-readonly.json against the API calls the role really makes.

The role runs against moto with access logging on and a customer KMS key.
The runs are a converge of new buckets, a converge that changes nothing,
playbooks/verify.yml, and a converge of an existing bucket whose ACL still
grants log delivery, which adds the ACL migration and the retention check. Each request in moto's
log becomes an IAM action (by the modules' own operation-to-action maps) and
a resource ARN, and must be allowed by the matching document. The documents
use the placeholders example-logs, 111122223333, eu-west-1 and AWS's example
key id; the test puts its own names in their place.
"""

from __future__ import annotations

import base64
import fnmatch
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from integration.converged_state import CONVERGE_PLAYBOOK, role_vars
from integration.helpers import ACCOUNT_ID, LOGS_RETENTION_RULE, REGION, aws_client, unique_bucket
from integration.in_process import run_in_process
from integration.moto_state import recorded_requests
from support.fault_proxy import ACCESS_DENIED, FaultProxy
from support.moto_server import classify_recorded_request

from ansible_collections.logsafe.aws.plugins.module_utils._aws import IAM_ACTIONS
from ansible_collections.logsafe.aws.plugins.module_utils._kms_key import KMS_IAM_ACTIONS

DOCS = Path(__file__).resolve().parents[2] / "docs"
CONVERGE_POLICY = "iam-policy.json"
READONLY_POLICY = "iam-policy-readonly.json"
VERIFY_PLAYBOOK = "playbooks/verify.yml"

DOC_BUCKET = "example-logs"
DOC_ACCOUNT = "111122223333"
DOC_REGION = "eu-west-1"
DOC_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"

# STS returns the caller's identity whatever the caller's policies allow.
NO_PERMISSION_NEEDED = {"GetCallerIdentity"}
# Actions that the role needs on AWS but that a run against moto cannot show.
NOT_OBSERVABLE_ON_MOTO = {
    "s3:GetAccountPublicAccessBlock": "verify reads the account-level block through S3 Control, "
    "which it skips when an endpoint URL is set",
}
WRITE_ACTION_PREFIXES = ("Put", "Create", "Delete", "Enable", "Disable", "Schedule", "Tag", "Untag", "Update")


def iam_action(operation: str) -> str:
    """Return the IAM action of an operation, from the maps the modules use to name it in access-denied errors.

    An operation missing from both maps gets a placeholder action that no
    document allows, so the checks below fail and name it.
    """
    mapping = {**IAM_ACTIONS, **KMS_IAM_ACTIONS}
    return mapping.get(operation, f"unknown-iam-action-of:{operation}")


def load_policy(name: str, bucket: str, key_id: str) -> dict:
    """Read a policy document of docs/ with the placeholders replaced by the test's names."""
    text = (DOCS / name).read_text()
    for placeholder, value in ((DOC_BUCKET, bucket), (DOC_ACCOUNT, ACCOUNT_ID), (DOC_REGION, REGION), (DOC_KEY_ID, key_id)):
        text = text.replace(placeholder, value)
    return json.loads(text)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _matches(statement: dict, action: str, resource: str) -> bool:
    if "Condition" in statement:
        raise AssertionError(f"statement {statement.get('Sid')} has a condition, which this check does not evaluate")
    actions = [pattern.lower() for pattern in _as_list(statement["Action"])]
    resources = _as_list(statement["Resource"])
    return any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in actions) and any(
        fnmatch.fnmatchcase(resource, pattern) for pattern in resources
    )


def is_allowed(policy: dict, action: str, resource: str) -> bool:
    """Evaluate an identity policy without conditions: an explicit deny wins, else an allow is needed."""
    statements = _as_list(policy["Statement"])
    if any(item["Effect"] == "Deny" and _matches(item, action, resource) for item in statements):
        return False
    return any(item["Effect"] == "Allow" and _matches(item, action, resource) for item in statements)


def policy_actions(policy: dict) -> set[str]:
    return {action for item in _as_list(policy["Statement"]) for action in _as_list(item["Action"])}


def _kms_resource(body: bytes, key_arns: dict[str, str]) -> str:
    key = json.loads(body or b"{}").get("KeyId")
    if key is None:
        return "*"
    if key in key_arns:
        return key_arns[key]
    if key.startswith("arn:"):
        return key
    return f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key}"


def requested_permissions(moto, mark: int, key_arns: dict[str, str]) -> list[tuple[str, str, str]]:
    """Return (operation, IAM action, resource ARN) of every request after ``mark`` that needs a permission."""
    permissions = []
    for request in recorded_requests(moto, mark):
        call = classify_recorded_request(request)
        if call is None or call.operation in NO_PERMISSION_NEEDED:
            continue
        body = base64.b64decode(request["body"]) if request.get("body_encoded") else (request.get("body") or "").encode()
        if call.service == "kms":
            resource = _kms_resource(body, key_arns)
        else:
            bucket = urlsplit(request["url"]).path.lstrip("/").split("/", 1)[0]
            resource = f"arn:aws:s3:::{bucket}" if bucket else "*"
        permissions.append((call.operation, iam_action(call.operation), resource))
    return permissions


class Phase:
    """The requests of one playbook run, with the bucket name that the documents' placeholder stands for."""

    def __init__(self, name: str, bucket: str, permissions: list[tuple[str, str, str]]) -> None:
        self.name = name
        self.bucket = bucket
        self.permissions = permissions


@pytest.fixture(scope="module")
def observed(moto, tmp_path_factory):
    """Run the role's converge, a no-op converge, verify, and a converge of an existing bucket; record each run's calls."""
    from integration.conftest import PlaybookRunner

    run_playbook = PlaybookRunner(moto, tmp_path_factory.mktemp("iam-policy-playbooks"))
    kms = aws_client(moto, "kms")
    key = kms.create_key(Description="logs key for the IAM policy test")["KeyMetadata"]
    alias = f"alias/{unique_bucket('iam-key')}"
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    kms.enable_key_rotation(KeyId=key["KeyId"])
    key_arns = {alias: key["Arn"], key["KeyId"]: key["Arn"]}

    fresh = unique_bucket("iam-logs")
    existing = unique_bucket("iam-acl-logs")
    s3 = aws_client(moto, "s3")
    s3.create_bucket(Bucket=existing)
    s3.put_bucket_acl(Bucket=existing, ACL="log-delivery-write")

    runs = [
        ("converge", fresh, CONVERGE_PLAYBOOK, {}),
        ("converge again", fresh, CONVERGE_PLAYBOOK, {}),
        ("verify", fresh, VERIFY_PLAYBOOK, {}),
        ("converge existing bucket", existing, CONVERGE_PLAYBOOK, {"logs_bucket_tags": {"team": "security"}}),
    ]
    phases = {}
    for name, bucket, playbook, extra in runs:
        mark = moto.mark()
        run = run_playbook(playbook, role_vars(bucket, logs_bucket_kms_key=alias, **extra))
        assert run.rc == 0, run.describe()
        phases[name] = Phase(name, bucket, requested_permissions(moto, mark, key_arns))
    return phases, key["KeyId"]


def denied(phase: Phase, policy: dict) -> list[str]:
    return [
        f"{operation} needs {action} on {resource}"
        for operation, action, resource in phase.permissions
        if not is_allowed(policy, action, resource)
    ]


@pytest.mark.parametrize("phase_name", ["converge", "converge again", "converge existing bucket"])
def test_converge_calls_allowed(observed, phase_name):
    """Every request of a converge (with its verify) is allowed by docs/iam-policy.json."""
    phases, key_id = observed
    phase = phases[phase_name]
    policy = load_policy(CONVERGE_POLICY, phase.bucket, key_id)

    assert phase.permissions
    assert denied(phase, policy) == []


def test_verify_calls_allowed_by_readonly(observed):
    """Every request of playbooks/verify.yml is allowed by docs/iam-policy-readonly.json."""
    phases, key_id = observed
    phase = phases["verify"]
    policy = load_policy(READONLY_POLICY, phase.bucket, key_id)

    assert phase.permissions
    assert denied(phase, policy) == []


def test_converge_policy_grants_only_needed_actions(observed):
    """docs/iam-policy.json grants no action that the role did not use, except the ones moto cannot show."""
    phases, key_id = observed
    used = {action for phase in phases.values() for _operation, action, _resource in phase.permissions}
    policy = load_policy(CONVERGE_POLICY, DOC_BUCKET, key_id)

    assert sorted(policy_actions(policy) - used - set(NOT_OBSERVABLE_ON_MOTO)) == []


def test_readonly_policy_grants_only_verify_reads(observed):
    """docs/iam-policy-readonly.json grants only what verify used, and nothing that writes."""
    phases, key_id = observed
    used = {action for _operation, action, _resource in phases["verify"].permissions}
    actions = policy_actions(load_policy(READONLY_POLICY, DOC_BUCKET, key_id))

    assert sorted(actions - used - set(NOT_OBSERVABLE_ON_MOTO)) == []
    assert sorted(action for action in actions if action.split(":", 1)[1].startswith(WRITE_ACTION_PREFIXES)) == []


def test_policies_grant_no_deletion():
    """Neither document lets the caller delete a bucket, an object, a policy or a key, or uses a wildcard action."""
    for name in (CONVERGE_POLICY, READONLY_POLICY):
        actions = policy_actions(json.loads((DOCS / name).read_text()))
        assert sorted(action for action in actions if "*" in action) == [], name
        assert sorted(action for action in actions if ":Delete" in action or "Deletion" in action) == [], name


def test_modules_name_iam_action_of_every_call(observed):
    """An access-denied failure names the IAM action for every operation the role sends."""
    phases, _key_id = observed
    operations = {operation for phase in phases.values() for operation, _action, _resource in phase.permissions}
    known = {**IAM_ACTIONS, **KMS_IAM_ACTIONS}

    assert sorted(operations - set(known)) == []


DENIED_OPERATIONS = [
    "HeadBucket",
    "GetBucketPolicy",
    "PutPublicAccessBlock",
    "PutBucketPolicy",
    "PutBucketOwnershipControls",
    "PutBucketEncryption",
    "PutBucketVersioning",
    "PutBucketLifecycleConfiguration",
    "PutBucketLogging",
    "DescribeKey",
]


@pytest.mark.parametrize("operation", DENIED_OPERATIONS)
def test_denied_permission_named(moto, monkeypatch, operation):
    """When the caller lacks the permission of one request, converge fails naming that IAM action."""
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    kms = aws_client(moto, "kms")
    key_id = kms.create_key(Description="logs key for the denied-permission test")["KeyMetadata"]["KeyId"]
    bucket = unique_bucket("denied")
    aws_client(moto, "s3").create_bucket(Bucket=bucket)
    args = {
        "name": bucket,
        "versioning": True,
        "object_ownership": "BucketOwnerEnforced",
        "public_access_block": {},
        "encryption": {"sse_algorithm": "aws:kms", "kms_key": key_id, "bucket_key_enabled": True},
        "lifecycle": {"rules": [LOGS_RETENTION_RULE]},
        "policy": {"deny_insecure_transport": True},
        "access_logging": {"target_bucket": f"{bucket}-al", "target_prefix": f"{bucket}/", "manage_target": True},
    }

    with FaultProxy(
        moto.endpoint_url, failure_rate=1.0, max_consecutive_faults=100, kinds=(ACCESS_DENIED,), operations=(operation,)
    ) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        result = run_in_process("s3_logs_bucket", args)

    assert [fault.operation for fault in proxy.faults] == [operation]
    assert result.get("failed") is True, result
    assert IAM_ACTIONS[operation] in result["msg"]
