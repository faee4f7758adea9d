"""Integration tests of logsafe.aws.s3_logs_bucket_audit against a moto server, on buckets in known bad states.

One module run audits every bad bucket at once, so each test reads the
status and message of one check from the same result. moto does not
implement the IAM policy simulator, so these runs exercise the fallback that
reads the policy documents. The unit tests cover the simulator with recorded
responses.
"""

from __future__ import annotations

import json

import pytest

from integration.helpers import ACCOUNT_ID, REGION, aws_client, delivery_sid, operations, unique_bucket

MODULE = "s3_logs_bucket_audit"
READ_PREFIXES = ("Get", "Head", "List", "Describe", "Simulate")
WILDCARD_USER = "audit-wildcard-user"


def bucket_policy(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def build_bad_buckets(moto) -> dict[str, str]:
    """Create one bucket per bad state and return their names by state."""
    prefix = unique_bucket("audit")
    names = {
        state: f"{prefix}-{state}"
        for state in ("bare", "public", "aes256", "pending", "disabled", "ownership", "pab", "logging", "target")
    }
    s3, kms, iam = aws_client(moto, "s3"), aws_client(moto, "kms"), aws_client(moto, "iam")
    for name in names.values():
        s3.create_bucket(Bucket=name)

    s3.put_bucket_policy(
        Bucket=names["public"],
        Policy=bucket_policy(
            {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{names['public']}/*"}
        ),
    )
    s3.put_bucket_encryption(
        Bucket=names["aes256"],
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    for state in ("pending", "disabled"):
        key = kms.create_key(Description=f"audit test key, {state}")["KeyMetadata"]
        s3.put_bucket_encryption(
            Bucket=names[state],
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}}]
            },
        )
        if state == "pending":
            kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        else:
            kms.disable_key(KeyId=key["KeyId"])
    s3.put_bucket_ownership_controls(
        Bucket=names["ownership"], OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.put_public_access_block(
        Bucket=names["pab"],
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": True,
        },
    )
    # moto accepts PutBucketLogging only while the target grants delivery; the grant is removed afterwards.
    s3.put_bucket_policy(
        Bucket=names["target"],
        Policy=bucket_policy(
            {"Sid": "Delivery", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{names['target']}/*"}
        ),
    )
    s3.put_bucket_logging(
        Bucket=names["logging"],
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": names["target"], "TargetPrefix": "logs/"}},
    )
    s3.delete_bucket_policy(Bucket=names["target"])

    aws_client(moto, "s3", "eu-west-1").create_bucket(
        Bucket=f"{prefix}-elsewhere", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    names["elsewhere"] = f"{prefix}-elsewhere"
    names["missing"] = f"{prefix}-missing"

    iam.create_user(UserName=WILDCARD_USER)
    iam.put_user_policy(
        UserName=WILDCARD_USER,
        PolicyName="all-s3",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    return names


@pytest.fixture(scope="module")
def audit(moto, tmp_path_factory):
    """Audit every bad bucket in one module run; return the names, the result and the operations it sent."""
    from integration.conftest import PlaybookRunner, module_playbook

    names = build_bad_buckets(moto)
    runner = PlaybookRunner(moto, tmp_path_factory.mktemp("audit-playbooks"))
    args = {"names": list(names.values()), "iam_users": [WILDCARD_USER, "audit-missing-user"]}
    mark = moto.mark()
    run = runner(module_playbook(f"logsafe.aws.{MODULE}", args, "Audit"))
    results = run.results_of("Audit")
    assert len(results) == 1, run.describe()
    return {"names": names, "result": results[0], "calls": moto.requests_since(mark), "writes": moto.writes_since(mark)}


def check(audit, state: str, check_id: str, subject: str | None = None) -> dict:
    """Return the one check with this id of the bucket in ``state``."""
    bucket = audit["names"][state]
    found = [
        item
        for item in audit["result"]["checks"]
        if item["bucket"] == bucket and item["id"] == check_id and (subject is None or item["subject"] == subject)
    ]
    assert len(found) == 1, f"{check_id} of {bucket}: {found}"
    return found[0]


def test_audit_sends_only_reads(audit):
    assert audit["writes"] == []
    assert [name for name in operations(audit["calls"]) if not name.startswith(READ_PREFIXES)] == []
    # Only name_pattern lists the account's buckets.
    assert "ListBuckets" not in operations(audit["calls"])
    assert audit["result"]["failed"] is False
    assert audit["result"]["changed"] is False


def test_audit_result_shape(audit):
    result = audit["result"]
    names = list(audit["names"].values())

    assert [bucket["name"] for bucket in result["buckets"]] == names
    assert result["summary"]["buckets"] == len(names)
    assert result["summary"]["total"] == len(result["checks"])
    for status in ("pass", "fail", "warn", "error", "skipped"):
        assert result["summary"][status] == sum(bucket["summary"][status] for bucket in result["buckets"])
    # 17 bucket checks and 2 user checks per bucket.
    assert len(result["checks"]) == 19 * len(names)
    assert result["account_id"] == ACCOUNT_ID
    assert result["region"] == REGION
    assert result["markdown"].startswith("# S3 logs bucket audit")


def test_bare_bucket_has_no_policy(audit):
    present = check(audit, "bare", "policy_present")
    tls = check(audit, "bare", "policy_tls_only")

    assert present["status"] == "fail"
    assert f"Bucket {audit['names']['bare']} has no bucket policy" in present["message"]
    assert f"Check with: aws s3api get-bucket-policy --bucket {audit['names']['bare']}" in present["message"]
    assert tls["status"] == "fail"
    assert tls["security_hub"] == ["S3.5"]


def test_bare_bucket_lacks_settings(audit):
    assert check(audit, "bare", "lifecycle")["status"] == "fail"
    assert "has no lifecycle configuration" in check(audit, "bare", "lifecycle")["message"]
    assert check(audit, "bare", "encryption")["status"] == "fail"
    assert "has no default encryption" in check(audit, "bare", "encryption")["message"]
    assert check(audit, "bare", "ownership_controls")["status"] == "fail"
    assert check(audit, "bare", "versioning")["status"] == "warn"
    assert check(audit, "bare", "access_logging")["status"] == "warn"
    assert check(audit, "bare", "list_objects")["status"] == "pass"
    assert check(audit, "bare", "bucket_exists")["status"] == "pass"


def test_public_policy_fails(audit):
    result = check(audit, "public", "policy_not_public")

    assert result["status"] == "fail"
    assert "PublicRead (Principal *" in result["message"]
    assert result["security_hub"] == ["S3.2", "S3.3"]


def test_aes256_instead_of_kms(audit):
    result = check(audit, "aes256", "encryption")

    assert result["status"] == "fail"
    assert "the algorithm is AES256, expected aws:kms" in result["message"]
    assert result["observed"]["sse_algorithm"] == "AES256"
    assert check(audit, "aes256", "kms_key_state")["status"] == "skipped"


def test_pending_deletion_key(audit):
    result = check(audit, "pending", "kms_key_state")

    assert result["status"] == "fail"
    assert "pending deletion" in result["message"]
    assert result["observed"]["key_state"] == "PendingDeletion"
    assert check(audit, "pending", "encryption")["status"] == "pass"


def test_disabled_key(audit):
    result = check(audit, "disabled", "kms_key_state")

    assert result["status"] == "fail"
    assert "its state is Disabled" in result["message"]
    assert "aws kms enable-key" in result["message"]
    rotation = check(audit, "disabled", "kms_key_rotation")
    assert rotation["status"] == "fail"
    assert rotation["security_hub"] == ["KMS.4"]


def test_object_writer_ownership(audit):
    result = check(audit, "ownership", "ownership_controls")

    assert result["status"] == "fail"
    assert "has object ownership ObjectWriter" in result["message"]
    assert result["expected"] == {"object_ownership": "BucketOwnerEnforced"}


def test_public_access_block_partly_off(audit):
    result = check(audit, "pab", "public_access_block")

    assert result["status"] == "fail"
    assert "block_public_policy off" in result["message"]
    assert result["security_hub"] == ["S3.8"]


def test_account_block_skipped_on_moto(audit):
    result = check(audit, "pab", "account_public_access_block")

    assert result["status"] == "skipped"
    assert "S3 Control" in result["message"]


def test_logging_target_without_delivery_statement(audit):
    logging = check(audit, "logging", "access_logging")
    target = check(audit, "logging", "access_logging_target")

    assert logging["status"] == "pass"
    assert target["status"] == "fail"
    assert f"The policy of target bucket {audit['names']['target']} does not let logging.s3.amazonaws.com" in target["message"]
    assert delivery_sid(audit["names"]["logging"]) in target["message"]
    assert target["command"] == f"aws s3api get-bucket-policy --bucket {audit['names']['target']}"


def test_bucket_in_other_region(audit):
    result = check(audit, "elsewhere", "bucket_exists")

    assert result["status"] == "fail"
    assert f"exists in region eu-west-1 (x-amz-bucket-region), not in {REGION}" in result["message"]


def test_missing_bucket(audit):
    result = check(audit, "missing", "bucket_exists")
    others = [item for item in audit["result"]["checks"] if item["bucket"] == audit["names"]["missing"]][1:]

    assert result["status"] == "fail"
    assert "HeadBucket answered 404 Not Found" in result["message"]
    assert {item["status"] for item in others if not item["id"].startswith("iam_")} == {"skipped"}


def test_wildcard_user_warns_with_fallback(audit):
    result = check(audit, "aes256", "iam_user_access", subject=f"user/{WILDCARD_USER}")

    assert result["status"] == "warn"
    assert result["observed"]["evaluated_with"] == "policy documents"
    assert result["observed"]["decisions"] == {"s3:PutObject": "allowed", "s3:GetObject": "allowed"}
    assert "iam:SimulatePrincipalPolicy was not available" in result["message"]
    assert "granted s3:* on every resource by inline policy all-s3" in result["message"]


def test_missing_user_fails(audit):
    result = check(audit, "aes256", "iam_user_access", subject="user/audit-missing-user")

    assert result["status"] == "fail"
    assert "IAM user audit-missing-user does not exist" in result["message"]


def test_log_sources_need_their_statements(moto, run_module):
    """A bucket that receives S3 access logs and CloudTrail logs lacks the CloudTrail write statement."""
    bucket = unique_bucket("audit-sources")
    s3 = aws_client(moto, "s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    bucket_arn = f"arn:aws:s3:::{bucket}"
    # The access-log statement under another Sid, and only the ACL check of CloudTrail.
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=bucket_policy(
            {"Sid": "AppAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": f"{bucket_arn}/app/*",
             "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::app-bucket"},
                           "StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}},
            {"Sid": "LogsafeCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:GetBucketAcl", "Resource": bucket_arn,
             "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                           "ArnLike": {"aws:SourceArn": f"arn:aws:cloudtrail:*:{ACCOUNT_ID}:trail/*"}}},
        ),
    )
    sources = [{"type": "s3_access_logs", "source_buckets": ["app-bucket"], "prefix": "app/"}, {"type": "cloudtrail"}]

    mark = moto.mark()
    result = run_module(MODULE, {"name": bucket, "log_sources": sources}).result

    assert moto.writes_since(mark) == []
    assert result["failed"] is False, result.get("msg")
    checks = {item["id"]: item for item in result["checks"]}
    delivery = checks["policy_delivery_statements"]
    assert delivery["status"] == "fail"
    assert "LogsafeCloudTrailWrite is missing" in delivery["message"]
    assert "(as AppAccessLogs)" in " ".join(delivery["observed"]["present"])
    assert "LogsafeCloudTrailAclCheck" in delivery["observed"]["present"]
    # A bucket that receives access logs uses SSE-S3 and does not log its own requests.
    assert checks["encryption"]["status"] == "pass"
    assert checks["access_logging"]["status"] == "pass"
