"""The state that playbooks/logs_bucket.yml builds with access logging on, read back as an operator would.

The checks run the runbook's AWS CLI commands (README, "Verify: the runbook
as tasks") against the moto server directly, never through a fault proxy,
and read the remaining settings with boto3.
"""

from __future__ import annotations

import json

from integration.helpers import (
    DENY_INSECURE_TRANSPORT_SID,
    REGION,
    aws_client,
    delivery_sid,
    deny_insecure_transport_statement,
    read_or_none,
)

CONVERGE_PLAYBOOK = "playbooks/logs_bucket.yml"
CONVERGE_ACTION = "logsafe.aws.s3_logs_bucket"
# The role's task that configures an access-log bucket shared by several hosts of a play, once.
SHARED_TARGET_TASK = "Create or update the access log buckets that several buckets of the play share"

# The role defaults in the shape that get-bucket-lifecycle-configuration prints.
RETENTION_RULE = {
    "ID": "logs-retention",
    "Status": "Enabled",
    "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}],
    "Expiration": {"Days": 365},
    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
}
ACCESS_LOGS_RULE = {
    "ID": "access-logs-retention",
    "Status": "Enabled",
    "Expiration": {"Days": 90},
    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
}
ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def role_vars(bucket: str, **extra: object) -> dict:
    """Return the extra vars of a converge with access logging on, as strings, as ``-e name=value`` passes them."""
    variables: dict = {
        "logs_bucket_name": bucket,
        "logs_bucket_access_logging": "true",
        "logs_bucket_region": REGION,
    }
    variables.update(extra)
    return variables


def converge_results(run) -> list[dict]:
    """Return the results of the role's s3_logs_bucket task in a playbook run."""
    return [
        entry["result"]
        for entry in run.results
        if entry["action"] == CONVERGE_ACTION and not entry["task"].endswith(SHARED_TARGET_TASK)
    ]


def failed_results(run) -> list[dict]:
    """Return the task entries of a playbook run that failed and were not ignored."""
    return [entry for entry in run.results if entry["status"] == "failed" and not entry["ignored"]]


def _rule_without_filter(rule: dict) -> dict:
    # The whole-bucket filter reads back as {"Prefix": ""} or {}; only the actions matter here.
    return {key: value for key, value in rule.items() if key not in ("Filter", "Prefix")}


def runbook_problems(aws_cli, bucket: str, target: str | None = None) -> list[str]:
    """Run the runbook's AWS CLI commands on a converged bucket and return what differs from the role's defaults."""
    target = target or f"{bucket}-access-logs"
    problems: list[str] = []

    head = aws_cli("s3api", "head-bucket", "--bucket", bucket)
    if head.get("BucketRegion") != REGION:
        problems.append(f"head-bucket: region {head.get('BucketRegion')}, expected {REGION}")

    policy = json.loads(aws_cli("s3api", "get-bucket-policy", "--bucket", bucket)["Policy"])
    statements = {statement.get("Sid"): statement for statement in policy["Statement"]}
    if statements.get(DENY_INSECURE_TRANSPORT_SID) != deny_insecure_transport_statement(bucket):
        problems.append(f"get-bucket-policy: no TLS-only statement in {sorted(statements)}")

    aws_cli("s3", "ls", f"s3://{bucket}")

    encryption = aws_cli("s3api", "get-bucket-encryption", "--bucket", bucket)["ServerSideEncryptionConfiguration"]
    rule = encryption["Rules"][0]
    if (
        rule["ApplyServerSideEncryptionByDefault"] != {"SSEAlgorithm": "aws:kms"}
        or rule.get("BucketKeyEnabled") is not True
    ):
        problems.append(f"get-bucket-encryption: {rule}, expected aws:kms with the AWS managed key and a bucket key")

    lifecycle = aws_cli("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)["Rules"]
    if [_rule_without_filter(item) for item in lifecycle] != [RETENTION_RULE]:
        problems.append(f"get-bucket-lifecycle-configuration: {lifecycle}")

    logging = aws_cli("s3api", "get-bucket-logging", "--bucket", bucket).get("LoggingEnabled") or {}
    if (logging.get("TargetBucket"), logging.get("TargetPrefix")) != (target, f"{bucket}/"):
        problems.append(f"get-bucket-logging: {logging}, expected target {target} and prefix {bucket}/")

    target_policy = json.loads(aws_cli("s3api", "get-bucket-policy", "--bucket", target)["Policy"])
    target_sids = sorted(statement.get("Sid") for statement in target_policy["Statement"])
    if not {delivery_sid(bucket), DENY_INSECURE_TRANSPORT_SID} <= set(target_sids):
        problems.append(f"get-bucket-policy of {target}: Sids {target_sids}, missing the delivery or TLS statement")
    return problems


def other_setting_problems(moto, bucket: str, target: str | None = None) -> list[str]:
    """Read the settings that the runbook commands do not show, on the bucket and its access-log target."""
    target = target or f"{bucket}-access-logs"
    s3 = aws_client(moto, "s3")
    problems: list[str] = []
    versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    if versioning != "Enabled":
        problems.append(f"versioning of {bucket}: {versioning}")
    for name in (bucket, target):
        block = read_or_none(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", Bucket=name)
        if (block or {}).get("PublicAccessBlockConfiguration") != ALL_BLOCKED:
            problems.append(f"public access block of {name}: {block and block['PublicAccessBlockConfiguration']}")
        ownership = read_or_none(s3.get_bucket_ownership_controls, "OwnershipControlsNotFoundError", Bucket=name)
        rules = (ownership or {}).get("OwnershipControls", {}).get("Rules", [])
        if rules != [{"ObjectOwnership": "BucketOwnerEnforced"}]:
            problems.append(f"ownership controls of {name}: {rules}")
    target_encryption = s3.get_bucket_encryption(Bucket=target)["ServerSideEncryptionConfiguration"]["Rules"][0]
    if target_encryption["ApplyServerSideEncryptionByDefault"] != {"SSEAlgorithm": "AES256"}:
        problems.append(f"encryption of {target}: {target_encryption}")
    target_rules = s3.get_bucket_lifecycle_configuration(Bucket=target)["Rules"]
    if [_rule_without_filter(item) for item in target_rules] != [ACCESS_LOGS_RULE]:
        problems.append(f"lifecycle of {target}: {target_rules}")
    return problems
