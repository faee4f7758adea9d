# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Default encryption: SSE-S3, SSE-KMS (AWS-managed or customer key) and DSSE-KMS, with the bucket key."""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError

SSE_ALGORITHMS = ("aws:kms", "AES256", "aws:kms:dsse")
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
AWS_MANAGED_ALIAS = "alias/aws/s3"

_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_ARN_PREFIX = r"arn:(?P<partition>aws|aws-cn|aws-us-gov|aws-iso[a-z-]*):kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
KEY_ID_RE = re.compile(rf"^{_KEY_ID}$")
KEY_ARN_RE = re.compile(rf"^{_ARN_PREFIX}key/(?P<key_id>{_KEY_ID})$")
ALIAS_NAME_RE = re.compile(r"^alias/[A-Za-z0-9/_-]{1,250}$")
ALIAS_ARN_RE = re.compile(rf"^{_ARN_PREFIX}(?P<alias>alias/[A-Za-z0-9/_-]{{1,250}})$")


def parse_kms_key(value: Optional[str]) -> Dict[str, Optional[str]]:
    """Classify a KMS key reference.

    Returns ``{"form": ..., "key_id": ..., "region": ...}`` where form is
    ``aws_managed`` (no key, ``alias/aws/s3`` or its ARN), ``key_id``,
    ``key_arn``, ``alias`` or ``alias_arn``, or ``invalid``. ``key_id`` is set
    only when the reference names the key itself, so it compares without a request.
    """
    if value in (None, "", AWS_MANAGED_ALIAS):
        return {"form": "aws_managed", "key_id": None, "region": None}
    match = KEY_ID_RE.match(value)
    if match:
        return {"form": "key_id", "key_id": value, "region": None}
    match = KEY_ARN_RE.match(value)
    if match:
        return {"form": "key_arn", "key_id": match.group("key_id"), "region": match.group("region")}
    match = ALIAS_ARN_RE.match(value)
    if match:
        if match.group("alias") == AWS_MANAGED_ALIAS:
            return {"form": "aws_managed", "key_id": None, "region": match.group("region")}
        return {"form": "alias_arn", "key_id": None, "region": match.group("region")}
    if ALIAS_NAME_RE.match(value):
        return {"form": "alias", "key_id": None, "region": None}
    return {"form": "invalid", "key_id": None, "region": None}


def same_key_without_request(stored: Optional[str], wanted: Optional[str]) -> Optional[bool]:
    """Compare two key references as text; None means that only KMS can tell."""
    stored_key, wanted_key = parse_kms_key(stored), parse_kms_key(wanted)
    if stored_key["form"] == "aws_managed" or wanted_key["form"] == "aws_managed":
        return stored_key["form"] == wanted_key["form"]
    if stored == wanted:
        return True
    if stored_key["key_id"] and wanted_key["key_id"]:
        return stored_key["key_id"] == wanted_key["key_id"]
    return None


