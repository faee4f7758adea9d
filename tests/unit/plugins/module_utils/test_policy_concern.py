"""Tests of PolicyConcern against recorded AWS responses."""

from __future__ import annotations

import json

import pytest
from botocore.stub import ANY

from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._policy import CONCURRENT_WRITE_ATTEMPTS, PolicyConcern
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    deny_outdated_tls_statement,
    DENY_INSECURE_TRANSPORT_SID,
    DENY_OUTDATED_TLS_SID,
    documents_equal,
    s3_access_logs_sid,
)

ACCOUNT = "123456789012"
BUCKET = "example-logs-access-logs"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
SOURCE = "example-logs"
DELIVERY_SID = s3_access_logs_sid(SOURCE)

# A statement as a user writes it in the statements option: bare account ids, lists in any order.
AUDIT_OPTION = {
    "Sid": "AuditRead",
    "Effect": "Allow",
    "Principal": {"AWS": ["111122223333", "444455556666"]},
    "Action": ["s3:GetObject", "s3:ListBucket"],
    "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
}

# The policy that the options below ask for, as GetBucketPolicy returns it: statements and
# list values in another order, root ARNs for account ids, one-element lists for strings.
STORED_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": DENY_INSECURE_TRANSPORT_SID,
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": ["s3:*"],
            "Resource": [f"{BUCKET_ARN}/*", BUCKET_ARN],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "AuditRead",
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:root"]},
            "Action": ["s3:ListBucket", "s3:GetObject"],
            "Resource": [f"{BUCKET_ARN}/*", BUCKET_ARN],
        },
        {
            "Sid": DELIVERY_SID,
            "Effect": "Allow",
            "Principal": {"Service": ["logging.s3.amazonaws.com"]},
            "Action": ["s3:PutObject"],
            "Resource": [f"{BUCKET_ARN}/{SOURCE}/*"],
            "Condition": {
                "StringEquals": {"aws:SourceAccount": [ACCOUNT]},
                "ArnLike": {"aws:SourceArn": [f"arn:aws:s3:::{SOURCE}"]},
            },
        },
    ],
}

OPTIONS = {
    "deny_insecure_transport": True,
    "access_log_sources": [{"bucket": SOURCE, "prefix": f"{SOURCE}/"}],
    "statements": [AUDIT_OPTION],
    "purge_statements": False,
}


class PolicyText:
    """Matches the Policy parameter of PutBucketPolicy when its JSON has the same meaning as ``document``."""

    def __init__(self, document):
        self.document = document

    def __eq__(self, other):
        return isinstance(other, str) and documents_equal(json.loads(other), self.document)

    def __repr__(self):
        return f"PolicyText({self.document!r})"


@pytest.fixture
def aws_params(aws_params):
    # A known account id, so that building the delivery statement sends no STS request.
    return dict(aws_params, account_id=ACCOUNT)


def stub_read(stubbed_aws, document):
    stubbed_aws.s3.add_response("get_bucket_policy", {"Policy": json.dumps(document)}, {"Bucket": BUCKET})


def stub_no_policy(stubbed_aws):
    stubbed_aws.s3.add_client_error(
        "get_bucket_policy",
        service_error_code="NoSuchBucketPolicy",
        service_message="The bucket policy does not exist",
        http_status_code=404,
        expected_params={"Bucket": BUCKET},
    )


def test_policy_reordered_read_back(stubbed_aws):
    stub_read(stubbed_aws, STORED_POLICY)
    concern = PolicyConcern(stubbed_aws.context(BUCKET), OPTIONS)

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is False
    stubbed_aws.assert_no_pending_responses()


def test_policy_missing_deny_statement(stubbed_aws):
    without_deny = dict(STORED_POLICY, Statement=STORED_POLICY["Statement"][1:])
    stub_read(stubbed_aws, without_deny)
    # The write re-reads the policy right before PutBucketPolicy, and reads it back afterwards.
    stub_read(stubbed_aws, without_deny)
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(STORED_POLICY)})
    stub_read(stubbed_aws, STORED_POLICY)
    concern = PolicyConcern(stubbed_aws.context(BUCKET), OPTIONS)

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_policy_first_write_allow_first(stubbed_aws):
    stub_no_policy(stubbed_aws)
    stub_no_policy(stubbed_aws)
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(STORED_POLICY)})
    stub_read(stubbed_aws, STORED_POLICY)
    concern = PolicyConcern(stubbed_aws.context(BUCKET), OPTIONS)

    changed, current, desired = stubbed_aws.run(concern)

    assert changed is True
    assert current is None
    assert [statement["Effect"] for statement in desired["Statement"]] == ["Allow", "Allow", "Deny"]
    stubbed_aws.assert_no_pending_responses()


