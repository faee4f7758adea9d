# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS services that deliver logs into a bucket: their bucket-policy grants and the encryption each accepts.

Buckets with ACLs disabled (the default since April 2023) can receive logs only
through bucket-policy grants, so each source here adds its own statements with
stable Sids, scoped by ``aws:SourceAccount`` and, where the service sends it,
``aws:SourceArn``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._elb_accounts import elb_principal
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    S3_LOGGING_PRINCIPAL,
    s3_access_logs_statement,
)

VENDED_LOGS_PRINCIPAL = "delivery.logs.amazonaws.com"
CLOUDTRAIL_PRINCIPAL = "cloudtrail.amazonaws.com"
CONFIG_PRINCIPAL = "config.amazonaws.com"

# Sources delivered through CloudWatch Logs vended-logs delivery.
VENDED_SOURCES = ("nlb", "vpc_flow_logs", "waf", "cloudfront")
LOG_SOURCE_TYPES = ("s3_access_logs", "alb", "clb", *VENDED_SOURCES, "cloudtrail", "config")
WAF_BUCKET_PREFIX = "aws-waf-logs-"

# Keys each source type accepts besides "type".
SOURCE_KEYS = {
    "s3_access_logs": ("source_buckets", "prefix"),
    "alb": ("prefix",),
    "clb": ("prefix",),
    "nlb": ("prefix",),
    "vpc_flow_logs": ("prefix",),
    "waf": ("prefix",),
    "cloudfront": ("prefix", "legacy"),
    "cloudtrail": ("prefix", "organization_id", "trail_names"),
    "config": ("prefix",),
}

# Services whose logs S3 writes with a KMS key only if the key policy lets the service use it.
KEY_GRANT_SERVICES = {
    "s3_access_logs": S3_LOGGING_PRINCIPAL,
    "nlb": VENDED_LOGS_PRINCIPAL,
    "vpc_flow_logs": VENDED_LOGS_PRINCIPAL,
    "waf": VENDED_LOGS_PRINCIPAL,
    "cloudfront": VENDED_LOGS_PRINCIPAL,
    "cloudtrail": CLOUDTRAIL_PRINCIPAL,
    "config": CONFIG_PRINCIPAL,
}
KEY_GRANT_ACTIONS = ["kms:GenerateDataKey*", "kms:DescribeKey"]
# ALB and CLB access logs can be written only with SSE-S3.
SSE_S3_ONLY = ("alb", "clb")


def _prefix(source: Dict[str, Any]) -> str:
    prefix = source.get("prefix") or ""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return prefix


