"""Integration tests of logsafe.aws.kms_logs_key, and of the role's customer key, against a moto server.

The key policy is read back with boto3 and checked statement by statement:
Sid, principal, actions and conditions.
"""

from __future__ import annotations

import json

import pytest
from integration.helpers import bucket_encryption, unique_bucket
from integration.single_module_helpers import (
    ACCOUNT_ID,
    REGION,
    assert_rejected_before_any_request,
    assert_same_in_every_step,
    aws_test_clients,
    module_failure,
    run_ladder,
)

MODULE = "kms_logs_key"
ROOT_SID = "Enable IAM User Permissions"
READER = "arn:aws:iam::111122223333:role/siem-reader"
ROLE_PLAYBOOK = "playbooks/logs_bucket.yml"


@pytest.fixture(scope="module")
def aws(moto):
    """Return boto3 clients for this module's moto server."""
    with aws_test_clients(moto) as clients:
        yield clients


def key_state(aws, alias):
    """Return what AWS has for the key behind ``alias``, or None when no key has it.

    The statements are keyed by Sid and reduced to principal, actions and
    conditions, with lists sorted, so that the comparison is by meaning.
    """
    try:
        metadata = aws.kms.describe_key(KeyId=alias)["KeyMetadata"]
    except aws.kms.exceptions.NotFoundException:
        return None
    key_id = metadata["KeyId"]
    policy = json.loads(aws.kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    return {
        "key_spec": metadata["KeySpec"],
        "key_usage": metadata.get("KeyUsage"),
        "rotation": aws.kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"],
        "tags": {tag["TagKey"]: tag["TagValue"] for tag in aws.kms.list_resource_tags(KeyId=key_id)["Tags"]},
        "statements": {statement.get("Sid"): summarize(statement) for statement in policy["Statement"]},
    }


def summarize(statement):
    """Return the effect, principal, actions and conditions of a statement, with lists sorted."""

    def as_sorted(value):
        return sorted(value) if isinstance(value, list) else [value]

    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = {kind: as_sorted(values) for kind, values in principal.items()}
    conditions = {
        operator: {key: as_sorted(values) for key, values in block.items()}
        for operator, block in statement.get("Condition", {}).items()
    }
    return {
        "effect": statement["Effect"],
        "principal": principal,
        "actions": as_sorted(statement["Action"]),
        "resource": statement["Resource"],
        "conditions": conditions,
    }


ROOT = {
    "effect": "Allow",
    "principal": {"AWS": [f"arn:aws:iam::{ACCOUNT_ID}:root"]},
    "actions": ["kms:*"],
    "resource": "*",
    "conditions": {},
}


def expected_statements(bucket, source_bucket):
    """Return the statements that the ladder's options ask for, in the form of summarize()."""
    return {
        ROOT_SID: ROOT,
        "LogsafeKeyCloudTrail": {
            "effect": "Allow",
            "principal": {"Service": ["cloudtrail.amazonaws.com"]},
            "actions": ["kms:DescribeKey", "kms:GenerateDataKey*"],
            "resource": "*",
            "conditions": {
                "StringEquals": {"aws:SourceAccount": [ACCOUNT_ID]},
                "ArnLike": {"aws:SourceArn": [f"arn:aws:cloudtrail:*:{ACCOUNT_ID}:trail/main"]},
            },
        },
        "LogsafeKeyS3AccessLogs": {
            "effect": "Allow",
            "principal": {"Service": ["logging.s3.amazonaws.com"]},
            "actions": ["kms:DescribeKey", "kms:GenerateDataKey*"],
            "resource": "*",
            "conditions": {
                "StringEquals": {"aws:SourceAccount": [ACCOUNT_ID]},
                "ArnLike": {"aws:SourceArn": [f"arn:aws:s3:::{source_bucket}"]},
            },
        },
        "LogsafeKeyReaders": {
            "effect": "Allow",
            "principal": {"AWS": [READER]},
            "actions": ["kms:Decrypt", "kms:DescribeKey"],
            "resource": "*",
            "conditions": {},
        },
        "LogsafeKeyS3Use": {
            "effect": "Allow",
            "principal": {"AWS": ["*"]},
            "actions": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "resource": "*",
            "conditions": {
                "StringEquals": {"kms:CallerAccount": [ACCOUNT_ID], "kms:ViaService": [f"s3.{REGION}.amazonaws.com"]},
                "StringLike": {
                    "kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
                },
            },
        },
        "LogsafeKeyDenyShortDeletionWindow": {
            "effect": "Deny",
            "principal": {"AWS": ["*"]},
            "actions": ["kms:ScheduleKeyDeletion"],
            "resource": "*",
            "conditions": {"NumericLessThan": {"kms:ScheduleKeyDeletionPendingWindowInDays": ["30"]}},
        },
    }


def ladder_args(bucket, alias, source_bucket):
    return {
        "alias": alias,
        "bucket": bucket,
        "log_sources": [
            {"type": "cloudtrail", "trail_names": ["main"]},
            {"type": "s3_access_logs", "source_buckets": [source_bucket], "prefix": f"{source_bucket}/"},
        ],
        "reader_role_arns": [READER],
        "pending_window_days": 30,
        "tags": {"team": "security"},
    }


def test_new_key_ladder(aws, moto, run_module):
    bucket = unique_bucket("kms-ladder")
    alias = f"alias/{bucket}"

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        ladder_args(bucket, alias, "app-data"),
        read_state=lambda: key_state(aws, alias),
        before=None,
        after={
            "key_spec": "SYMMETRIC_DEFAULT",
            "key_usage": "ENCRYPT_DECRYPT",
            "rotation": True,
            "tags": {"team": "security"},
            "statements": expected_statements(bucket, "app-data"),
        },
    )

    assert [result["created"] for result in results] == [True, True, False, False]
    assert results[0]["key_arn"] is None
    key_arn = results[1]["key_arn"]
    assert key_arn.startswith(f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/")
    assert [result["key_arn"] for result in results[2:]] == [key_arn, key_arn]
    assert_same_in_every_step(results, "alias")
    assert_same_in_every_step(results, "rotation_enabled")
    assert results[3]["description"] == f"Encrypts the logs delivered to S3 bucket {bucket}. Managed by logsafe.aws."


def test_adopted_key_keeps_other_statements(aws, moto, run_module):
    bucket = unique_bucket("kms-adopt")
    alias = f"alias/{bucket}"
    metadata = aws.create_key_with_alias(alias)
    policy = json.loads(aws.kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")["Policy"])
    admins = {
        "Sid": "AllowKeyAdministrators",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:role/key-admins"},
        "Action": ["kms:Describe*", "kms:PutKeyPolicy"],
        "Resource": "*",
    }
    policy["Statement"].append(admins)
    aws.kms.put_key_policy(KeyId=metadata["KeyId"], PolicyName="default", Policy=json.dumps(policy))

    first = run_module(
        MODULE, {"alias": alias, "bucket": bucket, "log_sources": [{"type": "config"}]}, diff=True
    ).result
    mark = moto.mark()
    second = run_module(MODULE, {"alias": alias, "bucket": bucket, "log_sources": [{"type": "config"}]}).result

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    assert first["created"] is False
    assert first["key_id"] == metadata["KeyId"]
    assert first["diff"]["before"]["rotation_enabled"] is False
    assert first["diff"]["after"]["rotation_enabled"] is True
    before_sids = {statement["Sid"] for statement in first["diff"]["before"]["key_policy"]["Statement"]}
    assert before_sids == {ROOT_SID, "AllowKeyAdministrators"}
    state = key_state(aws, alias)
    assert state["rotation"] is True
    assert sorted(state["statements"]) == sorted(
        [ROOT_SID, "AllowKeyAdministrators", "LogsafeKeyConfig", "LogsafeKeyS3Use"]
    )
    assert state["statements"]["AllowKeyAdministrators"] == summarize(admins)
    assert state["statements"]["LogsafeKeyConfig"]["conditions"] == {
        "StringEquals": {"aws:SourceAccount": [ACCOUNT_ID]}
    }
    assert second["changed"] is False
    assert moto.writes_since(mark) == []


def test_removed_source_drops_its_statement(aws, moto, run_module):
    bucket = unique_bucket("kms-sources")
    alias = f"alias/{bucket}"
    both = {"alias": alias, "bucket": bucket, "log_sources": [{"type": "cloudtrail"}, {"type": "vpc_flow_logs"}]}
    only_trail = dict(both, log_sources=[{"type": "cloudtrail"}])

    run_module(MODULE, both)
    before = sorted(key_state(aws, alias)["statements"])
    result = run_module(MODULE, only_trail).result

    assert before == sorted([ROOT_SID, "LogsafeKeyCloudTrail", "LogsafeKeyVendedLogs", "LogsafeKeyS3Use"])
    assert result["changed"] is True
    assert sorted(key_state(aws, alias)["statements"]) == sorted([ROOT_SID, "LogsafeKeyCloudTrail", "LogsafeKeyS3Use"])


# The other validation rules are covered by the unit tests of the backend.
@pytest.mark.parametrize(
    "args, fragments",
    [
        pytest.param(
            {"alias": "alias/aws/logs", "bucket": "example-logs"},
            ["Invalid alias 'alias/aws/logs'", "reserved for AWS managed keys"],
            id="reserved-alias",
        ),
        pytest.param(
            {"alias": "alias/example-logs", "bucket": "example-logs", "log_sources": [{"type": "alb"}]},
            ["Bucket example-logs receives ALB access logs", "SSE-S3"],
            id="alb-source",
        ),
    ],
)
def test_invalid_options_rejected_before_any_request(moto, run_module, args, fragments):
    assert_rejected_before_any_request(run_module, moto, MODULE, args, fragments)


def test_pending_deletion_key_not_adopted(aws, moto, run_module):
    alias = f"alias/{unique_bucket('kms-deleting')}"
    metadata = aws.create_key_with_alias(alias)
    aws.kms.schedule_key_deletion(KeyId=metadata["KeyId"], PendingWindowInDays=7)
    mark = moto.mark()

    result = run_module(MODULE, {"alias": alias}).result

    assert result["failed"] is True
    assert f"KMS key {alias} ({metadata['Arn']}) is pending deletion" in result["msg"]
    assert f"aws kms cancel-key-deletion --key-id {metadata['Arn']}" in result["msg"]
    assert moto.writes_since(mark) == []


def test_role_creates_key_for_bucket(aws, moto, run_playbook):
    """The role with logs_bucket_kms_key_create encrypts the bucket with the new key; a second run changes nothing."""
    bucket = unique_bucket("role-kms")
    extra_vars = {
        "logs_bucket_name": bucket,
        "logs_bucket_region": REGION,
        "logs_bucket_kms_key_create": True,
        "logs_bucket_kms_key_reader_roles": [READER],
        "logs_bucket_log_sources": [{"type": "cloudtrail"}],
    }

    check = run_playbook(ROLE_PLAYBOOK, extra_vars, check=True)
    first = run_playbook(ROLE_PLAYBOOK, extra_vars)
    mark = moto.mark()
    second = run_playbook(ROLE_PLAYBOOK, extra_vars)

    assert check.rc == 0, check.describe()
    assert "Converge and verify of the bucket were skipped" in check.stdout
    assert first.rc == 0, first.describe()
    state = key_state(aws, f"alias/{bucket}-logs")
    assert state["rotation"] is True
    assert sorted(state["statements"]) == sorted(
        [ROOT_SID, "LogsafeKeyCloudTrail", "LogsafeKeyReaders", "LogsafeKeyS3Use"]
    )
    key_arn = aws.kms.describe_key(KeyId=f"alias/{bucket}-logs")["KeyMetadata"]["Arn"]
    assert bucket_encryption(aws.s3, bucket) == {
        "sse_algorithm": "aws:kms",
        "kms_key": key_arn,
        "bucket_key_enabled": True,
    }
    assert second.rc == 0, second.describe()
    assert second.recap["localhost"]["changed"] == 0, second.describe()
    assert moto.writes_since(mark) == []
