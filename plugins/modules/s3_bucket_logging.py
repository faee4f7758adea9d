#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_bucket_logging
short_description: Turn S3 server access logging of a bucket on or off
version_added: 0.1.0
description:
  - Sets the target bucket, prefix and key format of the server access logs of an existing bucket, or turns
    logging off.
  - It never sends ACL grants. Buckets with ACLs disabled (C(BucketOwnerEnforced), the default for new buckets
    since April 2023) reject them; the target bucket must instead let C(logging.s3.amazonaws.com) write through its
    bucket policy, which M(logsafe.aws.s3_bucket_policy) adds with O(logsafe.aws.s3_bucket_policy#module:access_log_sources).
author:
  - logsafe.aws maintainers (@logsafe)
options:
  name:
    description: Name of the bucket whose requests are logged. It must exist.
    type: str
    required: true
    aliases: [bucket]
  state:
    description: V(present) turns logging on, V(absent) turns it off.
    type: str
    choices: [present, absent]
    default: present
  target_bucket:
    description:
      - The bucket that receives the logs, in the same region and account. It must not be the bucket itself.
      - Required with O(state=present).
    type: str
  target_prefix:
    description: Key prefix of the log objects, for example V(example-logs/).
    type: str
    default: ""
  target_object_key_format:
    description:
      - Layout of the log object keys. If not set, the format the bucket has is kept.
      - V(simple) is C([prefix]YYYY-mm-DD-HH-MM-SS-UniqueString). The partitioned formats are
        C([prefix][account]/[region]/[bucket]/[YYYY]/[MM]/[DD]/...), dated by event time or by delivery time.
    type: str
    choices: [simple, partitioned_event_time, partitioned_delivery_time]
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
"""

EXAMPLES = r"""
- name: Send access logs to a separate bucket, partitioned by event time
  logsafe.aws.s3_bucket_logging:
    name: example-logs
    target_bucket: example-logs-access-logs
    target_prefix: example-logs/
    target_object_key_format: partitioned_event_time

- name: Turn access logging off
  logsafe.aws.s3_bucket_logging:
    name: example-logs
    state: absent
"""

RETURN = r"""
name:
  description: Name of the bucket.
  returned: always
  type: str
  sample: example-logs
logging:
  description: The access logging configuration after the run (predicted in check mode).
  returned: always
  type: dict
  sample: {enabled: true, target_bucket: example-logs-access-logs, target_prefix: example-logs/, target_object_key_format: partitioned_event_time}
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._logging import KEY_FORMATS
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import run_bucket_plan, single_concern_result


def run(module, aws):
    params = module.params
    options = {
        "enabled": params["state"] == "present",
        "target_bucket": params["target_bucket"],
        "target_prefix": params["target_prefix"],
        "target_object_key_format": params["target_object_key_format"],
    }
    plan = run_bucket_plan(aws, params["name"], {"logging": options}, module.check_mode, module.warn)
    return single_concern_result(plan, "logging", module._diff)


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True, aliases=["bucket"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        target_bucket=dict(type="str"),
        target_prefix=dict(type="str", default=""),
        target_object_key_format=dict(type="str", choices=list(KEY_FORMATS)),
    )
    module = AnsibleModule(
        argument_spec=argument_spec, supports_check_mode=True, required_if=[("state", "present", ("target_bucket",))]
    )
    run_module(module, lambda aws: run(module, aws))


if __name__ == "__main__":
    main()
