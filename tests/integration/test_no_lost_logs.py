"""No lost logs: deleting a bucket or shortening retention needs an explicit option, and fails before any write without it.

The module cases run main() in the test process (integration/in_process.py)
against the moto server, the role case through ansible-playbook.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from integration.converged_state import CONVERGE_PLAYBOOK, converge_results, failed_results, role_vars
from integration.helpers import (
    aws_client,
    bucket_exists,
    bucket_lifecycle_rules,
    unique_bucket,
)
from integration.in_process import run_in_process

ROLE_TASKS = Path(__file__).resolve().parents[2] / "roles" / "logs_bucket" / "tasks"


@pytest.fixture
def module_env(moto, monkeypatch):
    """Give in-process module runs the environment of a child process of the tests: fake credentials and moto."""
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def s3(moto):
    return aws_client(moto, "s3")


def expiring_rule(days: int, rule_id: str = "logs-retention", noncurrent_days: int | None = None) -> dict:
    rule = {"id": rule_id, "expiration": {"days": days}}
    if noncurrent_days is not None:
        rule["noncurrent_version_expiration"] = {"noncurrent_days": noncurrent_days}
    return rule


def expiration_days(s3, bucket: str) -> dict[str, int]:
    """Return the expiration days of each lifecycle rule of the bucket, by rule id."""
    return {rule["ID"]: rule.get("Expiration", {}).get("Days") for rule in bucket_lifecycle_rules(s3, bucket) or []}


def assert_rejected_without_write(moto, result: dict, fragments: list[str], mark: int) -> None:
    assert result.get("failed") is True, result
    for fragment in fragments:
        assert fragment in result["msg"]
    assert moto.writes_since(mark) == []


# Deleting a bucket


def versioned_bucket_with_only_old_versions(s3, bucket: str) -> None:
    """Create a versioned bucket whose only object was deleted: no current object, one version, one delete marker."""
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="2026/12/04/app.log", Body=b"evidence")
    s3.delete_object(Bucket=bucket, Key="2026/12/04/app.log")


def test_absent_rejects_bucket_with_objects(moto, module_env, s3):
    """s3_bucket state=absent keeps a bucket that contains objects and names force as the way out."""
    bucket = unique_bucket("keep-objects")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="app.log", Body=b"evidence")

    mark = moto.mark()
    result = run_in_process("s3_bucket", {"name": bucket, "state": "absent"})

    assert_rejected_without_write(moto, result, [bucket, "objects or object versions", "force"], mark)
    assert s3.get_object(Bucket=bucket, Key="app.log")["Body"].read() == b"evidence"


def test_absent_rejects_bucket_with_only_versions(moto, module_env, s3):
    """A bucket that lists no object but keeps a noncurrent version and a delete marker is not deleted either."""
    bucket = unique_bucket("keep-versions")
    versioned_bucket_with_only_old_versions(s3, bucket)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0

    mark = moto.mark()
    result = run_in_process("s3_bucket", {"name": bucket, "state": "absent"})

    assert_rejected_without_write(moto, result, [bucket, "force"], mark)
    versions = s3.list_object_versions(Bucket=bucket)
    assert len(versions["Versions"]) == 1
    assert len(versions["DeleteMarkers"]) == 1


def test_absent_force_deletes_every_version(moto, module_env, s3):
    """With force, every version and delete marker goes, then the bucket."""
    bucket = unique_bucket("force-delete")
    versioned_bucket_with_only_old_versions(s3, bucket)

    result = run_in_process("s3_bucket", {"name": bucket, "state": "absent", "force": True})

    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert bucket_exists(s3, bucket) is False


def test_role_never_deletes():
    """No task of the role deletes a bucket, and s3_logs_bucket, which the role calls, has no state option."""
    for path in sorted(ROLE_TASKS.glob("*.yml")):
        tasks = yaml.safe_load(path.read_text()) or []
        text = path.read_text()
        assert "state: absent" not in text, path
        assert "force:" not in text, path
        for task in tasks:
            assert "logsafe.aws.s3_bucket" not in task, (path, task.get("name"))


def test_logs_bucket_module_has_no_state(moto, module_env):
    """s3_logs_bucket rejects state=absent as an unknown option, so it cannot delete a bucket."""
    mark = moto.mark()
    result = run_in_process("s3_logs_bucket", {"name": unique_bucket("no-state"), "state": "absent"})

    assert result.get("failed") is True
    assert "Unsupported parameters" in result["msg"]
    assert moto.requests_since(mark) == []


# Shorter retention


def test_shorter_expiration_rejected_then_allowed(moto, module_env, s3):
    """Shortening an expiration fails naming the rule and both day counts; with allow_retention_decrease it applies, and the diff shows it."""
    bucket = unique_bucket("shorter-expiry")
    created = run_in_process("s3_logs_bucket", {"name": bucket, "lifecycle": {"rules": [expiring_rule(365)]}})
    assert created.get("failed") is not True, created

    shorter = {"name": bucket, "lifecycle": {"rules": [expiring_rule(30)]}}
    mark = moto.mark()
    rejected = run_in_process("s3_logs_bucket", shorter)

    assert_rejected_without_write(
        moto, rejected, ["'logs-retention'", "from 365 days to 30 days", "allow_retention_decrease"], mark
    )
    assert expiration_days(s3, bucket) == {"logs-retention": 365}

    allowed = run_in_process("s3_logs_bucket", dict(shorter, allow_retention_decrease=True), diff=True)

    assert allowed.get("failed") is not True, allowed
    assert allowed["changed"] is True
    before = allowed["diff"]["before"][bucket]["lifecycle"]["rules"]
    after = allowed["diff"]["after"][bucket]["lifecycle"]["rules"]
    assert [rule["expiration"] for rule in before] == [{"days": 365}]
    assert [rule["expiration"] for rule in after] == [{"days": 30}]
    assert expiration_days(s3, bucket) == {"logs-retention": 30}


def test_shorter_noncurrent_expiration_rejected(moto, module_env, s3):
    """Shortening the noncurrent version expiration fails the same way, naming both day counts."""
    bucket = unique_bucket("shorter-noncurrent")
    rules = [expiring_rule(365, noncurrent_days=30)]
    assert run_in_process("s3_logs_bucket", {"name": bucket, "lifecycle": {"rules": rules}}).get("failed") is not True

    mark = moto.mark()
    result = run_in_process(
        "s3_logs_bucket", {"name": bucket, "lifecycle": {"rules": [expiring_rule(365, noncurrent_days=7)]}}
    )

    assert_rejected_without_write(
        moto, result, ["'logs-retention'", "noncurrent version expiration from 30 days to 7 days"], mark
    )


def test_shorter_target_expiration_rejected(moto, module_env):
    """The managed access-log bucket is guarded too: its shorter expiration fails before any write."""
    bucket = unique_bucket("shorter-target")
    target = f"{bucket}-al"

    def logging_options(days: int) -> dict:
        return {"target_bucket": target, "manage_target": True, "target_lifecycle_rules": [expiring_rule(days, "al")]}

    created = run_in_process("s3_logs_bucket", {"name": bucket, "access_logging": logging_options(90)})
    assert created.get("failed") is not True, created

    mark = moto.mark()
    result = run_in_process("s3_logs_bucket", {"name": bucket, "access_logging": logging_options(30)})

    assert_rejected_without_write(moto, result, [target, "'al'", "from 90 days to 30 days"], mark)


def test_first_expiration_on_objects_rejected_then_allowed(moto, module_env, s3):
    """A first expiration on a bucket that already contains objects needs allow_retention_decrease."""
    bucket = unique_bucket("first-expiry")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="app.log", Body=b"evidence")
    options = {"name": bucket, "lifecycle": {"rules": [expiring_rule(365)]}}

    mark = moto.mark()
    rejected = run_in_process("s3_logs_bucket", options)

    assert_rejected_without_write(moto, rejected, ["'logs-retention'", "already holds objects"], mark)
    assert bucket_lifecycle_rules(s3, bucket) is None

    allowed = run_in_process("s3_logs_bucket", dict(options, allow_retention_decrease=True))

    assert allowed.get("failed") is not True, allowed
    assert expiration_days(s3, bucket) == {"logs-retention": 365}


def test_first_expiration_on_new_bucket_allowed(moto, module_env, s3):
    """A new or empty bucket may get its first expiration without the option: no log exists yet."""
    bucket = unique_bucket("new-expiry")

    result = run_in_process("s3_logs_bucket", {"name": bucket, "lifecycle": {"rules": [expiring_rule(365)]}})

    assert result.get("failed") is not True, result
    assert expiration_days(s3, bucket) == {"logs-retention": 365}


def test_suspend_versioning_rejected_then_allowed(moto, module_env, s3):
    """Suspending versioning fails without allow_retention_decrease; with it, the diff shows Enabled to Suspended."""
    bucket = unique_bucket("suspend")
    assert run_in_process("s3_bucket", {"name": bucket, "versioning": True}).get("failed") is not True

    mark = moto.mark()
    rejected = run_in_process("s3_bucket", {"name": bucket, "versioning": False})

    assert_rejected_without_write(moto, rejected, [bucket, "Suspending versioning", "allow_retention_decrease"], mark)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"

    allowed = run_in_process(
        "s3_bucket", {"name": bucket, "versioning": False, "allow_retention_decrease": True}, diff=True
    )

    assert allowed.get("failed") is not True, allowed
    assert allowed["diff"]["before"]["versioning"]["status"] == "Enabled"
    assert allowed["diff"]["after"]["versioning"]["status"] == "Suspended"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


def test_lifecycle_module_allow_option_applies(moto, module_env, s3):
    """s3_bucket_lifecycle's allow_retention_decrease lets a shorter expiration through, as documented."""
    bucket = unique_bucket("lifecycle-allow")
    s3.create_bucket(Bucket=bucket)
    assert run_in_process("s3_bucket_lifecycle", {"name": bucket, "rules": [expiring_rule(365)]}).get("failed") is not True

    result = run_in_process(
        "s3_bucket_lifecycle", {"name": bucket, "rules": [expiring_rule(30)], "allow_retention_decrease": True}
    )

    assert result.get("failed") is not True, result.get("msg")
    assert expiration_days(s3, bucket) == {"logs-retention": 30}


