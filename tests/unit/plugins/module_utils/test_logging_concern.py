"""Tests of LoggingConcern against recorded AWS responses.

moto drops TargetObjectKeyFormat on read, so these tests use
botocore Stubber responses shaped like those of AWS.
"""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._logging import LoggingConcern, key_format_name

BUCKET = "example-logs"
TARGET = "example-logs-access-logs"
PREFIX = "example-logs/"
EVENT_TIME = {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}


def stub_read(stubbed_aws, key_format=EVENT_TIME):  # pylint: disable=dangerous-default-value
    enabled = {"TargetBucket": TARGET, "TargetPrefix": PREFIX}
    if key_format is not None:
        enabled["TargetObjectKeyFormat"] = key_format
    stubbed_aws.s3.add_response("get_bucket_logging", {"LoggingEnabled": enabled}, {"Bucket": BUCKET})


def stub_write(stubbed_aws, status):
    stubbed_aws.s3.add_response("put_bucket_logging", {}, {"Bucket": BUCKET, "BucketLoggingStatus": status})


def logging_options(key_format=None, **changes):
    options = {"enabled": True, "target_bucket": TARGET, "target_prefix": PREFIX, "target_object_key_format": key_format}
    options.update(changes)
    return options


KEY_FORMAT_NAMES = [
    pytest.param(None, None, id="none"),
    pytest.param({}, None, id="empty"),
    pytest.param({"SimplePrefix": {}}, "simple", id="simple"),
    pytest.param(EVENT_TIME, "partitioned_event_time", id="event-time"),
    pytest.param({"PartitionedPrefix": {"PartitionDateSource": "DeliveryTime"}}, "partitioned_delivery_time", id="delivery-time"),
    pytest.param({"PartitionedPrefix": {}}, "partitioned_event_time", id="partitioned-default-source"),
]


@pytest.mark.parametrize("value, expected", KEY_FORMAT_NAMES)
def test_key_format_name(value, expected):
    assert key_format_name(value) == expected


@pytest.mark.parametrize("key_format", ["partitioned_event_time", None])
def test_logging_event_time_read_back(stubbed_aws, key_format):
    stub_read(stubbed_aws)
    concern = LoggingConcern(stubbed_aws.context(), logging_options(key_format))

    changed, current, _desired = stubbed_aws.run(concern)

    assert changed is False
    assert current["target_object_key_format"] == "partitioned_event_time"
    stubbed_aws.assert_no_pending_responses()


def test_logging_event_time_to_simple(stubbed_aws):
    stub_read(stubbed_aws)
    stub_write(
        stubbed_aws,
        {"LoggingEnabled": {"TargetBucket": TARGET, "TargetPrefix": PREFIX, "TargetObjectKeyFormat": {"SimplePrefix": {}}}},
    )
    concern = LoggingConcern(stubbed_aws.context(), logging_options("simple"))

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_logging_other_prefix_keeps_key_format(stubbed_aws):
    stub_read(stubbed_aws)
    stub_write(
        stubbed_aws,
        {"LoggingEnabled": {"TargetBucket": TARGET, "TargetPrefix": "other/", "TargetObjectKeyFormat": EVENT_TIME}},
    )
    concern = LoggingConcern(stubbed_aws.context(), logging_options(target_prefix="other/"))

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_logging_disable(stubbed_aws):
    stub_read(stubbed_aws)
    stub_write(stubbed_aws, {})
    concern = LoggingConcern(stubbed_aws.context(), {"enabled": False})

    changed, _current, desired = stubbed_aws.run(concern)

    assert changed is True
    assert desired["enabled"] is False
    stubbed_aws.assert_no_pending_responses()


def test_logging_disabled_stays_disabled(stubbed_aws):
    stubbed_aws.s3.add_response("get_bucket_logging", {}, {"Bucket": BUCKET})
    concern = LoggingConcern(stubbed_aws.context(), {"enabled": False})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is False
    stubbed_aws.assert_no_pending_responses()


INVALID_OPTIONS = [
    pytest.param(logging_options(target_bucket=None), "Missing target_bucket for the access logging of bucket example-logs", id="no-target"),
    pytest.param(logging_options(target_bucket=BUCKET), "a bucket must not deliver its access logs to itself", id="self-target"),
    pytest.param(logging_options("hourly"), "Invalid target_object_key_format 'hourly' for bucket example-logs", id="bad-key-format"),
    pytest.param(
        logging_options(target_bucket="Access_Logs"),
        "Invalid bucket name 'Access_Logs' in target_bucket (access_logging.target_bucket in s3_logs_bucket): ",
        id="target-name-uppercase",
    ),
    pytest.param(logging_options(target_bucket="ab"), "it is 2 characters long", id="target-name-too-short"),
    pytest.param(logging_options(target_bucket="logs--x-s3"), "the suffix '--x-s3' is reserved by S3", id="target-name-reserved"),
]


@pytest.mark.parametrize("options, fragment", INVALID_OPTIONS)
def test_logging_validate_rejects(stubbed_aws, options, fragment):
    concern = LoggingConcern(stubbed_aws.context(), options)

    with pytest.raises(ValidationError) as raised:
        concern.validate()

    assert fragment in str(raised.value)


def test_logging_dotted_target_no_warning(stubbed_aws):
    ctx = stubbed_aws.context()
    LoggingConcern(ctx, logging_options(target_bucket="example.access.logs")).validate()

    assert ctx.warnings == []


def test_logging_disabled_skips_validation(stubbed_aws):
    LoggingConcern(stubbed_aws.context(), {"enabled": False, "target_bucket": None}).validate()


def test_logging_new_bucket_no_request(stubbed_aws):
    ctx = stubbed_aws.context()
    ctx.absent = True
    concern = LoggingConcern(ctx, logging_options())

    current = concern.read()

    assert current["enabled"] is False
    stubbed_aws.assert_no_pending_responses()
