"""Shared code of the integration tests of s3_logs_bucket, s3_logs_bucket_info and the role.

The boto3 clients here talk to the test module's moto server with fake
credentials, so the tests can set up state and read back what the modules
wrote without going through the modules themselves.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid

import boto3
from botocore.exceptions import ClientError

REGION = "us-east-1"
# The account id that moto gives every fake caller.
ACCOUNT_ID = "123456789012"
DENY_INSECURE_TRANSPORT_SID = "LogsafeDenyInsecureTransport"

# The role's default retention rule, in the option form of s3_logs_bucket.
LOGS_RETENTION_RULE = {
    "id": "logs-retention",
    "transitions": [
        {"days": 30, "storage_class": "STANDARD_IA"},
        {"days": 90, "storage_class": "GLACIER"},
    ],
    "expiration": {"days": 365},
    "noncurrent_version_expiration": {"noncurrent_days": 30},
    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
}


def unique_bucket(prefix: str) -> str:
    """Return a bucket name that no other test of the same moto server uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def aws_client(moto, service: str, region: str = REGION):
    """Return a boto3 client of ``service`` that talks to the moto server with fake credentials."""
    return boto3.client(
        service,
        endpoint_url=moto.endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def error_code(error: ClientError) -> str:
    """Return the AWS error code of a boto3 ClientError."""
    return str(error.response.get("Error", {}).get("Code", ""))


def bucket_exists(s3, bucket: str) -> bool:
    """Tell whether HeadBucket finds the bucket."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if error_code(error) in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True


def read_or_none(call, not_configured_code: str, **kwargs):
    """Return the response of a boto3 read, or None when S3 returns the error code that means "not configured"."""
    try:
        return call(**kwargs)
    except ClientError as error:
        if error_code(error) == not_configured_code:
            return None
        raise


def bucket_tags(s3, bucket: str) -> dict[str, str]:
    """Return the bucket's tags as a dict, which is empty for an untagged bucket."""
    response = read_or_none(s3.get_bucket_tagging, "NoSuchTagSet", Bucket=bucket)
    return {} if response is None else {tag["Key"]: tag["Value"] for tag in response["TagSet"]}


def bucket_encryption(s3, bucket: str) -> dict | None:
    """Return the default encryption rule as {sse_algorithm, kms_key, bucket_key_enabled}, or None."""
    response = read_or_none(s3.get_bucket_encryption, "ServerSideEncryptionConfigurationNotFoundError", Bucket=bucket)
    if response is None:
        return None
    rule = response["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = rule["ApplyServerSideEncryptionByDefault"]
    return {
        "sse_algorithm": default["SSEAlgorithm"],
        "kms_key": default.get("KMSMasterKeyID"),
        "bucket_key_enabled": rule.get("BucketKeyEnabled", False),
    }


def bucket_lifecycle_rules(s3, bucket: str) -> list[dict] | None:
    """Return the lifecycle rules as S3 returns them, or None without a lifecycle configuration."""
    response = read_or_none(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", Bucket=bucket)
    return None if response is None else response["Rules"]


def bucket_policy(s3, bucket: str) -> dict | None:
    """Return the bucket policy document, or None without a policy."""
    response = read_or_none(s3.get_bucket_policy, "NoSuchBucketPolicy", Bucket=bucket)
    return None if response is None else json.loads(response["Policy"])


def policy_statements(s3, bucket: str) -> dict[str, dict]:
    """Return the statements of the bucket policy by Sid, or an empty dict without a policy."""
    document = bucket_policy(s3, bucket)
    if document is None:
        return {}
    return {statement.get("Sid", ""): statement for statement in document["Statement"]}


def bucket_logging(s3, bucket: str) -> dict | None:
    """Return {TargetBucket, TargetPrefix} of the access logging, or None when logging is off."""
    enabled = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled")
    if not enabled:
        return None
    return {"TargetBucket": enabled["TargetBucket"], "TargetPrefix": enabled["TargetPrefix"]}


def delivery_sid(source_bucket: str) -> str:
    """Return the Sid of the log delivery statement for ``source_bucket``, as the module documents it.

    It is ``LogsafeS3AccessLogs``, the source name in title case without
    characters outside A-Za-z0-9, and the first 8 hex digits of the SHA-256 of
    the name.
    """
    readable = re.sub(r"[^A-Za-z0-9]", "", source_bucket.title())
    digest = hashlib.sha256(source_bucket.encode("utf-8")).hexdigest()[:8]
    return f"LogsafeS3AccessLogs{readable}{digest}"


def deny_insecure_transport_statement(bucket: str) -> dict:
    """Return the TLS-only statement as the modules write it."""
    return {
        "Sid": DENY_INSECURE_TRANSPORT_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def create_kms_alias(moto, alias_name: str, region: str = REGION) -> str:
    """Create a symmetric KMS key with the alias ``alias_name`` and return the key ARN."""
    kms = aws_client(moto, "kms", region)
    key_arn = kms.create_key(Description=f"test key for {alias_name}")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=alias_name, TargetKeyId=key_arn)
    return key_arn


def operations(calls) -> list[str]:
    """Return the operation names of a list of recorded API calls, in order."""
    return [call.operation for call in calls]


def failure_message(result: dict) -> str:
    """Return the msg of a failed task result."""
    return str(result.get("msg", ""))
