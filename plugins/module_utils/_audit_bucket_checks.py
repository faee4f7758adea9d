# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of a bucket's settings other than its policy: access, encryption, versioning, lifecycle, logging, ownership, public access."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.logsafe.aws.plugins.module_utils._audit_checks import (
    ERROR,
    FAIL,
    PASS,
    SKIPPED,
    WARN,
    error_check,
    make_check,
    render,
)
from ansible_collections.logsafe.aws.plugins.module_utils._audit_context import CheckGroup
from ansible_collections.logsafe.aws.plugins.module_utils._encryption import (
    AWS_MANAGED_ALIAS,
    KMS_ALGORITHMS,
    parse_kms_key,
    same_key_without_request,
)
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AccessDeniedError, AwsApiError, ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import SSE_S3_ONLY, check_encryption
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import S3_LOGGING_PRINCIPAL
from ansible_collections.logsafe.aws.plugins.module_utils._public_access_block import FLAGS


class SettingChecks(CheckGroup):
    """Access, default encryption, versioning, lifecycle, access logging, ownership and the public access blocks."""

    def list_objects_check(self, result: Dict[str, Any]) -> Dict[str, Any]:
        listing = result.get("list_objects") or {}
        if listing.get("allowed"):
            return make_check(
                "list_objects",
                self.name,
                PASS,
                f"The caller can list the objects of bucket {self.name}",
                observed={"allowed": True},
                expected={"allowed": True},
            )
        return make_check(
            "list_objects",
            self.name,
            FAIL,
            f"Listing the objects of bucket {self.name} failed: {listing.get('error')}",
            observed={"allowed": False, "error": listing.get("error")},
            expected={"allowed": True},
            remediation="Grant s3:ListBucket on the bucket to the caller, and check that no bucket policy Deny applies.",
            iam_action="s3:ListBucket",
        )

    # Encryption

    def encryption_check(self, result: Dict[str, Any]) -> Dict[str, Any]:
        error = self.info.read_exceptions.get("encryption")
        if error is not None:
            return self._error("encryption", error)
        state = result.get("encryption")
        configured = self.settings.setting("encryption")
        expected = self._expected_encryption(configured)
        if state is None:
            return make_check(
                "encryption",
                self.name,
                FAIL,
                f"Bucket {self.name} has no default encryption",
                observed=None,
                expected=expected,
                remediation="Set default encryption (the logs_bucket role uses SSE-KMS), for example with "
                "logsafe.aws.s3_bucket_encryption.",
            )

        key = (state.get("kms_key_details") or {}).get("arn") or state["kms_key"]
        if not key and state["sse_algorithm"] in KMS_ALGORITHMS:
            key = AWS_MANAGED_ALIAS
        observed = {
            "sse_algorithm": state["sse_algorithm"],
            "kms_key": key,
            "bucket_key_enabled": state["bucket_key_enabled"],
        }
        description = state["sse_algorithm"] + (f" with key {key}" if key else "")
        soft: List[str] = []
        try:
            if configured:
                problems = self._configured_problems(state, configured)
            else:
                problems, soft = self._baseline_problems(state)
        except AwsApiError as lookup_error:
            return self._error("encryption", lookup_error)
        problems += self._source_problems(state)

        if problems or soft:
            return make_check(
                "encryption",
                self.name,
                FAIL if problems else WARN,
                f"Bucket {self.name} is encrypted with {description}: {'; '.join(problems + soft)}",
                observed=observed,
                expected=expected,
                remediation="Set the expected default encryption (logsafe.aws.s3_bucket_encryption, or the "
                "logs_bucket role). Objects written before keep their encryption.",
            )
        return make_check(
            "encryption",
            self.name,
            PASS,
            f"Bucket {self.name} is encrypted with {description}, as expected",
            observed=observed,
            expected=expected,
        )

    def _expected_encryption(self, configured: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        if configured:
            algorithm = configured.get("sse_algorithm") or "aws:kms"
            managed_key = AWS_MANAGED_ALIAS if algorithm != "AES256" else None
            return {
                "sse_algorithm": algorithm,
                "kms_key": configured.get("kms_key") or managed_key,
                "bucket_key_enabled": configured.get("bucket_key_enabled"),
            }
        kinds = {source["type"] for source in self.settings.log_sources}
        if kinds & set(SSE_S3_ONLY) or "s3_access_logs" in kinds:
            return {"sse_algorithm": "AES256"}
        return {"sse_algorithm": "aws:kms"}

    def _configured_problems(self, state: Dict[str, Any], configured: Dict[str, Any]) -> List[str]:
        problems = []
        algorithm = state["sse_algorithm"]
        wanted_algorithm = configured.get("sse_algorithm") or "aws:kms"
        if algorithm != wanted_algorithm:
            problems.append(f"the algorithm is {algorithm}, expected {wanted_algorithm}")
        elif algorithm in KMS_ALGORITHMS:
            problem = self._key_problem(state, configured.get("kms_key"))
            if problem:
                problems.append(problem)
        wanted_bucket_key = configured.get("bucket_key_enabled")
        actual_bucket_key = state["bucket_key_enabled"]
        if wanted_bucket_key is not None and algorithm == "aws:kms" and actual_bucket_key != wanted_bucket_key:
            problems.append(
                f"the S3 Bucket Key is {'on' if actual_bucket_key else 'off'}, expected {'on' if wanted_bucket_key else 'off'}"
            )
        return problems

    def _baseline_problems(self, state: Dict[str, Any]) -> Tuple[List[str], List[str]]:
        # An ALB or CLB source needs SSE-S3, which _source_problems checks.
        algorithm = state["sse_algorithm"]
        kinds = {source["type"] for source in self.settings.log_sources}
        if kinds & set(SSE_S3_ONLY):
            return [], []
        if "s3_access_logs" in kinds:
            if algorithm == "AES256":
                return [], []
            soft = (
                "S3 server access log targets use SSE-S3 by default, and with SSE-KMS the key policy must let "
                f"{S3_LOGGING_PRINCIPAL} use the key (see the key policy check)"
            )
            return [], [soft]
        if algorithm not in KMS_ALGORITHMS:
            return [f"the algorithm is {algorithm}, expected aws:kms, which Security Hub S3.17 asks for"], []
        return [], []

    def _source_problems(self, state: Dict[str, Any]) -> List[str]:
        try:
            check_encryption(
                self.settings.log_sources,
                {"sse_algorithm": state["sse_algorithm"], "kms_key": state["kms_key"]},
                self.name,
            )
        except ValidationError as error:
            return [error.message]
        return []

    def _key_problem(self, state: Dict[str, Any], wanted: Optional[str]) -> Optional[str]:
        stored = state["kms_key"]
        same = same_key_without_request(stored, wanted)
        if same is None:
            wanted_id = self._resolved_key_id(wanted)
            if wanted_id is None:
                return f"the expected key {wanted} was not found"
            same = wanted_id == self._stored_key_id(state)
        if same:
            return None
        return f"the key is {stored or AWS_MANAGED_ALIAS}, expected {wanted or AWS_MANAGED_ALIAS}"

    def _stored_key_id(self, state: Dict[str, Any]) -> Optional[str]:
        if self.info.key_metadata is not None:
            return self.info.key_metadata["KeyId"]
        return parse_kms_key(state["kms_key"])["key_id"]

    def _resolved_key_id(self, key: Optional[str]) -> Optional[str]:
        # Only called for customer keys: DescribeKey on alias/aws/s3 would create the AWS managed key.
        try:
            response = self.aws.call("kms", "DescribeKey", f"describe the expected KMS key {key}", KeyId=key)
        except AwsApiError as error:
            if error.error_code == "NotFoundException":
                return None
            raise
        return response["KeyMetadata"]["KeyId"]

    # Versioning and lifecycle

    def versioning_check(self, result: Dict[str, Any]) -> Dict[str, Any]:
        error = self.info.read_exceptions.get("versioning")
        if error is not None:
            return self._error("versioning", error)
        status = (result.get("versioning") or {}).get("status")
        wanted = self.settings.setting("versioning")
        observed = {"status": status}
        if wanted is False:
            return make_check(
                "versioning",
                self.name,
                PASS if status != "Enabled" else FAIL,
                f"Versioning of bucket {self.name} is {status or 'never enabled'}",
                observed=observed,
                expected={"status": "Suspended or never enabled"},
                remediation="Suspend versioning, or set the expected versioning to true.",
            )
        if status == "Enabled":
            return make_check(
                "versioning",
                self.name,
                PASS,
                f"Versioning of bucket {self.name} is enabled",
                observed=observed,
                expected={"status": "Enabled"},
            )
        return make_check(
            "versioning",
            self.name,
            FAIL if wanted else WARN,
            f"Versioning of bucket {self.name} is {status or 'not enabled'}",
            observed=observed,
            expected={"status": "Enabled"},
            remediation=f"Enable it: aws s3api put-bucket-versioning --bucket {self.name} "
            "--versioning-configuration Status=Enabled",
        )

    def lifecycle_check(self, result: Dict[str, Any]) -> Dict[str, Any]:
        error = self.info.read_exceptions.get("lifecycle")
        if error is not None:
            return self._error("lifecycle", error)
        state = result.get("lifecycle")
        actual_rules = (state or {}).get("rules") or []
        expectation = result["expectations"].get("lifecycle")
        if expectation is not None:
            return self._lifecycle_expected(state, expectation)
        enabled = [rule["id"] for rule in actual_rules if rule.get("status") == "enabled"]
        if enabled:
            return make_check(
                "lifecycle",
                self.name,
                PASS,
                f"Bucket {self.name} has {len(actual_rules)} lifecycle rules, enabled: {', '.join(enabled)}",
                observed=state,
                expected="at least one enabled rule",
            )
        return make_check(
            "lifecycle",
            self.name,
            FAIL,
            f"Bucket {self.name} has {'no lifecycle configuration' if state is None else 'no enabled lifecycle rule'}",
            observed=state,
            expected="at least one enabled rule",
            remediation="Add retention rules (the logs_bucket role keeps logs 365 days), for example with "
            "logsafe.aws.s3_bucket_lifecycle.",
        )

    def _lifecycle_expected(self, state: Optional[Dict[str, Any]], expectation: Dict[str, Any]) -> Dict[str, Any]:
        configured = self.settings.setting("lifecycle") or {}
        wanted_ids = [rule["id"] for rule in configured.get("rules") or []]
        expected_rules = [
            rule for rule in ((expectation.get("expected") or {}).get("rules") or []) if rule["id"] in wanted_ids
        ]
        expected = {"rules": expected_rules}
        if expectation.get("error"):
            return make_check(
                "lifecycle",
                self.name,
                ERROR,
                f"The lifecycle rules of bucket {self.name} could not be compared: {expectation['error']}",
                observed=state,
                expected=expected,
            )
        if expectation["matches"]:
            return make_check(
                "lifecycle",
                self.name,
                PASS,
                f"The lifecycle rules of bucket {self.name} match the settings ({', '.join(wanted_ids) or 'no rule'})",
                observed=state,
                expected=expected,
            )
        differences = lifecycle_differences(state, expected_rules, configured)
        return make_check(
            "lifecycle",
            self.name,
            FAIL,
            f"The lifecycle rules of bucket {self.name} differ from the settings: "
            f"{'; '.join(differences) or 'see observed and expected'}",
            observed=state,
            expected=expected,
            remediation="Apply the rules (the logs_bucket role, or logsafe.aws.s3_bucket_lifecycle).",
        )

    # Access logging

    def _logging_expectation(self) -> Optional[Dict[str, Any]]:
        return self.settings.setting("access_logging")

    def access_logging_check(self, result: Dict[str, Any]) -> Dict[str, Any]:
        error = self.info.read_exceptions.get("logging")
        if error is not None:
            return self._error("access_logging", error)
        state = result.get("logging") or {}
        observed = {key: state.get(key) for key in ("enabled", "target_bucket", "target_prefix")}
        configured = self._logging_expectation()
        if configured is None:
            return self._logging_baseline(observed)

        wanted_enabled = configured.get("enabled") is not False
        expected: Dict[str, Any] = {"enabled": wanted_enabled}
        if wanted_enabled:
            expected["target_bucket"] = configured.get("target_bucket")
            expected["target_prefix"] = configured.get("target_prefix") or ""
        destination = f"s3://{observed['target_bucket']}/{observed['target_prefix']}"
        if {key: observed[key] for key in expected} == expected:
            finding = (
                f"Bucket {self.name} sends access logs to {destination}"
                if wanted_enabled
                else f"Server access logging of bucket {self.name} is off, as expected"
            )
            return make_check("access_logging", self.name, PASS, finding, observed=observed, expected=expected)
        found = f"sends access logs to {destination}" if observed["enabled"] else "has no server access logging"
        return make_check(
            "access_logging",
            self.name,
            FAIL,
            f"Bucket {self.name} {found}",
            observed=observed,
            expected=expected,
            remediation="Set the logging target and prefix (the logs_bucket role, or logsafe.aws.s3_bucket_logging).",
        )

    def _logging_baseline(self, observed: Dict[str, Any]) -> Dict[str, Any]:
        if observed["enabled"]:
            return make_check(
                "access_logging",
                self.name,
                PASS,
                f"Bucket {self.name} sends access logs to s3://{observed['target_bucket']}/{observed['target_prefix']}",
                observed=observed,
                expected={"enabled": True},
            )
        if any(source["type"] == "s3_access_logs" for source in self.settings.log_sources):
            return make_check(
                "access_logging",
                self.name,
                PASS,
                f"Bucket {self.name} receives server access logs and does not log its own requests, which would "
                "add a log record for every delivery",
                observed=observed,
            )
        return make_check(
            "access_logging",
            self.name,
            WARN,
            f"Bucket {self.name} has no server access logging",
            observed=observed,
            expected={"enabled": True},
            remediation="Enable it to a separate bucket (logs_bucket_access_logging: true in the logs_bucket "
            "role), because Security Hub S3.9 reports buckets without it.",
        )

    # Ownership and public access

    def ownership_check(self, result: Dict[str, Any]) -> Dict[str, Any]:
        error = self.info.read_exceptions.get("ownership_controls")
        if error is not None:
            return self._error("ownership_controls", error)
        wanted = self.settings.setting("object_ownership") or "BucketOwnerEnforced"
        actual = (result.get("ownership_controls") or {}).get("object_ownership")
        observed = {"object_ownership": actual}
        expected = {"object_ownership": wanted}
        if actual == wanted:
            return make_check(
                "ownership_controls",
                self.name,
                PASS,
                f"Bucket {self.name} has object ownership {actual}",
                observed=observed,
                expected=expected,
            )
        return make_check(
            "ownership_controls",
            self.name,
            FAIL,
            f"Bucket {self.name} has object ownership {actual or 'not set (ACLs enabled)'}",
            observed=observed,
            expected=expected,
            remediation=f"Set it with logsafe.aws.s3_bucket_ownership_controls (which moves a LogDelivery ACL grant "
            f"to the policy first), or: aws s3api put-bucket-ownership-controls --bucket {self.name} "
            f"--ownership-controls Rules=[{{ObjectOwnership={wanted}}}]",
        )

    def public_access_block_check(self, result: Dict[str, Any]) -> Dict[str, Any]:
        error = self.info.read_exceptions.get("public_access_block")
        if error is not None:
            return self._error("public_access_block", error)
        configured = self.settings.setting("public_access_block") or {}
        expected = {flag: configured.get(flag) is not False for flag in FLAGS}
        actual = result.get("public_access_block")
        if actual == expected:
            return make_check(
                "public_access_block",
                self.name,
                PASS,
                f"The public access block of bucket {self.name} is as expected ({self._flag_text(actual)})",
                observed=actual,
                expected=expected,
            )
        return make_check(
            "public_access_block",
            self.name,
            FAIL,
            f"Bucket {self.name} has "
            + ("no public access block" if actual is None else f"the public access block {self._flag_text(actual)}"),
            observed=actual,
            expected=expected,
            remediation=f"Turn on every flag: aws s3api put-public-access-block --bucket {self.name} "
            "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
            "BlockPublicPolicy=true,RestrictPublicBuckets=true",
        )

    @staticmethod
    def _flag_text(flags: Dict[str, bool]) -> str:
        return ", ".join(f"{flag} {'on' if value else 'off'}" for flag, value in flags.items())

    def account_public_access_block_check(self) -> Dict[str, Any]:
        outcome = self.shared.public_access_block()
        account_id = self.shared.account()["id"] or "ACCOUNT-ID"
        expected = dict.fromkeys(FLAGS, True)
        if outcome["skipped"]:
            return make_check("account_public_access_block", self.name, SKIPPED, outcome["skipped"], account=account_id)
        error = outcome["error"]
        if isinstance(error, AccessDeniedError):
            # The bucket-level check already decides whether this bucket is protected. The account setting
            # is read only where the caller may, so a denied read is a warning.
            return make_check(
                "account_public_access_block",
                self.name,
                WARN,
                f"The account-level public access block of account {account_id} could not be read: access denied",
                remediation="Grant s3:GetAccountPublicAccessBlock to the caller to include it in the audit.",
                iam_action="s3:GetAccountPublicAccessBlock",
                account=account_id,
            )
        if error is not None:
            return error_check("account_public_access_block", self.name, error, account=account_id)
        state = outcome["state"]
        if state == expected:
            return make_check(
                "account_public_access_block",
                self.name,
                PASS,
                f"The account-level public access block of account {account_id} has all four flags on",
                observed=state,
                expected=expected,
                account=account_id,
            )
        return make_check(
            "account_public_access_block",
            self.name,
            WARN,
            f"Account {account_id} has "
            + (
                "no account-level public access block"
                if state is None
                else f"the account-level public access block {self._flag_text(state)}"
            )
            + f". The bucket-level block protects bucket {self.name}; the account-level one also covers new buckets",
            observed=state,
            expected=expected,
            account=account_id,
            remediation=f"aws s3control put-public-access-block --account-id {account_id} "
            "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
            "BlockPublicPolicy=true,RestrictPublicBuckets=true",
        )


def lifecycle_differences(
    state: Optional[Dict[str, Any]], expected_rules: List[Dict[str, Any]], configured: Dict[str, Any]
) -> List[str]:
    """Describe how the lifecycle configuration ``state`` differs from the expected rules, rule by rule and field by field."""
    actual_rules = (state or {}).get("rules") or []
    wanted_ids = [rule["id"] for rule in configured.get("rules") or []]
    actual_by_id = {rule["id"]: rule for rule in actual_rules}
    differences = []
    if state is None:
        differences.append("the bucket has no lifecycle configuration")
    for rule in expected_rules:
        actual = actual_by_id.get(rule["id"])
        if actual is None:
            if state is not None:
                differences.append(f"rule {rule['id']} is missing")
            continue
        changed = sorted(key for key in set(rule) | set(actual) if rule.get(key) != actual.get(key))
        if changed:
            differences.append(
                f"rule {rule['id']} differs in "
                + ", ".join(f"{key} ({render(actual.get(key))} instead of {render(rule.get(key))})" for key in changed)
            )
    if configured.get("purge_rules"):
        extra = sorted(set(actual_by_id) - set(wanted_ids))
        if extra:
            differences.append(f"rules {', '.join(extra)} are not in the settings (purge_rules is true)")
    wanted_size = configured.get("transition_default_minimum_object_size")
    if wanted_size and state and state.get("transition_default_minimum_object_size") != wanted_size:
        differences.append(
            f"transition_default_minimum_object_size is {state.get('transition_default_minimum_object_size')}"
        )
    return differences
