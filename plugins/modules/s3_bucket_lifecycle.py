#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_bucket_lifecycle
short_description: Keep the lifecycle rules of an S3 bucket
version_added: 0.1.0
description:
  - Adds, replaces and removes lifecycle rules of an existing bucket, all rules of a task in one request.
  - Rules are matched by id and compared as a set, so their order never matters, a rule that is already there is
    not written again, and rules with other ids are kept unless O(purge_rules=true).
  - Every rule that S3 would reject is rejected before any request, naming the rule, the field and the fix -
    transitions to V(STANDARD_IA) or V(ONEZONE_IA) under 30 days, a V(GLACIER) or V(DEEP_ARCHIVE) transition less
    than 30 days after them, an expiration not after the last transition, days and dates mixed in one rule,
    duplicate ids, a rule with no action, and more than 1000 rules.
  - The bucket's C(TransitionDefaultMinimumObjectSize) is sent back as it was read, unless
    O(transition_default_minimum_object_size) sets it.
author:
  - logsafe.aws maintainers (@logsafe)
options:
  name:
    description: Name of the bucket. It must exist.
    type: str
    required: true
    aliases: [bucket]
  state:
    description:
      - V(present) makes the rules in O(rules) present.
      - V(absent) with O(rule_ids) removes those rules; V(absent) alone deletes the whole lifecycle configuration.
    type: str
    choices: [present, absent]
    default: present
  allow_retention_decrease:
    description:
      - Allow changes that make S3 delete logs sooner than now, or suspending versioning. A lifecycle rule deletes
        logs sooner when its expiration or noncurrent version expiration is shorter than that of every current
        rule whose filter matches the same or more objects, whatever the rule ids. It also does so when it adds an
        expiration for objects that no such current rule expires, on a bucket that already contains objects.
      - Without it, such a change fails before any write, naming the rules and the old and new days.
    type: bool
    default: false
  rule_ids:
    description: With O(state=absent), the ids of the rules to remove; other rules are kept.
    type: list
    elements: str
extends_documentation_fragment:
  - logsafe.aws.connection
  - logsafe.aws.lifecycle.rules
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
- name: Keep logs for a year, moving them to cheaper storage on the way
  logsafe.aws.s3_bucket_lifecycle:
    name: example-logs
    rules:
      - id: logs-retention
        transitions:
          - days: 30
            storage_class: STANDARD_IA
          - days: 90
            storage_class: GLACIER
        expiration:
          days: 365
        noncurrent_version_expiration:
          noncurrent_days: 30
        abort_incomplete_multipart_upload:
          days_after_initiation: 7

- name: Move only large objects under app/ to Glacier Instant Retrieval at once
  logsafe.aws.s3_bucket_lifecycle:
    name: example-logs
    rules:
      - id: large-app-logs
        filter:
          prefix: app/
          object_size_greater_than: 1048576
        transitions:
          - days: 0
            storage_class: GLACIER_IR

- name: Remove one rule and keep the others
  logsafe.aws.s3_bucket_lifecycle:
    name: example-logs
    state: absent
    rule_ids:
      - large-app-logs
"""

RETURN = r"""
name:
  description: Name of the bucket.
  returned: always
  type: str
  sample: example-logs
lifecycle:
  description:
    - The lifecycle configuration after the run (predicted in check mode), with every rule in the option form,
      or V(null) when the bucket has none.
  returned: always
  type: dict
  sample:
    rules:
      - id: logs-retention
        status: enabled
        filter: {}
        transitions: [{days: 30, storage_class: STANDARD_IA}]
        expiration: {days: 365}
    transition_default_minimum_object_size: all_storage_classes_128K
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._lifecycle import TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZES
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._specs import lifecycle_rule_options
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import (
    run_bucket_plan,
    single_concern_result,
    strip_none,
)


def run(module, aws):
    params = module.params
    options = strip_none(
        {
            key: params[key]
            for key in (
                "state",
                "rules",
                "purge_rules",
                "transition_default_minimum_object_size",
                "rule_ids",
                "allow_retention_decrease",
            )
        }
    )
    plan = run_bucket_plan(aws, params["name"], {"lifecycle": options}, module.check_mode, module.warn)
    return single_concern_result(plan, "lifecycle", module._diff)


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True, aliases=["bucket"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        rules=dict(type="list", elements="dict", default=[], options=lifecycle_rule_options()),
        purge_rules=dict(type="bool", default=False),
        transition_default_minimum_object_size=dict(type="str", choices=list(TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZES)),
        rule_ids=dict(type="list", elements="str"),
        allow_retention_decrease=dict(type="bool", default=False),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ("rules",))],
        mutually_exclusive=[("rules", "rule_ids")],
    )
    run_module(module, lambda aws: run(module, aws))


if __name__ == "__main__":
    main()
