"""The playbook of README.md's "Evidence-grade setup" section, run as written against moto.

The playbook text comes from README.md unchanged. The endpoint and the fake
credentials come from the environment, and ``logs_bucket_role_arn`` comes
from an extra var, because the README instructs operators to run the playbook
as the break-glass role. The playbook runs twice, and the second run must change
nothing. The runbook's AWS CLI commands then read what the role built, and
the recorded requests are checked against the IAM documents that the README
names for this playbook. All tests share the two runs of one module-scoped
fixture.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import yaml

from integration.conftest import PlaybookRun, PlaybookRunner
from integration.iam_documents import (
    ASSUME_ROLE_POLICY,
    CONVERGE_POLICY,
    KMS_KEY_POLICY,
    OBJECT_LOCK_POLICY,
    as_list,
    combined_policy,
    denied_permissions,
    key_arns_of,
    load_policy,
    request_permissions,
)
from integration.installed_collection import REPO_ROOT
from integration.moto_state import assumed_roles, recorded_requests
from support.moto_server import FAKE_ACCESS_KEY_ID, ApiCall

README = REPO_ROOT / "README.md"
SECTION_HEADING = "## Evidence-grade setup"
# A fenced YAML block: ```yaml, the text, and the closing ```.
_YAML_BLOCK = re.compile(r"^```yaml\n(?P<text>.*?)^```$", re.MULTILINE | re.DOTALL)

ROOT_STATEMENT_SID = "Enable IAM User Permissions"


def readme_section(heading: str) -> str:
    """Return the text of one level-2 section of README.md, from its heading to the next level-2 heading."""
    text = README.read_text(encoding="utf-8")
    start = text.find(f"\n{heading}\n")
    assert start >= 0, f"README.md has no section {heading!r}"
    end = text.find("\n## ", start + len(heading) + 1)
    return text[start : end if end >= 0 else len(text)]


def readme_playbook(heading: str) -> str:
    """Return the first YAML block of a README.md section, as written."""
    match = _YAML_BLOCK.search(readme_section(heading))
    assert match is not None, f"the README section {heading!r} has no ```yaml block"
    return match.group("text")


@pytest.fixture(scope="module")
def playbook_text() -> str:
    return readme_playbook(SECTION_HEADING)


@pytest.fixture(scope="module")
def role_vars(playbook_text) -> dict:
    """Return the vars that the README playbook gives the role."""
    plays = yaml.safe_load(playbook_text)
    roles = plays[0]["roles"]
    assert [entry["role"] for entry in roles] == ["logsafe.aws.logs_bucket"]
    return roles[0]["vars"]


@pytest.fixture(scope="module")
def break_glass_role(role_vars) -> str:
    return role_vars["logs_bucket_break_glass_role_arns"][0]


@dataclasses.dataclass
class EvidenceRuns:
    """The two runs of the README playbook, the writes of the second, and the raw requests of both."""

    first: PlaybookRun
    second: PlaybookRun
    second_writes: list[ApiCall]
    requests: list[dict]


@pytest.fixture(scope="module")
def runs(moto, tmp_path_factory, playbook_text, break_glass_role) -> EvidenceRuns:
    """Run the README playbook twice as the break-glass role."""
    run_playbook = PlaybookRunner(moto, tmp_path_factory.mktemp("evidence-playbooks"))
    extra_vars = {"logs_bucket_role_arn": break_glass_role}

    start = moto.mark()
    first = run_playbook(playbook_text, extra_vars)
    mark = moto.mark()
    second = run_playbook(playbook_text, extra_vars)
    return EvidenceRuns(first, second, moto.writes_since(mark), recorded_requests(moto, start))


@pytest.fixture
def region_cli(aws_cli, role_vars):
    """Return the aws_cli function with the playbook's region, which the last --region argument sets."""

    def run_in_region(*args: str) -> object:
        return aws_cli(*args, "--region", role_vars["logs_bucket_region"])

    return run_in_region


@pytest.fixture
def key_arn(region_cli, role_vars) -> str:
    """Return the ARN of the customer key that the role created, found by the role's default alias."""
    alias = f"alias/{role_vars['logs_bucket_name']}-logs"
    return region_cli("kms", "describe-key", "--key-id", alias)["KeyMetadata"]["Arn"]


def statements_by_sid(policy_text: str) -> dict[str, dict]:
    return {statement.get("Sid", ""): statement for statement in json.loads(policy_text)["Statement"]}


def test_readme_playbook_converges(runs):
    first = runs.first

    assert first.rc == 0, first.describe()
    assert first.recap["localhost"]["failed"] == 0
    # At least the new key and the new bucket.
    assert first.recap["localhost"]["changed"] >= 2, first.describe()


def test_readme_playbook_second_run_unchanged(runs):
    second = runs.second

    assert second.rc == 0, second.describe()
    assert second.recap["localhost"]["changed"] == 0, second.describe()
    assert [str(call) for call in runs.second_writes] == []


def test_every_call_assumes_break_glass_role(moto, runs, break_glass_role):
    """Each module call of both runs assumed the break-glass role, as the README requires."""
    module_calls = [
        entry
        for run in (runs.first, runs.second)
        for entry in run.results
        if entry["action"].startswith("logsafe.aws.") and entry["status"] != "skipped"
    ]

    assert module_calls
    assert len(assumed_roles(moto, break_glass_role)) == len(module_calls)


