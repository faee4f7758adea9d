"""Integration tests of logsafe.aws.s3_bucket_lifecycle against a moto server.

NOTE: object-size filters, newer_noncurrent_versions and
transition_default_minimum_object_size stay out of these tests, because moto
5.2 drops them when it returns a lifecycle configuration, so a re-run would
always look like a change. The unit tests compare them with recorded AWS
responses instead.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from integration.single_module_helpers import (
    assert_rejected_before_any_request,
    aws_test_clients,
    module_failure,
    run_ladder,
)

MODULE = "s3_bucket_lifecycle"

# Three rules in the option shape, and the same rules as moto returns them.
# The module writes a whole-bucket filter as an empty prefix.
RETENTION_RULE = {
    "id": "logs-retention",
    "transitions": [
        {"days": 30, "storage_class": "STANDARD_IA"},
        {"days": 90, "storage_class": "GLACIER"},
    ],
    "expiration": {"days": 365},
    "noncurrent_version_expiration": {"noncurrent_days": 30},
    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
}
RETENTION_API_RULE = {
    "ID": "logs-retention",
    "Status": "Enabled",
    "Filter": {"Prefix": ""},
    "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}],
    "Expiration": {"Days": 365},
    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
}
APP_RULE = {"id": "app-logs", "filter": {"prefix": "app/"}, "expiration": {"days": 90}}
APP_API_RULE = {"ID": "app-logs", "Status": "Enabled", "Filter": {"Prefix": "app/"}, "Expiration": {"Days": 90}}
DEBUG_RULE = {
    "id": "debug-logs",
    "status": "disabled",
    "filter": {"prefix": "debug/", "tags": {"level": "debug"}},
    "expiration": {"days": 7},
}
DEBUG_API_RULE = {
    "ID": "debug-logs",
    "Status": "Disabled",
    "Filter": {"And": {"Prefix": "debug/", "Tags": [{"Key": "level", "Value": "debug"}]}},
    "Expiration": {"Days": 7},
}


@pytest.fixture(scope="module")
def aws(moto):
    """Return boto3 clients for this module's moto server."""
    with aws_test_clients(moto) as clients:
        yield clients


def read_rules(aws, bucket):
    """Return the bucket's lifecycle rules by id, dates as YYYY-MM-DD, or None when it has no configuration."""
    try:
        response = aws.s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchLifecycleConfiguration":
            return None
        raise
    rules = {}
    for rule in response["Rules"]:
        for action in [rule.get("Expiration"), *rule.get("Transitions", [])]:
            if action and "Date" in action:
                action["Date"] = action["Date"].strftime("%Y-%m-%d")
        rules[rule["ID"]] = rule
    return rules


def put_rules(aws, bucket, api_rules):
    """Set a bucket's lifecycle rules directly, as another tool would."""
    aws.s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": list(api_rules)})


def apply_then_rerun(run_module, moto, args):
    """Apply ``args`` twice; return both results and the writes of the second run."""
    first = run_module(MODULE, args).result
    mark = moto.mark()
    second = run_module(MODULE, args).result
    return first, second, moto.writes_since(mark)


def test_several_rules_in_one_task_ladder(aws, moto, run_module):
    bucket = "lifecycle-ladder"
    aws.create_bucket(bucket)

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "rules": [RETENTION_RULE, APP_RULE, DEBUG_RULE]},
        read_state=lambda: read_rules(aws, bucket),
        before=None,
        after={"logs-retention": RETENTION_API_RULE, "app-logs": APP_API_RULE, "debug-logs": DEBUG_API_RULE},
    )

    predicted_rules = results[0]["lifecycle"]["rules"]
    assert sorted(rule["id"] for rule in predicted_rules) == ["app-logs", "debug-logs", "logs-retention"]
    for step_result in results[1:]:
        assert step_result["lifecycle"]["rules"] == predicted_rules


def test_apply_returns_stored_minimum_size(aws, run_module):
    bucket = "lifecycle-minimum-size-result"
    aws.create_bucket(bucket)

    result = run_module(MODULE, {"name": bucket, "rules": [APP_RULE]}).result
    # moto always reports all_storage_classes_128K. That is also what S3 stores
    # for a configuration written without the setting, so the comparison holds on both.
    stored = aws.s3.get_bucket_lifecycle_configuration(Bucket=bucket)

    assert result["changed"] is True
    assert result["lifecycle"]["transition_default_minimum_object_size"] == stored["TransitionDefaultMinimumObjectSize"]


