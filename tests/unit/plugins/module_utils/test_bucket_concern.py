"""Tests of BucketConcern against recorded AWS responses: existence, region, creation and deletion."""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._bucket import BucketConcern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._versioning import VersioningConcern

BUCKET = "example-logs"


@pytest.fixture
def region():
    return "us-east-1"


@pytest.fixture
def aws_params(aws_params, region):
    return dict(aws_params, region=region)


def stub_head_bucket(stubbed_aws, region):
    response = {"BucketRegion": region, "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {"x-amz-bucket-region": region}}}
    stubbed_aws.s3.add_response("head_bucket", response, {"Bucket": BUCKET})


def stub_head_bucket_error(stubbed_aws, code, status):
    stubbed_aws.s3.add_client_error(
        "head_bucket", service_error_code=code, service_message="", http_status_code=status, expected_params={"Bucket": BUCKET}
    )


@pytest.mark.parametrize(
    "region, create_params",
    [
        ("us-east-1", {"Bucket": BUCKET}),
        ("eu-west-1", {"Bucket": BUCKET, "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}),
    ],
)
def test_bucket_absent_is_created(stubbed_aws, region, create_params):
    stub_head_bucket_error(stubbed_aws, "404", 404)
    stubbed_aws.s3.add_response("create_bucket", {"Location": f"/{BUCKET}"}, create_params)
    ctx = stubbed_aws.context()
    concern = BucketConcern(ctx, {})

    changed, current, desired = stubbed_aws.run(concern)

    assert changed is True
    assert current == {"exists": False, "region": None}
    assert desired == {"exists": True, "region": region}
    assert ctx.absent is True
    assert ctx.created is True
    stubbed_aws.assert_no_pending_responses()


def test_bucket_absent_others_read_nothing(stubbed_aws):
    stub_head_bucket_error(stubbed_aws, "404", 404)
    ctx = stubbed_aws.context()
    BucketConcern(ctx, {}).read()

    current = VersioningConcern(ctx, {"enabled": True}).read()

    assert current == {"status": None, "mfa_delete": None}
    stubbed_aws.assert_no_pending_responses()


def test_bucket_exists_no_change(stubbed_aws):
    stub_head_bucket(stubbed_aws, "us-east-1")
    concern = BucketConcern(stubbed_aws.context(), {})

    changed, current, _desired = stubbed_aws.run(concern)

    assert changed is False
    assert current == {"exists": True, "region": "us-east-1"}
    stubbed_aws.assert_no_pending_responses()


def test_bucket_in_other_region(stubbed_aws):
    stub_head_bucket(stubbed_aws, "eu-west-1")
    concern = BucketConcern(stubbed_aws.context(), {})

    with pytest.raises(ValidationError) as raised:
        stubbed_aws.run(concern)

    message = str(raised.value)
    assert f"Bucket {BUCKET} exists in region eu-west-1, but the module runs with region us-east-1." in message
    assert "Set region to eu-west-1" in message


@pytest.mark.parametrize("code", ["403", "AccessDenied"])
def test_bucket_forbidden(stubbed_aws, code):
    stub_head_bucket_error(stubbed_aws, code, 403)
    concern = BucketConcern(stubbed_aws.context(), {})

    with pytest.raises(AwsApiError) as raised:
        stubbed_aws.run(concern)

    message = str(raised.value)
    assert f"S3 refused the HeadBucket request for bucket {BUCKET} with 403 Forbidden" in message
    assert "the credentials are invalid or expired" in message
    assert "they lack s3:ListBucket on the bucket" in message
    assert "another account owns it" in message
    assert "Check the credentials, grant s3:ListBucket on the bucket, or choose another bucket name." in message
    assert raised.value.error_code == code
    assert raised.value.operation == "HeadBucket"


def test_bucket_name_taken(stubbed_aws):
    stub_head_bucket_error(stubbed_aws, "404", 404)
    stubbed_aws.s3.add_client_error(
        "create_bucket",
        service_error_code="BucketAlreadyExists",
        service_message="The requested bucket name is not available.",
        http_status_code=409,
        expected_params={"Bucket": BUCKET},
    )
    ctx = stubbed_aws.context()
    concern = BucketConcern(ctx, {})

    with pytest.raises(AwsApiError) as raised:
        stubbed_aws.run(concern)

    assert f"Failed to create bucket {BUCKET}: the name is taken by another AWS account." in str(raised.value)
    assert ctx.created is False
    stubbed_aws.assert_no_pending_responses()


def test_bucket_delete_rejected_with_objects(stubbed_aws):
    stub_head_bucket(stubbed_aws, "us-east-1")
    stubbed_aws.s3.add_response(
        "list_object_versions",
        {"Versions": [{"Key": "logs/2026-01-01.log", "VersionId": "v1", "IsLatest": True}]},
        {"Bucket": BUCKET, "MaxKeys": 1},
    )
    concern = BucketConcern(stubbed_aws.context(), {"state": "absent", "force": False})

    with pytest.raises(ValidationError) as raised:
        stubbed_aws.run(concern)

    assert f"Bucket {BUCKET} still holds objects or object versions, so it was not deleted." in str(raised.value)
    stubbed_aws.assert_no_pending_responses()


def test_bucket_delete_empty(stubbed_aws):
    stub_head_bucket(stubbed_aws, "us-east-1")
    stubbed_aws.s3.add_response("list_object_versions", {}, {"Bucket": BUCKET, "MaxKeys": 1})
    stubbed_aws.s3.add_response("delete_bucket", {}, {"Bucket": BUCKET})
    concern = BucketConcern(stubbed_aws.context(), {"state": "absent", "force": False})

    changed, _current, desired = stubbed_aws.run(concern)

    assert changed is True
    assert desired == {"exists": False, "region": None}
    stubbed_aws.assert_no_pending_responses()
