#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_bucket
short_description: Create or delete an S3 bucket, and keep its versioning and tags
version_added: 0.1.0
description:
  - Creates an S3 bucket in the region of the module, or deletes it.
  - Keeps versioning and tags when they are given; an option left out is not managed.
  - A bucket that holds objects, object versions or delete markers is deleted only with O(force=true).
author:
  - logsafe.aws maintainers (@logsafe)
options:
  name:
    description: Name of the bucket.
    type: str
    required: true
    aliases: [bucket]
  state:
    description: Whether the bucket exists.
    type: str
    choices: [present, absent]
    default: present
  versioning:
    description:
      - V(true) enables versioning. V(false) suspends it, but only on a bucket where it was ever enabled,
        because S3 cannot return a bucket to the unversioned state.
    type: bool
  tags:
    description: Tags of the bucket. Keys starting with C(aws:) are reserved by AWS and rejected.
    type: dict
  purge_tags:
    description:
      - Remove tags that are not in O(tags). Tags whose key starts with C(aws:) are never removed.
      - Has no effect when O(tags) is not set.
    type: bool
    default: true
  allow_retention_decrease:
    description:
      - Allow changes that make S3 delete logs sooner than now - here, suspending versioning.
      - Without it, such a change fails before any write, saying so.
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), delete every object version and delete marker first, then the bucket.
      - Without it, a bucket that is not empty is left alone and the module fails.
    type: bool
    default: false
extends_documentation_fragment:
  - logsafe.aws.connection
attributes:
  check_mode:
    support: full
    description: The same reads and decisions run, and only the writes are skipped.
  diff_mode:
    support: full
    description: Shows the bucket's existence, versioning and tags before and after.
  idempotent:
    support: full
    description: A second run with the same options changes nothing and sends no write.
notes:
  - HeadBucket decides whether the bucket exists. A 403 answer means that another account owns the name,
    or that C(s3:ListBucket) is denied, and the module fails.
"""

EXAMPLES = r"""
- name: Create a versioned bucket with tags
  logsafe.aws.s3_bucket:
    name: example-logs
    region: eu-west-1
    versioning: true
    tags:
      team: security

- name: Delete an empty bucket
  logsafe.aws.s3_bucket:
    name: example-old-logs
    state: absent
"""

RETURN = r"""
name:
  description: Name of the bucket.
  returned: always
  type: str
  sample: example-logs
bucket:
  description: Existence and region of the bucket after the run (predicted in check mode).
  returned: always
  type: dict
  sample: {name: example-logs, exists: true, region: eu-west-1}
versioning:
  description: Versioning status after the run, or V(null) when O(versioning) is not set.
  returned: always
  type: dict
  sample: {status: Enabled, mfa_delete: null}
tags:
  description: Tags after the run, or V(null) when O(tags) is not set.
  returned: always
  type: dict
  sample: {team: security}
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import run_bucket_plan

SETTINGS = ("bucket", "versioning", "tags")


def run(module, aws):
    params = module.params
    if params["state"] == "absent":
        options = {"bucket": {"state": "absent", "force": params["force"]}}
    else:
        options = {"bucket": {}}
        if params["versioning"] is not None:
            options["versioning"] = {
                "enabled": params["versioning"],
                "allow_retention_decrease": params["allow_retention_decrease"],
            }
        if params["tags"] is not None:
            options["tags"] = {"tags": params["tags"], "purge": params["purge_tags"]}
    plan = run_bucket_plan(aws, params["name"], options, module.check_mode, module.warn)
    result = {"changed": plan.changed, "name": plan.name, "retries": aws.retries}
    before, after = {}, {}
    for key in SETTINGS:
        concern = plan.concerns[key]
        managed = concern.managed and key in plan.desired
        result[key] = concern.view(plan.desired[key]) if managed else None
        if managed:
            before[key] = concern.view(plan.current[key])
            after[key] = concern.view(plan.desired[key])
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True, aliases=["bucket"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        versioning=dict(type="bool"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
        allow_retention_decrease=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda aws: run(module, aws))


if __name__ == "__main__":
    main()
