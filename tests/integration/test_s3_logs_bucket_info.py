"""Integration tests of logsafe.aws.s3_logs_bucket_info against a moto server.

Buckets are set up with s3_logs_bucket or boto3. Every run of the info
module is checked against the request log: it may read, and must never write.
"""

from __future__ import annotations

import pytest
from integration.helpers import (
    DENY_INSECURE_TRANSPORT_SID,
    LOGS_RETENTION_RULE,
    REGION,
    aws_client,
    create_kms_alias,
    delivery_sid,
    operations,
    unique_bucket,
)

MODULE = "s3_logs_bucket_info"
INFO_CONCERNS = (
    "versioning",
    "tags",
    "public_access_block",
    "ownership_controls",
    "encryption",
    "lifecycle",
    "logging",
    "policy",
)
READ_OPERATION_PREFIXES = ("Get", "Head", "List", "Describe")

# The rule as the info module reports it: the option form with its defaults filled in.
LOGS_RETENTION_RULE_VIEW = {**LOGS_RETENTION_RULE, "status": "enabled", "filter": {}}

# Bucket names converged once per moto server, by the server's endpoint.
_converged: dict[str, dict] = {}


def expected_settings(bucket: str, alias_name: str) -> dict:
    """Return the settings of a converged bucket, in the form both modules take."""
    return {
        "versioning": True,
        "tags": {"team": "security"},
        "object_ownership": "BucketOwnerEnforced",
        "public_access_block": {},
        "encryption": {"sse_algorithm": "aws:kms", "kms_key": alias_name, "bucket_key_enabled": True},
        "lifecycle": {"rules": [LOGS_RETENTION_RULE]},
        "policy": {"deny_insecure_transport": True},
        "access_logging": {"target_bucket": f"{bucket}-al", "target_prefix": f"{bucket}/"},
    }


def converge(moto, run_module, prefix: str) -> dict:
    """Build a bucket with a customer KMS key and every setting, and its access-log bucket.

    Returns the bucket name, the key ARN, the alias and the settings.
    """
    bucket = unique_bucket(prefix)
    alias_name = f"alias/{bucket}"
    key_arn = create_kms_alias(moto, alias_name)
    settings = expected_settings(bucket, alias_name)
    args = {"name": bucket, **settings}
    args["access_logging"] = {**settings["access_logging"], "manage_target": True}
    result = run_module("s3_logs_bucket", args).result
    assert result["failed"] is False, result.get("msg")
    return {"name": bucket, "key_arn": key_arn, "alias_name": alias_name, "settings": settings}


@pytest.fixture
def converged(moto, run_module) -> dict:
    """Return a converged bucket shared by the tests that only read it."""
    if moto.endpoint_url not in _converged:
        _converged[moto.endpoint_url] = converge(moto, run_module, "info-converged")
    return _converged[moto.endpoint_url]


def run_info(moto, run_module, args: dict) -> dict:
    """Run the info module, assert that it sent only reads, and return its result."""
    mark = moto.mark()
    result = run_module(MODULE, args).result
    assert moto.writes_since(mark) == []
    unexpected = [
        name for name in operations(moto.requests_since(mark)) if not name.startswith(READ_OPERATION_PREFIXES)
    ]
    assert unexpected == []
    assert result["failed"] is False, result.get("msg")
    assert result["changed"] is False
    return result


def test_unconfigured_bucket_reports_empty_states(moto, run_module):
    """A bucket with nothing configured reports each setting as not configured, without failing."""
    bucket = unique_bucket("info-empty")
    aws_client(moto, "s3").create_bucket(Bucket=bucket)

    result = run_info(moto, run_module, {"name": bucket})

    assert result["exists"] is True
    assert result["region"] == REGION
    assert result["versioning"] == {"status": None, "mfa_delete": None}
    assert result["tags"] == {}
    assert result["public_access_block"] is None
    assert result["ownership_controls"] is None
    assert result["encryption"] is None
    assert result["lifecycle"] is None
    assert result["logging"] == {
        "enabled": False,
        "target_bucket": None,
        "target_prefix": None,
        "target_object_key_format": None,
    }
    assert result["policy"] is None
    assert result["list_objects"] == {"allowed": True, "error": None}
    assert result["read_errors"] == {}
    assert result["expectations"] == {}
    assert result["retries"] == 0
    assert "warnings" not in result


def test_converged_bucket_reports_every_value(moto, run_module, converged):
    """A bucket built by s3_logs_bucket reports each setting it has, with the KMS key's details."""
    bucket = converged["name"]

    result = run_info(moto, run_module, {"name": bucket})

    assert result["exists"] is True
    assert result["region"] == REGION
    assert result["versioning"] == {"status": "Enabled", "mfa_delete": None}
    assert result["tags"] == {"team": "security"}
    assert result["public_access_block"] == {
        "block_public_acls": True,
        "ignore_public_acls": True,
        "block_public_policy": True,
        "restrict_public_buckets": True,
    }
    assert result["ownership_controls"]["object_ownership"] == "BucketOwnerEnforced"

    encryption = result["encryption"]
    assert encryption["sse_algorithm"] == "aws:kms"
    assert encryption["kms_key"] == converged["key_arn"]
    assert encryption["bucket_key_enabled"] is True
    details = encryption["kms_key_details"]
    assert details["arn"] == converged["key_arn"]
    assert details["key_id"] == converged["key_arn"].rsplit("/", 1)[1]
    assert details["aliases"] == [converged["alias_name"]]
    assert details["key_state"] == "Enabled"
    assert details["key_manager"] == "CUSTOMER"
    assert details["aws_managed"] is False

    assert result["lifecycle"]["rules"] == [LOGS_RETENTION_RULE_VIEW]
    # NOTE: moto 5.2 reports all_storage_classes_128K even after varies_by_storage_class was written,
    # so this cannot tell a stored value from the default.
    assert result["lifecycle"]["transition_default_minimum_object_size"] == "all_storage_classes_128K"
    assert result["logging"] == {
        "enabled": True,
        "target_bucket": f"{bucket}-al",
        "target_prefix": f"{bucket}/",
        "target_object_key_format": None,
    }
    assert result["policy"]["denies_insecure_transport"] is True
    assert [statement["Sid"] for statement in result["policy"]["document"]["Statement"]] == [
        DENY_INSECURE_TRANSPORT_SID
    ]
    assert result["list_objects"] == {"allowed": True, "error": None}
    assert result["read_errors"] == {}


