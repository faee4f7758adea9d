"""Integration tests of logsafe.aws.s3_bucket_logging against a moto server.

Every target bucket here has ACLs disabled (BucketOwnerEnforced) and receives
logs through the delivery statement that logsafe.aws.s3_bucket_policy writes
for access_log_sources. moto rejects PutBucketLogging unless the target grants
delivery for the prefix, so these tests also show that the policy grant is enough.
"""

from __future__ import annotations

import json

import pytest
from integration.single_module_helpers import (
    assert_rejected_before_any_request,
    assert_same_in_every_step,
    aws_test_clients,
    module_failure,
    recorded_requests_since,
    run_ladder,
    run_tasks,
)

MODULE = "s3_bucket_logging"
ACL_OPERATIONS = ("PutBucketAcl", "GetBucketAcl")


@pytest.fixture(scope="module")
def aws(moto):
    """Return boto3 clients for this module's moto server."""
    with aws_test_clients(moto) as clients:
        yield clients


def read_logging(aws, bucket):
    """Return the bucket's LoggingEnabled block, or None when logging is off."""
    return aws.s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled")


def delivery_policy_task(source, target, prefix):
    """Return the task that lets ``source`` deliver access logs under ``prefix`` of ``target``."""
    return (
        f"Grant delivery from {source} under {prefix!r}",
        "s3_bucket_policy",
        {"name": target, "deny_insecure_transport": True, "access_log_sources": [{"bucket": source, "prefix": prefix}]},
    )


def prepare_buckets(aws, run_playbook, source, target, prefix):
    """Create a source and a target bucket; disable ACLs on the target and grant delivery in its policy."""
    aws.create_bucket(source)
    aws.create_bucket(target)
    tasks = [
        ("Disable ACLs on the target", "s3_bucket_ownership_controls", {"name": target}),
        delivery_policy_task(source, target, prefix),
    ]
    for task_name, result in run_tasks(run_playbook, tasks).items():
        assert result["failed"] is False, f"{task_name}: {module_failure(result)}"
    ownership = aws.s3.get_bucket_ownership_controls(Bucket=target)["OwnershipControls"]["Rules"][0]
    assert ownership["ObjectOwnership"] == "BucketOwnerEnforced"


def acl_requests(moto, mark):
    """Return the ACL requests received after ``mark``."""
    return [str(call) for call in moto.requests_since(mark) if call.operation in ACL_OPERATIONS]


def test_enable_logging_without_acls_ladder(aws, moto, run_module, run_playbook):
    source, target = "logging-source", "logging-target"
    prepare_buckets(aws, run_playbook, source, target, "logging-source/")
    # Enforcing ownership on the target reads its ACL; from here on only the logging module runs.
    mark = moto.mark()

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": source, "target_bucket": target, "target_prefix": "logging-source/"},
        read_state=lambda: read_logging(aws, source),
        before=None,
        after={"TargetBucket": target, "TargetPrefix": "logging-source/"},
    )

    assert results[0]["logging"] == {
        "enabled": True,
        "target_bucket": target,
        "target_prefix": "logging-source/",
        "target_object_key_format": None,
    }
    assert_same_in_every_step(results, "logging")
    assert acl_requests(moto, mark) == []


def test_change_prefix_shows_diff(aws, moto, run_playbook, run_module):
    source, target = "logging-prefix-source", "logging-prefix-target"
    prepare_buckets(aws, run_playbook, source, target, "old/")
    aws.s3.put_bucket_logging(
        Bucket=source, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "old/"}}
    )
    # The grant moves to the new prefix first, because moto, like S3, checks it when logging is set.
    for task_name, result in run_tasks(run_playbook, [delivery_policy_task(source, target, "new/")]).items():
        assert result["failed"] is False, f"{task_name}: {module_failure(result)}"
    args = {"name": source, "target_bucket": target, "target_prefix": "new/"}
    mark = moto.mark()

    changed = run_module(MODULE, args, diff=True).result
    again = run_module(MODULE, args).result

    assert changed["failed"] is False, module_failure(changed)
    assert changed["changed"] is True
    assert changed["diff"]["before"]["target_prefix"] == "old/"
    assert changed["diff"]["after"]["target_prefix"] == "new/"
    assert changed["diff"]["after"]["target_bucket"] == target
    assert read_logging(aws, source) == {"TargetBucket": target, "TargetPrefix": "new/"}
    assert again["changed"] is False
    assert acl_requests(moto, mark) == []


