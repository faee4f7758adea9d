#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: kms_logs_key
short_description: Create or adopt a customer KMS key made for a logs bucket and the services that deliver to it
version_added: 0.2.0
description:
  - Finds the key by O(alias), or creates a symmetric C(ENCRYPT_DECRYPT) customer managed key with that alias, a
    description and tags. Automatic rotation is on unless O(enable_rotation=false).
  - Keeps a key policy that grants exactly what the options ask for, with fixed C(Logsafe...) Sids - the services in
    O(log_sources), the roles in O(reader_role_arns), the use of the key through S3 for O(bucket), and the shortest
    deletion waiting period O(pending_window_days). Unlike M(logsafe.aws.kms_key_policy_statements), an option left
    unset here removes its statements, and C(Logsafe...) statements that the options do not ask for are removed.
    Statements with other Sids are kept.
  - The key policy always keeps a statement that allows the account root C(kms:*) on the key (the
    C(Enable IAM User Permissions) statement of the default key policy), and adds it when the policy has none,
    because without it nobody in the account could change the key policy again.
  - Never deletes a key or schedules its deletion. A key found by the alias that is disabled, pending deletion,
    asymmetric or AWS managed is rejected with the reason, and nothing is changed.
author:
  - logsafe.aws maintainers (@logsafe)
options:
  alias:
    description:
      - Alias of the key, with or without the C(alias/) prefix, for example V(alias/example-logs). Aliases under
        C(alias/aws/) belong to AWS managed keys and are rejected.
      - If a key has the alias, it is adopted; otherwise a key is created and the alias attached to it.
    type: str
    required: true
    aliases: [name]
  bucket:
    description:
      - Name of the bucket that the key encrypts. The C(LogsafeKeyS3Use) statement lets principals of the account use
        the key through S3 (C(kms:GenerateDataKey*) and C(kms:Decrypt), with C(kms:ViaService) of S3 in the region and
        C(kms:CallerAccount)) for the objects of this bucket only (C(kms:EncryptionContext:aws:s3:arn)), as the AWS
        managed key C(aws/s3) allows for every bucket.
      - Required with O(log_sources). If not set, the C(LogsafeKeyS3Use) statement is removed.
    type: str
  log_sources:
    description:
      - AWS services that deliver logs into O(bucket). Each service principal gets one statement that allows
        C(kms:GenerateDataKey*) and C(kms:DescribeKey), limited by C(aws:SourceAccount) and, where the service sends
        it, C(aws:SourceArn) (the source buckets of V(s3_access_logs), the trails of V(cloudtrail), the CloudWatch
        Logs deliveries of the region for V(nlb), V(vpc_flow_logs), V(waf) and V(cloudfront)). V(config) is limited by
        C(aws:SourceAccount) only.
      - Give the same list as to M(logsafe.aws.s3_logs_bucket). V(alb) and V(clb) are rejected - Elastic Load
        Balancing writes access logs only to buckets with SSE-S3, so such a bucket cannot use this key.
    type: list
    elements: dict
    suboptions:
      type:
        description: The AWS service, as in the O(log_sources[].type) option of M(logsafe.aws.s3_logs_bucket).
        type: str
        required: true
        choices: [s3_access_logs, alb, clb, nlb, vpc_flow_logs, waf, cloudfront, cloudtrail, config]
      prefix:
        description: Key prefix that the source is configured with. It does not change the key policy.
        type: str
      source_buckets:
        description: With V(s3_access_logs), the buckets whose server access logs are delivered; each is an
          C(aws:SourceArn).
        type: list
        elements: str
      organization_id:
        description: With V(cloudtrail), the organization id of an organization trail. It does not change the key policy.
        type: str
      trail_names:
        description: With V(cloudtrail), the trails allowed to use the key; all trails of the account if not set.
        type: list
        elements: str
      legacy:
        description: With V(cloudfront), V(true) means legacy standard logging, which is rejected.
        type: bool
  reader_role_arns:
    description:
      - IAM roles, also in other accounts of the same partition, that may decrypt the logs (C(kms:Decrypt) and
        C(kms:DescribeKey)), for example the role of a SIEM. Their own IAM policies must allow the same.
      - If not set or empty, the C(LogsafeKeyReaders) statement is removed.
    type: list
    elements: str
  enable_rotation:
    description: Whether AWS KMS rotates the key material automatically (every year). V(false) turns rotation off.
    type: bool
    default: true
  pending_window_days:
    description:
      - The shortest waiting period, in days (7 to 30), with which anyone may schedule the deletion of the key. Adds
        C(LogsafeKeyDenyShortDeletionWindow), which denies C(kms:ScheduleKeyDeletion) when
        C(kms:ScheduleKeyDeletionPendingWindowInDays) is lower. If not set, that statement is removed.
    type: int
  description:
    description:
      - Description of the key. If not set, a new key gets one that names O(bucket), and an adopted key keeps its own.
    type: str
  tags:
    description: Tags of the key. If not set, the tags are left as they are.
    type: dict
  purge_tags:
    description: Remove tags that are not in O(tags). Only applies when O(tags) is set.
    type: bool
    default: true
  account_id:
    description:
      - The account that the key is created in, for the root statement and the C(aws:SourceAccount) conditions. If not
        set, one STS C(GetCallerIdentity) request reads it before a key is created; an adopted key names its account.
    type: str
