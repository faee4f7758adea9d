"""Tests of the pure key policy functions: Logsafe statements, merging by Sid and the account root guard."""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._kms_key_policy import (
    DELETION_WINDOW_SID,
    READERS_SID,
    ROOT_STATEMENT_SID,
    S3_USE_SID,
    SERVICE_STATEMENT_SIDS,
    denies_policy_changes,
    grants_root_all,
    logsafe_statements,
    merge_key_policy,
    root_statement,
    service_statements,
    validate_key_statements,
    validate_pending_window_days,
    validate_reader_role_arns,
)

ACCOUNT = "123456789012"
REGION = "eu-west-1"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
READER = "arn:aws:iam::111122223333:role/siem-reader"

DEFAULT_POLICY = {
    "Version": "2012-10-17",
    "Id": "key-default-1",
    "Statement": [root_statement(ACCOUNT, "aws")],
}

OTHER_STATEMENT = {
    "Sid": "AllowKeyAdmins",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/key-admins"},
    "Action": ["kms:Describe*", "kms:PutKeyPolicy"],
    "Resource": "*",
}


def sids(document):
    return [statement.get("Sid") for statement in document["Statement"]]


def by_sid(statements):
    return {statement["Sid"]: statement for statement in statements}


ROOT_CASES = [
    pytest.param(root_statement(ACCOUNT, "aws"), True, id="default-statement"),
    pytest.param(dict(root_statement(ACCOUNT, "aws"), Principal={"AWS": ACCOUNT}), True, id="bare-account-id"),
    pytest.param(dict(root_statement(ACCOUNT, "aws"), Action="*"), True, id="all-actions"),
    pytest.param(dict(root_statement(ACCOUNT, "aws"), Action=["kms:*"], Resource=["*"]), True, id="one-element-lists"),
    pytest.param(dict(root_statement(ACCOUNT, "aws"), Sid="Renamed"), True, id="other-sid"),
    pytest.param(dict(root_statement(ACCOUNT, "aws"), Action="kms:Decrypt"), False, id="one-action"),
    pytest.param(dict(root_statement(ACCOUNT, "aws"), Effect="Deny"), False, id="deny"),
    pytest.param(
        dict(root_statement(ACCOUNT, "aws"), Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        False,
        id="conditional",
    ),
    pytest.param(
        dict(root_statement(ACCOUNT, "aws"), Principal={"AWS": "arn:aws:iam::999999999999:root"}),
        False,
        id="other-account",
    ),
    pytest.param(
        dict(root_statement(ACCOUNT, "aws"), Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"}),
        False,
        id="a-role",
    ),
    pytest.param(root_statement(ACCOUNT, "aws-cn"), False, id="other-partition"),
]


@pytest.mark.parametrize("statement, expected", ROOT_CASES)
def test_grants_root_all(statement, expected):
    assert grants_root_all(statement, ACCOUNT, "aws") is expected


LOCKOUT_CASES = [
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "kms:PutKeyPolicy"}, True, id="deny-everyone"),
    pytest.param({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:*"}, True, id="deny-all-kms"),
    pytest.param({"Effect": "Deny", "Principal": {"AWS": ROOT}, "Action": "kms:Put*"}, True, id="deny-root-wildcard"),
    pytest.param({"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "*"}, True, id="deny-account-id"),
    pytest.param({"Effect": "Deny", "Principal": "*", "NotAction": "kms:Decrypt"}, True, id="not-action"),
    pytest.param(
        {"Effect": "Deny", "NotPrincipal": {"AWS": READER}, "Action": "kms:PutKeyPolicy"}, True, id="not-principal"
    ),
    pytest.param(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:PutKeyPolicy",
            "Condition": {"Bool": {"aws:ViaAWSService": "true"}},
        },
        True,
        id="conditional-deny",
    ),
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "kms:ScheduleKeyDeletion"}, False, id="other-action"),
    pytest.param({"Effect": "Deny", "Principal": {"AWS": READER}, "Action": "kms:*"}, False, id="named-role"),
    pytest.param({"Effect": "Allow", "Principal": "*", "Action": "kms:PutKeyPolicy"}, False, id="allow"),
]


@pytest.mark.parametrize("statement, expected", LOCKOUT_CASES)
def test_denies_policy_changes(statement, expected):
    assert denies_policy_changes(statement) is expected


def test_service_statements_one_per_principal():
    sources = [
        {"type": "cloudtrail", "trail_names": ["org-trail"]},
        {"type": "s3_access_logs", "source_buckets": ["app-b", "app-a"]},
        {"type": "s3_access_logs", "source_buckets": ["app-c"]},
        {"type": "vpc_flow_logs"},
        {"type": "nlb"},
        {"type": "config"},
    ]

    statements = by_sid(service_statements(sources, ACCOUNT, REGION, "aws"))

    assert sorted(statements) == sorted(SERVICE_STATEMENT_SIDS.values())
    for statement in statements.values():
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == ["kms:GenerateDataKey*", "kms:DescribeKey"]
        assert statement["Resource"] == "*"
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert statements["LogsafeKeyS3AccessLogs"]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert statements["LogsafeKeyS3AccessLogs"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": ["arn:aws:s3:::app-a", "arn:aws:s3:::app-b", "arn:aws:s3:::app-c"]
    }
    assert statements["LogsafeKeyCloudTrail"]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert statements["LogsafeKeyCloudTrail"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": [f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/org-trail"]
    }
    assert statements["LogsafeKeyVendedLogs"]["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert statements["LogsafeKeyVendedLogs"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": [f"arn:aws:logs:{REGION}:{ACCOUNT}:*"]
    }
    assert statements["LogsafeKeyConfig"]["Principal"] == {"Service": "config.amazonaws.com"}
    assert "ArnLike" not in statements["LogsafeKeyConfig"]["Condition"]