class EncryptionConcern(Concern):
    """Default encryption; options: ``{"sse_algorithm", "kms_key", "bucket_key_enabled"}`` or ``{"state": "absent"}``.

    States are ``None`` (no default encryption) or a dict with ``sse_algorithm``,
    ``kms_key`` (the reference as stored or to be written, None for the
    AWS-managed key), ``key_id`` (the key id it resolves to, compared instead
    of the text) and ``bucket_key_enabled``.
    """

    key = "encryption"
    read_operation = "GetBucketEncryption"

    def validate(self) -> None:
        if self.options.get("state") == "absent":
            return
        algorithm = self.options.get("sse_algorithm") or "aws:kms"
        kms_key = self.options.get("kms_key")
        bucket_key = self.options.get("bucket_key_enabled")
        if algorithm not in SSE_ALGORITHMS:
            raise ValidationError(
                f"Invalid sse_algorithm '{algorithm}' for bucket {self.bucket}: use one of {', '.join(SSE_ALGORITHMS)}."
            )
        if algorithm == "AES256" and kms_key:
            raise ValidationError(
                f"Invalid encryption for bucket {self.bucket}: kms_key '{kms_key}' was given with sse_algorithm AES256, "
                "which uses S3-managed keys. Remove kms_key, or set sse_algorithm to aws:kms."
            )
        if algorithm == "AES256" and bucket_key:
            raise ValidationError(
                f"Invalid encryption for bucket {self.bucket}: bucket_key_enabled is true with sse_algorithm AES256. "
                "S3 Bucket Keys apply only to SSE-KMS, and S3 would ignore the setting. Set bucket_key_enabled to false "
                "or leave it unset, or use sse_algorithm aws:kms."
            )
        if algorithm == "aws:kms:dsse" and bucket_key:
            raise ValidationError(
                f"Invalid encryption for bucket {self.bucket}: S3 Bucket Keys are not supported with DSSE-KMS "
                "(aws:kms:dsse). Set bucket_key_enabled to false, or use sse_algorithm aws:kms."
            )
        if kms_key:
            parsed = parse_kms_key(kms_key)
            if parsed["form"] == "invalid":
                raise ValidationError(
                    f"Invalid kms_key '{kms_key}' for bucket {self.bucket}: give a key id, a key ARN, an alias name "
                    "(alias/NAME) or an alias ARN."
                )
            if parsed["region"] and parsed["region"] != self.ctx.aws.region:
                raise ValidationError(
                    f"Invalid kms_key '{kms_key}' for bucket {self.bucket}: the key is in region {parsed['region']}, "
                    f"but the bucket is in {self.ctx.aws.region}. S3 default encryption needs a key in the bucket's "
                    "region: use a key (or a multi-Region replica key) in that region."
                )

    def _read(self) -> Optional[Dict[str, Any]]:
        response = self.ctx.read("GetBucketEncryption", "read the default encryption")
        if response is None:
            return None
        rules = response.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
        if not rules:
            return None
        default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
        algorithm = default.get("SSEAlgorithm")
        stored_key = default.get("KMSMasterKeyID")
        parsed = parse_kms_key(stored_key)
        return {
            "sse_algorithm": algorithm,
            "kms_key": None if parsed["form"] == "aws_managed" else stored_key,
            "key_id": parsed["key_id"],
            "bucket_key_enabled": bool(rules[0].get("BucketKeyEnabled", False)),
        }

    def desired(self, current: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        if self.options.get("state") == "absent":
            return None
        algorithm = self.options.get("sse_algorithm") or "aws:kms"
        bucket_key = self.options.get("bucket_key_enabled")
        if bucket_key is None:
            bucket_key = bool(current and current["bucket_key_enabled"]) and algorithm == "aws:kms"
        desired = {"sse_algorithm": algorithm, "kms_key": None, "key_id": None, "bucket_key_enabled": bool(bucket_key)}
        wanted_key = self.options.get("kms_key") if algorithm in KMS_ALGORITHMS else None
        if parse_kms_key(wanted_key)["form"] == "aws_managed":
            return desired
        stored_key = current["kms_key"] if current and current["sse_algorithm"] == algorithm else None
        if current and stored_key and same_key_without_request(stored_key, wanted_key) is True:
            desired.update(kms_key=stored_key, key_id=current["key_id"])
            return desired
        # Different text: resolve the wanted key (this also checks that it exists and can be
        # used), and resolve the stored one only when it is an alias.
        # wanted_key names a customer key here: parse_kms_key() classifies None and "" as the managed key.
        metadata = self._describe_key(str(wanted_key))
        desired.update(kms_key=metadata["Arn"], key_id=metadata["KeyId"])
        if current and current["kms_key"] and not current["key_id"]:
            current["key_id"] = self._describe_key(current["kms_key"], check_usable=False)["KeyId"]
        return desired

    def _describe_key(self, key: str, check_usable: bool = True) -> Dict[str, Any]:
        # Never called for alias/aws/s3: DescribeKey would create that AWS-managed key as a side effect.
        metadata = self.ctx.call("kms", "DescribeKey", f"describe KMS key {key} for the default encryption", KeyId=key)[
            "KeyMetadata"
        ]
        if not check_usable:
            return metadata
        problems = []
        if metadata.get("KeyState") != "Enabled":
            problems.append(f"its state is {metadata.get('KeyState')}, not Enabled")
        if metadata.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
            problems.append(f"it is a {metadata.get('KeySpec')} key, and S3 supports only symmetric keys")
        if metadata.get("KeyUsage", "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
            problems.append(f"its usage is {metadata.get('KeyUsage')}, not ENCRYPT_DECRYPT")
        if problems:
            raise ValidationError(
                f"KMS key {key} cannot encrypt bucket {self.bucket}: {'; '.join(problems)}. "
                "Enable the key, or choose an enabled symmetric encryption key."
            )
        return metadata

    def differs(self, current: Optional[Dict[str, Any]], desired: Optional[Dict[str, Any]]) -> bool:
        if current is None or desired is None:
            return current != desired
        fields = ("sse_algorithm", "key_id", "bucket_key_enabled")
        return any(current[field] != desired[field] for field in fields)

    def write(self, current: Optional[Dict[str, Any]], desired: Optional[Dict[str, Any]]) -> None:
        if desired is None:
            self.ctx.call("s3", "DeleteBucketEncryption", "delete the default encryption", Bucket=self.bucket)
            return
        by_default: Dict[str, Any] = {"SSEAlgorithm": desired["sse_algorithm"]}
        if desired["kms_key"]:
            by_default["KMSMasterKeyID"] = desired["kms_key"]
        self.ctx.call(
            "s3",
            "PutBucketEncryption",
            "put the default encryption",
            Bucket=self.bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": by_default,
                        "BucketKeyEnabled": desired["bucket_key_enabled"],
                    }
                ]
            },
        )

    def view(self, state: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        if state is None:
            return None
        return {
            "sse_algorithm": state["sse_algorithm"],
            "kms_key": state["kms_key"],
            "bucket_key_enabled": state["bucket_key_enabled"],
        }
