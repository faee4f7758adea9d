"""Tests of LifecycleConcern against recorded AWS responses.

moto drops ObjectSizeGreaterThan, NewerNoncurrentVersions and
TransitionDefaultMinimumObjectSize on read, so these tests use
botocore Stubber responses shaped like those of AWS.
"""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError

from ansible_collections.logsafe.aws.plugins.module_utils._lifecycle import LifecycleConcern

BUCKET = "example-logs"

EXPIRE_LOGS = {"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 365}}
ABORT_UPLOADS = {
    "ID": "abort-uploads",
    "Status": "Enabled",
    "Filter": {"Prefix": ""},
    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
}
ARCHIVE_LARGE = {
    "ID": "archive-large",
    "Status": "Enabled",
    "Filter": {"And": {"Prefix": "logs/", "ObjectSizeGreaterThan": 1048576}},
    "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
    "NoncurrentVersionExpiration": {"NoncurrentDays": 30, "NewerNoncurrentVersions": 3},
}


def archive_large_option(**changes):
    """Build the option form of ARCHIVE_LARGE, with ``changes`` applied to its filter or noncurrent expiration."""
    rule_filter = {"prefix": "logs/", "object_size_greater_than": 1048576}
    noncurrent = {"noncurrent_days": 30, "newer_noncurrent_versions": 3}
    for key, value in changes.items():
        if key in rule_filter:
            rule_filter[key] = value
        else:
            noncurrent[key] = value
    return {
        "id": "archive-large",
        "status": "enabled",
        "filter": rule_filter,
        "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}],
        "noncurrent_version_expiration": noncurrent,
    }


def stub_read(stubbed_aws, rules, minimum_object_size):
    response = {"Rules": rules}
    if minimum_object_size:
        response["TransitionDefaultMinimumObjectSize"] = minimum_object_size
    stubbed_aws.s3.add_response("get_bucket_lifecycle_configuration", response, {"Bucket": BUCKET})


def stub_write(stubbed_aws, rules, minimum_object_size):
    # Without a size read from the bucket, the write sends the S3 default explicitly.
    minimum_object_size = minimum_object_size or "all_storage_classes_128K"
    params = {"Bucket": BUCKET, "LifecycleConfiguration": {"Rules": rules}}
    response = {}
    if minimum_object_size:
        params["TransitionDefaultMinimumObjectSize"] = minimum_object_size
        response["TransitionDefaultMinimumObjectSize"] = minimum_object_size
    stubbed_aws.s3.add_response("put_bucket_lifecycle_configuration", response, params)


def test_lifecycle_rule_change_keeps_minimum_size(stubbed_aws):
    stub_read(stubbed_aws, [EXPIRE_LOGS, ABORT_UPLOADS], "varies_by_storage_class")
    changed_rule = dict(EXPIRE_LOGS, Expiration={"Days": 400})
    stub_write(stubbed_aws, [changed_rule, ABORT_UPLOADS], "varies_by_storage_class")
    options = {"rules": [{"id": "expire-logs", "filter": {"prefix": "logs/"}, "expiration": {"days": 400}}]}
    concern = LifecycleConcern(stubbed_aws.context(), options)

    changed, current, desired = stubbed_aws.run(concern)

    assert changed is True
    assert current["transition_default_minimum_object_size"] == "varies_by_storage_class"
    assert desired["transition_default_minimum_object_size"] == "varies_by_storage_class"
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_minimum_size_option_overrides(stubbed_aws):
    stub_read(stubbed_aws, [EXPIRE_LOGS], "varies_by_storage_class")
    stub_write(stubbed_aws, [EXPIRE_LOGS], "all_storage_classes_128K")
    options = {
        "rules": [{"id": "expire-logs", "filter": {"prefix": "logs/"}, "expiration": {"days": 365}}],
        "transition_default_minimum_object_size": "all_storage_classes_128K",
    }
    concern = LifecycleConcern(stubbed_aws.context(), options)

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_dropped_fields_read_back_equal(stubbed_aws):
    stub_read(stubbed_aws, [ARCHIVE_LARGE], "all_storage_classes_128K")
    concern = LifecycleConcern(stubbed_aws.context(), {"rules": [archive_large_option()]})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is False
    stubbed_aws.assert_no_pending_responses()


DROPPED_FIELD_CHANGES = [
    pytest.param(
        {"newer_noncurrent_versions": 5},
        dict(ARCHIVE_LARGE, NoncurrentVersionExpiration={"NoncurrentDays": 30, "NewerNoncurrentVersions": 5}),
        id="newer-noncurrent-versions",
    ),
    pytest.param(
        {"object_size_greater_than": 2097152},
        dict(ARCHIVE_LARGE, Filter={"And": {"Prefix": "logs/", "ObjectSizeGreaterThan": 2097152}}),
        id="object-size-greater-than",
    ),
]


@pytest.mark.parametrize("changes, written_rule", DROPPED_FIELD_CHANGES)
def test_lifecycle_dropped_field_differs(stubbed_aws, changes, written_rule):
    stub_read(stubbed_aws, [ARCHIVE_LARGE], "all_storage_classes_128K")
    stub_write(stubbed_aws, [written_rule], "all_storage_classes_128K")
    concern = LifecycleConcern(stubbed_aws.context(), {"rules": [archive_large_option(**changes)]})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_other_rules_kept_without_purge(stubbed_aws):
    stub_read(stubbed_aws, [EXPIRE_LOGS, ARCHIVE_LARGE], None)
    new_rule = {"ID": "abort-uploads", "Status": "Enabled", "Filter": {"Prefix": ""}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}
    stub_write(stubbed_aws, [EXPIRE_LOGS, ARCHIVE_LARGE, new_rule], None)
    options = {"rules": [{"id": "abort-uploads", "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}]}
    concern = LifecycleConcern(stubbed_aws.context(), options)

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_no_configuration_read(stubbed_aws):
    stubbed_aws.s3.add_client_error(
        "get_bucket_lifecycle_configuration",
        service_error_code="NoSuchLifecycleConfiguration",
        service_message="The lifecycle configuration does not exist",
        http_status_code=404,
        expected_params={"Bucket": BUCKET},
    )
    # A first expiration on a bucket that already exists is allowed only while it holds no objects.
    stubbed_aws.s3.add_response("list_object_versions", {}, {"Bucket": BUCKET, "MaxKeys": 1})
    stub_write(stubbed_aws, [EXPIRE_LOGS], None)
    options = {"rules": [{"id": "expire-logs", "filter": {"prefix": "logs/"}, "expiration": {"days": 365}}]}
    concern = LifecycleConcern(stubbed_aws.context(), options)

    changed, current, _desired = stubbed_aws.run(concern)

    assert changed is True
    assert current is None
    stubbed_aws.assert_no_pending_responses()


def stub_no_configuration(stubbed_aws):
    stubbed_aws.s3.add_client_error(
        "get_bucket_lifecycle_configuration",
        service_error_code="NoSuchLifecycleConfiguration",
        service_message="The lifecycle configuration does not exist",
        http_status_code=404,
        expected_params={"Bucket": BUCKET},
    )


def test_lifecycle_first_expiration_on_objects_rejected(stubbed_aws):
    stub_no_configuration(stubbed_aws)
    versions = {"Versions": [{"Key": "app/1.log", "VersionId": "v1", "IsLatest": True}]}
    stubbed_aws.s3.add_response("list_object_versions", versions, {"Bucket": BUCKET, "MaxKeys": 1})
    options = {"rules": [{"id": "expire-logs", "expiration": {"days": 365}}]}
    concern = LifecycleConcern(stubbed_aws.context(), options)

    with pytest.raises(ValidationError) as raised:
        stubbed_aws.run(concern)

    assert "'expire-logs'" in str(raised.value)
    assert "already holds objects" in str(raised.value)
    assert "allow_retention_decrease" in str(raised.value)
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_shorter_expiration_rejected(stubbed_aws):
    stub_read(stubbed_aws, [EXPIRE_LOGS], None)
    options = {"rules": [{"id": "expire-logs", "filter": {"prefix": "logs/"}, "expiration": {"days": 30}}]}
    concern = LifecycleConcern(stubbed_aws.context(), options)

    with pytest.raises(ValidationError) as raised:
        stubbed_aws.run(concern)

    assert "'expire-logs'" in str(raised.value)
    assert "365" in str(raised.value)
    assert "30" in str(raised.value)
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_shorter_expiration_allowed(stubbed_aws):
    shorter = dict(EXPIRE_LOGS, Expiration={"Days": 30})
    stub_read(stubbed_aws, [EXPIRE_LOGS], None)
    stub_write(stubbed_aws, [shorter], None)
    options = {
        "rules": [{"id": "expire-logs", "filter": {"prefix": "logs/"}, "expiration": {"days": 30}}],
        "allow_retention_decrease": True,
    }
    concern = LifecycleConcern(stubbed_aws.context(), options)

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_remove_one_rule_keeps_minimum_size(stubbed_aws):
    stub_read(stubbed_aws, [EXPIRE_LOGS, ABORT_UPLOADS], "varies_by_storage_class")
    stub_write(stubbed_aws, [ABORT_UPLOADS], "varies_by_storage_class")
    concern = LifecycleConcern(stubbed_aws.context(), {"state": "absent", "rule_ids": ["expire-logs"]})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_remove_last_rule_deletes(stubbed_aws):
    stub_read(stubbed_aws, [EXPIRE_LOGS], "varies_by_storage_class")
    stubbed_aws.s3.add_response("delete_bucket_lifecycle", {}, {"Bucket": BUCKET})
    concern = LifecycleConcern(stubbed_aws.context(), {"state": "absent", "rule_ids": ["expire-logs"]})

    changed, _current, desired = stubbed_aws.run(concern)

    assert changed is True
    assert desired is None
    stubbed_aws.assert_no_pending_responses()


ARCHIVE_ONLY = {
    "ID": "archive",
    "Status": "Enabled",
    "Filter": {"Prefix": ""},
    "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}],
}
EXPIRE_ALL = {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 30}}


def stub_object_versions(stubbed_aws, has_objects):
    versions = {"Versions": [{"Key": "app/1.log", "VersionId": "v1", "IsLatest": True}]} if has_objects else {}
    stubbed_aws.s3.add_response("list_object_versions", versions, {"Bucket": BUCKET, "MaxKeys": 1})


def test_lifecycle_expiration_next_to_archive_rejected(stubbed_aws):
    stub_read(stubbed_aws, [ARCHIVE_ONLY], None)
    stub_object_versions(stubbed_aws, True)
    concern = LifecycleConcern(stubbed_aws.context(), {"rules": [{"id": "expire", "expiration": {"days": 30}}]})

    with pytest.raises(ValidationError) as raised:
        stubbed_aws.run(concern)

    message = str(raised.value)
    assert f"The lifecycle change on bucket {BUCKET} would delete logs sooner than now" in message
    assert "Lifecycle rule 'expire' adds an expiration after 30 days for every object" in message
    assert f"Bucket {BUCKET} already holds objects" in message
    assert "allow_retention_decrease" in message
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_expiration_next_to_archive_on_empty_bucket(stubbed_aws):
    stub_read(stubbed_aws, [ARCHIVE_ONLY], None)
    stub_object_versions(stubbed_aws, False)
    stub_write(stubbed_aws, [ARCHIVE_ONLY, EXPIRE_ALL], None)
    concern = LifecycleConcern(stubbed_aws.context(), {"rules": [{"id": "expire", "expiration": {"days": 30}}]})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_renamed_shorter_rule_rejected(stubbed_aws):
    # A shorter expiration needs the option on an empty bucket too, so no ListObjectVersions is stubbed.
    stub_read(stubbed_aws, [EXPIRE_LOGS], None)
    options = {
        "rules": [{"id": "logs-retention", "filter": {"prefix": "logs/"}, "expiration": {"days": 30}}],
        "purge_rules": True,
    }
    concern = LifecycleConcern(stubbed_aws.context(), options)

    with pytest.raises(ValidationError) as raised:
        stubbed_aws.run(concern)

    message = str(raised.value)
    assert (
        "Lifecycle rule 'logs-retention' shortens expiration from 365 days of current rule 'expire-logs' to 30 days"
        in message
    )
    assert "already holds objects" not in message
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_renamed_rule_same_days_allowed(stubbed_aws):
    renamed = dict(EXPIRE_LOGS, ID="logs-retention")
    stub_read(stubbed_aws, [EXPIRE_LOGS], None)
    stub_write(stubbed_aws, [renamed], None)
    options = {
        "rules": [{"id": "logs-retention", "filter": {"prefix": "logs/"}, "expiration": {"days": 365}}],
        "purge_rules": True,
    }
    concern = LifecycleConcern(stubbed_aws.context(), options)

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_lifecycle_new_bucket_sends_no_object_listing(stubbed_aws):
    ctx = stubbed_aws.context()
    ctx.absent = True
    concern = LifecycleConcern(ctx, {"rules": [{"id": "expire", "expiration": {"days": 30}}]})

    current = concern.read()
    desired = concern.desired(current)

    assert current is None
    assert desired["rules"] == [dict(EXPIRE_ALL, Filter={})]
    stubbed_aws.assert_no_pending_responses()
