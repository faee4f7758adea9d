"""Tests of settings that the region does not support: S3 rejects their reads with MethodNotAllowed or NotImplemented.

A concern that the task asked for fails with the fix; a concern that is read
only to report it is skipped with a warning. moto offers every setting, so
these tests use botocore Stubber responses shaped like those of S3.
"""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._bucket_info import BucketInfo
from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, UnsupportedSettingError
from ansible_collections.logsafe.aws.plugins.module_utils._lifecycle import LifecycleConcern
from ansible_collections.logsafe.aws.plugins.module_utils._logging import DISABLED, LoggingConcern
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import run_bucket_plan

BUCKET = "example-logs"
REGION = "us-east-1"
NOT_ALLOWED_MESSAGE = "The specified method is not allowed against this resource."
NOT_IMPLEMENTED_MESSAGE = "A header you provided implies functionality that is not implemented."

ANSWERS = [
    pytest.param("MethodNotAllowed", 405, NOT_ALLOWED_MESSAGE, id="method-not-allowed"),
    pytest.param("NotImplemented", 501, NOT_IMPLEMENTED_MESSAGE, id="not-implemented"),
]


def stub_error(stubbed_aws, method, code, status, message):
    stubbed_aws.s3.add_client_error(
        method,
        service_error_code=code,
        service_message=message,
        http_status_code=status,
        expected_params={"Bucket": BUCKET},
    )


@pytest.mark.parametrize(("code", "status", "message"), ANSWERS)
def test_requested_lifecycle_fails_with_fix(stubbed_aws, code, status, message):
    stub_error(stubbed_aws, "get_bucket_lifecycle_configuration", code, status, message)
    concern = LifecycleConcern(stubbed_aws.context(), {"rules": [{"id": "expire", "expiration": {"days": 30}}]})

    with pytest.raises(UnsupportedSettingError) as raised:
        concern.read()

    error = raised.value
    assert error.message == (
        f"Cannot manage the lifecycle configuration of bucket {BUCKET}: region {REGION} does not support it "
        f"(GetBucketLifecycleConfiguration returned {code}: {message}). Remove the options that set the lifecycle "
        "configuration from the task, or use a bucket in a region that supports it."
    )
    assert error.error_code == code
    assert error.operation == "GetBucketLifecycleConfiguration"
    assert error.setting == "lifecycle configuration"
    assert error.region == REGION
    assert concern.ctx.warnings == []
    stubbed_aws.assert_no_pending_responses()


def test_requested_logging_fails_with_fix(stubbed_aws):
    stub_error(stubbed_aws, "get_bucket_logging", "NotImplemented", 501, NOT_IMPLEMENTED_MESSAGE)
    options = {"enabled": True, "target_bucket": "example-logs-access-logs", "target_prefix": ""}
    concern = LoggingConcern(stubbed_aws.context(), options)

    with pytest.raises(UnsupportedSettingError) as raised:
        concern.read()

    message = raised.value.message
    assert f"Cannot manage the server access logging of bucket {BUCKET}: region {REGION} does not support it" in message
    assert f"GetBucketLogging returned NotImplemented: {NOT_IMPLEMENTED_MESSAGE}" in message
    assert "Remove the options that set the server access logging from the task" in message
    stubbed_aws.assert_no_pending_responses()


@pytest.mark.parametrize(("code", "status", "message"), ANSWERS)
def test_unrequested_lifecycle_skipped_with_warning(stubbed_aws, code, status, message):
    stub_error(stubbed_aws, "get_bucket_lifecycle_configuration", code, status, message)
    ctx = stubbed_aws.context()
    concern = LifecycleConcern(ctx, {})
    concern.requested = False

    state = concern.read()

    assert state is None
    assert ctx.warnings == [
        f"Skipped the lifecycle configuration of bucket {BUCKET}: region {REGION} does not support it "
        f"(GetBucketLifecycleConfiguration returned {code}: {message})."
    ]
    stubbed_aws.assert_no_pending_responses()


