"""Bad input: each case fails before any write, with a message that names the option or value and the fix.

Module cases run the module's main() in this process against the moto server
(the argument spec, validation and first requests are the same as under
ansible-playbook, without its start-up time per case). A subset runs again
through ansible-playbook in one playbook, each case in its own block and
rescue, and the role's cases run through the role the same way. For each
case the request log of moto must show no write; option errors that need
no AWS state must send no request at all.

moto accepts much of this input (lifecycle rules, an AES256 key, malformed
policies), so for those cases the empty request log is what shows that the
module rejected the input itself.
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

import pytest
from ansible.release import __version__ as ansible_core_version

from integration.helpers import REGION
from integration.in_process import run_in_process, warning_texts

OTHER_REGION_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_REGION_ALIAS = "arn:aws:kms:eu-west-1:123456789012:alias/logs"

# From 2.18.0 on, ansible-core's error for a str given to an int option names
# the value (... unable to convert to int: "'thirty'" cannot be converted to an
# int). 2.16 and 2.17 name only the type (<class 'str'> cannot be converted to
# an int). Checked on 2.16.19, 2.17.14, 2.18.0, 2.19.14 and 2.21.5.
TYPE_ERROR_NAMES_VALUE = tuple(int(part) for part in ansible_core_version.split(".")[:2]) >= (2, 18)

# How much traffic a rejected case may cause: "none" for option errors that need no AWS state,
# "reads" for checks that need the current state first (a policy over 20 KB after merging).
NO_REQUEST = "none"
READS_ONLY = "reads"


# ansible-core 2.19 reports "dictionary requested, could not parse JSON or key=value"
# for a string given to a dict option with suboptions, without the option's name.
UNNAMED_BY_ANSIBLE = pytest.mark.xfail(
    reason="ansible-core's message for a non-dict value of a dict option with suboptions omits the option name",
    strict=False,
)


def case(case_id: str, module: str, args: dict, fragments: list[str], traffic: str = NO_REQUEST, marks=()):
    """Build one table row: the module (short name), its arguments, and the texts the failure message must contain."""
    return pytest.param(module, args, fragments, traffic, id=case_id, marks=marks)


def rule(**fields: Any) -> dict:
    """Build one lifecycle rule in the option shape, with the id "logs"."""
    return {"id": "logs", **fields}


def lifecycle(*rules: dict) -> dict:
    return {"lifecycle": {"rules": list(rules)}}


def statement(sid: str = "AuditRead", **fields: Any) -> dict:
    base = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::{bucket}/*",
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def many_statements(count: int) -> list[dict]:
    return [statement(f"Reader{index:04d}", Principal={"AWS": f"arn:aws:iam::{100000000000 + index}:root"})
            for index in range(count)]


# A tuple of module name, arguments and message fragments per case. "{bucket}" in a
# string stands for the case's own bucket name.
MODULE_CASES = [
    # Bucket names
    case("name-too-short", "s3_logs_bucket", {"name": "ab"}, ["'ab'", "3 to 63 characters", "naming rules"]),
    case("name-too-long", "s3_logs_bucket", {"name": "a" * 64}, ["64 characters", "3 to 63", "naming rules"]),
    case("name-uppercase", "s3_logs_bucket", {"name": "Example-Logs"}, ["'Example-Logs'", "lowercase", "naming rules"]),
    case("name-underscore", "s3_bucket", {"name": "example_logs"}, ["'example_logs'", "lowercase letters, digits", "naming rules"]),
    case("name-leading-hyphen", "s3_bucket", {"name": "-example-logs"}, ["'-example-logs'", "begin and end", "naming rules"]),
    case("name-trailing-dot", "s3_bucket", {"name": "example-logs."}, ["'example-logs.'", "begin and end", "naming rules"]),
    case("name-adjacent-dots", "s3_bucket", {"name": "example..logs"}, ["'example..logs'", "two adjacent dots"]),
    case("name-ip-address", "s3_logs_bucket", {"name": "192.168.5.4"}, ["'192.168.5.4'", "IP address"]),
    case("name-xn-prefix", "s3_logs_bucket", {"name": "xn--example-logs"}, ["'xn--example-logs'", "prefix 'xn--' is reserved"]),
    case("name-sthree-prefix", "s3_bucket", {"name": "sthree-logs"}, ["'sthree-logs'", "prefix 'sthree-' is reserved"]),
    case("name-s3alias-suffix", "s3_logs_bucket", {"name": "example-logs-s3alias"},
         ["'example-logs-s3alias'", "suffix '-s3alias' is reserved"]),
    case("name-ol-s3-suffix", "s3_bucket", {"name": "example-logs--ol-s3"}, ["suffix '--ol-s3' is reserved"]),
    case("name-express-suffix", "s3_bucket", {"name": "example-logs--x-s3"}, ["suffix '--x-s3' is reserved"]),
    case("name-empty", "s3_logs_bucket", {"name": ""}, ["Invalid bucket name ''", "in name", "naming rules"]),
    case("name-target-invalid", "s3_logs_bucket",
         {"access_logging": {"target_bucket": "Access_Logs", "manage_target": True}},
         ["'Access_Logs'", "access_logging.target_bucket", "naming rules"]),
    case("name-unmanaged-target-invalid", "s3_logs_bucket", {"access_logging": {"target_bucket": "Access_Logs"}},
         ["'Access_Logs'", "access_logging.target_bucket", "naming rules"]),
    case("name-unmanaged-target-without-grant-invalid", "s3_logs_bucket",
         {"access_logging": {"target_bucket": "Access_Logs", "grant_delivery": False}},
         ["'Access_Logs'", "access_logging.target_bucket", "naming rules"]),
    case("name-logging-target-invalid", "s3_bucket_logging", {"target_bucket": "Access_Logs"},
         ["'Access_Logs'", "in target_bucket", "naming rules"]),
    case("name-single-module-invalid", "s3_bucket_policy", {"name": "Example_Logs", "deny_insecure_transport": True},
         ["'Example_Logs'", "naming rules"]),
    # Storage classes
    case("storage-class-unknown", "s3_logs_bucket",
         lifecycle(rule(transitions=[{"days": 30, "storage_class": "GLACIER_FLEXIBLE"}])),
         ["storage_class", "GLACIER_FLEXIBLE", "STANDARD_IA", "DEEP_ARCHIVE"]),
    case("storage-class-lowercase", "s3_bucket_lifecycle",
         {"rules": [rule(transitions=[{"days": 30, "storage_class": "glacier"}])]},
         ["storage_class", "glacier", "GLACIER"]),
    case("storage-class-standard", "s3_bucket_lifecycle",
         {"rules": [rule(noncurrent_version_transitions=[{"noncurrent_days": 30, "storage_class": "STANDARD"}])]},
         ["storage_class", "STANDARD", "STANDARD_IA"]),
    # Lifecycle rules that AWS rejects
    case("rule-ia-under-30-days", "s3_logs_bucket",
         lifecycle(rule(transitions=[{"days": 10, "storage_class": "STANDARD_IA"}])),
         ["'logs'", "STANDARD_IA after 10 days", "Set days to 30 or more"]),
    case("rule-onezone-ia-under-30-days", "s3_bucket_lifecycle",
         {"rules": [rule(transitions=[{"days": 29, "storage_class": "ONEZONE_IA"}])]},
         ["ONEZONE_IA after 29 days", "Set days to 30 or more"]),
    case("rule-noncurrent-ia-under-30-days", "s3_bucket_lifecycle",
         {"rules": [rule(noncurrent_version_transitions=[{"noncurrent_days": 7, "storage_class": "STANDARD_IA"}])]},
         ["7 noncurrent days", "Set noncurrent_days to 30 or more"]),
    case("rule-glacier-too-soon-after-ia", "s3_logs_bucket",
         lifecycle(rule(transitions=[{"days": 30, "storage_class": "STANDARD_IA"}, {"days": 40, "storage_class": "GLACIER"}])),
         ["GLACIER after 40 days", "at least 30 days", "Set days of the GLACIER transition to 60 or more"]),
    case("rule-expiration-before-transition", "s3_logs_bucket",
         lifecycle(rule(transitions=[{"days": 90, "storage_class": "GLACIER"}], expiration={"days": 60})),
         ["expiration after 60 days", "GLACIER after 90 days", "Set expiration.days to 91 or more"]),
    case("rule-expiration-same-day-as-transition", "s3_bucket_lifecycle",
         {"rules": [rule(transitions=[{"days": 90, "storage_class": "GLACIER"}], expiration={"days": 90})]},
         ["expiration after 90 days", "Set expiration.days to 91 or more"]),
    case("rule-noncurrent-expiration-before-transition", "s3_bucket_lifecycle",
         {"rules": [rule(noncurrent_version_transitions=[{"noncurrent_days": 60, "storage_class": "GLACIER"}],
                         noncurrent_version_expiration={"noncurrent_days": 30})]},
         ["30 noncurrent days", "Set noncurrent_version_expiration.noncurrent_days to 61 or more"]),
    case("rule-days-and-dates-mixed", "s3_logs_bucket",
         lifecycle(rule(transitions=[{"days": 30, "storage_class": "STANDARD_IA"}], expiration={"date": "2030-01-01"})),
         ["uses days (30)", "date (2030-01-01)", "Use days for all transitions"]),
    case("rule-transition-days-and-date", "s3_bucket_lifecycle",
         {"rules": [rule(transitions=[{"days": 30, "date": "2030-01-01", "storage_class": "GLACIER"}])]},
         ["both days (30) and date (2030-01-01)", "Set either days or date"]),
    case("rule-transition-without-time", "s3_bucket_lifecycle",
         {"rules": [rule(transitions=[{"storage_class": "GLACIER"}])]},
         ["neither days nor date", "Set days or date"]),
    case("rule-expiration-days-and-date", "s3_bucket_lifecycle",
         {"rules": [rule(expiration={"days": 30, "date": "2030-01-01"})]},
         ["both days (30) and date (2030-01-01)", "Set either days or date"]),
    case("rule-expiration-zero-days", "s3_logs_bucket", lifecycle(rule(expiration={"days": 0})),
         ["expiration.days is 0", "Set expiration.days to 1 or more"]),
    case("rule-delete-marker-with-days", "s3_bucket_lifecycle",
         {"rules": [rule(expiration={"days": 30, "expired_object_delete_marker": True})]},
         ["expired_object_delete_marker", "days (30)", "rule of its own"]),
    case("rule-delete-marker-with-tags", "s3_bucket_lifecycle",
         {"rules": [rule(filter={"tags": {"class": "audit"}}, expiration={"expired_object_delete_marker": True})]},
         ["expired_object_delete_marker", "tag filter", "class=audit", "Remove the tags"]),
    case("rule-abort-with-tags", "s3_bucket_lifecycle",
         {"rules": [rule(filter={"tags": {"class": "audit"}}, abort_incomplete_multipart_upload={"days_after_initiation": 7})]},
         ["abort_incomplete_multipart_upload", "tag filter", "Remove the tags"]),
    case("rule-abort-zero-days", "s3_logs_bucket",
         lifecycle(rule(abort_incomplete_multipart_upload={"days_after_initiation": 0})),
         ["days_after_initiation is 0", "Set abort_incomplete_multipart_upload.days_after_initiation to 1 or more"]),
    case("rule-noncurrent-expiration-zero", "s3_bucket_lifecycle",
         {"rules": [rule(noncurrent_version_expiration={"noncurrent_days": 0})]},
         ["noncurrent_days is 0", "to 1 or more"]),
    case("rule-newer-noncurrent-versions-zero", "s3_bucket_lifecycle",
         {"rules": [rule(noncurrent_version_expiration={"noncurrent_days": 30, "newer_noncurrent_versions": 0})]},
         ["newer_noncurrent_versions 0", "1 to 100"]),
    case("rule-newer-noncurrent-versions-over-100", "s3_logs_bucket",
         lifecycle(rule(noncurrent_version_transitions=[
             {"noncurrent_days": 30, "storage_class": "GLACIER", "newer_noncurrent_versions": 101}])),
         ["newer_noncurrent_versions 101", "1 to 100"]),
    case("rule-negative-days", "s3_bucket_lifecycle",
         {"rules": [rule(transitions=[{"days": -1, "storage_class": "GLACIER"}])]},
         ["negative days (-1)", "Set days to 0 or more"]),
    case("rule-same-storage-class-twice", "s3_bucket_lifecycle",
         {"rules": [rule(transitions=[{"days": 90, "storage_class": "GLACIER"}, {"days": 180, "storage_class": "GLACIER"}])]},
         ["same storage class", "one transition per storage class"]),
    case("rule-storage-class-order", "s3_logs_bucket",
         lifecycle(rule(transitions=[{"days": 30, "storage_class": "GLACIER"}, {"days": 90, "storage_class": "STANDARD_IA"}])),
         ["STANDARD_IA after 90 days comes after the transition to GLACIER", "Transition to STANDARD_IA before GLACIER"]),
    case("rule-size-filter-empty-range", "s3_bucket_lifecycle",
         {"rules": [rule(filter={"object_size_greater_than": 1000, "object_size_less_than": 1000},
                         expiration={"days": 30})]},
         ["object_size_greater_than (1000 bytes)", "object_size_less_than (1000 bytes)", "Set object_size_greater_than below"]),
    case("rule-size-filter-negative", "s3_bucket_lifecycle",
         {"rules": [rule(filter={"object_size_less_than": -5}, expiration={"days": 30})]},
         ["object_size_less_than is -5", "Set filter.object_size_less_than to 0 or more"]),
    case("rule-id-too-long", "s3_logs_bucket", lifecycle({"id": "r" * 256, "expiration": {"days": 30}}),
         ["256 characters long", "Shorten the id to 255"]),
    case("rule-duplicate-ids", "s3_logs_bucket",
         lifecycle({"id": "same", "expiration": {"days": 30}}, {"id": "same", "expiration": {"days": 60}}),
         ["'same'", "rule number 2", "already used by rule number 1", "unique id"]),
    case("rule-without-action", "s3_logs_bucket", lifecycle({"id": "nothing"}),
         ["'nothing'", "no action", "Set at least one of transitions, expiration"]),
    case("rule-filter-only", "s3_bucket_lifecycle", {"rules": [rule(filter={"prefix": "app/"})]},
         ["no action", "Set at least one of"]),
    case("rule-empty-expiration", "s3_bucket_lifecycle", {"rules": [rule(expiration={})]},
         ["expiration sets none of days, date and expired_object_delete_marker", "Set one of them"]),
    case("rule-tag-key-too-long", "s3_bucket_lifecycle",
         {"rules": [rule(filter={"tags": {"k" * 129: "v"}}, expiration={"days": 30})]},
         ["129 characters long", "1 to 128"]),
    case("rule-date-invalid", "s3_bucket_lifecycle", {"rules": [rule(expiration={"date": "2030-13-01"})]},
         ["2030-13-01", "YYYY-MM-DD"]),
    case("rule-missing-id", "s3_logs_bucket", lifecycle({"expiration": {"days": 30}}),
         ["missing required arguments: id", "lifecycle -> rules"]),
    case("rule-status-invalid", "s3_bucket_lifecycle", {"rules": [rule(status="on", expiration={"days": 30})]},
         ["status", "enabled, disabled", "got: on"]),
    case("rule-over-1000", "s3_bucket_lifecycle",
         {"rules": [{"id": f"rule-{index}", "expiration": {"days": 30}} for index in range(1001)]},
         ["1001 rules", "maximum of 1000"]),
    case("rule-target-lifecycle-invalid", "s3_logs_bucket",
         {"access_logging": {"target_bucket": "{bucket}-al", "manage_target": True,
                             "target_lifecycle_rules": [rule(transitions=[{"days": 10, "storage_class": "STANDARD_IA"}])]}},
         ["{bucket}-al", "STANDARD_IA after 10 days", "Set days to 30 or more"]),
    case("rule-empty", "s3_bucket_lifecycle", {"rules": [{}]}, ["missing required arguments: id", "rules"]),
    # Encryption and KMS keys
    case("kms-key-malformed", "s3_logs_bucket", {"encryption": {"kms_key": "logs-key"}},
         ["kms_key 'logs-key'", "key id, a key ARN, an alias name"]),
    case("kms-key-arn-bad-id", "s3_bucket_encryption",
         {"kms_key": "arn:aws:kms:us-east-1:123456789012:key/not-a-key-id"},
         ["not-a-key-id", "key id, a key ARN"]),
    case("kms-key-other-region", "s3_logs_bucket", {"encryption": {"kms_key": OTHER_REGION_KEY}},
         ["eu-west-1", REGION, "key in the bucket's region"]),
    case("kms-alias-other-region", "s3_bucket_encryption", {"kms_key": OTHER_REGION_ALIAS},
         ["eu-west-1", "key in the bucket's region"]),
    case("aes256-with-key", "s3_logs_bucket", {"encryption": {"sse_algorithm": "AES256", "kms_key": "alias/logs"}},
         ["kms_key 'alias/logs'", "AES256", "Remove kms_key"]),
    case("aes256-with-bucket-key", "s3_bucket_encryption", {"sse_algorithm": "AES256", "bucket_key_enabled": True},
         ["bucket_key_enabled is true with sse_algorithm AES256", "Set bucket_key_enabled to false"]),
    case("dsse-with-bucket-key", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "aws:kms:dsse", "bucket_key_enabled": True}},
         ["DSSE-KMS", "Set bucket_key_enabled to false"]),
    case("sse-algorithm-unknown", "s3_logs_bucket", {"encryption": {"sse_algorithm": "aws:kms:rsa"}},
         ["sse_algorithm", "aws:kms:rsa", "aws:kms, AES256, aws:kms:dsse"]),
    # Log sources
    case("alb-prefix-awslogs", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "AES256"}, "log_sources": [{"type": "alb", "prefix": "lb/AWSLogs/"}]},
         ["'lb/AWSLogs/'", "Remove AWSLogs from the prefix"]),
    case("cloudtrail-prefix-awslogs", "s3_bucket_policy",
         {"log_sources": [{"type": "cloudtrail", "prefix": "AWSLogs"}]},
         ["'AWSLogs'", "Remove AWSLogs from the prefix"]),
    case("waf-bucket-name", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "AES256"}, "log_sources": [{"type": "waf"}]},
         ["WAF", "'aws-waf-logs-'", "Use a bucket named aws-waf-logs-"]),
    case("cloudfront-legacy", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "AES256"}, "log_sources": [{"type": "cloudfront", "legacy": True}]},
         ["Legacy CloudFront", "ACLs", "standard logging v2"]),
    case("alb-with-kms", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "aws:kms"}, "log_sources": [{"type": "alb"}]},
         ["ALB", "aws:kms", "SSE-S3", "AES256"]),
    case("clb-with-customer-key", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "aws:kms", "kms_key": "alias/logs"}, "log_sources": [{"type": "clb"}]},
         ["CLB", "SSE-S3", "AES256"]),
    case("vpc-flow-logs-managed-key", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "aws:kms"}, "log_sources": [{"type": "vpc_flow_logs"}]},
         ["aws/s3", "vpc_flow_logs", "SSE-S3 (AES256)", "customer managed key"]),
    case("s3-access-logs-without-sources", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "AES256"}, "log_sources": [{"type": "s3_access_logs"}]},
         ["Missing source_buckets", "list the buckets"]),
    case("s3-access-logs-from-itself", "s3_bucket_policy",
         {"log_sources": [{"type": "s3_access_logs", "source_buckets": ["{bucket}"]}]},
         ["{bucket}", "its own server access logs", "separate bucket"]),
    case("log-source-foreign-key", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "AES256"}, "log_sources": [{"type": "alb", "source_buckets": ["app-data"]}]},
         ["source_buckets", "alb source takes prefix"]),
    case("log-source-leading-slash", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "AES256"}, "log_sources": [{"type": "config", "prefix": "/config"}]},
         ["'/config'", "without a leading slash"]),
    case("log-source-duplicate", "s3_logs_bucket",
         {"encryption": {"sse_algorithm": "AES256"}, "log_sources": [{"type": "cloudtrail"}, {"type": "cloudtrail"}]},
         ["Duplicate", "cloudtrail", "list each source once"]),
    case("log-source-unknown-type", "s3_logs_bucket", {"log_sources": [{"type": "guardduty"}]},
         ["type", "guardduty", "s3_access_logs", "cloudtrail"]),
    # Access logging
    case("logging-target-is-source", "s3_logs_bucket", {"access_logging": {"target_bucket": "{bucket}"}},
         ["access_logging.target_bucket '{bucket}'", "Use a separate bucket"]),
    case("logging-target-is-source-single-module", "s3_bucket_logging", {"target_bucket": "{bucket}"},
         ["target_bucket '{bucket}'", "Use a separate bucket"]),
    case("logging-target-missing", "s3_logs_bucket", {"access_logging": {"target_prefix": "logs/"}},
         ["Missing access_logging.target_bucket", "set access_logging.enabled to false"]),
    case("logging-key-format-unknown", "s3_logs_bucket",
         {"access_logging": {"target_bucket": "{bucket}-al", "target_object_key_format": "daily"}},
         ["target_object_key_format", "daily", "partitioned_event_time"]),
    # Bucket policy statements
    case("policy-duplicate-sid", "s3_logs_bucket", {"policy": {"statements": [statement(), statement()]}},
         ["Duplicate Sid 'AuditRead'", "unique"]),
    case("policy-sid-characters", "s3_bucket_policy", {"statements": [statement("audit-read")]},
         ["Sid 'audit-read'", "only letters and digits"]),
    case("policy-statement-without-sid", "s3_logs_bucket", {"policy": {"statements": [statement(Sid=None)]}},
         ["statement #1", "no Sid", "add one"]),
    case("policy-effect-invalid", "s3_bucket_policy", {"statements": [statement(Effect="Permit")]},
         ["Effect 'Permit'", "'AuditRead'", "use Allow or Deny"]),
    case("policy-without-action", "s3_bucket_policy", {"statements": [statement(Action=None)]},
         ["'AuditRead'", "no Action or NotAction"]),
    case("policy-without-principal", "s3_logs_bucket", {"policy": {"statements": [statement(Principal=None)]}},
         ["'AuditRead'", "no Principal"]),
    case("policy-reserved-sid", "s3_logs_bucket", {"policy": {"statements": [statement("LogsafeAuditRead")]}},
         ["'LogsafeAuditRead'", "reserved", "Rename the statement"]),
    case("policy-invalid-json", "s3_bucket_policy", {"statements": ['{"Sid": "AuditRead", "Effect": ']},
         ["statements", "dict"]),
    case("policy-without-resource", "s3_logs_bucket", {"policy": {"statements": [statement(Resource=None)]}},
         ["'AuditRead'", "Resource"]),
    case("policy-resource-other-bucket", "s3_bucket_policy",
         {"statements": [statement(Resource="arn:aws:s3:::another-bucket/*")]},
         ["'AuditRead'", "arn:aws:s3:::another-bucket/*", "{bucket}"]),
    case("policy-action-other-service", "s3_bucket_policy", {"statements": [statement(Action="ec2:RunInstances")]},
         ["'AuditRead'", "ec2:RunInstances", "s3:"]),
    case("policy-unknown-field", "s3_logs_bucket", {"policy": {"statements": [statement(Resources="arn:aws:s3:::x")]}},
         ["'AuditRead'", "Resources"]),
    case("policy-condition-operator-unknown", "s3_bucket_policy",
         {"statements": [statement(Condition={"StringEqualz": {"aws:SourceAccount": "123456789012"}})]},
         ["'AuditRead'", "StringEqualz"]),
    case("policy-public-with-block-public-policy", "s3_logs_bucket",
         {"public_access_block": {}, "policy": {"statements": [statement(Principal="*")]}},
         ["'AuditRead'", "block_public_policy"]),
    case("policy-over-20-kb", "s3_logs_bucket", {"policy": {"statements": many_statements(120)}},
         ["bytes, over the 20 KB", "Remove statements"], traffic=READS_ONLY),
    case("policy-minimum-tls-unknown", "s3_bucket_policy", {"deny_outdated_tls": True, "minimum_tls_version": "1.1"},
         ["minimum_tls_version", "1.2, 1.3", "got: 1.1"]),
    # Tags
    case("tag-aws-prefix", "s3_logs_bucket", {"tags": {"aws:cloudformation:stack-name": "logs"}},
         ["'aws:cloudformation:stack-name'", "reserved", "Remove the tag or rename it"]),
    case("tag-too-many", "s3_bucket", {"tags": {f"key{index}": "value" for index in range(51)}},
         ["51 given", "at most 50"]),
    case("tag-key-too-long", "s3_logs_bucket", {"tags": {"k" * 129: "value"}}, ["1 to 128 characters"]),
    # Wrong types and unknown options
    case("type-versioning", "s3_logs_bucket", {"versioning": "maybe"}, ["versioning", "maybe", "bool"]),
    case("type-tags-list", "s3_bucket", {"tags": ["team"]}, ["tags", "dict"]),
    case("type-days-text", "s3_logs_bucket",
         lifecycle(rule(transitions=[{"days": "thirty", "storage_class": "GLACIER"}])),
         ["'days'", "lifecycle -> rules -> transitions", "int", *(["thirty"] if TYPE_ERROR_NAMES_VALUE else [])]),
    case("type-rules-text", "s3_bucket_lifecycle", {"rules": "logs-retention"}, ["rules", "dict"],
         marks=UNNAMED_BY_ANSIBLE),
    case("type-public-access-block-text", "s3_logs_bucket", {"public_access_block": "all"},
         ["public_access_block", "dict"], marks=UNNAMED_BY_ANSIBLE),
    case("type-statement-number", "s3_bucket_policy", {"statements": [42]}, ["statements", "dict"]),
    case("unknown-suboption", "s3_logs_bucket", {"encryption": {"kms_keys": "alias/logs"}},
         ["Unsupported parameters", "kms_keys", "kms_key"]),
    case("unknown-option", "s3_logs_bucket", {"lifecycle_rules": []}, ["Unsupported parameters", "lifecycle_rules"]),
    case("state-absent-not-an-option", "s3_logs_bucket", {"state": "absent"}, ["Unsupported parameters", "state"]),
    case("object-ownership-unknown", "s3_logs_bucket", {"object_ownership": "BucketOwner"},
         ["object_ownership", "BucketOwner", "BucketOwnerEnforced"]),
    case("access-key-without-secret", "s3_logs_bucket", {"access_key": "AKIAEXAMPLEKEY"},
         ["access_key and secret_key must be given together"]),
]


def fill_bucket(value: Any, bucket: str) -> Any:
    """Replace "{bucket}" in every string of ``value`` with the case's bucket name."""
    if isinstance(value, str):
        return value.replace("{bucket}", bucket)
    if isinstance(value, dict):
        return {fill_bucket(key, bucket): fill_bucket(item, bucket) for key, item in value.items()}
    if isinstance(value, list):
        return [fill_bucket(item, bucket) for item in value]
    return value