def validate_log_sources(sources: List[Dict[str, Any]], bucket: str) -> None:
    """Reject sources that cannot deliver into this bucket, before any request."""
    seen = set()
    for index, source in enumerate(sources):
        kind = source.get("type")
        where = f"log source #{index + 1} ({kind}) of bucket {bucket}"
        if kind not in LOG_SOURCE_TYPES:
            raise ValidationError(
                f"Invalid type {kind!r} in log source #{index + 1} of bucket {bucket}: use one of {', '.join(LOG_SOURCE_TYPES)}."
            )
        unknown = sorted(set(source) - {"type", *SOURCE_KEYS[kind]})
        unknown = [key for key in unknown if source.get(key) is not None]
        if unknown:
            raise ValidationError(
                f"Invalid option {', '.join(unknown)} in {where}: a {kind} source takes {', '.join(SOURCE_KEYS[kind])}."
            )
        prefix = source.get("prefix") or ""
        if prefix.startswith("/") or "//" in prefix:
            raise ValidationError(f"Invalid prefix '{prefix}' in {where}: give a key prefix without a leading slash.")
        if "AWSLogs" in prefix and kind != "s3_access_logs":
            raise ValidationError(
                f"Invalid prefix '{prefix}' in {where}: the service adds AWSLogs/<account-id>/ after the prefix "
                "itself. Remove AWSLogs from the prefix."
            )
        if kind == "s3_access_logs":
            buckets = source.get("source_buckets") or []
            if not buckets:
                raise ValidationError(
                    f"Missing source_buckets in {where}: list the buckets whose access logs it receives."
                )
            if bucket in buckets:
                raise ValidationError(
                    f"Bucket {bucket} cannot receive its own server access logs ({where}): a bucket that logs into "
                    "itself writes a log object for every log delivery. Send them to a separate bucket."
                )
        if kind == "waf" and not bucket.startswith(WAF_BUCKET_PREFIX):
            raise ValidationError(
                f"Bucket {bucket} cannot receive AWS WAF logs: WAF delivers only to buckets whose name starts with "
                f"'{WAF_BUCKET_PREFIX}'. Use a bucket named {WAF_BUCKET_PREFIX}..., or remove the waf source."
            )
        if kind == "cloudfront" and source.get("legacy"):
            raise ValidationError(
                f"Legacy CloudFront standard logging cannot deliver to bucket {bucket}: it writes with ACLs, which "
                "buckets with ACLs disabled (BucketOwnerEnforced) reject. Use CloudFront standard logging v2, which "
                "delivers through CloudWatch Logs, and keep the cloudfront source without legacy."
            )
        identity = (kind, prefix, tuple(source.get("source_buckets") or ()))
        if identity in seen:
            raise ValidationError(f"Duplicate {where}: list each source once.")
        seen.add(identity)


def check_encryption(sources: List[Dict[str, Any]], encryption: Optional[Dict[str, Any]], bucket: str) -> List[str]:
    """Reject default encryption that a source cannot write with; return warnings for keys that need a key-policy grant.

    ``encryption`` is ``{"sse_algorithm", "kms_key"}`` (``kms_key`` None for
    the AWS managed key), or None for a bucket without default encryption.
    """
    if not sources or not encryption:
        return []
    algorithm = encryption.get("sse_algorithm") or "aws:kms"
    kinds = sorted({source["type"] for source in sources})
    if algorithm == "AES256":
        return []
    sse_s3_only = [kind for kind in kinds if kind in SSE_S3_ONLY]
    if sse_s3_only:
        raise ValidationError(
            f"Bucket {bucket} cannot receive {' and '.join(kind.upper() for kind in sse_s3_only)} access logs with "
            f"default encryption {algorithm}: Elastic Load Balancing writes access logs only to buckets encrypted with "
            "SSE-S3. Set the encryption to AES256 (logs_bucket_sse_algorithm: AES256 in the role), or send the load "
            "balancer logs to another bucket."
        )
    services = [kind for kind in kinds if kind in KEY_GRANT_SERVICES]
    if services and not encryption.get("kms_key"):
        raise ValidationError(
            f"Bucket {bucket} is encrypted with the AWS managed key aws/s3, which no AWS service can be granted, so "
            f"{', '.join(services)} logs would never arrive. Either set the encryption to SSE-S3 (AES256), or use a "
            f"customer managed key whose key policy grants {', '.join(KEY_GRANT_ACTIONS)} to "
            f"{', '.join(sorted({KEY_GRANT_SERVICES[kind] for kind in services}))}."
        )
    return [
        f"Bucket {bucket} uses KMS key {encryption.get('kms_key')}: its key policy must grant "
        f"{', '.join(KEY_GRANT_ACTIONS)} to {KEY_GRANT_SERVICES[kind]} for {kind} logs to arrive."
        for kind in services
    ]