def test_target_bucket_reports_delivery_statement(moto, run_module, converged):
    """The managed access-log bucket reports SSE-S3 and a policy with the delivery statement and TLS only."""
    target = f"{converged['name']}-al"

    result = run_info(moto, run_module, {"name": target})

    assert result["encryption"] == {
        "sse_algorithm": "AES256",
        "kms_key": None,
        "bucket_key_enabled": False,
        "kms_key_details": None,
    }
    sids = sorted(statement["Sid"] for statement in result["policy"]["document"]["Statement"])
    assert sids == sorted([delivery_sid(converged["name"]), DENY_INSECURE_TRANSPORT_SID])
    assert result["policy"]["denies_insecure_transport"] is True
    assert result["logging"]["enabled"] is False


def test_expect_matches_converged_settings(moto, run_module, converged):
    """Expecting the settings the bucket was built with reports a match for each of them."""
    result = run_info(moto, run_module, {"name": converged["name"], "expect": converged["settings"]})

    expectations = result["expectations"]
    assert set(expectations) == set(INFO_CONCERNS)
    for concern, expectation in expectations.items():
        assert expectation["matches"] is True, f"{concern}: {expectation}"
        assert expectation["error"] is None, concern
    assert expectations["encryption"]["expected"]["kms_key"] == converged["key_arn"]
    assert expectations["logging"]["expected"]["target_bucket"] == f"{converged['name']}-al"


def set_expiration_days(s3, bucket: str, days: int) -> None:
    """Set the expiration of the bucket's first lifecycle rule to ``days``, as a change made outside Ansible."""
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    rules[0]["Expiration"] = {"Days": days}
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def test_expect_reports_drift(moto, run_module):
    """Drift made with boto3 shows as matches false, with the expected and actual settings.

    The drift: SSE-S3 instead of the customer key, the retention rule expiring
    after 200 days instead of 365, and access logging turned off.
    """
    bucket = converge(moto, run_module, "info-drift")
    name = bucket["name"]
    s3 = aws_client(moto, "s3")
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    set_expiration_days(s3, name, 200)
    s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={})

    result = run_info(moto, run_module, {"name": name, "expect": bucket["settings"]})

    expectations = result["expectations"]
    drifted = {"encryption", "lifecycle", "logging"}
    for concern in set(INFO_CONCERNS) - drifted:
        assert expectations[concern]["matches"] is True, f"{concern}: {expectations[concern]}"

    encryption = expectations["encryption"]
    assert encryption["matches"] is False
    assert encryption["expected"]["sse_algorithm"] == "aws:kms"
    assert encryption["expected"]["kms_key"] == bucket["key_arn"]
    assert encryption["actual"]["sse_algorithm"] == "AES256"
    assert encryption["actual"]["kms_key"] is None

    lifecycle = expectations["lifecycle"]
    assert lifecycle["matches"] is False, lifecycle
    assert lifecycle["error"] is None
    assert lifecycle["expected"]["rules"][0]["expiration"] == {"days": 365}
    assert lifecycle["actual"]["rules"][0]["expiration"] == {"days": 200}

    logging = expectations["logging"]
    assert logging["matches"] is False
    assert logging["expected"]["enabled"] is True
    assert logging["expected"]["target_bucket"] == f"{name}-al"
    assert logging["actual"]["enabled"] is False


def test_expect_reports_longer_retention(moto, run_module):
    """A rule that keeps logs longer than expected is drift like any other, reported with both rules.

    The info module only reads, so a guard against writes that shorten
    retention has nothing to protect here.
    """
    bucket = converge(moto, run_module, "info-longer")
    name = bucket["name"]
    set_expiration_days(aws_client(moto, "s3"), name, 400)

    result = run_info(moto, run_module, {"name": name, "expect": bucket["settings"]})

    lifecycle = result["expectations"]["lifecycle"]
    assert lifecycle["matches"] is False
    assert lifecycle["actual"]["rules"][0]["expiration"] == {"days": 400}
    assert lifecycle["error"] is None
    assert lifecycle["expected"]["rules"][0]["expiration"] == {"days": 365}


def test_missing_bucket_reports_exists_false(moto, run_module):
    """A bucket that does not exist reports exists false and null settings after one HeadBucket."""
    bucket = unique_bucket("info-missing")

    mark = moto.mark()
    result = run_info(moto, run_module, {"name": bucket})

    assert result["exists"] is False
    for concern in INFO_CONCERNS:
        assert result[concern] is None, concern
    assert result["list_objects"]["allowed"] is False
    assert operations(moto.requests_since(mark)) == ["HeadBucket"]
