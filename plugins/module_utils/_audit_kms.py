# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The KMS key of a bucket in the audit: its state, its rotation and its key policy."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._audit_checks import (
    FAIL,
    PASS,
    SKIPPED,
    error_check,
    make_check,
)
from ansible_collections.logsafe.aws.plugins.module_utils._audit_policy import (
    key_use_grant,
    parse_document,
    service_key_grant,
)
from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients
from ansible_collections.logsafe.aws.plugins.module_utils._encryption import (
    AWS_MANAGED_ALIAS,
    KMS_ALGORITHMS,
    parse_kms_key,
)
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, LogsafeError
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import required_key_grants

KEY_CHECK_IDS = ("kms_key_state", "kms_key_rotation", "kms_key_policy")
# S3 calls GenerateDataKey to write an SSE-KMS object and Decrypt to read one.
S3_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


def _skipped(bucket: str, finding: str, key: str) -> List[Dict[str, Any]]:
    return [make_check(check_id, bucket, SKIPPED, finding, key=key) for check_id in KEY_CHECK_IDS]


def key_checks(
    aws: AwsClients,
    bucket: str,
    encryption: Optional[Dict[str, Any]],
    encryption_error: Optional[LogsafeError],
    key_metadata: Optional[Dict[str, Any]],
    key_error: Optional[LogsafeError],
    sources: List[Dict[str, Any]],
    principal_arns: List[str],
) -> List[Dict[str, Any]]:
    """Build the three KMS key checks of a bucket; the key is the one its default encryption names."""
    if encryption_error is not None:
        return [error_check(check_id, bucket, encryption_error, key="KEY-ID") for check_id in KEY_CHECK_IDS]
    if encryption is None or encryption["sse_algorithm"] not in KMS_ALGORITHMS:
        algorithm = (
            "no default encryption" if encryption is None else f"default encryption {encryption['sse_algorithm']}"
        )
        return _skipped(bucket, f"Bucket {bucket} has {algorithm}, so no KMS key encrypts it", "KEY-ID")
    stored = encryption["kms_key"]
    if not stored or (key_metadata is not None and key_metadata.get("KeyManager") == "AWS"):
        return _aws_managed_key_checks(bucket, stored or AWS_MANAGED_ALIAS, sources)
    if key_error is not None:
        return [error_check(check_id, bucket, key_error, service="kms", key=stored) for check_id in KEY_CHECK_IDS]
    if key_metadata is None:
        return _skipped(bucket, f"The KMS key {stored} of bucket {bucket} was not read", stored)
    return [
        _state_check(aws, bucket, key_metadata),
        _rotation_check(aws, bucket, key_metadata),
        _policy_check(aws, bucket, key_metadata, sources, principal_arns),
    ]


