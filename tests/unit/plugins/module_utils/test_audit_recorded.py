"""Tests of the audit against recorded AWS responses (botocore Stubber).

These cover what a moto server cannot serve: the IAM policy simulator (moto
returns HTTP 500), the account-level public access block (S3 Control puts the
account id in front of the host name, which a loopback endpoint cannot
resolve), denied reads, and KMS states that moto does not reject.
"""

from __future__ import annotations

import datetime
import json
import urllib.parse

import pytest
from botocore.stub import Stubber

from ansible_collections.logsafe.aws.plugins.module_utils._audit import BucketAudit
from ansible_collections.logsafe.aws.plugins.module_utils._audit_bucket_checks import SettingChecks
from ansible_collections.logsafe.aws.plugins.module_utils._audit_context import AccountReads, AuditSettings
from ansible_collections.logsafe.aws.plugins.module_utils._audit_iam import IamReader, principal_access_check
from ansible_collections.logsafe.aws.plugins.module_utils._audit_kms import key_checks
from ansible_collections.logsafe.aws.plugins.module_utils._bucket_info import BucketInfo
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AccessDeniedError, AwsApiError

BUCKET = "example-logs"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
ACCOUNT = "123456789012"
USER = "log-shipper"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/{USER}"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"
CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
FLAGS_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


@pytest.fixture
def aws_params(aws_params):
    # With the account id given, no STS request is needed.
    return dict(aws_params, account_id=ACCOUNT)


@pytest.fixture
def stubber_of(stubbed_aws):
    """Return a function that wraps one more client of the stubbed session (iam, s3control) in an active Stubber."""
    stubbers = []

    def wrap(service):
        stubber = Stubber(stubbed_aws.clients.client(service))
        stubber.activate()
        stubbers.append(stubber)
        return stubber

    yield wrap
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def setting_checks(stubbed_aws, params=None):
    settings = AuditSettings(params or {}, BUCKET)
    shared = AccountReads(stubbed_aws.clients, settings)
    info = BucketInfo(stubbed_aws.clients, BUCKET, None)
    return SettingChecks(stubbed_aws.clients, BUCKET, settings, shared, info)


# Account-level public access block (s3control)


def test_account_block_all_on_passes(stubbed_aws, stubber_of):
    s3control = stubber_of("s3control")
    s3control.add_response(
        "get_public_access_block", {"PublicAccessBlockConfiguration": FLAGS_ON}, {"AccountId": ACCOUNT}
    )

    check = setting_checks(stubbed_aws).account_public_access_block_check()

    assert check["status"] == "pass"
    assert check["command"] == f"aws s3control get-public-access-block --account-id {ACCOUNT}"
    assert check["security_hub"] == ["S3.1"]


def test_account_block_partly_off_warns(stubbed_aws, stubber_of):
    s3control = stubber_of("s3control")
    flags = dict(FLAGS_ON, RestrictPublicBuckets=False)
    s3control.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": flags}, {"AccountId": ACCOUNT})

    check = setting_checks(stubbed_aws).account_public_access_block_check()

    assert check["status"] == "warn"
    assert "restrict_public_buckets off" in check["message"]
    assert check["observed"]["restrict_public_buckets"] is False


def test_account_block_missing_warns(stubbed_aws, stubber_of):
    s3control = stubber_of("s3control")
    s3control.add_client_error(
        "get_public_access_block",
        service_error_code="NoSuchPublicAccessBlockConfiguration",
        http_status_code=404,
        expected_params={"AccountId": ACCOUNT},
    )

    check = setting_checks(stubbed_aws).account_public_access_block_check()

    assert check["status"] == "warn"
    assert "no account-level public access block" in check["message"]


def test_account_block_denied_names_action(stubbed_aws, stubber_of):
    s3control = stubber_of("s3control")
    s3control.add_client_error(
        "get_public_access_block", service_error_code="AccessDenied", http_status_code=403, expected_params={"AccountId": ACCOUNT}
    )

    check = setting_checks(stubbed_aws).account_public_access_block_check()

    assert check["status"] == "warn"
    assert check["iam_action"] == "s3:GetAccountPublicAccessBlock"
    assert "s3:GetAccountPublicAccessBlock" in check["message"]


def test_account_block_skipped_with_endpoint(stubbed_aws):
    check = setting_checks(stubbed_aws, {"endpoint_url": "http://127.0.0.1:1"}).account_public_access_block_check()

    assert check["status"] == "skipped"
    assert "S3 Control" in check["message"]


