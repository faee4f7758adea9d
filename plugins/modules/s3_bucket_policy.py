#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_bucket_policy
short_description: Keep statements of an S3 bucket policy by Sid
version_added: 0.1.0
description:
  - Adds, replaces and removes statements of the policy of an existing bucket, matched by C(Sid). Statements with
    other Sids are kept unless O(purge_statements=true).
  - Ready statements with fixed Sids - C(LogsafeDenyInsecureTransport) (no request without TLS),
    C(LogsafeDenyOutdatedTls) (no TLS below a version) and one C(LogsafeS3AccessLogs...) statement per source
    bucket whose server access logs this bucket receives.
  - >-
    Policies compare by meaning - statement order, list order, a string versus a one-element list, a bare account
    id versus its root ARN, and V(*) versus V({"AWS": "*"}) are not changes.
author:
  - logsafe.aws maintainers (@logsafe)
options:
  name:
    description: Name of the bucket. It must exist.
    type: str
    required: true
    aliases: [bucket]
  state:
    description: V(present) keeps the statements, V(absent) deletes the whole policy.
    type: str
    choices: [present, absent]
    default: present
  account_id:
    description:
      - The bucket owner's account id, for the C(aws:SourceAccount) condition of delivery statements. If not set and
        O(access_log_sources) is given, one STS C(GetCallerIdentity) request reads it.
    type: str
  deny_insecure_transport:
    description:
      - V(true) adds the C(LogsafeDenyInsecureTransport) statement (deny C(s3:*) on the bucket and its objects when
        C(aws:SecureTransport) is false). V(false) removes it. If not set, it is left as it is.
    type: bool
  deny_outdated_tls:
    description:
      - V(true) adds the C(LogsafeDenyOutdatedTls) statement (deny C(s3:*) when C(s3:TlsVersion) is below
        O(minimum_tls_version)). V(false) removes it. If not set, it is left as it is.
    type: bool
  minimum_tls_version:
    description: The lowest TLS version that O(deny_outdated_tls) lets through.
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
        except those in O(break_glass_role_arns). V(false) removes it.
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
  access_log_sources:
    description:
      - Source buckets whose S3 server access logs this bucket receives. Each adds a statement that lets
        C(logging.s3.amazonaws.com) put objects under its prefix, limited by C(aws:SourceArn) and
        C(aws:SourceAccount).
    type: list
    elements: dict
    suboptions:
      bucket:
        description: Name of the source bucket.
        type: str
        required: true
      prefix:
        description: The target prefix that the source bucket's logging configuration uses.
        type: str
        default: ""
  statements:
    description:
      - Further statements, as policy statement dicts. Each needs a unique C(Sid) of letters and digits that does
        not start with C(Logsafe).
      - The module rejects, before any request, a statement that S3 rejects with C(MalformedPolicy) - an element
        outside the IAM policy grammar, an unknown condition operator, an action of a service other than S3, or a
        C(Resource) outside this bucket and its objects.
    type: list
    elements: dict
  purge_statements:
    description: Remove statements whose Sid this task does not manage. With no statement left, the policy is deleted.
    type: bool
    default: false
extends_documentation_fragment:
  - logsafe.aws.connection
  - logsafe.aws.log_sources
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
  - S3 has no conditional write for bucket policies, so two tasks that change the same policy at the same time can
    overwrite each other's statements; a later run puts them back.
"""

EXAMPLES = r"""
- name: Require TLS 1.2 or later on the logs bucket
  logsafe.aws.s3_bucket_policy:
    name: example-logs
    deny_insecure_transport: true
    deny_outdated_tls: true

- name: Let S3 deliver the access logs of example-logs to this bucket
  logsafe.aws.s3_bucket_policy:
    name: example-logs-access-logs
    deny_insecure_transport: true
    access_log_sources:
      - bucket: example-logs
        prefix: example-logs/

- name: Add a statement of your own
  logsafe.aws.s3_bucket_policy:
    name: example-logs
    statements:
      - Sid: AllowSiemRead
        Effect: Allow
        Principal:
          AWS: arn:aws:iam::111122223333:role/siem-reader
        Action: s3:GetObject
        Resource: arn:aws:s3:::example-logs/*
"""

RETURN = r"""
name:
  description: Name of the bucket.
  returned: always
  type: str
  sample: example-logs
policy:
  description: The policy C(document) after the run (predicted in check mode), or V(null) when there is no policy.
  returned: always
  type: dict
  sample: {document: {Version: "2012-10-17", Statement: [{Sid: LogsafeDenyInsecureTransport, Effect: Deny}]}}
retries:
  description: Number of requests that were retried.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.logsafe.aws.plugins.module_utils._aws import connection_argument_spec
from ansible_collections.logsafe.aws.plugins.module_utils._module import run_module
from ansible_collections.logsafe.aws.plugins.module_utils._specs import policy_options
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import run_bucket_plan, single_concern_result

POLICY_KEYS = (*tuple(policy_options(access_log_sources=True)), "state")


def run(module, aws):
    params = module.params
    options = {key: params[key] for key in POLICY_KEYS}
    plan = run_bucket_plan(aws, params["name"], {"policy": options}, module.check_mode, module.warn)
    return single_concern_result(plan, "policy", module._diff)


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True, aliases=["bucket"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        account_id=dict(type="str"),
    )
    argument_spec.update(policy_options(access_log_sources=True))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda aws: run(module, aws))


if __name__ == "__main__":
    main()
