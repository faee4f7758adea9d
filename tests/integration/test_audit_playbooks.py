"""Integration tests of the role's verify entry point (playbooks/verify.yml) and of playbooks/audit.yml on a moto server.

Every run is checked against the server's request log: verify and the audit
only read.
"""

from __future__ import annotations

import json
import re

import pytest

from integration.helpers import REGION, aws_client, operations, unique_bucket

CONVERGE_PLAYBOOK = "playbooks/logs_bucket.yml"
VERIFY_PLAYBOOK = "playbooks/verify.yml"
AUDIT_PLAYBOOK = "playbooks/audit.yml"

# The check tasks of verify, in the order of the runbook.
CHECK_TASKS = (
    "Check the existence of bucket {}",
    "Check the presence of a policy on bucket {}",
    "Check that TLS is required by the policy of bucket {}",
    "Check that no public access is granted by the policy of bucket {}",
    "Check the log delivery statements in the policy of bucket {}",
    "Check listing the objects of bucket {}",
    "Check the default encryption of bucket {}",
    "Check the versioning of bucket {}",
    "Check the lifecycle rules of bucket {}",
    "Check the access logging of bucket {}",
    "Check that delivery is accepted by the access log target of bucket {}",
    "Check that ACLs are disabled on bucket {}",
    "Check the public access block of bucket {}",
    "Check the account-level public access block for bucket {}",
    "Check the state of the KMS key of bucket {}",
    "Check the rotation of the KMS key of bucket {}",
    "Check the key policy of the KMS key of bucket {}",
    "Check the access of IAM principals to bucket {}",
)

# Bucket names converged once per moto server, by the server's endpoint.
_converged: dict[str, str] = {}


def playbook_vars(bucket: str, **extra: str) -> dict[str, str]:
    """Return extra vars as `-e name=value` passes them: strings."""
    return {"logs_bucket_name": bucket, "logs_bucket_access_logging": "true", "logs_bucket_region": REGION, **extra}


def role_task_name(entry: dict) -> str:
    return entry["task"].split(" : ", 1)[-1]


def check_results(run, bucket: str) -> list[dict]:
    """Return the results of the check tasks of one verify run, in order."""
    names = {name.format(bucket) for name in CHECK_TASKS}
    return [entry for entry in run.results if role_task_name(entry) in names]


@pytest.fixture
def converged_bucket(moto, run_playbook) -> str:
    """Return a bucket that the converge playbook built with access logging, shared by the tests of this module."""
    if moto.endpoint_url not in _converged:
        bucket = unique_bucket("verify")
        run = run_playbook(CONVERGE_PLAYBOOK, playbook_vars(bucket))
        assert run.rc == 0, run.describe()
        _converged[moto.endpoint_url] = bucket
    return _converged[moto.endpoint_url]


def test_verify_prints_every_check_and_report(moto, run_playbook, converged_bucket, tmp_path):
    """verify passes on a converged bucket, prints one result per check, writes the report, and only reads."""
    report = tmp_path / "verify-report"

    mark = moto.mark()
    run = run_playbook(VERIFY_PLAYBOOK, playbook_vars(converged_bucket, logs_bucket_verify_report=str(report)))

    assert run.rc == 0, run.describe()
    assert moto.writes_since(mark) == []
    checks = check_results(run, converged_bucket)
    assert [role_task_name(entry) for entry in checks] == [name.format(converged_bucket) for name in CHECK_TASKS]
    assert [entry["status"] for entry in checks[:-1]] == ["ok"] * (len(CHECK_TASKS) - 1)
    # No IAM principal is configured, so the last task has no item.
    assert checks[-1]["status"] == "skipped"
    for entry in checks[:-1]:
        assert re.match(r"^(pass|skipped): ", entry["result"]["msg"]), entry["result"]["msg"]
    assert f"pass: Bucket {converged_bucket} exists in region {REGION}." in run.stdout

    written = json.loads(report.with_suffix(".json").read_text())
    assert written["summary"]["fail"] == 0
    assert written["summary"]["total"] == len(written["checks"]) == 17
    assert written["buckets"][0]["name"] == converged_bucket
    markdown = report.with_suffix(".md").read_text()
    assert f"## {converged_bucket}" in markdown
    assert "| `policy_tls_only` |" in markdown


