#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_logs_bucket
short_description: Create and keep a secure S3 bucket for logs, with every setting in one task
version_added: 0.1.0
description:
  - Creates an S3 bucket for log storage, or brings an existing one to the given settings - versioning, tags,
    object ownership, public access block, default encryption, lifecycle rules, bucket policy and server access
    logging.
  - Optionally builds the bucket that receives the server access logs in the same run, before logging is
    enabled (O(access_logging.manage_target)).
  - Every option is validated before the first request. Then every managed setting is read (concurrently),
    compared with the options, and only the settings that differ are written, in this order - bucket,
    public access block, policy, ownership controls, encryption, versioning, Object Lock, tags, lifecycle, logging.
  - An option left out means the setting is not managed - it is neither read nor changed.
  - The role C(logsafe.aws.logs_bucket) calls this module with secure defaults.
author:
  - logsafe.aws maintainers (@logsafe)
options:
  name:
    description:
      - Name of the bucket.
    type: str
    required: true
    aliases: [bucket]
  account_id:
    description:
      - The AWS account id of the bucket owner, used in the C(aws:SourceAccount) condition of delivery statements.
      - If not set and a statement needs it, one STS C(GetCallerIdentity) request reads it.
    type: str
  versioning:
    description:
      - V(true) enables versioning. V(false) suspends it, but only on a bucket where it was ever enabled,
        because S3 cannot return a bucket to the unversioned state.
    type: bool
  allow_retention_decrease:
    description:
      - Allow changes that make S3 delete logs sooner than now, or suspending versioning. A lifecycle rule deletes
        logs sooner when its expiration or noncurrent version expiration is shorter than that of every current
        rule whose filter matches the same or more objects, whatever the rule ids. It also does so when it adds an
        expiration for objects that no such current rule expires, on a bucket that already contains objects.
      - Without it, such a change fails before any write, naming the rules and the old and new days.
    type: bool
    default: false
  object_lock:
    description:
      - S3 Object Lock with a default retention, which keeps every new object version immutable for that period.
      - Object Lock is switched on when the module creates the bucket. For an existing bucket without it the module
        changes nothing and fails, because Object Lock can never be switched off again.
      - S3 does not deliver server access logs to a bucket with a default retention, so a C(s3_access_logs) log
        source is rejected with it. A lifecycle expiration shorter than the retention gets a warning.
    type: dict
    suboptions:
      mode:
        description:
          - V(GOVERNANCE) lets users with C(s3:BypassGovernanceRetention) remove the lock; V(COMPLIANCE) lets nobody,
            not even the root user, until the retention ends.
        type: str
        required: true
        choices: [GOVERNANCE, COMPLIANCE]
      days:
        description: Default retention in days. Give O(object_lock.days) or O(object_lock.years).
        type: int
      years:
        description: Default retention in years.
        type: int
  tags:
    description:
      - Tags of the bucket (and of the access-log target bucket when it is managed).
      - Keys starting with C(aws:) are reserved by AWS and rejected here.
    type: dict
  purge_tags:
    description:
      - Remove tags that are not in O(tags). Tags whose key starts with C(aws:), such as the ones
        CloudFormation sets, are never removed.
      - Has no effect when O(tags) is not set.
    type: bool
    default: true
  object_ownership:
    description:
      - Object ownership setting. V(BucketOwnerEnforced) disables ACLs, so that the bucket owner owns every object.
    type: str
    choices: [BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter]
  migrate_acls:
    description:
      - When V(BucketOwnerEnforced) is to be set on a bucket whose ACL still grants access to others (S3 rejects
        that), first add a bucket policy statement (C(LogsafeAclMigrationS3AccessLogs)) for a grant to the S3 log
        delivery group, then reset the ACL to owner-only, then enforce ownership. Log delivery keeps working at every
        step, and a re-run finishes an interrupted migration. Grants to other accounts or to everyone are removed.
      - V(false) fails before any change and lists the grants that block it.
    type: bool
    default: true
  public_access_block:
    description:
      - The bucket-level public access block. Each flag is V(true) unless set otherwise.
    type: dict
    suboptions:
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
  encryption:
    description:
      - Default encryption of new objects.
    type: dict
    suboptions:
      sse_algorithm:
        description:
          - V(aws:kms) is SSE-KMS, V(AES256) is SSE-S3, V(aws:kms:dsse) is dual-layer SSE-KMS.
        type: str
        choices: [aws:kms, AES256, aws:kms:dsse]
        default: aws:kms
      kms_key:
        description:
          - The customer managed KMS key, as a key id, key ARN, alias name (V(alias/NAME)) or alias ARN. The key
            must be in the bucket's region.
          - If not set with V(aws:kms), the AWS managed key C(aws/s3) is used. V(alias/aws/s3) and its ARN mean
            the same.
          - A key given by alias is resolved with C(kms:DescribeKey), and its key ARN is written, so that the
            bucket keeps using the same key if the alias moves.
        type: str
      bucket_key_enabled:
        description:
          - Use an S3 Bucket Key, which cuts the KMS requests that SSE-KMS makes. If not set, the current
            setting is kept.
          - Rejected with V(AES256), where S3 ignores it, and with V(aws:kms:dsse), which does not support it.
        type: bool
  policy:
    description:
      - Statements of the bucket policy. Statements are matched by C(Sid); statements with other Sids are kept
        unless O(policy.purge_statements=true).
    type: dict
    suboptions:
      deny_insecure_transport:
        description:
          - V(true) adds the C(LogsafeDenyInsecureTransport) statement, which denies every request made without
            TLS on the bucket and its objects. V(false) removes it. If not set, it is left as it is.
        type: bool
      deny_outdated_tls:
        description:
          - V(true) adds the C(LogsafeDenyOutdatedTls) statement, which denies requests made with a TLS version
            below O(policy.minimum_tls_version). V(false) removes it. If not set, it is left as it is.
        type: bool
      minimum_tls_version:
        description: The lowest TLS version that O(policy.deny_outdated_tls) lets through.
        type: str
        choices: ["1.2", "1.3"]
        default: "1.2"
      deny_other_encryption:
        description:
          - V(true) adds the C(LogsafeDenyOtherEncryption) statement, which denies uploads that ask for another encryption
            algorithm or another KMS key than the bucket's default encryption. Uploads without encryption headers, such as
            the ones of the log delivery services, get the default encryption and pass. V(false) removes it.
        type: bool
      deletion_protection:
        description:
          - V(true) adds the C(LogsafeDenyDeletion) statement, which denies deleting objects and object versions, changing
            or deleting the bucket policy, changing the lifecycle configuration and deleting the bucket to every principal
            except those in O(policy.break_glass_role_arns). V(false) removes it.
          - Later runs of this collection can change the policy and lifecycle only as one of those roles, so include the
            role that runs it. The account root user can always delete a bucket policy that locks everyone out.
        type: bool
      break_glass_role_arns:
        description: Role ARNs (wildcards allowed) that deletion protection does not apply to. Required with it.
        type: list
        elements: str
      read_principals:
        description:
          - Principals (account ids, account root, role or user ARNs, in other accounts too) that may read the logs, for
            example a SIEM's ingestion role. Adds C(LogsafeReadAccess); an empty list removes it.
        type: list
        elements: str
      read_organization_id:
        description:
          - AWS Organizations id (V(o-...)) whose principals may read the logs, with C(aws:PrincipalOrgID). Adds
            C(LogsafeReadAccessOrganization); an empty string removes it.
        type: str
      statements:
        description:
          - Further statements, as policy statement dicts. Each needs a unique C(Sid) of letters and digits, not
            starting with C(Logsafe), which is reserved for the statements above.
          - A statement replaces the statement with the same Sid in the policy.
        type: list
        elements: dict
      purge_statements:
        description: Remove statements whose Sid is not managed by this task. With no statement left, the policy is deleted.
        type: bool
        default: false
