"""Tests of the connection setup: the botocore version check, credentials, region and partition."""

from __future__ import annotations

import sys

import botocore
import botocore.exceptions
import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients, check_boto3
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, ValidationError


class ModuleFailed(Exception):
    pass


class FakeModule:
    """The part of AnsibleModule that check_boto3 uses."""

    def fail_json(self, msg, **kwargs):
        raise ModuleFailed(msg)


def test_check_boto3_accepts_installed():
    check_boto3(FakeModule())


def test_check_boto3_rejects_old_botocore(monkeypatch):
    monkeypatch.setattr(botocore, "__version__", "1.34.0")

    with pytest.raises(ModuleFailed) as raised:
        check_boto3(FakeModule())

    assert "botocore 1.34.0 is too old for logsafe.aws: install boto3>=" in str(raised.value)


def test_check_boto3_rejects_botocore_without_minimum_size(monkeypatch):
    # The S3 model of botocore 1.35.31 has no TransitionDefaultMinimumObjectSize, and 1.35.32 is the first that has it.
    monkeypatch.setattr(botocore, "__version__", "1.35.31")

    with pytest.raises(ModuleFailed):
        check_boto3(FakeModule())


def test_clients_do_not_import_boto3(fake_aws_env, monkeypatch):
    """A module run creates its clients from botocore alone, because importing boto3 costs start-up time."""
    monkeypatch.delitem(sys.modules, "boto3", raising=False)

    AwsClients({"region": "us-east-1", "access_key": "testing", "secret_key": "testing"}).client("s3")

    assert "boto3" not in sys.modules


def test_missing_profile_fails_before_requests(fake_aws_env):
    with pytest.raises(ValidationError) as raised:
        AwsClients({"region": "us-east-1", "profile": "no-such-profile"})

    assert "Failed to set up the AWS session" in str(raised.value)
    assert "no-such-profile" in str(raised.value)


def test_aws_clients_key_without_secret(fake_aws_env):
    with pytest.raises(ValidationError) as raised:
        AwsClients({"region": "us-east-1", "access_key": "testing"})

    assert "access_key and secret_key must be given together" in str(raised.value)


def test_aws_clients_no_region(fake_aws_env):
    with pytest.raises(ValidationError) as raised:
        AwsClients({"access_key": "testing", "secret_key": "testing"})

    assert "No AWS region is set." in str(raised.value)


def test_aws_clients_region_from_environment(fake_aws_env, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")

    aws = AwsClients({"access_key": "testing", "secret_key": "testing"})

    assert aws.region == "eu-west-1"


@pytest.mark.parametrize(
    "region, partition",
    [("us-east-1", "aws"), ("eu-west-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_aws_clients_partition(fake_aws_env, region, partition):
    aws = AwsClients({"region": region, "access_key": "testing", "secret_key": "testing"})

    assert aws.partition == partition


def test_aws_clients_account_id_option(fake_aws_env):
    aws = AwsClients({"region": "us-east-1", "access_key": "testing", "secret_key": "testing", "account_id": "123456789012"})

    assert aws.account_id() == "123456789012"


# The unit-test fixture itself


@pytest.fixture
def aws_params(aws_params):
    # If the fixture's guard ever failed, these requests would go to a closed local port, not to AWS.
    return dict(aws_params, endpoint_url="http://127.0.0.1:9")


def test_fixture_rejects_unstubbed_client(stubbed_aws):
    iam = stubbed_aws.clients.client("iam")

    with pytest.raises(Exception, match="Unit tests must not send requests") as raised:
        iam.list_users()

    assert not isinstance(raised.value, botocore.exceptions.BotoCoreError)


def test_fixture_rejects_unexpected_call(stubbed_aws):
    with pytest.raises(AwsApiError) as raised:
        stubbed_aws.clients.call("kms", "DescribeKey", "describe KMS key alias/logs", KeyId="alias/logs")

    assert "Unexpected API Call" in str(raised.value)
