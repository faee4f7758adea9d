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
  - It never sends ACL grants and never calls PutBucketAcl. Buckets with ACLs disabled (C(BucketOwnerEnforced), the
    default for new buckets since April 2023) reject them; the target bucket must instead let
    C(logging.s3.amazonaws.com) write through its bucket policy. O(grant_delivery) adds that statement, and
    M(logsafe.aws.s3_bucket_policy) can add it with O(logsafe.aws.s3_bucket_policy#module:access_log_sources).
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
      - Required with O(state=present). The name is checked against the S3 bucket naming rules before any request.
    type: str
  target_prefix:
    description: Key prefix of the log objects, for example V(example-logs/).
    type: str
    default: ""
  grant_delivery:
    description:
      - Add the delivery statement for this bucket (C(LogsafeS3AccessLogs...)) to the target bucket's policy before
        logging is enabled, and show it in the diff and in RV(target_policy).
      - With V(false), the module only reads the target's ownership controls and policy, and fails before enabling
        logging if the target has ACLs disabled and its policy does not let C(logging.s3.amazonaws.com) write under
        O(target_prefix) for this bucket; the message contains the missing statement.
    type: bool
    default: false
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
target_policy:
  description:
    - With O(grant_delivery=true), the target bucket's policy C(document) after the run and whether it C(changed);
      V(null) otherwise.
  returned: always
  type: dict
  sample: {changed: true, document: {Version: "2012-10-17", Statement: []}}
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._concern import BucketContext
from ansible_collections.logsafe.aws.plugins.module_utils._logging import (
    KEY_FORMATS,
    LoggingConcern,
    check_target_accepts_delivery,
)
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import run_bucket_plan, single_concern_result


def run(module, aws):
    params = module.params
    enabled = params["state"] == "present"
    options = {
        "enabled": enabled,
        "target_bucket": params["target_bucket"],
        "target_prefix": params["target_prefix"],
        "target_object_key_format": params["target_object_key_format"],
    }
    target_plan = None
    if enabled and params["grant_delivery"]:
        if params["target_bucket"] == params["name"]:
            # The logging concern's validation explains why; fail on it before touching the target.
            LoggingConcern(BucketContext(params["name"], aws), options).validate()
        grant = {"policy": {"access_log_sources": [{"bucket": params["name"], "prefix": params["target_prefix"]}]}}
        target_plan = run_bucket_plan(
            aws, params["target_bucket"], grant, module.check_mode, module.warn, name_option="target_bucket"
        )

    def check_target(plan):
        if enabled and target_plan is None and plan.changes.get("logging"):
            check_target_accepts_delivery(
                BucketContext(params["target_bucket"], aws), params["name"], params["target_prefix"]
            )

    plan = run_bucket_plan(
        aws, params["name"], {"logging": options}, module.check_mode, module.warn, before_write=check_target
    )
    result = single_concern_result(plan, "logging", module._diff)
    result["target_policy"] = None
    if target_plan is not None:
        policy = target_plan.concerns["policy"]
        result["target_policy"] = {
            "changed": target_plan.changed,
            "document": policy.view(target_plan.desired["policy"])["document"],
        }
        result["changed"] = result["changed"] or target_plan.changed
        if module._diff:
            result["diff"] = {
                "before": {
                    "logging": result["diff"]["before"],
                    "target_policy": policy.view(target_plan.current["policy"]),
                },
                "after": {
                    "logging": result["diff"]["after"],
                    "target_policy": policy.view(target_plan.desired["policy"]),
                },
            }
    return result


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True, aliases=["bucket"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        target_bucket=dict(type="str"),
        target_prefix=dict(type="str", default=""),
        target_object_key_format=dict(type="str", choices=list(KEY_FORMATS)),
        grant_delivery=dict(type="bool", default=False),
    )
    module = AnsibleModule(
        argument_spec=argument_spec, supports_check_mode=True, required_if=[("state", "present", ("target_bucket",))]
    )
    run_module(module, lambda aws: run(module, aws))


if __name__ == "__main__":
    main()
