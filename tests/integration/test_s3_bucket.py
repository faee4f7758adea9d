"""Integration tests of logsafe.aws.s3_bucket against a moto server."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from integration.single_module_helpers import (
    REGION,
    assert_rejected_before_any_request,
    assert_same_in_every_step,
    aws_test_clients,
    module_failure,
    run_ladder,
)

MODULE = "s3_bucket"


@pytest.fixture(scope="module")
def aws(moto):
    """Return boto3 clients for this module's moto server."""
    with aws_test_clients(moto) as clients:
        yield clients


def read_bucket(aws, bucket):
    """Return existence, versioning status and tags of a bucket, as boto3 reads them."""
    if not aws.bucket_exists(bucket):
        return {"exists": False}
    status = aws.s3.get_bucket_versioning(Bucket=bucket).get("Status")
    try:
        tag_set = aws.s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchTagSet":
            raise
        tag_set = []
    return {"exists": True, "versioning": status, "tags": {tag["Key"]: tag["Value"] for tag in tag_set}}


def count_versions(aws, bucket):
    """Return the number of object versions and of delete markers in a bucket."""
    response = aws.s3.list_object_versions(Bucket=bucket)
    return len(response.get("Versions", [])), len(response.get("DeleteMarkers", []))


def test_create_with_versioning_and_tags_ladder(aws, moto, run_module):
    bucket = "bucket-create-ladder"

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "versioning": True, "tags": {"team": "security"}},
        read_state=lambda: read_bucket(aws, bucket),
        before={"exists": False},
        after={"exists": True, "versioning": "Enabled", "tags": {"team": "security"}},
    )

    assert results[0]["bucket"] == {"name": bucket, "exists": True, "region": REGION}
    assert results[0]["versioning"]["status"] == "Enabled"
    assert results[0]["tags"] == {"team": "security"}
    for key in ("bucket", "versioning", "tags"):
        assert_same_in_every_step(results, key)


def test_check_mode_missing_bucket_no_write(aws, moto, run_module):
    bucket = "bucket-check-missing"
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket}, check=True).result

    assert result["failed"] is False, module_failure(result)
    assert result["changed"] is True
    assert result["bucket"] == {"name": bucket, "exists": True, "region": REGION}
    assert moto.writes_since(mark) == []
    assert aws.bucket_exists(bucket) is False


def test_delete_empty_bucket_ladder(aws, moto, run_module):
    bucket = "bucket-delete-ladder"
    aws.create_bucket(bucket)

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "state": "absent"},
        read_state=lambda: read_bucket(aws, bucket),
        before={"exists": True, "versioning": None, "tags": {}},
        after={"exists": False},
    )

    assert results[0]["bucket"] == {"name": bucket, "exists": False, "region": None}
    assert_same_in_every_step(results, "bucket")


def test_absent_on_missing_bucket_is_no_change(aws, moto, run_module):
    mark = moto.mark()

    result = run_module(MODULE, {"name": "bucket-never-created", "state": "absent"}).result

    assert result["failed"] is False, module_failure(result)
    assert result["changed"] is False
    assert moto.writes_since(mark) == []


def test_unversioned_bucket_stays_unversioned(aws, moto, run_module):
    bucket = "bucket-never-versioned"
    aws.create_bucket(bucket)
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "versioning": False}).result

    assert result["failed"] is False, module_failure(result)
    assert result["changed"] is False
    assert result["versioning"]["status"] is None
    assert moto.writes_since(mark) == []
    assert read_bucket(aws, bucket)["versioning"] is None


def test_versioning_false_suspends_ladder(aws, moto, run_module):
    bucket = "bucket-suspend-versioning"
    aws.create_bucket(bucket)
    aws.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "versioning": False, "allow_retention_decrease": True},
        read_state=lambda: read_bucket(aws, bucket)["versioning"],
        before="Enabled",
        after="Suspended",
    )

    assert results[0]["versioning"]["status"] == "Suspended"


