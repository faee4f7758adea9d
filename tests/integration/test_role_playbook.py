"""Integration tests of playbooks/logs_bucket.yml and playbooks/verify.yml against a moto server.

The result is checked with the AWS CLI commands of the runbook, as an
operator would check it.
"""

from __future__ import annotations

import json

import pytest
from integration.helpers import (
    DENY_INSECURE_TRANSPORT_SID,
    REGION,
    aws_client,
    bucket_exists,
    delivery_sid,
    unique_bucket,
)

CONVERGE_PLAYBOOK = "playbooks/logs_bucket.yml"
VERIFY_PLAYBOOK = "playbooks/verify.yml"

# Bucket names converged once per moto server, by the server's endpoint.
_converged: dict[str, str] = {}


def playbook_vars(bucket: str) -> dict[str, str]:
    """Return the extra vars of the runbook's command line.

    Values are strings, as ``-e name=value`` passes them.
    """
    return {
        "logs_bucket_name": bucket,
        "logs_bucket_access_logging": "true",
        "logs_bucket_region": REGION,
    }


@pytest.fixture
def converged_bucket(moto, run_playbook) -> str:
    """Return a bucket that the converge playbook built, shared by the tests that only read it."""
    if moto.endpoint_url not in _converged:
        bucket = unique_bucket("role-logs")
        run = run_playbook(CONVERGE_PLAYBOOK, playbook_vars(bucket))
        assert run.rc == 0, run.describe()
        _converged[moto.endpoint_url] = bucket
    return _converged[moto.endpoint_url]


def role_task_name(entry: dict) -> str:
    """Return a task name without the "ROLE : " prefix that ansible-playbook adds to role tasks."""
    return entry["task"].split(" : ", 1)[-1]


def failed_messages(run) -> list[str]:
    """Return the messages of the failed task results of a playbook run, ignored failures included."""
    return [str(entry["result"].get("msg", "")) for entry in run.results if entry["status"] == "failed"]


def test_converge_twice_changes_nothing_second_time(moto, run_playbook):
    """The second run of the converge playbook reports changed=0 and sends no write."""
    bucket = unique_bucket("role-twice")
    first = run_playbook(CONVERGE_PLAYBOOK, playbook_vars(bucket))
    assert first.rc == 0, first.describe()
    assert first.recap["localhost"]["changed"] >= 1
    assert first.recap["localhost"]["failed"] == 0

    mark = moto.mark()
    second = run_playbook(CONVERGE_PLAYBOOK, playbook_vars(bucket))

    assert second.rc == 0, second.describe()
    assert second.recap["localhost"]["changed"] == 0, second.describe()
    assert second.recap["localhost"]["failed"] == 0
    assert moto.writes_since(mark) == []
    if moto.endpoint_url not in _converged:
        _converged[moto.endpoint_url] = bucket


def test_runbook_head_bucket(aws_cli, converged_bucket):
    """aws s3api head-bucket finds the bucket in the region of the run."""
    response = aws_cli("s3api", "head-bucket", "--bucket", converged_bucket)

    assert response["BucketRegion"] == REGION


def test_runbook_bucket_policy(aws_cli, converged_bucket):
    """aws s3api get-bucket-policy shows the TLS-only statement on the bucket and both Logsafe Sids on its log bucket."""
    policy = json.loads(aws_cli("s3api", "get-bucket-policy", "--bucket", converged_bucket)["Policy"])
    target = f"{converged_bucket}-access-logs"
    target_policy = json.loads(aws_cli("s3api", "get-bucket-policy", "--bucket", target)["Policy"])

    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert sorted(statements) == [DENY_INSECURE_TRANSPORT_SID]
    assert statements[DENY_INSECURE_TRANSPORT_SID]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    target_sids = sorted(statement["Sid"] for statement in target_policy["Statement"])
    assert target_sids == sorted([delivery_sid(converged_bucket), DENY_INSECURE_TRANSPORT_SID])


def test_runbook_list_objects(aws_cli, converged_bucket):
    """aws s3 ls lists the new, empty bucket without an error."""
    assert aws_cli("s3", "ls", f"s3://{converged_bucket}") is None


def test_runbook_encryption(aws_cli, converged_bucket):
    """aws s3api get-bucket-encryption shows SSE-KMS with the AWS managed key and a bucket key."""
    response = aws_cli("s3api", "get-bucket-encryption", "--bucket", converged_bucket)

    rules = response["ServerSideEncryptionConfiguration"]["Rules"]
    assert len(rules) == 1
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "KMSMasterKeyID" not in rules[0]["ApplyServerSideEncryptionByDefault"]
    assert rules[0]["BucketKeyEnabled"] is True


