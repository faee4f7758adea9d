"""The IAM policy documents in docs/ against the API calls the role and modules really make.

The role runs against moto with access logging on and a customer KMS key.
The runs are a converge of new buckets, a converge that changes nothing,
playbooks/verify.yml, and a converge of an existing bucket whose ACL still
grants log delivery, which adds the ACL migration and the retention check.
Further runs cover the features that the base documents leave out. They are
a customer key that the role creates and then adopts, kms_logs_key and
kms_key_policy_statements on their own, Object Lock on a new bucket, and a
converge through ``logs_bucket_role_arn`` with an external id.

Each request in moto's log becomes one or more IAM permissions, an action
and a resource ARN (see iam_documents.py), and the matching documents must
allow each of them, with their placeholders replaced by the test's names.
"""

from __future__ import annotations

import pytest

from integration.conftest import PlaybookRunner, module_playbook
from integration.converged_state import CONVERGE_PLAYBOOK, role_vars
from integration.helpers import ACCOUNT_ID, LOGS_RETENTION_RULE, aws_client, unique_bucket
from integration.iam_documents import (
    ASSUME_ROLE_POLICY,
    CONVERGE_POLICY,
    DOC_BUCKET,
    IDENTITY_POLICIES,
    KMS_KEY_POLICY,
    OBJECT_LOCK_POLICY,
    READONLY_POLICY,
    TRUST_POLICY,
    Permission,
    assume_role_parameters,
    combined_policy,
    denied_permissions,
    every_key_arn,
    iam_action,
    key_arns_of,
    load_policy,
    policy_actions,
    read_document,
    request_permissions,
    requested_permissions,
    trust_allows,
)
from integration.in_process import run_in_process
from integration.moto_state import recorded_requests
from support.fault_proxy import ACCESS_DENIED, FaultProxy
from support.moto_server import FAKE_ACCESS_KEY_ID

from ansible_collections.logsafe.aws.plugins.module_utils._aws import IAM_ACTIONS
from ansible_collections.logsafe.aws.plugins.module_utils._kms_key import KMS_IAM_ACTIONS

VERIFY_PLAYBOOK = "playbooks/verify.yml"

# The role that the role_arn runs assume, in moto's default account, and the external id they send.
ASSUMED_ROLE_NAME = "LogsafeLogsBucket"
ASSUMED_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/{ASSUMED_ROLE_NAME}"
EXTERNAL_ID = "logsafe-test-external-id"

# Actions that the role needs on AWS but that a run against moto cannot show.
NOT_OBSERVABLE_ON_MOTO = {
    "s3:GetAccountPublicAccessBlock": "verify reads the account-level block through S3 Control, "
    "which it skips when an endpoint URL is set",
}
WRITE_ACTION_PREFIXES = ("Put", "Create", "Delete", "Enable", "Disable", "Schedule", "Tag", "Untag", "Update")


class Phase:
    """The requests of one run, with the bucket name that the documents' placeholder stands for."""

    def __init__(self, name: str, bucket: str, permissions: list[Permission]) -> None:
        self.name = name
        self.bucket = bucket
        self.permissions = permissions


def denied(phase: Phase, policy: dict) -> list[str]:
    return denied_permissions(phase.permissions, policy)


def used_actions(phases) -> set[str]:
    return {item.action for phase in phases for item in phase.permissions}


def create_logs_key(moto, description: str) -> dict:
    """Create a customer key with an alias and rotation on, and return its metadata with the alias under "Alias"."""
    kms = aws_client(moto, "kms")
    key = kms.create_key(Description=description)["KeyMetadata"]
    alias = f"alias/{unique_bucket('iam-key')}"
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    kms.enable_key_rotation(KeyId=key["KeyId"])
    return {**key, "Alias": alias}


# The role with the default settings of docs/iam-policy.json.


