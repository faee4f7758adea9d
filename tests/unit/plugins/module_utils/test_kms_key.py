"""Tests of the KMS key backends against recorded AWS responses: the requests each run sends, and its result."""

from __future__ import annotations

import datetime
import json

import pytest
from botocore.stub import ANY

from ansible_collections.logsafe.aws.plugins.module_utils._errors import AccessDeniedError, AwsApiError, ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._kms_key import run_key_policy_statements, run_logs_key
from ansible_collections.logsafe.aws.plugins.module_utils._kms_key_policy import (
    READERS_SID,
    ROOT_STATEMENT_SID,
    S3_USE_SID,
    root_statement,
)
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import documents_equal

ACCOUNT = "123456789012"
REGION = "us-east-1"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
ALIAS = "alias/example-logs"
BUCKET = "example-logs"
READER = "arn:aws:iam::111122223333:role/siem-reader"
CREATED = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


class PolicyText:
    """Matches a Policy parameter whose JSON has the same meaning as ``document``."""

    def __init__(self, document):
        self.document = document

    def __eq__(self, other):
        return isinstance(other, str) and documents_equal(json.loads(other), self.document)

    def __repr__(self):
        return f"PolicyText({self.document!r})"


def key_metadata(**overrides):
    """Return KeyMetadata as DescribeKey returns it for a customer managed symmetric key."""
    metadata = {
        "AWSAccountId": ACCOUNT,
        "KeyId": KEY_ID,
        "Arn": KEY_ARN,
        "CreationDate": CREATED,
        "Enabled": True,
        "Description": "Encrypts the logs delivered to S3 bucket example-logs. Managed by logsafe.aws.",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    metadata.update(overrides)
    return metadata


def logs_key_params(**overrides):
    """Return kms_logs_key's parameters as AnsibleModule passes them, with unset options as None."""
    params = {
        "alias": ALIAS,
        "bucket": BUCKET,
        "log_sources": [
            {
                "type": "cloudtrail",
                "prefix": None,
                "source_buckets": None,
                "organization_id": None,
                "trail_names": None,
                "legacy": None,
            }
        ],
        "reader_role_arns": [READER],
        "enable_rotation": True,
        "pending_window_days": None,
        "description": None,
        "tags": {"team": "security"},
        "purge_tags": True,
    }
    params.update(overrides)
    return params


def expected_policy():
    """Return the key policy that logs_key_params() requests, in the form GetKeyPolicy returns after a round trip."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            root_statement(ACCOUNT, "aws"),
            {
                "Sid": "LogsafeKeyCloudTrail",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": ["kms:DescribeKey", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": ACCOUNT},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"},
                },
            },
            {
                "Sid": READERS_SID,
                "Effect": "Allow",
                "Principal": {"AWS": READER},
                "Action": ["kms:Decrypt", "kms:DescribeKey"],
                "Resource": "*",
            },
            {
                "Sid": S3_USE_SID,
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT},
                    "StringLike": {
                        "kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{BUCKET}/*", f"arn:aws:s3:::{BUCKET}"]
                    },
                },
            },
        ],
    }


def stub_alias_not_found(stubbed_aws):
    stubbed_aws.kms.add_client_error(
        "describe_key",
        service_error_code="NotFoundException",
        service_message=f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:{ALIAS} is not found.",
        http_status_code=400,
        expected_params={"KeyId": ALIAS},
    )


def stub_existing_key(stubbed_aws, policy, rotation=True, tags=None, metadata=None):
    """Queue the reads of an existing key: DescribeKey, rotation, tags and key policy."""
    stubbed_aws.kms.add_response("describe_key", {"KeyMetadata": metadata or key_metadata()}, {"KeyId": ALIAS})
    stubbed_aws.kms.add_response("get_key_rotation_status", {"KeyRotationEnabled": rotation}, {"KeyId": KEY_ARN})
    tag_list = [{"TagKey": key, "TagValue": value} for key, value in (tags or {"team": "security"}).items()]
    stubbed_aws.kms.add_response("list_resource_tags", {"Tags": tag_list, "Truncated": False}, {"KeyId": KEY_ARN})
    stubbed_aws.kms.add_response(
        "get_key_policy",
        {"Policy": json.dumps(policy), "PolicyName": "default"},
        {"KeyId": KEY_ARN, "PolicyName": "default"},
    )


def stub_caller_identity(stubbed_aws):
    stubbed_aws.sts.add_response(
        "get_caller_identity",
        {"UserId": "AIDAEXAMPLE", "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ci"},
        {},
    )


def run(stubbed_aws, params, check_mode=False, diff=False):
    warnings = []
    result = run_logs_key(stubbed_aws.clients, params, check_mode, diff, warnings.append)
    return result, warnings


def test_new_key_created_with_alias_and_rotation(stubbed_aws):
    stub_alias_not_found(stubbed_aws)
    stub_caller_identity(stubbed_aws)
    stubbed_aws.kms.add_response(
        "create_key",
        {"KeyMetadata": key_metadata()},
        {
            "Description": "Encrypts the logs delivered to S3 bucket example-logs. Managed by logsafe.aws.",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "Policy": PolicyText(expected_policy()),
            "Tags": [{"TagKey": "team", "TagValue": "security"}],
        },
    )
    stubbed_aws.kms.add_response("create_alias", {}, {"AliasName": ALIAS, "TargetKeyId": KEY_ID})
    stubbed_aws.kms.add_response("enable_key_rotation", {}, {"KeyId": KEY_ARN})

    result, warnings = run(stubbed_aws, logs_key_params(), diff=True)

    stubbed_aws.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["created"] is True
    assert result["key_id"] == KEY_ID
    assert result["key_arn"] == KEY_ARN
    assert result["alias"] == ALIAS
    assert result["rotation_enabled"] is True
    assert documents_equal(result["key_policy"], expected_policy())
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["key_arn"] == KEY_ARN
    assert warnings == []


def test_new_key_check_mode_reads_only(stubbed_aws):
    stub_alias_not_found(stubbed_aws)
    stub_caller_identity(stubbed_aws)

    result, _warnings = run(stubbed_aws, logs_key_params(), check_mode=True)

    stubbed_aws.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["created"] is True
    assert result["key_id"] is None
    assert result["key_arn"] is None
    assert documents_equal(result["key_policy"], expected_policy())


@pytest.mark.parametrize(
    "aws_params",
    [{"region": REGION, "access_key": "testing", "secret_key": "testing", "endpoint_url": None, "account_id": ACCOUNT}],
)
def test_new_key_account_id_option_skips_sts(stubbed_aws):
    stub_alias_not_found(stubbed_aws)

    result, _warnings = run(stubbed_aws, logs_key_params(), check_mode=True)

    stubbed_aws.assert_no_pending_responses()
    assert result["created"] is True


def test_existing_key_unchanged(stubbed_aws):
    stub_existing_key(stubbed_aws, expected_policy())

    result, _warnings = run(stubbed_aws, logs_key_params(), diff=True)

    stubbed_aws.assert_no_pending_responses()
    assert result["changed"] is False
    assert result["created"] is False
    assert result["key_arn"] == KEY_ARN
    assert result["diff"]["before"] == result["diff"]["after"]


def test_existing_key_drift_written(stubbed_aws):
    policy_without_readers = dict(
        expected_policy(), Statement=[item for item in expected_policy()["Statement"] if item["Sid"] != READERS_SID]
    )
    stub_existing_key(stubbed_aws, policy_without_readers, rotation=False, tags={"team": "ops", "old": "x"})
    stubbed_aws.kms.add_response(
        "put_key_policy", {}, {"KeyId": KEY_ARN, "PolicyName": "default", "Policy": PolicyText(expected_policy())}
    )
    stubbed_aws.kms.add_response("enable_key_rotation", {}, {"KeyId": KEY_ARN})
    stubbed_aws.kms.add_response("untag_resource", {}, {"KeyId": KEY_ARN, "TagKeys": ["old"]})
    stubbed_aws.kms.add_response(
        "tag_resource", {}, {"KeyId": KEY_ARN, "Tags": [{"TagKey": "team", "TagValue": "security"}]}
    )

    result, _warnings = run(stubbed_aws, logs_key_params())

    stubbed_aws.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["created"] is False
    assert result["tags"] == {"team": "security"}
    assert result["rotation_enabled"] is True


def test_existing_key_check_mode_no_write(stubbed_aws):
    stub_existing_key(stubbed_aws, expected_policy(), rotation=False)

    result, _warnings = run(stubbed_aws, logs_key_params(), check_mode=True, diff=True)

    stubbed_aws.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["diff"]["before"]["rotation_enabled"] is False
    assert result["diff"]["after"]["rotation_enabled"] is True


def test_description_kept_when_unset(stubbed_aws):
    stub_existing_key(stubbed_aws, expected_policy(), metadata=key_metadata(Description="Set by hand"))

    result, _warnings = run(stubbed_aws, logs_key_params())

    assert result["changed"] is False
    assert result["description"] == "Set by hand"


def test_pending_deletion_key_rejected(stubbed_aws):
    stubbed_aws.kms.add_response(
        "describe_key",
        {"KeyMetadata": key_metadata(KeyState="PendingDeletion", Enabled=False, DeletionDate=CREATED)},
        {"KeyId": ALIAS},
    )

    with pytest.raises(ValidationError, match=f"KMS key {ALIAS} \\({KEY_ARN}\\) is pending deletion") as raised:
        run(stubbed_aws, logs_key_params())

    assert f"aws kms cancel-key-deletion --key-id {KEY_ARN}" in raised.value.message
    stubbed_aws.assert_no_pending_responses()


def test_disabled_key_rejected(stubbed_aws):
    stubbed_aws.kms.add_response(
        "describe_key", {"KeyMetadata": key_metadata(KeyState="Disabled", Enabled=False)}, {"KeyId": ALIAS}
    )

    with pytest.raises(ValidationError, match="is in state Disabled, not Enabled") as raised:
        run(stubbed_aws, logs_key_params())

    assert f"aws kms enable-key --key-id {KEY_ARN}" in raised.value.message


def test_asymmetric_key_rejected(stubbed_aws):
    stubbed_aws.kms.add_response(
        "describe_key", {"KeyMetadata": key_metadata(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")}, {"KeyId": ALIAS}
    )

    with pytest.raises(ValidationError, match="it is a RSA_2048 key, and S3 supports only symmetric keys"):
        run(stubbed_aws, logs_key_params())


def test_alias_failure_names_new_key(stubbed_aws):
    stub_alias_not_found(stubbed_aws)
    stub_caller_identity(stubbed_aws)
    stubbed_aws.kms.add_response(
        "create_key",
        {"KeyMetadata": key_metadata()},
        {
            "Description": ANY,
            "KeyUsage": ANY,
            "KeySpec": ANY,
            "Policy": ANY,
            "Tags": ANY,
        },
    )
    stubbed_aws.kms.add_client_error(
        "create_alias",
        service_error_code="AlreadyExistsException",
        service_message=f"An alias with the name arn:aws:kms:{REGION}:{ACCOUNT}:{ALIAS} already exists",
        http_status_code=400,
    )

    with pytest.raises(AwsApiError) as raised:
        run(stubbed_aws, logs_key_params())

    message = raised.value.message
    assert "already exists (AlreadyExistsException, CreateAlias)" in message
    assert f"The key {KEY_ARN} was created without its alias or rotation" in message
    assert f"aws kms create-alias --alias-name {ALIAS} --target-key-id {KEY_ID}" in message
    assert raised.value.details["partial_result"] == {"key_id": KEY_ID, "key_arn": KEY_ARN, "created": True}
    assert raised.value.details["written"] == {"key": True}


def test_new_key_not_found_retried(stubbed_aws):
    stub_alias_not_found(stubbed_aws)
    stub_caller_identity(stubbed_aws)
    stubbed_aws.kms.add_response(
        "create_key",
        {"KeyMetadata": key_metadata()},
        {
            "Description": ANY,
            "KeyUsage": ANY,
            "KeySpec": ANY,
            "Policy": ANY,
            "Tags": ANY,
        },
    )
    stubbed_aws.kms.add_client_error("create_alias", service_error_code="NotFoundException", http_status_code=400)
    stubbed_aws.kms.add_response("create_alias", {}, {"AliasName": ALIAS, "TargetKeyId": KEY_ID})
    stubbed_aws.kms.add_response("enable_key_rotation", {}, {"KeyId": KEY_ARN})

    result, _warnings = run(stubbed_aws, logs_key_params())

    stubbed_aws.assert_no_pending_responses()
    assert result["retries"] == 1
    assert len(stubbed_aws.sleeps) == 1


def test_access_denied_names_kms_action(stubbed_aws):
    stub_existing_key(stubbed_aws, {"Version": "2012-10-17", "Statement": [root_statement(ACCOUNT, "aws")]})
    stubbed_aws.kms.add_client_error(
        "put_key_policy",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: kms:PutKeyPolicy",
        http_status_code=400,
    )

    with pytest.raises(AccessDeniedError) as raised:
        run(stubbed_aws, logs_key_params())

    assert raised.value.message.endswith("(AccessDeniedException, PutKeyPolicy). Grant kms:PutKeyPolicy to the caller.")
    assert raised.value.operation == "PutKeyPolicy"


VALIDATION_CASES = [
    pytest.param({"alias": "alias/aws/s3"}, "aliases that start with alias/aws/ are reserved", id="aws-alias"),
    pytest.param({"alias": "alias/has space"}, "Invalid alias 'alias/has space'", id="bad-alias"),
    pytest.param({"log_sources": [{"type": "alb"}]}, "which Elastic Load Balancing writes only to buckets", id="alb"),
    pytest.param({"bucket": None}, "Missing bucket for KMS key alias/example-logs", id="sources-without-bucket"),
    pytest.param({"tags": {"aws:owner": "x"}}, "keys that start with 'aws:' are reserved", id="aws-tag"),
    pytest.param({"pending_window_days": 3}, "Invalid pending_window_days 3", id="short-window"),
    pytest.param({"reader_role_arns": ["siem"]}, "Invalid reader role ARN 'siem'", id="bad-reader"),
    pytest.param({"log_sources": [{"type": "waf"}]}, "cannot receive AWS WAF logs", id="waf-bucket-name"),
]


@pytest.mark.parametrize("overrides, message", VALIDATION_CASES)
def test_invalid_options_rejected_before_requests(stubbed_aws, overrides, message):
    with pytest.raises(ValidationError) as raised:
        run(stubbed_aws, logs_key_params(**overrides))

    assert message in raised.value.message


def test_alias_without_prefix_accepted(stubbed_aws):
    stub_existing_key(stubbed_aws, expected_policy())

    result, _warnings = run(stubbed_aws, logs_key_params(alias="example-logs"))

    assert result["alias"] == ALIAS
    assert result["changed"] is False


def statements_params(**overrides):
    """Return kms_key_policy_statements' parameters as AnsibleModule passes them."""
    params = {
        "key": ALIAS,
        "log_sources": None,
        "bucket": None,
        "reader_role_arns": None,
        "pending_window_days": None,
        "statements": None,
        "remove_sids": None,
        "purge_statements": False,
    }
    params.update(overrides)
    return params


def stub_key_and_policy(stubbed_aws, policy, metadata=None):
    stubbed_aws.kms.add_response("describe_key", {"KeyMetadata": metadata or key_metadata()}, {"KeyId": ALIAS})
    stubbed_aws.kms.add_response(
        "get_key_policy",
        {"Policy": json.dumps(policy), "PolicyName": "default"},
        {"KeyId": KEY_ARN, "PolicyName": "default"},
    )


def test_statements_added_to_key_policy(stubbed_aws):
    current = {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [root_statement(ACCOUNT, "aws")]}
    stub_key_and_policy(stubbed_aws, current)
    wanted = dict(current, Statement=[*current["Statement"], expected_policy()["Statement"][2]])
    stubbed_aws.kms.add_response(
        "put_key_policy", {}, {"KeyId": KEY_ARN, "PolicyName": "default", "Policy": PolicyText(wanted)}
    )

    result = run_key_policy_statements(
        stubbed_aws.clients, statements_params(reader_role_arns=[READER]), False, True, lambda text: None
    )

    stubbed_aws.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["key_id"] == KEY_ID
    assert result["diff"]["before"] == {"key_policy": current}
    assert documents_equal(result["diff"]["after"]["key_policy"], wanted)


def test_statements_unchanged_reordered(stubbed_aws):
    stored = expected_policy()
    stored["Statement"].reverse()
    stub_key_and_policy(stubbed_aws, stored)

    result = run_key_policy_statements(
        stubbed_aws.clients,
        statements_params(reader_role_arns=[READER], bucket=BUCKET),
        False,
        False,
        lambda text: None,
    )

    stubbed_aws.assert_no_pending_responses()
    assert result["changed"] is False


def test_statements_key_not_found(stubbed_aws):
    stub_alias_not_found(stubbed_aws)

    with pytest.raises(ValidationError, match=f"KMS key {ALIAS} was not found in region {REGION}"):
        run_key_policy_statements(stubbed_aws.clients, statements_params(), False, False, lambda text: None)


def test_statements_aws_managed_key_rejected(stubbed_aws):
    stubbed_aws.kms.add_response("describe_key", {"KeyMetadata": key_metadata(KeyManager="AWS")}, {"KeyId": ALIAS})

    with pytest.raises(ValidationError, match="is an AWS managed key, whose key policy cannot be changed"):
        run_key_policy_statements(stubbed_aws.clients, statements_params(), False, False, lambda text: None)


def test_statements_remove_root_warns(stubbed_aws):
    current = {"Version": "2012-10-17", "Statement": [root_statement(ACCOUNT, "aws")]}
    stub_key_and_policy(stubbed_aws, current)
    warnings = []

    result = run_key_policy_statements(
        stubbed_aws.clients, statements_params(remove_sids=[ROOT_STATEMENT_SID]), False, False, warnings.append
    )

    stubbed_aws.assert_no_pending_responses()
    assert result["changed"] is False
    assert warnings == [
        f"KMS key {ALIAS}: Statement '{ROOT_STATEMENT_SID}' of the key policy was kept: it gives the account root "
        "kms:*, and without it nobody in the account could change the key policy again."
    ]


@pytest.mark.parametrize(
    "key, message",
    [
        pytest.param("alias/aws/s3", "aliases under alias/aws/ name AWS managed keys", id="aws-s3-alias"),
        pytest.param(f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/s3", "name AWS managed keys", id="aws-s3-alias-arn"),
        pytest.param("alias/aws/ebs", "name AWS managed keys", id="other-aws-alias"),
        pytest.param("not a key", "give a key id, a key ARN", id="garbage"),
        pytest.param(
            f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{KEY_ID}", "the key is in region eu-west-1", id="other-region"
        ),
    ],
)
def test_statements_invalid_key_rejected_before_requests(stubbed_aws, key, message):
    with pytest.raises(ValidationError) as raised:
        run_key_policy_statements(stubbed_aws.clients, statements_params(key=key), False, False, lambda text: None)

    assert message in raised.value.message