# IAM principals: the policy simulator and the fallback


def stub_user_policies(iam, document):
    """Queue the reads of a user with one attached managed policy and no inline policy or group."""
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/logs-write"
    iam.add_response(
        "get_user",
        {"User": {"Path": "/", "UserName": USER, "UserId": "AIDAEXAMPLEUSERID01", "Arn": USER_ARN, "CreateDate": CREATED}},
        {"UserName": USER},
    )
    iam.add_response(
        "list_attached_user_policies",
        {"AttachedPolicies": [{"PolicyName": "logs-write", "PolicyArn": policy_arn}], "IsTruncated": False},
        {"UserName": USER},
    )
    iam.add_response("list_user_policies", {"PolicyNames": [], "IsTruncated": False}, {"UserName": USER})
    iam.add_response("get_policy", {"Policy": {"PolicyName": "logs-write", "DefaultVersionId": "v2"}}, {"PolicyArn": policy_arn})
    iam.add_response(
        "get_policy_version",
        # The IAM API returns documents URL-encoded.
        {"PolicyVersion": {"Document": urllib.parse.quote(json.dumps(document)), "VersionId": "v2"}},
        {"PolicyArn": policy_arn, "VersionId": "v2"},
    )
    iam.add_response("list_groups_for_user", {"Groups": [], "IsTruncated": False}, {"UserName": USER})


def simulation(decisions, resource):
    return {
        "EvaluationResults": [
            {"EvalActionName": action, "EvalResourceName": resource, "EvalDecision": decision}
            for action, decision in decisions.items()
        ],
        "IsTruncated": False,
    }


