"""Tests of the pure policy document functions: comparison, merging by Sid, the TLS check and validation."""

from __future__ import annotations

import copy
import hashlib
import re

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    DENY_INSECURE_TRANSPORT_SID,
    S3_ACCESS_LOGS_SID_PREFIX,
    deny_insecure_transport_statement,
    denies_insecure_transport,
    documents_equal,
    merge_statements,
    normalize_statement,
    s3_access_logs_sid,
    validate_statements,
)

BUCKET = "example-logs"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"


def read_statement(**changes):
    """Build an Allow statement of another team, with ``changes`` applied on top."""
    statement = {
        "Sid": "AuditRead",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:role/audit"]},
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:PrincipalOrgID": ["o-abc123"]}},
    }
    statement.update(changes)
    return statement


def document(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


# Pairs of statements with the same meaning written differently.
EQUAL_STATEMENTS = [
    pytest.param(
        read_statement(),
        read_statement(Action=["s3:ListBucket", "s3:GetObject"]),
        id="action-order",
    ),
    pytest.param(
        read_statement(),
        read_statement(Resource=[f"{BUCKET_ARN}/*", BUCKET_ARN]),
        id="resource-order",
    ),
    pytest.param(
        read_statement(Action="s3:GetObject", Resource=BUCKET_ARN),
        read_statement(Action=["s3:GetObject"], Resource=[BUCKET_ARN]),
        id="string-vs-one-element-list",
    ),
    pytest.param(
        read_statement(Principal={"AWS": "111122223333"}),
        read_statement(Principal={"AWS": ["arn:aws:iam::111122223333:root"]}),
        id="bare-account-id-vs-root-arn",
    ),
    pytest.param(
        read_statement(Principal={"AWS": ["444455556666", "111122223333"]}),
        read_statement(Principal={"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]}),
        id="principal-list-order-and-root-arns",
    ),
    pytest.param(
        read_statement(Principal="*"),
        read_statement(Principal={"AWS": "*"}),
        id="star-vs-aws-star",
    ),
    pytest.param(
        read_statement(Principal={"Service": "logging.s3.amazonaws.com"}),
        read_statement(Principal={"Service": ["logging.s3.amazonaws.com"]}),
        id="service-string-vs-list",
    ),
    pytest.param(
        read_statement(Condition={"Bool": {"aws:SecureTransport": False}}),
        read_statement(Condition={"Bool": {"aws:SecureTransport": "false"}}),
        id="bool-false-vs-string-false",
    ),
    pytest.param(
        read_statement(Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}}),
        read_statement(Condition={"StringEquals": {"aws:SourceAccount": ["111122223333"]}}),
        id="condition-string-vs-list",
    ),
]

# Pairs of statements that differ in meaning.
DIFFERENT_STATEMENTS = [
    pytest.param(read_statement(), read_statement(Action=["s3:GetObject", "s3:PutObject"]), id="other-action"),
    pytest.param(read_statement(), read_statement(Resource=[BUCKET_ARN, f"{BUCKET_ARN}/logs/*"]), id="other-resource"),
    pytest.param(
        read_statement(),
        read_statement(Condition={"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:PrincipalOrgID": ["o-abc123"]}}),
        id="other-condition-value",
    ),
    pytest.param(read_statement(), read_statement(Effect="Deny"), id="other-effect"),
    pytest.param(
        read_statement(Principal={"AWS": "111122223333"}),
        read_statement(Principal={"AWS": "arn:aws:iam::111122223333:role/audit"}),
        id="account-root-vs-role",
    ),
    pytest.param(read_statement(), read_statement(Sid="AuditReadOnly"), id="other-sid"),
]


@pytest.mark.parametrize("first, second", EQUAL_STATEMENTS)
def test_normalize_statement_equal_forms(first, second):
    assert normalize_statement(first) == normalize_statement(second)


@pytest.mark.parametrize("first, second", EQUAL_STATEMENTS)
def test_documents_equal_equal_forms(first, second):
    assert documents_equal(document(first), document(second))


@pytest.mark.parametrize("first, second", DIFFERENT_STATEMENTS)
def test_documents_equal_real_difference(first, second):
    assert not documents_equal(document(first), document(second))


def test_documents_equal_statement_order():
    deny = deny_insecure_transport_statement(BUCKET_ARN)

    assert documents_equal(document(read_statement(), deny), document(deny, read_statement()))


def test_documents_equal_missing_statement():
    deny = deny_insecure_transport_statement(BUCKET_ARN)

    assert not documents_equal(document(read_statement(), deny), document(deny))


def test_documents_equal_none():
    assert documents_equal(None, None)
    assert not documents_equal(None, document(read_statement()))
    assert not documents_equal(document(read_statement()), None)