def test_runbook_lifecycle(aws_cli, converged_bucket):
    """aws s3api get-bucket-lifecycle-configuration shows the logs-retention rule with its transitions."""
    response = aws_cli("s3api", "get-bucket-lifecycle-configuration", "--bucket", converged_bucket)

    rules = {rule["ID"]: rule for rule in response["Rules"]}
    assert sorted(rules) == ["logs-retention"]
    rule = rules["logs-retention"]
    assert rule["Status"] == "Enabled"
    assert rule["Transitions"] == [
        {"Days": 30, "StorageClass": "STANDARD_IA"},
        {"Days": 90, "StorageClass": "GLACIER"},
    ]
    assert rule["Expiration"] == {"Days": 365}
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_runbook_logging(aws_cli, converged_bucket):
    """aws s3api get-bucket-logging shows the access-log bucket and the bucket's prefix."""
    response = aws_cli("s3api", "get-bucket-logging", "--bucket", converged_bucket)

    assert response["LoggingEnabled"]["TargetBucket"] == f"{converged_bucket}-access-logs"
    assert response["LoggingEnabled"]["TargetPrefix"] == f"{converged_bucket}/"


def test_verify_passes_without_writes(moto, run_playbook, converged_bucket):
    """playbooks/verify.yml passes on the converged bucket and sends only reads."""
    mark = moto.mark()
    run = run_playbook(VERIFY_PLAYBOOK, playbook_vars(converged_bucket))

    assert run.rc == 0, run.describe()
    assert run.recap["localhost"]["failed"] == 0
    assert run.recap["localhost"]["changed"] == 0
    assert moto.writes_since(mark) == []
    checks = {
        role_task_name(entry): entry["status"]
        for entry in run.results
        if role_task_name(entry).startswith("Check ") and role_task_name(entry).endswith(f"bucket {converged_bucket}")
    }
    runbook_checks = [
        f"Check the existence of bucket {converged_bucket}",
        f"Check that TLS is required by the policy of bucket {converged_bucket}",
        f"Check listing the objects of bucket {converged_bucket}",
        f"Check the default encryption of bucket {converged_bucket}",
        f"Check the lifecycle rules of bucket {converged_bucket}",
        f"Check the access logging of bucket {converged_bucket}",
    ]
    for name in runbook_checks:
        assert checks.get(name) == "ok", f"{name}: {checks.get(name)}"
    not_ok = {name: status for name, status in checks.items() if status not in ("ok", "skipped")}
    assert not_ok == {}


def test_verify_fails_after_policy_deleted(moto, run_playbook):
    """After the bucket policy is deleted, verify fails and names the runbook command that shows it."""
    bucket = unique_bucket("role-drift")
    converged = run_playbook(CONVERGE_PLAYBOOK, playbook_vars(bucket))
    assert converged.rc == 0, converged.describe()
    aws_client(moto, "s3").delete_bucket_policy(Bucket=bucket)

    mark = moto.mark()
    run = run_playbook(VERIFY_PLAYBOOK, playbook_vars(bucket))

    assert run.rc != 0
    assert moto.writes_since(mark) == []
    messages = failed_messages(run)
    runbook_command = f"aws s3api get-bucket-policy --bucket {bucket}"
    policy_failures = [message for message in messages if runbook_command in message]
    assert policy_failures != [], run.describe()
    assert bucket in policy_failures[0]
    assert "no bucket policy" in policy_failures[0]
    # Only the policy drifted, so every other runbook command must be absent from the failures.
    other_commands = [message for message in messages if "Check with:" in message and runbook_command not in message]
    assert other_commands == []


def test_check_diff_on_new_bucket(moto, run_playbook):
    """--check --diff on a new name reports the changes, writes nothing and reports that verify was skipped."""
    bucket = unique_bucket("role-check")

    mark = moto.mark()
    run = run_playbook(CONVERGE_PLAYBOOK, playbook_vars(bucket), check=True, diff=True)

    assert run.rc == 0, run.describe()
    assert run.recap["localhost"]["changed"] >= 1
    assert run.recap["localhost"]["failed"] == 0
    assert moto.writes_since(mark) == []
    converge = [
        entry["result"] for entry in run.results if role_task_name(entry) == f"Create or update bucket {bucket}"
    ]
    assert len(converge) == 1
    assert converge[0]["changed"] is True
    assert set(converge[0]["diff"]["after"]) == {bucket, f"{bucket}-access-logs"}
    skipped_reports = [
        entry["result"]
        for entry in run.results
        if role_task_name(entry) == "Report that verify was skipped in check mode" and entry["status"] == "ok"
    ]
    assert len(skipped_reports) == 1, run.describe()
    assert "verify was skipped" in skipped_reports[0]["msg"]
    assert [entry for entry in run.results if role_task_name(entry).startswith("Check the existence")] == []
    assert bucket_exists(aws_client(moto, "s3"), bucket) is False
