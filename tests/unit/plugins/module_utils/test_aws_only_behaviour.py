"""AWS behaviour that moto 5.2 does not copy, tested against recorded AWS-shaped responses (botocore Stubber).

- moto drops ObjectSizeLessThan and NewerNoncurrentVersions of noncurrent
  version transitions when it returns lifecycle rules, so their comparison
  is tested here with the fields present, as AWS returns them.
- A bucket created in AWS since April 2023 starts with SSE-S3,
  BucketOwnerEnforced and all four public access block flags on; moto's new
  buckets have none of them. Converging such a bucket must not rewrite what
  it already has.
- AWS rejects ACL requests on a bucket with BucketOwnerEnforced, which moto
  accepts, so an enforced bucket must get no ACL request at all.
"""

from __future__ import annotations

from ansible_collections.logsafe.aws.plugins.module_utils._encryption import EncryptionConcern
from ansible_collections.logsafe.aws.plugins.module_utils._lifecycle import LifecycleConcern
from ansible_collections.logsafe.aws.plugins.module_utils._ownership import OwnershipControlsConcern
from ansible_collections.logsafe.aws.plugins.module_utils._public_access_block import PublicAccessBlockConcern

BUCKET = "example-logs"

SMALL_OBJECTS_RULE = {
    "ID": "expire-small",
    "Status": "Enabled",
    "Filter": {"And": {"Prefix": "logs/", "ObjectSizeLessThan": 131072}},
    "Expiration": {"Days": 400},
    "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "GLACIER", "NewerNoncurrentVersions": 2}],
}

# What GetPublicAccessBlock, GetBucketOwnershipControls and GetBucketEncryption return for a bucket
# created in AWS with the defaults of April 2023.
DEFAULT_BLOCK = {
    "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
}
DEFAULT_OWNERSHIP = {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}
DEFAULT_ENCRYPTION = {
    "ServerSideEncryptionConfiguration": {
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]
    }
}


def small_objects_option(less_than=131072, newer_versions=2):
    return {
        "id": "expire-small",
        "filter": {"prefix": "logs/", "object_size_less_than": less_than},
        "expiration": {"days": 400},
        "noncurrent_version_transitions": [
            {"noncurrent_days": 30, "storage_class": "GLACIER", "newer_noncurrent_versions": newer_versions}
        ],
    }


def stub_lifecycle_read(stubbed_aws):
    stubbed_aws.s3.add_response(
        "get_bucket_lifecycle_configuration",
        {"Rules": [SMALL_OBJECTS_RULE], "TransitionDefaultMinimumObjectSize": "all_storage_classes_128K"},
        {"Bucket": BUCKET},
    )


def stub_lifecycle_write(stubbed_aws, rule):
    stubbed_aws.s3.add_response(
        "put_bucket_lifecycle_configuration",
        {"TransitionDefaultMinimumObjectSize": "all_storage_classes_128K"},
        {
            "Bucket": BUCKET,
            "LifecycleConfiguration": {"Rules": [rule]},
            "TransitionDefaultMinimumObjectSize": "all_storage_classes_128K",
        },
    )


def test_size_less_than_read_back_equal(stubbed_aws):
    stub_lifecycle_read(stubbed_aws)
    concern = LifecycleConcern(stubbed_aws.context(), {"rules": [small_objects_option()]})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is False
    stubbed_aws.assert_no_pending_responses()


def test_size_less_than_change_written(stubbed_aws):
    stub_lifecycle_read(stubbed_aws)
    # The wider size filter adds an expiration for objects of 128 to 256 KiB, which only
    # an empty bucket may get without allow_retention_decrease.
    stubbed_aws.s3.add_response("list_object_versions", {}, {"Bucket": BUCKET, "MaxKeys": 1})
    written = dict(SMALL_OBJECTS_RULE, Filter={"And": {"Prefix": "logs/", "ObjectSizeLessThan": 262144}})
    stub_lifecycle_write(stubbed_aws, written)
    concern = LifecycleConcern(stubbed_aws.context(), {"rules": [small_objects_option(less_than=262144)]})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_noncurrent_transition_versions_change_written(stubbed_aws):
    stub_lifecycle_read(stubbed_aws)
    written = dict(
        SMALL_OBJECTS_RULE,
        NoncurrentVersionTransitions=[{"NoncurrentDays": 30, "StorageClass": "GLACIER", "NewerNoncurrentVersions": 5}],
    )
    stub_lifecycle_write(stubbed_aws, written)
    concern = LifecycleConcern(stubbed_aws.context(), {"rules": [small_objects_option(newer_versions=5)]})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_default_public_access_block_kept(stubbed_aws):
    stubbed_aws.s3.add_response("get_public_access_block", DEFAULT_BLOCK, {"Bucket": BUCKET})
    concern = PublicAccessBlockConcern(stubbed_aws.context(), {})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is False
    stubbed_aws.assert_no_pending_responses()


def test_default_ownership_kept_without_acl_request(stubbed_aws):
    stubbed_aws.s3.add_response("get_bucket_ownership_controls", DEFAULT_OWNERSHIP, {"Bucket": BUCKET})
    concern = OwnershipControlsConcern(stubbed_aws.context(), {"object_ownership": "BucketOwnerEnforced"})

    changed, current, _desired = stubbed_aws.run(concern)

    assert changed is False
    assert current["acl_grants"] == []
    stubbed_aws.assert_no_pending_responses()


def test_default_sse_s3_kept(stubbed_aws):
    stubbed_aws.s3.add_response("get_bucket_encryption", DEFAULT_ENCRYPTION, {"Bucket": BUCKET})
    concern = EncryptionConcern(stubbed_aws.context(), {"sse_algorithm": "AES256"})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is False
    stubbed_aws.assert_no_pending_responses()


def test_default_sse_s3_replaced_by_kms(stubbed_aws):
    stubbed_aws.s3.add_response("get_bucket_encryption", DEFAULT_ENCRYPTION, {"Bucket": BUCKET})
    stubbed_aws.s3.add_response(
        "put_bucket_encryption",
        {},
        {
            "Bucket": BUCKET,
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}]
            },
        },
    )
    concern = EncryptionConcern(stubbed_aws.context(), {"sse_algorithm": "aws:kms", "bucket_key_enabled": True})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()