extends_documentation_fragment:
  - logsafe.aws.connection
  - logsafe.aws.lifecycle
  - logsafe.aws.lifecycle.access_logging
  - logsafe.aws.log_sources
attributes:
  check_mode:
    support: full
    description: The same reads and decisions run, and only the writes are skipped, so C(changed) is the same prediction.
  diff_mode:
    support: full
    description: Shows the before and after state of every managed setting, per bucket.
  idempotent:
    support: full
    description: A second run with the same options changes nothing and sends no write.
notes:
  - A bucket that does not exist yet is created; the module never deletes a bucket.
  - Right after the module creates a bucket, it skips the reads of settings that a new bucket cannot have, and
    retries C(NoSuchBucket) answers for a short, bounded time.
  - If a setting fails after others were written, the module fails naming that setting and returns what was
    written; running it again finishes the job.
seealso:
  - module: logsafe.aws.s3_logs_bucket_info
"""

EXAMPLES = r"""
- name: Build a logs bucket and its access-log bucket
  logsafe.aws.s3_logs_bucket:
    name: example-logs
    region: eu-west-1
    versioning: true
    tags:
      team: security
    object_ownership: BucketOwnerEnforced
    public_access_block: {}
    encryption:
      sse_algorithm: aws:kms
      kms_key: alias/logs
      bucket_key_enabled: true
    lifecycle:
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
    policy:
      deny_insecure_transport: true
    access_logging:
      target_bucket: example-logs-access-logs
      target_prefix: example-logs/
      manage_target: true
      target_lifecycle_rules:
        - id: access-logs-retention
          expiration:
            days: 90

- name: Only turn on versioning and the AWS managed key, leave everything else as it is
  logsafe.aws.s3_logs_bucket:
    name: example-logs
    versioning: true
    encryption:
      sse_algorithm: aws:kms
"""

RETURN = r"""
name:
  description: Name of the bucket.
  returned: always
  type: str
  sample: example-logs
region:
  description: Region the module ran in, which is the bucket's region.
  returned: always
  type: str
  sample: eu-west-1
concerns:
  description:
    - One entry per setting - C(bucket), C(public_access_block), C(policy), C(ownership_controls), C(encryption),
      C(versioning), C(object_lock), C(tags), C(lifecycle), C(logging). Every key is always present.
    - Each entry has C(managed) (the options ask for it), C(changed), and C(state), the state after the run
      (in check mode, the predicted state; V(null) for a setting that is not managed or not configured).
  returned: always
  type: dict
  sample:
    bucket: {managed: true, changed: true, state: {name: example-logs, exists: true, region: eu-west-1}}
    encryption:
      managed: true
      changed: false
      state: {sse_algorithm: "aws:kms", kms_key: null, bucket_key_enabled: true}
    logging: {managed: false, changed: false, state: null}
access_log_bucket:
  description:
    - The access-log target bucket, when O(access_logging.manage_target=true) - its C(name), C(changed)
      and C(concerns) in the same shape as the top-level ones. V(null) otherwise.
  returned: always
  type: dict
  sample: {name: example-logs-access-logs, changed: false, concerns: {}}
retries:
  description: Number of requests that were retried (throttling, transient errors, eventual consistency).
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._specs import concern_group_spec
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import run_whole_bucket


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True, aliases=["bucket"]),
        account_id=dict(type="str"),
    )
    argument_spec.update(concern_group_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda aws: run_whole_bucket(aws, module.params, module.check_mode, module._diff, module.warn))


if __name__ == "__main__":
    main()
