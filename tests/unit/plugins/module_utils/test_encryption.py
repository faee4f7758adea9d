"""Tests of default encryption: KMS key references, validation, and the KMS requests that a run sends."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._encryption import (
    EncryptionConcern,
    parse_kms_key,
    same_key_without_request,
)
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError

BUCKET = "example-logs"
ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY_ID = "0987dcba-09fe-87dc-65ba-ab0987654321"
MRK_ID = "mrk-1234abcd12ab34cd56ef1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"
ALIAS = "alias/logs"
ALIAS_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/logs"
MANAGED_ALIAS_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/s3"


PARSE_CASES = [
    pytest.param(None, {"form": "aws_managed", "key_id": None, "region": None}, id="none"),
    pytest.param("", {"form": "aws_managed", "key_id": None, "region": None}, id="empty"),
    pytest.param("alias/aws/s3", {"form": "aws_managed", "key_id": None, "region": None}, id="managed-alias"),
    pytest.param(MANAGED_ALIAS_ARN, {"form": "aws_managed", "key_id": None, "region": "us-east-1"}, id="managed-alias-arn"),
    pytest.param(KEY_ID, {"form": "key_id", "key_id": KEY_ID, "region": None}, id="key-id"),
    pytest.param(MRK_ID, {"form": "key_id", "key_id": MRK_ID, "region": None}, id="multi-region-key-id"),
    pytest.param(KEY_ARN, {"form": "key_arn", "key_id": KEY_ID, "region": "us-east-1"}, id="key-arn"),
    pytest.param(
        f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{MRK_ID}",
        {"form": "key_arn", "key_id": MRK_ID, "region": "eu-west-1"},
        id="multi-region-key-arn",
    ),
    pytest.param(ALIAS, {"form": "alias", "key_id": None, "region": None}, id="alias-name"),
    pytest.param("alias/team/logs_2", {"form": "alias", "key_id": None, "region": None}, id="alias-name-with-path"),
    pytest.param(ALIAS_ARN, {"form": "alias_arn", "key_id": None, "region": "us-east-1"}, id="alias-arn"),
    pytest.param(
        f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:key/{KEY_ID}",
        {"form": "key_arn", "key_id": KEY_ID, "region": "cn-north-1"},
        id="china-key-arn",
    ),
    pytest.param(
        f"arn:aws-us-gov:kms:us-gov-west-1:{ACCOUNT}:alias/logs",
        {"form": "alias_arn", "key_id": None, "region": "us-gov-west-1"},
        id="govcloud-alias-arn",
    ),
    pytest.param(
        f"arn:aws-us-gov:kms:us-gov-west-1:{ACCOUNT}:alias/aws/s3",
        {"form": "aws_managed", "key_id": None, "region": "us-gov-west-1"},
        id="govcloud-managed-alias-arn",
    ),
    pytest.param("not-a-key", {"form": "invalid", "key_id": None, "region": None}, id="garbage"),
    pytest.param("logs", {"form": "invalid", "key_id": None, "region": None}, id="alias-without-prefix"),
    pytest.param("1234abcd", {"form": "invalid", "key_id": None, "region": None}, id="short-key-id"),
    pytest.param(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/not-a-uuid", {"form": "invalid", "key_id": None, "region": None}, id="bad-key-arn"),
    pytest.param(f"arn:aws:s3:::{BUCKET}", {"form": "invalid", "key_id": None, "region": None}, id="other-service-arn"),
]


@pytest.mark.parametrize("value, expected", PARSE_CASES)
def test_parse_kms_key(value, expected):
    assert parse_kms_key(value) == expected


SAME_KEY_CASES = [
    pytest.param(None, "alias/aws/s3", True, id="managed-vs-managed"),
    pytest.param(MANAGED_ALIAS_ARN, None, True, id="managed-arn-vs-no-key"),
    pytest.param(None, KEY_ARN, False, id="managed-vs-customer"),
    pytest.param(KEY_ARN, "alias/aws/s3", False, id="customer-vs-managed"),
    pytest.param(KEY_ARN, KEY_ID, True, id="key-arn-vs-key-id"),
    pytest.param(KEY_ID, KEY_ARN, True, id="key-id-vs-key-arn"),
    pytest.param(KEY_ARN, OTHER_KEY_ID, False, id="different-key-ids"),
    pytest.param(ALIAS, ALIAS, True, id="alias-vs-same-alias"),
    pytest.param(KEY_ARN, ALIAS, None, id="key-arn-vs-alias"),
    pytest.param(ALIAS, KEY_ARN, None, id="alias-vs-key-arn"),
    pytest.param(ALIAS, ALIAS_ARN, None, id="alias-vs-alias-arn"),
]


@pytest.mark.parametrize("stored, wanted, expected", SAME_KEY_CASES)
def test_same_key_without_request(stored, wanted, expected):
    assert same_key_without_request(stored, wanted) is expected


# EncryptionConcern.validate


INVALID_OPTIONS = [
    pytest.param(
        {"sse_algorithm": "AES256", "kms_key": ALIAS},
        ["kms_key 'alias/logs' was given with sse_algorithm AES256", "Remove kms_key, or set sse_algorithm to aws:kms."],
        id="aes256-with-key",
    ),
    pytest.param(
        {"sse_algorithm": "AES256", "bucket_key_enabled": True},
        ["bucket_key_enabled is true with sse_algorithm AES256", "Set bucket_key_enabled to false"],
        id="aes256-with-bucket-key",
    ),
    pytest.param(
        {"sse_algorithm": "aws:kms:dsse", "bucket_key_enabled": True},
        ["S3 Bucket Keys are not supported with DSSE-KMS", "Set bucket_key_enabled to false, or use sse_algorithm aws:kms."],
        id="dsse-with-bucket-key",
    ),
    pytest.param(
        {"sse_algorithm": "aws:kms", "kms_key": "logs-key"},
        ["Invalid kms_key 'logs-key'", "give a key id, a key ARN, an alias name (alias/NAME) or an alias ARN."],
        id="malformed-key",
    ),
    pytest.param(
        {"sse_algorithm": "aws:kms", "kms_key": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{KEY_ID}"},
        ["the key is in region eu-west-1, but the bucket is in us-east-1", "use a key (or a multi-Region replica key) in that region"],
        id="key-in-other-region",
    ),
    pytest.param(
        {"sse_algorithm": "aws:kms", "kms_key": f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/logs"},
        ["the key is in region eu-west-1, but the bucket is in us-east-1"],
        id="alias-in-other-region",
    ),
    pytest.param(
        {"sse_algorithm": "aws:kms:rsa"},
        ["Invalid sse_algorithm 'aws:kms:rsa'", "use one of aws:kms, AES256, aws:kms:dsse."],
        id="unknown-algorithm",
    ),
]


@pytest.mark.parametrize("options, fragments", INVALID_OPTIONS)
def test_encryption_validate_rejects(stubbed_aws, options, fragments):
    concern = EncryptionConcern(stubbed_aws.context(), options)

    with pytest.raises(ValidationError) as raised:
        concern.validate()

    message = str(raised.value)
    assert f"bucket {BUCKET}" in message
    for fragment in fragments:
        assert fragment in message


VALID_OPTIONS = [
    pytest.param({"sse_algorithm": "AES256", "bucket_key_enabled": False}, id="aes256-bucket-key-false"),
    pytest.param({"sse_algorithm": "AES256"}, id="aes256"),
    pytest.param({"sse_algorithm": "aws:kms"}, id="managed-key"),
    pytest.param({"sse_algorithm": "aws:kms", "kms_key": KEY_ARN, "bucket_key_enabled": True}, id="key-arn"),
    pytest.param({"sse_algorithm": "aws:kms:dsse", "kms_key": ALIAS, "bucket_key_enabled": False}, id="dsse-alias"),
    pytest.param({"state": "absent"}, id="absent"),
]


@pytest.mark.parametrize("options", VALID_OPTIONS)
def test_encryption_validate_accepts(stubbed_aws, options):
    EncryptionConcern(stubbed_aws.context(), options).validate()


# Runs against recorded responses


def encryption_response(algorithm, key=None, bucket_key=False):
    by_default = {"SSEAlgorithm": algorithm}
    if key:
        by_default["KMSMasterKeyID"] = key
    return {
        "ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": by_default, "BucketKeyEnabled": bucket_key}]
        }
    }


def describe_key_response(key_state="Enabled"):
    return {
        "KeyMetadata": {
            "AWSAccountId": ACCOUNT,
            "KeyId": KEY_ID,
            "Arn": KEY_ARN,
            "CreationDate": datetime.datetime(2026, 1, 5, tzinfo=datetime.timezone.utc),
            "Enabled": key_state == "Enabled",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeyState": key_state,
            "Origin": "AWS_KMS",
            "KeyManager": "CUSTOMER",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        }
    }


def stub_read(stubbed_aws, response):
    stubbed_aws.s3.add_response("get_bucket_encryption", response, {"Bucket": BUCKET})


def stub_no_encryption(stubbed_aws):
    stubbed_aws.s3.add_client_error(
        "get_bucket_encryption",
        service_error_code="ServerSideEncryptionConfigurationNotFoundError",
        service_message="The server side encryption configuration was not found",
        http_status_code=404,
        expected_params={"Bucket": BUCKET},
    )


def stub_write(stubbed_aws, by_default, bucket_key):
    stubbed_aws.s3.add_response(
        "put_bucket_encryption",
        {},
        {
            "Bucket": BUCKET,
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": by_default, "BucketKeyEnabled": bucket_key}]
            },
        },
    )


@pytest.mark.parametrize("kms_key", [None, "alias/aws/s3", MANAGED_ALIAS_ARN])
def test_managed_key_stored_as_alias_arn(stubbed_aws, kms_key):
    stub_read(stubbed_aws, encryption_response("aws:kms", MANAGED_ALIAS_ARN, bucket_key=True))
    concern = EncryptionConcern(stubbed_aws.context(), {"sse_algorithm": "aws:kms", "kms_key": kms_key})

    changed, current, desired = stubbed_aws.run(concern)

    assert changed is False
    assert current["kms_key"] is None
    assert desired["bucket_key_enabled"] is True
    stubbed_aws.assert_no_pending_responses()


def test_managed_key_on_aes256_bucket(stubbed_aws):
    stub_read(stubbed_aws, encryption_response("AES256"))
    stub_write(stubbed_aws, {"SSEAlgorithm": "aws:kms"}, bucket_key=True)
    concern = EncryptionConcern(stubbed_aws.context(), {"sse_algorithm": "aws:kms", "bucket_key_enabled": True})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_alias_first_write_sends_key_arn(stubbed_aws):
    stub_no_encryption(stubbed_aws)
    stubbed_aws.kms.add_response("describe_key", describe_key_response(), {"KeyId": ALIAS})
    stub_write(stubbed_aws, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}, bucket_key=True)
    concern = EncryptionConcern(
        stubbed_aws.context(), {"sse_algorithm": "aws:kms", "kms_key": ALIAS, "bucket_key_enabled": True}
    )

    changed, current, desired = stubbed_aws.run(concern)

    assert changed is True
    assert current is None
    assert concern.view(desired) == {"sse_algorithm": "aws:kms", "kms_key": KEY_ARN, "bucket_key_enabled": True}
    stubbed_aws.assert_no_pending_responses()


def test_alias_again_on_stored_key_arn(stubbed_aws):
    stub_read(stubbed_aws, encryption_response("aws:kms", KEY_ARN, bucket_key=True))
    stubbed_aws.kms.add_response("describe_key", describe_key_response(), {"KeyId": ALIAS})
    concern = EncryptionConcern(
        stubbed_aws.context(), {"sse_algorithm": "aws:kms", "kms_key": ALIAS, "bucket_key_enabled": True}
    )

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is False
    stubbed_aws.assert_no_pending_responses()


def test_key_id_on_stored_key_arn(stubbed_aws):
    stub_read(stubbed_aws, encryption_response("aws:kms", KEY_ARN, bucket_key=True))
    concern = EncryptionConcern(stubbed_aws.context(), {"sse_algorithm": "aws:kms", "kms_key": KEY_ID})

    changed, _current, desired = stubbed_aws.run(concern)

    assert changed is False
    assert desired["kms_key"] == KEY_ARN
    stubbed_aws.assert_no_pending_responses()


def test_other_key_id_on_stored_key_arn(stubbed_aws):
    other_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{OTHER_KEY_ID}"
    stub_read(stubbed_aws, encryption_response("aws:kms", KEY_ARN, bucket_key=True))
    other_key = describe_key_response()
    other_key["KeyMetadata"].update(KeyId=OTHER_KEY_ID, Arn=other_arn)
    stubbed_aws.kms.add_response("describe_key", other_key, {"KeyId": OTHER_KEY_ID})
    stub_write(stubbed_aws, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": other_arn}, bucket_key=True)
    concern = EncryptionConcern(stubbed_aws.context(), {"sse_algorithm": "aws:kms", "kms_key": OTHER_KEY_ID})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_disabled_key_fails_before_write(stubbed_aws):
    stub_no_encryption(stubbed_aws)
    stubbed_aws.kms.add_response("describe_key", describe_key_response(key_state="Disabled"), {"KeyId": ALIAS})
    concern = EncryptionConcern(stubbed_aws.context(), {"sse_algorithm": "aws:kms", "kms_key": ALIAS})

    with pytest.raises(ValidationError) as raised:
        stubbed_aws.run(concern)

    message = str(raised.value)
    assert f"KMS key {ALIAS} cannot encrypt bucket {BUCKET}" in message
    assert "its state is Disabled, not Enabled" in message
    assert "Enable the key" in message
    stubbed_aws.assert_no_pending_responses()
