"""Integration tests of logsafe.aws.s3_bucket_encryption against a moto server."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from integration.single_module_helpers import (
    ACCOUNT_ID,
    REGION,
    assert_rejected_before_any_request,
    assert_same_in_every_step,
    aws_test_clients,
    module_failure,
    run_ladder,
    run_tasks,
)

MODULE = "s3_bucket_encryption"
AWS_MANAGED_ALIAS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:alias/aws/s3"


@pytest.fixture(scope="module")
def aws(moto):
    """Return boto3 clients for this module's moto server."""
    with aws_test_clients(moto) as clients:
        yield clients


def read_encryption(aws, bucket):
    """Return the bucket's default encryption rule in a flat form, or None when it has none."""
    try:
        response = aws.s3.get_bucket_encryption(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ServerSideEncryptionConfigurationNotFoundError":
            return None
        raise
    rule = response["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = rule["ApplyServerSideEncryptionByDefault"]
    return {
        "sse_algorithm": default["SSEAlgorithm"],
        "kms_key": default.get("KMSMasterKeyID"),
        "bucket_key_enabled": rule.get("BucketKeyEnabled", False),
    }


def put_encryption(aws, bucket, algorithm, kms_key=None, bucket_key_enabled=False):
    """Set a bucket's default encryption directly, as another tool would."""
    default = {"SSEAlgorithm": algorithm}
    if kms_key:
        default["KMSMasterKeyID"] = kms_key
    aws.s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": bucket_key_enabled}]
        },
    )


def kms_calls(moto, mark):
    """Return the KMS requests received after ``mark``."""
    return [str(call) for call in moto.requests_since(mark) if call.service == "kms"]


def test_aws_managed_key_ladder(aws, moto, run_module):
    bucket = "enc-aws-managed"
    aws.create_bucket(bucket)
    mark = moto.mark()

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "sse_algorithm": "aws:kms", "bucket_key_enabled": True},
        read_state=lambda: read_encryption(aws, bucket),
        before=None,
        after={"sse_algorithm": "aws:kms", "kms_key": None, "bucket_key_enabled": True},
    )

    assert results[0]["encryption"] == {"sse_algorithm": "aws:kms", "kms_key": None, "bucket_key_enabled": True}
    assert_same_in_every_step(results, "encryption")
    assert kms_calls(moto, mark) == []


@pytest.mark.parametrize(
    ("bucket", "stored_key"),
    [
        pytest.param("enc-managed-stored-none", None, id="stored-without-key"),
        pytest.param("enc-managed-stored-alias", "alias/aws/s3", id="stored-alias"),
        pytest.param("enc-managed-stored-arn", AWS_MANAGED_ALIAS_ARN, id="stored-alias-arn"),
    ],
)
def test_aws_managed_key_forms_equal(aws, moto, run_playbook, bucket, stored_key):
    aws.create_bucket(bucket)
    put_encryption(aws, bucket, "aws:kms", stored_key, bucket_key_enabled=True)
    tasks = [
        ("Without kms_key", MODULE, {"name": bucket, "bucket_key_enabled": True}),
        ("With alias/aws/s3", MODULE, {"name": bucket, "kms_key": "alias/aws/s3", "bucket_key_enabled": True}),
        ("With the alias ARN", MODULE, {"name": bucket, "kms_key": AWS_MANAGED_ALIAS_ARN, "bucket_key_enabled": True}),
    ]
    mark = moto.mark()

    results = run_tasks(run_playbook, tasks)

    for task_name, result in results.items():
        assert result["failed"] is False, f"{task_name}: {module_failure(result)}"
        assert result["changed"] is False, f"{task_name} reported a change"
    assert moto.writes_since(mark) == []
    assert kms_calls(moto, mark) == []


def test_customer_key_by_alias_ladder(aws, moto, run_module):
    bucket = "enc-customer-alias"
    aws.create_bucket(bucket)
    key = aws.create_key_with_alias("alias/enc-customer")
    mark = moto.mark()

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "kms_key": "alias/enc-customer", "bucket_key_enabled": True},
        read_state=lambda: read_encryption(aws, bucket),
        before=None,
        after={"sse_algorithm": "aws:kms", "kms_key": key["Arn"], "bucket_key_enabled": True},
    )

    assert results[0]["encryption"]["kms_key"] == key["Arn"]
    assert_same_in_every_step(results, "encryption")
    # Proves that kms_calls() detects KMS requests, so the tests that expect none can fail.
    assert "kms:DescribeKey" in kms_calls(moto, mark)


def test_customer_key_forms_equal(aws, moto, run_playbook):
    bucket = "enc-customer-forms"
    aws.create_bucket(bucket)
    key = aws.create_key_with_alias("alias/enc-forms")
    put_encryption(aws, bucket, "aws:kms", key["Arn"], bucket_key_enabled=True)
    forms = {
        "By alias": "alias/enc-forms",
        "By key id": key["KeyId"],
        "By key ARN": key["Arn"],
        "By alias ARN": f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:alias/enc-forms",
    }
    tasks = [(name, MODULE, {"name": bucket, "kms_key": kms_key}) for name, kms_key in forms.items()]
    mark = moto.mark()

    results = run_tasks(run_playbook, tasks)

    for task_name, result in results.items():
        assert result["failed"] is False, f"{task_name}: {module_failure(result)}"
        assert result["changed"] is False, f"{task_name} reported a change"
        assert result["encryption"]["kms_key"] == key["Arn"], task_name
    assert moto.writes_since(mark) == []
    assert read_encryption(aws, bucket)["kms_key"] == key["Arn"]


