# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket existence and region: HeadBucket, CreateBucket and the bucket naming rules."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._aws import response_header
from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, ValidationError

_NAME_CHARACTERS = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
# Prefixes and suffixes that S3 reserves for access points, Object Lambda, S3 Express and table buckets.
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_NOT_FOUND_CODES = frozenset({"404", "NoSuchBucket", "NotFound"})


def bucket_name_problems(name: str) -> List[str]:
    """Return why a name breaks the S3 general purpose bucket naming rules (empty when it is valid)."""
    problems = []
    if not 3 <= len(name) <= 63:
        problems.append(f"it is {len(name)} characters long, and bucket names must be 3 to 63 characters")
    if not _NAME_CHARACTERS.match(name):
        problems.append(
            "bucket names may contain only lowercase letters, digits, dots and hyphens, "
            "and must begin and end with a letter or digit"
        )
    if ".." in name:
        problems.append("bucket names must not contain two adjacent dots")
    if _IP_ADDRESS.match(name):
        problems.append("bucket names must not look like an IP address")
    for prefix in _RESERVED_PREFIXES:
        if name.startswith(prefix):
            problems.append(f"the prefix '{prefix}' is reserved by S3")
    for suffix in _RESERVED_SUFFIXES:
        if name.endswith(suffix):
            problems.append(f"the suffix '{suffix}' is reserved by S3")
    return problems


def validate_bucket_name(name: str, option: str = "name") -> List[str]:
    """Raise ValidationError for an invalid bucket name; return warnings for a valid but awkward one."""
    problems = bucket_name_problems(name or "")
    if problems:
        raise ValidationError(
            f"Invalid bucket name '{name}' in {option}: {'; '.join(problems)}. Choose a name that follows the S3 bucket naming rules."
        )
    if "." in name:
        return [
            f"Bucket name '{name}' contains dots: virtual-hosted-style HTTPS requests cannot use it, "
            "because the dots break TLS certificate matching. Prefer hyphens."
        ]
    return []