WRITE_READ_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": f"{BUCKET_ARN}/*"},
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY_ARN},
    ],
}


def test_simulator_allows_everything(stubbed_aws, stubber_of):
    iam = stubber_of("iam")
    stub_user_policies(iam, WRITE_READ_POLICY)
    iam.add_response(
        "simulate_principal_policy",
        simulation({"s3:PutObject": "allowed", "s3:GetObject": "allowed"}, f"{BUCKET_ARN}/*"),
        {"PolicySourceArn": USER_ARN, "ActionNames": ["s3:PutObject", "s3:GetObject"], "ResourceArns": [f"{BUCKET_ARN}/*"]},
    )
    iam.add_response(
        "simulate_principal_policy",
        simulation({"kms:GenerateDataKey": "allowed", "kms:Decrypt": "allowed"}, KEY_ARN),
        {"PolicySourceArn": USER_ARN, "ActionNames": ["kms:GenerateDataKey", "kms:Decrypt"], "ResourceArns": [KEY_ARN]},
    )

    check = principal_access_check(IamReader(stubbed_aws.clients), "user", USER, BUCKET, BUCKET_ARN, KEY_ARN)

    assert check["status"] == "pass", check["message"]
    assert check["id"] == "iam_user_access"
    assert check["subject"] == f"user/{USER}"
    assert check["observed"]["evaluated_with"] == "iam:SimulatePrincipalPolicy"
    assert check["observed"]["attached_policies"] == ["logs-write"]
    assert check["command"] == f"aws iam list-attached-user-policies --user-name {USER}"
    assert "not available" not in check["message"]


def test_simulator_denial_fails_naming_action(stubbed_aws, stubber_of):
    iam = stubber_of("iam")
    stub_user_policies(iam, WRITE_READ_POLICY)
    iam.add_response(
        "simulate_principal_policy", simulation({"s3:PutObject": "allowed", "s3:GetObject": "allowed"}, f"{BUCKET_ARN}/*")
    )
    iam.add_response(
        "simulate_principal_policy", simulation({"kms:GenerateDataKey": "allowed", "kms:Decrypt": "explicitDeny"}, KEY_ARN)
    )

    check = principal_access_check(IamReader(stubbed_aws.clients), "user", USER, BUCKET, BUCKET_ARN, KEY_ARN)

    assert check["status"] == "fail"
    assert check["observed"]["decisions"]["kms:Decrypt"] == "explicit_deny"
    assert "It cannot kms:Decrypt (explicit_deny)" in check["message"]
    assert f"kms:GenerateDataKey and kms:Decrypt on {KEY_ARN}" in check["message"]


def test_simulator_denied_falls_back_to_documents(stubbed_aws, stubber_of):
    iam = stubber_of("iam")
    stub_user_policies(iam, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    iam.add_client_error("simulate_principal_policy", service_error_code="AccessDenied", http_status_code=403)

    check = principal_access_check(IamReader(stubbed_aws.clients), "user", USER, BUCKET, BUCKET_ARN, None)

    assert check["status"] == "warn"
    assert check["observed"]["evaluated_with"] == "policy documents"
    assert check["observed"]["decisions"] == {"s3:PutObject": "allowed", "s3:GetObject": "allowed"}
    assert check["observed"]["wildcard_s3_grants"] == ["managed policy logs-write"]
    assert "iam:SimulatePrincipalPolicy was not available" in check["message"]
    assert "IAM.21" in check["message"]


def test_principal_missing_fails(stubbed_aws, stubber_of):
    iam = stubber_of("iam")
    iam.add_client_error("get_role", service_error_code="NoSuchEntity", http_status_code=404, expected_params={"RoleName": "reader"})

    check = principal_access_check(IamReader(stubbed_aws.clients), "role", "reader", BUCKET, BUCKET_ARN, None)

    assert check["status"] == "fail"
    assert check["id"] == "iam_role_access"
    assert "IAM role reader does not exist" in check["message"]
    assert check["command"] == "aws iam list-attached-role-policies --role-name reader"


def test_principal_read_denied_is_error(stubbed_aws, stubber_of):
    iam = stubber_of("iam")
    iam.add_client_error("get_user", service_error_code="AccessDenied", http_status_code=403)

    check = principal_access_check(IamReader(stubbed_aws.clients), "user", USER, BUCKET, BUCKET_ARN, None)

    assert check["status"] == "error"
    assert check["iam_action"] == "iam:GetUser"
    assert "Grant iam:GetUser to the caller" in check["message"]


# KMS key


def key_metadata(**changes):
    metadata = {
        "AWSAccountId": ACCOUNT,
        "KeyId": KEY_ID,
        "Arn": KEY_ARN,
        "KeyState": "Enabled",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyManager": "CUSTOMER",
    }
    metadata.update(changes)
    return metadata


ENCRYPTION = {"sse_algorithm": "aws:kms", "kms_key": KEY_ARN, "bucket_key_enabled": True}
DEFAULT_KEY_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}],
    }
)


def by_id(checks):
    return {check["id"]: check for check in checks}


def test_key_pending_deletion(stubbed_aws):
    stubbed_aws.kms.add_client_error(
        "get_key_rotation_status", service_error_code="KMSInvalidStateException", http_status_code=400,
        expected_params={"KeyId": KEY_ARN},
    )
    stubbed_aws.kms.add_response("get_key_policy", {"Policy": DEFAULT_KEY_POLICY}, {"KeyId": KEY_ARN, "PolicyName": "default"})
    metadata = key_metadata(KeyState="PendingDeletion", DeletionDate=datetime.datetime(2027, 1, 8, tzinfo=datetime.timezone.utc))

    checks = by_id(key_checks(stubbed_aws.clients, BUCKET, ENCRYPTION, None, metadata, None, [], []))

    assert checks["kms_key_state"]["status"] == "fail"
    assert "pending deletion (deletion date 2027-01-08" in checks["kms_key_state"]["message"]
    assert "cancel-key-deletion" in checks["kms_key_state"]["message"]
    assert checks["kms_key_rotation"]["status"] == "fail"
    assert "KMSInvalidStateException" in checks["kms_key_rotation"]["message"]
    assert checks["kms_key_policy"]["status"] == "pass"
    stubbed_aws.assert_no_pending_responses()


def test_key_policy_missing_service_grant(stubbed_aws):
    stubbed_aws.kms.add_response("get_key_rotation_status", {"KeyRotationEnabled": True}, {"KeyId": KEY_ARN})
    stubbed_aws.kms.add_response("get_key_policy", {"Policy": DEFAULT_KEY_POLICY}, {"KeyId": KEY_ARN, "PolicyName": "default"})

    checks = by_id(
        key_checks(stubbed_aws.clients, BUCKET, ENCRYPTION, None, key_metadata(), None, [{"type": "cloudtrail"}], [])
    )

    assert checks["kms_key_state"]["status"] == "pass"
    assert checks["kms_key_rotation"]["status"] == "pass"
    policy = checks["kms_key_policy"]
    assert policy["status"] == "fail"
    assert "does not grant kms:GenerateDataKey*, kms:DescribeKey to cloudtrail.amazonaws.com" in policy["message"]
    assert policy["observed"]["services"]["cloudtrail.amazonaws.com"]["missing"] == ["kms:GenerateDataKey*", "kms:DescribeKey"]


def test_key_policy_denied_is_error(stubbed_aws):
    stubbed_aws.kms.add_response("get_key_rotation_status", {"KeyRotationEnabled": False}, {"KeyId": KEY_ARN})
    stubbed_aws.kms.add_client_error("get_key_policy", service_error_code="AccessDeniedException", http_status_code=400)

    checks = by_id(key_checks(stubbed_aws.clients, BUCKET, ENCRYPTION, None, key_metadata(), None, [], []))

    assert checks["kms_key_rotation"]["status"] == "fail"
    assert "enable-key-rotation" in checks["kms_key_rotation"]["message"]
    assert checks["kms_key_policy"]["status"] == "error"
    assert checks["kms_key_policy"]["iam_action"] == "kms:GetKeyPolicy"


def test_aws_managed_key_reported_as_such(stubbed_aws):
    encryption = {"sse_algorithm": "aws:kms", "kms_key": None, "bucket_key_enabled": True}

    checks = by_id(key_checks(stubbed_aws.clients, BUCKET, encryption, None, None, None, [], []))

    assert [check["status"] for check in checks.values()] == ["pass", "pass", "pass"]
    assert "AWS managed key alias/aws/s3" in checks["kms_key_state"]["message"]
    assert "rotates every year" in checks["kms_key_rotation"]["message"]


def test_aws_managed_key_cannot_grant_services(stubbed_aws):
    encryption = {"sse_algorithm": "aws:kms", "kms_key": None, "bucket_key_enabled": True}

    checks = by_id(key_checks(stubbed_aws.clients, BUCKET, encryption, None, None, None, [{"type": "vpc_flow_logs"}], []))

    assert checks["kms_key_policy"]["status"] == "fail"
    assert "delivery.logs.amazonaws.com" in checks["kms_key_policy"]["message"]


def test_sse_s3_skips_key_checks(stubbed_aws):
    encryption = {"sse_algorithm": "AES256", "kms_key": None, "bucket_key_enabled": False}

    checks = key_checks(stubbed_aws.clients, BUCKET, encryption, None, None, None, [], [])

    assert [check["status"] for check in checks] == ["skipped"] * 3


# Existence


def test_absent_bucket_skips_the_other_checks(stubbed_aws):
    stubbed_aws.s3.add_client_error("head_bucket", service_error_code="404", http_status_code=404, expected_params={"Bucket": BUCKET})
    settings = AuditSettings({"endpoint_url": "http://127.0.0.1:1"}, BUCKET)
    audit = BucketAudit(stubbed_aws.clients, BUCKET, settings, AccountReads(stubbed_aws.clients, settings))

    checks = audit.run()

    assert checks[0]["id"] == "bucket_exists"
    assert checks[0]["status"] == "fail"
    assert "does not exist (HeadBucket answered 404 Not Found)" in checks[0]["message"]
    assert {check["status"] for check in checks[1:]} == {"skipped"}
    assert len(checks) == 17
    assert audit.exists is False
    stubbed_aws.assert_no_pending_responses()


def test_forbidden_bucket_fails_naming_list_bucket(stubbed_aws):
    settings = AuditSettings({}, BUCKET)
    audit = BucketAudit(stubbed_aws.clients, BUCKET, settings, AccountReads(stubbed_aws.clients, settings))
    error = AwsApiError("Bucket example-logs exists but ...", operation="HeadBucket", error_code="403", bucket=BUCKET)

    check = audit._bucket_check(None, error)

    assert check["status"] == "fail"
    assert "HeadBucket answered 403 Forbidden" in check["message"]
    assert check["iam_action"] == "s3:ListBucket"


def test_info_tolerates_read_errors(stubbed_aws):
    stubbed_aws.s3.add_client_error("get_bucket_policy", service_error_code="InternalError", http_status_code=500)
    info = BucketInfo(stubbed_aws.clients, BUCKET, None, tolerate_errors=True)

    info._read("policy")

    assert "policy" not in info.states
    assert info.read_exceptions["policy"].error_code == "InternalError"
    assert not isinstance(info.read_exceptions["policy"], AccessDeniedError)
