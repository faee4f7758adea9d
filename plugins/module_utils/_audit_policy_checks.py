# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of a bucket's policy, and of the policy of its access log target."""

from __future__ import annotations

import json
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
from ansible_collections.logsafe.aws.plugins.module_utils._audit_policy import (
    find_statement,
    public_statements,
    service_write_grant,
    statements_of,
)
from ansible_collections.logsafe.aws.plugins.module_utils._concern import BucketContext
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import log_source_statements
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    S3_LOGGING_PRINCIPAL,
    denies_insecure_transport,
    deny_outdated_tls_statement,
    parse_policy,
    s3_access_logs_statement,
)

LOG_DELIVERY_GROUP = "http://acs.amazonaws.com/groups/s3/LogDelivery"


class PolicyChecks(CheckGroup):
    """The bucket policy: present, TLS only, not public, with the statements of the log sources; and the target's policy."""

    def _tls_required(self) -> bool:
        policy = self.settings.setting("policy") or {}
        return policy.get("deny_insecure_transport") is not False

    def _expected_statements(self, account_id: str) -> List[Dict[str, Any]]:
        policy = self.settings.setting("policy") or {}
        statements: List[Dict[str, Any]] = []
        if self.settings.log_sources:
            statements.extend(
                log_source_statements(
                    self.settings.log_sources, self.arn, account_id, self.aws.region, self.aws.partition
                )
            )
        statements.extend(policy.get("statements") or [])
        if policy.get("deny_outdated_tls"):
            statements.append(deny_outdated_tls_statement(self.arn, policy.get("minimum_tls_version") or "1.2"))
        return statements

    def _policy_document(self, result: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        return result["policy"]["document"] if result.get("policy") else None

    def policy_checks(self, result: Dict[str, Any]) -> List[Dict[str, Any]]:
        error = self.info.read_exceptions.get("policy")
        if error is not None:
            return [
                self._error(check_id, error) for check_id in ("policy_present", "policy_tls_only", "policy_not_public")
            ]
        document = self._policy_document(result)
        sids = [statement.get("Sid") or "(no Sid)" for statement in statements_of(document)]
        required = self._tls_required() or bool(self.settings.log_sources)
        if document is None:
            present = make_check(
                "policy_present",
                self.name,
                FAIL if required else PASS,
                f"Bucket {self.name} has no bucket policy"
                + ("" if required else ", and the settings require no statement"),
                observed=None,
                expected="a policy that denies requests without TLS" if required else None,
                remediation="Add the TLS-only statement (the logs_bucket role does), for example with "
                "logsafe.aws.s3_bucket_policy and deny_insecure_transport: true.",
            )
        else:
            present = make_check(
                "policy_present",
                self.name,
                PASS,
                f"Bucket {self.name} has a bucket policy with {len(sids)} statement{'s' if len(sids) != 1 else ''} ({', '.join(sids)})",
                observed={"sids": sids},
            )
        return [present, self._tls_check(document), self._public_check(document)]

    def _tls_check(self, document: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        if not self._tls_required():
            return make_check(
                "policy_tls_only",
                self.name,
                SKIPPED,
                "The settings do not require the statement that denies requests without TLS (deny_insecure_transport: false)",
            )
        denies = denies_insecure_transport(document, self.arn)
        expected = {"denies_insecure_transport": True}
        if denies:
            return make_check(
                "policy_tls_only",
                self.name,
                PASS,
                f"The policy of bucket {self.name} denies requests without TLS",
                observed={"denies_insecure_transport": True},
                expected=expected,
            )
        finding = (
            f"Bucket {self.name} has no bucket policy, so requests without TLS are not denied"
            if document is None
            else f"The policy of bucket {self.name} does not deny requests without TLS on the bucket and its objects"
        )
        return make_check(
            "policy_tls_only",
            self.name,
            FAIL,
            finding,
            observed={"denies_insecure_transport": False},
            expected=expected,
            remediation=f"Add a statement that denies s3:* to everyone on {self.arn} and {self.arn}/* when "
            "aws:SecureTransport is false (Sid LogsafeDenyInsecureTransport, which the logs_bucket role writes).",
        )

    def _public_check(self, document: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        public = public_statements(document)
        if not public:
            finding = (
                f"Bucket {self.name} has no bucket policy, so no statement grants public access"
                if document is None
                else f"No statement of the policy of bucket {self.name} grants access to everyone"
            )
            return make_check("policy_not_public", self.name, PASS, finding, observed={"public_statements": []})
        return make_check(
            "policy_not_public",
            self.name,
            FAIL,
            f"The policy of bucket {self.name} grants access to everyone: {'; '.join(public)}",
            observed={"public_statements": public},
            expected={"public_statements": []},
            remediation="Remove those statements, or restrict them with a condition such as aws:SourceArn, "
            "aws:SourceAccount or aws:PrincipalOrgID. The public access block (RestrictPublicBuckets) also stops "
            "them from taking effect.",
        )

    def delivery_statements_check(self, result: Dict[str, Any]) -> Dict[str, Any]:
        error = self.info.read_exceptions.get("policy")
        if error is not None:
            return self._error("policy_delivery_statements", error)
        policy = self.settings.setting("policy") or {}
        if not self.settings.log_sources and not policy.get("statements") and not policy.get("deny_outdated_tls"):
            return make_check(
                "policy_delivery_statements",
                self.name,
                SKIPPED,
                "No log sources or policy statements are configured, so no delivery statement is expected",
            )
        account = self.shared.account()
        if account["id"] is None:
            return self._error("policy_delivery_statements", account["error"])

        document = self._policy_document(result)
        expected_statements = self._expected_statements(account["id"])
        found, problems = [], []
        for expected in expected_statements:
            outcome, statement = find_statement(document, expected, self.aws.partition)
            sid = str(expected.get("Sid") or "(no Sid)")
            if outcome == "present":
                found.append(sid)
            elif outcome == "present_other_sid":
                found.append(f"{sid} (as {statement.get('Sid') if statement else None})")
            elif outcome == "differs":
                problems.append(f"{sid} differs: {render(statement)}")
            else:
                problems.append(f"{sid} is missing")

        observed = {"present": found, "problems": problems}
        if problems:
            return make_check(
                "policy_delivery_statements",
                self.name,
                FAIL,
                f"The policy of bucket {self.name} lacks statements that the log sources need: {'; '.join(problems)}",
                observed=observed,
                expected=expected_statements,
                remediation="Add the expected statements (the logs_bucket role and logsafe.aws.s3_bucket_policy with "
                "log_sources write them), or the services cannot deliver.",
            )
        return make_check(
            "policy_delivery_statements",
            self.name,
            PASS,
            f"The policy of bucket {self.name} contains the statements of the log sources: {', '.join(found)}",
            observed=observed,
            expected=expected_statements,
        )

    def access_logging_target_check(self, result: Dict[str, Any]) -> Dict[str, Any]:
        state = result.get("logging") or {}
        if not state.get("enabled"):
            return make_check(
                "access_logging_target",
                self.name,
                SKIPPED,
                f"Bucket {self.name} has no server access logging, so no target bucket receives its logs",
                target="TARGET-BUCKET",
            )
        target, prefix = state["target_bucket"], state.get("target_prefix") or ""
        if target == self.name:
            return make_check(
                "access_logging_target",
                self.name,
                FAIL,
                f"Bucket {self.name} delivers its access logs to itself, which writes a log record for every delivery",
                observed={"target_bucket": target},
                remediation="Send the logs to a separate bucket.",
                target=target,
            )

        target_ctx = BucketContext(target, self.aws)
        document, failure = self._target_policy(target_ctx)
        if failure is not None:
            return failure

        account_id = self.shared.account()["id"]
        partition = self.aws.partition
        expected_statement = s3_access_logs_statement(
            f"arn:{partition}:s3:::{target}", prefix, self.name, account_id or "ACCOUNT-ID", partition
        )
        grant = service_write_grant(
            document,
            S3_LOGGING_PRINCIPAL,
            f"arn:{partition}:s3:::{target}/{prefix}example-log-object",
            self.arn,
            account_id,
        )
        observed = {"target_bucket": target, "target_prefix": prefix, "statement": grant}
        if grant is not None:
            return make_check(
                "access_logging_target",
                self.name,
                PASS,
                f"The policy of target bucket {target} lets {S3_LOGGING_PRINCIPAL} deliver the logs of bucket "
                f"{self.name} (statement {grant.get('Sid') or 'without Sid'})",
                observed=observed,
                expected=expected_statement,
                target=target,
            )

        acl_grant = self._log_delivery_acl(target_ctx)
        if acl_grant:
            return make_check(
                "access_logging_target",
                self.name,
                WARN,
                f"Target bucket {target} accepts the logs of bucket {self.name} only through its ACL grant to the "
                "LogDelivery group, which stops working when ACLs are disabled",
                observed=dict(observed, acl_grant=acl_grant),
                expected=expected_statement,
                target=target,
                remediation=f"Add the delivery statement to the policy of bucket {target}, then disable ACLs.",
            )
        return make_check(
            "access_logging_target",
            self.name,
            FAIL,
            f"The policy of target bucket {target} does not let {S3_LOGGING_PRINCIPAL} write the logs of bucket "
            f"{self.name} under {prefix or 'the bucket root'}, so they are not delivered",
            observed=observed,
            expected=expected_statement,
            target=target,
            remediation=f"Add this statement to the policy of bucket {target}: {json.dumps(expected_statement, sort_keys=True)}",
        )

    def _target_policy(self, target_ctx: BucketContext) -> Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]:
        """Read the target's policy; return ``(document, None)``, or ``(None, check)`` when the read failed."""
        target = target_ctx.name
        try:
            response = target_ctx.read("GetBucketPolicy", "read the bucket policy of the access log target")
            return parse_policy((response or {}).get("Policy"), target), None
        except AwsApiError as error:
            if error.error_code != "NoSuchBucket":
                return None, error_check("access_logging_target", self.name, error, target=target)
            return None, make_check(
                "access_logging_target",
                self.name,
                FAIL,
                f"The access log target bucket {target} of bucket {self.name} does not exist",
                observed={"target_bucket": target, "exists": False},
                remediation="Create the target bucket, or point logging at an existing one.",
                target=target,
            )
        except ValidationError as invalid:
            return None, make_check("access_logging_target", self.name, ERROR, invalid.message, target=target)

    def _log_delivery_acl(self, target_ctx: BucketContext) -> Optional[str]:
        try:
            response = target_ctx.call(
                "s3", "GetBucketAcl", "read the ACL of the access log target", Bucket=target_ctx.name
            )
        except AwsApiError:
            # The ACL only explains a delivery that the policy does not grant, so a failed read changes nothing.
            return None
        for grant in response.get("Grants", []):
            grantee = grant.get("Grantee", {})
            if grantee.get("URI") == LOG_DELIVERY_GROUP and grant.get("Permission") in ("WRITE", "FULL_CONTROL"):
                return f"{grant['Permission']} to the LogDelivery group"
        return None