def test_aes256_ladder(aws, moto, run_module):
    bucket = "enc-aes256"
    aws.create_bucket(bucket)
    put_encryption(aws, bucket, "aws:kms", bucket_key_enabled=True)

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "sse_algorithm": "AES256"},
        read_state=lambda: read_encryption(aws, bucket),
        before={"sse_algorithm": "aws:kms", "kms_key": None, "bucket_key_enabled": True},
        after={"sse_algorithm": "AES256", "kms_key": None, "bucket_key_enabled": False},
    )

    assert_same_in_every_step(results, "encryption")


def test_dsse_with_customer_key(aws, moto, run_module):
    bucket = "enc-dsse"
    aws.create_bucket(bucket)
    key = aws.create_key_with_alias("alias/enc-dsse")
    args = {"name": bucket, "sse_algorithm": "aws:kms:dsse", "kms_key": "alias/enc-dsse"}

    first = run_module(MODULE, args).result
    mark = moto.mark()
    second = run_module(MODULE, args).result

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    assert read_encryption(aws, bucket) == {
        "sse_algorithm": "aws:kms:dsse",
        "kms_key": key["Arn"],
        "bucket_key_enabled": False,
    }
    assert second["changed"] is False
    assert moto.writes_since(mark) == []


def test_absent_deletes_configuration(aws, moto, run_module):
    bucket = "enc-absent"
    aws.create_bucket(bucket)
    put_encryption(aws, bucket, "AES256")
    args = {"name": bucket, "state": "absent"}

    first = run_module(MODULE, args).result
    mark = moto.mark()
    second = run_module(MODULE, args).result

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    assert first["encryption"] is None
    assert read_encryption(aws, bucket) is None
    assert second["changed"] is False
    assert moto.writes_since(mark) == []


@pytest.mark.parametrize(
    ("options", "fragments"),
    [
        pytest.param(
            {"sse_algorithm": "AES256", "kms_key": "alias/logs"},
            ["kms_key 'alias/logs'", "AES256", "Remove kms_key"],
            id="aes256-with-kms-key",
        ),
        pytest.param(
            {"sse_algorithm": "AES256", "bucket_key_enabled": True},
            ["bucket_key_enabled", "AES256", "Set bucket_key_enabled to false"],
            id="aes256-with-bucket-key",
        ),
        pytest.param(
            {"sse_algorithm": "aws:kms:dsse", "bucket_key_enabled": True},
            ["aws:kms:dsse", "Set bucket_key_enabled to false"],
            id="dsse-with-bucket-key",
        ),
        pytest.param(
            {"kms_key": "logs-key"},
            ["Invalid kms_key 'logs-key'", "alias/NAME"],
            id="malformed-key",
        ),
        pytest.param(
            {"kms_key": f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            ["region eu-west-1", f"bucket is in {REGION}"],
            id="key-arn-in-another-region",
        ),
    ],
)
def test_invalid_options_rejected(aws, moto, run_module, options, fragments):
    bucket = "enc-rejected"
    if not aws.bucket_exists(bucket):
        aws.create_bucket(bucket)

    assert_rejected_before_any_request(run_module, moto, MODULE, {"name": bucket, **options}, [bucket, *fragments])


def test_disabled_key_fails_before_write(aws, moto, run_module):
    bucket = "enc-disabled-key"
    aws.create_bucket(bucket)
    key = aws.create_key_with_alias("alias/enc-disabled")
    aws.kms.disable_key(KeyId=key["KeyId"])
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "kms_key": "alias/enc-disabled"}).result

    assert result["failed"] is True
    assert "alias/enc-disabled" in result["msg"]
    assert "Disabled" in result["msg"]
    assert moto.writes_since(mark) == []
    assert read_encryption(aws, bucket) is None


def test_missing_bucket_fails_with_fix(aws, moto, run_module):
    bucket = "enc-missing-bucket"
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket}).result

    assert result["failed"] is True
    assert f"Bucket {bucket} does not exist" in result["msg"]
    assert "logsafe.aws.s3_bucket" in result["msg"]
    assert moto.writes_since(mark) == []


def test_missing_bucket_check_mode_warns(aws, moto, run_module):
    bucket = "enc-missing-bucket-check"
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket}, check=True).result

    assert result["failed"] is False, module_failure(result)
    assert result["changed"] is True
    assert any(f"Bucket {bucket} does not exist" in warning for warning in result.get("warnings", []))
    assert moto.writes_since(mark) == []


def test_diff_shows_algorithm_change(aws, run_module):
    bucket = "enc-diff"
    aws.create_bucket(bucket)
    put_encryption(aws, bucket, "AES256")

    result = run_module(MODULE, {"name": bucket, "sse_algorithm": "aws:kms"}, diff=True).result

    assert result["changed"] is True
    assert result["diff"]["before"] == {"sse_algorithm": "AES256", "kms_key": None, "bucket_key_enabled": False}
    assert result["diff"]["after"] == {"sse_algorithm": "aws:kms", "kms_key": None, "bucket_key_enabled": False}
