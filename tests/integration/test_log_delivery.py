"""Log sources, ACL migration and the evidence-grade settings through s3_logs_bucket against moto."""

from __future__ import annotations

import json

import pytest
from integration.helpers import (
    ACCOUNT_ID,
    aws_client,
    failure_message,
    policy_statements,
    unique_bucket,
)

MODULE = "s3_logs_bucket"
BUCKET_ARN = "arn:aws:s3:::{}"

# Sources, the Sids each adds, and a check of one statement of each.
SOURCE_CASES = [
    pytest.param([{"type": "alb", "prefix": "alb"}], "aws-logs", ["LogsafeAlbAccessLogs"], id="alb"),
    pytest.param([{"type": "clb"}], "aws-logs", ["LogsafeClbAccessLogs"], id="clb"),
    pytest.param(
        [{"type": "nlb", "prefix": "nlb"}, {"type": "vpc_flow_logs", "prefix": "flow"}],
        "aws-logs",
        ["LogsafeVendedLogsWrite", "LogsafeVendedLogsAclCheck"],
        id="nlb-and-flow-logs",
    ),
    pytest.param([{"type": "waf"}], "aws-waf-logs", ["LogsafeVendedLogsWrite", "LogsafeVendedLogsAclCheck"], id="waf"),
    pytest.param(
        [{"type": "cloudfront"}], "aws-logs", ["LogsafeVendedLogsWrite", "LogsafeVendedLogsAclCheck"], id="cloudfront"
    ),
    pytest.param(
        [{"type": "cloudtrail", "organization_id": "o-abcdefghij"}],
        "aws-logs",
        ["LogsafeCloudTrailAclCheck", "LogsafeCloudTrailWrite"],
        id="cloudtrail",
    ),
    pytest.param([{"type": "config"}], "aws-logs", ["LogsafeConfigAclCheck", "LogsafeConfigWrite"], id="config"),
]


