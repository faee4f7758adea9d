#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_logs_bucket_info
short_description: Read every setting of one S3 logs bucket, and compare it with expected settings
version_added: 0.1.0
description:
  - Reads the existence, region, versioning, tags, public access block, ownership controls, default encryption
    (with the KMS key's state and aliases), lifecycle rules, access logging and bucket policy of one bucket, and
    whether the caller can list its objects. It never writes.
  - The "not configured" answers of S3 (no policy, no lifecycle configuration, and so on) are reported as
    V(null) states, not as errors.
  - A read that is denied is reported in RV(read_errors) and as a warning naming the IAM action to grant;
    the other reads still run.
  - With O(expect), each expected setting is compared with what the bucket has, using the same comparison as
    M(logsafe.aws.s3_logs_bucket), and the result is in RV(expectations).
  - It never lists all buckets of the account.
author:
  - logsafe.aws maintainers (@logsafe)
options:
  name:
    description: Name of the bucket.
    type: str
    required: true
    aliases: [bucket]
  expect:
    description:
      - Settings to compare the bucket with, in the same form as the options of M(logsafe.aws.s3_logs_bucket) -
        C(versioning), C(tags), C(purge_tags), C(object_ownership), C(public_access_block), C(encryption),
        C(lifecycle), C(policy) and C(access_logging) (without C(manage_target) and C(target_lifecycle_rules)).
      - Lifecycle rules and policy statements compare like the module applies them - the expected rules or
        statements must be present and equal, and others are ignored unless C(purge_rules) or
        C(purge_statements) is true.
    type: dict
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
"""

EXAMPLES = r"""
- name: Read a bucket's settings
  logsafe.aws.s3_logs_bucket_info:
    name: example-logs
  register: logs_bucket

- name: Compare a bucket with the settings it should have
  logsafe.aws.s3_logs_bucket_info:
    name: example-logs
    expect:
      encryption:
        sse_algorithm: aws:kms
        kms_key: alias/logs
      access_logging:
        target_bucket: example-logs-access-logs
        target_prefix: example-logs/
  register: logs_bucket

- name: Fail when the encryption differs
  ansible.builtin.assert:
    that: logs_bucket.expectations.encryption.matches
    fail_msg: "Encryption differs: {{ logs_bucket.expectations.encryption.actual }}"
"""

RETURN = r"""
name:
  description: Name of the bucket.
  returned: always
  type: str
  sample: example-logs
exists:
  description: Whether the bucket exists. When it does not, every setting is V(null).
  returned: always
  type: bool
  sample: true
region:
  description: Region of the bucket, from the C(x-amz-bucket-region) header of HeadBucket.
  returned: always
  type: str
  sample: eu-west-1
versioning:
  description: Versioning status (V(Enabled), V(Suspended), or V(null) when never enabled) and MFA delete.
  returned: always
  type: dict
  sample: {status: Enabled, mfa_delete: null}
tags:
  description: Tags of the bucket.
  returned: always
  type: dict
  sample: {team: security}
public_access_block:
  description: The four flags of the bucket-level public access block, or V(null) when none is set.
  returned: always
  type: dict
  sample: {block_public_acls: true, ignore_public_acls: true, block_public_policy: true, restrict_public_buckets: true}
ownership_controls:
  description:
    - Object ownership setting, or V(null) when none is set. C(acl_grants) is V([]) with V(BucketOwnerEnforced), where
      ACLs are disabled, and V(null) otherwise, because this module does not read the ACL.
  returned: always
  type: dict
  sample: {object_ownership: BucketOwnerEnforced, acl_grants: []}
encryption:
  description:
    - Default encryption, or V(null) when none is set. C(kms_key) is the key as stored, V(null) for the AWS
      managed key. C(kms_key_details) has the key's C(arn), C(key_id), C(aliases), C(key_state), C(key_manager)
      and C(aws_managed); it is V(null) for SSE-S3.
  returned: always
  type: dict
  sample:
    sse_algorithm: "aws:kms"
    kms_key: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    bucket_key_enabled: true
    kms_key_details:
      arn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      key_id: 1234abcd-12ab-34cd-56ef-1234567890ab
      aliases: [alias/logs]
      key_state: Enabled
      key_manager: CUSTOMER
      aws_managed: false
lifecycle:
  description: Lifecycle rules in the option form of M(logsafe.aws.s3_logs_bucket), or V(null) when none is set.
  returned: always
  type: dict
  sample:
    rules:
      - id: logs-retention
        status: enabled
        filter: {}
        expiration: {days: 365}
    transition_default_minimum_object_size: all_storage_classes_128K
logging:
  description: Server access logging.
  returned: always
  type: dict
  sample: {enabled: true, target_bucket: example-logs-access-logs, target_prefix: example-logs/, target_object_key_format: null}
policy:
  description:
    - The bucket policy C(document), or V(null) when there is none, and C(denies_insecure_transport), true when
      a statement denies every request without TLS on the bucket and its objects.
  returned: always
  type: dict
  sample: {document: {Version: "2012-10-17", Statement: []}, denies_insecure_transport: false}
list_objects:
  description: Whether the caller may list the bucket's objects (ListObjectsV2 with one key), and the error if not.
  returned: always
  type: dict
  sample: {allowed: true, error: null}
read_errors:
  description: Settings whose read failed for lack of permission, with the message naming the IAM action.
  returned: always
  type: dict
  sample:
    policy: >-
      Failed to read the bucket policy on bucket example-logs: Access Denied (AccessDenied, GetBucketPolicy).
      Grant s3:GetBucketPolicy to the caller.
expectations:
  description:
    - One entry per setting in O(expect), with C(matches), the C(expected) and C(actual) states, and C(error)
      when the setting could not be read.
  returned: always
  type: dict
  sample:
    encryption: {matches: true, expected: {sse_algorithm: "aws:kms"}, actual: {sse_algorithm: "aws:kms"}, error: null}
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._bucket_info import read_bucket_info
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True, aliases=["bucket"]),
        expect=dict(type="dict"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda aws: read_bucket_info(aws, module.params["name"], module.params["expect"], module.warn))


if __name__ == "__main__":
    main()
