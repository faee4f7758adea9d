"""Integration tests of logsafe.aws.s3_bucket_ownership_controls against a moto server."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from integration.single_module_helpers import (
    assert_same_in_every_step,
    aws_test_clients,
    module_failure,
    run_ladder,
)

MODULE = "s3_bucket_ownership_controls"


@pytest.fixture(scope="module")
def aws(moto):
    """Return boto3 clients for this module's moto server."""
    with aws_test_clients(moto) as clients:
        yield clients


def read_ownership(aws, bucket):
    """Return the bucket's ObjectOwnership, or None when it has no ownership controls."""
    try:
        response = aws.s3.get_bucket_ownership_controls(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] == "OwnershipControlsNotFoundError":
            return None
        raise
    return response["OwnershipControls"]["Rules"][0]["ObjectOwnership"]


def test_default_bucket_owner_enforced_ladder(aws, moto, run_module):
    bucket = "ownership-default"
    aws.create_bucket(bucket)

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket},
        read_state=lambda: read_ownership(aws, bucket),
        before=None,
        after="BucketOwnerEnforced",
    )

    # With ACLs disabled no grant applies, so acl_grants is [] in every step.
    assert results[0]["ownership_controls"] == {"object_ownership": "BucketOwnerEnforced", "acl_grants": []}
    assert_same_in_every_step(results, "ownership_controls")


def test_object_writer_ladder(aws, moto, run_module):
    bucket = "ownership-object-writer"
    aws.create_bucket(bucket)
    aws.s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "object_ownership": "ObjectWriter"},
        read_state=lambda: read_ownership(aws, bucket),
        before="BucketOwnerEnforced",
        after="ObjectWriter",
    )

    for step_result in results:
        assert step_result["ownership_controls"]["object_ownership"] == "ObjectWriter"


def test_absent_ladder(aws, moto, run_module):
    bucket = "ownership-absent"
    aws.create_bucket(bucket)
    aws.s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "state": "absent"},
        read_state=lambda: read_ownership(aws, bucket),
        before="BucketOwnerPreferred",
        after=None,
    )

    assert_same_in_every_step(results, "ownership_controls")
    assert results[0]["ownership_controls"] is None


def test_diff_shows_ownership_change(aws, run_module):
    bucket = "ownership-diff"
    aws.create_bucket(bucket)
    aws.s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )

    result = run_module(MODULE, {"name": bucket}, diff=True).result

    assert result["changed"] is True
    assert result["diff"]["before"] == {"object_ownership": "ObjectWriter", "acl_grants": []}
    assert result["diff"]["after"] == {"object_ownership": "BucketOwnerEnforced", "acl_grants": []}


def read_acl_grantees(aws, bucket):
    """Return (grantee, permission) pairs of the bucket ACL: a group's URI, or "owner" for a canonical user."""
    grants = aws.s3.get_bucket_acl(Bucket=bucket)["Grants"]
    return sorted((grant["Grantee"].get("URI") or "owner", grant["Permission"]) for grant in grants)


def grant_log_delivery_acl(aws, bucket):
    """Grant WRITE and READ_ACP to the S3 log delivery group, as the canned log-delivery-write ACL does on AWS.

    moto 5.2 stores only the READ_ACP grant for the canned ACL, so the grants are listed explicitly.
    """
    owner = aws.s3.get_bucket_acl(Bucket=bucket)["Owner"]
    log_delivery = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}
    grants = [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
        {"Grantee": log_delivery, "Permission": "WRITE"},
        {"Grantee": log_delivery, "Permission": "READ_ACP"},
    ]
    aws.s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": owner, "Grants": grants})


def test_migrate_acls_moves_log_delivery_grant(aws, moto, run_module):
    bucket = "ownership-migrate-acls"
    aws.create_bucket(bucket)
    grant_log_delivery_acl(aws, bucket)

    first = run_module(MODULE, {"name": bucket}).result
    mark = moto.mark()
    second = run_module(MODULE, {"name": bucket}).result

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    assert read_ownership(aws, bucket) == "BucketOwnerEnforced"
    assert read_acl_grantees(aws, bucket) == [("owner", "FULL_CONTROL")]
    statements = json.loads(aws.s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert [statement["Sid"] for statement in statements] == ["LogsafeAclMigrationS3AccessLogs"]
    assert statements[0]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert second["changed"] is False
    assert moto.writes_since(mark) == []


def test_migrate_acls_false_lists_grants(aws, moto, run_module):
    bucket = "ownership-keep-acls"
    aws.create_bucket(bucket)
    grant_log_delivery_acl(aws, bucket)
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "migrate_acls": False}).result

    assert result["failed"] is True
    assert "WRITE to LogDelivery group" in result["msg"]
    assert "migrate_acls" in result["msg"]
    assert moto.writes_since(mark) == []
    assert read_ownership(aws, bucket) is None
