# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Object ownership controls (BucketOwnerEnforced disables ACLs), with the migration of ACL grants."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    S3_LOGGING_PRINCIPAL,
    merge_statements,
    parse_policy,
)

OBJECT_OWNERSHIP_CHOICES = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
ENFORCED = "BucketOwnerEnforced"
LOG_DELIVERY_GROUP = "http://acs.amazonaws.com/groups/s3/LogDelivery"
ACL_MIGRATION_SID = "LogsafeAclMigrationS3AccessLogs"


def describe_grant(grant: Dict[str, Any]) -> str:
    """Describe one ACL grant for messages and the diff, for example ``WRITE to LogDelivery group``."""
    grantee = grant.get("Grantee", {})
    grantee_name = (
        grantee.get("URI") or grantee.get("DisplayName") or grantee.get("ID") or grantee.get("EmailAddress") or "?"
    )
    if grantee_name.startswith("http://acs.amazonaws.com/groups/"):
        grantee_name = grantee_name.rsplit("/", 1)[-1] + " group"
    return f"{grant.get('Permission')} to {grantee_name}"


class OwnershipControlsConcern(Concern):
    """Object ownership; options: ``object_ownership`` and ``migrate_acls``, or ``{"state": "absent"}``.

    S3 rejects BucketOwnerEnforced while the bucket ACL grants access to anyone
    but the owner. With ``migrate_acls`` (the default), a grant to the S3 log
    delivery group becomes a bucket policy statement first. Then the ACL is
    reset to owner-only, and then ownership is enforced. Every state in between
    keeps S3 access log delivery working, and a re-run finishes an interrupted
    migration.
    """

    key = "ownership_controls"
    read_operation = "GetBucketOwnershipControls"

    def _wants_enforced(self) -> bool:
        return self.options.get("state") != "absent" and self.options.get("object_ownership") == ENFORCED

    def _read(self) -> Dict[str, Any]:
        response = self.ctx.read("GetBucketOwnershipControls", "read the ownership controls")
        rules = (response or {}).get("OwnershipControls", {}).get("Rules", [])
        ownership = rules[0].get("ObjectOwnership") if rules else None
        grants: Optional[List[Dict[str, Any]]] = None
        if ownership == ENFORCED:
            # ACLs are disabled, so no grant applies; known without a request.
            grants = []
        elif self._wants_enforced():
            # Read only when enforcing would change something: the ACL decides whether it can.
            grants = self._other_grants()
        return {"object_ownership": ownership, "acl_grants": grants}

    def _other_grants(self) -> List[Dict[str, Any]]:
        response = self.ctx.call("s3", "GetBucketAcl", "read the bucket ACL", Bucket=self.bucket)
        owner = response.get("Owner", {}).get("ID")
        return [grant for grant in response.get("Grants", []) if grant.get("Grantee", {}).get("ID") != owner]

    def empty_state(self) -> Dict[str, Any]:
        return {"object_ownership": None, "acl_grants": None}

    def desired(self, current: Dict[str, Any]) -> Dict[str, Any]:
        if self.options.get("state") == "absent":
            return {"object_ownership": None, "acl_grants": current["acl_grants"]}
        grants = current["acl_grants"]
        if self._wants_enforced() and grants:
            if self.options.get("migrate_acls") is False:
                raise ValidationError(
                    f"Bucket {self.bucket} cannot get object ownership BucketOwnerEnforced: its ACL grants "
                    f"{', '.join(describe_grant(grant) for grant in grants)}, and S3 rejects disabling ACLs while "
                    "they exist. Set migrate_acls to true to move log delivery to the bucket policy and reset the "
                    "ACL, or remove the grants yourself."
                )
            grants = []
        return {"object_ownership": self.options["object_ownership"], "acl_grants": grants}

    def write(self, current: Dict[str, Any], desired: Dict[str, Any]) -> None:
        if desired["object_ownership"] is None:
            self.ctx.call("s3", "DeleteBucketOwnershipControls", "delete the ownership controls", Bucket=self.bucket)
            return
        if current["acl_grants"]:
            self._migrate_grants(current["acl_grants"])
        self.ctx.call(
            "s3",
            "PutBucketOwnershipControls",
            "put the ownership controls",
            Bucket=self.bucket,
            OwnershipControls={"Rules": [{"ObjectOwnership": desired["object_ownership"]}]},
        )

    def _migrate_grants(self, grants: List[Dict[str, Any]]) -> None:
        if any(grant.get("Grantee", {}).get("URI") == LOG_DELIVERY_GROUP for grant in grants):
            statement = {
                "Sid": ACL_MIGRATION_SID,
                "Effect": "Allow",
                "Principal": {"Service": S3_LOGGING_PRINCIPAL},
                "Action": "s3:PutObject",
                "Resource": self.ctx.arn("/*"),
                "Condition": {"StringEquals": {"aws:SourceAccount": self.ctx.aws.account_id()}},
            }
            # Re-read right before the write: the policy concern may have written it earlier in this run.
            response = self.ctx.read("GetBucketPolicy", "read the bucket policy")
            current = parse_policy((response or {}).get("Policy"), self.bucket)
            document = merge_statements(current, [statement], [], purge=False)
            self.ctx.call(
                "s3", "PutBucketPolicy", "put the bucket policy", Bucket=self.bucket, Policy=json.dumps(document)
            )
        self.ctx.call("s3", "PutBucketAcl", "reset the bucket ACL to owner-only", Bucket=self.bucket, ACL="private")

    def view(self, state: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        if state["object_ownership"] is None and not state["acl_grants"]:
            return None
        grants = state["acl_grants"]
        return {
            "object_ownership": state["object_ownership"],
            "acl_grants": None if grants is None else [describe_grant(grant) for grant in grants],
        }