@pytest.fixture
def module_env(moto, monkeypatch):
    """Give in-process module runs the environment of a child process of the tests: fake credentials and moto."""
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(("module_name", "args", "fragments", "traffic"), MODULE_CASES)
def test_module_rejects(moto, module_env, module_name, args, fragments, traffic):
    """The module fails naming the option or value and the fix, and moto receives no write."""
    bucket = f"bad-input-{uuid.uuid4().hex[:8]}"
    args = fill_bucket(args, bucket)
    args.setdefault("name", bucket)

    mark = moto.mark()
    result = run_in_process(module_name, args)

    assert result.get("failed") is True, result
    message = result["msg"]
    for fragment in fill_bucket(fragments, bucket):
        assert fragment in message
    assert moto.writes_since(mark) == []
    if traffic == NO_REQUEST:
        assert moto.requests_since(mark) == []


def test_dotted_name_warns(moto, module_env):
    """A bucket name with dots is valid: check mode predicts the bucket and warns about virtual-hosted TLS requests."""
    bucket = f"bad.input.{uuid.uuid4().hex[:8]}"

    mark = moto.mark()
    result = run_in_process("s3_logs_bucket", {"name": bucket, "versioning": True}, check=True)

    assert result.get("failed") is not True, result
    assert result["changed"] is True
    warnings = " ".join(warning_texts(result))
    assert f"'{bucket}' contains dots" in warnings
    assert "virtual-hosted-style HTTPS requests cannot use it" in warnings
    assert moto.writes_since(mark) == []