def test_target_object_key_format_is_sent(aws, moto, run_playbook, run_module):
    source, target = "logging-format-source", "logging-format-target"
    prepare_buckets(aws, run_playbook, source, target, "")
    mark = moto.mark()

    result = run_module(
        MODULE, {"name": source, "target_bucket": target, "target_object_key_format": "partitioned_event_time"}
    ).result

    assert result["failed"] is False, module_failure(result)
    assert result["changed"] is True
    assert result["logging"]["target_object_key_format"] == "partitioned_event_time"
    # NOTE: moto 5.2 drops TargetObjectKeyFormat when it returns the logging
    # configuration, so only the request body shows the format. A re-run on moto
    # would report a change. The unit tests compare the format with recorded AWS responses.
    puts = [request for request in recorded_requests_since(moto, mark) if request["operation"] == "PutBucketLogging"]
    assert len(puts) == 1
    assert (
        "<PartitionedPrefix><PartitionDateSource>EventTime</PartitionDateSource></PartitionedPrefix>" in puts[0]["body"]
    )


def test_absent_turns_logging_off(aws, moto, run_playbook, run_module):
    source, target = "logging-off-source", "logging-off-target"
    prepare_buckets(aws, run_playbook, source, target, "logs/")
    aws.s3.put_bucket_logging(
        Bucket=source, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "logs/"}}
    )
    args = {"name": source, "state": "absent"}

    first = run_module(MODULE, args).result
    mark = moto.mark()
    second = run_module(MODULE, args).result

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    assert first["logging"]["enabled"] is False
    assert read_logging(aws, source) is None
    assert second["changed"] is False
    assert moto.writes_since(mark) == []


def test_target_equal_to_bucket_rejected(aws, moto, run_module):
    bucket = "logging-self-target"
    aws.create_bucket(bucket)

    assert_rejected_before_any_request(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "target_bucket": bucket},
        [f"Invalid target_bucket '{bucket}'", "Use a separate bucket."],
    )

    assert read_logging(aws, bucket) is None


def test_target_without_grant_fails_before_write(aws, moto, run_module):
    source, target = "logging-no-grant-source", "logging-no-grant-target"
    aws.create_bucket(source)
    aws.create_bucket(target)
    aws.s3.put_bucket_ownership_controls(
        Bucket=target, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    mark = moto.mark()

    result = run_module(MODULE, {"name": source, "target_bucket": target, "target_prefix": "logs/"}).result

    assert result["failed"] is True
    assert f"Access logging of bucket {source} was not enabled" in result["msg"]
    assert "logging.s3.amazonaws.com" in result["msg"]
    assert "grant_delivery" in result["msg"]
    assert moto.writes_since(mark) == []
    assert acl_requests(moto, mark) == []
    assert read_logging(aws, source) is None


def test_grant_delivery_adds_target_statement(aws, moto, run_module):
    source, target = "logging-grant-source", "logging-grant-target"
    aws.create_bucket(source)
    aws.create_bucket(target)
    aws.s3.put_bucket_ownership_controls(
        Bucket=target, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    args = {"name": source, "target_bucket": target, "target_prefix": "logs/", "grant_delivery": True}
    mark = moto.mark()

    first = run_module(MODULE, args).result
    rerun_mark = moto.mark()
    second = run_module(MODULE, args).result

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    assert first["target_policy"]["changed"] is True
    statements = json.loads(aws.s3.get_bucket_policy(Bucket=target)["Policy"])["Statement"]
    assert [statement["Sid"] for statement in statements] == [first["target_policy"]["document"]["Statement"][0]["Sid"]]
    assert statements[0]["Sid"].startswith("LogsafeS3AccessLogsLoggingGrantSource")
    assert statements[0]["Resource"] == f"arn:aws:s3:::{target}/logs/*"
    assert read_logging(aws, source) == {"TargetBucket": target, "TargetPrefix": "logs/"}
    assert second["changed"] is False
    assert second["target_policy"]["changed"] is False
    assert moto.writes_since(rerun_mark) == []
    assert acl_requests(moto, mark) == []
