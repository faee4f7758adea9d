# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 Object Lock default retention, which keeps log object versions immutable for a period."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._concern import BucketContext, Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError

OBJECT_LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")
DISABLED = {"enabled": False, "mode": None, "days": None, "years": None}


def retention_days(state: Dict[str, Any]) -> Optional[int]:
    """Return the default retention in days (years count as 365 days), or None without retention."""
    if state.get("days"):
        return int(state["days"])
    if state.get("years"):
        return int(state["years"]) * 365
    return None


class ObjectLockConcern(Concern):
    """Object Lock with a default retention; options: ``mode`` and ``days`` or ``years``.

    Object Lock is switched on when the module creates the bucket. For an
    existing bucket without it the module changes nothing and fails, because
    turning it on cannot be undone and is a decision for the bucket owner.
    """

    key = "object_lock"
    read_operation = "GetObjectLockConfiguration"

    def __init__(self, ctx: BucketContext, options: Optional[Dict[str, Any]]) -> None:
        super().__init__(ctx, options)
        if self.managed:
            # CreateBucket must switch Object Lock on: it cannot be added by a later setting write.
            ctx.create_kwargs["ObjectLockEnabledForBucket"] = True

    def validate(self) -> None:
        mode = self.options.get("mode")
        if mode not in OBJECT_LOCK_MODES:
            raise ValidationError(
                f"Invalid object_lock.mode {mode!r} for bucket {self.bucket}: use GOVERNANCE (privileged users can "
                "still remove the lock) or COMPLIANCE (nobody can, not even the root user)."
            )
        days, years = self.options.get("days"), self.options.get("years")
        if bool(days) == bool(years):
            raise ValidationError(
                f"Invalid object_lock for bucket {self.bucket}: give exactly one of days and years for the default "
                "retention, as a positive number."
            )
        if int(days or years or 0) < 1:
            raise ValidationError(
                f"Invalid object_lock retention for bucket {self.bucket}: it must be at least 1 day or year."
            )

    def empty_state(self) -> Dict[str, Any]:
        return dict(DISABLED)

    def _read(self) -> Dict[str, Any]:
        response = self.ctx.read("GetObjectLockConfiguration", "read the Object Lock configuration")
        configuration = (response or {}).get("ObjectLockConfiguration") or {}
        if configuration.get("ObjectLockEnabled") != "Enabled":
            return dict(DISABLED)
        retention = configuration.get("Rule", {}).get("DefaultRetention", {})
        # A retention has days or years; the other field may come back as 0, which means unset.
        return {
            "enabled": True,
            "mode": retention.get("Mode"),
            "days": retention.get("Days") or None,
            "years": retention.get("Years") or None,
        }

    def desired(self, current: Dict[str, Any]) -> Dict[str, Any]:
        if not self.ctx.absent and not current["enabled"]:
            raise ValidationError(
                f"Bucket {self.bucket} exists without Object Lock, and this collection turns Object Lock on only when "
                "it creates a bucket, because it can never be turned off again. Nothing was changed. Turn it on for "
                "the existing bucket yourself (S3 PutObjectLockConfiguration on a versioned bucket), or use a new bucket."
            )
        return {
            "enabled": True,
            "mode": self.options["mode"],
            "days": self.options.get("days"),
            "years": self.options.get("years"),
        }

    def write(self, current: Dict[str, Any], desired: Dict[str, Any]) -> None:
        retention: Dict[str, Any] = {"Mode": desired["mode"]}
        if desired["days"]:
            retention["Days"] = desired["days"]
        else:
            retention["Years"] = desired["years"]
        self.ctx.call(
            "s3",
            "PutObjectLockConfiguration",
            "put the Object Lock configuration",
            Bucket=self.bucket,
            ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": retention}},
        )