# Cases through ansible-playbook. Each case is a block whose rescue task records
# the failure message, so one playbook run covers them all.

RECORD_TASK = "Record the failure of case {case_id}"
ACCEPTED_TASK = "Case {case_id} was accepted"

PLAYBOOK_MODULE_CASES = [
    ("module-name-uppercase", {"name": "Example-Logs"}, ["'Example-Logs'", "lowercase", "naming rules"]),
    ("module-storage-class", lifecycle(rule(transitions=[{"days": 30, "storage_class": "GLACIER_FLEXIBLE"}])),
     ["storage_class", "GLACIER_FLEXIBLE"]),
    ("module-ia-under-30-days", lifecycle(rule(transitions=[{"days": 10, "storage_class": "STANDARD_IA"}])),
     ["STANDARD_IA after 10 days", "Set days to 30 or more"]),
    ("module-duplicate-rule-ids",
     lifecycle({"id": "same", "expiration": {"days": 30}}, {"id": "same", "expiration": {"days": 60}}),
     ["'same'", "unique id"]),
    ("module-kms-other-region", {"encryption": {"kms_key": OTHER_REGION_KEY}}, ["eu-west-1", "key in the bucket's region"]),
    ("module-aes256-with-key", {"encryption": {"sse_algorithm": "AES256", "kms_key": "alias/logs"}}, ["Remove kms_key"]),
    ("module-target-is-source", {"access_logging": {"target_bucket": "{bucket}"}}, ["Use a separate bucket"]),
    ("module-duplicate-sid", {"policy": {"statements": [statement(), statement()]}}, ["Duplicate Sid 'AuditRead'"]),
    ("module-wrong-type", {"versioning": "maybe"}, ["versioning", "maybe", "bool"]),
    ("module-secret-without-key", {"secret_key": "not-a-real-secret"}, ["access_key and secret_key must be given together"]),
]

