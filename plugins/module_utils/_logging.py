# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 server access logging of a bucket, without ACL grants."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._bucket import validate_bucket_name
from ansible_collections.logsafe.aws.plugins.module_utils._concern import BucketContext, Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    grants_s3_log_delivery,
    parse_policy,
    s3_access_logs_statement,
)

# Option value -> TargetObjectKeyFormat.
KEY_FORMATS = {
    "simple": {"SimplePrefix": {}},
    "partitioned_event_time": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}},
    "partitioned_delivery_time": {"PartitionedPrefix": {"PartitionDateSource": "DeliveryTime"}},
}

# The target bucket option as s3_bucket_logging and s3_logs_bucket name it, for messages.
TARGET_BUCKET_OPTION = "target_bucket (access_logging.target_bucket in s3_logs_bucket)"

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
        # A target that the run does not manage gets no bucket concern, so its name is checked here,
        # before any request. Only the naming rules count: the warning about dots in a name concerns
        # requests to a bucket, and a managed target's bucket concern gives it already.
        validate_bucket_name(target, TARGET_BUCKET_OPTION)
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


def check_target_accepts_delivery(target: BucketContext, source: str, prefix: str) -> None:
    """Fail before logging is enabled when the target bucket would reject the logs of ``source``.

    Reads only the target's ownership controls and policy (no ACL call): with ACLs disabled,
    delivery needs a bucket policy statement for logging.s3.amazonaws.com.
    """
    ownership = target.read("GetBucketOwnershipControls", "read the ownership controls of the log target")
    rules = (ownership or {}).get("OwnershipControls", {}).get("Rules", [])
    enforced = bool(rules) and rules[0].get("ObjectOwnership") == "BucketOwnerEnforced"
    response = target.read("GetBucketPolicy", "read the policy of the log target")
    document = parse_policy((response or {}).get("Policy"), target.name)
    account_id = target.aws.account_id()
    source_arn = f"arn:{target.aws.partition}:s3:::{source}"
    if grants_s3_log_delivery(document, target.arn(), prefix, source_arn, account_id):
        return
    if not enforced:
        # With ACLs enabled, the LogDelivery group ACL grant may still deliver; S3 checks it when logging starts.
        return
    statement = s3_access_logs_statement(target.arn(), prefix, source, account_id, target.aws.partition)
    raise ValidationError(
        f"Access logging of bucket {source} was not enabled: the target bucket {target.name} has ACLs disabled "
        "and its policy does not let logging.s3.amazonaws.com write under prefix "
        f"'{prefix}'. Add this statement to the target's policy (or set grant_delivery to true): "
        f"{json.dumps(statement, sort_keys=True)}"
    )
