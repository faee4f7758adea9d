# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Object ownership controls (BucketOwnerEnforced disables ACLs)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern

OBJECT_OWNERSHIP_CHOICES = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")


class OwnershipControlsConcern(Concern):
    """Object ownership; options: ``{"object_ownership": str}`` or ``{"state": "absent"}``."""

    key = "ownership_controls"
    read_operation = "GetBucketOwnershipControls"

    def _read(self) -> Optional[str]:
        response = self.ctx.read("GetBucketOwnershipControls", "read the ownership controls")
        if response is None:
            return None
        rules = response.get("OwnershipControls", {}).get("Rules", [])
        return rules[0].get("ObjectOwnership") if rules else None

    def desired(self, current: Optional[str]) -> Optional[str]:
        if self.options.get("state") == "absent":
            return None
        return self.options["object_ownership"]

    def write(self, current: Optional[str], desired: Optional[str]) -> None:
        if desired is None:
            self.ctx.call("s3", "DeleteBucketOwnershipControls", "delete the ownership controls", Bucket=self.bucket)
            return
        self.ctx.call(
            "s3",
            "PutBucketOwnershipControls",
            "put the ownership controls",
            Bucket=self.bucket,
            OwnershipControls={"Rules": [{"ObjectOwnership": desired}]},
        )

    def view(self, state: Optional[str]) -> Optional[Dict[str, Any]]:
        return None if state is None else {"object_ownership": state}
