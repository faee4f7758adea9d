"""Integration tests of logsafe.aws.s3_bucket_public_access_block against a moto server."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from integration.single_module_helpers import (
    assert_same_in_every_step,
    aws_test_clients,
    run_ladder,
)

MODULE = "s3_bucket_public_access_block"

ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
ALL_BLOCKED_VIEW = {
    "block_public_acls": True,
    "ignore_public_acls": True,
    "block_public_policy": True,
    "restrict_public_buckets": True,
}


@pytest.fixture(scope="module")
def aws(moto):
    """Return boto3 clients for this module's moto server."""
    with aws_test_clients(moto) as clients:
        yield clients


def read_public_access_block(aws, bucket):
    """Return the bucket's PublicAccessBlockConfiguration, or None when it has none."""
    try:
        response = aws.s3.get_public_access_block(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchPublicAccessBlockConfiguration":
            return None
        raise
    return response["PublicAccessBlockConfiguration"]


def test_defaults_block_everything_ladder(aws, moto, run_module):
    bucket = "pab-defaults"
    aws.create_bucket(bucket)

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket},
        read_state=lambda: read_public_access_block(aws, bucket),
        before=None,
        after=ALL_BLOCKED,
    )

    assert results[0]["public_access_block"] == ALL_BLOCKED_VIEW
    assert_same_in_every_step(results, "public_access_block")


def test_one_flag_false_ladder(aws, moto, run_module):
    bucket = "pab-one-flag-false"
    aws.create_bucket(bucket)
    aws.s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_BLOCKED)

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "block_public_policy": False},
        read_state=lambda: read_public_access_block(aws, bucket),
        before=ALL_BLOCKED,
        after=dict(ALL_BLOCKED, BlockPublicPolicy=False),
    )

    assert results[0]["public_access_block"] == dict(ALL_BLOCKED_VIEW, block_public_policy=False)
    assert_same_in_every_step(results, "public_access_block")


def test_absent_ladder(aws, moto, run_module):
    bucket = "pab-absent"
    aws.create_bucket(bucket)
    aws.s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_BLOCKED)

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "state": "absent"},
        read_state=lambda: read_public_access_block(aws, bucket),
        before=ALL_BLOCKED,
        after=None,
    )

    assert results[0]["public_access_block"] is None
    assert_same_in_every_step(results, "public_access_block")


def test_diff_shows_flag_change(aws, run_module):
    bucket = "pab-diff"
    aws.create_bucket(bucket)
    aws.s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=dict(ALL_BLOCKED, IgnorePublicAcls=False)
    )

    result = run_module(MODULE, {"name": bucket}, diff=True).result

    assert result["changed"] is True
    assert result["diff"]["before"] == dict(ALL_BLOCKED_VIEW, ignore_public_acls=False)
    assert result["diff"]["after"] == ALL_BLOCKED_VIEW
