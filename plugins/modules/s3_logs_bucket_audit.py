#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_logs_bucket_audit
short_description: Audit S3 logs buckets read-only, one result per runbook check with its compliance mapping
version_added: 0.1.0
description:
  - Runs every check of the operations runbook on one bucket, a list of buckets, or every bucket whose name matches
    a pattern, and returns one result per check - its C(id), C(title), C(status) (V(pass), V(fail), V(warn),
    V(error) when the read itself failed, V(skipped) when it does not apply), the C(observed) and C(expected)
    values, a C(remediation) sentence, the AWS CLI C(command) that shows the same setting, and the AWS Security
    Hub controls and CIS AWS Foundations Benchmark items it covers.
  - The checks run in this order. The bucket exists in the module's region. The bucket policy exists, denies
    requests without TLS, has no public statement and contains the statements of the log sources. The caller can
    list objects. Then default encryption, versioning, lifecycle rules, server access logging and whether its
    target accepts delivery, ownership controls C(BucketOwnerEnforced), and the bucket-level and account-level
    public access block. Then the KMS key's state, rotation and key policy. Last, for each IAM user and role
    named, whether it can put and get the bucket's objects and use its key.
  - It never writes. Every request is a read (C(Head*), C(Get*), C(List*), C(DescribeKey), STS
    C(GetCallerIdentity) and the IAM policy simulator). The reads of one bucket run concurrently.
  - A denied read makes the checks that need it V(error), with the missing IAM action in C(iam_action) and in the
    message; the other checks still run. The account-level public access block is the exception - a denied read
    of it is a V(warn), because the bucket-level check already decides whether the bucket is protected.
  - IAM access is answered by C(iam:SimulatePrincipalPolicy). When the simulator is denied or not available, the
    module reads the attached, inline and group policy documents instead and states this in the message. That
    reading does not include permissions boundaries, service control policies or the bucket policy.
  - With O(endpoint_url) set (an S3-compatible service or an emulator), the account-level public access block is
    V(skipped), because it is read through S3 Control, which such endpoints do not serve.
author:
  - logsafe.aws maintainers (@logsafe)
options:
  name:
    description:
      - Name of the bucket to audit.
      - Exactly one of O(name), O(names) and O(name_pattern) is required.
    type: str
    aliases: [bucket]
  names:
    description: Names of the buckets to audit, in this order.
    type: list
    elements: str
  name_pattern:
    description:
      - Audit every bucket of the account whose name matches this shell-style pattern (V(*-logs), V(logs-??)),
        listed with C(ListBuckets), which needs C(s3:ListAllMyBuckets).
      - Only this option lists the account's buckets. A bucket in another region than O(region) fails the
        C(bucket_exists) check, so run one audit per region.
    type: str
  expect:
    description:
      - Settings the buckets should have, in the form of the options of M(logsafe.aws.s3_logs_bucket) -
        C(versioning), C(object_ownership), C(public_access_block), C(encryption), C(lifecycle), C(policy),
        C(access_logging) and C(log_sources). Tags are not checked.
      - A setting left out is checked against a baseline - SSE-KMS default encryption (SSE-S3 when the log sources
        include C(alb), C(clb) or C(s3_access_logs)), versioning enabled (a V(warn) otherwise), at least one enabled
        lifecycle rule, server access logging enabled (a V(warn) otherwise; not expected on a bucket that receives
        S3 server access logs), C(BucketOwnerEnforced), all four public access block flags, and the statement that
        denies requests without TLS.
    type: dict
  log_sources:
    description:
      - AWS services that deliver logs into the buckets, in the form of the O(log_sources) option of
        M(logsafe.aws.s3_logs_bucket). When not set, C(expect.log_sources) is used.
      - The policy must contain the statements each source needs (compared by meaning, Sid first), the default
        encryption must be one the sources can write with, and a customer managed key's policy must grant the
        services that need it.
    type: list
    elements: dict
    suboptions:
      type:
        description: The service.
        type: str
        required: true
        choices: [s3_access_logs, alb, clb, nlb, vpc_flow_logs, waf, cloudfront, cloudtrail, config]
      prefix:
        description: Key prefix that the source is configured with.
        type: str
      source_buckets:
        description: With V(s3_access_logs), the buckets whose server access logs this bucket receives.
        type: list
        elements: str
      organization_id:
        description: With V(cloudtrail), the organization id of an organization trail.
        type: str
      trail_names:
        description: With V(cloudtrail), the trail names allowed to write.
        type: list
        elements: str
      legacy:
        description: With V(cloudfront), legacy standard logging, which is rejected.
        type: bool
  iam_users:
    description:
      - IAM users that write or read the logs. For each, the check lists its attached, inline and group
        policies, and tells whether it can C(s3:PutObject) and C(s3:GetObject) on the bucket's objects and, with
        a customer managed key, C(kms:GenerateDataKey) and C(kms:Decrypt) on the key.
      - A principal that is allowed C(s3:*) on every resource is a V(warn) (Security Hub IAM.21).
    type: list
    elements: str
    default: []
  iam_roles:
    description: IAM roles checked like O(iam_users).
    type: list
    elements: str
    default: []
  account_id:
    description:
      - The AWS account id of the bucket owner, for the delivery statements, the account-level public access
        block and the key policy.
      - If not set, one STS C(GetCallerIdentity) request reads it.
    type: str
extends_documentation_fragment:
  - logsafe.aws.connection