def test_suspend_without_allow_retention_decrease_fails(aws, moto, run_module):
    bucket = "bucket-keep-versioning"
    aws.create_bucket(bucket)
    aws.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "versioning": False}).result

    assert result["failed"] is True
    assert f"Suspending versioning on bucket {bucket}" in result["msg"]
    assert "allow_retention_decrease" in result["msg"]
    assert moto.writes_since(mark) == []
    assert read_bucket(aws, bucket)["versioning"] == "Enabled"


def test_tags_purge_false_keeps_other_tags(aws, run_module):
    bucket = "bucket-tags-keep"
    aws.create_bucket(bucket)
    aws.s3.put_bucket_tagging(
        Bucket=bucket, Tagging={"TagSet": [{"Key": "owner", "Value": "ops"}, {"Key": "team", "Value": "old"}]}
    )
    args = {"name": bucket, "tags": {"team": "security"}, "purge_tags": False}

    first = run_module(MODULE, args).result
    second = run_module(MODULE, args).result

    assert first["changed"] is True
    assert first["tags"] == {"owner": "ops", "team": "security"}
    assert read_bucket(aws, bucket)["tags"] == {"owner": "ops", "team": "security"}
    assert second["changed"] is False


def test_tags_purge_true_removes_other_tags(aws, run_module):
    bucket = "bucket-tags-purge"
    aws.create_bucket(bucket)
    aws.s3.put_bucket_tagging(
        Bucket=bucket, Tagging={"TagSet": [{"Key": "owner", "Value": "ops"}, {"Key": "team", "Value": "old"}]}
    )
    args = {"name": bucket, "tags": {"team": "security"}, "purge_tags": True}

    first = run_module(MODULE, args).result
    second = run_module(MODULE, args).result

    assert first["changed"] is True
    assert first["tags"] == {"team": "security"}
    assert read_bucket(aws, bucket)["tags"] == {"team": "security"}
    assert second["changed"] is False


def test_aws_tag_key_rejected(aws, moto, run_module):
    bucket = "bucket-aws-tag"
    aws.create_bucket(bucket)

    assert_rejected_before_any_request(
        run_module, moto, MODULE, {"name": bucket, "tags": {"aws:x": "1"}}, ["aws:x", bucket, "reserved"]
    )

    assert read_bucket(aws, bucket)["tags"] == {}


def test_absent_nonempty_bucket_needs_force(aws, moto, run_module):
    bucket = "bucket-with-object"
    aws.create_bucket(bucket)
    aws.s3.put_object(Bucket=bucket, Key="logs/2026-12-04.log", Body=b"evidence")
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "state": "absent"}).result

    assert result["failed"] is True
    assert bucket in result["msg"]
    assert "force" in result["msg"]
    assert moto.writes_since(mark) == []
    assert count_versions(aws, bucket) == (1, 0)


def test_force_deletes_every_version(aws, moto, run_module):
    bucket = "bucket-force-versions"
    aws.create_bucket(bucket)
    aws.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    aws.s3.put_object(Bucket=bucket, Key="app.log", Body=b"first")
    aws.s3.put_object(Bucket=bucket, Key="app.log", Body=b"second")
    aws.s3.delete_object(Bucket=bucket, Key="app.log")
    assert count_versions(aws, bucket) == (2, 1)
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "state": "absent", "force": True}).result

    assert result["failed"] is False, module_failure(result)
    assert result["changed"] is True
    writes = [call.operation for call in moto.writes_since(mark)]
    assert "DeleteObjects" in writes
    assert writes[-1] == "DeleteBucket"
    assert aws.bucket_exists(bucket) is False


def test_diff_shows_creation(aws, run_module):
    bucket = "bucket-diff"

    result = run_module(MODULE, {"name": bucket, "versioning": True}, diff=True).result

    assert result["changed"] is True
    assert result["diff"]["before"]["bucket"] == {"name": bucket, "exists": False, "region": None}
    assert result["diff"]["after"]["bucket"] == {"name": bucket, "exists": True, "region": REGION}
    assert result["diff"]["before"]["versioning"]["status"] is None
    assert result["diff"]["after"]["versioning"]["status"] == "Enabled"
    assert "tags" not in result["diff"]["after"]