def test_rule_order_does_not_matter(aws, moto, run_module):
    bucket = "lifecycle-order"
    aws.create_bucket(bucket)
    rules = [RETENTION_RULE, APP_RULE, DEBUG_RULE]

    first = run_module(MODULE, {"name": bucket, "rules": rules}).result
    mark = moto.mark()
    reversed_run = run_module(MODULE, {"name": bucket, "rules": list(reversed(rules))}).result

    assert first["changed"] is True
    assert reversed_run["failed"] is False, module_failure(reversed_run)
    assert reversed_run["changed"] is False
    assert moto.writes_since(mark) == []


def test_other_rules_kept_unless_purge_rules(aws, moto, run_module):
    bucket = "lifecycle-purge"
    aws.create_bucket(bucket)
    foreign = {"ID": "foreign-rule", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 10}}
    put_rules(aws, bucket, [foreign])

    keep_result = run_module(MODULE, {"name": bucket, "rules": [APP_RULE]}).result
    rules_after_keep = read_rules(aws, bucket)
    purge_result = run_module(MODULE, {"name": bucket, "rules": [APP_RULE], "purge_rules": True}).result

    assert keep_result["changed"] is True
    assert rules_after_keep == {"foreign-rule": foreign, "app-logs": APP_API_RULE}
    assert purge_result["changed"] is True
    assert read_rules(aws, bucket) == {"app-logs": APP_API_RULE}


def test_absent_rule_ids_removes_those(aws, moto, run_module):
    bucket = "lifecycle-remove-ids"
    aws.create_bucket(bucket)
    put_rules(aws, bucket, [RETENTION_API_RULE, APP_API_RULE, DEBUG_API_RULE])

    first, second, writes = apply_then_rerun(
        run_module, moto, {"name": bucket, "state": "absent", "rule_ids": ["app-logs", "debug-logs"]}
    )

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    assert read_rules(aws, bucket) == {"logs-retention": RETENTION_API_RULE}
    assert second["changed"] is False
    assert writes == []


def test_absent_deletes_configuration(aws, moto, run_module):
    bucket = "lifecycle-absent"
    aws.create_bucket(bucket)
    put_rules(aws, bucket, [RETENTION_API_RULE, APP_API_RULE])

    first, second, writes = apply_then_rerun(run_module, moto, {"name": bucket, "state": "absent"})

    assert first["changed"] is True
    assert first["lifecycle"] is None
    assert read_rules(aws, bucket) is None
    assert second["changed"] is False
    assert writes == []


def test_transition_and_expiration_by_date(aws, moto, run_module):
    bucket = "lifecycle-dates"
    aws.create_bucket(bucket)
    rule = {
        "id": "dated",
        "transitions": [{"date": "2030-01-01", "storage_class": "GLACIER"}],
        "expiration": {"date": "2031-01-01"},
    }

    first, second, writes = apply_then_rerun(run_module, moto, {"name": bucket, "rules": [rule]})

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    assert read_rules(aws, bucket) == {
        "dated": {
            "ID": "dated",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "Transitions": [{"Date": "2030-01-01", "StorageClass": "GLACIER"}],
            "Expiration": {"Date": "2031-01-01"},
        }
    }
    assert first["lifecycle"]["rules"][0]["transitions"] == [{"date": "2030-01-01", "storage_class": "GLACIER"}]
    assert second["changed"] is False
    assert writes == []


