"""Tests of the moto server helper: each boto3 call must be listed under its AWS operation name."""

from __future__ import annotations

import json
import os

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from support.moto_server import ApiCall, MotoServer, s3_operation

BUCKET = "request-log-bucket"


@pytest.fixture(scope="module")
def server():
    with MotoServer() as moto:
        yield moto


@pytest.fixture(scope="module")
def aws(server):
    """Return boto3 clients for the server, created from the environment that env() builds."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("AWS_", "BOTO_")):
                patch.delenv(name)
        for name, value in server.env().items():
            patch.setenv(name, value)
        session = boto3.session.Session()
        config = Config(retries={"max_attempts": 1})
        clients = {name: session.client(name, config=config) for name in ("s3", "kms", "sts", "iam")}
        clients["s3"].create_bucket(Bucket=BUCKET)
        yield clients


def call_names(server, mark):
    return [(call.service, call.operation, call.is_write) for call in server.requests_since(mark)]


def ignore_client_error(call):
    """Run a call whose AWS error is expected; the request is still sent and logged."""
    try:
        call()
    except ClientError:
        pass


S3_BUCKET_CASES = [
    ("HeadBucket", False, lambda s3: s3.head_bucket(Bucket=BUCKET)),
    ("ListObjectsV2", False, lambda s3: s3.list_objects_v2(Bucket=BUCKET)),
    ("ListObjects", False, lambda s3: s3.list_objects(Bucket=BUCKET)),
    ("GetBucketLocation", False, lambda s3: s3.get_bucket_location(Bucket=BUCKET)),
    ("PutBucketPolicy", True, lambda s3: s3.put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "DenyDelete", "Effect": "Deny", "Principal": {"AWS": "*"},
            "Action": "s3:DeleteBucket", "Resource": f"arn:aws:s3:::{BUCKET}"}]}))),
    ("GetBucketPolicy", False, lambda s3: s3.get_bucket_policy(Bucket=BUCKET)),
    ("DeleteBucketPolicy", True, lambda s3: s3.delete_bucket_policy(Bucket=BUCKET)),
    ("PutBucketEncryption", True, lambda s3: s3.put_bucket_encryption(
        Bucket=BUCKET, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})),
    ("GetBucketEncryption", False, lambda s3: s3.get_bucket_encryption(Bucket=BUCKET)),
    ("PutBucketLifecycleConfiguration", True, lambda s3: s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET, LifecycleConfiguration={"Rules": [
            {"ID": "expire", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 30}}]})),
    ("GetBucketLifecycleConfiguration", False,
     lambda s3: s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)),
    ("DeleteBucketLifecycle", True, lambda s3: s3.delete_bucket_lifecycle(Bucket=BUCKET)),
    ("PutBucketOwnershipControls", True, lambda s3: s3.put_bucket_ownership_controls(
        Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})),
    ("GetBucketOwnershipControls", False, lambda s3: s3.get_bucket_ownership_controls(Bucket=BUCKET)),
    ("PutPublicAccessBlock", True, lambda s3: s3.put_public_access_block(
        Bucket=BUCKET, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True})),
    ("GetPublicAccessBlock", False, lambda s3: s3.get_public_access_block(Bucket=BUCKET)),
    ("GetBucketLogging", False, lambda s3: s3.get_bucket_logging(Bucket=BUCKET)),
    ("PutBucketVersioning", True, lambda s3: s3.put_bucket_versioning(
        Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})),
    ("GetBucketVersioning", False, lambda s3: s3.get_bucket_versioning(Bucket=BUCKET)),
    ("PutBucketTagging", True, lambda s3: s3.put_bucket_tagging(
        Bucket=BUCKET, Tagging={"TagSet": [{"Key": "team", "Value": "security"}]})),
    ("GetBucketTagging", False, lambda s3: s3.get_bucket_tagging(Bucket=BUCKET)),
    ("DeleteBucketTagging", True, lambda s3: s3.delete_bucket_tagging(Bucket=BUCKET)),
    ("GetBucketAcl", False, lambda s3: s3.get_bucket_acl(Bucket=BUCKET)),
    ("GetObjectLockConfiguration", False,
     lambda s3: ignore_client_error(lambda: s3.get_object_lock_configuration(Bucket=BUCKET))),
    ("ListObjectVersions", False, lambda s3: s3.list_object_versions(Bucket=BUCKET)),
    ("ListMultipartUploads", False, lambda s3: s3.list_multipart_uploads(Bucket=BUCKET)),
]


@pytest.mark.parametrize(("operation", "is_write", "call"), S3_BUCKET_CASES,
                         ids=[case[0] for case in S3_BUCKET_CASES])
def test_s3_bucket_operation_names(server, aws, operation, is_write, call):
    mark = server.mark()

    call(aws["s3"])

    assert call_names(server, mark) == [("s3", operation, is_write)]


def test_s3_object_operation_names(server, aws):
    s3 = aws["s3"]
    mark = server.mark()

    s3.put_object(Bucket=BUCKET, Key="logs/2024/01/01.log", Body=b"line\n")
    s3.head_object(Bucket=BUCKET, Key="logs/2024/01/01.log")
    s3.get_object(Bucket=BUCKET, Key="logs/2024/01/01.log")["Body"].read()
    s3.copy_object(Bucket=BUCKET, Key="copy.log", CopySource={"Bucket": BUCKET, "Key": "logs/2024/01/01.log"})
    s3.put_object_tagging(Bucket=BUCKET, Key="copy.log", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    s3.get_object_tagging(Bucket=BUCKET, Key="copy.log")
    s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "copy.log"}]})
    s3.delete_object(Bucket=BUCKET, Key="logs/2024/01/01.log")

    assert call_names(server, mark) == [
        ("s3", "PutObject", True),
        ("s3", "HeadObject", False),
        ("s3", "GetObject", False),
        ("s3", "CopyObject", True),
        ("s3", "PutObjectTagging", True),
        ("s3", "GetObjectTagging", False),
        ("s3", "DeleteObjects", True),
        ("s3", "DeleteObject", True),
    ]


def test_s3_multipart_operation_names(server, aws):
    s3 = aws["s3"]
    mark = server.mark()

    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key="big.log")["UploadId"]
    part = s3.upload_part(Bucket=BUCKET, Key="big.log", UploadId=upload_id, PartNumber=1, Body=b"x" * 1024)
    s3.list_parts(Bucket=BUCKET, Key="big.log", UploadId=upload_id)
    s3.complete_multipart_upload(Bucket=BUCKET, Key="big.log", UploadId=upload_id, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    aborted_id = s3.create_multipart_upload(Bucket=BUCKET, Key="aborted.log")["UploadId"]
    s3.abort_multipart_upload(Bucket=BUCKET, Key="aborted.log", UploadId=aborted_id)

    assert call_names(server, mark) == [
        ("s3", "CreateMultipartUpload", True),
        ("s3", "UploadPart", True),
        ("s3", "ListParts", False),
        ("s3", "CompleteMultipartUpload", True),
        ("s3", "CreateMultipartUpload", True),
        ("s3", "AbortMultipartUpload", True),
    ]


def test_create_delete_bucket_names(server, aws):
    s3 = aws["s3"]
    mark = server.mark()

    s3.create_bucket(Bucket="request-log-temporary", ObjectOwnership="BucketOwnerEnforced")
    s3.list_buckets()
    s3.delete_bucket(Bucket="request-log-temporary")

    assert call_names(server, mark) == [
        ("s3", "CreateBucket", True),
        ("s3", "ListBuckets", False),
        ("s3", "DeleteBucket", True),
    ]


def test_failed_call_is_listed(server, aws):
    mark = server.mark()

    with pytest.raises(ClientError, match="NoSuchBucket"):
        aws["s3"].get_bucket_policy(Bucket="request-log-missing")

    assert call_names(server, mark) == [("s3", "GetBucketPolicy", False)]


def test_kms_json_protocol_names(server, aws):
    kms = aws["kms"]
    mark = server.mark()

    key_id = kms.create_key(Description="request log")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/request-log", TargetKeyId=key_id)
    kms.describe_key(KeyId="alias/request-log")
    kms.list_aliases()
    kms.get_key_policy(KeyId=key_id, PolicyName="default")
    kms.enable_key_rotation(KeyId=key_id)
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "security"}])
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)

    assert call_names(server, mark) == [
        ("kms", "CreateKey", True),
        ("kms", "CreateAlias", True),
        ("kms", "DescribeKey", False),
        ("kms", "ListAliases", False),
        ("kms", "GetKeyPolicy", False),
        ("kms", "EnableKeyRotation", True),
        ("kms", "TagResource", True),
        ("kms", "ScheduleKeyDeletion", True),
    ]


def test_sts_iam_query_protocol_names(server, aws):
    mark = server.mark()

    aws["sts"].get_caller_identity()
    policy_arn = aws["iam"].create_policy(PolicyName="request-log-read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }))["Policy"]["Arn"]
    aws["iam"].create_user(UserName="request-log-user")
    aws["iam"].list_users()
    aws["iam"].attach_user_policy(UserName="request-log-user", PolicyArn=policy_arn)
    aws["iam"].list_attached_user_policies(UserName="request-log-user")

    assert call_names(server, mark) == [
        ("sts", "GetCallerIdentity", False),
        ("iam", "CreatePolicy", True),
        ("iam", "CreateUser", True),
        ("iam", "ListUsers", False),
        ("iam", "AttachUserPolicy", True),
        ("iam", "ListAttachedUserPolicies", False),
    ]


def test_writes_since_lists_writes_only(server, aws):
    s3 = aws["s3"]
    mark = server.mark()

    s3.get_bucket_versioning(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    aws["sts"].get_caller_identity()

    assert [str(call) for call in server.writes_since(mark)] == ["s3:PutBucketVersioning"]


def test_mark_excludes_earlier_requests(server, aws):
    aws["s3"].head_bucket(Bucket=BUCKET)
    mark = server.mark()

    assert server.requests_since(mark) == []

    aws["s3"].get_bucket_acl(Bucket=BUCKET)

    assert [call.operation for call in server.requests_since(mark)] == ["GetBucketAcl"]


def test_reset_is_not_listed(server, aws):
    mark = server.mark()

    server.reset()

    assert server.requests_since(mark) == []
    assert aws["s3"].list_buckets()["Buckets"] == []
    aws["s3"].create_bucket(Bucket=BUCKET)


def test_env_replaces_inherited_aws_settings(server):
    inherited = {
        "PATH": "/usr/bin",
        "AWS_PROFILE": "production",
        "AWS_SESSION_TOKEN": "real-token",
        "AWS_ACCESS_KEY_ID": "AKIAREAL",
        "AWS_ENDPOINT_URL_S3": "https://s3.example.invalid",
        "BOTO_CONFIG": "/etc/boto.cfg",
    }

    env = server.env(region="eu-west-1", base=inherited)

    assert env["PATH"] == "/usr/bin"
    assert env["AWS_ENDPOINT_URL"] == server.endpoint_url
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert env["AWS_CONFIG_FILE"] == os.devnull
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    for removed in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "BOTO_CONFIG"):
        assert removed not in env
    assert "127.0.0.1" in env["NO_PROXY"].split(",")


S3_REST_CASES = [
    ("GET", "/", {}, {}, "ListBuckets"),
    ("GET", "/b", {"analytics": [""]}, {}, "ListBucketAnalyticsConfigurations"),
    ("GET", "/b", {"analytics": [""], "id": ["x"]}, {}, "GetBucketAnalyticsConfiguration"),
    ("PUT", "/b/k", {"partNumber": ["1"], "uploadId": ["u"]}, {"x-amz-copy-source": "b/src"}, "UploadPartCopy"),
    ("POST", "/b/k", {"restore": [""]}, {}, "RestoreObject"),
    ("POST", "/b/k", {"select": [""], "select-type": ["2"]}, {}, "SelectObjectContent"),
    ("PUT", "/b", {"location": [""]}, {}, "Unrecognized PUT ?location"),
]


@pytest.mark.parametrize(("method", "path", "query", "headers", "expected"), S3_REST_CASES,
                         ids=[case[-1] for case in S3_REST_CASES])
def test_s3_operation_from_rest_request(method, path, query, headers, expected):
    assert s3_operation(method, path, query, headers) == expected


@pytest.mark.parametrize(("operation", "method", "is_write"), [
    ("GetCallerIdentity", "POST", False),
    ("DescribeKey", "POST", False),
    ("HeadBucket", "HEAD", False),
    ("ListObjectsV2", "GET", False),
    ("RestoreObject", "POST", True),
    ("UntagResource", "POST", True),
    ("CancelKeyDeletion", "POST", True),
    ("DetachRolePolicy", "POST", True),
    ("SetDefaultPolicyVersion", "POST", True),
    ("Unrecognized PUT ?location", "PUT", True),
    ("Unrecognized GET /", "GET", False),
])
def test_is_write_by_operation_name(operation, method, is_write):
    assert ApiCall("s3", operation, method, "/").is_write is is_write