def test_unrequested_logging_skipped_as_disabled(stubbed_aws):
    stub_error(stubbed_aws, "get_bucket_logging", "MethodNotAllowed", 405, NOT_ALLOWED_MESSAGE)
    ctx = stubbed_aws.context()
    concern = LoggingConcern(ctx, {})
    concern.requested = False

    state = concern.read()

    assert state == DISABLED
    assert len(ctx.warnings) == 1
    assert ctx.warnings[0].startswith(f"Skipped the server access logging of bucket {BUCKET}: region {REGION}")
    stubbed_aws.assert_no_pending_responses()


def test_unrequested_other_error_still_raises(stubbed_aws):
    stub_error(stubbed_aws, "get_bucket_lifecycle_configuration", "InvalidRequest", 400, "Bad request.")
    ctx = stubbed_aws.context()
    concern = LifecycleConcern(ctx, {})
    concern.requested = False

    with pytest.raises(AwsApiError) as raised:
        concern.read()

    assert not isinstance(raised.value, UnsupportedSettingError)
    assert raised.value.error_code == "InvalidRequest"
    assert ctx.warnings == []
    stubbed_aws.assert_no_pending_responses()


class PolicyNeedingEncryption(Concern):
    """A concern whose read also reads the default encryption, as the policy concern does for log sources."""

    key = "policy"
    read_operation = "GetBucketPolicy"

    def _read(self) -> Any:
        self.ctx.read("GetBucketPolicy", "read the bucket policy")
        return self.ctx.read("GetBucketEncryption", "read the default encryption")


@pytest.mark.parametrize("requested", [True, False])
def test_unsupported_read_of_other_setting_raises(stubbed_aws, requested):
    stubbed_aws.s3.add_response("get_bucket_policy", {"Policy": "{}"}, {"Bucket": BUCKET})
    stub_error(stubbed_aws, "get_bucket_encryption", "MethodNotAllowed", 405, NOT_ALLOWED_MESSAGE)
    ctx = stubbed_aws.context()
    concern = PolicyNeedingEncryption(ctx, {})
    concern.requested = requested

    with pytest.raises(UnsupportedSettingError) as raised:
        concern.read()

    assert raised.value.message == (
        f"Failed to read the default encryption on bucket {BUCKET}: region {REGION} does not support the default "
        f"encryption (GetBucketEncryption returned MethodNotAllowed: {NOT_ALLOWED_MESSAGE})."
    )
    assert ctx.warnings == []
    stubbed_aws.assert_no_pending_responses()


def test_requested_follows_options(stubbed_aws):
    ctx = stubbed_aws.context()

    assert LifecycleConcern(ctx, {}).requested is True
    assert LifecycleConcern(ctx, None).requested is False


@pytest.mark.parametrize("check_mode", [True, False])
def test_plan_fails_before_any_write(stubbed_aws, check_mode):
    stub_error(stubbed_aws, "get_bucket_lifecycle_configuration", "MethodNotAllowed", 405, NOT_ALLOWED_MESSAGE)
    options = {"lifecycle": {"rules": [{"id": "expire", "expiration": {"days": 30}}]}}
    warnings = []

    with pytest.raises(UnsupportedSettingError) as raised:
        run_bucket_plan(stubbed_aws.clients, BUCKET, options, check_mode=check_mode, warn=warnings.append)

    assert raised.value.message.startswith(f"Cannot manage the lifecycle configuration of bucket {BUCKET}")
    assert warnings == []
    stubbed_aws.assert_no_pending_responses()


def test_info_report_skips_unsupported_setting(stubbed_aws):
    """The info and audit reports only read, so an unsupported setting becomes a warning, not a failure."""
    stub_error(stubbed_aws, "get_bucket_lifecycle_configuration", "MethodNotAllowed", 405, NOT_ALLOWED_MESSAGE)
    info = BucketInfo(stubbed_aws.clients, BUCKET, None)

    info._read("lifecycle")

    assert info.states["lifecycle"] is None
    assert info.read_errors == {}
    assert f"region {REGION} does not support it" in info.ctx.warnings[0]
    stubbed_aws.assert_no_pending_responses()
