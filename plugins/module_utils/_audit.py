# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only audit of S3 logs buckets: one result per runbook check, with the value found, the value expected and the fix.

Every request here is a read (Head, Get, List, Describe, and the IAM policy
simulator). A read that fails makes its own checks ``error`` and the other
checks still run.
"""

from __future__ import annotations

import datetime
import fnmatch
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._audit_bucket_checks import SettingChecks
from ansible_collections.logsafe.aws.plugins.module_utils._audit_checks import (
    BUCKET_CHECK_IDS,
    FAIL,
    PASS,
    SKIPPED,
    count_statuses,
    make_check,
    worst_status,
)
from ansible_collections.logsafe.aws.plugins.module_utils._audit_context import AccountReads, AuditSettings, CheckGroup
from ansible_collections.logsafe.aws.plugins.module_utils._audit_iam import principal_access_check
from ansible_collections.logsafe.aws.plugins.module_utils._audit_kms import key_checks
from ansible_collections.logsafe.aws.plugins.module_utils._audit_policy_checks import PolicyChecks
from ansible_collections.logsafe.aws.plugins.module_utils._audit_report import render_markdown, summary_line
from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients
from ansible_collections.logsafe.aws.plugins.module_utils._bucket import validate_bucket_name
from ansible_collections.logsafe.aws.plugins.module_utils._bucket_info import BucketInfo
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AccessDeniedError, AwsApiError
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import validate_log_sources
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import MAX_READ_WORKERS


class BucketAudit(CheckGroup):
    """The checks of one bucket, in runbook order: it sends HeadBucket, the reads of BucketInfo, then the rest concurrently."""

    def __init__(self, aws: AwsClients, name: str, settings: AuditSettings, shared: AccountReads) -> None:
        super().__init__(aws, name, settings, shared, BucketInfo(aws, name, settings.info_expect, tolerate_errors=True))
        self.region: Optional[str] = None
        self.exists: Optional[bool] = None

    def run(self) -> List[Dict[str, Any]]:
        """Read the bucket and return its checks."""
        head: Optional[Dict[str, Any]] = None
        head_error: Optional[AwsApiError] = None
        try:
            head = self.info.read_bucket()
        except AwsApiError as error:
            head_error = error
        checks = [self._bucket_check(head, head_error)]
        if head is not None and not head["exists"]:
            self.exists = False
            return checks + self._skipped_checks(f"Bucket {self.name} does not exist, so this setting was not read")

        # After a failed HeadBucket (403, for example), whether the bucket exists is unknown, and the other
        # reads still run because they tell more.
        self.exists = True if head is not None else None
        self.region = head["region"] if head is not None else None
        result = self.info.read(head or {"exists": True, "region": None})
        return checks + self._checks_of(result)

    def _skipped_checks(self, reason: str) -> List[Dict[str, Any]]:
        checks = [
            make_check(check_id, self.name, SKIPPED, reason, **self._command_values(check_id))
            for check_id in BUCKET_CHECK_IDS[1:]
        ]
        for kind, names in (("user", self.settings.iam_users), ("role", self.settings.iam_roles)):
            for name in names:
                subject = f"{kind}/{name}"
                checks.append(
                    make_check(f"iam_{kind}_access", self.name, SKIPPED, reason, subject=subject, principal=name)
                )
        return checks

    def _checks_of(self, result: Dict[str, Any]) -> List[Dict[str, Any]]:
        group = (self.aws, self.name, self.settings, self.shared, self.info)
        policy, settings = PolicyChecks(*group), SettingChecks(*group)
        key_metadata = self.info.key_metadata
        key_arn = key_metadata["Arn"] if key_metadata and key_metadata.get("KeyManager") == "CUSTOMER" else None
        with ThreadPoolExecutor(max_workers=MAX_READ_WORKERS) as executor:
            target = executor.submit(policy.access_logging_target_check, result)
            account = executor.submit(settings.account_public_access_block_check)
            delivery = executor.submit(policy.delivery_statements_check, result)
            encryption = executor.submit(settings.encryption_check, result)
            principals = [
                executor.submit(principal_access_check, self.shared.iam, kind, name, self.name, self.arn, key_arn)
                for kind, names in (("user", self.settings.iam_users), ("role", self.settings.iam_roles))
                for name in names
            ]
            principal_checks = [future.result() for future in principals]
            # The key policy is checked for the principals that exist.
            principal_arns = [check["observed"]["arn"] for check in principal_checks if check["observed"]]
            keys = executor.submit(
                key_checks,
                self.aws,
                self.name,
                result["encryption"],
                self.info.read_exceptions.get("encryption"),
                key_metadata,
                self.info.read_exceptions.get("kms_key"),
                self.settings.log_sources,
                principal_arns,
            )
            checks = policy.policy_checks(result)
            checks.append(delivery.result())
            checks.append(settings.list_objects_check(result))
            checks.append(encryption.result())
            checks.append(settings.versioning_check(result))
            checks.append(settings.lifecycle_check(result))
            checks.append(settings.access_logging_check(result))
            checks.append(target.result())
            checks.append(settings.ownership_check(result))
            checks.append(settings.public_access_block_check(result))
            checks.append(account.result())
            checks.extend(keys.result())
        return checks + principal_checks

    def _command_values(self, check_id: str) -> Dict[str, str]:
        # Placeholders of the commands of checks that name something else than the bucket.
        values = {"target": "TARGET-BUCKET", "account": "ACCOUNT-ID", "key": "KEY-ID", "principal": "NAME"}
        if check_id == "account_public_access_block":
            values["account"] = self.shared.account()["id"] or "ACCOUNT-ID"
        return values

    # Existence

    def _bucket_check(self, head: Optional[Dict[str, Any]], error: Optional[AwsApiError]) -> Dict[str, Any]:
        expected = {"exists": True, "region": self.aws.region}
        if error is not None:
            if error.error_code in ("403", "AccessDenied"):
                return make_check(
                    "bucket_exists",
                    self.name,
                    FAIL,
                    f"Bucket {self.name} exists but belongs to another account, or the caller may not list it "
                    "(HeadBucket answered 403 Forbidden)",
                    observed={"exists": None, "http_status": 403},
                    expected=expected,
                    remediation="Check the bucket name, and grant s3:ListBucket on the bucket to the caller.",
                    iam_action="s3:ListBucket",
                )
            return self._error("bucket_exists", error)
        found = head or {}
        if not found.get("exists"):
            return make_check(
                "bucket_exists",
                self.name,
                FAIL,
                f"Bucket {self.name} does not exist (HeadBucket answered 404 Not Found)",
                observed={"exists": False, "region": None},
                expected=expected,
                remediation="Create it (for example with the logs_bucket role), or correct the bucket name.",
            )
        region = found.get("region")
        observed = {"exists": True, "region": region}
        if region and region != self.aws.region:
            return make_check(
                "bucket_exists",
                self.name,
                FAIL,
                f"Bucket {self.name} exists in region {region} (x-amz-bucket-region), not in {self.aws.region}",
                observed=observed,
                expected=expected,
                remediation=f"Run the audit with region {region}, because KMS keys and log delivery are regional.",
            )
        return make_check(
            "bucket_exists",
            self.name,
            PASS,
            f"Bucket {self.name} exists in region {region or self.aws.region}",
            observed=observed,
            expected=expected,
        )


def bucket_names(aws: AwsClients, params: Dict[str, Any]) -> List[str]:
    """Return the buckets to audit: ``name``, ``names``, or the buckets whose name matches ``name_pattern``.

    Only the pattern lists the account's buckets (ListBuckets); the names are audited in the given order.
    """
    if params.get("name"):
        names = [params["name"]]
    elif params.get("names"):
        names = list(dict.fromkeys(params["names"]))
    else:
        pattern = params["name_pattern"]
        try:
            response = aws.call("s3", "ListBuckets", "list the buckets of the account")
        except AccessDeniedError as error:
            raise AwsApiError(
                f"{error.message} Grant s3:ListAllMyBuckets to the caller, or give the bucket names in names.",
                operation=error.operation,
                error_code=error.error_code,
            ) from error
        # NOTE: ListBuckets returns up to 10,000 buckets without pagination; larger accounts need names.
        names = sorted(
            bucket["Name"] for bucket in response.get("Buckets", []) if fnmatch.fnmatchcase(bucket["Name"], pattern)
        )
    for name in names:
        validate_bucket_name(name)
    return names


def run_audit(aws: AwsClients, params: Dict[str, Any]) -> Dict[str, Any]:
    """Audit every requested bucket and return the module result; nothing is written."""
    names = bucket_names(aws, params)
    settings = AuditSettings(params, names[0] if len(names) == 1 else "the audited buckets")
    for name in names:
        validate_log_sources(settings.log_sources, name)

    shared = AccountReads(aws, settings)
    checks: List[Dict[str, Any]] = []
    buckets = []
    for name in names:
        audit = BucketAudit(aws, name, settings, shared)
        bucket_checks = audit.run()
        checks.extend(bucket_checks)
        status, counts = worst_status(bucket_checks), count_statuses(bucket_checks)
        buckets.append(
            {
                "name": name,
                "exists": audit.exists,
                "region": audit.region,
                "status": status,
                "summary": counts,
                "summary_line": summary_line(name, status, counts),
            }
        )

    result: Dict[str, Any] = {
        "changed": False,
        "generated_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": aws.region,
        "account_id": shared.account()["id"],
        "status": worst_status(checks),
        "summary": dict(count_statuses(checks), buckets=len(buckets)),
        "buckets": buckets,
        "checks": checks,
    }
    result["markdown"] = render_markdown(result)
    result["retries"] = aws.retries
    return result
