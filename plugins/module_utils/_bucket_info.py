# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only view of every concern of one bucket, with an optional comparison against expected settings."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients
from ansible_collections.logsafe.aws.plugins.module_utils._concern import BucketContext, Concern
from ansible_collections.logsafe.aws.plugins.module_utils._encryption import AWS_MANAGED_ALIAS
from ansible_collections.logsafe.aws.plugins.module_utils._errors import (
    AccessDeniedError,
    AwsApiError,
    LogsafeError,
    ValidationError,
)
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import denies_insecure_transport
from ansible_collections.logsafe.aws.plugins.module_utils._specs import concern_group_spec
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import (
    CONCERN_CLASSES,
    MAX_READ_WORKERS,
    source_bucket_options,
    strip_none,
)

# Concerns reported by the info module, and the result key of each.
INFO_KEYS = {
    "versioning": "versioning",
    "tags": "tags",
    "public_access_block": "public_access_block",
    "ownership_controls": "ownership_controls",
    "encryption": "encryption",
    "lifecycle": "lifecycle",
    "logging": "logging",
    "policy": "policy",
}


def validate_expect(expect: Optional[Dict[str, Any]], bucket: str) -> Optional[Dict[str, Any]]:
    """Check and convert the expect option with the same spec as s3_logs_bucket's settings."""
    if expect is None:
        return None
    spec = concern_group_spec()
    spec["access_logging"]["options"].pop("manage_target")
    spec["access_logging"]["options"].pop("target_lifecycle_rules")
    # Unset suboptions arrive as None, which the validator rejects for options with choices.
    result = ArgumentSpecValidator(spec).validate(strip_none(expect))
    if result.error_messages:
        raise ValidationError(f"Invalid expect option for bucket {bucket}: {'; '.join(result.error_messages)}.")
    return result.validated_parameters


