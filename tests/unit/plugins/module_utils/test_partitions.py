"""Table-driven tests that ARNs, service principals and the ELB account table follow the partition of the region.

The partitions are aws, aws-cn (China) and aws-us-gov (GovCloud). The
partition comes from botocore's endpoint data for the region
(``AwsClients.partition``); no test sends a request.
"""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._elb_accounts import (
    ELB_LOG_DELIVERY_PRINCIPAL,
    elb_principal,
)
from ansible_collections.logsafe.aws.plugins.module_utils._encryption import EncryptionConcern, parse_kms_key
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._kms_key_policy import (
    grants_root_all,
    logsafe_statements,
    merge_key_policy,
    validate_reader_role_arns,
)
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import log_source_statements
from ansible_collections.logsafe.aws.plugins.module_utils._policy import PolicyConcern
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import documents_equal

ACCOUNT = "123456789012"
BUCKET = "example-logs"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"

# (region, partition, ELB log delivery account of the region as published by AWS).
REGIONS = [
    pytest.param("us-east-1", "aws", "127311923021", id="us-east-1"),
    pytest.param("eu-west-1", "aws", "156460612806", id="eu-west-1"),
    pytest.param("cn-north-1", "aws-cn", "638102146993", id="cn-north-1"),
    pytest.param("cn-northwest-1", "aws-cn", "037604701340", id="cn-northwest-1"),
    pytest.param("us-gov-west-1", "aws-us-gov", "048591011584", id="us-gov-west-1"),
    pytest.param("us-gov-east-1", "aws-us-gov", "190560391635", id="us-gov-east-1"),
]

ALL_SOURCES = [
    {"type": "alb", "prefix": "alb"},
    {"type": "clb"},
    {"type": "vpc_flow_logs"},
    {"type": "cloudtrail", "trail_names": ["main"]},
    {"type": "config"},
    {"type": "s3_access_logs", "source_buckets": ["app-data"], "prefix": "app-data/"},
]


@pytest.fixture
def region():
    return "us-east-1"


@pytest.fixture
def aws_params(aws_params, region):
    # A known account id, so that statements that need it send no STS request.
    return dict(aws_params, region=region, account_id=ACCOUNT)


def statements_by_sid(statements):
    return {statement["Sid"]: statement for statement in statements}


@pytest.mark.parametrize("region, partition, elb_account", REGIONS)
def test_partition_of_region(stubbed_aws, region, partition, elb_account):
    assert stubbed_aws.clients.partition == partition


@pytest.mark.parametrize("region, partition, elb_account", REGIONS)
def test_bucket_arn_in_partition(stubbed_aws, region, partition, elb_account):
    ctx = stubbed_aws.context(BUCKET)

    assert ctx.arn() == f"arn:{partition}:s3:::{BUCKET}"
    assert ctx.arn("/logs/*") == f"arn:{partition}:s3:::{BUCKET}/logs/*"


@pytest.mark.parametrize("region, partition, elb_account", REGIONS)
def test_policy_statements_use_partition(stubbed_aws, region, partition, elb_account):
    options = {
        "deny_insecure_transport": True,
        "deny_outdated_tls": True,
        "access_log_sources": [{"bucket": "app-data", "prefix": "app-data/"}],
    }
    concern = PolicyConcern(stubbed_aws.context(BUCKET), options)

    statements = statements_by_sid(concern.managed_statements())

    bucket_arn = f"arn:{partition}:s3:::{BUCKET}"
    assert statements["LogsafeDenyInsecureTransport"]["Resource"] == [bucket_arn, f"{bucket_arn}/*"]
    assert statements["LogsafeDenyOutdatedTls"]["Resource"] == [bucket_arn, f"{bucket_arn}/*"]
    delivery = next(statement for sid, statement in statements.items() if sid.startswith("LogsafeS3AccessLogs"))
    assert delivery["Resource"] == f"{bucket_arn}/app-data/*"
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:{partition}:s3:::app-data"}