def test_new_expiring_rule_next_to_archive_rule_rejected(moto, module_env, s3):
    """A bucket whose only rule archives and never expires keeps its logs; a new rule that expires them needs the option."""
    bucket = unique_bucket("archive-then-expire")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="app.log", Body=b"evidence")
    archive = {"id": "archive", "transitions": [{"days": 90, "storage_class": "GLACIER"}]}
    assert run_in_process("s3_logs_bucket", {"name": bucket, "lifecycle": {"rules": [archive]}}).get("failed") is not True

    mark = moto.mark()
    result = run_in_process("s3_logs_bucket", {"name": bucket, "lifecycle": {"rules": [expiring_rule(30, "expire")]}})

    assert_rejected_without_write(moto, result, ["'expire'", "after 30 days", "already holds objects"], mark)


def test_renamed_rule_with_shorter_expiration_rejected(moto, module_env, s3):
    """Replacing a 365-day rule by a 30-day rule of another id (purge_rules) shortens retention and needs the option."""
    bucket = unique_bucket("renamed-rule")
    created = run_in_process("s3_logs_bucket", {"name": bucket, "lifecycle": {"rules": [expiring_rule(365)]}})
    assert created.get("failed") is not True, created

    mark = moto.mark()
    result = run_in_process(
        "s3_logs_bucket",
        {"name": bucket, "lifecycle": {"rules": [expiring_rule(30, "retention")], "purge_rules": True}},
    )

    assert_rejected_without_write(
        moto, result, ["'retention'", "from 365 days of current rule 'logs-retention' to 30 days"], mark
    )
    assert expiration_days(s3, bucket) == {"logs-retention": 365}