def test_policy_remove_deny_deletes_policy(stubbed_aws):
    only_deny = dict(STORED_POLICY, Statement=STORED_POLICY["Statement"][:1])
    stub_read(stubbed_aws, only_deny)
    stubbed_aws.s3.add_response("delete_bucket_policy", {}, {"Bucket": BUCKET})
    concern = PolicyConcern(stubbed_aws.context(BUCKET), {"deny_insecure_transport": False})

    changed, _current, desired = stubbed_aws.run(concern)

    assert changed is True
    assert desired is None
    stubbed_aws.assert_no_pending_responses()


def test_policy_outdated_tls_read_back(stubbed_aws):
    stored = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": DENY_OUTDATED_TLS_SID,
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": ["s3:*"],
                "Resource": [f"{BUCKET_ARN}/*", BUCKET_ARN],
                "Condition": {"NumericLessThan": {"s3:TlsVersion": ["1.2"]}},
            }
        ],
    }
    stub_read(stubbed_aws, stored)
    concern = PolicyConcern(stubbed_aws.context(BUCKET), {"deny_outdated_tls": True})

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is False
    stubbed_aws.assert_no_pending_responses()


def test_policy_outdated_tls_new_version(stubbed_aws):
    stub_no_policy(stubbed_aws)
    stub_no_policy(stubbed_aws)
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": ANY})
    written = {"Version": "2012-10-17", "Statement": [deny_outdated_tls_statement(f"arn:aws:s3:::{BUCKET}", "1.3")]}
    stub_read(stubbed_aws, written)
    concern = PolicyConcern(stubbed_aws.context(BUCKET), {"deny_outdated_tls": True, "minimum_tls_version": "1.3"})

    changed, _current, desired = stubbed_aws.run(concern)

    assert changed is True
    assert desired["Statement"][0]["Sid"] == DENY_OUTDATED_TLS_SID
    assert desired["Statement"][0]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.3"}}
    stubbed_aws.assert_no_pending_responses()


INVALID_OPTIONS = [
    pytest.param(
        {"deny_outdated_tls": True, "minimum_tls_version": "1.1"},
        "Invalid minimum_tls_version '1.1' for bucket example-logs-access-logs: use one of 1.2, 1.3.",
        id="old-tls-version",
    ),
    pytest.param(
        {"statements": [dict(AUDIT_OPTION, Sid="LogsafeAudit")]},
        "Sids that start with 'Logsafe' are reserved for the statements this collection builds",
        id="reserved-sid",
    ),
    pytest.param(
        {"access_log_sources": [{"bucket": BUCKET, "prefix": ""}]},
        f"Bucket {BUCKET} cannot receive its own server access logs",
        id="own-logs",
    ),
    pytest.param(
        {"statements": [dict(AUDIT_OPTION, Sid="Audit Read")]},
        "a Sid may contain only letters and digits",
        id="bad-sid",
    ),
]


@pytest.mark.parametrize("options, fragment", INVALID_OPTIONS)
def test_policy_validate_rejects(stubbed_aws, options, fragment):
    concern = PolicyConcern(stubbed_aws.context(BUCKET), options)

    with pytest.raises(ValidationError) as raised:
        concern.validate()

    assert fragment in str(raised.value)


def test_policy_validate_duplicate_source(stubbed_aws):
    sources = [{"bucket": SOURCE, "prefix": "a/"}, {"bucket": SOURCE, "prefix": "b/"}]
    concern = PolicyConcern(stubbed_aws.context(BUCKET), {"access_log_sources": sources})

    with pytest.raises(ValidationError) as raised:
        concern.validate()

    assert SOURCE in str(raised.value)


# Concurrent writers


OTHER_SOURCE_STATEMENT = {
    "Sid": "OtherWriterStatement",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
}


