"""Unit tests for log sources: their policy statements, validation and the encryption each accepts."""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._elb_accounts import (
    ELB_ACCOUNTS,
    ELB_LOG_DELIVERY_PRINCIPAL,
    elb_principal,
)
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import (
    CLOUDTRAIL_PRINCIPAL,
    CONFIG_PRINCIPAL,
    KEY_GRANT_ACTIONS,
    VENDED_LOGS_PRINCIPAL,
    check_encryption,
    log_source_statements,
    required_key_grants,
    validate_log_sources,
)

BUCKET = "example-logs"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
ACCOUNT = "123456789012"
REGION = "eu-west-1"


def statements_by_sid(sources, region=REGION, partition="aws", bucket_arn=BUCKET_ARN):
    return {item["Sid"]: item for item in log_source_statements(sources, bucket_arn, ACCOUNT, region, partition)}


# Statements per source


def test_alb_statement_old_region_uses_elb_account():
    statement = statements_by_sid([{"type": "alb", "prefix": "alb"}])["LogsafeAlbAccessLogs"]

    assert statement["Principal"] == {"AWS": "arn:aws:iam::156460612806:root"}
    assert statement["Action"] == "s3:PutObject"
    assert statement["Resource"] == f"{BUCKET_ARN}/alb/AWSLogs/{ACCOUNT}/*"


def test_alb_statement_new_region_uses_service_principal():
    statement = statements_by_sid([{"type": "alb"}], region="eu-central-2")["LogsafeAlbAccessLogs"]

    assert statement["Principal"] == {"Service": ELB_LOG_DELIVERY_PRINCIPAL}
    assert statement["Resource"] == f"{BUCKET_ARN}/AWSLogs/{ACCOUNT}/*"


def test_clb_statement_sid():
    statements = statements_by_sid([{"type": "clb"}])

    assert list(statements) == ["LogsafeClbAccessLogs"]


