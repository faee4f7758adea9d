"""Tests of AwsClients.call against recorded responses: retries, the retry count and error messages."""

from __future__ import annotations

import json

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._aws import OWN_RETRY_ATTEMPTS, OWN_RETRY_MAX_DELAY
from ansible_collections.logsafe.aws.plugins.module_utils._encryption import EncryptionConcern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AccessDeniedError, AwsApiError
from ansible_collections.logsafe.aws.plugins.module_utils._lifecycle import LifecycleConcern
from ansible_collections.logsafe.aws.plugins.module_utils._policy import PolicyConcern
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import deny_insecure_transport_statement
from ansible_collections.logsafe.aws.plugins.module_utils._versioning import VersioningConcern

BUCKET = "example-logs"
POLICY = {"Version": "2012-10-17", "Statement": [deny_insecure_transport_statement(f"arn:aws:s3:::{BUCKET}")]}
PUT_POLICY_PARAMS = {"Bucket": BUCKET, "Policy": json.dumps(POLICY)}


def stub_operation_aborted(stubbed_aws):
    stubbed_aws.s3.add_client_error(
        "put_bucket_policy",
        service_error_code="OperationAborted",
        service_message="A conflicting conditional operation is currently in progress against this resource. Please try again.",
        http_status_code=409,
        expected_params=PUT_POLICY_PARAMS,
    )


def stub_no_such_bucket(stubbed_aws):
    stubbed_aws.s3.add_client_error(
        "get_bucket_versioning",
        service_error_code="NoSuchBucket",
        service_message="The specified bucket does not exist",
        http_status_code=404,
        expected_params={"Bucket": BUCKET},
    )


def new_bucket_context(stubbed_aws):
    """Return the context of a bucket created in this run: its policy write skips the read before the put."""
    ctx = stubbed_aws.context()
    ctx.absent = True
    return ctx


def test_call_retries_operation_aborted(stubbed_aws):
    stub_operation_aborted(stubbed_aws)
    stubbed_aws.s3.add_response("put_bucket_policy", {}, PUT_POLICY_PARAMS)
    stubbed_aws.s3.add_response("get_bucket_policy", {"Policy": json.dumps(POLICY)}, {"Bucket": BUCKET})
    concern = PolicyConcern(new_bucket_context(stubbed_aws), {"deny_insecure_transport": True})

    concern.write(None, POLICY)

    assert stubbed_aws.clients.retries == 1
    assert len(stubbed_aws.sleeps) == 1
    stubbed_aws.assert_no_pending_responses()


def test_call_operation_aborted_bounded(stubbed_aws):
    for _attempt in range(OWN_RETRY_ATTEMPTS):
        stub_operation_aborted(stubbed_aws)
    concern = PolicyConcern(new_bucket_context(stubbed_aws), {"deny_insecure_transport": True})

    with pytest.raises(AwsApiError) as raised:
        concern.write(None, POLICY)

    error = raised.value
    assert str(error).startswith(f"Failed to put the bucket policy on bucket {BUCKET}: A conflicting conditional operation")
    assert str(error).endswith("(OperationAborted, PutBucketPolicy)")
    assert error.error_code == "OperationAborted"
    assert error.operation == "PutBucketPolicy"
    assert error.bucket == BUCKET
    assert stubbed_aws.clients.retries == OWN_RETRY_ATTEMPTS - 1
    stubbed_aws.assert_no_pending_responses()


def test_call_backoff_delays_bounded(stubbed_aws):
    for _attempt in range(OWN_RETRY_ATTEMPTS):
        stub_operation_aborted(stubbed_aws)
    concern = PolicyConcern(new_bucket_context(stubbed_aws), {"deny_insecure_transport": True})

    with pytest.raises(AwsApiError):
        concern.write(None, POLICY)

    assert len(stubbed_aws.sleeps) == OWN_RETRY_ATTEMPTS - 1
    assert all(0 < delay <= OWN_RETRY_MAX_DELAY for delay in stubbed_aws.sleeps)


