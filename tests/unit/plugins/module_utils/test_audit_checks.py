"""Tests of the audit check catalogue, the shape of one result, the counts and the Markdown report."""

from __future__ import annotations

import re

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._audit_bucket_checks import lifecycle_differences
from ansible_collections.logsafe.aws.plugins.module_utils._audit_checks import (
    BUCKET_CHECK_IDS,
    CHECKS,
    count_statuses,
    error_check,
    make_check,
    worst_status,
)
from ansible_collections.logsafe.aws.plugins.module_utils._audit_report import render_markdown, summary_line
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AccessDeniedError, AwsApiError

BUCKET = "example-logs"
SECURITY_HUB_ID = re.compile(r"^(S3|KMS|IAM)\.\d+$")


def test_catalogue_commands_and_controls():
    for check_id, spec in CHECKS.items():
        assert spec.command.startswith("aws "), check_id
        assert spec.title[0].isupper(), check_id
        for control in spec.security_hub:
            assert SECURITY_HUB_ID.match(control), f"{check_id}: {control}"
        for item in spec.cis:
            assert item.startswith("CIS AWS Foundations Benchmark v"), f"{check_id}: {item}"


def test_catalogue_covers_issue_controls():
    controls = {control for spec in CHECKS.values() for control in spec.security_hub}

    assert {"S3.1", "S3.5", "S3.8", "S3.9", "S3.12", "S3.13", "S3.17", "KMS.4"} <= controls


def test_bucket_checks_exclude_iam():
    assert BUCKET_CHECK_IDS[0] == "bucket_exists"
    assert "iam_user_access" not in BUCKET_CHECK_IDS
    assert len(BUCKET_CHECK_IDS) == len(CHECKS) - 2


def test_make_check_pass_message_is_finding_only():
    check = make_check("bucket_exists", BUCKET, "pass", "Bucket example-logs exists", observed={"exists": True})

    assert check["message"] == "Bucket example-logs exists."
    assert check["command"] == f"aws s3api head-bucket --bucket {BUCKET}"
    assert check["subject"] == BUCKET
    assert check["security_hub"] == []


def test_make_check_fail_message_has_expected_fix_command():
    check = make_check(
        "policy_tls_only",
        BUCKET,
        "fail",
        "Bucket example-logs has no bucket policy.",
        observed={"denies_insecure_transport": False},
        expected={"denies_insecure_transport": True},
        remediation="Add the TLS-only statement",
    )

    assert check["message"] == (
        "Bucket example-logs has no bucket policy. Expected: {\"denies_insecure_transport\": true}. "
        "Add the TLS-only statement. Check with: aws s3api get-bucket-policy --bucket example-logs"
    )
    assert check["security_hub"] == ["S3.5"]
    assert check["cis"] == ["CIS AWS Foundations Benchmark v3.0.0 2.1.1", "CIS AWS Foundations Benchmark v1.4.0 2.1.2"]


def test_make_check_fills_command_placeholders():
    check = make_check("kms_key_rotation", BUCKET, "fail", "Rotation is off", key="arn:aws:kms:us-east-1:1:key/k")

    assert check["command"] == "aws kms get-key-rotation-status --key-id arn:aws:kms:us-east-1:1:key/k"


def test_error_check_names_action_once():
    error = AccessDeniedError(
        "Failed to read the bucket policy on bucket example-logs: Access Denied (AccessDenied, GetBucketPolicy). "
        "Grant s3:GetBucketPolicy to the caller.",
        operation="GetBucketPolicy",
        error_code="AccessDenied",
        iam_action="s3:GetBucketPolicy",
    )

    check = error_check("policy_present", BUCKET, error)

    assert check["status"] == "error"
    assert check["iam_action"] == "s3:GetBucketPolicy"
    assert check["message"].count("s3:GetBucketPolicy") == 1
    assert "(AccessDenied, GetBucketPolicy)" in check["message"]
    assert "Expected" not in check["message"]


@pytest.mark.parametrize(
    ("service", "operation", "action"),
    [("kms", "GetKeyRotationStatus", "kms:GetKeyRotationStatus"), ("iam", "ListUserPolicies", "iam:ListUserPolicies")],
)
def test_error_check_names_operation_actions(service, operation, action):
    error = AccessDeniedError("Failed: denied (AccessDenied, X)", operation=operation, error_code="AccessDenied")

    check = error_check("kms_key_rotation", BUCKET, error, service=service, key="k")

    assert check["iam_action"] == action


