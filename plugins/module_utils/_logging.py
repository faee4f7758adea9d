# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 server access logging of a bucket, without ACL grants."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError

# Option value -> TargetObjectKeyFormat.
KEY_FORMATS = {
    "simple": {"SimplePrefix": {}},
    "partitioned_event_time": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}},
    "partitioned_delivery_time": {"PartitionedPrefix": {"PartitionDateSource": "DeliveryTime"}},
}

DISABLED = {
    "enabled": False,
    "target_bucket": None,
    "target_prefix": None,
    "target_object_key_format": None,
    "target_grants": False,
}


def key_format_name(value: Optional[Dict[str, Any]]) -> Optional[str]:
    """Return the option name of a TargetObjectKeyFormat as AWS returns it."""
    if not value:
        return None
    if "PartitionedPrefix" in value:
        source = (value["PartitionedPrefix"] or {}).get("PartitionDateSource", "EventTime")
        return "partitioned_delivery_time" if source == "DeliveryTime" else "partitioned_event_time"
    return "simple"


class LoggingConcern(Concern):
    """Server access logging; options: ``enabled``, ``target_bucket``, ``target_prefix``, ``target_object_key_format``.

    It never sends target grants: buckets with ACLs disabled reject them, and
    delivery is granted by the target's bucket policy instead.
    """

    key = "logging"
    read_operation = "GetBucketLogging"

    def validate(self) -> None:
        if not self.options.get("enabled", True):
            return
        target = self.options.get("target_bucket")
        if not target:
            raise ValidationError(
                f"Missing target_bucket for the access logging of bucket {self.bucket}: set the bucket that receives the logs."
            )
        if target == self.bucket:
            raise ValidationError(
                f"Invalid target_bucket '{target}' for bucket {self.bucket}: a bucket must not deliver its access "
                "logs to itself, because every delivery would create another log record. Use a separate bucket."
            )
        key_format = self.options.get("target_object_key_format")
        if key_format is not None and key_format not in KEY_FORMATS:
            raise ValidationError(
                f"Invalid target_object_key_format '{key_format}' for bucket {self.bucket}: use one of {', '.join(KEY_FORMATS)}."
            )

    def empty_state(self) -> Dict[str, Any]:
        return dict(DISABLED)

    def _read(self) -> Dict[str, Any]:
        response = self.ctx.read("GetBucketLogging", "read the access logging configuration") or {}
        enabled = response.get("LoggingEnabled")
        if not enabled:
            return dict(DISABLED)
        return {
            "enabled": True,
            "target_bucket": enabled.get("TargetBucket"),
            "target_prefix": enabled.get("TargetPrefix", ""),
            "target_object_key_format": key_format_name(enabled.get("TargetObjectKeyFormat")),
            "target_grants": bool(enabled.get("TargetGrants")),
        }

    def desired(self, current: Dict[str, Any]) -> Dict[str, Any]:
        if not self.options.get("enabled", True):
            return dict(DISABLED)
        key_format = self.options.get("target_object_key_format")
        if key_format is None:
            key_format = current["target_object_key_format"]
        return {
            "enabled": True,
            "target_bucket": self.options["target_bucket"],
            "target_prefix": self.options.get("target_prefix") or "",
            "target_object_key_format": key_format,
            "target_grants": False,
        }

    def write(self, current: Dict[str, Any], desired: Dict[str, Any]) -> None:
        status: Dict[str, Any] = {}
        if desired["enabled"]:
            enabled: Dict[str, Any] = {
                "TargetBucket": desired["target_bucket"],
                "TargetPrefix": desired["target_prefix"],
            }
            if desired["target_object_key_format"]:
                enabled["TargetObjectKeyFormat"] = KEY_FORMATS[desired["target_object_key_format"]]
            status["LoggingEnabled"] = enabled
        self.ctx.call(
            "s3",
            "PutBucketLogging",
            "put the access logging configuration",
            Bucket=self.bucket,
            BucketLoggingStatus=status,
        )

    def view(self, state: Dict[str, Any]) -> Dict[str, Any]:
        return {key: value for key, value in state.items() if key != "target_grants"}
