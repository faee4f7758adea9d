# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket policy: Logsafe statements and raw statements merged by Sid into the existing policy."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    DENY_INSECURE_TRANSPORT_SID,
    DENY_OUTDATED_TLS_SID,
    MAX_POLICY_BYTES,
    SID_PREFIX,
    TLS_VERSIONS,
    deny_insecure_transport_statement,
    deny_outdated_tls_statement,
    documents_equal,
    merge_statements,
    parse_policy,
    policy_size,
    s3_access_logs_statement,
    validate_statements,
)


class PolicyConcern(Concern):
    """The bucket policy.

    Options: ``deny_insecure_transport`` and ``deny_outdated_tls`` (bool or None = unmanaged) with
    ``minimum_tls_version``,
    ``access_log_sources`` (list of ``{"bucket", "prefix"}`` whose S3 server
    access logs this bucket receives), ``statements`` (raw statements with a
    Sid), ``purge_statements`` (bool), and ``state`` (``absent`` deletes the policy).
    """

    key = "policy"
    read_operation = "GetBucketPolicy"

    def validate(self) -> None:
        statements = self.options.get("statements") or []
        validate_statements(statements, self.bucket)
        for statement in statements:
            if statement["Sid"].startswith(SID_PREFIX):
                raise ValidationError(
                    f"Invalid Sid '{statement['Sid']}' for bucket {self.bucket}: Sids that start with '{SID_PREFIX}' "
                    "are reserved for the statements this collection builds. Rename the statement."
                )
        version = self.options.get("minimum_tls_version") or "1.2"
        if version not in TLS_VERSIONS:
            raise ValidationError(
                f"Invalid minimum_tls_version '{version}' for bucket {self.bucket}: use one of {', '.join(TLS_VERSIONS)}."
            )
        seen = set()
        for source in self.options.get("access_log_sources") or []:
            if source["bucket"] in seen:
                raise ValidationError(
                    f"Duplicate source bucket '{source['bucket']}' in access_log_sources for bucket {self.bucket}: "
                    "each source has one delivery statement with one prefix. List each source once."
                )
            seen.add(source["bucket"])
            if source["bucket"] == self.bucket:
                raise ValidationError(
                    f"Bucket {self.bucket} cannot receive its own server access logs: a bucket that logs into "
                    "itself writes a log object for every log delivery. Send them to a separate bucket."
                )

    def _read(self) -> Optional[Dict[str, Any]]:
        response = self.ctx.read("GetBucketPolicy", "read the bucket policy")
        if response is None:
            return None
        return parse_policy(response.get("Policy"), self.bucket)

    def managed_statements(self) -> List[Dict[str, Any]]:
        """Build the statements that the options ask for, in the order they are written."""
        statements: List[Dict[str, Any]] = []
        sources = self.options.get("access_log_sources") or []
        if sources:
            account_id = self.ctx.aws.account_id()
            for source in sources:
                statements.append(
                    s3_access_logs_statement(
                        self.ctx.arn(), source.get("prefix") or "", source["bucket"], account_id, self.ctx.aws.partition
                    )
                )
        statements.extend(self.options.get("statements") or [])
        if self.options.get("deny_insecure_transport"):
            statements.append(deny_insecure_transport_statement(self.ctx.arn()))
        if self.options.get("deny_outdated_tls"):
            statements.append(
                deny_outdated_tls_statement(self.ctx.arn(), self.options.get("minimum_tls_version") or "1.2")
            )
        return statements

    def desired(self, current: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        if self.options.get("state") == "absent":
            return None
        removed = []
        if self.options.get("deny_insecure_transport") is False:
            removed.append(DENY_INSECURE_TRANSPORT_SID)
        if self.options.get("deny_outdated_tls") is False:
            removed.append(DENY_OUTDATED_TLS_SID)
        document = merge_statements(
            current, self.managed_statements(), removed, bool(self.options.get("purge_statements"))
        )
        if document is not None and policy_size(document) > MAX_POLICY_BYTES:
            raise ValidationError(
                f"The policy of bucket {self.bucket} would be {policy_size(document)} bytes, over the 20 KB that S3 "
                "accepts. Remove statements, or combine sources that share a prefix."
            )
        return document

    def differs(self, current: Optional[Dict[str, Any]], desired: Optional[Dict[str, Any]]) -> bool:
        return not documents_equal(current, desired, self.ctx.aws.partition)

    def write(self, current: Optional[Dict[str, Any]], desired: Optional[Dict[str, Any]]) -> None:
        if desired is None:
            self.ctx.call("s3", "DeleteBucketPolicy", "delete the bucket policy", Bucket=self.bucket)
            return
        self.ctx.call("s3", "PutBucketPolicy", "put the bucket policy", Bucket=self.bucket, Policy=json.dumps(desired))

    def view(self, state: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        return None if state is None else {"document": state}
