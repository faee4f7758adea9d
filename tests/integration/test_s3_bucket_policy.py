"""Integration tests of logsafe.aws.s3_bucket_policy against a moto server."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from botocore.exceptions import ClientError
from integration.single_module_helpers import (
    ACCOUNT_ID,
    assert_rejected_before_any_request,
    assert_same_in_every_step,
    aws_test_clients,
    module_failure,
    run_ladder,
)

MODULE = "s3_bucket_policy"
DENY_INSECURE_TRANSPORT_SID = "LogsafeDenyInsecureTransport"
DENY_OUTDATED_TLS_SID = "LogsafeDenyOutdatedTls"


@pytest.fixture(scope="module")
def aws(moto):
    """Return boto3 clients for this module's moto server."""
    with aws_test_clients(moto) as clients:
        yield clients


def bucket_arn(bucket):
    return f"arn:aws:s3:::{bucket}"


def deny_insecure_transport(bucket):
    """Return the TLS-only statement as the module writes it."""
    return {
        "Sid": DENY_INSECURE_TRANSPORT_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn(bucket), f"{bucket_arn(bucket)}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def foreign_statement(bucket, sid="AddedByAnotherTool"):
    """Return a statement that another tool added to the policy."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:role/auditor"},
        "Action": "s3:GetObject",
        "Resource": f"{bucket_arn(bucket)}/*",
    }


def access_logs_sid(source):
    """Return the documented Sid of a delivery statement: name in title case, alphanumerics only, SHA-256 prefix."""
    readable = re.sub(r"[^A-Za-z0-9]", "", source.title())
    return f"LogsafeS3AccessLogs{readable}{hashlib.sha256(source.encode()).hexdigest()[:8]}"


def read_statements(aws, bucket):
    """Return the bucket policy's statements by Sid, or None when the bucket has no policy."""
    try:
        text = aws.s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchBucketPolicy":
            return None
        raise
    return {statement["Sid"]: statement for statement in json.loads(text)["Statement"]}


def put_statements(aws, bucket, statements):
    """Set a bucket policy directly, as another tool would."""
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    aws.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def apply_then_rerun(run_module, moto, args):
    """Apply ``args`` twice; return both results and the writes of the second run."""
    first = run_module(MODULE, args).result
    mark = moto.mark()
    second = run_module(MODULE, args).result
    return first, second, moto.writes_since(mark)


def test_deny_insecure_transport_ladder(aws, moto, run_module):
    bucket = "policy-tls-ladder"
    aws.create_bucket(bucket)

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        {"name": bucket, "deny_insecure_transport": True},
        read_state=lambda: read_statements(aws, bucket),
        before=None,
        after={DENY_INSECURE_TRANSPORT_SID: deny_insecure_transport(bucket)},
    )

    assert results[0]["policy"]["document"]["Statement"] == [deny_insecure_transport(bucket)]
    assert_same_in_every_step(results, "policy")


def test_insecure_transport_false_removes_statement(aws, moto, run_module):
    bucket = "policy-tls-remove"
    aws.create_bucket(bucket)
    put_statements(aws, bucket, [foreign_statement(bucket), deny_insecure_transport(bucket)])

    first, second, writes = apply_then_rerun(run_module, moto, {"name": bucket, "deny_insecure_transport": False})

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    assert read_statements(aws, bucket) == {"AddedByAnotherTool": foreign_statement(bucket)}
    assert second["changed"] is False
    assert writes == []


def test_minimum_tls_version_change(aws, moto, run_module):
    bucket = "policy-outdated-tls"
    aws.create_bucket(bucket)

    tls_12 = run_module(MODULE, {"name": bucket, "deny_outdated_tls": True, "minimum_tls_version": "1.2"}).result
    condition_12 = read_statements(aws, bucket)[DENY_OUTDATED_TLS_SID]["Condition"]
    tls_13, tls_13_again, writes = apply_then_rerun(
        run_module, moto, {"name": bucket, "deny_outdated_tls": True, "minimum_tls_version": "1.3"}
    )

    assert tls_12["changed"] is True
    assert condition_12 == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}
    assert tls_13["changed"] is True
    assert read_statements(aws, bucket)[DENY_OUTDATED_TLS_SID]["Condition"] == {
        "NumericLessThan": {"s3:TlsVersion": "1.3"}
    }
    assert tls_13_again["changed"] is False
    assert writes == []


def test_access_log_sources_statement_each(aws, moto, run_module):
    bucket = "policy-access-logs"
    aws.create_bucket(bucket)
    sources = {"app-one-logs": "app-one/", "app-two-logs": "app-two/"}
    args = {
        "name": bucket,
        "access_log_sources": [{"bucket": name, "prefix": prefix} for name, prefix in sources.items()],
    }

    first, second, writes = apply_then_rerun(run_module, moto, args)

    assert first["failed"] is False, module_failure(first)
    assert first["changed"] is True
    statements = read_statements(aws, bucket)
    assert sorted(statements) == sorted(access_logs_sid(name) for name in sources)
    for source, prefix in sources.items():
        assert statements[access_logs_sid(source)] == {
            "Sid": access_logs_sid(source),
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn(bucket)}/{prefix}*",
            "Condition": {
                "ArnLike": {"aws:SourceArn": bucket_arn(source)},
                "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
            },
        }
    assert second["changed"] is False
    assert writes == []