ROLE_CASES = [
    ("role-misspelt-kms-key", {"logs_bucket_kms_keys": "alias/logs"},
     ["Unknown role variables logs_bucket_kms_keys", "Similar variables of the role: logs_bucket_kms_key."]),
    ("role-misspelt-rules", {"logs_bucket_lifecycle_rule": []},
     ["logs_bucket_lifecycle_rule", "Similar variables of the role: logs_bucket_lifecycle_rules."]),
    ("role-unknown-variable", {"logs_bucket_acces_logging": True},
     ["Unknown role variables logs_bucket_acces_logging", "do not start with logs_bucket_"]),
    ("role-missing-name", {"logs_bucket_name": None}, ["logs_bucket_name"]),
    ("role-sse-algorithm-choice", {"logs_bucket_sse_algorithm": "aws:kms:dsse"},
     ["logs_bucket_sse_algorithm", "aws:kms:dsse", "aws:kms, AES256"]),
    ("role-versioning-type", {"logs_bucket_versioning": "maybe"}, ["logs_bucket_versioning", "maybe", "bool"]),
    ("role-tags-type", {"logs_bucket_tags": ["team"]}, ["logs_bucket_tags", "dict"]),
    ("role-verify-fail-on-choice", {"logs_bucket_verify_fail_on": "sometimes"},
     ["logs_bucket_verify_fail_on", "sometimes", "fail, warn, never"]),
    ("role-name-uppercase", {"logs_bucket_name": "Example-Logs"}, ["'Example-Logs'", "naming rules"]),
    ("role-target-is-source", {"logs_bucket_access_logging": True, "logs_bucket_access_logging_bucket": "{bucket}"},
     ["'{bucket}'", "Use a separate bucket"]),
    ("role-target-name-too-long", {"logs_bucket_access_logging": True, "logs_bucket_access_logging_bucket": "a" * 64},
     ["64 characters", "logs_bucket_access_logging_bucket to a shorter name"]),
    ("role-ia-under-30-days",
     {"logs_bucket_lifecycle_rules": [rule(transitions=[{"days": 10, "storage_class": "STANDARD_IA"}])]},
     ["STANDARD_IA after 10 days", "Set days to 30 or more"]),
    ("role-alb-with-kms", {"logs_bucket_log_sources": [{"type": "alb"}]},
     ["ALB", "logs_bucket_sse_algorithm: AES256"]),
    ("role-kms-other-region", {"logs_bucket_kms_key": OTHER_REGION_KEY}, ["eu-west-1", "key in the bucket's region"]),
]


