"""Tests of the pure policy evaluation of the audit: public grants, expected statements, service grants, IAM decisions."""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._audit_policy import (
    ALLOWED,
    CONDITIONAL,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    evaluate_identity_policies,
    find_statement,
    key_use_grant,
    pattern_matches,
    public_statements,
    service_key_grant,
    service_write_grant,
    wildcard_s3_grants,
)
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import s3_access_logs_statement

BUCKET_ARN = "arn:aws:s3:::example-logs"
TARGET_ARN = "arn:aws:s3:::example-logs-access-logs"
ACCOUNT = "123456789012"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/log-shipper"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal, action="s3:GetObject", resource=f"{BUCKET_ARN}/*", **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource, **extra}


@pytest.mark.parametrize(
    ("pattern", "value", "case_sensitive", "expected"),
    [
        ("s3:*", "s3:PutObject", True, True),
        ("s3:Get*", "s3:PutObject", True, False),
        ("S3:PUTOBJECT", "s3:PutObject", False, True),
        ("S3:PUTOBJECT", "s3:PutObject", True, False),
        ("arn:aws:s3:::example-logs/app/*", "arn:aws:s3:::example-logs/app/2024/x.log", True, True),
        ("arn:aws:s3:::example-logs/app/*", "arn:aws:s3:::example-logs/other/x.log", True, False),
        ("kms:GenerateDataKey?", "kms:GenerateDataKeyX", True, True),
    ],
)
def test_pattern_matches(pattern, value, case_sensitive, expected):
    assert pattern_matches(pattern, value, case_sensitive) is expected


PUBLIC_CASES = [
    pytest.param(policy(allow("*", Sid="Everyone")), ["Everyone"], id="principal-star"),
    pytest.param(policy(allow({"AWS": "*"}, Sid="AwsStar")), ["AwsStar"], id="aws-star"),
    pytest.param(policy(allow({"AWS": ["*"]})), ["statement #1"], id="no-sid"),
    pytest.param(
        policy(allow("*", Sid="Restricted", Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}})),
        [],
        id="source-account-condition",
    ),
    pytest.param(
        policy(allow("*", Sid="OrgOnly", Condition={"StringEquals": {"AWS:PrincipalOrgID": "o-abc123"}})),
        [],
        id="org-condition-any-case",
    ),
    pytest.param(
        policy(allow("*", Sid="WildcardArn", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}})),
        ["WildcardArn"],
        id="wildcard-condition-restricts-nothing",
    ),
    pytest.param(
        policy(allow("*", Sid="TlsOnly", Condition={"Bool": {"aws:SecureTransport": "true"}})),
        ["TlsOnly"],
        id="unrelated-condition",
    ),
    pytest.param(policy(allow({"Service": "logging.s3.amazonaws.com"})), [], id="service-principal"),
    pytest.param(policy(allow({"AWS": ACCOUNT})), [], id="account-principal"),
    pytest.param(
        policy({"Sid": "DenyAll", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}),
        [],
        id="deny-is-not-a-grant",
    ),
    pytest.param(None, [], id="no-policy"),
]


@pytest.mark.parametrize(("document", "sids"), PUBLIC_CASES)
def test_public_statements(document, sids):
    found = public_statements(document)

    assert [item.split(" (")[0] for item in found] == sids


def test_public_statements_not_principal():
    document = policy({"Sid": "AllBut", "Effect": "Allow", "NotPrincipal": {"AWS": USER_ARN}, "Action": "s3:*"})

    assert public_statements(document) == ["AllBut (Allow with NotPrincipal grants everyone not listed)"]


def delivery_statement(prefix="example-logs/"):
    return s3_access_logs_statement(TARGET_ARN, prefix, "example-logs", ACCOUNT)


def test_find_statement_by_sid():
    expected = delivery_statement()
    # Another order of keys, a one-element list and a lower-case condition key mean the same.
    stored = dict(expected, Action=["s3:PutObject"])
    stored["Condition"] = {
        "StringEquals": {"AWS:SourceAccount": [ACCOUNT]},
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::example-logs"},
    }

    outcome, statement = find_statement(policy(stored), expected)

    assert outcome == "present"
    assert statement is stored


def test_find_statement_other_sid():
    expected = delivery_statement()
    stored = dict(expected, Sid="HandWritten")

    outcome, statement = find_statement(policy(stored), expected)

    assert outcome == "present_other_sid"
    assert statement["Sid"] == "HandWritten"


def test_find_statement_differs():
    expected = delivery_statement()
    stored = delivery_statement(prefix="other/")

    outcome, statement = find_statement(policy(stored), expected)

    assert outcome == "differs"
    assert statement["Resource"] == f"{TARGET_ARN}/other/*"


def test_find_statement_missing():
    assert find_statement(policy(allow({"AWS": ACCOUNT})), delivery_statement()) == ("missing", None)
    assert find_statement(None, delivery_statement()) == ("missing", None)


def object_arn(prefix="example-logs/"):
    return f"{TARGET_ARN}/{prefix}example-log-object"


def test_service_write_grant_logsafe_statement():
    statement = delivery_statement()

    grant = service_write_grant(policy(statement), "logging.s3.amazonaws.com", object_arn(), BUCKET_ARN, ACCOUNT)

    assert grant is statement


def test_service_write_grant_whole_bucket_without_conditions():
    statement = allow({"Service": "logging.s3.amazonaws.com"}, "s3:PutObject", f"{TARGET_ARN}/*")

    grant = service_write_grant(policy(statement), "logging.s3.amazonaws.com", object_arn(), BUCKET_ARN, ACCOUNT)

    assert grant is statement


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        (delivery_statement(prefix="other/"), "prefix"),
        (s3_access_logs_statement(TARGET_ARN, "example-logs/", "other-bucket", ACCOUNT), "source"),
        (s3_access_logs_statement(TARGET_ARN, "example-logs/", "example-logs", "210987654321"), "account"),
        (allow({"Service": "delivery.logs.amazonaws.com"}, "s3:PutObject", f"{TARGET_ARN}/*"), "service"),
        (allow({"Service": "logging.s3.amazonaws.com"}, "s3:GetObject", f"{TARGET_ARN}/*"), "action"),
    ],
)
def test_service_write_grant_rejects(statement, reason):
    grant = service_write_grant(policy(statement), "logging.s3.amazonaws.com", object_arn(), BUCKET_ARN, ACCOUNT)

    assert grant is None, reason


def test_service_write_grant_deny_wins():
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"{TARGET_ARN}/*"}

    grant = service_write_grant(
        policy(delivery_statement(), deny), "logging.s3.amazonaws.com", object_arn(), BUCKET_ARN, ACCOUNT
    )

    assert grant is None


KEY_ACTIONS = ["kms:GenerateDataKey*", "kms:DescribeKey"]


@pytest.mark.parametrize(
    ("actions", "missing"),
    [
        (["kms:GenerateDataKey*", "kms:DescribeKey"], []),
        ("kms:*", []),
        (["kms:GenerateDataKey", "kms:DescribeKey"], ["kms:GenerateDataKey*"]),
        ("kms:Decrypt", KEY_ACTIONS),
    ],
)
def test_service_key_grant(actions, missing):
    document = policy(
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": actions, "Resource": "*"}
    )

    assert service_key_grant(document, "cloudtrail.amazonaws.com", KEY_ACTIONS) == missing


def test_service_key_grant_other_service():
    document = policy({"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "kms:*"})

    assert service_key_grant(document, "cloudtrail.amazonaws.com", KEY_ACTIONS) == KEY_ACTIONS


DEFAULT_KEY_POLICY = policy(
    {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
)
S3_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


def test_key_use_grant_default_policy_delegates():
    assert key_use_grant(DEFAULT_KEY_POLICY, USER_ARN, ACCOUNT, S3_ACTIONS) == dict.fromkeys(S3_ACTIONS, "delegated")


def test_key_use_grant_principal_named():
    document = policy(allow({"AWS": USER_ARN}, ["kms:GenerateDataKey", "kms:Decrypt"], "*"))

    assert key_use_grant(document, USER_ARN, ACCOUNT, S3_ACTIONS) == dict.fromkeys(S3_ACTIONS, "granted")


def test_key_use_grant_other_account_missing():
    decisions = key_use_grant(DEFAULT_KEY_POLICY, "arn:aws:iam::210987654321:role/reader", "210987654321", S3_ACTIONS)

    assert decisions == dict.fromkeys(S3_ACTIONS, "missing")


def test_key_use_grant_unconditional_deny():
    deny = {"Effect": "Deny", "Principal": {"AWS": USER_ARN}, "Action": "kms:Decrypt", "Resource": "*"}

    decisions = key_use_grant(policy(DEFAULT_KEY_POLICY["Statement"][0], deny), USER_ARN, ACCOUNT, S3_ACTIONS)

    assert decisions == {"kms:GenerateDataKey": "delegated", "kms:Decrypt": "denied"}


def identity(*statements):
    return policy(*statements)


def test_identity_allowed():
    documents = [("inline policy write", identity({"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{BUCKET_ARN}/*"}))]

    decision = evaluate_identity_policies(documents, "s3:PutObject", f"{BUCKET_ARN}/*")

    assert decision == {"decision": ALLOWED, "statements": ["inline policy write"]}


def test_identity_explicit_deny_wins():
    documents = [
        ("managed policy all", identity({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})),
        ("inline policy deny", identity({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"})),
    ]

    decision = evaluate_identity_policies(documents, "s3:GetObject", f"{BUCKET_ARN}/*")

    assert decision["decision"] == EXPLICIT_DENY
    assert decision["statements"] == ["inline policy deny"]


def test_identity_conditional_allow():
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    }

    decision = evaluate_identity_policies([("inline policy vpn", identity(statement))], "s3:GetObject", f"{BUCKET_ARN}/*")

    assert decision["decision"] == CONDITIONAL


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other-bucket/*"},
        {"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": f"{BUCKET_ARN}/*"},
    ],
    ids=["other-bucket", "not-action", "not-resource"],
)
def test_identity_implicit_deny(statement):
    decision = evaluate_identity_policies([("p", identity(statement))], "s3:GetObject", f"{BUCKET_ARN}/*")

    assert decision == {"decision": IMPLICIT_DENY, "statements": []}


def test_wildcard_s3_grants():
    documents = [
        ("inline policy all-s3", identity({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})),
        ("managed policy admin", identity({"Effect": "Allow", "Action": ["*"], "Resource": ["*"]})),
        ("managed policy scoped", identity({"Effect": "Allow", "Action": "s3:*", "Resource": f"{BUCKET_ARN}/*"})),
        ("managed policy read", identity({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})),
        ("inline policy deny", identity({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})),
    ]

    assert wildcard_s3_grants(documents) == ["inline policy all-s3", "managed policy admin"]
