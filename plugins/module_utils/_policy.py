# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket policy: Logsafe statements and raw statements merged by Sid into the existing policy."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import (
    check_encryption,
    log_source_statements,
    validate_log_sources,
)
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    DENY_DELETION_SID,
    DENY_INSECURE_TRANSPORT_SID,
    DENY_OTHER_ENCRYPTION_SID,
    DENY_OUTDATED_TLS_SID,
    MAX_POLICY_BYTES,
    READ_ACCESS_ORGANIZATION_SID,
    READ_ACCESS_SID,
    SID_PREFIX,
    TLS_VERSIONS,
    deny_deletion_statement,
    deny_insecure_transport_statement,
    deny_other_encryption_statement,
    deny_outdated_tls_statement,
    documents_equal,
    merge_statements,
    normalize_statement,
    parse_policy,
    policy_size,
    public_grant_reason,
    read_access_statements,
    s3_access_logs_statement,
    validate_statements,
)

# Writes of a policy that another writer keeps replacing, before giving up.
CONCURRENT_WRITE_ATTEMPTS = 3


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
    # The default encryption that the same run applies, set by the whole-bucket
    # module; otherwise the bucket's current encryption is read when log sources need it.
    planned_encryption: Optional[Dict[str, Any]] = None
    encryption_managed = False
    # The public_access_block options that the same run applies before the policy. The whole-bucket
    # module sets them, and None means that the run leaves the public access block as it is.
    planned_public_access_block: Optional[Dict[str, Any]] = None

    def validate(self) -> None:
        statements = self.options.get("statements") or []
        validate_statements(statements, self.bucket, self.ctx.aws.partition)
        for statement in statements:
            if statement["Sid"].startswith(SID_PREFIX):
                raise ValidationError(
                    f"Invalid Sid '{statement['Sid']}' for bucket {self.bucket}: Sids that start with '{SID_PREFIX}' "
                    "are reserved for the statements this collection builds. Rename the statement."
                )
        self._check_public_statements(statements)
        validate_log_sources(self.options.get("log_sources") or [], self.bucket)
        if self.options.get("deletion_protection") and not self.options.get("break_glass_role_arns"):
            raise ValidationError(
                f"Missing break_glass_role_arns for the deletion protection of bucket {self.bucket}: the statement denies "
                "deleting logs and changing the policy and lifecycle to everyone else, including the role that runs "
                "this collection. List the role ARNs that may still do it (include the one that runs this task)."
            )
        organization = self.options.get("read_organization_id")
        if organization and not re.match(r"^o-[a-z0-9]{10,32}$", organization):
            raise ValidationError(
                f"Invalid read_organization_id '{organization}' for bucket {self.bucket}: an organization id looks "
                "like o-a1b2c3d4e5."
            )
        if self.encryption_managed:
            self.ctx.warnings.extend(
                check_encryption(self.options.get("log_sources") or [], self.planned_encryption, self.bucket)
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

    def _check_public_statements(self, statements: List[Dict[str, Any]]) -> None:
        # With BlockPublicPolicy on, S3 rejects PutBucketPolicy with AccessDenied for a public policy,
        # after the run has already written the public access block and created the bucket.
        # NOTE: only the public access block of this run counts. A bucket or account setting that
        # the run leaves alone, or the default of new AWS buckets, still fails at the write.
        block = self.planned_public_access_block
        if block is None or block.get("state") == "absent" or block.get("block_public_policy") is False:
            return
        for statement in statements:
            reason = public_grant_reason(statement)
            if reason:
                raise ValidationError(
                    f"Statement '{statement['Sid']}' for bucket {self.bucket} makes the policy public: {reason}. "
                    "S3 rejects a public bucket policy with AccessDenied while block_public_policy is true in the "
                    "public access block that this run sets. Name the principals or add such a condition, or set "
                    "public_access_block.block_public_policy to false if the bucket must be public."
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
        log_sources = self.options.get("log_sources") or []
        if log_sources:
            statements.extend(
                log_source_statements(
                    log_sources, self.ctx.arn(), self.ctx.aws.account_id(), self.ctx.aws.region, self.ctx.aws.partition
                )
            )
        statements.extend(self.options.get("statements") or [])
        if self.options.get("deny_insecure_transport"):
            statements.append(deny_insecure_transport_statement(self.ctx.arn()))
        if self.options.get("deny_outdated_tls"):
            statements.append(
                deny_outdated_tls_statement(self.ctx.arn(), self.options.get("minimum_tls_version") or "1.2")
            )
        if self.options.get("deny_other_encryption"):
            encryption = self._encryption_for_statement()
            statements.append(
                deny_other_encryption_statement(
                    self.ctx.arn(), encryption["sse_algorithm"], encryption.get("kms_key_arn")
                )
            )
        break_glass = self.options.get("break_glass_role_arns") or []
        if self.options.get("deletion_protection"):
            statements.append(deny_deletion_statement(self.ctx.arn(), break_glass))
        statements.extend(
            read_access_statements(
                self.ctx.arn(), self.options.get("read_principals") or [], self.options.get("read_organization_id")
            )
        )
        return statements

    def _encryption_for_statement(self) -> Dict[str, Any]:
        """Return the algorithm and key ARN that uploads must use, from this run's encryption or the bucket's."""
        encryption = self.planned_encryption if self.encryption_managed else self._current_encryption()
        if not encryption or not encryption.get("sse_algorithm"):
            raise ValidationError(
                f"Bucket {self.bucket} has no default encryption, so deny_other_encryption has no encryption to "
                "require. Set the encryption first (the encryption option of s3_logs_bucket, or s3_bucket_encryption)."
            )
        key = encryption.get("kms_key")
        if (key and not key.startswith("arn:")) or (key and ":alias/" in key):
            # The condition compares the key ARN that S3 receives, so an alias or key id is resolved once.
            metadata = self.ctx.call("kms", "DescribeKey", f"describe KMS key {key} for the policy", KeyId=key)
            key = metadata["KeyMetadata"]["Arn"]
        return {"sse_algorithm": encryption["sse_algorithm"], "kms_key_arn": key}

    def _current_encryption(self) -> Optional[Dict[str, Any]]:
        """Read the bucket's default encryption, as ``{"sse_algorithm", "kms_key"}`` (None for the AWS managed key)."""
        response = self.ctx.read("GetBucketEncryption", "read the default encryption") if not self.ctx.absent else None
        rules = (response or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
        if not rules:
            return None
        default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
        key = default.get("KMSMasterKeyID")
        if key and key.endswith("alias/aws/s3"):
            key = None
        return {"sse_algorithm": default.get("SSEAlgorithm"), "kms_key": key}

    def _check_current_encryption(self) -> None:
        # The standalone policy module does not know the encryption, so it reads it: a source that
        # cannot write with the bucket's encryption fails here, before the policy is written.
        encryption = self._current_encryption()
        self.ctx.warnings.extend(check_encryption(self.options.get("log_sources") or [], encryption, self.bucket))

    def desired(self, current: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        if self.options.get("state") == "absent":
            return None
        if self.options.get("log_sources") and not self.encryption_managed:
            self._check_current_encryption()
        removed = []
        if self.options.get("deny_insecure_transport") is False:
            removed.append(DENY_INSECURE_TRANSPORT_SID)
        if self.options.get("deny_outdated_tls") is False:
            removed.append(DENY_OUTDATED_TLS_SID)
        if self.options.get("deny_other_encryption") is False:
            removed.append(DENY_OTHER_ENCRYPTION_SID)
        if self.options.get("deletion_protection") is False:
            removed.append(DENY_DELETION_SID)
        if "read_principals" in self.options and not self.options.get("read_principals"):
            removed.append(READ_ACCESS_SID)
        if "read_organization_id" in self.options and not self.options.get("read_organization_id"):
            removed.append(READ_ACCESS_ORGANIZATION_SID)
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
        # S3 has no conditional write for policies, so another run (another bucket sharing this
        # access-log target) may write between our read and our write. Narrow that window: merge
        # into a fresh read right before writing, and check afterwards that our statements stayed.
        # A bucket that this run created has no policy yet, so its first write skips the fresh read.
        managed = self.managed_statements()
        # The policy that ``desired`` was merged into. Merging again whenever a fresh read differs from
        # it also keeps the statements of a writer that replaced our last write.
        merged_from = current
        read_first = not self.ctx.absent
        for _attempt in range(CONCURRENT_WRITE_ATTEMPTS):
            if read_first:
                fresh = self._read()
                if not documents_equal(fresh, merged_from, self.ctx.aws.partition):
                    desired = self.desired(fresh) or desired
                    merged_from = fresh
            read_first = True
            self.ctx.call(
                "s3", "PutBucketPolicy", "put the bucket policy", Bucket=self.bucket, Policy=json.dumps(desired)
            )
            if self._contains(self._read(), managed):
                return
        raise AwsApiError(
            f"Failed to keep the managed statements in the policy of bucket {self.bucket}: another writer replaced "
            f"the policy {CONCURRENT_WRITE_ATTEMPTS} times in a row. Run the task again once the other writers are done.",
            operation="PutBucketPolicy",
            error_code="ConcurrentModification",
            bucket=self.bucket,
        )

    def ensure_present(self) -> bool:
        """Re-read the policy and write the managed statements again if another writer dropped them.

        Returns whether a write was needed. Used right before a write that depends on these
        statements (enabling access logging into this bucket).
        """
        current = self._read()
        if self._contains(current, self.managed_statements()):
            return False
        self.write(current, self.desired(current))
        return True

    def _contains(self, document: Optional[Dict[str, Any]], statements: List[Dict[str, Any]]) -> bool:
        present = {item.get("Sid"): item for item in (document or {}).get("Statement", []) if isinstance(item, dict)}
        partition = self.ctx.aws.partition
        return all(
            statement["Sid"] in present
            and normalize_statement(present[statement["Sid"]], partition) == normalize_statement(statement, partition)
            for statement in statements
        )

    def view(self, state: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        return None if state is None else {"document": state}