def test_policy_write_merges_concurrent_change(stubbed_aws):
    without_deny = dict(STORED_POLICY, Statement=STORED_POLICY["Statement"][:-1])
    changed_meanwhile = dict(without_deny, Statement=[*without_deny["Statement"], OTHER_SOURCE_STATEMENT])
    merged = dict(STORED_POLICY, Statement=[*STORED_POLICY["Statement"], OTHER_SOURCE_STATEMENT])
    stub_read(stubbed_aws, without_deny)
    stub_read(stubbed_aws, changed_meanwhile)
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(merged)})
    stub_read(stubbed_aws, merged)
    concern = PolicyConcern(stubbed_aws.context(BUCKET), OPTIONS)

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_policy_write_repeats_when_overwritten(stubbed_aws):
    without_deny = dict(STORED_POLICY, Statement=STORED_POLICY["Statement"][:-1])
    stub_read(stubbed_aws, without_deny)
    stub_read(stubbed_aws, without_deny)
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(STORED_POLICY)})
    stub_read(stubbed_aws, without_deny)
    stub_read(stubbed_aws, without_deny)
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(STORED_POLICY)})
    stub_read(stubbed_aws, STORED_POLICY)
    concern = PolicyConcern(stubbed_aws.context(BUCKET), OPTIONS)

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_policy_write_gives_up_after_attempts(stubbed_aws):
    without_deny = dict(STORED_POLICY, Statement=STORED_POLICY["Statement"][:-1])
    stub_read(stubbed_aws, without_deny)
    for _attempt in range(CONCURRENT_WRITE_ATTEMPTS):
        stub_read(stubbed_aws, without_deny)
        stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(STORED_POLICY)})
        stub_read(stubbed_aws, without_deny)
    concern = PolicyConcern(stubbed_aws.context(BUCKET), OPTIONS)

    with pytest.raises(AwsApiError) as raised:
        stubbed_aws.run(concern)

    assert BUCKET in str(raised.value)
    assert raised.value.error_code == "ConcurrentModification"
    stubbed_aws.assert_no_pending_responses()


def test_policy_retry_keeps_other_writer_statement(stubbed_aws):
    # Another run replaces our first write with its own policy. The retry merges into that policy
    # instead of writing our first document again, which would drop the other run's statement.
    without_deny = dict(STORED_POLICY, Statement=STORED_POLICY["Statement"][:-1])
    replaced = dict(without_deny, Statement=[*without_deny["Statement"], OTHER_SOURCE_STATEMENT])
    merged = dict(STORED_POLICY, Statement=[*STORED_POLICY["Statement"], OTHER_SOURCE_STATEMENT])
    stub_read(stubbed_aws, without_deny)
    stub_read(stubbed_aws, without_deny)
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(STORED_POLICY)})
    stub_read(stubbed_aws, replaced)
    stub_read(stubbed_aws, replaced)
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(merged)})
    stub_read(stubbed_aws, merged)
    concern = PolicyConcern(stubbed_aws.context(BUCKET), OPTIONS)

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


# A bucket created by the same run


def new_bucket_context(stubbed_aws):
    """Return the context of a bucket that HeadBucket did not find and the run created."""
    ctx = stubbed_aws.context(BUCKET, created=True)
    ctx.absent = True
    return ctx


def test_policy_new_bucket_write_read_back(stubbed_aws):
    # The first write needs no read before it, because the new bucket has no policy. The read-back
    # checks that the statements stayed.
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(STORED_POLICY)})
    stub_read(stubbed_aws, STORED_POLICY)
    concern = PolicyConcern(new_bucket_context(stubbed_aws), OPTIONS)

    changed, current, _desired = stubbed_aws.run(concern)

    assert changed is True
    assert current is None
    stubbed_aws.assert_no_pending_responses()


def test_policy_new_bucket_merges_concurrent_writer(stubbed_aws):
    # Two runs share a new access-log target, and the other run's policy replaced ours.
    others = {"Version": "2012-10-17", "Statement": [OTHER_SOURCE_STATEMENT]}
    merged = dict(STORED_POLICY, Statement=[*STORED_POLICY["Statement"], OTHER_SOURCE_STATEMENT])
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(STORED_POLICY)})
    stub_read(stubbed_aws, others)
    stub_read(stubbed_aws, others)
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(merged)})
    stub_read(stubbed_aws, merged)
    concern = PolicyConcern(new_bucket_context(stubbed_aws), OPTIONS)

    changed, _current, _desired = stubbed_aws.run(concern)

    assert changed is True
    stubbed_aws.assert_no_pending_responses()