def required_key_grants(sources: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Return the grants a customer KMS key's policy needs for these sources, one per service principal."""
    services = sorted(
        {KEY_GRANT_SERVICES[source["type"]] for source in sources if source["type"] in KEY_GRANT_SERVICES}
    )
    return [{"service": service, "actions": list(KEY_GRANT_ACTIONS)} for service in services]


def log_source_statements(
    sources: List[Dict[str, Any]], bucket_arn: str, account_id: str, region: str, partition: str = "aws"
) -> List[Dict[str, Any]]:
    """Build the bucket policy statements that let the sources deliver, each with a stable Sid."""
    statements: List[Dict[str, Any]] = []
    vended_prefixes: List[str] = []
    for source in sources:
        kind = source["type"]
        prefix = _prefix(source)
        if kind == "s3_access_logs":
            for source_bucket in source["source_buckets"]:
                statements.append(s3_access_logs_statement(bucket_arn, prefix, source_bucket, account_id, partition))
        elif kind in ("alb", "clb"):
            statements.append(
                {
                    "Sid": f"Logsafe{kind.capitalize()}AccessLogs",
                    "Effect": "Allow",
                    "Principal": elb_principal(region, partition),
                    "Action": "s3:PutObject",
                    "Resource": f"{bucket_arn}/{prefix}AWSLogs/{account_id}/*",
                }
            )
        elif kind in VENDED_SOURCES:
            vended_prefixes.append(prefix)
        elif kind == "cloudtrail":
            statements.extend(_cloudtrail_statements(source, bucket_arn, account_id, partition))
        elif kind == "config":
            statements.extend(_config_statements(prefix, bucket_arn, account_id))
    if vended_prefixes:
        statements.extend(_vended_statements(sorted(set(vended_prefixes)), bucket_arn, account_id, region, partition))
    return statements


def _vended_statements(
    prefixes: List[str], bucket_arn: str, account_id: str, region: str, partition: str
) -> List[Dict[str, Any]]:
    source_arn = f"arn:{partition}:logs:{region}:{account_id}:*"
    return [
        {
            "Sid": "LogsafeVendedLogsWrite",
            "Effect": "Allow",
            "Principal": {"Service": VENDED_LOGS_PRINCIPAL},
            "Action": "s3:PutObject",
            "Resource": [f"{bucket_arn}/{prefix}AWSLogs/{account_id}/*" for prefix in prefixes],
            "Condition": {
                "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": source_arn},
            },
        },
        {
            "Sid": "LogsafeVendedLogsAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": VENDED_LOGS_PRINCIPAL},
            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
            "Resource": bucket_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}, "ArnLike": {"aws:SourceArn": source_arn}},
        },
    ]


def _cloudtrail_statements(
    source: Dict[str, Any], bucket_arn: str, account_id: str, partition: str
) -> List[Dict[str, Any]]:
    prefix = _prefix(source)
    trails = source.get("trail_names") or ["*"]
    trail_arns = [f"arn:{partition}:cloudtrail:*:{account_id}:trail/{name}" for name in trails]
    resources = [f"{bucket_arn}/{prefix}AWSLogs/{account_id}/*"]
    if source.get("organization_id"):
        resources.append(f"{bucket_arn}/{prefix}AWSLogs/{source['organization_id']}/*")
    condition = {"StringEquals": {"aws:SourceAccount": account_id}, "ArnLike": {"aws:SourceArn": trail_arns}}
    return [
        {
            "Sid": "LogsafeCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL_PRINCIPAL},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": condition,
        },
        {
            "Sid": "LogsafeCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL_PRINCIPAL},
            "Action": "s3:PutObject",
            "Resource": resources,
            "Condition": {
                "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": trail_arns},
            },
        },
    ]


def _config_statements(prefix: str, bucket_arn: str, account_id: str) -> List[Dict[str, Any]]:
    condition = {"StringEquals": {"aws:SourceAccount": account_id}}
    return [
        {
            "Sid": "LogsafeConfigAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": CONFIG_PRINCIPAL},
            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
            "Resource": bucket_arn,
            "Condition": condition,
        },
        {
            "Sid": "LogsafeConfigWrite",
            "Effect": "Allow",
            "Principal": {"Service": CONFIG_PRINCIPAL},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/{prefix}AWSLogs/{account_id}/Config/*",
            "Condition": {
                "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account_id}
            },
        },
    ]