@pytest.mark.parametrize(("sources", "prefix", "sids"), SOURCE_CASES)
def test_log_source_applied_twice(moto, run_module, sources, prefix, sids):
    """Each source's statements appear on a fresh bucket, and a second run changes nothing and writes nothing."""
    bucket = unique_bucket(prefix)
    args = {"name": bucket, "encryption": {"sse_algorithm": "AES256"}, "log_sources": sources, "account_id": ACCOUNT_ID}
    s3 = aws_client(moto, "s3")

    first = run_module(MODULE, args).result
    mark = moto.mark()
    second = run_module(MODULE, args).result

    assert first["changed"] is True, failure_message(first)
    assert second["changed"] is False
    assert moto.writes_since(mark) == []
    statements = policy_statements(s3, bucket)
    for sid in sids:
        assert sid in statements
        assert statements[sid]["Effect"] == "Allow"
    for sid in sids:
        resources = statements[sid]["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        assert all(resource.startswith(BUCKET_ARN.format(bucket)) for resource in resources)


def test_log_source_statement_details(moto, run_module):
    """CloudTrail's write statement is scoped by account, trail ARN and the bucket-owner-full-control ACL."""
    bucket = unique_bucket("aws-logs")
    args = {"name": bucket, "encryption": {"sse_algorithm": "AES256"}, "log_sources": [{"type": "cloudtrail"}]}

    result = run_module(MODULE, dict(args, account_id=ACCOUNT_ID)).result

    assert result["changed"] is True, failure_message(result)
    write = policy_statements(aws_client(moto, "s3"), bucket)["LogsafeCloudTrailWrite"]
    assert write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert write["Action"] == "s3:PutObject"
    assert write["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    assert write["Condition"]["StringEquals"]["s3:x-amz-acl"] == "bucket-owner-full-control"
    assert write["Condition"]["ArnLike"]["aws:SourceArn"] == [f"arn:aws:cloudtrail:*:{ACCOUNT_ID}:trail/*"]


def test_service_statement_kept_between_runs(moto, run_module):
    """A statement that a service appends to the policy between two runs stays."""
    bucket = unique_bucket("aws-logs")
    args = {"name": bucket, "encryption": {"sse_algorithm": "AES256"}, "log_sources": [{"type": "config"}]}
    s3 = aws_client(moto, "s3")
    run_module(MODULE, dict(args, account_id=ACCOUNT_ID))
    document = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    document["Statement"].append(
        {
            "Sid": "AWSLogDeliveryAddedByService",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{BUCKET_ARN.format(bucket)}/other/*",
        }
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))

    result = run_module(MODULE, dict(args, account_id=ACCOUNT_ID)).result

    assert result["changed"] is False
    assert "AWSLogDeliveryAddedByService" in policy_statements(s3, bucket)


ENCRYPTION_REJECTIONS = [
    pytest.param([{"type": "alb"}], {"sse_algorithm": "aws:kms"}, "SSE-S3", id="alb-with-kms"),
    pytest.param(
        [{"type": "cloudtrail"}], {"sse_algorithm": "aws:kms"}, "AWS managed key", id="cloudtrail-managed-key"
    ),
    pytest.param(
        [{"type": "s3_access_logs", "source_buckets": ["app-data"]}],
        {"sse_algorithm": "aws:kms"},
        "AWS managed key",
        id="access-logs-managed-key",
    ),
]


@pytest.mark.parametrize(("sources", "encryption", "message"), ENCRYPTION_REJECTIONS)
def test_encryption_rejected_before_requests(moto, run_module, sources, encryption, message):
    """AWS: ALB/CLB write only with SSE-S3, and no service can use aws/s3; fail before any request."""
    bucket = unique_bucket("enc")
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "encryption": encryption, "log_sources": sources}).result

    assert result["failed"] is True
    assert message in failure_message(result)
    assert bucket in failure_message(result)
    assert moto.requests_since(mark) == []


def test_acl_migration_keeps_delivery(moto, run_module):
    """A bucket with ObjectWriter and the log-delivery-write ACL ends with BucketOwnerEnforced, an owner-only ACL
    and the delivery statement; a second run changes nothing."""
    bucket = unique_bucket("legacy")
    s3 = aws_client(moto, "s3")
    s3.create_bucket(Bucket=bucket, ACL="log-delivery-write", ObjectOwnership="ObjectWriter")
    args = {"name": bucket, "object_ownership": "BucketOwnerEnforced"}

    first = run_module(MODULE, args, diff=True).result
    second = run_module(MODULE, args).result

    assert first["changed"] is True, failure_message(first)
    assert first["diff"]["before"][bucket]["ownership_controls"]["acl_grants"]
    assert second["changed"] is False
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules[0]["ObjectOwnership"] == "BucketOwnerEnforced"
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert "LogsafeAclMigrationS3AccessLogs" in policy_statements(s3, bucket)


def test_acl_migration_refused_without_permission(moto, run_module):
    """With migrate_acls false, nothing changes and the message lists the grants."""
    bucket = unique_bucket("legacy")
    s3 = aws_client(moto, "s3")
    s3.create_bucket(Bucket=bucket, ACL="log-delivery-write", ObjectOwnership="ObjectWriter")
    mark = moto.mark()

    result = run_module(
        MODULE, {"name": bucket, "object_ownership": "BucketOwnerEnforced", "migrate_acls": False}
    ).result

    assert result["failed"] is True
    assert "LogDelivery group" in failure_message(result)
    assert moto.writes_since(mark) == []


def test_object_lock_ladder(moto, run_module):
    """Object Lock: check mode, apply, check mode again, apply again; the retention reads back after creation."""
    bucket = unique_bucket("evidence")
    args = {"name": bucket, "versioning": True, "object_lock": {"mode": "GOVERNANCE", "days": 30}}
    s3 = aws_client(moto, "s3")

    steps = []
    for check in (True, False, True, False):
        mark = moto.mark()
        result = run_module(MODULE, args, check=check).result
        steps.append(result["changed"])
        if check:
            assert moto.writes_since(mark) == []

    assert steps == [True, True, False, False]
    retention = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention["Mode"] == "GOVERNANCE"
    assert retention["Days"] == 30


def test_object_lock_existing_bucket_refused(moto, run_module):
    """An existing bucket without Object Lock is not changed."""
    bucket = unique_bucket("plain")
    aws_client(moto, "s3").create_bucket(Bucket=bucket)
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "object_lock": {"mode": "COMPLIANCE", "years": 1}}).result

    assert result["failed"] is True
    assert "Nothing was changed" in failure_message(result)
    assert moto.writes_since(mark) == []


def test_evidence_statements_ladder(moto, run_module):
    """Deletion protection, read access and the foreign-encryption denial: check, apply, check, apply."""
    bucket = unique_bucket("evidence")
    args = {
        "name": bucket,
        "encryption": {"sse_algorithm": "AES256"},
        "policy": {
            "deny_other_encryption": True,
            "deletion_protection": True,
            "break_glass_role_arns": [f"arn:aws:iam::{ACCOUNT_ID}:role/break-glass"],
            "read_principals": ["arn:aws:iam::111122223333:role/siem-reader"],
            "read_organization_id": "o-abcdefghij",
        },
    }

    changes = [run_module(MODULE, args, check=check).result["changed"] for check in (True, False, True, False)]

    assert changes == [True, True, False, False]
    statements = policy_statements(aws_client(moto, "s3"), bucket)
    assert statements["LogsafeDenyDeletion"]["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": [f"arn:aws:iam::{ACCOUNT_ID}:role/break-glass"]}
    }
    assert statements["LogsafeDenyOtherEncryption"]["Effect"] == "Deny"
    assert "LogsafeReadAccess" in statements
    assert statements["LogsafeReadAccessOrganization"]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}
    }