extends_documentation_fragment:
  - logsafe.aws.connection
attributes:
  check_mode:
    support: full
    description:
      - The same reads and decisions run, and only the writes are skipped. A key that would be created has
        RV(key_id) and RV(key_arn) V(null).
  diff_mode:
    support: full
    description: Shows the key policy, rotation, alias, description and tags before and after.
  idempotent:
    support: full
    description: A second run with the same options changes nothing and sends no write.
notes:
  - If creating the alias fails right after the key was created, the failure names the new key and the command that
    attaches the alias, because a later run finds the key only by its alias.
seealso:
  - module: logsafe.aws.kms_key_policy_statements
  - module: logsafe.aws.s3_logs_bucket
"""

EXAMPLES = r"""
- name: Key for the logs bucket, usable by CloudTrail and S3 server access logging
  logsafe.aws.kms_logs_key:
    alias: alias/example-logs
    bucket: example-logs
    log_sources:
      - type: cloudtrail
      - type: s3_access_logs
        source_buckets: [example-app-data]
    reader_role_arns:
      - arn:aws:iam::111122223333:role/siem-reader
    pending_window_days: 30
    tags:
      team: security
  register: logs_key

- name: Encrypt the bucket with it
  logsafe.aws.s3_logs_bucket:
    name: example-logs
    encryption:
      kms_key: "{{ logs_key.key_arn }}"
    log_sources:
      - type: cloudtrail
      - type: s3_access_logs
        source_buckets: [example-app-data]
"""

RETURN = r"""
key_id:
  description: Id of the key, or V(null) in check mode when the key would be created.
  returned: always
  type: str
  sample: 1234abcd-12ab-34cd-56ef-1234567890ab
key_arn:
  description: ARN of the key, or V(null) in check mode when the key would be created.
  returned: always
  type: str
  sample: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
alias:
  description: The alias of the key, with its C(alias/) prefix.
  returned: always
  type: str
  sample: alias/example-logs
description:
  description: Description of the key.
  returned: always
  type: str
  sample: Encrypts the logs delivered to S3 bucket example-logs. Managed by logsafe.aws.
rotation_enabled:
  description: Whether automatic rotation of the key material is on.
  returned: always
  type: bool
  sample: true
tags:
  description: Tags of the key.
  returned: always
  type: dict
  sample: {team: security}
key_policy:
  description: The key policy document after the run (predicted in check mode).
  returned: always
  type: dict
  sample:
    Version: "2012-10-17"
    Statement:
      - Sid: Enable IAM User Permissions
        Effect: Allow
        Principal: {AWS: "arn:aws:iam::123456789012:root"}
        Action: "kms:*"
        Resource: "*"
created:
  description: Whether the key was created by this run (in check mode, would be created).
  returned: always
  type: bool
  sample: false
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._kms_key import run_logs_key
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._specs import log_sources_option


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        alias=dict(type="str", required=True, aliases=["name"]),
        bucket=dict(type="str"),
        log_sources=log_sources_option(),
        reader_role_arns=dict(type="list", elements="str"),
        enable_rotation=dict(type="bool", default=True),
        pending_window_days=dict(type="int"),
        description=dict(type="str"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        account_id=dict(type="str"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda aws: run_logs_key(aws, module.params, module.check_mode, module._diff, module.warn))


if __name__ == "__main__":
    main()
