"""Tests of the pure policy document functions: comparison, merging by Sid, the TLS check and validation."""

from __future__ import annotations

import copy
import hashlib
import re

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import LOG_SOURCE_TYPES, log_source_statements
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    DENY_INSECURE_TRANSPORT_SID,
    S3_ACCESS_LOGS_SID_PREFIX,
    deny_deletion_statement,
    deny_insecure_transport_statement,
    deny_other_encryption_statement,
    deny_outdated_tls_statement,
    denies_insecure_transport,
    documents_equal,
    merge_statements,
    normalize_statement,
    parse_condition_operator,
    public_grant_reason,
    read_access_statements,
    s3_access_logs_sid,
    s3_access_logs_statement,
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


# Rules that S3 enforces with MalformedPolicy


def own_statement(**changes):
    """Build a valid statement on this bucket's objects, with ``changes`` applied. A None value drops the element."""
    statement = {
        "Sid": "AuditRead",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET_ARN}/*",
    }
    statement.update(changes)
    return {key: value for key, value in statement.items() if value is not None}


MALFORMED_STATEMENTS = [
    pytest.param(
        own_statement(Resource=None),
        ["Statement 'AuditRead' for bucket example-logs has no Resource or NotResource", f"{BUCKET_ARN}/*"],
        id="no-resource",
    ),
    pytest.param(own_statement(Resource=[]), ["has no Resource or NotResource"], id="empty-resource-list"),
    pytest.param(
        own_statement(Resource="arn:aws:s3:::another-bucket/*"),
        [
            "Invalid Resource 'arn:aws:s3:::another-bucket/*' in statement 'AuditRead' for bucket example-logs",
            f"Use {BUCKET_ARN} or {BUCKET_ARN}/",
        ],
        id="resource-other-bucket",
    ),
    pytest.param(
        own_statement(Resource=[f"{BUCKET_ARN}/*", "arn:aws:s3:::example-logs-old/*"]),
        ["Invalid Resource 'arn:aws:s3:::example-logs-old/*'"],
        id="resource-bucket-with-same-start",
    ),
    pytest.param(
        own_statement(Resource="arn:aws-cn:s3:::example-logs/*"),
        ["Invalid Resource 'arn:aws-cn:s3:::example-logs/*'", BUCKET_ARN],
        id="resource-other-partition",
    ),
    pytest.param(
        own_statement(Resource="arn:aws:iam::111122223333:role/audit"),
        ["Invalid Resource 'arn:aws:iam::111122223333:role/audit'"],
        id="resource-other-service",
    ),
    pytest.param(own_statement(Resource=42), ["Invalid Resource 42"], id="resource-not-text"),
    pytest.param(
        own_statement(Action="ec2:RunInstances"),
        ["Invalid Action 'ec2:RunInstances' in statement 'AuditRead' for bucket example-logs", "start with s3:"],
        id="action-other-service",
    ),
    pytest.param(
        own_statement(Action=["s3:GetObject", "kms:Decrypt"]), ["Invalid Action 'kms:Decrypt'"], id="action-list-mixed"
    ),
    pytest.param(
        own_statement(Action=None, NotAction="sqs:*"), ["Invalid NotAction 'sqs:*'"], id="not-action-other-service"
    ),
    pytest.param(own_statement(Action=[]), ["has no Action or NotAction"], id="empty-action-list"),
    pytest.param(
        own_statement(Resources=f"{BUCKET_ARN}/*"),
        ["Unknown element 'Resources' in statement 'AuditRead' for bucket example-logs", "Did you mean Resource?"],
        id="element-misspelt",
    ),
    pytest.param(
        own_statement(Version="2012-10-17"),
        ["Unknown element 'Version'", "only Sid, Effect, Principal, NotPrincipal, Action"],
        id="element-of-document",
    ),
    pytest.param(
        own_statement(NotAction="s3:DeleteObject"), ["has both Action and NotAction"], id="action-and-not-action"
    ),
    pytest.param(
        own_statement(NotResource=f"{BUCKET_ARN}/private/*"),
        ["has both Resource and NotResource"],
        id="resource-and-not-resource",
    ),
    pytest.param(
        own_statement(Principal="arn:aws:iam::111122223333:root"),
        ["Invalid Principal 'arn:aws:iam::111122223333:root'", "AWS, Service, Federated, CanonicalUser"],
        id="principal-arn-as-text",
    ),
    pytest.param(
        own_statement(Principal={"User": "audit"}), ["Invalid Principal {'User': 'audit'}"], id="principal-unknown-type"
    ),
    pytest.param(
        own_statement(Condition={"StringEqualz": {"aws:SourceAccount": "111122223333"}}),
        [
            "Unknown condition operator 'StringEqualz' in statement 'AuditRead' for bucket example-logs",
            "Did you mean StringEquals?",
        ],
        id="operator-misspelt",
    ),
    pytest.param(
        own_statement(Condition={"NullIfExists": {"aws:SourceVpce": "true"}}),
        ["Unknown condition operator 'NullIfExists'"],
        id="operator-null-if-exists",
    ),
    pytest.param(
        own_statement(Condition={"ForEachValue:StringEquals": {"aws:TagKeys": "team"}}),
        ["Unknown condition operator 'ForEachValue:StringEquals'"],
        id="operator-unknown-prefix",
    ),
    pytest.param(
        own_statement(Condition=["StringEquals"]), ["Invalid Condition ['StringEquals']", "dict of condition operators"],
        id="condition-not-dict",
    ),
    pytest.param(
        own_statement(Condition={"StringEquals": "111122223333"}),
        ["Invalid condition block StringEquals", "map condition keys to values"],
        id="condition-block-not-dict",
    ),
]


@pytest.mark.parametrize("statement, fragments", MALFORMED_STATEMENTS)
def test_validate_statements_rejects_malformed(statement, fragments):
    with pytest.raises(ValidationError) as raised:
        validate_statements([statement], BUCKET)

    for fragment in fragments:
        assert fragment in str(raised.value)


ACCEPTED_RESOURCES = [
    pytest.param(BUCKET_ARN, id="bucket"),
    pytest.param(f"{BUCKET_ARN}/*", id="objects"),
    pytest.param(f"{BUCKET_ARN}/audit/2024/*", id="prefix"),
    pytest.param(f"{BUCKET_ARN}/${{aws:username}}/*", id="policy-variable-in-key"),
    pytest.param(f"{BUCKET_ARN}/?udit/*", id="question-mark-in-key"),
    pytest.param("arn:aws:s3:::example-*/*", id="wildcard-in-bucket-name"),
    pytest.param("arn:aws:s3:::example-logs*", id="wildcard-after-bucket-name"),
    pytest.param("arn:aws:s3:::*", id="every-bucket"),
    pytest.param("*", id="star"),
]


