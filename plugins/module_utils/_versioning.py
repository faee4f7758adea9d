# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket versioning."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError


class VersioningConcern(Concern):
    """Versioning status; options: ``{"enabled": bool, "allow_retention_decrease": bool}``."""

    key = "versioning"
    read_operation = "GetBucketVersioning"

    def empty_state(self) -> Dict[str, Any]:
        return {"status": None, "mfa_delete": None}

    def _read(self) -> Dict[str, Any]:
        response = self.ctx.read("GetBucketVersioning", "read the versioning status") or {}
        return {"status": response.get("Status"), "mfa_delete": response.get("MFADelete")}

    def desired(self, current: Dict[str, Any]) -> Dict[str, Any]:
        if self.options["enabled"]:
            status = "Enabled"
        elif current["status"] == "Enabled":
            if not self.options.get("allow_retention_decrease"):
                raise ValidationError(
                    f"Suspending versioning on bucket {self.bucket} would stop keeping overwritten and deleted log "
                    "objects as noncurrent versions. Logs are evidence, so this needs allow_retention_decrease set "
                    "to true (logs_bucket_allow_retention_decrease in the role)."
                )
            status = "Suspended"
        else:
            # A bucket that never had versioning stays unversioned: S3 cannot go back to that state.
            status = current["status"]
        return {"status": status, "mfa_delete": current["mfa_delete"]}

    def write(self, current: Dict[str, Any], desired: Dict[str, Any]) -> None:
        self.ctx.call(
            "s3",
            "PutBucketVersioning",
            "set the versioning status",
            Bucket=self.bucket,
            VersioningConfiguration={"Status": desired["status"]},
        )