class BucketConcern(Concern):
    """Existence and region of the bucket; options: ``{}`` (present) or ``{"state": "absent", "force": bool}``."""

    key = "bucket"
    read_operation = "HeadBucket"

    def validate(self) -> None:
        self.ctx.warnings.extend(validate_bucket_name(self.bucket, self.ctx.name_option))

    def read(self) -> Dict[str, Any]:
        # HeadBucket always runs: it decides whether the other concerns read at all.
        try:
            response = self.ctx.call("s3", "HeadBucket", "check that the bucket exists", Bucket=self.bucket)
        except AwsApiError as error:
            cause = error.__cause__
            raw = getattr(cause, "response", {}) or {}
            if error.error_code in _NOT_FOUND_CODES:
                self.ctx.absent = True
                return {"exists": False, "region": None}
            if error.error_code in ("301", "PermanentRedirect"):
                return {"exists": True, "region": response_header(raw, "x-amz-bucket-region")}
            if error.error_code in ("403", "AccessDenied"):
                # A HEAD response has no body, so it carries no error code that would distinguish the causes.
                raise AwsApiError(
                    f"S3 refused the HeadBucket request for bucket {self.bucket} with 403 Forbidden, which names "
                    "no cause. Either the credentials are invalid or expired, or they lack s3:ListBucket on the "
                    "bucket, which is also the case when another account owns it (bucket names are global). "
                    "Check the credentials, grant s3:ListBucket on the bucket, or choose another bucket name.",
                    operation="HeadBucket",
                    error_code=error.error_code,
                    bucket=self.bucket,
                ) from error
            raise
        region = response_header(response, "x-amz-bucket-region") or self._location()
        return {"exists": True, "region": region}

    def _location(self) -> Optional[str]:
        # Only S3-compatible endpoints omit x-amz-bucket-region; AWS always sends it.
        response = self.ctx.call("s3", "GetBucketLocation", "read the bucket region", Bucket=self.bucket)
        return response.get("LocationConstraint") or "us-east-1"

    def desired(self, current: Dict[str, Any]) -> Dict[str, Any]:
        region = self.ctx.aws.region
        if current["exists"] and current["region"] and current["region"] != region:
            raise ValidationError(
                f"Bucket {self.bucket} exists in region {current['region']}, but the module runs with region "
                f"{region}. Set region to {current['region']}, or choose another bucket name."
            )
        if self.options.get("state") == "absent":
            if current["exists"] and not self.options.get("force"):
                self._reject_if_not_empty()
            return {"exists": False, "region": None}
        return {"exists": True, "region": region}

    def _reject_if_not_empty(self) -> None:
        # ListObjectVersions lists current objects, noncurrent versions and delete markers alike.
        response = self.ctx.call("s3", "ListObjectVersions", "list the object versions", Bucket=self.bucket, MaxKeys=1)
        if response.get("Versions") or response.get("DeleteMarkers"):
            raise ValidationError(
                f"Bucket {self.bucket} still holds objects or object versions, so it was not deleted. Logs are "
                "evidence: move or expire them first, or set force to true to delete every version and delete marker."
            )

    def differs(self, current: Dict[str, Any], desired: Dict[str, Any]) -> bool:
        return current["exists"] != desired["exists"]

    def write(self, current: Dict[str, Any], desired: Dict[str, Any]) -> None:
        if desired["exists"]:
            self._create(desired["region"])
        else:
            self._delete()

    def _create(self, region: str) -> None:
        kwargs: Dict[str, Any] = {"Bucket": self.bucket, **self.ctx.create_kwargs}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self.ctx.aws.call("s3", "CreateBucket", "create the bucket", bucket=self.bucket, **kwargs)
        except AwsApiError as error:
            if error.error_code == "BucketAlreadyOwnedByYou":
                return
            if error.error_code == "BucketAlreadyExists":
                raise AwsApiError(
                    f"Failed to create bucket {self.bucket}: the name is taken by another AWS account. "
                    "Bucket names are global across all accounts: choose another name.",
                    operation="CreateBucket",
                    error_code=error.error_code,
                    bucket=self.bucket,
                ) from error
            raise
        self.ctx.created = True

    def _delete(self) -> None:
        if self.options.get("force"):
            self._delete_all_versions()
        self.ctx.call("s3", "DeleteBucket", "delete the bucket", Bucket=self.bucket)

    def _delete_all_versions(self) -> None:
        kwargs: Dict[str, Any] = {"Bucket": self.bucket}
        while True:
            page = self.ctx.call("s3", "ListObjectVersions", "list the object versions", **kwargs)
            keys = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            # DeleteObjects takes at most 1000 keys, and a page has at most 1000 entries of each kind.
            for start in range(0, len(keys), 1000):
                response = self.ctx.call(
                    "s3",
                    "DeleteObjects",
                    "delete object versions",
                    Bucket=self.bucket,
                    Delete={"Objects": keys[start : start + 1000], "Quiet": True},
                )
                errors = response.get("Errors") or []
                if errors:
                    first = errors[0]
                    raise AwsApiError(
                        f"Failed to delete {len(errors)} object versions in bucket {self.bucket}, for example "
                        f"{first.get('Key')} ({first.get('Code')}: {first.get('Message')}). Object Lock retention or "
                        "a bucket policy may protect them.",
                        operation="DeleteObjects",
                        error_code=first.get("Code"),
                        bucket=self.bucket,
                    )
            if not page.get("IsTruncated"):
                return
            kwargs = {
                "Bucket": self.bucket,
                "KeyMarker": page.get("NextKeyMarker"),
                "VersionIdMarker": page.get("NextVersionIdMarker"),
            }

    def view(self, state: Dict[str, Any]) -> Dict[str, Any]:
        return {"name": self.bucket, "exists": state["exists"], "region": state["region"]}