def case_bucket(case_id: str) -> str:
    """Return the bucket of one playbook case; the request log is split by this name."""
    return f"bad-{case_id[:40]}-{uuid.uuid5(uuid.NAMESPACE_DNS, case_id).hex[:6]}"


def case_block(case_id: str, task: dict) -> dict:
    """Wrap one case in a block whose rescue records the failure, and whose last task marks an unexpected success."""
    return {
        "name": f"Case {case_id}",
        "block": [task, {"name": ACCEPTED_TASK.format(case_id=case_id), "ansible.builtin.debug": {"msg": "accepted"}}],
        "rescue": [
            {
                "name": RECORD_TASK.format(case_id=case_id),
                "ansible.builtin.debug": {"msg": "{{ ansible_failed_result.msg | default('') }}"},
            }
        ],
    }


def batch_playbook() -> str:
    """Build one play with every playbook case, module cases first."""
    blocks = []
    for case_id, args, _fragments in PLAYBOOK_MODULE_CASES:
        bucket = case_bucket(case_id)
        module_args = fill_bucket({"name": bucket, "region": REGION, **args}, bucket)
        blocks.append(case_block(case_id, {"name": f"Run case {case_id}", "logsafe.aws.s3_logs_bucket": module_args}))
    for case_id, role_vars, _fragments in ROLE_CASES:
        bucket = case_bucket(case_id)
        variables = fill_bucket({"logs_bucket_name": bucket, "logs_bucket_region": REGION, **role_vars}, bucket)
        variables = {name: value for name, value in variables.items() if value is not None}
        task = {"name": f"Run case {case_id}", "ansible.builtin.include_role": {"name": "logsafe.aws.logs_bucket"},
                "vars": variables}
        blocks.append(case_block(case_id, task))
    play = {
        "name": "Bad input, one block per case",
        "hosts": "localhost",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable},
        "tasks": blocks,
    }
    return json.dumps([play], indent=2) + "\n"