class BucketInfo:
    """Reads one bucket's concerns; a denied read becomes a read error of that concern, and the others still run.

    With ``tolerate_errors`` (the audit), any failed read becomes a read error,
    not only a denied one, so that one broken setting does not stop the others.
    """

    def __init__(
        self, aws: AwsClients, name: str, expect: Optional[Dict[str, Any]], tolerate_errors: bool = False
    ) -> None:
        self.aws = aws
        self.ctx = BucketContext(name, aws)
        self.expect = validate_expect(expect, name)
        self.tolerate_errors = tolerate_errors
        # The guard against shortening retention protects writes; a comparison only reads, so a bucket that
        # keeps logs longer than expected is reported as a difference like any other.
        expected_options = (
            source_bucket_options(dict(self.expect, name=name, allow_retention_decrease=True))
            if self.expect is not None
            else {}
        )
        self.expected = {key: expected_options.get(key) for key in INFO_KEYS}
        # Readers get empty options: they only read. Comparers get the expected options.
        self.readers: Dict[str, Concern] = {key: CONCERN_CLASSES[key](self.ctx, {}) for key in INFO_KEYS}
        # A report reads every setting without asking to manage it, so a setting the region does not
        # support is skipped with a warning instead of failing the report.
        for reader in self.readers.values():
            reader.requested = False
        self.comparers: Dict[str, Concern] = {
            key: CONCERN_CLASSES[key](self.ctx, options)
            for key, options in self.expected.items()
            if options is not None
        }
        self.states: Dict[str, Any] = {}
        self.read_errors: Dict[str, str] = {}
        # The exceptions behind read_errors, with the operation and error code.
        self.read_exceptions: Dict[str, LogsafeError] = {}
        # DescribeKey's KeyMetadata of the bucket's customer KMS key, when it was read.
        self.key_metadata: Optional[Dict[str, Any]] = None

    def validate(self) -> None:
        """Validate the expected settings before any request."""
        for concern in self.comparers.values():
            concern.validate()

    def _record_error(self, key: str, error: LogsafeError) -> None:
        self.read_errors[key] = error.message
        self.read_exceptions[key] = error

    def _read(self, key: str) -> None:
        try:
            self.states[key] = self.readers[key].read()
        except AccessDeniedError as error:
            self._record_error(key, error)
        except LogsafeError as error:
            if not self.tolerate_errors:
                raise
            self._record_error(key, error)

    def read_bucket(self) -> Dict[str, Any]:
        """Send HeadBucket and return ``{"exists", "region"}``; raise AwsApiError when it fails for another reason than 404."""
        return CONCERN_CLASSES["bucket"](self.ctx, {}).read()

    def read(self, bucket_state: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Read everything and return the module result; ``bucket_state`` is a HeadBucket result read before."""
        if bucket_state is None:
            bucket_state = self.read_bucket()
        result: Dict[str, Any] = {
            "name": self.ctx.name,
            "exists": bucket_state["exists"],
            "region": bucket_state["region"],
            "read_errors": self.read_errors,
            "expectations": {},
        }
        if not bucket_state["exists"]:
            for key in INFO_KEYS:
                result[key] = None
            result["list_objects"] = {"allowed": False, "error": "The bucket does not exist."}
            return result
        with ThreadPoolExecutor(max_workers=MAX_READ_WORKERS) as executor:
            futures = [executor.submit(self._read, key) for key in INFO_KEYS]
            futures.append(executor.submit(self._list_objects, result))
            for future in futures:
                future.result()
        for key in INFO_KEYS:
            concern = self.readers[key]
            result[key] = concern.view(self.states[key]) if key in self.states else None
        self._add_details(result)
        result["expectations"] = self._compare()
        return result

    def _list_objects(self, result: Dict[str, Any]) -> None:
        try:
            self.ctx.call("s3", "ListObjectsV2", "list the objects", Bucket=self.ctx.name, MaxKeys=1)
            result["list_objects"] = {"allowed": True, "error": None}
        except AwsApiError as error:
            result["list_objects"] = {"allowed": False, "error": error.message}

    def _add_details(self, result: Dict[str, Any]) -> None:
        policy = result.get("policy")
        if policy is not None:
            policy["denies_insecure_transport"] = denies_insecure_transport(policy["document"], self.ctx.arn())
        encryption = result.get("encryption")
        if encryption is not None:
            encryption["kms_key_details"] = self._key_details(encryption)

    def _key_details(self, encryption: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        if encryption["sse_algorithm"] not in ("aws:kms", "aws:kms:dsse"):
            return None
        if not encryption["kms_key"]:
            # The AWS managed key: described as such, never with DescribeKey, which would create it.
            return {
                "aws_managed": True,
                "arn": None,
                "key_id": None,
                "aliases": [AWS_MANAGED_ALIAS],
                "key_state": None,
                "key_manager": "AWS",
            }
        try:
            metadata = self.ctx.call(
                "kms", "DescribeKey", "describe the bucket's KMS key", KeyId=encryption["kms_key"]
            )["KeyMetadata"]
            aliases = self.ctx.call(
                "kms", "ListAliases", "list the aliases of the bucket's KMS key", KeyId=metadata["KeyId"]
            )
        except AwsApiError as error:
            self._record_error("kms_key", error)
            return None
        self.key_metadata = metadata
        return {
            "aws_managed": metadata.get("KeyManager") == "AWS",
            "arn": metadata["Arn"],
            "key_id": metadata["KeyId"],
            "aliases": sorted(alias["AliasName"] for alias in aliases.get("Aliases", [])),
            "key_state": metadata.get("KeyState"),
            "key_manager": metadata.get("KeyManager"),
        }

    def _compare(self) -> Dict[str, Any]:
        expectations = {}
        for key, concern in self.comparers.items():
            if key not in self.states:
                expectations[key] = {
                    "matches": False,
                    "expected": None,
                    "actual": None,
                    "error": self.read_errors.get(key),
                }
                continue
            current = self.states[key]
            try:
                desired = concern.desired(current)
            except LogsafeError as error:
                # Resolving an expected KMS alias needs kms:DescribeKey, and an expected key that is missing or
                # disabled is rejected: either way this comparison cannot be made, and the others still run.
                if isinstance(error, AccessDeniedError):
                    self._record_error(key, error)
                expectations[key] = {
                    "matches": False,
                    "expected": None,
                    "actual": concern.view(current),
                    "error": error.message,
                }
                continue
            expectations[key] = {
                "matches": not concern.differs(current, desired),
                "expected": concern.view(desired),
                "actual": concern.view(current),
                "error": None,
            }
        return expectations


def read_bucket_info(aws: AwsClients, name: str, expect: Optional[Dict[str, Any]], warn: Any) -> Dict[str, Any]:
    """Validate, read and compare; warn once per denied read."""
    info = BucketInfo(aws, name, expect)
    info.validate()
    result = info.read()
    for warning in info.ctx.warnings:
        warn(warning)
    for key, message in sorted(result["read_errors"].items()):
        warn(f"Could not read {key} of bucket {name}: {message}")
    result["retries"] = aws.retries
    result["changed"] = False
    return result
