#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: kms_key_policy_statements
short_description: Keep statements of a KMS key policy by Sid, never locking out the account
version_added: 0.2.0
description:
  - Adds, replaces and removes statements of the key policy of an existing customer managed KMS key, matched by
    C(Sid). Statements with other Sids are kept unless O(purge_statements=true).
  - Ready statements with fixed Sids - one per AWS service that delivers logs (C(LogsafeKeyS3AccessLogs),
    C(LogsafeKeyVendedLogs), C(LogsafeKeyCloudTrail), C(LogsafeKeyConfig)), C(LogsafeKeyReaders) for roles that read
    the logs, C(LogsafeKeyS3Use) for S3 use of the key on one bucket, and C(LogsafeKeyDenyShortDeletionWindow). Each
    option manages its own statements, and an option that is not set leaves them as they are.
  - The key policy always keeps a statement that allows the account root C(kms:*) on the key (the
    C(Enable IAM User Permissions) statement of the default key policy). It is never removed, also not by
    O(purge_statements) or O(remove_sids), and it is added when the policy has none, because without it nobody in the
    account could change the key policy again. Statements that deny C(kms:PutKeyPolicy) to everyone or to the root
    are rejected.
  - Key policies compare by meaning - statement order, list order, a string versus a one-element list and a bare
    account id versus its root ARN are not changes.
author:
  - logsafe.aws maintainers (@logsafe)
options:
  key:
    description:
      - The customer managed key, as a key id, key ARN, alias name (V(alias/NAME)) or alias ARN. It must exist.
    type: str
    required: true
    aliases: [key_id]
  log_sources:
    description:
      - AWS services that deliver logs into O(bucket). Each service principal gets one statement that allows
        C(kms:GenerateDataKey*) and C(kms:DescribeKey), limited by C(aws:SourceAccount) and, where the service sends
        it, C(aws:SourceArn) (the source buckets of V(s3_access_logs), the trails of V(cloudtrail), the CloudWatch
        Logs deliveries of the region for V(nlb), V(vpc_flow_logs), V(waf) and V(cloudfront)). V(config) is limited by
        C(aws:SourceAccount) only.
      - An empty list removes every service statement. If not set, they are left as they are.
      - V(alb) and V(clb) are rejected - Elastic Load Balancing writes access logs only to buckets with SSE-S3.
      - Needs O(bucket), whose name the sources are checked against (a V(waf) source needs a bucket named
        C(aws-waf-logs-...)).
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
  bucket:
    description:
      - Name of the bucket that the key encrypts. When set, the C(LogsafeKeyS3Use) statement lets principals of the
        key's account use the key through S3 (C(kms:GenerateDataKey*) and C(kms:Decrypt) with C(kms:ViaService) of S3
        in the region and C(kms:CallerAccount)), for the objects of this bucket only (C(kms:EncryptionContext:aws:s3:arn)).
    type: str
  reader_role_arns:
    description:
      - IAM roles, also in other accounts of the same partition, that may decrypt what the key encrypted
        (C(kms:Decrypt) and C(kms:DescribeKey)), for example the role of a SIEM that reads the logs. Their own IAM
        policies must allow the same.
      - An empty list removes the C(LogsafeKeyReaders) statement. If not set, it is left as it is.
    type: list
    elements: str
  pending_window_days:
    description:
      - The shortest waiting period, in days (7 to 30), with which anyone may schedule the deletion of the key. Adds
        C(LogsafeKeyDenyShortDeletionWindow), which denies C(kms:ScheduleKeyDeletion) when
        C(kms:ScheduleKeyDeletionPendingWindowInDays) is lower.
      - This module never deletes a key or schedules its deletion.
    type: int
  statements:
    description:
      - Further statements, as key policy statement dicts. Each needs a unique C(Sid) that does not start with
        C(Logsafe), and C(Effect), C(Principal), C(Action) and C(Resource) (V(*) is the key itself).
    type: list
    elements: dict
  remove_sids:
    description: Sids of statements to remove. The statement that gives the account root C(kms:*) is kept, with a warning.
    type: list
    elements: str
  purge_statements:
    description:
      - Remove the statements that this task does not manage, except the one that gives the account root C(kms:*).
    type: bool
    default: false
extends_documentation_fragment:
  - logsafe.aws.connection
attributes:
  check_mode:
    support: full
    description: The same reads and decisions run, and only the write is skipped.
  diff_mode:
    support: full
    description: Shows the key policy before and after.
  idempotent:
    support: full
    description: A second run with the same options changes nothing and sends no write.
notes:
  - KMS has no conditional write for key policies, so two tasks that change the same key policy at the same time can
    overwrite each other's statements; a later run puts them back.
seealso:
  - module: logsafe.aws.kms_logs_key
"""

EXAMPLES = r"""
- name: Let CloudTrail and VPC flow logs write to the logs bucket with the key
  logsafe.aws.kms_key_policy_statements:
    key: alias/example-logs
    bucket: example-logs
    log_sources:
      - type: cloudtrail
      - type: vpc_flow_logs

- name: Let the SIEM role of the security account decrypt the logs
  logsafe.aws.kms_key_policy_statements:
    key: alias/example-logs
    reader_role_arns:
      - arn:aws:iam::111122223333:role/siem-reader

- name: Add a statement of your own, and remove an old one
  logsafe.aws.kms_key_policy_statements:
    key: alias/example-logs
    statements:
      - Sid: AllowKeyAdministrators
        Effect: Allow
        Principal:
          AWS: arn:aws:iam::123456789012:role/key-admins
        Action:
          - kms:Describe*
          - kms:Get*
          - kms:List*
          - kms:PutKeyPolicy
        Resource: "*"
    remove_sids:
      - OldStatement
"""

RETURN = r"""
key_id:
  description: Id of the key.
  returned: always
  type: str
  sample: 1234abcd-12ab-34cd-56ef-1234567890ab
key_arn:
  description: ARN of the key.
  returned: always
  type: str
  sample: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
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
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._kms_key import run_key_policy_statements
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._specs import log_sources_option


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        key=dict(type="str", required=True, aliases=["key_id"], no_log=False),
        log_sources=log_sources_option(),
        bucket=dict(type="str"),
        reader_role_arns=dict(type="list", elements="str"),
        pending_window_days=dict(type="int"),
        statements=dict(type="list", elements="dict"),
        remove_sids=dict(type="list", elements="str"),
        purge_statements=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(
        module,
        lambda aws: run_key_policy_statements(aws, module.params, module.check_mode, module._diff, module.warn),
    )


if __name__ == "__main__":
    main()