@pytest.mark.parametrize("kind", ["nlb", "vpc_flow_logs", "waf", "cloudfront"])
def test_vended_statements(kind):
    statements = statements_by_sid([{"type": kind, "prefix": "net/"}])
    write = statements["LogsafeVendedLogsWrite"]
    check = statements["LogsafeVendedLogsAclCheck"]

    assert write["Principal"] == {"Service": VENDED_LOGS_PRINCIPAL}
    assert write["Resource"] == [f"{BUCKET_ARN}/net/AWSLogs/{ACCOUNT}/*"]
    assert write["Condition"]["StringEquals"] == {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": ACCOUNT}
    assert write["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:*"}
    assert check["Action"] == ["s3:GetBucketAcl", "s3:ListBucket"]
    assert check["Resource"] == BUCKET_ARN


def test_vended_sources_share_statements():
    statements = log_source_statements(
        [{"type": "nlb", "prefix": "nlb"}, {"type": "vpc_flow_logs", "prefix": "flow"}], BUCKET_ARN, ACCOUNT, REGION
    )

    assert [item["Sid"] for item in statements] == ["LogsafeVendedLogsWrite", "LogsafeVendedLogsAclCheck"]
    assert statements[0]["Resource"] == [f"{BUCKET_ARN}/flow/AWSLogs/{ACCOUNT}/*", f"{BUCKET_ARN}/nlb/AWSLogs/{ACCOUNT}/*"]


def test_cloudtrail_statements():
    statements = statements_by_sid([{"type": "cloudtrail"}])
    check = statements["LogsafeCloudTrailAclCheck"]
    write = statements["LogsafeCloudTrailWrite"]

    assert check["Principal"] == {"Service": CLOUDTRAIL_PRINCIPAL}
    assert check["Action"] == "s3:GetBucketAcl"
    assert check["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert write["Resource"] == [f"{BUCKET_ARN}/AWSLogs/{ACCOUNT}/*"]
    assert write["Condition"]["ArnLike"] == {"aws:SourceArn": [f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"]}


def test_cloudtrail_organization_and_trails():
    source = {"type": "cloudtrail", "organization_id": "o-abcdefghij", "trail_names": ["org-trail"]}
    write = statements_by_sid([source])["LogsafeCloudTrailWrite"]

    assert write["Resource"] == [f"{BUCKET_ARN}/AWSLogs/{ACCOUNT}/*", f"{BUCKET_ARN}/AWSLogs/o-abcdefghij/*"]
    assert write["Condition"]["ArnLike"] == {"aws:SourceArn": [f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/org-trail"]}


def test_config_statements():
    statements = statements_by_sid([{"type": "config", "prefix": "cfg"}])

    assert statements["LogsafeConfigAclCheck"]["Principal"] == {"Service": CONFIG_PRINCIPAL}
    assert statements["LogsafeConfigWrite"]["Resource"] == f"{BUCKET_ARN}/cfg/AWSLogs/{ACCOUNT}/Config/*"


def test_s3_access_logs_one_statement_per_source():
    statements = statements_by_sid([{"type": "s3_access_logs", "source_buckets": ["app-a", "app-b"], "prefix": "s3/"}])

    assert len(statements) == 2
    for statement in statements.values():
        assert statement["Principal"] == {"Service": "logging.s3.amazonaws.com"}
        assert statement["Resource"] == f"{BUCKET_ARN}/s3/*"


@pytest.mark.parametrize(
    ("region", "partition", "principal"),
    [
        pytest.param("cn-north-1", "aws-cn", {"AWS": "arn:aws-cn:iam::638102146993:root"}, id="china"),
        pytest.param("us-gov-west-1", "aws-us-gov", {"AWS": "arn:aws-us-gov:iam::048591011584:root"}, id="govcloud"),
        pytest.param("us-east-1", "aws", {"AWS": "arn:aws:iam::127311923021:root"}, id="commercial"),
    ],
)
def test_elb_principal_partitions(region, partition, principal):
    assert elb_principal(region, partition) == principal


def test_elb_account_table_has_ids():
    assert all(len(account) == 12 and account.isdigit() for account in ELB_ACCOUNTS.values())


# Validation


INVALID_SOURCES = [
    pytest.param([{"type": "syslog"}], BUCKET, "Invalid type 'syslog'", id="unknown-type"),
    pytest.param([{"type": "alb", "prefix": "AWSLogs/alb"}], BUCKET, "Remove AWSLogs from the prefix", id="awslogs-prefix"),
    pytest.param([{"type": "alb", "prefix": "/alb"}], BUCKET, "without a leading slash", id="leading-slash"),
    pytest.param([{"type": "s3_access_logs"}], BUCKET, "Missing source_buckets", id="no-source-buckets"),
    pytest.param(
        [{"type": "s3_access_logs", "source_buckets": [BUCKET]}], BUCKET, "cannot receive its own", id="logs-into-itself"
    ),
    pytest.param([{"type": "waf"}], BUCKET, "aws-waf-logs-", id="waf-bucket-name"),
    pytest.param([{"type": "cloudfront", "legacy": True}], BUCKET, "standard logging v2", id="legacy-cloudfront"),
    pytest.param([{"type": "alb", "organization_id": "o-x"}], BUCKET, "Invalid option organization_id", id="option-of-other-type"),
    pytest.param([{"type": "alb"}, {"type": "alb"}], BUCKET, "Duplicate", id="duplicate"),
]


@pytest.mark.parametrize(("sources", "bucket", "message"), INVALID_SOURCES)
def test_validate_log_sources_rejects(sources, bucket, message):
    with pytest.raises(ValidationError) as raised:
        validate_log_sources(sources, bucket)

    assert message in str(raised.value)
    assert bucket in str(raised.value)


def test_validate_waf_on_waf_bucket():
    validate_log_sources([{"type": "waf"}], "aws-waf-logs-example")


# Encryption each source accepts


ENCRYPTION_MATRIX = [
    # (source type, encryption, outcome): "ok", "warn" (customer key needs a key-policy grant) or "fail".
    ("alb", {"sse_algorithm": "AES256"}, "ok"),
    ("alb", {"sse_algorithm": "aws:kms", "kms_key": None}, "fail"),
    ("alb", {"sse_algorithm": "aws:kms", "kms_key": "alias/logs"}, "fail"),
    ("clb", {"sse_algorithm": "aws:kms:dsse", "kms_key": "alias/logs"}, "fail"),
    ("s3_access_logs", {"sse_algorithm": "AES256"}, "ok"),
    ("s3_access_logs", {"sse_algorithm": "aws:kms", "kms_key": None}, "fail"),
    ("s3_access_logs", {"sse_algorithm": "aws:kms", "kms_key": "alias/logs"}, "warn"),
    ("nlb", {"sse_algorithm": "aws:kms", "kms_key": None}, "fail"),
    ("nlb", {"sse_algorithm": "aws:kms", "kms_key": "alias/logs"}, "warn"),
    ("vpc_flow_logs", {"sse_algorithm": "aws:kms", "kms_key": "alias/logs"}, "warn"),
    ("waf", {"sse_algorithm": "AES256"}, "ok"),
    ("cloudfront", {"sse_algorithm": "aws:kms", "kms_key": None}, "fail"),
    ("cloudtrail", {"sse_algorithm": "aws:kms", "kms_key": None}, "fail"),
    ("cloudtrail", {"sse_algorithm": "aws:kms", "kms_key": "alias/logs"}, "warn"),
    ("config", {"sse_algorithm": "aws:kms", "kms_key": "alias/logs"}, "warn"),
    ("config", {"sse_algorithm": "AES256"}, "ok"),
]


@pytest.mark.parametrize(
    ("kind", "encryption", "outcome"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]['sse_algorithm']}-{case[1].get('kms_key') or 'managed'}") for case in ENCRYPTION_MATRIX],
)
def test_encryption_matrix(kind, encryption, outcome):
    sources = [{"type": kind, "source_buckets": ["app"]} if kind == "s3_access_logs" else {"type": kind}]

    if outcome == "fail":
        with pytest.raises(ValidationError) as raised:
            check_encryption(sources, encryption, BUCKET)
        assert BUCKET in str(raised.value)
        assert "AES256" in str(raised.value)
        return
    warnings = check_encryption(sources, encryption, BUCKET)
    assert bool(warnings) is (outcome == "warn")


def test_encryption_managed_key_message_names_both_ways_out():
    with pytest.raises(ValidationError) as raised:
        check_encryption([{"type": "cloudtrail"}], {"sse_algorithm": "aws:kms", "kms_key": None}, BUCKET)

    message = str(raised.value)
    assert "aws/s3" in message
    assert "SSE-S3 (AES256)" in message
    assert "cloudtrail.amazonaws.com" in message
    assert "kms:GenerateDataKey*" in message


def test_encryption_no_sources_no_check():
    assert check_encryption([], {"sse_algorithm": "aws:kms", "kms_key": None}, BUCKET) == []


def test_required_key_grants_one_per_service():
    grants = required_key_grants([{"type": "nlb"}, {"type": "vpc_flow_logs"}, {"type": "cloudtrail"}, {"type": "alb"}])

    assert grants == [
        {"service": CLOUDTRAIL_PRINCIPAL, "actions": KEY_GRANT_ACTIONS},
        {"service": VENDED_LOGS_PRINCIPAL, "actions": KEY_GRANT_ACTIONS},
    ]
