#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_bucket_public_access_block
short_description: Block public access to an S3 bucket
version_added: 0.1.0
description:
  - Sets the bucket-level public access block of an existing bucket. Each of the four flags is V(true) unless set
    otherwise, because blocking public access is the purpose of this module.
author:
  - logsafe.aws maintainers (@logsafe)
options:
  name:
    description: Name of the bucket. It must exist.
    type: str
    required: true
    aliases: [bucket]
  state:
    description: V(present) sets the public access block, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  block_public_acls:
    description: Reject requests that add public ACLs.
    type: bool
    default: true
  ignore_public_acls:
    description: Ignore public ACLs on the bucket and its objects.
    type: bool
    default: true
  block_public_policy:
    description: Reject bucket policies that grant public access.
    type: bool
    default: true
  restrict_public_buckets:
    description: Restrict access to a bucket with a public policy to AWS services and the bucket owner's account.
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
  - The account-level public access block (S3 Control) is not managed here; it applies on top of this one.
"""

EXAMPLES = r"""
- name: Block all public access
  logsafe.aws.s3_bucket_public_access_block:
    name: example-logs
"""

RETURN = r"""
name:
  description: Name of the bucket.
  returned: always
  type: str
  sample: example-logs
public_access_block:
  description: The four flags after the run (predicted in check mode), or V(null) when there is no public access block.
  returned: always
  type: dict
  sample: {block_public_acls: true, ignore_public_acls: true, block_public_policy: true, restrict_public_buckets: true}
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._public_access_block import FLAGS
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import run_bucket_plan, single_concern_result


def run(module, aws):
    params = module.params
    options = {key: params[key] for key in ("state", *tuple(FLAGS))}
    plan = run_bucket_plan(aws, params["name"], {"public_access_block": options}, module.check_mode, module.warn)
    return single_concern_result(plan, "public_access_block", module._diff)


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True, aliases=["bucket"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    for flag in FLAGS:
        argument_spec[flag] = dict(type="bool", default=True)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda aws: run(module, aws))


if __name__ == "__main__":
    main()
