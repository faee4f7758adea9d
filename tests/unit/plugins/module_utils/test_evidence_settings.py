"""Unit tests for the evidence-grade settings: extra policy statements, the delivery-grant check and Object Lock."""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._object_lock import ObjectLockConcern, retention_days
from ansible_collections.logsafe.aws.plugins.module_utils._policy import PolicyConcern
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    deny_deletion_statement,
    deny_other_encryption_statement,
    grants_s3_log_delivery,
    read_access_statements,
    s3_access_logs_statement,
)

BUCKET = "example-logs"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
TARGET_ARN = "arn:aws:s3:::example-logs-access-logs"
ACCOUNT = "123456789012"
SOURCE_ARN = f"arn:aws:s3:::{BUCKET}"


def test_deny_other_encryption_allows_default():
    statement = deny_other_encryption_statement(BUCKET_ARN, "aws:kms", "arn:aws:kms:us-east-1:123456789012:key/abc")

    condition = statement["Condition"]["StringNotEqualsIfExists"]
    assert statement["Effect"] == "Deny"
    assert condition["s3:x-amz-server-side-encryption"] == "aws:kms"
    assert condition["s3:x-amz-server-side-encryption-aws-kms-key-id"] == "arn:aws:kms:us-east-1:123456789012:key/abc"


def test_deny_other_encryption_sse_s3_has_no_key():
    statement = deny_other_encryption_statement(BUCKET_ARN, "AES256", None)

    assert statement["Condition"] == {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "AES256"}}


def test_deny_deletion_exempts_break_glass():
    statement = deny_deletion_statement(BUCKET_ARN, ["arn:aws:iam::123456789012:role/break-glass"])

    assert "s3:DeleteObjectVersion" in statement["Action"]
    assert "s3:PutBucketPolicy" in statement["Action"]
    assert statement["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/break-glass"]}}


def test_read_access_principals_and_organization():
    statements = read_access_statements(BUCKET_ARN, ["arn:aws:iam::111122223333:role/siem"], "o-abcdefghij")

    assert [item["Sid"] for item in statements] == ["LogsafeReadAccess", "LogsafeReadAccessOrganization"]
    assert statements[1]["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}


def test_read_access_nothing_given():
    assert read_access_statements(BUCKET_ARN, [], None) == []


GRANT_CASES = [
    pytest.param(s3_access_logs_statement(TARGET_ARN, "example-logs/", BUCKET, ACCOUNT), "example-logs/", True, id="own-statement"),
    pytest.param(s3_access_logs_statement(TARGET_ARN, "other/", BUCKET, ACCOUNT), "example-logs/", False, id="other-prefix"),
    pytest.param(s3_access_logs_statement(TARGET_ARN, "", "other-bucket", ACCOUNT), "", False, id="other-source"),
    pytest.param(s3_access_logs_statement(TARGET_ARN, "", BUCKET, "999999999999"), "", False, id="other-account"),
    pytest.param(
        {
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{TARGET_ARN}/*",
        },
        "any/",
        True,
        id="whole-bucket-no-conditions",
    ),
    pytest.param(
        {
            "Effect": "Deny",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{TARGET_ARN}/*",
        },
        "",
        False,
        id="deny",
    ),
]


@pytest.mark.parametrize(("statement", "prefix", "expected"), GRANT_CASES)
def test_grants_s3_log_delivery(statement, prefix, expected):
    document = {"Version": "2012-10-17", "Statement": [statement]}

    assert grants_s3_log_delivery(document, TARGET_ARN, prefix, SOURCE_ARN, ACCOUNT) is expected


def test_grants_s3_log_delivery_no_policy():
    assert grants_s3_log_delivery(None, TARGET_ARN, "", SOURCE_ARN, ACCOUNT) is False


def test_deletion_protection_needs_break_glass(stubbed_aws):
    concern = PolicyConcern(stubbed_aws.context(), {"deletion_protection": True})

    with pytest.raises(ValidationError) as raised:
        concern.validate()

    assert "break_glass_role_arns" in str(raised.value)


def test_read_organization_id_format(stubbed_aws):
    concern = PolicyConcern(stubbed_aws.context(), {"read_organization_id": "org-1"})

    with pytest.raises(ValidationError) as raised:
        concern.validate()

    assert "org-1" in str(raised.value)


OBJECT_LOCK_INVALID = [
    pytest.param({"mode": "LEGAL", "days": 1}, "GOVERNANCE", id="mode"),
    pytest.param({"mode": "GOVERNANCE"}, "exactly one of days and years", id="no-period"),
    pytest.param({"mode": "GOVERNANCE", "days": 1, "years": 1}, "exactly one of days and years", id="both-periods"),
]


@pytest.mark.parametrize(("options", "message"), OBJECT_LOCK_INVALID)
def test_object_lock_validate(stubbed_aws, options, message):
    concern = ObjectLockConcern(stubbed_aws.context(), options)

    with pytest.raises(ValidationError) as raised:
        concern.validate()

    assert message in str(raised.value)


def test_object_lock_sets_create_parameter(stubbed_aws):
    ctx = stubbed_aws.context()

    ObjectLockConcern(ctx, {"mode": "COMPLIANCE", "years": 1})

    assert ctx.create_kwargs == {"ObjectLockEnabledForBucket": True}


def test_object_lock_existing_bucket_refused(stubbed_aws):
    stubbed_aws.s3.add_client_error(
        "get_object_lock_configuration",
        service_error_code="ObjectLockConfigurationNotFoundError",
        service_message="Object Lock configuration does not exist for this bucket",
        http_status_code=404,
        expected_params={"Bucket": stubbed_aws.context().name},
    )
    concern = ObjectLockConcern(stubbed_aws.context(), {"mode": "GOVERNANCE", "days": 30})

    with pytest.raises(ValidationError) as raised:
        stubbed_aws.run(concern)

    assert "Nothing was changed" in str(raised.value)


def test_object_lock_read_treats_zero_as_unset(stubbed_aws):
    configuration = {
        "ObjectLockConfiguration": {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30, "Years": 0}},
        }
    }
    stubbed_aws.s3.add_response("get_object_lock_configuration", configuration, {"Bucket": stubbed_aws.context().name})
    concern = ObjectLockConcern(stubbed_aws.context(), {"mode": "GOVERNANCE", "days": 30})

    changed, current, _desired = stubbed_aws.run(concern)

    assert changed is False
    assert current == {"enabled": True, "mode": "GOVERNANCE", "days": 30, "years": None}


@pytest.mark.parametrize(("state", "days"), [({"days": 30}, 30), ({"years": 2}, 730), ({}, None)])
def test_retention_days(state, days):
    assert retention_days(state) == days