def _aws_managed_key_checks(bucket: str, key: str, sources: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    label = f"Bucket {bucket} uses the AWS managed key {key}"
    checks = [
        make_check(
            "kms_key_state",
            bucket,
            PASS,
            f"{label}, which AWS keeps enabled and which cannot be scheduled for deletion",
            observed={"key": key, "key_manager": "AWS"},
            key=key,
        ),
        make_check(
            "kms_key_rotation",
            bucket,
            PASS,
            f"{label}, whose key material AWS KMS rotates every year",
            observed={"key": key, "key_manager": "AWS"},
            key=key,
        ),
    ]
    grants = required_key_grants(sources)
    if grants:
        services = ", ".join(grant["service"] for grant in grants)
        checks.append(
            make_check(
                "kms_key_policy",
                bucket,
                FAIL,
                f"{label}, and its key policy cannot be changed to let {services} use it, so those log sources "
                "cannot deliver",
                observed={"key": key, "key_manager": "AWS"},
                expected={"grants": grants},
                remediation="Use SSE-S3 (AES256), or a customer managed key whose key policy grants the log services.",
                key=key,
            )
        )
    else:
        checks.append(
            make_check(
                "kms_key_policy",
                bucket,
                PASS,
                f"{label}: its key policy lets the principals of the account use it through S3, and AWS manages it",
                observed={"key": key, "key_manager": "AWS"},
                key=key,
            )
        )
    return checks


def _state_check(aws: AwsClients, bucket: str, metadata: Dict[str, Any]) -> Dict[str, Any]:
    key_arn = metadata["Arn"]
    observed = {
        "arn": key_arn,
        "key_state": metadata.get("KeyState"),
        "key_spec": metadata.get("KeySpec", "SYMMETRIC_DEFAULT"),
        "key_usage": metadata.get("KeyUsage", "ENCRYPT_DECRYPT"),
        "key_manager": metadata.get("KeyManager"),
        "deletion_date": str(metadata["DeletionDate"]) if metadata.get("DeletionDate") else None,
    }
    expected = {"key_state": "Enabled", "key_spec": "SYMMETRIC_DEFAULT", "key_usage": "ENCRYPT_DECRYPT"}

    problems = []
    if observed["key_state"] == "PendingDeletion":
        problems.append(f"it is pending deletion (deletion date {observed['deletion_date']})")
    elif observed["key_state"] != "Enabled":
        problems.append(f"its state is {observed['key_state']}")
    if observed["key_spec"] != "SYMMETRIC_DEFAULT":
        problems.append(f"it is a {observed['key_spec']} key, and S3 supports only symmetric encryption keys")
    if observed["key_usage"] != "ENCRYPT_DECRYPT":
        problems.append(f"its usage is {observed['key_usage']}")
    region = parse_kms_key(key_arn)["region"]
    if region and region != aws.region:
        problems.append(f"it is in region {region}, and S3 needs a key in the bucket's region {aws.region}")

    if not problems:
        return make_check(
            "kms_key_state",
            bucket,
            PASS,
            f"KMS key {key_arn} of bucket {bucket} is enabled and symmetric",
            observed=observed,
            expected=expected,
            key=key_arn,
        )

    remediation = "S3 can neither write nor read objects with this key. "
    if observed["key_state"] == "PendingDeletion":
        remediation += f"Cancel the deletion (aws kms cancel-key-deletion --key-id {key_arn}) and enable the key."
    elif observed["key_state"] == "Disabled":
        remediation += f"Enable it (aws kms enable-key --key-id {key_arn})."
    else:
        remediation += "Point the default encryption at an enabled symmetric key in the bucket's region."
    return make_check(
        "kms_key_state",
        bucket,
        FAIL,
        f"KMS key {key_arn} of bucket {bucket} cannot be used: {'; '.join(problems)}",
        observed=observed,
        expected=expected,
        remediation=remediation,
        key=key_arn,
    )


def _rotation_check(aws: AwsClients, bucket: str, metadata: Dict[str, Any]) -> Dict[str, Any]:
    key_arn = metadata["Arn"]
    try:
        response = aws.call(
            "kms", "GetKeyRotationStatus", f"read the rotation status of KMS key {key_arn}", KeyId=key_arn
        )
    except AwsApiError as error:
        if error.error_code in ("KMSInvalidStateException", "UnsupportedOperationException"):
            return make_check(
                "kms_key_rotation",
                bucket,
                FAIL,
                f"The rotation of KMS key {key_arn} cannot be read: {error.message}",
                observed={"arn": key_arn, "key_rotation_enabled": None},
                expected={"key_rotation_enabled": True},
                remediation="Automatic rotation needs an enabled symmetric key with key material from AWS KMS.",
                key=key_arn,
            )
        return error_check("kms_key_rotation", bucket, error, service="kms", key=key_arn)
    enabled = bool(response.get("KeyRotationEnabled"))
    observed = {"arn": key_arn, "key_rotation_enabled": enabled}
    if response.get("RotationPeriodInDays"):
        observed["rotation_period_in_days"] = response["RotationPeriodInDays"]
    if enabled:
        return make_check(
            "kms_key_rotation",
            bucket,
            PASS,
            f"Automatic rotation of KMS key {key_arn} is enabled",
            observed=observed,
            expected={"key_rotation_enabled": True},
            key=key_arn,
        )
    return make_check(
        "kms_key_rotation",
        bucket,
        FAIL,
        f"Automatic rotation of KMS key {key_arn} is disabled",
        observed=observed,
        expected={"key_rotation_enabled": True},
        remediation=f"Enable it with: aws kms enable-key-rotation --key-id {key_arn}",
        key=key_arn,
    )


def _policy_check(
    aws: AwsClients, bucket: str, metadata: Dict[str, Any], sources: List[Dict[str, Any]], principal_arns: List[str]
) -> Dict[str, Any]:
    key_arn = metadata["Arn"]
    try:
        response = aws.call(
            "kms", "GetKeyPolicy", f"read the key policy of KMS key {key_arn}", KeyId=key_arn, PolicyName="default"
        )
    except AwsApiError as error:
        return error_check("kms_key_policy", bucket, error, service="kms", key=key_arn)

    document = parse_document(response.get("Policy"))
    key_account = metadata.get("AWSAccountId") or key_arn.split(":")[4]
    problems = []
    principals: Dict[str, Dict[str, str]] = {}
    # Without configured principals, the question is whether the key policy lets IAM policies of the
    # key's account grant the use of the key: the default key policy does.
    for arn in principal_arns or [f"arn:{key_arn.split(':')[1]}:iam::{key_account}:root"]:
        account = arn.split(":")[4]
        decisions = key_use_grant(document, arn, account, S3_KEY_ACTIONS)
        principals[arn] = decisions
        blocked = [action for action, decision in decisions.items() if decision in ("missing", "denied")]
        if blocked:
            problems.append(f"it does not let {arn} use {', '.join(blocked)}")

    services = {}
    for grant in required_key_grants(sources):
        missing = service_key_grant(document, grant["service"], grant["actions"])
        services[grant["service"]] = {"required": grant["actions"], "missing": missing}
        if missing:
            problems.append(f"it does not grant {', '.join(missing)} to {grant['service']}")

    observed = {"arn": key_arn, "principals": principals, "services": services, "policy": document}
    expected = {
        "principals": "the account (so that IAM policies decide) or each principal, for "
        + " and ".join(S3_KEY_ACTIONS),
        "services": required_key_grants(sources),
    }
    if problems:
        return make_check(
            "kms_key_policy",
            bucket,
            FAIL,
            f"The key policy of KMS key {key_arn}: {'; '.join(problems)}",
            observed=observed,
            expected=expected,
            remediation="Add statements to the key policy that allow the missing actions to those principals "
            f"(aws kms put-key-policy --key-id {key_arn} --policy-name default --policy file://policy.json).",
            key=key_arn,
        )
    return make_check(
        "kms_key_policy",
        bucket,
        PASS,
        f"The key policy of KMS key {key_arn} lets S3 use the key for the bucket's principals"
        + (" and grants the log services" if services else ""),
        observed=observed,
        expected=expected,
        key=key_arn,
    )