@pytest.mark.parametrize("resource", ACCEPTED_RESOURCES)
def test_validate_statements_accepts_resource(resource):
    validate_statements([own_statement(Resource=resource)], BUCKET)


def test_validate_statements_resource_of_partition():
    china = own_statement(Resource="arn:aws-cn:s3:::example-logs/*")

    validate_statements([china], BUCKET, partition="aws-cn")
    with pytest.raises(ValidationError):
        validate_statements([own_statement()], BUCKET, partition="aws-cn")


def test_validate_statements_not_resource_other_bucket():
    # Exclusions are not checked against the bucket.
    statement = own_statement(Effect="Deny", Resource=None, NotResource="arn:aws:s3:::another-bucket/*")

    validate_statements([statement], BUCKET)


@pytest.mark.parametrize(
    "action",
    ["s3:*", "*", "S3:GetObject", "s3:Get*", ["s3:GetObject", "s3:ListBucket"]],
)
def test_validate_statements_accepts_action(action):
    validate_statements([own_statement(Action=action)], BUCKET)


ACCEPTED_CONDITIONS = [
    pytest.param({"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}}, id="if-exists"),
    pytest.param({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:s3:::source"}}, id="arn-if-exists"),
    pytest.param({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/*"}}, id="for-any-value"),
    pytest.param({"ForAllValues:StringEqualsIfExists": {"aws:TagKeys": ["team"]}}, id="for-all-values-if-exists"),
    pytest.param({"Null": {"s3:x-amz-server-side-encryption": "true"}}, id="null"),
    pytest.param({"Bool": {"aws:SecureTransport": False}}, id="bool"),
    pytest.param({"NumericLessThan": {"s3:TlsVersion": 1.2}}, id="numeric"),
    pytest.param({"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}, id="date"),
    pytest.param({"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}, "NotIpAddress": {"aws:SourceIp": "192.0.2.8/32"}}, id="ip"),
    pytest.param({"BinaryEquals": {"s3:x-amz-content-sha256": "QmluYXJ5"}}, id="binary"),
    pytest.param({"stringequals": {"aws:SourceAccount": "111122223333"}}, id="other-case"),
]


@pytest.mark.parametrize("condition", ACCEPTED_CONDITIONS)
def test_validate_statements_accepts_condition(condition):
    validate_statements([own_statement(Condition=condition)], BUCKET)


def collection_statements():
    """Return every statement that this collection builds for the bucket: protections, readers and log delivery."""
    statements = [
        deny_insecure_transport_statement(BUCKET_ARN),
        deny_outdated_tls_statement(BUCKET_ARN, "1.2"),
        deny_other_encryption_statement(BUCKET_ARN, "aws:kms", "arn:aws:kms:us-east-1:111122223333:key/abcd"),
        deny_deletion_statement(BUCKET_ARN, ["arn:aws:iam::111122223333:role/break-glass-*"]),
        *read_access_statements(BUCKET_ARN, ["111122223333"], "o-a1b2c3d4e5"),
        s3_access_logs_statement(BUCKET_ARN, "app/", "example-app", "111122223333"),
    ]
    sources = [{"type": kind} for kind in LOG_SOURCE_TYPES if kind != "s3_access_logs"]
    statements.extend(log_source_statements(sources, BUCKET_ARN, "111122223333", "us-east-1"))
    statements.extend(log_source_statements(sources, BUCKET_ARN, "111122223333", "ap-southeast-5"))
    return statements


def test_validate_statements_accepts_collection_statements():
    statements = collection_statements()
    by_sid = {statement["Sid"]: statement for statement in statements}

    for statement in by_sid.values():
        validate_statements([statement], BUCKET)
    assert len(by_sid) > 10


def test_collection_statements_not_public():
    public = [statement["Sid"] for statement in collection_statements() if public_grant_reason(statement)]

    assert public == []


# parse_condition_operator

PARSED_OPERATORS = [
    pytest.param("StringEquals", ("", "StringEquals", False), id="plain"),
    pytest.param("StringNotEqualsIfExists", ("", "StringNotEquals", True), id="if-exists"),
    pytest.param("ForAnyValue:ArnLike", ("ForAnyValue:", "ArnLike", False), id="for-any-value"),
    pytest.param("ForAllValues:StringLikeIfExists", ("ForAllValues:", "StringLike", True), id="prefix-and-suffix"),
    pytest.param("Null", ("", "Null", False), id="null"),
    pytest.param("numericlessthan", ("", "NumericLessThan", False), id="other-case"),
    pytest.param("StringEqualz", None, id="misspelt"),
    pytest.param("NullIfExists", None, id="null-if-exists"),
    pytest.param("IfExists", None, id="suffix-only"),
    pytest.param("ForAnyValue:", None, id="prefix-only"),
]


@pytest.mark.parametrize("name, expected", PARSED_OPERATORS)
def test_parse_condition_operator(name, expected):
    assert parse_condition_operator(name) == expected


# public_grant_reason


def everyone_statement(**changes):
    """Build an Allow statement for Principal "*", with ``changes`` applied. A None value drops the element."""
    return own_statement(**{"Principal": "*", **changes})


PUBLIC_STATEMENTS = [
    pytest.param(everyone_statement(), id="star"),
    pytest.param(everyone_statement(Principal={"AWS": "*"}), id="aws-star"),
    pytest.param(everyone_statement(Principal={"AWS": ["arn:aws:iam::111122223333:root", "*"]}), id="star-in-list"),
    pytest.param(everyone_statement(Condition={"Bool": {"aws:SecureTransport": "true"}}), id="unrelated-condition"),
    pytest.param(
        everyone_statement(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}), id="wildcard-source-arn"
    ),
    pytest.param(
        everyone_statement(Condition={"StringLike": {"aws:SourceAccount": "1111222233?3"}}), id="wildcard-account"
    ),
    pytest.param(
        everyone_statement(Condition={"StringEquals": {"aws:userid": "${aws:userid}"}}), id="policy-variable"
    ),
    pytest.param(
        everyone_statement(Condition={"StringNotEquals": {"aws:SourceAccount": "111122223333"}}), id="negated"
    ),
    pytest.param(
        everyone_statement(Condition={"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}}), id="if-exists"
    ),
    pytest.param(
        everyone_statement(Condition={"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
        id="for-all-values",
    ),
    pytest.param(
        everyone_statement(Condition={"StringEquals": {"aws:SourceAccount": ["111122223333", "*"]}}),
        id="one-wildcard-value",
    ),
    pytest.param(own_statement(Principal=None, NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"}), id="not-principal"),
]


@pytest.mark.parametrize("statement", PUBLIC_STATEMENTS)
def test_public_grant_reason_public(statement):
    assert public_grant_reason(statement)


NOT_PUBLIC_STATEMENTS = [
    pytest.param(everyone_statement(Effect="Deny"), id="deny"),
    pytest.param(
        everyone_statement(Effect="Deny", Condition={"Bool": {"aws:SecureTransport": "false"}}), id="deny-insecure"
    ),
    pytest.param(own_statement(), id="named-account"),
    pytest.param(own_statement(Principal={"Service": "logging.s3.amazonaws.com"}), id="service"),
    pytest.param(
        everyone_statement(Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}}), id="source-account"
    ),
    pytest.param(
        everyone_statement(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::example-app"}}), id="source-arn"
    ),
    pytest.param(everyone_statement(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}), id="vpc-endpoint"),
    pytest.param(everyone_statement(Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}), id="source-ip"),
    pytest.param(
        everyone_statement(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), id="organization"
    ),
    pytest.param(
        everyone_statement(Condition={"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/audit"}}),
        id="principal-arn",
    ),
    pytest.param(
        everyone_statement(Condition={"StringEquals": {"aws:sourceaccount": 111122223333}}), id="key-case-and-number"
    ),
    pytest.param(
        everyone_statement(Condition={"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5"]}}),
        id="for-any-value",
    ),
    pytest.param(
        everyone_statement(
            Condition={
                "Bool": {"aws:SecureTransport": "true"},
                "StringEquals": {"aws:PrincipalAccount": "111122223333"},
            }
        ),
        id="one-limiting-condition-among-others",
    ),
]


@pytest.mark.parametrize("statement", NOT_PUBLIC_STATEMENTS)
def test_public_grant_reason_not_public(statement):
    assert public_grant_reason(statement) is None


def test_public_grant_reason_names_keys():
    reason = public_grant_reason(everyone_statement())

    assert 'Principal is "*"' in reason
    assert "aws:SourceArn" in reason
    assert "aws:SourceIp" in reason