def test_documents_equal_root_arn_partition():
    bare = document(read_statement(Principal={"AWS": "111122223333"}))
    china = document(read_statement(Principal={"AWS": "arn:aws-cn:iam::111122223333:root"}))

    assert documents_equal(bare, china, partition="aws-cn")
    assert not documents_equal(bare, china, partition="aws")


# merge_statements


def managed_deny():
    return deny_insecure_transport_statement(BUCKET_ARN)


def sids(policy):
    return [statement["Sid"] for statement in policy["Statement"]]


def test_merge_statements_keeps_other_sids():
    current = document(read_statement())

    merged = merge_statements(current, [managed_deny()], [], purge=False)

    assert sids(merged) == ["AuditRead", DENY_INSECURE_TRANSPORT_SID]
    assert merged["Statement"][0] == read_statement()


def test_merge_statements_purge_drops_other_sids():
    current = document(read_statement())

    merged = merge_statements(current, [managed_deny()], [], purge=True)

    assert sids(merged) == [DENY_INSECURE_TRANSPORT_SID]


def test_merge_statements_replaces_same_sid():
    stale = dict(managed_deny(), Resource=BUCKET_ARN)
    current = document(read_statement(), stale)

    merged = merge_statements(current, [managed_deny()], [], purge=False)

    assert sids(merged) == ["AuditRead", DENY_INSECURE_TRANSPORT_SID]
    assert merged["Statement"][1] == managed_deny()


def test_merge_statements_removes_removed_sids():
    current = document(read_statement(), managed_deny())

    merged = merge_statements(current, [], [DENY_INSECURE_TRANSPORT_SID], purge=False)

    assert sids(merged) == ["AuditRead"]


def test_merge_statements_none_when_empty():
    current = document(managed_deny())

    assert merge_statements(current, [], [DENY_INSECURE_TRANSPORT_SID], purge=False) is None
    assert merge_statements(None, [], [], purge=False) is None
    assert merge_statements(current, [], [], purge=True) is None


def test_merge_statements_allow_before_deny():
    other_deny = read_statement(Sid="DenyDelete", Effect="Deny", Action="s3:DeleteBucket", Resource=BUCKET_ARN)
    current = document(other_deny)

    merged = merge_statements(current, [managed_deny(), read_statement()], [], purge=False)

    assert [statement["Effect"] for statement in merged["Statement"]] == ["Allow", "Deny", "Deny"]
    assert merged["Statement"][0]["Sid"] == "AuditRead"


def test_merge_statements_keeps_version_and_id():
    current = dict(document(read_statement()), Id="TeamPolicy")

    merged = merge_statements(current, [managed_deny()], [], purge=False)

    assert merged["Version"] == "2012-10-17"
    assert merged["Id"] == "TeamPolicy"


def test_merge_statements_leaves_inputs_unchanged():
    current = document(read_statement(), managed_deny())
    managed = [managed_deny()]
    current_before = copy.deepcopy(current)
    managed_before = copy.deepcopy(managed)

    merge_statements(current, managed, ["AuditRead"], purge=False)

    assert current == current_before
    assert managed == managed_before


# denies_insecure_transport


def equivalent_tls_statement(**changes):
    """Build a TLS-only statement as another tool writes it: other Sid, {"AWS": "*"}, an Action list."""
    statement = {
        "Sid": "ForceTLSRequestsOnly",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["s3:GetObject", "s3:*"],
        "Resource": [f"{BUCKET_ARN}/*", BUCKET_ARN],
        "Condition": {"Bool": {"aws:SecureTransport": False}},
    }
    statement.update(changes)
    return statement


DENIES_INSECURE_TRANSPORT_CASES = [
    pytest.param(document(deny_insecure_transport_statement(BUCKET_ARN)), True, id="our-statement"),
    pytest.param(document(read_statement(), equivalent_tls_statement()), True, id="equivalent-statement"),
    pytest.param(
        document(equivalent_tls_statement(Resource=BUCKET_ARN), equivalent_tls_statement(Sid="Objects", Resource=f"{BUCKET_ARN}/*")),
        True,
        id="split-over-two-statements",
    ),
    pytest.param(document(equivalent_tls_statement(Resource="*")), True, id="any-resource"),
    pytest.param(document(equivalent_tls_statement(Resource=BUCKET_ARN)), False, id="only-bucket"),
    pytest.param(document(equivalent_tls_statement(Resource=f"{BUCKET_ARN}/*")), False, id="only-objects"),
    pytest.param(document(equivalent_tls_statement(Effect="Allow")), False, id="allow"),
    pytest.param(
        document({key: value for key, value in equivalent_tls_statement().items() if key != "Condition"}),
        False,
        id="no-condition",
    ),
    pytest.param(
        document(equivalent_tls_statement(Condition={"Bool": {"aws:SecureTransport": "true"}})),
        False,
        id="condition-true",
    ),
    pytest.param(document(equivalent_tls_statement(Action="s3:GetObject")), False, id="one-action-only"),
    pytest.param(
        document(equivalent_tls_statement(Principal={"AWS": "arn:aws:iam::111122223333:root"})),
        False,
        id="one-account-only",
    ),
    pytest.param(None, False, id="no-policy"),
]