def test_policy_new_bucket_gives_up_after_attempts(stubbed_aws):
    others = {"Version": "2012-10-17", "Statement": [OTHER_SOURCE_STATEMENT]}
    merged = dict(STORED_POLICY, Statement=[*STORED_POLICY["Statement"], OTHER_SOURCE_STATEMENT])
    stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(STORED_POLICY)})
    stub_read(stubbed_aws, others)
    for _attempt in range(CONCURRENT_WRITE_ATTEMPTS - 1):
        stub_read(stubbed_aws, others)
        stubbed_aws.s3.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": PolicyText(merged)})
        stub_read(stubbed_aws, others)
    concern = PolicyConcern(new_bucket_context(stubbed_aws), OPTIONS)

    with pytest.raises(AwsApiError) as raised:
        stubbed_aws.run(concern)

    assert BUCKET in str(raised.value)
    assert raised.value.error_code == "ConcurrentModification"
    stubbed_aws.assert_no_pending_responses()


# Statements that S3 rejects, found before any request


def test_policy_validate_rejects_other_bucket(stubbed_aws):
    statement = dict(AUDIT_OPTION, Resource="arn:aws:s3:::another-bucket/*")
    concern = PolicyConcern(stubbed_aws.context(BUCKET), {"statements": [statement]})

    with pytest.raises(ValidationError) as raised:
        concern.validate()

    message = str(raised.value)
    assert "'arn:aws:s3:::another-bucket/*'" in message
    assert "'AuditRead'" in message
    assert f"Use {BUCKET_ARN} or {BUCKET_ARN}/" in message


PUBLIC_READ = {
    "Sid": "PublicRead",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": f"{BUCKET_ARN}/*",
}


def policy_with_planned_block(stubbed_aws, statements, public_access_block):
    concern = PolicyConcern(stubbed_aws.context(BUCKET), {"statements": statements})
    concern.planned_public_access_block = public_access_block
    return concern


@pytest.mark.parametrize(
    "public_access_block",
    [
        pytest.param({}, id="all-flags-default"),
        pytest.param({"block_public_policy": True, "block_public_acls": False}, id="block-public-policy-set"),
    ],
)
def test_policy_validate_rejects_public_statement(stubbed_aws, public_access_block):
    concern = policy_with_planned_block(stubbed_aws, [AUDIT_OPTION, PUBLIC_READ], public_access_block)

    with pytest.raises(ValidationError) as raised:
        concern.validate()

    message = str(raised.value)
    assert f"Statement 'PublicRead' for bucket {BUCKET} makes the policy public" in message
    assert 'its Principal is "*"' in message
    assert "AccessDenied" in message
    assert "set public_access_block.block_public_policy to false" in message


@pytest.mark.parametrize(
    "public_access_block",
    [
        pytest.param(None, id="not-managed"),
        pytest.param({"block_public_policy": False}, id="block-public-policy-off"),
        pytest.param({"state": "absent"}, id="block-removed"),
    ],
)
def test_policy_validate_public_statement_allowed(stubbed_aws, public_access_block):
    concern = policy_with_planned_block(stubbed_aws, [PUBLIC_READ], public_access_block)

    concern.validate()


LIMITED_STATEMENTS = [
    pytest.param(dict(PUBLIC_READ, Effect="Deny"), id="deny-everyone"),
    pytest.param(
        dict(PUBLIC_READ, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), id="organization"
    ),
    pytest.param(
        dict(PUBLIC_READ, Condition={"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, Effect="Deny"),
        id="deny-if-exists",
    ),
    pytest.param(dict(PUBLIC_READ, Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}), id="source-ip"),
]


@pytest.mark.parametrize("statement", LIMITED_STATEMENTS)
def test_policy_validate_limited_statement_with_block(stubbed_aws, statement):
    concern = policy_with_planned_block(stubbed_aws, [statement], {})

    concern.validate()