def test_expired_object_delete_marker(aws, moto, run_module):
    bucket = "lifecycle-delete-markers"
    aws.create_bucket(bucket)
    rule = {
        "id": "delete-markers",
        "expiration": {"expired_object_delete_marker": True},
        "noncurrent_version_expiration": {"noncurrent_days": 30},
    }

    first, second, writes = apply_then_rerun(run_module, moto, {"name": bucket, "rules": [rule]})

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    stored = read_rules(aws, bucket)["delete-markers"]
    assert stored["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    assert stored["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert second["changed"] is False
    assert writes == []


@pytest.mark.parametrize(
    ("rules", "fragments"),
    [
        pytest.param(
            [{"id": "short-ia", "transitions": [{"days": 10, "storage_class": "STANDARD_IA"}]}],
            ["'short-ia'", "Set days to 30 or more."],
            id="infrequent-access-under-30-days",
        ),
        pytest.param(
            [
                {
                    "id": "quick-glacier",
                    "transitions": [
                        {"days": 30, "storage_class": "STANDARD_IA"},
                        {"days": 45, "storage_class": "GLACIER"},
                    ],
                }
            ],
            ["'quick-glacier'", "Set days of the GLACIER transition to 60 or more."],
            id="glacier-under-30-days-after-infrequent-access",
        ),
        pytest.param(
            [
                {
                    "id": "early-expiry",
                    "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}],
                    "expiration": {"days": 30},
                }
            ],
            ["'early-expiry'", "Set expiration.days to 31 or more."],
            id="expiration-not-after-last-transition",
        ),
        pytest.param(
            [
                {
                    "id": "mixed",
                    "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}],
                    "expiration": {"date": "2030-01-01"},
                }
            ],
            ["'mixed'", "Use days for all transitions and the expiration of a rule, or dates for all of them."],
            id="days-and-dates-mixed",
        ),
        pytest.param(
            [{"id": "twice", "expiration": {"days": 30}}, {"id": "twice", "expiration": {"days": 60}}],
            ["'twice'", "Give each rule a unique id."],
            id="duplicate-ids",
        ),
        pytest.param(
            [{"id": "idle", "filter": {"prefix": "idle/"}}],
            ["'idle'", "the rule has no action", "Set at least one of transitions, expiration"],
            id="rule-without-action",
        ),
        pytest.param(
            [{"id": "marker-days", "expiration": {"days": 30, "expired_object_delete_marker": True}}],
            ["'marker-days'", "Move expired_object_delete_marker to a rule of its own"],
            id="delete-marker-with-days",
        ),
        pytest.param(
            [
                {
                    "id": "abort-tagged",
                    "filter": {"tags": {"level": "debug"}},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                }
            ],
            ["'abort-tagged'", "Remove the tags from the filter, or move abort_incomplete_multipart_upload"],
            id="abort-with-tag-filter",
        ),
    ],
)
def test_rule_rejected_before_any_request(aws, moto, run_module, rules, fragments):
    bucket = "lifecycle-rejected"
    if not aws.bucket_exists(bucket):
        aws.create_bucket(bucket)

    assert_rejected_before_any_request(run_module, moto, MODULE, {"name": bucket, "rules": rules}, [bucket, *fragments])

    assert read_rules(aws, bucket) is None


def test_diff_shows_added_rule(aws, run_module):
    bucket = "lifecycle-diff"
    aws.create_bucket(bucket)
    put_rules(aws, bucket, [RETENTION_API_RULE])

    # The 90-day rule for app/ shortens the whole-bucket 365 days for those objects, which needs the option.
    args = {"name": bucket, "rules": [APP_RULE], "allow_retention_decrease": True}
    result = run_module(MODULE, args, diff=True).result

    assert result["changed"] is True
    before_ids = [rule["id"] for rule in result["diff"]["before"]["rules"]]
    after_rules = {rule["id"]: rule for rule in result["diff"]["after"]["rules"]}
    assert before_ids == ["logs-retention"]
    assert sorted(after_rules) == ["app-logs", "logs-retention"]
    assert after_rules["app-logs"] == {
        "id": "app-logs",
        "status": "enabled",
        "filter": {"prefix": "app/"},
        "expiration": {"days": 90},
    }


def shorten_app_rule_expiration(aws, bucket):
    """Give the bucket the app-logs rule with a 90-day expiration; return the same rule with 30 days."""
    aws.create_bucket(bucket)
    put_rules(aws, bucket, [APP_API_RULE])
    return dict(APP_RULE, expiration={"days": 30})


def test_shorter_expiration_rejected_without_allow(aws, moto, run_module):
    bucket = "lifecycle-shorter-expiration"
    shorter = shorten_app_rule_expiration(aws, bucket)
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "rules": [shorter]}).result

    assert result["failed"] is True
    assert "'app-logs' shortens expiration from 90 days to 30 days" in result["msg"]
    assert "allow_retention_decrease" in result["msg"]
    assert ".." not in result["msg"]
    assert moto.writes_since(mark) == []
    assert read_rules(aws, bucket)["app-logs"]["Expiration"] == {"Days": 90}


def test_shorter_expiration_applied_with_allow(aws, run_module):
    bucket = "lifecycle-shorter-allowed"
    shorter = shorten_app_rule_expiration(aws, bucket)

    result = run_module(MODULE, {"name": bucket, "rules": [shorter], "allow_retention_decrease": True}).result

    assert result["failed"] is False, module_failure(result)
    assert result["changed"] is True
    assert read_rules(aws, bucket)["app-logs"]["Expiration"] == {"Days": 30}


def test_first_expiration_on_bucket_with_objects_rejected(aws, moto, run_module):
    bucket = "lifecycle-first-expiration"
    aws.create_bucket(bucket)
    aws.s3.put_object(Bucket=bucket, Key="app/2026-12-04.log", Body=b"evidence")
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "rules": [APP_RULE]}).result

    assert result["failed"] is True
    assert "'app-logs'" in result["msg"]
    assert "already holds objects" in result["msg"]
    assert "allow_retention_decrease" in result["msg"]
    assert moto.writes_since(mark) == []
    assert read_rules(aws, bucket) is None