def test_call_counts_botocore_retries(stubbed_aws):
    response = {"Status": "Enabled", "ResponseMetadata": {"HTTPStatusCode": 200, "RetryAttempts": 2}}
    stubbed_aws.s3.add_response("get_bucket_versioning", response, {"Bucket": BUCKET})
    concern = VersioningConcern(stubbed_aws.context(), {"enabled": True})

    concern.read()

    assert stubbed_aws.clients.retries == 2
    assert stubbed_aws.sleeps == []


def test_no_such_bucket_retried_after_create(stubbed_aws):
    stub_no_such_bucket(stubbed_aws)
    stubbed_aws.s3.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": BUCKET})
    concern = VersioningConcern(stubbed_aws.context(created=True), {"enabled": True})

    current = concern.read()

    assert current == {"status": "Enabled", "mfa_delete": None}
    assert stubbed_aws.clients.retries == 1
    stubbed_aws.assert_no_pending_responses()


def test_no_such_bucket_fails_at_once(stubbed_aws):
    stub_no_such_bucket(stubbed_aws)
    concern = VersioningConcern(stubbed_aws.context(created=False), {"enabled": True})

    with pytest.raises(AwsApiError) as raised:
        concern.read()

    assert raised.value.error_code == "NoSuchBucket"
    assert str(raised.value) == (
        f"Failed to read the versioning status on bucket {BUCKET}: The specified bucket does not exist "
        "(NoSuchBucket, GetBucketVersioning)"
    )
    assert stubbed_aws.clients.retries == 0
    assert stubbed_aws.sleeps == []
    stubbed_aws.assert_no_pending_responses()


def test_access_denied_names_iam_action(stubbed_aws):
    rules = [{"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 365}}]
    stubbed_aws.s3.add_client_error(
        "put_bucket_lifecycle_configuration",
        service_error_code="AccessDenied",
        service_message="Access Denied",
        http_status_code=403,
        expected_params={"Bucket": BUCKET, "LifecycleConfiguration": {"Rules": rules}},
    )
    concern = LifecycleConcern(stubbed_aws.context(), {"rules": []})

    with pytest.raises(AccessDeniedError) as raised:
        concern.write(None, {"rules": rules, "transition_default_minimum_object_size": None})

    error = raised.value
    assert str(error) == (
        f"Failed to put the lifecycle configuration on bucket {BUCKET}: Access Denied "
        "(AccessDenied, PutBucketLifecycleConfiguration). Grant s3:PutLifecycleConfiguration to the caller."
    )
    assert error.details["iam_action"] == "s3:PutLifecycleConfiguration"
    assert error.operation == "PutBucketLifecycleConfiguration"
    assert stubbed_aws.clients.retries == 0
    stubbed_aws.assert_no_pending_responses()


def test_access_denied_on_describe_key(stubbed_aws):
    stubbed_aws.s3.add_client_error(
        "get_bucket_encryption",
        service_error_code="ServerSideEncryptionConfigurationNotFoundError",
        service_message="The server side encryption configuration was not found",
        http_status_code=404,
        expected_params={"Bucket": BUCKET},
    )
    stubbed_aws.kms.add_client_error(
        "describe_key",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: kms:DescribeKey",
        http_status_code=400,
        expected_params={"KeyId": "alias/logs"},
    )
    concern = EncryptionConcern(stubbed_aws.context(), {"sse_algorithm": "aws:kms", "kms_key": "alias/logs"})

    with pytest.raises(AccessDeniedError) as raised:
        stubbed_aws.run(concern)

    assert "Grant kms:DescribeKey to the caller." in str(raised.value)
    assert f"on bucket {BUCKET}" in str(raised.value)
    stubbed_aws.assert_no_pending_responses()


def test_account_id_one_sts_request(stubbed_aws):
    stubbed_aws.sts.add_response(
        "get_caller_identity",
        {"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/deployer"},
        {},
    )
    concern = PolicyConcern(stubbed_aws.context(), {"access_log_sources": [{"bucket": "example-app", "prefix": ""}]})

    first = concern.managed_statements()
    second = concern.managed_statements()

    assert first == second
    assert first[0]["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    stubbed_aws.assert_no_pending_responses()
