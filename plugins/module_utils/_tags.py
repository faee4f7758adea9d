# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket tags."""

from __future__ import annotations

from typing import Dict

from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError

MAX_TAGS = 50


def is_system_tag(key: str) -> bool:
    """Tell whether a tag key is reserved for AWS (the aws: prefix, in any case)."""
    return key.lower().startswith("aws:")


class TagsConcern(Concern):
    """Tags; options: ``{"tags": dict, "purge": bool}``.

    Tags whose key starts with ``aws:`` (set by CloudFormation, for example)
    are never removed: S3 requires them in every PutBucketTagging request, so
    they are sent back as read.
    """

    key = "tags"
    read_operation = "GetBucketTagging"

    def _requested_tags(self) -> Dict[str, str]:
        return {str(key): "" if value is None else str(value) for key, value in (self.options["tags"] or {}).items()}

    def validate(self) -> None:
        requested = self._requested_tags()
        for key, value in requested.items():
            if is_system_tag(key):
                raise ValidationError(
                    f"Invalid tag '{key}' for bucket {self.bucket}: keys that start with 'aws:' are reserved "
                    "for AWS. Remove the tag or rename it."
                )
            if not 1 <= len(key) <= 128:
                raise ValidationError(
                    f"Invalid tag key '{key}' for bucket {self.bucket}: keys must be 1 to 128 characters."
                )
            if len(value) > 256:
                raise ValidationError(
                    f"Invalid value of tag '{key}' for bucket {self.bucket}: it is {len(value)} characters long, "
                    "and values may have at most 256."
                )
        if len(requested) > MAX_TAGS:
            raise ValidationError(
                f"Too many tags for bucket {self.bucket}: {len(requested)} given, S3 allows at most {MAX_TAGS}."
            )

    def empty_state(self) -> Dict[str, str]:
        return {}

    def _read(self) -> Dict[str, str]:
        response = self.ctx.read("GetBucketTagging", "read the bucket tags")
        if response is None:
            return {}
        return {tag["Key"]: tag["Value"] for tag in response.get("TagSet", [])}

    def desired(self, current: Dict[str, str]) -> Dict[str, str]:
        if self.options.get("purge", True):
            kept = {key: value for key, value in current.items() if is_system_tag(key)}
        else:
            kept = dict(current)
        kept.update(self._requested_tags())
        return kept

    def write(self, current: Dict[str, str], desired: Dict[str, str]) -> None:
        if not desired:
            self.ctx.call("s3", "DeleteBucketTagging", "delete the bucket tags", Bucket=self.bucket)
            return
        tag_set = [{"Key": key, "Value": value} for key, value in sorted(desired.items())]
        self.ctx.call("s3", "PutBucketTagging", "put the bucket tags", Bucket=self.bucket, Tagging={"TagSet": tag_set})