@pytest.fixture(scope="module")
def observed(moto, tmp_path_factory):
    """Run the role's converge, a no-op converge, verify, and a converge of an existing bucket; record each run's calls."""
    run_playbook = PlaybookRunner(moto, tmp_path_factory.mktemp("iam-policy-playbooks"))
    key = create_logs_key(moto, "logs key for the IAM policy test")
    key_arns = {key["Alias"]: key["Arn"], key["KeyId"]: key["Arn"]}

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
        run = run_playbook(playbook, role_vars(bucket, logs_bucket_kms_key=key["Alias"], **extra))
        assert run.rc == 0, run.describe()
        phases[name] = Phase(name, bucket, requested_permissions(moto, mark, key_arns))
    return phases, key["KeyId"]


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
    used = used_actions(phases.values())
    policy = load_policy(CONVERGE_POLICY, DOC_BUCKET, key_id)

    assert sorted(policy_actions(policy) - used - set(NOT_OBSERVABLE_ON_MOTO)) == []


def test_readonly_policy_grants_only_verify_reads(observed):
    """docs/iam-policy-readonly.json grants only what verify used, and nothing that writes."""
    phases, key_id = observed
    used = used_actions([phases["verify"]])
    actions = policy_actions(load_policy(READONLY_POLICY, DOC_BUCKET, key_id))

    assert sorted(actions - used - set(NOT_OBSERVABLE_ON_MOTO)) == []
    assert sorted(action for action in actions if action.split(":", 1)[1].startswith(WRITE_ACTION_PREFIXES)) == []


def test_policies_grant_no_deletion():
    """No identity document lets the caller delete a bucket, an object, a policy or a key, or uses a wildcard action."""
    for name in IDENTITY_POLICIES:
        actions = policy_actions(read_document(name))
        assert sorted(action for action in actions if "*" in action) == [], name
        assert sorted(action for action in actions if ":Delete" in action or "Deletion" in action) == [], name


# A customer key that the role creates, and the two KMS modules on their own.


@pytest.fixture(scope="module")
def observed_kms(moto, tmp_path_factory):
    """Run the role with logs_bucket_kms_key_create twice, then kms_logs_key and kms_key_policy_statements alone."""
    run_playbook = PlaybookRunner(moto, tmp_path_factory.mktemp("iam-kms-playbooks"))
    role_bucket = unique_bucket("iam-key-logs")
    key_bucket = unique_bucket("iam-module-logs")
    key_alias = f"alias/{key_bucket}-logs"
    reader = f"arn:aws:iam::{ACCOUNT_ID}:role/siem-reader"
    role_settings = role_vars(
        role_bucket,
        logs_bucket_kms_key_create=True,
        logs_bucket_log_sources=[{"type": "cloudtrail"}],
        logs_bucket_kms_key_reader_roles=[reader],
        logs_bucket_tags={"team": "security"},
    )
    key_module_args = {"alias": key_alias, "bucket": key_bucket, "log_sources": [{"type": "cloudtrail"}]}
    task = "Run the KMS module"

    runs = [
        ("create customer key", role_bucket, CONVERGE_PLAYBOOK, role_settings),
        ("adopt customer key", role_bucket, CONVERGE_PLAYBOOK, role_settings),
        (
            "kms_logs_key create",
            key_bucket,
            module_playbook(
                "logsafe.aws.kms_logs_key",
                {**key_module_args, "description": "first description", "tags": {"team": "security"}},
                task,
            ),
            None,
        ),
        (
            "kms_logs_key change",
            key_bucket,
            module_playbook(
                "logsafe.aws.kms_logs_key",
                {**key_module_args, "description": "second description", "tags": {"owner": "soc"}},
                task,
            ),
            None,
        ),
        (
            "kms_key_policy_statements",
            key_bucket,
            module_playbook(
                "logsafe.aws.kms_key_policy_statements", {"key": key_alias, "reader_role_arns": [reader]}, task
            ),
            None,
        ),
    ]
    phases = {}
    for name, bucket, playbook, extra_vars in runs:
        mark = moto.mark()
        run = run_playbook(playbook, extra_vars)
        assert run.rc == 0, run.describe()
        assert run.recap["localhost"]["changed"] >= (0 if name == "adopt customer key" else 1), run.describe()
        # The run's requests are read before key_arns_of() adds its own to the log.
        requests = recorded_requests(moto, mark)
        phases[name] = Phase(name, bucket, request_permissions(requests, key_arns_of(moto)))
    return phases


