#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_bucket_ownership_controls
short_description: Disable ACLs on an S3 bucket with object ownership controls
version_added: 0.1.0
description:
  - Sets the object ownership of an existing bucket. The default, V(BucketOwnerEnforced), disables ACLs, so that
    the bucket owner owns every object and access is controlled by policies alone.
  - Log delivery services need a bucket policy grant once ACLs are disabled; see M(logsafe.aws.s3_bucket_policy).
author:
  - logsafe.aws maintainers (@logsafe)
options:
  name:
    description: Name of the bucket. It must exist.
    type: str
    required: true
    aliases: [bucket]
  state:
    description: V(present) sets the ownership controls, V(absent) deletes them.
    type: str
    choices: [present, absent]
    default: present
  object_ownership:
    description:
      - V(BucketOwnerEnforced) disables ACLs. V(BucketOwnerPreferred) and V(ObjectWriter) keep them.
    type: str
    choices: [BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter]
    default: BucketOwnerEnforced
  migrate_acls:
    description:
      - When V(BucketOwnerEnforced) is to be set on a bucket whose ACL still grants access to others (S3 rejects
        that), first add a bucket policy statement (C(LogsafeAclMigrationS3AccessLogs)) for a grant to the S3 log
        delivery group, then reset the ACL to owner-only, then enforce ownership. Log delivery keeps working at every
        step, and a re-run finishes an interrupted migration. Grants to other accounts or to everyone are removed.
      - V(false) fails before any change and lists the grants that block it.
    type: bool
    default: true
extends_documentation_fragment:
  - logsafe.aws.connection
attributes:
  check_mode:
    support: full
    description: The same reads and decisions run, and only the write is skipped.
  diff_mode:
    support: full
    description: Shows the setting before and after, in the form the module returns it.
  idempotent:
    support: full
    description: A second run with the same options changes nothing and sends no write.
notes:
  - S3 rejects V(BucketOwnerEnforced) on a bucket whose ACL still grants access to others, for example the canned
    C(log-delivery-write) ACL; O(migrate_acls) handles that.
"""

EXAMPLES = r"""
- name: Disable ACLs
  logsafe.aws.s3_bucket_ownership_controls:
    name: example-logs
"""

RETURN = r"""
name:
  description: Name of the bucket.
  returned: always
  type: str
  sample: example-logs
ownership_controls:
  description:
    - The ownership controls after the run (predicted in check mode), or V(null) when there are none.
    - C(acl_grants) lists the ACL grants to others than the owner, when the module read the ACL (only when it is
      about to enforce ownership), else V(null).
  returned: always
  type: dict
  sample: {object_ownership: BucketOwnerEnforced, acl_grants: []}
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._ownership import OBJECT_OWNERSHIP_CHOICES
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import run_bucket_plan, single_concern_result


def run(module, aws):
    params = module.params
    options = {key: params[key] for key in ("state", "object_ownership", "migrate_acls")}
    plan = run_bucket_plan(aws, params["name"], {"ownership_controls": options}, module.check_mode, module.warn)
    return single_concern_result(plan, "ownership_controls", module._diff)


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True, aliases=["bucket"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        object_ownership=dict(type="str", choices=list(OBJECT_OWNERSHIP_CHOICES), default="BucketOwnerEnforced"),
        migrate_acls=dict(type="bool", default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda aws: run(module, aws))


if __name__ == "__main__":
    main()