def test_cloudtrail_without_trail_names_any_trail():
    sources = [{"type": "cloudtrail", "trail_names": ["one"]}, {"type": "cloudtrail", "prefix": "org"}]

    statement = service_statements(sources, ACCOUNT, REGION, "aws")[0]

    assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": [f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"]}


def test_alb_source_adds_no_key_grant():
    assert service_statements([{"type": "alb"}], ACCOUNT, REGION, "aws") == []


def test_logsafe_statements_all_options():
    options = {
        "log_sources": [{"type": "config"}],
        "reader_role_arns": [READER],
        "bucket": "example-logs",
        "pending_window_days": 30,
    }

    statements, removed = logsafe_statements(options, ACCOUNT, REGION, "aws", manage_all=True)

    statements_by_sid = by_sid(statements)
    assert sorted(statements_by_sid) == sorted(["LogsafeKeyConfig", READERS_SID, S3_USE_SID, DELETION_WINDOW_SID])
    assert sorted(removed) == sorted(sid for sid in SERVICE_STATEMENT_SIDS.values() if sid != "LogsafeKeyConfig")
    assert statements_by_sid[READERS_SID]["Principal"] == {"AWS": [READER]}
    assert statements_by_sid[READERS_SID]["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    s3_use = statements_by_sid[S3_USE_SID]
    assert s3_use["Principal"] == {"AWS": "*"}
    assert s3_use["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
    assert s3_use["Condition"]["StringEquals"] == {
        "kms:CallerAccount": ACCOUNT,
        "kms:ViaService": [f"s3.{REGION}.amazonaws.com"],
    }
    assert s3_use["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::example-logs", "arn:aws:s3:::example-logs/*"]
    }
    deletion = statements_by_sid[DELETION_WINDOW_SID]
    assert deletion["Effect"] == "Deny"
    assert deletion["Action"] == "kms:ScheduleKeyDeletion"
    assert deletion["Condition"] == {"NumericLessThan": {"kms:ScheduleKeyDeletionPendingWindowInDays": "30"}}


def test_logsafe_statements_manage_all_removes_unset():
    statements, removed = logsafe_statements({}, ACCOUNT, REGION, "aws", manage_all=True)

    assert statements == []
    assert sorted(removed) == sorted([*SERVICE_STATEMENT_SIDS.values(), READERS_SID, S3_USE_SID, DELETION_WINDOW_SID])


def test_logsafe_statements_unset_not_managed():
    statements, removed = logsafe_statements({"reader_role_arns": []}, ACCOUNT, REGION, "aws")

    assert statements == []
    assert removed == [READERS_SID]


def test_merge_keeps_other_statements():
    current = dict(DEFAULT_POLICY, Statement=[root_statement(ACCOUNT, "aws"), OTHER_STATEMENT])
    managed, removed = logsafe_statements({"reader_role_arns": [READER]}, ACCOUNT, REGION, "aws")

    document, warnings = merge_key_policy(current, managed, removed, ACCOUNT, "aws")

    assert sids(document) == [ROOT_STATEMENT_SID, READERS_SID, "AllowKeyAdmins"]
    assert document["Id"] == "key-default-1"
    assert warnings == []


def test_merge_purge_keeps_root():
    current = dict(DEFAULT_POLICY, Statement=[OTHER_STATEMENT, root_statement(ACCOUNT, "aws"), {"Effect": "Allow"}])

    document, _warnings = merge_key_policy(current, [], [], ACCOUNT, "aws", purge=True)

    assert sids(document) == [ROOT_STATEMENT_SID]


def test_merge_own_prefix_drops_old_logsafe():
    old = {
        "Sid": "LogsafeKeyFromOldRelease",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    current = dict(DEFAULT_POLICY, Statement=[root_statement(ACCOUNT, "aws"), old, OTHER_STATEMENT])

    kept, _warnings = merge_key_policy(current, [], [], ACCOUNT, "aws")
    owned, _warnings = merge_key_policy(current, [], [], ACCOUNT, "aws", own_prefix=True)

    assert "LogsafeKeyFromOldRelease" in sids(kept)
    assert sids(owned) == [ROOT_STATEMENT_SID, "AllowKeyAdmins"]


def test_merge_refuses_root_removal():
    document, warnings = merge_key_policy(DEFAULT_POLICY, [], [ROOT_STATEMENT_SID], ACCOUNT, "aws")

    assert sids(document) == [ROOT_STATEMENT_SID]
    assert len(warnings) == 1
    assert f"Statement '{ROOT_STATEMENT_SID}' of the key policy was kept" in warnings[0]


def test_merge_adds_missing_root():
    current = {"Version": "2012-10-17", "Statement": [OTHER_STATEMENT]}

    document, warnings = merge_key_policy(current, [], [], ACCOUNT, "aws")

    assert document["Statement"][0] == root_statement(ACCOUNT, "aws")
    assert sids(document) == [ROOT_STATEMENT_SID, "AllowKeyAdmins"]
    assert "so 'Enable IAM User Permissions' was added" in warnings[0]


def test_merge_new_key_no_warning():
    document, warnings = merge_key_policy(None, [], [], ACCOUNT, "aws")

    assert document == {"Version": "2012-10-17", "Statement": [root_statement(ACCOUNT, "aws")]}
    assert warnings == []


def test_merge_rejects_narrowed_root_sid():
    narrowed = dict(root_statement(ACCOUNT, "aws"), Action="kms:Describe*")

    with pytest.raises(ValidationError, match="would no longer give the account root") as raised:
        merge_key_policy(DEFAULT_POLICY, [narrowed], [], ACCOUNT, "aws")

    assert "Give your statement another Sid" in raised.value.message


def test_merge_root_under_other_sid_replaces_nothing():
    renamed_root = dict(root_statement(ACCOUNT, "aws"), Sid="AccountRoot")
    current = {"Version": "2012-10-17", "Statement": [renamed_root]}

    document, warnings = merge_key_policy(current, [], ["AccountRoot"], ACCOUNT, "aws", purge=True)

    assert sids(document) == ["AccountRoot"]
    assert "Statement 'AccountRoot' of the key policy was kept" in warnings[0]


VALID_STATEMENT = {
    "Sid": "Mine",
    "Effect": "Allow",
    "Principal": {"AWS": READER},
    "Action": "kms:Decrypt",
    "Resource": "*",
}

INVALID_STATEMENTS = [
    pytest.param(["not a dict"], "it must be a dict, got str", id="not-a-dict"),
    pytest.param([{k: v for k, v in VALID_STATEMENT.items() if k != "Sid"}], "it has no Sid", id="no-sid"),
    pytest.param(
        [dict(VALID_STATEMENT, Sid="LogsafeMine")], "Sids that start with 'Logsafe' are reserved", id="reserved-sid"
    ),
    pytest.param([VALID_STATEMENT, VALID_STATEMENT], "Duplicate Sid 'Mine'", id="duplicate-sid"),
    pytest.param([dict(VALID_STATEMENT, Effect="Permit")], "Invalid Effect 'Permit'", id="bad-effect"),
    pytest.param(
        [{k: v for k, v in VALID_STATEMENT.items() if k != "Resource"}],
        "has no Resource or NotResource",
        id="no-resource",
    ),
    pytest.param(
        [{k: v for k, v in VALID_STATEMENT.items() if k != "Principal"}],
        "has no Principal or NotPrincipal",
        id="no-principal",
    ),
    pytest.param(
        [dict(VALID_STATEMENT, Effect="Deny", Principal="*", Action="kms:*")],
        "could lock the account out of the key for good",
        id="lockout-deny",
    ),
]


@pytest.mark.parametrize("statements, message", INVALID_STATEMENTS)
def test_validate_key_statements_rejects(statements, message):
    with pytest.raises(ValidationError, match="KMS key alias/example-logs") as raised:
        validate_key_statements(statements, "KMS key alias/example-logs")

    assert message in raised.value.message


def test_validate_key_statements_accepts_spaces_in_sid():
    validate_key_statements([dict(VALID_STATEMENT, Sid="Allow the SIEM to read")], "KMS key alias/example-logs")


@pytest.mark.parametrize("days", [6, 31, 0])
def test_pending_window_days_out_of_range(days):
    with pytest.raises(ValidationError, match=f"Invalid pending_window_days {days} for KMS key x: KMS accepts"):
        validate_pending_window_days(days, "KMS key x")


@pytest.mark.parametrize("days", [None, 7, 30])
def test_pending_window_days_in_range(days):
    validate_pending_window_days(days, "KMS key x")


@pytest.mark.parametrize(
    "arn, message",
    [
        pytest.param("siem-reader", "give an IAM role ARN", id="name-only"),
        pytest.param("arn:aws:iam::111122223333:user/alice", "give an IAM role ARN", id="user"),
        pytest.param("arn:aws-cn:iam::111122223333:role/siem", "the role is in partition aws-cn", id="other-partition"),
    ],
)
def test_reader_role_arns_rejected(arn, message):
    with pytest.raises(ValidationError, match="Invalid reader role ARN") as raised:
        validate_reader_role_arns([arn], "aws", "KMS key x")

    assert message in raised.value.message


def test_reader_role_arn_with_path_accepted():
    validate_reader_role_arns(["arn:aws:iam::111122223333:role/security/siem-reader"], "aws", "KMS key x")
