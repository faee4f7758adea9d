# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the log_sources option."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  log_sources:
    description:
      - AWS services that deliver logs into this bucket. Each source adds its own bucket policy statements with
        fixed C(Logsafe...) Sids, limited by C(aws:SourceAccount) and, where the service sends it, C(aws:SourceArn).
      - Before any write, the bucket's default encryption is checked against what each source accepts - ALB and
        CLB access logs need SSE-S3; the other services need SSE-S3 or a customer managed KMS key whose key policy
        grants them C(kms:GenerateDataKey*) and C(kms:DescribeKey), and can never use the AWS managed key
        C(aws/s3).
    type: list
    elements: dict
    suboptions:
      type:
        description:
          - V(s3_access_logs) - S3 server access logs of O(log_sources[].source_buckets), from C(logging.s3.amazonaws.com).
          - V(alb), V(clb) - load balancer access logs, from the regional Elastic Load Balancing account (regions
            opened before August 2022) or C(logdelivery.elasticloadbalancing.amazonaws.com).
          - V(nlb), V(vpc_flow_logs), V(waf), V(cloudfront) - vended logs from C(delivery.logs.amazonaws.com). WAF
            delivers only to buckets whose name starts with C(aws-waf-logs-). CloudFront means standard logging v2.
          - V(cloudtrail) - trails, from C(cloudtrail.amazonaws.com).
          - V(config) - AWS Config delivery, from C(config.amazonaws.com), under C(AWSLogs/<account>/Config/).
        type: str
        required: true
        choices: [s3_access_logs, alb, clb, nlb, vpc_flow_logs, waf, cloudfront, cloudtrail, config]
      prefix:
        description:
          - Key prefix that the source is configured with. The services add C(AWSLogs/<account-id>/) after it
            themselves, so it must not contain C(AWSLogs).
        type: str
      source_buckets:
        description: With V(s3_access_logs), the buckets whose server access logs this bucket receives.
        type: list
        elements: str
      organization_id:
        description: With V(cloudtrail), the organization id of an organization trail, which writes under C(AWSLogs/<org-id>/).
        type: str
      trail_names:
        description: With V(cloudtrail), the trail names allowed to write; all trails of the account if not set.
        type: list
        elements: str
      legacy:
        description:
          - With V(cloudfront), V(true) means legacy standard logging, which writes with ACLs and cannot deliver to a
            bucket with ACLs disabled. It is rejected with a pointer to standard logging v2.
        type: bool
"""