def test_statements_merged_by_sid(aws, moto, run_module):
    bucket = "policy-merge-by-sid"
    aws.create_bucket(bucket)
    read_objects = foreign_statement(bucket, "AllowAuditRead")
    list_bucket = {
        "Sid": "AllowAuditList",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:role/auditor"},
        "Action": "s3:ListBucket",
        "Resource": bucket_arn(bucket),
    }
    read_versions = dict(read_objects, Action=["s3:GetObject", "s3:GetObjectVersion"])

    both = run_module(MODULE, {"name": bucket, "statements": [read_objects, list_bucket]}).result
    replaced = run_module(MODULE, {"name": bucket, "statements": [read_versions]}).result

    assert both["changed"] is True
    assert replaced["failed"] is False, module_failure(replaced)
    assert replaced["changed"] is True
    assert read_statements(aws, bucket) == {"AllowAuditRead": read_versions, "AllowAuditList": list_bucket}


def test_foreign_statement_kept_then_purged(aws, run_module):
    bucket = "policy-purge"
    aws.create_bucket(bucket)
    put_statements(aws, bucket, [foreign_statement(bucket)])

    keep_result = run_module(MODULE, {"name": bucket, "deny_insecure_transport": True}).result
    statements_after_keep = read_statements(aws, bucket)
    purge_result = run_module(
        MODULE, {"name": bucket, "deny_insecure_transport": True, "purge_statements": True}
    ).result

    assert keep_result["changed"] is True
    assert sorted(statements_after_keep) == ["AddedByAnotherTool", DENY_INSECURE_TRANSPORT_SID]
    assert purge_result["changed"] is True
    assert read_statements(aws, bucket) == {DENY_INSECURE_TRANSPORT_SID: deny_insecure_transport(bucket)}


def test_reordered_policy_is_no_change(aws, moto, run_module):
    bucket = "policy-reordered"
    aws.create_bucket(bucket)
    audit_read = {
        "Sid": "AllowAuditRead",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [bucket_arn(bucket), f"{bucket_arn(bucket)}/*"],
    }
    # The same meaning as the module writes, with statements and list values in
    # another order, "*" as {"AWS": "*"}, and the account id instead of its root ARN.
    stored_deny = dict(
        deny_insecure_transport(bucket),
        Principal={"AWS": "*"},
        Resource=[f"{bucket_arn(bucket)}/*", bucket_arn(bucket)],
    )
    stored_read = dict(
        audit_read,
        Principal={"AWS": ACCOUNT_ID},
        Action=["s3:ListBucket", "s3:GetObject"],
        Resource=[f"{bucket_arn(bucket)}/*", bucket_arn(bucket)],
    )
    put_statements(aws, bucket, [stored_deny, stored_read])
    mark = moto.mark()

    result = run_module(MODULE, {"name": bucket, "deny_insecure_transport": True, "statements": [audit_read]}).result

    assert result["failed"] is False, module_failure(result)
    assert result["changed"] is False
    assert moto.writes_since(mark) == []


@pytest.mark.parametrize(
    ("statements", "fragments"),
    [
        pytest.param(
            [
                {"Sid": "Twice", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
                {"Sid": "Twice", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"},
            ],
            ["Duplicate Sid 'Twice'", "each Sid must be unique"],
            id="duplicate-sid",
        ),
        pytest.param(
            [{"Sid": "LogsafeMine", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}],
            ["Invalid Sid 'LogsafeMine'", "reserved", "Rename the statement."],
            id="reserved-sid-prefix",
        ),
    ],
)
def test_invalid_statements_rejected(aws, moto, run_module, statements, fragments):
    bucket = "policy-rejected"
    if not aws.bucket_exists(bucket):
        aws.create_bucket(bucket)

    assert_rejected_before_any_request(
        run_module, moto, MODULE, {"name": bucket, "statements": statements}, [bucket, *fragments]
    )

    assert read_statements(aws, bucket) is None


def test_absent_deletes_policy(aws, moto, run_module):
    bucket = "policy-absent"
    aws.create_bucket(bucket)
    put_statements(aws, bucket, [foreign_statement(bucket), deny_insecure_transport(bucket)])

    first, second, writes = apply_then_rerun(run_module, moto, {"name": bucket, "state": "absent"})

    assert first["changed"] is True
    assert first["policy"] is None
    assert read_statements(aws, bucket) is None
    assert second["changed"] is False
    assert writes == []


def test_diff_shows_added_statement(aws, run_module):
    bucket = "policy-diff"
    aws.create_bucket(bucket)
    put_statements(aws, bucket, [foreign_statement(bucket)])

    result = run_module(MODULE, {"name": bucket, "deny_insecure_transport": True}, diff=True).result

    assert result["changed"] is True
    before_sids = [statement["Sid"] for statement in result["diff"]["before"]["document"]["Statement"]]
    after_statements = {statement["Sid"]: statement for statement in result["diff"]["after"]["document"]["Statement"]}
    assert before_sids == ["AddedByAnotherTool"]
    assert after_statements == {
        "AddedByAnotherTool": foreign_statement(bucket),
        DENY_INSECURE_TRANSPORT_SID: deny_insecure_transport(bucket),
    }