@pytest.mark.parametrize("phase_name", ["create customer key", "adopt customer key"])
def test_created_key_calls_allowed(observed_kms, phase_name):
    """A converge with logs_bucket_kms_key_create is allowed by docs/iam-policy.json with docs/iam-policy-kms-key.json.

    The key id placeholder of docs/iam-policy.json stays unreplaced,
    because the key does not exist when the policy is written.
    """
    phase = observed_kms[phase_name]
    policy = combined_policy(load_policy(CONVERGE_POLICY, phase.bucket), load_policy(KMS_KEY_POLICY, phase.bucket))

    assert phase.permissions
    assert denied(phase, policy) == []


@pytest.mark.parametrize("phase_name", ["kms_logs_key create", "kms_logs_key change", "kms_key_policy_statements"])
def test_kms_module_calls_allowed(observed_kms, phase_name):
    """kms_logs_key and kms_key_policy_statements need nothing beyond docs/iam-policy-kms-key.json."""
    phase = observed_kms[phase_name]
    policy = load_policy(KMS_KEY_POLICY, phase.bucket)

    assert phase.permissions
    assert denied(phase, policy) == []


def test_created_key_needs_create_permissions(observed_kms):
    """The first run creates the key with tags, an alias and rotation, which needs kms:TagResource on every key."""
    actions = {(item.action, item.resource) for item in observed_kms["create customer key"].permissions}

    assert ("kms:CreateKey", "*") in actions
    assert ("kms:TagResource", every_key_arn()) in actions
    assert any(action == "kms:CreateAlias" and ":alias/" in resource for action, resource in actions)
    assert any(action == "kms:CreateAlias" and ":key/" in resource for action, resource in actions)
    assert any(action == "kms:EnableKeyRotation" for action, _resource in actions)


def test_adopted_key_calls_touch_one_key(observed_kms):
    """A run that adopts the key sends KMS requests for that key only, so key/* can be narrowed to its ARN."""
    phase = observed_kms["adopt customer key"]
    key_resources = {item.resource for item in phase.permissions if item.action.startswith("kms:")}
    kms_operations = {item.operation for item in phase.permissions if item.action.startswith("kms:")}

    assert len(key_resources - {"*"}) == 1, key_resources
    assert "CreateKey" not in kms_operations
    assert "CreateAlias" not in kms_operations


def test_kms_key_policy_grants_only_needed_actions(observed_kms):
    """docs/iam-policy-kms-key.json grants no KMS action that the key runs did not use."""
    used = used_actions(observed_kms.values())
    actions = policy_actions(load_policy(KMS_KEY_POLICY, DOC_BUCKET))

    assert sorted(actions - used) == []
    assert "kms:DisableKeyRotation" not in actions


# Object Lock on a new bucket.


@pytest.fixture(scope="module")
def observed_object_lock(moto, tmp_path_factory):
    """Converge a new bucket with logs_bucket_object_lock twice, and record each run's calls."""
    run_playbook = PlaybookRunner(moto, tmp_path_factory.mktemp("iam-object-lock-playbooks"))
    key = create_logs_key(moto, "logs key for the Object Lock IAM policy test")
    key_arns = {key["Alias"]: key["Arn"], key["KeyId"]: key["Arn"]}
    bucket = unique_bucket("iam-lock-logs")
    settings = role_vars(
        bucket, logs_bucket_kms_key=key["Alias"], logs_bucket_object_lock={"mode": "GOVERNANCE", "days": 30}
    )

    phases = {}
    for name in ("object lock converge", "object lock converge again"):
        mark = moto.mark()
        run = run_playbook(CONVERGE_PLAYBOOK, settings)
        assert run.rc == 0, run.describe()
        phases[name] = Phase(name, bucket, requested_permissions(moto, mark, key_arns))
    return phases, key["KeyId"]


