"""Tests of TagsConcern and VersioningConcern against recorded AWS responses."""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._tags import TagsConcern
from ansible_collections.logsafe.aws.plugins.module_utils._versioning import VersioningConcern

BUCKET = "example-logs"
STACK_TAG = {"Key": "aws:cloudformation:stack-name", "Value": "logs-stack"}


def stub_tags_read(stubbed_aws, tag_set):
    stubbed_aws.s3.add_response("get_bucket_tagging", {"TagSet": tag_set}, {"Bucket": BUCKET})


def stub_tags_write(stubbed_aws, tag_set):
    stubbed_aws.s3.add_response("put_bucket_tagging", {}, {"Bucket": BUCKET, "Tagging": {"TagSet": tag_set}})


def test_tags_purge_keeps_system_tags(stubbed_aws):
    stub_tags_read(stubbed_aws, [STACK_TAG, {"Key": "owner", "Value": "old-team"}])
    stub_tags_write(stubbed_aws, [STACK_TAG, {"Key": "team", "Value": "security"}])
    concern = TagsConcern(stubbed_aws.context(), {"tags": {"team": "security"}, "purge": True})

    changed, _current, desired = stubbed_aws.run(concern)

    assert changed is True
    assert desired == {"aws:cloudformation:stack-name": "logs-stack", "team": "security"}
    stubbed_aws.assert_no_pending_responses()


def test_tags_purge_to_system_tags_only(stubbed_aws):
    stub_tags_read(stubbed_aws, [STACK_TAG, {"Key": "owner", "Value": "old-team"}])
    stub_tags_write(stubbed_aws, [STACK_TAG])
    concern = TagsConcern(stubbed_aws.context(), {"tags": {}, "purge": True})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_tags_without_purge_keeps_others(stubbed_aws):
    stub_tags_read(stubbed_aws, [STACK_TAG, {"Key": "owner", "Value": "old-team"}])
    stub_tags_write(stubbed_aws, [STACK_TAG, {"Key": "owner", "Value": "old-team"}, {"Key": "team", "Value": "security"}])
    concern = TagsConcern(stubbed_aws.context(), {"tags": {"team": "security"}, "purge": False})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_tags_same_tags_no_change(stubbed_aws):
    stub_tags_read(stubbed_aws, [{"Key": "team", "Value": "security"}, STACK_TAG])
    concern = TagsConcern(stubbed_aws.context(), {"tags": {"team": "security"}, "purge": True})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is False
    stubbed_aws.assert_no_pending_responses()


def test_tags_purge_all_deletes(stubbed_aws):
    stub_tags_read(stubbed_aws, [{"Key": "owner", "Value": "old-team"}])
    stubbed_aws.s3.add_response("delete_bucket_tagging", {}, {"Bucket": BUCKET})
    concern = TagsConcern(stubbed_aws.context(), {"tags": {}, "purge": True})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_tags_no_tag_set_read(stubbed_aws):
    stubbed_aws.s3.add_client_error(
        "get_bucket_tagging",
        service_error_code="NoSuchTagSet",
        service_message="The TagSet does not exist",
        http_status_code=404,
        expected_params={"Bucket": BUCKET},
    )
    stub_tags_write(stubbed_aws, [{"Key": "team", "Value": "security"}])
    concern = TagsConcern(stubbed_aws.context(), {"tags": {"team": "security"}, "purge": True})

    changed, current, _desired = stubbed_aws.run(concern)

    assert changed is True
    assert current == {}
    stubbed_aws.assert_no_pending_responses()


INVALID_TAGS = [
    pytest.param({"aws:owner": "me"}, "Invalid tag 'aws:owner' for bucket example-logs: keys that start with 'aws:' are reserved", id="aws-prefix"),
    pytest.param({"AWS:owner": "me"}, "Invalid tag 'AWS:owner'", id="aws-prefix-uppercase"),
    pytest.param({"k" * 129: "v"}, "keys must be 1 to 128 characters", id="long-key"),
    pytest.param({"team": "v" * 257}, "it is 257 characters long, and values may have at most 256", id="long-value"),
    pytest.param({f"tag{i}": "v" for i in range(51)}, "Too many tags for bucket example-logs: 51 given, S3 allows at most 50.", id="too-many"),
]


@pytest.mark.parametrize("tags, fragment", INVALID_TAGS)
def test_tags_validate_rejects(stubbed_aws, tags, fragment):
    concern = TagsConcern(stubbed_aws.context(), {"tags": tags, "purge": True})

    with pytest.raises(ValidationError) as raised:
        concern.validate()

    assert fragment in str(raised.value)


# VersioningConcern


VERSIONING_CASES = [
    pytest.param({}, False, None, id="false-on-never-versioned"),
    pytest.param({"Status": "Suspended"}, False, None, id="false-on-suspended"),
    pytest.param({}, True, "Enabled", id="true-on-never-versioned"),
    pytest.param({"Status": "Suspended"}, True, "Enabled", id="true-on-suspended"),
    pytest.param({"Status": "Enabled", "MFADelete": "Disabled"}, True, None, id="true-on-enabled"),
]


@pytest.mark.parametrize("read, enabled, written_status", VERSIONING_CASES)
def test_versioning(stubbed_aws, read, enabled, written_status):
    stubbed_aws.s3.add_response("get_bucket_versioning", read, {"Bucket": BUCKET})
    if written_status:
        stubbed_aws.s3.add_response(
            "put_bucket_versioning", {}, {"Bucket": BUCKET, "VersioningConfiguration": {"Status": written_status}}
        )
    concern = VersioningConcern(stubbed_aws.context(), {"enabled": enabled})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is (written_status is not None)
    stubbed_aws.assert_no_pending_responses()


def test_versioning_suspend_needs_allow(stubbed_aws):
    stubbed_aws.s3.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": BUCKET})
    concern = VersioningConcern(stubbed_aws.context(), {"enabled": False})

    with pytest.raises(ValidationError) as raised:
        stubbed_aws.run(concern)

    assert BUCKET in str(raised.value)
    assert "allow_retention_decrease" in str(raised.value)


def test_versioning_suspend_allowed(stubbed_aws):
    stubbed_aws.s3.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": BUCKET})
    stubbed_aws.s3.add_response(
        "put_bucket_versioning", {}, {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Suspended"}}
    )
    concern = VersioningConcern(stubbed_aws.context(), {"enabled": False, "allow_retention_decrease": True})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()