@pytest.fixture(scope="module")
def batch(moto, tmp_path_factory):
    """Run the playbook of every playbook case once; return the run and the requests it caused."""
    from integration.conftest import PlaybookRunner

    runner = PlaybookRunner(moto, tmp_path_factory.mktemp("bad-input-playbooks"))
    mark = moto.mark()
    run = runner(batch_playbook())
    return run, moto.requests_since(mark)


def test_batch_sends_no_write(batch):
    """The whole playbook of bad input sends no write and ends with every case rescued."""
    run, requests = batch

    assert run.rc == 0, run.describe()
    assert [str(call) for call in requests if call.is_write] == []
    # A role case that fails the role's variable check is rescued twice: the role's own rescue builds the
    # message and fails again, and the case's block rescues that.
    assert run.recap["localhost"]["rescued"] >= len(PLAYBOOK_MODULE_CASES) + len(ROLE_CASES), run.describe()
    assert run.recap["localhost"]["rescued"] <= len(PLAYBOOK_MODULE_CASES) + 2 * len(ROLE_CASES), run.describe()


@pytest.mark.parametrize(
    ("case_id", "fragments"),
    [pytest.param(case_id, fragments, id=case_id) for case_id, _args, fragments in PLAYBOOK_MODULE_CASES + ROLE_CASES],
)
def test_playbook_case_rejected(batch, case_id, fragments):
    """Through ansible-playbook, the case fails with the expected message and sends no request about its bucket."""
    run, requests = batch
    bucket = case_bucket(case_id)

    assert run.results_of(ACCEPTED_TASK.format(case_id=case_id)) == []
    recorded = run.results_of(RECORD_TASK.format(case_id=case_id))
    assert len(recorded) == 1, run.describe()
    message = recorded[0]["msg"]
    for fragment in fill_bucket(fragments, bucket):
        assert fragment in message
    assert [str(call) for call in requests if f"/{bucket}" in call.path] == []