@pytest.mark.parametrize("phase_name", ["object lock converge", "object lock converge again"])
def test_object_lock_calls_allowed(observed_object_lock, phase_name):
    """A converge with logs_bucket_object_lock is allowed by docs/iam-policy.json with docs/iam-policy-object-lock.json."""
    phases, key_id = observed_object_lock
    phase = phases[phase_name]
    policy = combined_policy(
        load_policy(CONVERGE_POLICY, phase.bucket, key_id), load_policy(OBJECT_LOCK_POLICY, phase.bucket)
    )

    assert phase.permissions
    assert denied(phase, policy) == []


def test_object_lock_create_bucket_permissions(observed_object_lock):
    """CreateBucket with Object Lock needs s3:PutBucketObjectLockConfiguration and s3:PutBucketVersioning."""
    phases, _key_id = observed_object_lock
    phase = phases["object lock converge"]
    create_actions = {item.action for item in phase.permissions if item.operation == "CreateBucket"}

    assert {"s3:CreateBucket", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"} <= create_actions


def test_object_lock_policy_grants_only_needed_actions(observed_object_lock):
    phases, _key_id = observed_object_lock
    used = used_actions(phases.values())
    actions = policy_actions(load_policy(OBJECT_LOCK_POLICY, DOC_BUCKET))

    assert sorted(actions - used) == []


# A converge through logs_bucket_role_arn with an external id.


@pytest.fixture(scope="module")
def observed_assume_role(moto, tmp_path_factory):
    """Converge through logs_bucket_role_arn, and split the calls into the caller's and the assumed role's."""
    run_playbook = PlaybookRunner(moto, tmp_path_factory.mktemp("iam-assume-role-playbooks"))
    key = create_logs_key(moto, "logs key for the assumed-role IAM policy test")
    key_arns = {key["Alias"]: key["Arn"], key["KeyId"]: key["Arn"]}
    bucket = unique_bucket("iam-role-logs")
    settings = role_vars(
        bucket,
        logs_bucket_kms_key=key["Alias"],
        logs_bucket_role_arn=ASSUMED_ROLE_ARN,
        logs_bucket_external_id=EXTERNAL_ID,
    )

    mark = moto.mark()
    run = run_playbook(CONVERGE_PLAYBOOK, settings)
    assert run.rc == 0, run.describe()
    requests = recorded_requests(moto, mark)
    permissions = request_permissions(requests, key_arns)
    caller = Phase("caller", bucket, [item for item in permissions if item.access_key_id == FAKE_ACCESS_KEY_ID])
    role = Phase("assumed role", bucket, [item for item in permissions if item.access_key_id != FAKE_ACCESS_KEY_ID])
    return caller, role, assume_role_parameters(requests), key["KeyId"]


def test_caller_sends_only_assume_role(observed_assume_role):
    """The caller's own credentials send only STS AssumeRole, which docs/iam-policy-assume-role.json allows."""
    caller, _role, _requests, _key_id = observed_assume_role
    policy = load_policy(ASSUME_ROLE_POLICY, caller.bucket, role_name=ASSUMED_ROLE_NAME)

    assert {item.operation for item in caller.permissions} == {"AssumeRole"}
    assert {item.resource for item in caller.permissions} == {ASSUMED_ROLE_ARN}
    assert denied(caller, policy) == []


def test_assumed_role_calls_allowed(observed_assume_role):
    """Every request made with the assumed role's credentials is allowed by docs/iam-policy.json."""
    _caller, role, _requests, key_id = observed_assume_role
    policy = load_policy(CONVERGE_POLICY, role.bucket, key_id)

    assert role.permissions
    assert "AssumeRole" not in {item.operation for item in role.permissions}
    assert denied(role, policy) == []


def test_trust_policy_admits_caller(observed_assume_role):
    """docs/iam-role-trust-policy.json lets the caller's account assume the role with the external id it sends."""
    _caller, _role, requests, _key_id = observed_assume_role
    trust = load_policy(TRUST_POLICY, DOC_BUCKET, external_id=EXTERNAL_ID)

    assert requests
    for parameters in requests:
        assert parameters["RoleArn"] == ASSUMED_ROLE_ARN
        assert parameters.get("ExternalId") == EXTERNAL_ID
        assert trust_allows(trust, ACCOUNT_ID, parameters.get("ExternalId"))


def test_trust_policy_rejects_other_external_id():
    trust = load_policy(TRUST_POLICY, DOC_BUCKET, external_id=EXTERNAL_ID)

    assert trust_allows(trust, ACCOUNT_ID, EXTERNAL_ID)
    assert not trust_allows(trust, ACCOUNT_ID, "another-external-id")
    assert not trust_allows(trust, ACCOUNT_ID, None)
    assert not trust_allows(trust, "999988887777", EXTERNAL_ID)


def test_assume_role_policy_grants_only_assume_role():
    actions = policy_actions(load_policy(ASSUME_ROLE_POLICY, DOC_BUCKET))

    assert actions == {"sts:AssumeRole"}


# Access-denied messages.


def test_modules_name_iam_action_of_every_call(observed, observed_kms, observed_object_lock, observed_assume_role):
    """An access-denied failure names the IAM action for every operation the role and the KMS modules send."""
    phases = [
        *observed[0].values(),
        *observed_kms.values(),
        *observed_object_lock[0].values(),
        *observed_assume_role[:2],
    ]
    operations = {item.operation for phase in phases for item in phase.permissions}
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


# Requests of the features above, each denied in a run that needs it.
DENIED_FEATURE_CASES = {
    "object-lock-read": ("s3_logs_bucket", "GetObjectLockConfiguration"),
    "object-lock-write": ("s3_logs_bucket", "PutObjectLockConfiguration"),
    "key-create": ("kms_logs_key", "CreateKey"),
    "key-alias": ("kms_logs_key", "CreateAlias"),
    "key-policy-write": ("kms_key_policy_statements", "PutKeyPolicy"),
    "assume-role": ("s3_bucket", "AssumeRole"),
}


def denied_feature_args(module: str, operation: str, moto) -> dict:
    """Return module options that make the module send the request of its case."""
    bucket = unique_bucket("denied-feature")
    if operation == "GetObjectLockConfiguration":
        # The module reads the Object Lock configuration only of a bucket that exists.
        aws_client(moto, "s3").create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    if module == "s3_logs_bucket":
        return {"name": bucket, "versioning": True, "object_lock": {"mode": "GOVERNANCE", "days": 1}}
    if module == "kms_logs_key":
        return {"alias": f"alias/{bucket}", "bucket": bucket}
    if module == "kms_key_policy_statements":
        key = create_logs_key(moto, "logs key for the denied key policy test")
        return {"key": key["Alias"], "reader_role_arns": [f"arn:aws:iam::{ACCOUNT_ID}:role/siem-reader"]}
    return {"name": bucket, "role_arn": ASSUMED_ROLE_ARN, "external_id": EXTERNAL_ID}


@pytest.mark.parametrize("case", sorted(DENIED_FEATURE_CASES))
def test_denied_feature_permission_named(moto, monkeypatch, case):
    """A run that lacks a permission of the other documents fails naming that IAM action."""
    module, operation = DENIED_FEATURE_CASES[case]
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    args = denied_feature_args(module, operation, moto)

    with FaultProxy(
        moto.endpoint_url, failure_rate=1.0, max_consecutive_faults=100, kinds=(ACCESS_DENIED,), operations=(operation,)
    ) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        result = run_in_process(module, args)

    assert [fault.operation for fault in proxy.faults] == [operation]
    assert result.get("failed") is True, result
    assert iam_action(operation) in result["msg"]