def test_error_check_other_error_names_no_action():
    error = AwsApiError("Failed to read: internal error (InternalError, GetBucketPolicy)", operation="GetBucketPolicy")

    check = error_check("policy_present", BUCKET, error)

    assert check["iam_action"] is None
    assert check["remediation"] is None


def checks_with(*statuses):
    return [{"status": status} for status in statuses]


def test_count_statuses():
    counts = count_statuses(checks_with("pass", "pass", "fail", "skipped"))

    assert counts == {"pass": 2, "fail": 1, "warn": 0, "error": 0, "skipped": 1, "total": 4}


@pytest.mark.parametrize(
    ("statuses", "worst"),
    [
        (("pass", "warn", "fail", "error"), "fail"),
        (("pass", "error", "warn"), "error"),
        (("pass", "warn", "skipped"), "warn"),
        (("skipped", "pass"), "pass"),
        ((), "skipped"),
    ],
)
def test_worst_status(statuses, worst):
    assert worst_status(checks_with(*statuses)) == worst


def audit_result():
    checks = [
        make_check("bucket_exists", BUCKET, "pass", "Bucket example-logs exists"),
        make_check(
            "policy_not_public",
            BUCKET,
            "fail",
            "Statement Pub | grants access",
            observed={"public_statements": ["Pub"]},
            expected={"public_statements": []},
            remediation="Remove it",
        ),
    ]
    counts = count_statuses(checks)
    return {
        "generated_at": "2026-12-04T21:00:00Z",
        "region": "us-east-1",
        "account_id": "123456789012",
        "buckets": [{"name": BUCKET, "status": "fail", "summary": counts}],
        "checks": checks,
    }


def test_markdown_report():
    text = render_markdown(audit_result())

    assert text.startswith("# S3 logs bucket audit\n")
    assert "for account 123456789012" in text
    assert "| example-logs | fail | 1 | 1 | 0 | 0 | 0 |" in text
    assert "| `policy_not_public` | example-logs | fail | S3.2, S3.3 |" in text
    # A pipe inside a message must not end the table cell.
    assert "Statement Pub \\| grants access" in text
    assert "- **policy_not_public** (example-logs, fail)" in text
    assert "  - Check with: `aws s3api get-bucket-policy --bucket example-logs`" in text
    assert "**bucket_exists**" not in text


def test_summary_line():
    counts = {"pass": 14, "fail": 2, "warn": 1, "error": 0, "skipped": 3, "total": 20}

    assert summary_line(BUCKET, "fail", counts) == "example-logs: fail (14 pass, 2 fail, 1 warn, 0 error, 3 skipped)"


RETENTION = {"id": "logs-retention", "status": "enabled", "filter": {}, "expiration": {"days": 365}}


def test_lifecycle_differences_field_by_field():
    state = {"rules": [dict(RETENTION, expiration={"days": 30})], "transition_default_minimum_object_size": None}

    differences = lifecycle_differences(state, [RETENTION], {"rules": [RETENTION]})

    assert differences == ['rule logs-retention differs in expiration ({"days": 30} instead of {"days": 365})']


def test_lifecycle_differences_missing_and_extra_rules():
    other = {"id": "temp", "status": "enabled", "filter": {"prefix": "tmp/"}, "expiration": {"days": 1}}
    state = {"rules": [other], "transition_default_minimum_object_size": "all_storage_classes_128K"}
    configured = {
        "rules": [RETENTION],
        "purge_rules": True,
        "transition_default_minimum_object_size": "varies_by_storage_class",
    }

    differences = lifecycle_differences(state, [RETENTION], configured)

    assert differences == [
        "rule logs-retention is missing",
        "rules temp are not in the settings (purge_rules is true)",
        "transition_default_minimum_object_size is all_storage_classes_128K",
    ]


def test_lifecycle_differences_no_configuration():
    assert lifecycle_differences(None, [RETENTION], {"rules": [RETENTION]}) == ["the bucket has no lifecycle configuration"]
