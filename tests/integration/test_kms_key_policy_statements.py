"""Integration tests of logsafe.aws.kms_key_policy_statements against a moto server."""

from __future__ import annotations

import json

import pytest
from integration.helpers import unique_bucket
from integration.single_module_helpers import (
    ACCOUNT_ID,
    assert_rejected_before_any_request,
    aws_test_clients,
    module_failure,
    run_ladder,
)

MODULE = "kms_key_policy_statements"
ROOT_SID = "Enable IAM User Permissions"
READER = "arn:aws:iam::111122223333:role/siem-reader"
ROOT_STATEMENT = {
    "Sid": ROOT_SID,
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
AUDITORS = {
    "Sid": "AllowAuditorsDescribe",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:role/auditors"},
    "Action": "kms:DescribeKey",
    "Resource": "*",
}


@pytest.fixture(scope="module")
def aws(moto):
    """Return boto3 clients for this module's moto server."""
    with aws_test_clients(moto) as clients:
        yield clients


def new_key(aws, policy=None):
    """Create a key with an alias, and optionally a key policy of its own; return its alias and metadata."""
    alias = f"alias/{unique_bucket('kms-statements')}"
    metadata = aws.create_key_with_alias(alias)
    if policy is not None:
        aws.kms.put_key_policy(KeyId=metadata["KeyId"], PolicyName="default", Policy=json.dumps(policy))
    return alias, metadata


def statements(aws, key_id):
    """Return the key policy's statements by Sid."""
    policy = json.loads(aws.kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    return {statement.get("Sid"): statement for statement in policy["Statement"]}


def test_reader_and_own_statement_ladder(aws, moto, run_module):
    alias, metadata = new_key(aws)
    args = {"key": alias, "reader_role_arns": [READER], "statements": [AUDITORS]}

    results = run_ladder(
        run_module,
        moto,
        MODULE,
        args,
        read_state=lambda: sorted(statements(aws, metadata["KeyId"])),
        before=[ROOT_SID],
        after=sorted([ROOT_SID, "LogsafeKeyReaders", "AllowAuditorsDescribe"]),
    )

    stored = statements(aws, metadata["KeyId"])
    assert stored["LogsafeKeyReaders"]["Principal"] == {"AWS": [READER]}
    assert stored["LogsafeKeyReaders"]["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert "Condition" not in stored["LogsafeKeyReaders"]
    assert stored["AllowAuditorsDescribe"] == AUDITORS
    assert stored[ROOT_SID] == ROOT_STATEMENT
    assert [result["key_arn"] for result in results] == [metadata["Arn"]] * 4


def test_missing_root_statement_added(aws, moto, run_module):
    alias, metadata = new_key(aws, {"Version": "2012-10-17", "Statement": [AUDITORS]})

    result = run_module(MODULE, {"key": alias, "purge_statements": True}, diff=True).result

    assert result["failed"] is False, module_failure(result)
    assert result["changed"] is True
    assert statements(aws, metadata["KeyId"]) == {ROOT_SID: ROOT_STATEMENT}
    assert [statement["Sid"] for statement in result["diff"]["before"]["key_policy"]["Statement"]] == [AUDITORS["Sid"]]
    assert any("so 'Enable IAM User Permissions' was added" in warning for warning in result.get("warnings", []))


def test_root_statement_never_removed(aws, moto, run_module):
    alias, metadata = new_key(aws)
    mark = moto.mark()

    result = run_module(MODULE, {"key": alias, "remove_sids": [ROOT_SID], "purge_statements": True}).result

    assert result["failed"] is False, module_failure(result)
    assert result["changed"] is False
    assert statements(aws, metadata["KeyId"]) == {ROOT_SID: ROOT_STATEMENT}
    assert any(f"Statement '{ROOT_SID}' of the key policy was kept" in warning for warning in result["warnings"])
    assert moto.writes_since(mark) == []


def test_missing_key_fails_without_write(moto, run_module):
    mark = moto.mark()

    result = run_module(MODULE, {"key": "alias/no-such-key", "reader_role_arns": [READER]}).result

    assert result["failed"] is True
    assert "KMS key alias/no-such-key was not found in region us-east-1" in result["msg"]
    assert moto.writes_since(mark) == []


@pytest.mark.parametrize(
    "statement, fragments",
    [
        pytest.param(
            {"Sid": "DenyAll", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"},
            ["Statement 'DenyAll'", "could lock the account out of the key"],
            id="lockout",
        ),
        pytest.param(
            dict(AUDITORS, Sid="LogsafeMine"),
            ["Invalid Sid 'LogsafeMine'", "reserved"],
            id="reserved-sid",
        ),
    ],
)
def test_invalid_statement_rejected_before_any_request(moto, run_module, statement, fragments):
    assert_rejected_before_any_request(
        run_module, moto, MODULE, {"key": "alias/any-key", "statements": [statement]}, fragments
    )