def test_verify_fails_on_drift_and_names_fix(moto, run_playbook, converged_bucket):
    """After the policy is deleted and the retention shortened, verify fails on both and keeps checking the rest."""
    s3 = aws_client(moto, "s3")
    s3.delete_bucket_policy(Bucket=converged_bucket)
    rules = s3.get_bucket_lifecycle_configuration(Bucket=converged_bucket)["Rules"]
    rules[0]["Expiration"] = {"Days": 30}
    for rule in rules:
        rule.pop("Prefix", None)
        rule.setdefault("Filter", {"Prefix": ""})
    s3.put_bucket_lifecycle_configuration(Bucket=converged_bucket, LifecycleConfiguration={"Rules": rules})

    mark = moto.mark()
    run = run_playbook(VERIFY_PLAYBOOK, playbook_vars(converged_bucket))

    assert run.rc != 0
    assert moto.writes_since(mark) == []
    checks = check_results(run, converged_bucket)
    assert len(checks) == len(CHECK_TASKS)
    failed = {role_task_name(entry): entry["result"]["msg"] for entry in checks if entry["status"] == "failed"}
    policy_message = failed[f"Check the presence of a policy on bucket {converged_bucket}"]
    assert f"fail: Bucket {converged_bucket} has no bucket policy." in policy_message
    assert f"Check with: aws s3api get-bucket-policy --bucket {converged_bucket}" in policy_message
    lifecycle_message = failed[f"Check the lifecycle rules of bucket {converged_bucket}"]
    assert 'rule logs-retention differs in expiration ({"days": 30} instead of {"days": 365})' in lifecycle_message
    assert set(failed) == {
        f"Check the presence of a policy on bucket {converged_bucket}",
        f"Check that TLS is required by the policy of bucket {converged_bucket}",
        f"Check the lifecycle rules of bucket {converged_bucket}",
    }
    final = [entry for entry in run.results if role_task_name(entry) == f"Fail when a check failed for bucket {converged_bucket}"]
    assert final[0]["status"] == "failed"
    assert "3 of 17 checks" in final[0]["result"]["msg"]
    assert "policy_present fail, policy_tls_only fail, lifecycle fail." in final[0]["result"]["msg"]


def test_verify_fail_on_never_only_reports(moto, run_playbook, converged_bucket):
    """With logs_bucket_verify_fail_on=never, the drifted bucket is reported and the run succeeds."""
    run = run_playbook(VERIFY_PLAYBOOK, playbook_vars(converged_bucket, logs_bucket_verify_fail_on="never"))

    assert run.rc == 0, run.describe()
    assert run.recap["localhost"]["failed"] == 0
    assert f"fail: Bucket {converged_bucket} has no bucket policy." in run.stdout


def test_audit_playbook_five_buckets(moto, run_playbook, tmp_path):
    """audit.yml with a pattern audits five buckets, writes one report whose counts match, and prints one line per bucket."""
    prefix = unique_bucket("fleet")
    s3 = aws_client(moto, "s3")
    names = [f"{prefix}-{index}" for index in range(5)]
    for name in names:
        s3.create_bucket(Bucket=name)
    s3.create_bucket(Bucket=f"other-{prefix}")
    report = tmp_path / "fleet"

    mark = moto.mark()
    run = run_playbook(
        AUDIT_PLAYBOOK,
        {
            "logs_bucket_audit_pattern": f"{prefix}-*",
            "logs_bucket_audit_report": str(report),
            "logs_bucket_region": REGION,
        },
    )

    assert run.rc != 0, "bare buckets fail the audit"
    assert moto.writes_since(mark) == []
    assert "ListBuckets" in operations(moto.requests_since(mark))
    written = json.loads(report.with_suffix(".json").read_text())
    assert [bucket["name"] for bucket in written["buckets"]] == names
    assert written["summary"]["buckets"] == 5
    assert written["summary"]["total"] == len(written["checks"])
    for status in ("pass", "fail", "warn", "error", "skipped"):
        assert written["summary"][status] == len([item for item in written["checks"] if item["status"] == status])
        assert written["summary"][status] == sum(bucket["summary"][status] for bucket in written["buckets"])
    markdown = report.with_suffix(".md").read_text()
    for name in names:
        assert re.search(rf"^\| {re.escape(name)} \| fail \|", markdown, re.MULTILINE), name
        assert f"{name}: fail (" in run.stdout
    assert f"other-{prefix}" not in markdown
    failure = [entry for entry in run.results if entry["task"] == "Fail when a check failed"]
    assert failure[0]["status"] == "failed"
