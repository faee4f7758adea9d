#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_bucket_encryption
short_description: Set the default encryption of an S3 bucket
version_added: 0.1.0
description:
  - Sets SSE-KMS (with the AWS managed key or a customer managed key), DSSE-KMS or SSE-S3 as the default
    encryption of an existing bucket, with or without an S3 Bucket Key, or removes the setting.
  - A customer key can be given as key id, key ARN, alias name or alias ARN, and compares with what the bucket
    has after resolving, so a run that changes nothing reports no change whatever form is used.
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
      - V(present) sets the default encryption. V(absent) deletes the configuration, after which S3 applies its own
        default (SSE-S3 on AWS).
    type: str
    choices: [present, absent]
    default: present
  sse_algorithm:
    description: V(aws:kms) is SSE-KMS, V(AES256) is SSE-S3, V(aws:kms:dsse) is dual-layer SSE-KMS.
    type: str
    choices: [aws:kms, AES256, aws:kms:dsse]
    default: aws:kms
  kms_key:
    description:
      - The customer managed KMS key, as a key id, key ARN, alias name (V(alias/NAME)) or alias ARN, in the bucket's
        region. If not set with V(aws:kms), the AWS managed key C(aws/s3) is used.
      - A key given by alias is resolved with C(kms:DescribeKey) and its key ARN is written.
      - C(kms:DescribeKey) is never called for V(alias/aws/s3), because that call would create the AWS managed key.
    type: str
  bucket_key_enabled:
    description:
      - Use an S3 Bucket Key. If not set, the current setting is kept.
      - Rejected with V(AES256), where S3 ignores it, and with V(aws:kms:dsse), which does not support it.
    type: bool
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
- name: Encrypt new objects with a customer managed key and a bucket key
  logsafe.aws.s3_bucket_encryption:
    name: example-logs
    sse_algorithm: aws:kms
    kms_key: alias/logs
    bucket_key_enabled: true

- name: Use SSE-S3, as server access log targets need
  logsafe.aws.s3_bucket_encryption:
    name: example-logs-access-logs
    sse_algorithm: AES256
"""

RETURN = r"""
name:
  description: Name of the bucket.
  returned: always
  type: str
  sample: example-logs
encryption:
  description:
    - The default encryption after the run (predicted in check mode), or V(null) when there is none.
      C(kms_key) is the key reference as written, V(null) for the AWS managed key.
  returned: always
  type: dict
  sample: {sse_algorithm: "aws:kms", kms_key: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", bucket_key_enabled: true}
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._encryption import SSE_ALGORITHMS
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import run_bucket_plan, single_concern_result


def run(module, aws):
    params = module.params
    options = {key: params[key] for key in ("state", "sse_algorithm", "kms_key", "bucket_key_enabled")}
    plan = run_bucket_plan(aws, params["name"], {"encryption": options}, module.check_mode, module.warn)
    return single_concern_result(plan, "encryption", module._diff)


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True, aliases=["bucket"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        sse_algorithm=dict(type="str", choices=list(SSE_ALGORITHMS), default="aws:kms"),
        kms_key=dict(type="str", no_log=False),
        bucket_key_enabled=dict(type="bool"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda aws: run(module, aws))


if __name__ == "__main__":
    main()