def test_object_lock_retention(runs, region_cli, role_vars):
    configuration = region_cli(
        "s3api", "get-object-lock-configuration", "--bucket", role_vars["logs_bucket_name"]
    )["ObjectLockConfiguration"]
    expected = role_vars["logs_bucket_object_lock"]

    assert configuration["ObjectLockEnabled"] == "Enabled"
    assert configuration["Rule"]["DefaultRetention"]["Mode"] == expected["mode"]
    assert configuration["Rule"]["DefaultRetention"]["Days"] == expected["days"]


def test_versioning_enabled(runs, region_cli, role_vars):
    versioning = region_cli("s3api", "get-bucket-versioning", "--bucket", role_vars["logs_bucket_name"])

    assert versioning["Status"] == "Enabled"


def test_encryption_uses_created_key(runs, region_cli, role_vars, key_arn):
    rule = region_cli("s3api", "get-bucket-encryption", "--bucket", role_vars["logs_bucket_name"])[
        "ServerSideEncryptionConfiguration"
    ]["Rules"][0]

    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    assert rule["BucketKeyEnabled"] is True


def test_key_is_customer_managed(runs, region_cli, key_arn):
    metadata = region_cli("kms", "describe-key", "--key-id", key_arn)["KeyMetadata"]

    assert metadata["KeyManager"] == "CUSTOMER"
    assert metadata["KeyState"] == "Enabled"
    assert metadata["KeySpec"] == "SYMMETRIC_DEFAULT"


def test_key_rotation_enabled(runs, region_cli, key_arn):
    status = region_cli("kms", "get-key-rotation-status", "--key-id", key_arn)

    assert status["KeyRotationEnabled"] is True


def test_key_policy_sids(runs, region_cli, role_vars, key_arn):
    policy = region_cli("kms", "get-key-policy", "--key-id", key_arn, "--policy-name", "default")["Policy"]
    statements = statements_by_sid(policy)
    readers = as_list(statements["LogsafeKeyReaders"]["Principal"]["AWS"])

    assert set(statements) == {
        ROOT_STATEMENT_SID,
        "LogsafeKeyCloudTrail",
        "LogsafeKeyVendedLogs",
        "LogsafeKeyS3Use",
        "LogsafeKeyReaders",
    }
    assert sorted(readers) == sorted(role_vars["logs_bucket_kms_key_reader_roles"])


def test_bucket_policy_sids(runs, region_cli, role_vars, key_arn, break_glass_role):
    policy = region_cli("s3api", "get-bucket-policy", "--bucket", role_vars["logs_bucket_name"])["Policy"]
    statements = statements_by_sid(policy)
    deletion_condition = statements["LogsafeDenyDeletion"]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    encryption_condition = statements["LogsafeDenyOtherEncryption"]["Condition"]["StringNotEqualsIfExists"]

    assert set(statements) == {
        "LogsafeDenyInsecureTransport",
        "LogsafeDenyOtherEncryption",
        "LogsafeDenyDeletion",
        "LogsafeReadAccess",
        "LogsafeCloudTrailAclCheck",
        "LogsafeCloudTrailWrite",
        "LogsafeVendedLogsAclCheck",
        "LogsafeVendedLogsWrite",
    }
    assert as_list(deletion_condition) == [break_glass_role]
    assert encryption_condition["s3:x-amz-server-side-encryption-aws-kms-key-id"] == key_arn
    assert sorted(as_list(statements["LogsafeReadAccess"]["Principal"]["AWS"])) == sorted(
        role_vars["logs_bucket_read_principals"]
    )


def test_access_logging_enabled(runs, region_cli, role_vars):
    bucket = role_vars["logs_bucket_name"]
    logging = region_cli("s3api", "get-bucket-logging", "--bucket", bucket)["LoggingEnabled"]

    assert logging == {"TargetBucket": f"{bucket}-access-logs", "TargetPrefix": f"{bucket}/"}


def test_caller_needs_only_assume_role(runs, role_vars, break_glass_role):
    """The credentials that the run starts with send only STS AssumeRole, as docs/iam-policy-assume-role.json allows."""
    permissions = [
        item for item in request_permissions(runs.requests, {}) if item.access_key_id == FAKE_ACCESS_KEY_ID
    ]
    role_name = break_glass_role.rsplit("/", 1)[1]
    policy = load_policy(ASSUME_ROLE_POLICY, role_vars["logs_bucket_name"], role_name=role_name)

    assert {item.operation for item in permissions} == {"AssumeRole"}
    assert denied_permissions(permissions, policy) == []


def test_break_glass_role_calls_allowed(moto, runs, role_vars):
    """The requests of the break-glass role are allowed by the documents that the README names for this playbook."""
    region = role_vars["logs_bucket_region"]
    bucket = role_vars["logs_bucket_name"]
    permissions = [
        item
        for item in request_permissions(runs.requests, key_arns_of(moto, region), region)
        if item.access_key_id != FAKE_ACCESS_KEY_ID
    ]
    policy = combined_policy(
        *(load_policy(name, bucket, region=region) for name in (CONVERGE_POLICY, KMS_KEY_POLICY, OBJECT_LOCK_POLICY))
    )

    assert permissions
    assert denied_permissions(permissions, policy) == []