attributes:
  check_mode:
    support: full
    description: The module never writes, so it runs the same in check mode.
  diff_mode:
    support: none
    description: The module never changes anything, so there is nothing to show.
  idempotent:
    support: full
    description: It only reads.
seealso:
  - module: logsafe.aws.s3_logs_bucket_info
  - module: logsafe.aws.s3_logs_bucket
"""

EXAMPLES = r"""
- name: Audit a logs bucket against the baseline
  logsafe.aws.s3_logs_bucket_audit:
    name: example-logs
  register: audit

- name: Audit a bucket against its settings, with the principals that use it
  logsafe.aws.s3_logs_bucket_audit:
    name: example-logs
    expect:
      encryption:
        sse_algorithm: aws:kms
        kms_key: alias/logs
      access_logging:
        target_bucket: example-logs-access-logs
        target_prefix: example-logs/
    log_sources:
      - type: cloudtrail
    iam_users: [log-shipper]
    iam_roles: [log-reader]
  register: audit

- name: Show what failed
  ansible.builtin.debug:
    msg: "{{ audit.checks | selectattr('status', 'in', ['fail', 'error']) | map(attribute='message') | list }}"

- name: Audit every bucket whose name ends in -logs
  logsafe.aws.s3_logs_bucket_audit:
    name_pattern: "*-logs"
  register: audit

- name: Keep the report
  ansible.builtin.copy:
    content: "{{ audit.markdown }}"
    dest: /tmp/logs-buckets-audit.md
    mode: "0640"
"""

RETURN = r"""
generated_at:
  description: Time of the audit, in UTC.
  returned: always
  type: str
  sample: "2026-12-04T21:00:00Z"
region:
  description: Region the audit ran in, which every bucket is expected to be in.
  returned: always
  type: str
  sample: eu-west-1
account_id:
  description: The account id of the caller (or O(account_id)), V(null) when STS could not be read.
  returned: always
  type: str
  sample: "123456789012"
status:
  description: The most severe status of all checks - V(fail), then V(error), V(warn), V(pass), V(skipped).
  returned: always
  type: str
  sample: fail
summary:
  description: Number of checks by status over all buckets, with C(total) and the number of C(buckets).
  returned: always
  type: dict
  sample: {pass: 14, fail: 2, warn: 1, error: 0, skipped: 3, total: 20, buckets: 1}
buckets:
  description:
    - One entry per audited bucket - C(name), C(exists) (V(null) when HeadBucket was refused), C(region), C(status)
      (its most severe check status), C(summary) (the counts by status) and C(summary_line), the same in one line.
  returned: always
  type: list
  elements: dict
  sample:
    - name: example-logs
      exists: true
      region: eu-west-1
      status: fail
      summary: {pass: 14, fail: 2, warn: 1, error: 0, skipped: 3, total: 20}
      summary_line: "example-logs: fail (14 pass, 2 fail, 1 warn, 0 error, 3 skipped)"
checks:
  description:
    - The checks of every bucket, each bucket's in the order of the runbook.
    - C(id) is stable (C(bucket_exists), C(policy_present), C(policy_tls_only), C(policy_not_public),
      C(policy_delivery_statements), C(list_objects), C(encryption), C(versioning), C(lifecycle),
      C(access_logging), C(access_logging_target), C(ownership_controls), C(public_access_block),
      C(account_public_access_block), C(kms_key_state), C(kms_key_rotation), C(kms_key_policy),
      C(iam_user_access), C(iam_role_access)). Each bucket has every check except the IAM ones, which come once
      per user or role; C(subject) tells them apart.
    - C(message) is one paragraph for people - the finding and, unless the check passed, the expected value, the
      fix and the command. C(iam_action) names the permission that a denied read needed.
  returned: always
  type: list
  elements: dict
  sample:
    - id: policy_tls_only
      title: The bucket policy denies requests without TLS
      bucket: example-logs
      subject: example-logs
      status: fail
      message: >-
        Bucket example-logs has no bucket policy, so requests without TLS are not denied. Expected:
        {"denies_insecure_transport": true}. Add a statement that denies s3:* ... Check with:
        aws s3api get-bucket-policy --bucket example-logs
      observed: {denies_insecure_transport: false}
      expected: {denies_insecure_transport: true}
      remediation: Add a statement that denies s3:* to everyone ...
      command: aws s3api get-bucket-policy --bucket example-logs
      iam_action: null
      security_hub: [S3.5]
      cis: [CIS AWS Foundations Benchmark v3.0.0 2.1.1, CIS AWS Foundations Benchmark v1.4.0 2.1.2]
markdown:
  description: The whole result as a Markdown report - a summary table, each bucket's checks, and the details of every finding.
  returned: always
  type: str
  sample: "# S3 logs bucket audit\n..."
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._audit import run_audit
from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._specs import log_sources_option


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", aliases=["bucket"]),
        names=dict(type="list", elements="str"),
        name_pattern=dict(type="str"),
        expect=dict(type="dict"),
        log_sources=log_sources_option(),
        iam_users=dict(type="list", elements="str", default=[]),
        iam_roles=dict(type="list", elements="str", default=[]),
        account_id=dict(type="str"),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("name", "names", "name_pattern")],
        required_one_of=[("name", "names", "name_pattern")],
        supports_check_mode=True,
    )
    run_module(module, lambda aws: run_audit(aws, module.params))


if __name__ == "__main__":
    main()