@pytest.mark.parametrize("region, partition, elb_account", REGIONS)
def test_log_source_statements_in_partition(region, partition, elb_account):
    bucket_arn = f"arn:{partition}:s3:::{BUCKET}"

    statements = statements_by_sid(log_source_statements(ALL_SOURCES, bucket_arn, ACCOUNT, region, partition))

    assert statements["LogsafeAlbAccessLogs"]["Principal"] == {"AWS": f"arn:{partition}:iam::{elb_account}:root"}
    assert statements["LogsafeAlbAccessLogs"]["Resource"] == f"{bucket_arn}/alb/AWSLogs/{ACCOUNT}/*"
    assert statements["LogsafeClbAccessLogs"]["Principal"] == {"AWS": f"arn:{partition}:iam::{elb_account}:root"}
    vended = statements["LogsafeVendedLogsWrite"]
    assert vended["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert vended["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:{partition}:logs:{region}:{ACCOUNT}:*"}
    assert statements["LogsafeVendedLogsAclCheck"]["Resource"] == bucket_arn
    trail = statements["LogsafeCloudTrailWrite"]
    assert trail["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert trail["Condition"]["ArnLike"] == {"aws:SourceArn": [f"arn:{partition}:cloudtrail:*:{ACCOUNT}:trail/main"]}
    assert statements["LogsafeConfigWrite"]["Principal"] == {"Service": "config.amazonaws.com"}
    assert statements["LogsafeConfigWrite"]["Resource"] == f"{bucket_arn}/AWSLogs/{ACCOUNT}/Config/*"
    access_logs = next(statement for sid, statement in statements.items() if sid.startswith("LogsafeS3AccessLogs"))
    assert access_logs["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:{partition}:s3:::app-data"}


@pytest.mark.parametrize("region, partition, elb_account", REGIONS)
def test_every_resource_in_partition(region, partition, elb_account):
    bucket_arn = f"arn:{partition}:s3:::{BUCKET}"

    statements = log_source_statements(ALL_SOURCES, bucket_arn, ACCOUNT, region, partition)

    for statement in statements:
        for resource in statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]:
            assert resource.startswith(f"arn:{partition}:s3:::"), f"{statement['Sid']}: {resource}"


@pytest.mark.parametrize(
    "region, partition, expected",
    [
        pytest.param("us-east-1", "aws", {"AWS": "arn:aws:iam::127311923021:root"}, id="listed-region"),
        pytest.param("ap-south-2", "aws", {"Service": ELB_LOG_DELIVERY_PRINCIPAL}, id="region-after-august-2022"),
        pytest.param("cn-north-1", "aws-cn", {"AWS": "arn:aws-cn:iam::638102146993:root"}, id="china"),
        pytest.param("us-gov-east-1", "aws-us-gov", {"AWS": "arn:aws-us-gov:iam::190560391635:root"}, id="govcloud"),
    ],
)
def test_elb_principal_by_region(region, partition, expected):
    assert elb_principal(region, partition) == expected


KEY_ARN_CASES = [
    pytest.param("aws", "eu-west-1", id="aws"),
    pytest.param("aws-cn", "cn-north-1", id="aws-cn"),
    pytest.param("aws-us-gov", "us-gov-west-1", id="aws-us-gov"),
]


@pytest.mark.parametrize("partition, key_region", KEY_ARN_CASES)
def test_parse_key_arn_in_partition(partition, key_region):
    key_arn = f"arn:{partition}:kms:{key_region}:{ACCOUNT}:key/{KEY_ID}"

    assert parse_kms_key(key_arn) == {"form": "key_arn", "key_id": KEY_ID, "region": key_region}


@pytest.mark.parametrize("partition, key_region", KEY_ARN_CASES)
def test_parse_alias_arn_in_partition(partition, key_region):
    alias_arn = f"arn:{partition}:kms:{key_region}:{ACCOUNT}:alias/example-logs"

    assert parse_kms_key(alias_arn) == {"form": "alias_arn", "key_id": None, "region": key_region}


@pytest.mark.parametrize("partition, key_region", KEY_ARN_CASES)
def test_parse_managed_alias_arn_in_partition(partition, key_region):
    alias_arn = f"arn:{partition}:kms:{key_region}:{ACCOUNT}:alias/aws/s3"

    assert parse_kms_key(alias_arn) == {"form": "aws_managed", "key_id": None, "region": key_region}


def test_parse_key_arn_unknown_partition():
    assert parse_kms_key(f"arn:azure:kms:eu-west-1:{ACCOUNT}:key/{KEY_ID}")["form"] == "invalid"


@pytest.mark.parametrize(
    "region, key_region, accepted",
    [
        pytest.param("cn-north-1", "cn-north-1", True, id="china-same-region"),
        pytest.param("cn-northwest-1", "cn-north-1", False, id="china-other-region"),
        pytest.param("us-gov-west-1", "us-gov-west-1", True, id="govcloud-same-region"),
    ],
)
def test_encryption_key_region_in_partition(stubbed_aws, region, key_region, accepted):
    partition = stubbed_aws.clients.partition
    key_arn = f"arn:{partition}:kms:{key_region}:{ACCOUNT}:key/{KEY_ID}"
    concern = EncryptionConcern(stubbed_aws.context(BUCKET), {"sse_algorithm": "aws:kms", "kms_key": key_arn})

    if accepted:
        concern.validate()
    else:
        with pytest.raises(ValidationError, match=f"the key is in region {key_region}, but the bucket is in {region}"):
            concern.validate()


@pytest.mark.parametrize("region, partition, elb_account", REGIONS)
def test_documents_equal_account_id_in_partition(region, partition, elb_account):
    statement = {
        "Sid": "Read",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:{partition}:s3:::{BUCKET}/*",
    }
    with_id = {"Statement": [dict(statement, Principal={"AWS": ACCOUNT})]}
    with_arn = {"Statement": [dict(statement, Principal={"AWS": f"arn:{partition}:iam::{ACCOUNT}:root"})]}

    assert documents_equal(with_id, with_arn, partition) is True
    other = "aws-cn" if partition == "aws" else "aws"
    assert documents_equal(with_id, with_arn, other) is False


@pytest.mark.parametrize("region, partition, elb_account", REGIONS)
def test_key_policy_statements_in_partition(region, partition, elb_account):
    options = {
        "log_sources": [
            {"type": "cloudtrail"},
            {"type": "vpc_flow_logs"},
            {"type": "s3_access_logs", "source_buckets": ["app-data"]},
        ],
        "reader_role_arns": [f"arn:{partition}:iam::111122223333:role/siem"],
        "bucket": BUCKET,
    }

    managed, removed = logsafe_statements(options, ACCOUNT, region, partition, manage_all=True)
    document, _warnings = merge_key_policy(None, managed, removed, ACCOUNT, partition)

    statements = statements_by_sid(document["Statement"])
    root = statements["Enable IAM User Permissions"]
    assert root["Principal"] == {"AWS": f"arn:{partition}:iam::{ACCOUNT}:root"}
    assert grants_root_all(root, ACCOUNT, partition) is True
    assert statements["LogsafeKeyCloudTrail"]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert statements["LogsafeKeyCloudTrail"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": [f"arn:{partition}:cloudtrail:*:{ACCOUNT}:trail/*"]
    }
    assert statements["LogsafeKeyVendedLogs"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": [f"arn:{partition}:logs:{region}:{ACCOUNT}:*"]
    }
    assert statements["LogsafeKeyS3AccessLogs"]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert statements["LogsafeKeyS3AccessLogs"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": [f"arn:{partition}:s3:::app-data"]
    }
    s3_use = statements["LogsafeKeyS3Use"]["Condition"]
    assert s3_use["StringLike"] == {
        "kms:EncryptionContext:aws:s3:arn": [f"arn:{partition}:s3:::{BUCKET}", f"arn:{partition}:s3:::{BUCKET}/*"]
    }
    expected_via = [f"s3.{region}.amazonaws.com"]
    if partition == "aws-cn":
        expected_via.append(f"s3.{region}.amazonaws.com.cn")
    assert s3_use["StringEquals"]["kms:ViaService"] == expected_via


@pytest.mark.parametrize("region, partition, elb_account", REGIONS)
def test_reader_role_from_other_partition_rejected(region, partition, elb_account):
    other = "aws-us-gov" if partition != "aws-us-gov" else "aws"

    with pytest.raises(ValidationError, match=f"the role is in partition {other}, but the key is in {partition}"):
        validate_reader_role_arns([f"arn:{other}:iam::111122223333:role/siem"], partition, "KMS key x")
