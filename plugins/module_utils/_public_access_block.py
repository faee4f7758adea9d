# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket-level public access block."""

from __future__ import annotations

from typing import Dict, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern

# Option name -> field of PublicAccessBlockConfiguration.
FLAGS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


class PublicAccessBlockConcern(Concern):
    """The four flags; options: the flags as booleans (each true unless set), or ``{"state": "absent"}``."""

    key = "public_access_block"
    read_operation = "GetPublicAccessBlock"

    def _read(self) -> Optional[Dict[str, bool]]:
        response = self.ctx.read("GetPublicAccessBlock", "read the public access block")
        if response is None:
            return None
        config = response.get("PublicAccessBlockConfiguration", {})
        return {option: bool(config.get(field, False)) for option, field in FLAGS.items()}

    def desired(self, current: Optional[Dict[str, bool]]) -> Optional[Dict[str, bool]]:
        if self.options.get("state") == "absent":
            return None
        # A flag left unset is on: this concern exists to block public access.
        return {option: self.options.get(option) is not False for option in FLAGS}

    def write(self, current: Optional[Dict[str, bool]], desired: Optional[Dict[str, bool]]) -> None:
        if desired is None:
            self.ctx.call("s3", "DeletePublicAccessBlock", "delete the public access block", Bucket=self.bucket)
            return
        self.ctx.call(
            "s3",
            "PutPublicAccessBlock",
            "put the public access block",
            Bucket=self.bucket,
            PublicAccessBlockConfiguration={field: desired[option] for option, field in FLAGS.items()},
        )