@pytest.mark.parametrize("policy, expected", DENIES_INSECURE_TRANSPORT_CASES)
def test_denies_insecure_transport(policy, expected):
    assert denies_insecure_transport(policy, BUCKET_ARN) is expected


def test_denies_insecure_transport_extra_condition():
    # HTTP requests that come through the VPC endpoint are not denied by this statement.
    condition = {"Bool": {"aws:SecureTransport": "false"}, "StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
    policy = document(equivalent_tls_statement(Condition=condition))

    assert denies_insecure_transport(policy, BUCKET_ARN) is False


def test_denies_insecure_transport_key_case():
    # IAM compares condition key names without regard to case.
    policy = document(equivalent_tls_statement(Condition={"Bool": {"aws:securetransport": "false"}}))

    assert denies_insecure_transport(policy, BUCKET_ARN) is True


# s3_access_logs_sid


def test_s3_access_logs_sid_stable():
    assert s3_access_logs_sid("my-app") == s3_access_logs_sid("my-app")


@pytest.mark.parametrize("source", ["my-app", "myapp", "logs.example.com", "a1-b2-c3", "x" * 63])
def test_s3_access_logs_sid_alphanumeric(source):
    sid = s3_access_logs_sid(source)

    assert sid.startswith(S3_ACCESS_LOGS_SID_PREFIX)
    assert re.fullmatch(r"[A-Za-z0-9]+", sid)
    assert sid.endswith(hashlib.sha256(source.encode("utf-8")).hexdigest()[:8])


def test_s3_access_logs_sid_distinguishes_hyphen():
    assert s3_access_logs_sid("my-app") != s3_access_logs_sid("myapp")


def test_s3_access_logs_sid_documented_formula():
    digest = hashlib.sha256(b"my-app.logs").hexdigest()[:8]

    assert s3_access_logs_sid("my-app.logs") == f"LogsafeS3AccessLogsMyAppLogs{digest}"


# validate_statements


def valid_statement(**changes):
    statement = {"Sid": "AuditRead", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "*"}
    statement.update(changes)
    return {key: value for key, value in statement.items() if value is not None}


INVALID_STATEMENTS = [
    pytest.param([valid_statement(Sid=None)], "Invalid policy statement #1 for bucket example-logs: it has no Sid", id="no-sid"),
    pytest.param([valid_statement(Sid="")], "it has no Sid. Statements are managed by Sid: add one.", id="empty-sid"),
    pytest.param(
        [valid_statement(Sid="Audit-Read")],
        "Invalid Sid 'Audit-Read' for bucket example-logs: a Sid may contain only letters and digits.",
        id="bad-sid-characters",
    ),
    pytest.param(
        [valid_statement(), valid_statement(Action="s3:ListBucket")],
        "Duplicate Sid 'AuditRead' in the policy statements for bucket example-logs: each Sid must be unique.",
        id="duplicate-sid",
    ),
    pytest.param(
        [valid_statement(Effect="allow")],
        "Invalid Effect 'allow' in statement 'AuditRead' for bucket example-logs: use Allow or Deny.",
        id="bad-effect",
    ),
    pytest.param(
        [valid_statement(Action=None)],
        "Statement 'AuditRead' for bucket example-logs has no Action or NotAction.",
        id="no-action",
    ),
    pytest.param(
        [valid_statement(Principal=None)],
        "Statement 'AuditRead' for bucket example-logs has no Principal",
        id="no-principal",
    ),
    pytest.param(
        ["s3:GetObject"],
        "Invalid policy statement #1 for bucket example-logs: it must be a dict, got str.",
        id="not-a-dict",
    ),
]


@pytest.mark.parametrize("statements, message", INVALID_STATEMENTS)
def test_validate_statements_rejects(statements, message):
    with pytest.raises(ValidationError) as raised:
        validate_statements(statements, BUCKET)

    assert message in str(raised.value)


def test_validate_statements_accepts_valid():
    statements = [valid_statement(), valid_statement(Sid="DenyDelete", Effect="Deny", Action=None, NotAction="s3:GetObject")]

    validate_statements(statements, BUCKET)