def test_role_shorter_expiration_rejected_then_allowed(moto, run_playbook, aws_cli):
    """Through the role, a shorter retention fails naming logs_bucket_allow_retention_decrease, and passes with it."""
    bucket = unique_bucket("role-shorter")
    base = role_vars(bucket, logs_bucket_access_logging="false", logs_bucket_verify="false")
    assert run_playbook(CONVERGE_PLAYBOOK, base).rc == 0
    shorter_rules = [dict(expiring_rule(30), status="enabled")]

    mark = moto.mark()
    rejected = run_playbook(CONVERGE_PLAYBOOK, dict(base, logs_bucket_lifecycle_rules=shorter_rules))

    assert rejected.rc != 0
    assert moto.writes_since(mark) == []
    failures = failed_results(rejected)
    assert len(failures) == 1, rejected.describe()
    message = failures[0]["result"]["msg"]
    assert "'logs-retention'" in message
    assert "from 365 days to 30 days" in message
    assert "logs_bucket_allow_retention_decrease" in message

    allowed = run_playbook(
        CONVERGE_PLAYBOOK,
        dict(base, logs_bucket_lifecycle_rules=shorter_rules, logs_bucket_allow_retention_decrease="true"),
        diff=True,
    )

    assert allowed.rc == 0, allowed.describe()
    assert converge_results(allowed)[0]["changed"] is True
    rules = aws_cli("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)["Rules"]
    assert [rule["Expiration"] for rule in rules] == [{"Days": 30}]
