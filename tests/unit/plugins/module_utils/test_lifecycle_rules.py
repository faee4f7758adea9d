# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the pure lifecycle rule functions: validation, canonical form and comparison."""

from __future__ import annotations

import copy
import datetime
import re

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._lifecycle_rules import (
    filter_covers,
    merge_rules,
    normalize_api_rule,
    retention_changes,
    rule_sets_equal,
    rule_to_api,
    rule_view,
    rules_by_id,
    validate_rules,
)

BUCKET = "example-logs"
RULE_ID = "logs-retention"
SUBJECT = f"Invalid lifecycle rule '{RULE_ID}' on bucket {BUCKET}: "
FIRST_RULE_SUBJECT = f"Invalid lifecycle rule number 1 on bucket {BUCKET}: "
RULES_SUBJECT = f"Invalid lifecycle rules on bucket {BUCKET}: "
CANONICAL_DATE = "2027-01-01T00:00:00.000Z"
UTC = datetime.timezone.utc


def make_rule(**fields):
    """Return an option-shape rule with the default id and the given fields."""
    rule = {"id": RULE_ID}
    rule.update(fields)
    return rule


def step(days, storage_class):
    return {"days": days, "storage_class": storage_class}


def dated(date, storage_class):
    return {"date": date, "storage_class": storage_class}


def noncurrent(days, storage_class, newer=None):
    item = {"noncurrent_days": days, "storage_class": storage_class}
    if newer is not None:
        item["newer_noncurrent_versions"] = newer
    return item


def api_rule(rule_id="r1", **fields):
    """Return a canonical API rule with an Enabled status and a whole-bucket filter unless overridden."""
    rule = {"ID": rule_id, "Status": "Enabled", "Filter": {}}
    rule.update(fields)
    return rule


def invalid(rules, value, fix, case_id, subject=SUBJECT):
    """Return one row of the table of invalid rules. A bare dict stands for a one-rule list."""
    if isinstance(rules, dict):
        rules = [rules]
    return pytest.param(rules, subject, value, fix, id=case_id)


EXPIRE = {"expiration": {"days": 365}}
TAG_FILTER = {"tags": {"team": "sec"}}

INVALID_RULES = [
    # Rule list and rule shape
    invalid("logs-retention", "the rules are a string, not a list", "Write the rules as a list of dicts.", "rules-not-list",
            subject=RULES_SUBJECT),
    invalid([make_rule(id=f"rule-{index}", **EXPIRE) for index in range(1001)],
            "1001 rules exceed the maximum of 1000 rules",
            "Merge rules that share a filter, or remove rules.", "over-1000-rules", subject=RULES_SUBJECT),
    invalid(["logs-retention"], "the rule is a string, not a dict", "Write each rule as a dict",
            "rule-not-dict", subject=FIRST_RULE_SUBJECT),
    invalid(make_rule(prefix="app/", **EXPIRE), "unknown key 'prefix' in the rule",
            "Use only these keys: id, status, filter, transitions, expiration, noncurrent_version_transitions, "
            "noncurrent_version_expiration, abort_incomplete_multipart_upload.", "unknown-rule-key"),
    invalid(make_rule(filter={"tag": {"team": "sec"}}, **EXPIRE), "unknown key 'tag' in filter",
            "Use only these keys: prefix, tags, object_size_greater_than, object_size_less_than.",
            "unknown-filter-key"),
    invalid(make_rule(transitions=[{"days": 30, "storageclass": "GLACIER"}]),
            "unknown key 'storageclass' in transitions[0]", "Use only these keys: days, date, storage_class.",
            "unknown-transition-key"),
    invalid(make_rule(expiration={"expired_object_delete_markers": True}),
            "unknown key 'expired_object_delete_markers' in expiration",
            "Use only these keys: days, date, expired_object_delete_marker.", "unknown-expiration-key"),
    invalid(make_rule(noncurrent_version_transitions=[{"days": 30, "storage_class": "GLACIER"}]),
            "unknown key 'days' in noncurrent_version_transitions[0]",
            "Use only these keys: noncurrent_days, storage_class, newer_noncurrent_versions.",
            "unknown-noncurrent-transition-key"),
    invalid(make_rule(noncurrent_version_expiration={"days": 30}),
            "unknown key 'days' in noncurrent_version_expiration",
            "Use only these keys: noncurrent_days, newer_noncurrent_versions.", "unknown-noncurrent-expiration-key"),
    invalid(make_rule(abort_incomplete_multipart_upload={"days": 7}),
            "unknown key 'days' in abort_incomplete_multipart_upload",
            "Use only these keys: days_after_initiation.", "unknown-abort-key"),
    invalid(make_rule(expiration=365), "expiration is an integer, not a dict", "Write expiration as a dict.",
            "expiration-not-dict"),
    invalid(make_rule(transitions=step(30, "GLACIER")), "transitions is a dict, not a list",
            "Write transitions as a list of dicts", "transitions-not-list"),
    invalid(make_rule(transitions=["GLACIER"]), "transitions[0] is a string, not a dict",
            "Write transitions[0] as a dict.", "transition-not-dict"),
    invalid(make_rule(noncurrent_version_transitions=noncurrent(30, "GLACIER")),
            "noncurrent_version_transitions is a dict, not a list",
            "Write noncurrent_version_transitions as a list of dicts", "noncurrent-transitions-not-list"),
    invalid(make_rule(noncurrent_version_expiration=30), "noncurrent_version_expiration is an integer, not a dict",
            "Write noncurrent_version_expiration as a dict.", "noncurrent-expiration-not-dict"),
    invalid(make_rule(abort_incomplete_multipart_upload=7),
            "abort_incomplete_multipart_upload is an integer, not a dict",
            "Write abort_incomplete_multipart_upload as a dict.", "abort-not-dict"),
    invalid(make_rule(filter="app/", **EXPIRE), "filter is a string, not a dict", "Write filter as a dict.",
            "filter-not-dict"),
    # Id
    invalid({"expiration": {"days": 1}}, "id is missing or empty",
            "Set id to a unique name of 1 to 255 characters.", "id-missing", subject=FIRST_RULE_SUBJECT),
    invalid(make_rule(id="", **EXPIRE), "id is missing or empty",
            "Set id to a unique name of 1 to 255 characters.", "id-empty", subject=FIRST_RULE_SUBJECT),
    invalid(make_rule(id=["a"], **EXPIRE), "id ['a'] is a list, not a string",
            "Set id to a unique name of 1 to 255 characters.", "id-not-string", subject=FIRST_RULE_SUBJECT),
    invalid(make_rule(id="x" * 256, **EXPIRE), "id is 256 characters long, but S3 allows at most 255",
            "Shorten the id to 255 characters or fewer.", "id-over-255",
            subject=f"Invalid lifecycle rule '{'x' * 256}' on bucket {BUCKET}: "),
    invalid([make_rule(**EXPIRE), make_rule(expiration={"days": 30})],
            "id 'logs-retention' of rule number 2 is already used by rule number 1",
            "Give each rule a unique id.", "duplicate-id"),
    # Actions, status and storage classes
    invalid(make_rule(), "the rule has no action",
            "Set at least one of transitions, expiration, noncurrent_version_transitions, "
            "noncurrent_version_expiration and abort_incomplete_multipart_upload.", "no-action"),
    invalid(make_rule(transitions=[], noncurrent_version_transitions=[]), "the rule has no action",
            "Set at least one of transitions", "no-action-empty-lists"),
    invalid(make_rule(status="on", **EXPIRE), "status 'on' is not valid", "Set status to enabled or disabled.",
            "unknown-status"),
    invalid(make_rule(status=True, **EXPIRE), "status True is not valid", "Set status to enabled or disabled.",
            "status-boolean"),
    invalid(make_rule(transitions=[step(30, "GLACIER_FLEXIBLE")]),
            "storage class 'GLACIER_FLEXIBLE' in transition to GLACIER_FLEXIBLE after 30 days is not valid",
            "Use one of STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE.",
            "unknown-storage-class"),
    invalid(make_rule(transitions=[step(30, "glacier")]), "storage class 'glacier'",
            "Use one of STANDARD_IA,", "lowercase-storage-class"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(30, "REDUCED_REDUNDANCY")]),
            "storage class 'REDUCED_REDUNDANCY' in noncurrent version transition to REDUCED_REDUNDANCY "
            "after 30 noncurrent days is not valid", "Use one of STANDARD_IA,", "unknown-noncurrent-storage-class"),
    invalid(make_rule(transitions=[{"days": 30}]), "transition to None after 30 days has no storage_class",
            "Set storage_class to one of STANDARD_IA,", "storage-class-missing"),
    invalid(make_rule(transitions=[step(30, 5)]), "transitions[0].storage_class 5 is an integer, not a string",
            "Use one of STANDARD_IA,", "storage-class-not-string"),
    # Infrequent-access minimum and the stay before archive classes
    invalid(make_rule(transitions=[step(10, "STANDARD_IA")]),
            "transition to STANDARD_IA after 10 days is below the 30-day minimum that S3 requires "
            "for STANDARD_IA and ONEZONE_IA", "Set days to 30 or more.", "standard-ia-under-30"),
    invalid(make_rule(transitions=[step(29, "ONEZONE_IA")]),
            "transition to ONEZONE_IA after 29 days is below the 30-day minimum", "Set days to 30 or more.",
            "onezone-ia-under-30"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(29, "STANDARD_IA")]),
            "noncurrent version transition to STANDARD_IA after 29 noncurrent days is below the 30-day minimum",
            "Set noncurrent_days to 30 or more.", "noncurrent-standard-ia-under-30"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(0, "ONEZONE_IA")]),
            "noncurrent version transition to ONEZONE_IA after 0 noncurrent days is below the 30-day minimum",
            "Set noncurrent_days to 30 or more.", "noncurrent-onezone-ia-at-0"),
    invalid(make_rule(transitions=[step(30, "STANDARD_IA"), step(59, "GLACIER")]),
            "the transition to GLACIER after 59 days comes only 29 days after the transition to STANDARD_IA "
            "after 30 days, but S3 requires objects to stay in STANDARD_IA for at least 30 days",
            "Set days of the GLACIER transition to 60 or more.", "glacier-29-days-after-standard-ia"),
    invalid(make_rule(transitions=[step(45, "ONEZONE_IA"), step(60, "DEEP_ARCHIVE")]),
            "the transition to DEEP_ARCHIVE after 60 days comes only 15 days after the transition to ONEZONE_IA",
            "Set days of the DEEP_ARCHIVE transition to 75 or more.", "deep-archive-soon-after-onezone-ia"),
    invalid(make_rule(transitions=[step(30, "STANDARD_IA"), step(40, "GLACIER_IR"), step(50, "GLACIER")]),
            "the transition to GLACIER after 50 days comes only 20 days after the transition to STANDARD_IA",
            "Set days of the GLACIER transition to 60 or more.", "glacier-soon-after-ia-with-step-between"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(30, "STANDARD_IA"), noncurrent(45, "GLACIER")]),
            "the noncurrent version transition to GLACIER after 45 noncurrent days comes only 15 days after",
            "Set noncurrent_days of the GLACIER transition to 60 or more.", "noncurrent-glacier-soon-after-ia"),
    # Transition sequence
    invalid(make_rule(transitions=[step(30, "GLACIER"), step(90, "GLACIER")]),
            "the transition to GLACIER after 30 days and the transition to GLACIER after 90 days "
            "go to the same storage class", "Keep one transition per storage class.", "same-storage-class"),
    invalid(make_rule(transitions=[dated("2027-01-01", "GLACIER"), dated("2027-06-01", "GLACIER")]),
            "the transition to GLACIER on 2027-01-01 and the transition to GLACIER on 2027-06-01",
            "Keep one transition per storage class.", "same-storage-class-dates"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(10, "GLACIER"), noncurrent(20, "GLACIER")]),
            "go to the same storage class", "Keep one transition per storage class.", "noncurrent-same-class"),
    invalid(make_rule(transitions=[step(30, "INTELLIGENT_TIERING"), step(30, "GLACIER_IR")]),
            "the transition to INTELLIGENT_TIERING after 30 days and the transition to GLACIER_IR after 30 days "
            "happen at the same time", "Give each transition a different number of days.", "same-day"),
    invalid(make_rule(transitions=[dated("2027-01-01", "GLACIER_IR"), dated("2027-01-01", "GLACIER")]),
            "on 2027-01-01 happen at the same time", "Give each transition a different date.", "same-date"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(10, "GLACIER_IR"), noncurrent(10, "GLACIER")]),
            "after 10 noncurrent days happen at the same time",
            "Give each transition a different number of noncurrent days.", "noncurrent-same-day"),
    invalid(make_rule(transitions=[step(30, "GLACIER"), step(60, "STANDARD_IA")]),
            "the transition to STANDARD_IA after 60 days comes after the transition to GLACIER after 30 days, "
            "but S3 moves objects only down the order STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA, "
            "GLACIER_IR, GLACIER, DEEP_ARCHIVE",
            "Transition to STANDARD_IA before GLACIER, or remove one of the two transitions.", "order-upward"),
    invalid(make_rule(transitions=[step(30, "ONEZONE_IA"), step(60, "INTELLIGENT_TIERING")]),
            "the transition to INTELLIGENT_TIERING after 60 days comes after the transition to ONEZONE_IA",
            "Transition to INTELLIGENT_TIERING before ONEZONE_IA", "order-intelligent-after-onezone"),
    invalid(make_rule(transitions=[dated("2027-01-01", "DEEP_ARCHIVE"), dated("2027-03-01", "GLACIER_IR")]),
            "the transition to GLACIER_IR on 2027-03-01 comes after the transition to DEEP_ARCHIVE on 2027-01-01",
            "Transition to GLACIER_IR before DEEP_ARCHIVE", "order-upward-dates"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(0, "GLACIER"), noncurrent(30, "GLACIER_IR")]),
            "the noncurrent version transition to GLACIER_IR after 30 noncurrent days comes after",
            "Transition to GLACIER_IR before GLACIER", "noncurrent-order-upward"),
    invalid(make_rule(transitions=[step(30, "GLACIER"),
                                   {"days": 60, "date": "2027-01-01", "storage_class": "DEEP_ARCHIVE"}]),
            "a transition to DEEP_ARCHIVE sets both days (60) and date (2027-01-01)",
            "Set either days or date in each transition, not both.", "transition-days-and-date"),
    invalid(make_rule(transitions=[{"storage_class": "GLACIER"}]),
            "transition to GLACIER sets neither days nor date", "Set days or date in each transition.",
            "transition-neither-days-nor-date"),
    invalid(make_rule(transitions=[{"days": None, "date": None, "storage_class": "GLACIER"}]),
            "transition to GLACIER sets neither days nor date", "Set days or date in each transition.",
            "transition-days-and-date-null"),
    # Expiration after the transitions
    invalid(make_rule(transitions=[step(90, "GLACIER")], expiration={"days": 90}),
            "expiration after 90 days is not later than the last transition, the transition to GLACIER "
            "after 90 days", "Set expiration.days to 91 or more.", "expiration-same-day-as-transition"),
    invalid(make_rule(transitions=[step(30, "STANDARD_IA"), step(180, "DEEP_ARCHIVE")], expiration={"days": 100}),
            "expiration after 100 days is not later than the last transition, the transition to DEEP_ARCHIVE "
            "after 180 days", "Set expiration.days to 181 or more.", "expiration-before-last-transition"),
    invalid(make_rule(transitions=[dated("2027-06-01", "GLACIER")], expiration={"date": "2027-06-01"}),
            "expiration on 2027-06-01 is not later than the last transition, the transition to GLACIER "
            "on 2027-06-01", "Set expiration.date to a day after 2027-06-01.", "expiration-date-not-after"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(60, "GLACIER")],
                      noncurrent_version_expiration={"noncurrent_days": 60}),
            "noncurrent version expiration after 60 noncurrent days is not later than the last noncurrent version "
            "transition, the noncurrent version transition to GLACIER after 60 noncurrent days",
            "Set noncurrent_version_expiration.noncurrent_days to 61 or more.", "noncurrent-expiration-not-after"),
    # Days and dates mixed
    invalid(make_rule(transitions=[step(30, "GLACIER"), dated("2027-06-01", "DEEP_ARCHIVE")]),
            "transition to GLACIER after 30 days uses days (30) but transition to DEEP_ARCHIVE on 2027-06-01 "
            "uses a date (2027-06-01)",
            "Use days for all transitions and the expiration of a rule, or dates for all of them.",
            "transitions-mix-days-and-dates"),
    invalid(make_rule(transitions=[step(30, "GLACIER")], expiration={"date": "2027-06-01"}),
            "transition to GLACIER after 30 days uses days (30) but expiration uses a date (2027-06-01)",
            "Use days for all transitions and the expiration of a rule", "transition-days-expiration-date"),
    invalid(make_rule(transitions=[dated("2027-01-01", "GLACIER")], expiration={"days": 365}),
            "expiration uses days (365) but transition to GLACIER on 2027-01-01 uses a date (2027-01-01)",
            "Use days for all transitions and the expiration of a rule", "transition-date-expiration-days"),
    # Dates
    invalid(make_rule(expiration={"date": "2027-01-01T12:00:00Z"}),
            "expiration.date '2027-01-01T12:00:00Z' is not midnight UTC",
            "Write the date as YYYY-MM-DD, such as 2027-01-01, because S3 applies lifecycle dates at midnight UTC.",
            "date-noon"),
    invalid(make_rule(expiration={"date": "2027-01-01T00:00:00+01:00"}),
            "expiration.date '2027-01-01T00:00:00+01:00' is not midnight UTC", "Write the date as YYYY-MM-DD",
            "date-midnight-other-zone"),
    invalid(make_rule(expiration={"date": "2027-01-01T00:00:00.500Z"}),
            "expiration.date '2027-01-01T00:00:00.500Z' is not midnight UTC", "Write the date as YYYY-MM-DD",
            "date-half-second"),
    invalid(make_rule(expiration={"date": "2027-01-01T00:00:00"}),
            "expiration.date '2027-01-01T00:00:00' has a time but no time zone", "Write the date as YYYY-MM-DD",
            "date-without-zone"),
    invalid(make_rule(transitions=[dated("2027-02-30", "GLACIER")]),
            "transitions[0].date '2027-02-30' is not a valid calendar date", "Write the date as YYYY-MM-DD",
            "date-not-in-calendar"),
    invalid(make_rule(expiration={"date": "next year"}),
            "expiration.date 'next year' is not a date in the form YYYY-MM-DD", "Write the date as YYYY-MM-DD",
            "date-not-a-date"),
    invalid(make_rule(expiration={"date": datetime.datetime(2027, 1, 1, 6, 0, tzinfo=UTC)}),
            "expiration.date '2027-01-01T06:00:00+00:00' is not midnight UTC", "Write the date as YYYY-MM-DD",
            "datetime-not-midnight"),
    invalid(make_rule(expiration={"date": 20270101}),
            "expiration.date '20270101' is an integer, not a date", "Write the date as YYYY-MM-DD",
            "date-integer"),
    # Ranges
    invalid(make_rule(transitions=[step(-1, "GLACIER")]), "transition to GLACIER after -1 days has negative days (-1)",
            "Set days to 0 or more.", "transition-days-negative"),
    invalid(make_rule(expiration={"days": 0}), "expiration.days is 0, but S3 requires at least 1",
            "Set expiration.days to 1 or more.", "expiration-days-zero"),
    invalid(make_rule(expiration={"days": -5}), "expiration.days is -5, but S3 requires at least 1",
            "Set expiration.days to 1 or more.", "expiration-days-negative"),
    invalid(make_rule(noncurrent_version_expiration={"noncurrent_days": 0}),
            "noncurrent_version_expiration.noncurrent_days is 0, but S3 requires at least 1",
            "Set noncurrent_version_expiration.noncurrent_days to 1 or more.", "noncurrent-expiration-days-zero"),
    invalid(make_rule(noncurrent_version_expiration={"newer_noncurrent_versions": 2}),
            "noncurrent_version_expiration has no noncurrent_days",
            "Set noncurrent_version_expiration.noncurrent_days to 1 or more.", "noncurrent-expiration-days-missing"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(-1, "GLACIER")]),
            "noncurrent version transition to GLACIER after -1 noncurrent days has negative noncurrent_days (-1)",
            "Set noncurrent_days to 0 or more.", "noncurrent-transition-days-negative"),
    invalid(make_rule(noncurrent_version_transitions=[{"storage_class": "GLACIER"}]),
            "transition to GLACIER has no noncurrent_days",
            "Set noncurrent_days in each noncurrent version transition.", "noncurrent-transition-days-missing"),
    invalid(make_rule(abort_incomplete_multipart_upload={"days_after_initiation": 0}),
            "abort_incomplete_multipart_upload.days_after_initiation is 0, but S3 requires at least 1",
            "Set abort_incomplete_multipart_upload.days_after_initiation to 1 or more.", "abort-days-zero"),
    invalid(make_rule(abort_incomplete_multipart_upload={}),
            "abort_incomplete_multipart_upload.days_after_initiation is missing, but S3 requires at least 1",
            "Set abort_incomplete_multipart_upload.days_after_initiation to 1 or more.", "abort-days-missing"),
    invalid(make_rule(noncurrent_version_expiration={"noncurrent_days": 30, "newer_noncurrent_versions": 0}),
            "newer_noncurrent_versions 0 in noncurrent_version_expiration is outside the range 1 to 100",
            "Set newer_noncurrent_versions to 1 to 100, or leave it out to act on every noncurrent version.",
            "newer-versions-zero"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(30, "GLACIER", newer=101)]),
            "newer_noncurrent_versions 101 in noncurrent version transition to GLACIER after 30 noncurrent days "
            "is outside the range 1 to 100", "Set newer_noncurrent_versions to 1 to 100",
            "newer-versions-over-100"),
    # Expiration shape and filter conflicts
    invalid(make_rule(expiration={"days": 30, "expired_object_delete_marker": True}),
            "expiration sets expired_object_delete_marker (true) together with days (30)",
            "Move expired_object_delete_marker to a rule of its own, or remove it from this expiration.",
            "delete-marker-with-days"),
    invalid(make_rule(expiration={"date": "2027-01-01", "expired_object_delete_marker": True}),
            "expiration sets expired_object_delete_marker (true) together with date (2027-01-01)",
            "Move expired_object_delete_marker to a rule of its own", "delete-marker-with-date"),
    invalid(make_rule(expiration={"days": 30, "expired_object_delete_marker": False}),
            "expiration sets expired_object_delete_marker (false) together with days (30)",
            "Move expired_object_delete_marker to a rule of its own", "delete-marker-false-with-days"),
    invalid(make_rule(expiration={"days": 30, "date": "2027-01-01"}),
            "expiration sets both days (30) and date (2027-01-01)", "Set either days or date, not both.",
            "expiration-days-and-date"),
    invalid(make_rule(expiration={}), "expiration sets none of days, date and expired_object_delete_marker",
            "Set one of them, or remove expiration.", "expiration-empty"),
    invalid(make_rule(filter=TAG_FILTER, expiration={"expired_object_delete_marker": True}),
            "expired_object_delete_marker cannot be used with a tag filter (tags team=sec)",
            "Remove the tags from the filter, or move expired_object_delete_marker to a rule without tags.",
            "delete-marker-with-tag-filter"),
    invalid(make_rule(filter=TAG_FILTER, abort_incomplete_multipart_upload={"days_after_initiation": 7}),
            "abort_incomplete_multipart_upload cannot be used with a tag filter (tags team=sec)",
            "Remove the tags from the filter, or move abort_incomplete_multipart_upload to a rule without tags.",
            "abort-with-tag-filter"),
    invalid(make_rule(filter={"prefix": "app/", "tags": {"team": "sec", "env": "prod"}},
                      abort_incomplete_multipart_upload={"days_after_initiation": 7}),
            "abort_incomplete_multipart_upload cannot be used with a tag filter (tags env=prod, team=sec)",
            "Remove the tags from the filter", "abort-with-prefix-and-tags"),
    # Filter values
    invalid(make_rule(filter={"object_size_greater_than": 1000, "object_size_less_than": 1000}, **EXPIRE),
            "filter.object_size_greater_than (1000 bytes) is not less than filter.object_size_less_than "
            "(1000 bytes), so the filter matches no object",
            "Set object_size_greater_than below object_size_less_than.", "sizes-equal"),
    invalid(make_rule(filter={"object_size_greater_than": 2048, "object_size_less_than": 1024}, **EXPIRE),
            "filter.object_size_greater_than (2048 bytes) is not less than filter.object_size_less_than "
            "(1024 bytes)", "Set object_size_greater_than below object_size_less_than.", "sizes-reversed"),
    invalid(make_rule(filter={"object_size_greater_than": -1}, **EXPIRE),
            "filter.object_size_greater_than is -1 bytes, but object sizes cannot be negative",
            "Set filter.object_size_greater_than to 0 or more.", "size-greater-than-negative"),
    invalid(make_rule(filter={"object_size_less_than": -10}, **EXPIRE),
            "filter.object_size_less_than is -10 bytes, but object sizes cannot be negative",
            "Set filter.object_size_less_than to 0 or more.", "size-less-than-negative"),
    invalid(make_rule(filter={"prefix": 5}, **EXPIRE), "filter.prefix 5 is an integer, not a string",
            "Quote the prefix", "prefix-not-string"),
    invalid(make_rule(filter={"tags": ["team"]}, **EXPIRE), "filter.tags is a list, not a dict",
            "Write filter.tags as a dict.", "tags-not-dict"),
    invalid(make_rule(filter={"tags": {"env": 1}}, **EXPIRE),
            "tag 'env' in filter.tags has the value 1, which is an integer, not a string",
            "Quote the tag value, or write '' for an empty value.", "tag-value-not-string"),
    invalid(make_rule(filter={"tags": {"env": None}}, **EXPIRE),
            "tag 'env' in filter.tags has the value None, which is null, not a string",
            "Quote the tag value, or write '' for an empty value.", "tag-value-null"),
    invalid(make_rule(filter={"tags": {1: "prod"}}, **EXPIRE), "tag key 1 in filter.tags is an integer",
            "Quote the tag key.", "tag-key-not-string"),
    invalid(make_rule(filter={"tags": {"": "prod"}}, **EXPIRE),
            "tag key '' in filter.tags is 0 characters long, but S3 requires 1 to 128",
            "Use a tag key of 1 to 128 characters.", "tag-key-empty"),
    invalid(make_rule(filter={"tags": {"k" * 129: "prod"}}, **EXPIRE), "is 129 characters long, but S3 requires 1 to 128",
            "Use a tag key of 1 to 128 characters.", "tag-key-over-128"),
    invalid(make_rule(filter={"tags": {"env": "v" * 257}}, **EXPIRE),
            "the value of tag 'env' in filter.tags is 257 characters long, but S3 allows at most 256",
            "Use a tag value of at most 256 characters.", "tag-value-over-256"),
    # Value types
    invalid(make_rule(transitions=[step("thirty", "GLACIER")]), "transitions[0].days 'thirty' is not a whole number",
            "Set transitions[0].days to a whole number.", "days-not-number"),
    invalid(make_rule(transitions=[step(True, "GLACIER")]), "transitions[0].days True is not a whole number",
            "Set transitions[0].days to a whole number.", "days-boolean"),
    invalid(make_rule(expiration={"days": 30.5}), "expiration.days 30.5 is not a whole number",
            "Set expiration.days to a whole number.", "days-float"),
    invalid(make_rule(noncurrent_version_transitions=[noncurrent(30, "GLACIER", newer="three")]),
            "noncurrent_version_transitions[0].newer_noncurrent_versions 'three' is not a whole number",
            "Set noncurrent_version_transitions[0].newer_noncurrent_versions to a whole number.",
            "newer-versions-not-number"),
    invalid(make_rule(filter={"object_size_less_than": "1 MB"}, **EXPIRE),
            "filter.object_size_less_than '1 MB' is not a whole number",
            "Set filter.object_size_less_than to a whole number.", "size-not-number"),
    invalid(make_rule(abort_incomplete_multipart_upload={"days_after_initiation": "a week"}),
            "abort_incomplete_multipart_upload.days_after_initiation 'a week' is not a whole number",
            "Set abort_incomplete_multipart_upload.days_after_initiation to a whole number.", "abort-days-not-number"),
    invalid(make_rule(expiration={"expired_object_delete_marker": "maybe"}),
            "expiration.expired_object_delete_marker 'maybe' is not a boolean",
            "Set expiration.expired_object_delete_marker to true or false.", "delete-marker-not-boolean"),
]


@pytest.mark.parametrize(("rules", "subject", "value", "fix"), INVALID_RULES)
def test_validate_rules_rejects(rules, subject, value, fix):
    with pytest.raises(ValidationError, match=re.escape(subject)) as raised:
        validate_rules(rules, BUCKET)
    message = str(raised.value)
    assert value in message
    assert fix in message


def test_validation_error_details():
    rule = make_rule(transitions=[step(10, "STANDARD_IA")])
    with pytest.raises(ValidationError) as raised:
        validate_rules([rule], BUCKET)
    assert raised.value.details["bucket"] == BUCKET
    assert raised.value.details["rule_id"] == RULE_ID
    assert raised.value.details["field"] == "transitions.days"


def test_validate_rules_names_failing_rule():
    rules = [make_rule(**EXPIRE), make_rule(id="second", expiration={"days": 0})]
    with pytest.raises(ValidationError, match=r"^Invalid lifecycle rule 'second' on bucket example-logs: "):
        validate_rules(rules, BUCKET)


def test_validate_rules_leaves_input_unchanged():
    rules = [make_rule(transitions=[step("90", "GLACIER"), step(30, "STANDARD_IA")], expiration={"days": "365"})]
    before = copy.deepcopy(rules)
    validate_rules(rules, BUCKET)
    assert rules == before


VALID_RULES = [
    pytest.param([make_rule(transitions=[step(0, "GLACIER")])], id="glacier-at-0-days"),
    pytest.param([make_rule(transitions=[step(0, "GLACIER_IR")])], id="glacier-ir-at-0-days"),
    pytest.param([make_rule(transitions=[step(0, "INTELLIGENT_TIERING")])], id="intelligent-tiering-at-0-days"),
    pytest.param([make_rule(transitions=[step(30, "STANDARD_IA")])], id="standard-ia-at-30"),
    pytest.param([make_rule(transitions=[step(30, "ONEZONE_IA")])], id="onezone-ia-at-30"),
    pytest.param([make_rule(transitions=[step(30, "STANDARD_IA"), step(60, "GLACIER")])],
                 id="glacier-30-days-after-ia"),
    pytest.param([make_rule(transitions=[step(30, "ONEZONE_IA"), step(60, "DEEP_ARCHIVE")])],
                 id="deep-archive-30-days-after-onezone-ia"),
    pytest.param([make_rule(transitions=[step(30, "STANDARD_IA"), step(31, "GLACIER_IR")])],
                 id="glacier-ir-right-after-ia"),
    pytest.param([make_rule(transitions=[step(90, "GLACIER")], expiration={"days": 91})],
                 id="expiration-one-day-after-transition"),
    pytest.param([make_rule(transitions=[dated("2027-01-01", "GLACIER")], expiration={"date": "2027-01-02"})],
                 id="expiration-date-one-day-after-transition-date"),
    pytest.param([make_rule(transitions=[step(30, "STANDARD_IA"), step(40, "INTELLIGENT_TIERING"),
                                         step(50, "ONEZONE_IA"), step(60, "GLACIER_IR"), step(90, "GLACIER"),
                                         step(180, "DEEP_ARCHIVE")], expiration={"days": 181})],
                 id="every-class-in-order"),
    pytest.param([make_rule(transitions=[step(180, "DEEP_ARCHIVE"), step(30, "STANDARD_IA")])],
                 id="transitions-listed-out-of-order"),
    pytest.param([make_rule(noncurrent_version_transitions=[noncurrent(30, "STANDARD_IA", newer=1),
                                                            noncurrent(60, "GLACIER", newer=100)],
                            noncurrent_version_expiration={"noncurrent_days": 61, "newer_noncurrent_versions": 5})],
                 id="noncurrent-at-minimums"),
    pytest.param([make_rule(noncurrent_version_transitions=[noncurrent(0, "GLACIER")])],
                 id="noncurrent-glacier-at-0-days"),
    pytest.param([make_rule(noncurrent_version_expiration={"noncurrent_days": 1})],
                 id="noncurrent-expiration-at-1-day"),
    pytest.param([make_rule(expiration={"days": 1})], id="expiration-at-1-day"),
    pytest.param([make_rule(abort_incomplete_multipart_upload={"days_after_initiation": 1})],
                 id="abort-at-1-day"),
    pytest.param([make_rule(filter={"prefix": "app/"}, expiration={"expired_object_delete_marker": True})],
                 id="delete-marker-with-prefix"),
    pytest.param([make_rule(filter={"prefix": "app/", "object_size_greater_than": 0, "object_size_less_than": 1},
                            abort_incomplete_multipart_upload={"days_after_initiation": 7})],
                 id="abort-with-prefix-and-sizes"),
    pytest.param([make_rule(filter={"tags": {"team": "sec"}}, **EXPIRE)], id="expiration-with-tag-filter"),
    pytest.param([make_rule(filter={"tags": {"team": ""}}, **EXPIRE)], id="tag-with-empty-value"),
    pytest.param([make_rule(filter={"prefix": ""}, **EXPIRE)], id="empty-prefix"),
    pytest.param([make_rule(filter={}, **EXPIRE)], id="empty-filter"),
    pytest.param([make_rule(filter={"prefix": None, "tags": None, "object_size_greater_than": None,
                                    "object_size_less_than": None}, **EXPIRE)],
                 id="filter-with-null-suboptions"),
    pytest.param([make_rule(status="disabled", **EXPIRE)], id="status-disabled"),
    pytest.param([make_rule(status="Enabled", **EXPIRE)], id="status-capitalised"),
    pytest.param([make_rule(id=2024, **EXPIRE)], id="integer-id"),
    pytest.param([make_rule(id="x" * 255, **EXPIRE)], id="id-at-255-characters"),
    pytest.param([make_rule(transitions=[step("30", "STANDARD_IA")], expiration={"days": " 365 "})],
                 id="numeric-strings"),
    pytest.param([make_rule(expiration={"expired_object_delete_marker": "true"})], id="delete-marker-string"),
    pytest.param([make_rule(id=f"rule-{index}", **EXPIRE) for index in range(1000)], id="1000-rules"),
    pytest.param([], id="no-rules"),
    pytest.param([make_rule(id="a", **EXPIRE), make_rule(id="b", **EXPIRE)], id="two-rules"),
    pytest.param([make_rule(expiration={"days": 30, "date": None, "expired_object_delete_marker": None},
                            transitions=None, noncurrent_version_transitions=None,
                            noncurrent_version_expiration=None, abort_incomplete_multipart_upload=None)],
                 id="ansible-null-suboptions"),
]


@pytest.mark.parametrize("rules", VALID_RULES)
def test_validate_rules_accepts(rules):
    assert validate_rules(rules, BUCKET) is None


ACCEPTED_DATES = [
    pytest.param("2027-01-01", id="date-only"),
    pytest.param("2027-01-01T00:00:00Z", id="zulu"),
    pytest.param("2027-01-01T00:00:00+00:00", id="utc-offset"),
    pytest.param("2027-01-01T00:00:00.000Z", id="milliseconds"),
    pytest.param(datetime.date(2027, 1, 1), id="date-object"),
    pytest.param(datetime.datetime(2027, 1, 1), id="naive-datetime"),
    pytest.param(datetime.datetime(2027, 1, 1, tzinfo=UTC), id="utc-datetime"),
    pytest.param(datetime.datetime(2027, 1, 1, 1, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
                 id="datetime-at-utc-midnight-in-other-zone"),
]


@pytest.mark.parametrize("date", ACCEPTED_DATES)
def test_rule_to_api_date_forms(date):
    rule = make_rule(transitions=[dated(date, "GLACIER")], expiration={"date": date})
    api = rule_to_api(rule)
    assert api["Transitions"] == [{"Date": CANONICAL_DATE, "StorageClass": "GLACIER"}]
    assert api["Expiration"] == {"Date": CANONICAL_DATE}


@pytest.mark.parametrize("date", ACCEPTED_DATES)
def test_validate_rules_accepts_date_forms(date):
    assert validate_rules([make_rule(expiration={"date": date})], BUCKET) is None


READ_DATES = [
    pytest.param(datetime.datetime(2027, 1, 1, tzinfo=UTC), id="boto3-utc"),
    pytest.param(datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
                 id="moto-local-midnight"),
    pytest.param("2027-01-01T00:00:00.000Z", id="canonical-string"),
    pytest.param("2027-01-01", id="date-string"),
]


@pytest.mark.parametrize("date", READ_DATES)
def test_normalize_api_rule_dates(date):
    rule = normalize_api_rule(
        {"ID": "r1", "Status": "Enabled", "Transitions": [{"Date": date, "StorageClass": "GLACIER"}],
         "Expiration": {"Date": date}}
    )
    assert rule["Transitions"] == [{"Date": CANONICAL_DATE, "StorageClass": "GLACIER"}]
    assert rule["Expiration"] == {"Date": CANONICAL_DATE}


def test_normalize_api_rule_keeps_non_midnight_date():
    noon = datetime.datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
    rule = normalize_api_rule({"ID": "r1", "Status": "Enabled", "Expiration": {"Date": noon}})
    assert rule["Expiration"] == {"Date": noon}


def test_read_date_equals_option_date():
    option = rule_to_api(make_rule(expiration={"date": "2027-01-01"}))
    read = normalize_api_rule(
        {"ID": RULE_ID, "Status": "Enabled", "Filter": {"Prefix": ""},
         "Expiration": {"Date": datetime.datetime(2027, 1, 1, tzinfo=UTC)}}
    )
    assert option == read


API_FILTERS = [
    pytest.param(None, {}, id="absent"),
    pytest.param({}, {}, id="empty"),
    pytest.param({"Prefix": ""}, {}, id="empty-prefix"),
    pytest.param({"Prefix": "app/"}, {"Prefix": "app/"}, id="prefix"),
    pytest.param({"Tag": {"Key": "team", "Value": "sec"}}, {"Tag": {"Key": "team", "Value": "sec"}}, id="one-tag"),
    pytest.param({"And": {"Tags": [{"Key": "team", "Value": "sec"}]}}, {"Tag": {"Key": "team", "Value": "sec"}},
                 id="one-tag-inside-and"),
    pytest.param({"And": {"Tags": [{"Key": "team", "Value": "sec"}, {"Key": "env", "Value": "prod"}]}},
                 {"And": {"Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "sec"}]}},
                 id="two-tags-sorted"),
    pytest.param({"And": {"Prefix": "app/", "Tags": [{"Key": "team", "Value": "sec"}]}},
                 {"And": {"Prefix": "app/", "Tags": [{"Key": "team", "Value": "sec"}]}}, id="prefix-and-tag"),
    pytest.param({"And": {"Prefix": "", "Tags": [{"Key": "team", "Value": "sec"}]}},
                 {"Tag": {"Key": "team", "Value": "sec"}}, id="empty-prefix-and-tag"),
    pytest.param({"ObjectSizeGreaterThan": 131072}, {"ObjectSizeGreaterThan": 131072}, id="size-only"),
    pytest.param({"ObjectSizeLessThan": 1048576}, {"ObjectSizeLessThan": 1048576}, id="max-size-only"),
    pytest.param({"ObjectSizeGreaterThan": 0}, {"ObjectSizeGreaterThan": 0}, id="size-zero-kept"),
    pytest.param({"And": {"Prefix": "", "ObjectSizeGreaterThan": 131072}}, {"ObjectSizeGreaterThan": 131072},
                 id="empty-prefix-and-size"),
    pytest.param({"And": {"Prefix": "app/", "ObjectSizeGreaterThan": 131072}},
                 {"And": {"Prefix": "app/", "ObjectSizeGreaterThan": 131072}}, id="prefix-and-size"),
    pytest.param({"And": {"ObjectSizeGreaterThan": 131072, "ObjectSizeLessThan": 1048576}},
                 {"And": {"ObjectSizeGreaterThan": 131072, "ObjectSizeLessThan": 1048576}}, id="both-sizes"),
    pytest.param({"And": {"Prefix": "app/", "Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}],
                          "ObjectSizeGreaterThan": 1, "ObjectSizeLessThan": 2}},
                 {"And": {"Prefix": "app/", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
                          "ObjectSizeGreaterThan": 1, "ObjectSizeLessThan": 2}}, id="every-predicate"),
    pytest.param({"And": {"ObjectSizeGreaterThan": "131072"}}, {"ObjectSizeGreaterThan": 131072},
                 id="numeric-string-size"),
]


@pytest.mark.parametrize(("api_filter", "expected"), API_FILTERS)
def test_normalize_api_rule_filter(api_filter, expected):
    rule = {"ID": "r1", "Status": "Enabled", "Expiration": {"Days": 1}}
    if api_filter is not None:
        rule["Filter"] = api_filter
    assert normalize_api_rule(rule)["Filter"] == expected


@pytest.mark.parametrize(("legacy_prefix", "expected"), [
    pytest.param("logs/", {"Prefix": "logs/"}, id="legacy-prefix"),
    pytest.param("", {}, id="legacy-empty-prefix"),
])
def test_normalize_api_rule_legacy_prefix(legacy_prefix, expected):
    rule = {"ID": "r1", "Status": "Enabled", "Prefix": legacy_prefix, "Expiration": {"Days": 1}}
    normalized = normalize_api_rule(rule)
    assert normalized["Filter"] == expected
    assert "Prefix" not in normalized


OPTION_FILTERS = [
    pytest.param(None, {}, id="absent"),
    pytest.param({}, {}, id="empty"),
    pytest.param({"prefix": ""}, {}, id="empty-prefix"),
    pytest.param({"prefix": "app/"}, {"Prefix": "app/"}, id="prefix"),
    pytest.param({"tags": {"team": "sec"}}, {"Tag": {"Key": "team", "Value": "sec"}}, id="one-tag"),
    pytest.param({"tags": {"team": "sec", "env": "prod"}},
                 {"And": {"Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "sec"}]}},
                 id="two-tags"),
    pytest.param({"prefix": "app/", "tags": {"team": "sec"}},
                 {"And": {"Prefix": "app/", "Tags": [{"Key": "team", "Value": "sec"}]}}, id="prefix-and-tag"),
    pytest.param({"object_size_greater_than": 131072}, {"ObjectSizeGreaterThan": 131072}, id="size-only"),
    pytest.param({"object_size_greater_than": 0}, {"ObjectSizeGreaterThan": 0}, id="size-zero"),
    pytest.param({"prefix": "app/", "object_size_less_than": 1048576},
                 {"And": {"Prefix": "app/", "ObjectSizeLessThan": 1048576}}, id="prefix-and-size"),
    pytest.param({"prefix": "", "object_size_less_than": 1048576}, {"ObjectSizeLessThan": 1048576},
                 id="empty-prefix-and-size"),
    pytest.param({"tags": {}}, {}, id="no-tags"),
]


@pytest.mark.parametrize(("option_filter", "expected"), OPTION_FILTERS)
def test_rule_to_api_filter(option_filter, expected):
    rule = make_rule(**EXPIRE)
    if option_filter is not None:
        rule["filter"] = option_filter
    api = rule_to_api(rule)
    assert api["Filter"] == expected
    assert normalize_api_rule(api) == api


def test_rule_to_api_full_rule():
    rule = make_rule(
        status="disabled",
        filter={"prefix": "app/", "tags": {"team": "sec"}},
        transitions=[step(90, "GLACIER"), step(30, "STANDARD_IA")],
        expiration={"days": 365},
        noncurrent_version_transitions=[noncurrent(60, "GLACIER", newer=3), noncurrent(30, "STANDARD_IA")],
        noncurrent_version_expiration={"noncurrent_days": 90, "newer_noncurrent_versions": 5},
    )
    assert rule_to_api(rule) == {
        "ID": RULE_ID,
        "Status": "Disabled",
        "Filter": {"And": {"Prefix": "app/", "Tags": [{"Key": "team", "Value": "sec"}]}},
        "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}],
        "Expiration": {"Days": 365},
        "NoncurrentVersionTransitions": [
            {"NoncurrentDays": 30, "StorageClass": "STANDARD_IA"},
            {"NoncurrentDays": 60, "StorageClass": "GLACIER", "NewerNoncurrentVersions": 3},
        ],
        "NoncurrentVersionExpiration": {"NoncurrentDays": 90, "NewerNoncurrentVersions": 5},
    }


def test_rule_to_api_defaults():
    api = rule_to_api(make_rule(abort_incomplete_multipart_upload={"days_after_initiation": 7}))
    assert api == {
        "ID": RULE_ID,
        "Status": "Enabled",
        "Filter": {},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }


def test_rule_to_api_omits_unset_actions():
    api = rule_to_api(make_rule(transitions=[], noncurrent_version_transitions=None, expiration=None, **{}))
    assert set(api) == {"ID", "Status", "Filter"}


def test_rule_to_api_keeps_zero():
    api = rule_to_api(
        make_rule(
            filter={"object_size_greater_than": 0},
            transitions=[step(0, "GLACIER")],
            noncurrent_version_transitions=[noncurrent(0, "GLACIER_IR")],
        )
    )
    assert api["Transitions"] == [{"Days": 0, "StorageClass": "GLACIER"}]
    assert api["NoncurrentVersionTransitions"] == [{"NoncurrentDays": 0, "StorageClass": "GLACIER_IR"}]
    assert api["Filter"] == {"ObjectSizeGreaterThan": 0}


def test_rule_to_api_numeric_strings():
    api = rule_to_api(
        make_rule(
            filter={"object_size_greater_than": "131072", "object_size_less_than": "1048576"},
            transitions=[step("30", "STANDARD_IA")],
            expiration={"days": " 365 "},
            noncurrent_version_transitions=[noncurrent("45", "STANDARD_IA", newer="3")],
            noncurrent_version_expiration={"noncurrent_days": "90", "newer_noncurrent_versions": "5"},
            abort_incomplete_multipart_upload={"days_after_initiation": "7"},
        )
    )
    assert api["Filter"] == {"And": {"ObjectSizeGreaterThan": 131072, "ObjectSizeLessThan": 1048576}}
    assert api["Transitions"] == [{"Days": 30, "StorageClass": "STANDARD_IA"}]
    assert api["Expiration"] == {"Days": 365}
    assert api["NoncurrentVersionTransitions"] == [
        {"NoncurrentDays": 45, "StorageClass": "STANDARD_IA", "NewerNoncurrentVersions": 3}
    ]
    assert api["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90, "NewerNoncurrentVersions": 5}
    assert api["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_rule_to_api_integer_id():
    assert rule_to_api(make_rule(id=2024, **EXPIRE))["ID"] == "2024"


def test_rule_to_api_keeps_tag_case():
    api = rule_to_api(make_rule(filter={"tags": {"Team": "SecOps"}}, **EXPIRE))
    assert api["Filter"] == {"Tag": {"Key": "Team", "Value": "SecOps"}}
    assert rule_view(api)["filter"] == {"tags": {"Team": "SecOps"}}


def test_rule_to_api_rejects_bad_value_without_bucket():
    with pytest.raises(ValidationError, match=r"^Invalid lifecycle rule 'logs-retention': transitions\[0\]\.days"):
        rule_to_api(make_rule(transitions=[step("soon", "GLACIER")]))


def test_rule_to_api_leaves_input_unchanged():
    rule = make_rule(filter={"tags": {"b": "2", "a": "1"}}, transitions=[step(90, "GLACIER"), step(30, "STANDARD_IA")])
    before = copy.deepcopy(rule)
    rule_to_api(rule)
    assert rule == before


def test_normalize_api_rule_boto3_response():
    """A rule shaped as boto3 returns it from GetBucketLifecycleConfiguration."""
    read = {
        "Expiration": {"Days": 365},
        "ID": "logs-retention",
        "Filter": {"And": {"Prefix": "app/", "Tags": [{"Key": "team", "Value": "sec"}]}},
        "Status": "Enabled",
        "Transitions": [
            {"Days": 90, "StorageClass": "GLACIER"},
            {"Days": 30, "StorageClass": "STANDARD_IA"},
        ],
        "NoncurrentVersionTransitions": [
            {"NoncurrentDays": 60, "StorageClass": "GLACIER", "NewerNoncurrentVersions": 3},
            {"NoncurrentDays": 30, "StorageClass": "STANDARD_IA"},
        ],
        "NoncurrentVersionExpiration": {"NoncurrentDays": 90, "NewerNoncurrentVersions": 5},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }
    assert normalize_api_rule(read) == {
        "ID": "logs-retention",
        "Status": "Enabled",
        "Filter": {"And": {"Prefix": "app/", "Tags": [{"Key": "team", "Value": "sec"}]}},
        "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}],
        "Expiration": {"Days": 365},
        "NoncurrentVersionTransitions": [
            {"NoncurrentDays": 30, "StorageClass": "STANDARD_IA"},
            {"NoncurrentDays": 60, "StorageClass": "GLACIER", "NewerNoncurrentVersions": 3},
        ],
        "NoncurrentVersionExpiration": {"NoncurrentDays": 90, "NewerNoncurrentVersions": 5},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }


def test_normalize_api_rule_drops_unknown_keys():
    rule = normalize_api_rule(
        {
            "ID": "r1",
            "Status": "Enabled",
            "FutureField": 1,
            "Expiration": {"Days": 1, "FutureField": 1},
            "Transitions": [{"Days": 0, "StorageClass": "GLACIER", "FutureField": 1}],
            "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "StorageClass": "GLACIER"},
        }
    )
    assert "FutureField" not in rule
    assert rule["Expiration"] == {"Days": 1}
    assert rule["Transitions"] == [{"Days": 0, "StorageClass": "GLACIER"}]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}


def test_normalize_api_rule_drops_empty_lists():
    rule = normalize_api_rule(
        {"ID": "r1", "Status": "Enabled", "Transitions": [], "NoncurrentVersionTransitions": [],
         "Expiration": {"Days": 1}}
    )
    assert "Transitions" not in rule
    assert "NoncurrentVersionTransitions" not in rule


def test_normalize_api_rule_single_transition():
    rule = normalize_api_rule(
        {"ID": "r1", "Status": "Enabled", "Transition": {"Days": 0, "StorageClass": "GLACIER"},
         "NoncurrentVersionTransition": {"NoncurrentDays": 0, "StorageClass": "GLACIER"}}
    )
    assert rule["Transitions"] == [{"Days": 0, "StorageClass": "GLACIER"}]
    assert rule["NoncurrentVersionTransitions"] == [{"NoncurrentDays": 0, "StorageClass": "GLACIER"}]


@pytest.mark.parametrize(("status", "expected"), [
    pytest.param("Enabled", "Enabled", id="enabled"),
    pytest.param("Disabled", "Disabled", id="disabled"),
    pytest.param("disabled", "Disabled", id="lowercase"),
    pytest.param(None, "Enabled", id="absent"),
])
def test_normalize_api_rule_status(status, expected):
    assert normalize_api_rule({"ID": "r1", "Status": status})["Status"] == expected


def test_normalize_api_rule_is_idempotent():
    read = {"ID": "r1", "Status": "Enabled", "Prefix": "logs/",
            "Transitions": [{"Date": datetime.datetime(2027, 6, 1, tzinfo=UTC), "StorageClass": "DEEP_ARCHIVE"},
                            {"Date": datetime.datetime(2027, 1, 1, tzinfo=UTC), "StorageClass": "GLACIER"}]}
    once = normalize_api_rule(read)
    assert normalize_api_rule(once) == once
    assert [item["Date"] for item in once["Transitions"]] == [CANONICAL_DATE, "2027-06-01T00:00:00.000Z"]


CANONICAL_RULES = [
    pytest.param(api_rule(Expiration={"Days": 1}), id="whole-bucket"),
    pytest.param(api_rule(Status="Disabled", Filter={"Prefix": "app/"}, Expiration={"Days": 365}), id="disabled"),
    pytest.param(api_rule(Filter={"Tag": {"Key": "Team", "Value": "SecOps"}}, Expiration={"Days": 30}),
                 id="one-tag"),
    pytest.param(api_rule(Filter={"And": {"Prefix": "app/",
                                          "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}],
                                          "ObjectSizeGreaterThan": 0, "ObjectSizeLessThan": 10}},
                          Expiration={"Days": 30}), id="every-predicate"),
    pytest.param(api_rule(Filter={"ObjectSizeGreaterThan": 0}, Transitions=[{"Days": 0, "StorageClass": "GLACIER"}]),
                 id="zeros"),
    pytest.param(api_rule(Transitions=[{"Date": CANONICAL_DATE, "StorageClass": "GLACIER"}],
                          Expiration={"Date": "2028-01-01T00:00:00.000Z"}), id="dates"),
    pytest.param(api_rule(Expiration={"ExpiredObjectDeleteMarker": True}), id="delete-marker"),
    pytest.param(api_rule(Transitions=[{"Days": 30, "StorageClass": "STANDARD_IA"},
                                       {"Days": 90, "StorageClass": "GLACIER"}],
                          Expiration={"Days": 365},
                          NoncurrentVersionTransitions=[
                              {"NoncurrentDays": 30, "StorageClass": "STANDARD_IA", "NewerNoncurrentVersions": 2},
                              {"NoncurrentDays": 60, "StorageClass": "GLACIER"}],
                          NoncurrentVersionExpiration={"NoncurrentDays": 90, "NewerNoncurrentVersions": 5},
                          AbortIncompleteMultipartUpload={"DaysAfterInitiation": 7}), id="every-action"),
]


@pytest.mark.parametrize("rule", CANONICAL_RULES)
def test_canonical_rule_round_trip(rule):
    assert normalize_api_rule(rule) == rule
    assert rule_to_api(rule_view(rule)) == rule


def test_rule_view_shape():
    view = rule_view(
        api_rule(
            "logs-retention",
            Status="Disabled",
            Filter={"And": {"Prefix": "app/", "Tags": [{"Key": "Team", "Value": "SecOps"}],
                            "ObjectSizeGreaterThan": 131072}},
            Transitions=[{"Date": CANONICAL_DATE, "StorageClass": "GLACIER"}],
            Expiration={"Date": "2028-01-01T00:00:00.000Z"},
            NoncurrentVersionTransitions=[{"NoncurrentDays": 0, "StorageClass": "GLACIER",
                                           "NewerNoncurrentVersions": 3}],
            NoncurrentVersionExpiration={"NoncurrentDays": 30},
            AbortIncompleteMultipartUpload={"DaysAfterInitiation": 7},
        )
    )
    assert view == {
        "id": "logs-retention",
        "status": "disabled",
        "filter": {"prefix": "app/", "tags": {"Team": "SecOps"}, "object_size_greater_than": 131072},
        "transitions": [{"date": "2027-01-01", "storage_class": "GLACIER"}],
        "expiration": {"date": "2028-01-01"},
        "noncurrent_version_transitions": [{"noncurrent_days": 0, "storage_class": "GLACIER",
                                            "newer_noncurrent_versions": 3}],
        "noncurrent_version_expiration": {"noncurrent_days": 30},
        "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
    }


def test_rule_view_whole_bucket_filter():
    assert rule_view(api_rule(Expiration={"Days": 1}))["filter"] == {}


def test_rule_view_of_boto3_response():
    read = {"ID": "r1", "Status": "Enabled", "Filter": {"Prefix": ""},
            "Expiration": {"Date": datetime.datetime(2027, 1, 1, tzinfo=UTC)}}
    assert rule_view(read) == {"id": "r1", "status": "enabled", "filter": {}, "expiration": {"date": "2027-01-01"}}


OPTION_RULES = [
    pytest.param(make_rule(**EXPIRE), id="expiration"),
    pytest.param(make_rule(status="disabled", filter={"prefix": "app/", "tags": {"b": "2", "a": "1"}},
                           transitions=[step(90, "GLACIER"), step("30", "STANDARD_IA")], expiration={"days": 365}),
                 id="filter-and-transitions"),
    pytest.param(make_rule(transitions=[dated("2027-06-01", "DEEP_ARCHIVE"), dated("2027-01-01T00:00:00Z", "GLACIER")],
                           expiration={"date": datetime.date(2028, 1, 1)}), id="dates"),
    pytest.param(make_rule(filter={"object_size_greater_than": 0},
                           noncurrent_version_transitions=[noncurrent(0, "GLACIER", newer=1)],
                           noncurrent_version_expiration={"noncurrent_days": 1},
                           abort_incomplete_multipart_upload={"days_after_initiation": 1}), id="zeros-and-ones"),
]


@pytest.mark.parametrize("rule", OPTION_RULES)
def test_option_rule_round_trip(rule):
    api = rule_to_api(rule)
    assert normalize_api_rule(api) == api
    assert rule_to_api(rule_view(api)) == api
    assert rule_view(rule_to_api(rule_view(api))) == rule_view(api)


def test_rules_by_id():
    first = api_rule("a", Expiration={"Days": 1})
    second = api_rule("b", Expiration={"Days": 2})
    assert rules_by_id([first, second]) == {"a": first, "b": second}
    assert rules_by_id([]) == {}


CURRENT = [
    api_rule("keep-first", Expiration={"Days": 10}),
    api_rule("replace", Expiration={"Days": 20}),
    api_rule("keep-last", Expiration={"Days": 30}),
]


def test_merge_rules_keeps_replaces_and_appends():
    replacement = api_rule("replace", Expiration={"Days": 200})
    added = api_rule("added", Expiration={"Days": 5})
    merged = merge_rules(CURRENT, [added, replacement], purge=False)
    assert [rule["ID"] for rule in merged] == ["keep-first", "replace", "keep-last", "added"]
    assert merged[0] == CURRENT[0]
    assert merged[1] == replacement
    assert merged[2] == CURRENT[2]
    assert merged[3] == added


def test_merge_rules_appends_in_desired_order():
    desired = [api_rule("new-b", Expiration={"Days": 1}), api_rule("new-a", Expiration={"Days": 1})]
    merged = merge_rules(CURRENT, desired, purge=False)
    assert [rule["ID"] for rule in merged] == ["keep-first", "replace", "keep-last", "new-b", "new-a"]


def test_merge_rules_without_desired_keeps_current():
    assert merge_rules(CURRENT, [], purge=False) == CURRENT


def test_merge_rules_purge_returns_desired():
    desired = [api_rule("added", Expiration={"Days": 5}), api_rule("replace", Expiration={"Days": 200})]
    assert merge_rules(CURRENT, desired, purge=True) == desired


def test_merge_rules_purge_with_nothing_desired():
    assert merge_rules(CURRENT, [], purge=True) == []


def test_merge_rules_into_empty_current():
    desired = [api_rule("a", Expiration={"Days": 5})]
    assert merge_rules([], desired, purge=False) == desired


def test_merge_rules_leaves_inputs_unchanged():
    current = copy.deepcopy(CURRENT)
    desired = [api_rule("replace", Expiration={"Days": 200})]
    merge_rules(current, desired, purge=False)
    assert current == CURRENT
    assert desired == [api_rule("replace", Expiration={"Days": 200})]


TRANSITIONS = [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}]


@pytest.mark.parametrize(("first", "second", "expected"), [
    pytest.param([], [], True, id="both-empty"),
    pytest.param(CURRENT, list(reversed(CURRENT)), True, id="reordered-rules"),
    pytest.param([api_rule(Transitions=TRANSITIONS)], [api_rule(Transitions=list(reversed(TRANSITIONS)))], True,
                 id="reordered-transitions"),
    pytest.param([api_rule(Expiration={"Days": 1})], [api_rule(Filter={"Prefix": ""}, Expiration={"Days": 1})],
                 True, id="empty-filter-and-empty-prefix"),
    pytest.param([api_rule(Expiration={"Date": CANONICAL_DATE})],
                 [api_rule(Expiration={"Date": datetime.datetime(2027, 1, 1, tzinfo=UTC)})], True,
                 id="string-and-datetime-date"),
    pytest.param([api_rule(Filter={"And": {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}},
                           Expiration={"Days": 1})],
                 [api_rule(Filter={"And": {"Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]}},
                           Expiration={"Days": 1})], True, id="reordered-tags"),
    pytest.param([api_rule(Expiration={"Days": 1})], [api_rule(Expiration={"Days": 2})], False,
                 id="different-days"),
    pytest.param([api_rule(Expiration={"Days": 1})], [api_rule(Status="Disabled", Expiration={"Days": 1})], False,
                 id="different-status"),
    pytest.param([api_rule(Transitions=[{"Days": 0, "StorageClass": "GLACIER"}])], [api_rule()], False,
                 id="zero-day-transition-missing"),
    pytest.param(CURRENT, CURRENT[:2], False, id="rule-missing"),
    pytest.param(CURRENT[:2], CURRENT, False, id="rule-extra"),
    pytest.param([CURRENT[0], CURRENT[0]], [CURRENT[0], api_rule("keep-first", Expiration={"Days": 11})], False,
                 id="duplicate-ids-differ"),
])
def test_rule_sets_equal(first, second, expected):
    assert rule_sets_equal(first, second) is expected
    swapped = {"first": second, "second": first}
    assert rule_sets_equal(**swapped) is expected


def expiring(rule_id="r1", days=None, date=None, status="Enabled", noncurrent_days=None, newer=None, marker=None,
             rule_filter=None):
    """Return a canonical rule with the given expiration settings and filter (whole bucket by default)."""
    rule = api_rule(rule_id, Status=status, Filter=rule_filter or {})
    expiration = {}
    if days is not None:
        expiration["Days"] = days
    if date is not None:
        expiration["Date"] = date
    if marker is not None:
        expiration["ExpiredObjectDeleteMarker"] = marker
    if expiration:
        rule["Expiration"] = expiration
    if noncurrent_days is not None:
        rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": noncurrent_days}
        if newer is not None:
            rule["NoncurrentVersionExpiration"]["NewerNoncurrentVersions"] = newer
    if "Expiration" not in rule and "NoncurrentVersionExpiration" not in rule:
        rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": 7}
    return rule


def shorter(message):
    """Return an expected retention change that shortens an expiration."""
    return (message, False)


def added(message):
    """Return an expected retention change that adds an expiration where none applied."""
    return (message, True)


LATER_DATE = "2028-01-01T00:00:00.000Z"
NO_COVERING_RULE = "where no enabled current rule with the same or a wider filter has one"
LOGS = {"Prefix": "logs/"}
LOGS_APP = {"Prefix": "logs/app/"}
PROD = {"Tag": {"Key": "env", "Value": "prod"}}
PROD_SECURITY = {"And": {"Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "security"}]}}
ARCHIVE = api_rule("archive", Transitions=[{"Days": 90, "StorageClass": "GLACIER"}])

RETENTION_CASES = [
    # One rule id, one filter: the current version of the rule is the one compared.
    pytest.param([expiring(days=365)], [expiring(days=30)],
                 [shorter("Lifecycle rule 'r1' shortens expiration from 365 days to 30 days.")], id="shorter-days"),
    pytest.param([expiring(days=30)], [expiring(days=365)], [], id="longer-days"),
    pytest.param([expiring(days=30)], [expiring(days=30)], [], id="same-days"),
    pytest.param([expiring()], [expiring(days=30)],
                 [added(f"Lifecycle rule 'r1' adds an expiration after 30 days for every object, {NO_COVERING_RULE}.")],
                 id="added-days"),
    pytest.param([expiring(marker=True)], [expiring(days=30)],
                 [added(f"Lifecycle rule 'r1' adds an expiration after 30 days for every object, {NO_COVERING_RULE}.")],
                 id="added-days-after-delete-marker"),
    pytest.param([expiring()], [expiring(date=CANONICAL_DATE)],
                 [added(f"Lifecycle rule 'r1' adds an expiration on 2027-01-01 for every object, {NO_COVERING_RULE}.")],
                 id="added-date"),
    pytest.param([expiring()], [expiring(marker=True)], [], id="added-delete-marker-only"),
    pytest.param([expiring(days=30)], [expiring()], [], id="removed-expiration"),
    pytest.param([expiring(date=LATER_DATE)], [expiring(date=CANONICAL_DATE)],
                 [shorter("Lifecycle rule 'r1' moves expiration earlier, from 2028-01-01 to 2027-01-01.")],
                 id="earlier-date"),
    pytest.param([expiring(date=CANONICAL_DATE)], [expiring(date=LATER_DATE)], [], id="later-date"),
    pytest.param([expiring(days=365)], [expiring(date=CANONICAL_DATE)],
                 [shorter("Lifecycle rule 'r1' replaces the expiration after 365 days with an expiration on 2027-01-01.")],
                 id="days-to-date"),
    pytest.param([expiring(date=CANONICAL_DATE)], [expiring(days=365)],
                 [shorter("Lifecycle rule 'r1' replaces the expiration on 2027-01-01 with an expiration after 365 days.")],
                 id="date-to-days"),
    pytest.param([expiring(noncurrent_days=90)], [expiring(noncurrent_days=30)],
                 [shorter("Lifecycle rule 'r1' shortens noncurrent version expiration from 90 days to 30 days.")],
                 id="shorter-noncurrent-days"),
    pytest.param([expiring(noncurrent_days=30)], [expiring(noncurrent_days=90)], [], id="longer-noncurrent-days"),
    pytest.param([expiring()], [expiring(noncurrent_days=30)],
                 [added("Lifecycle rule 'r1' adds a noncurrent version expiration after 30 noncurrent days for every "
                        f"object, {NO_COVERING_RULE}.")], id="added-noncurrent"),
    pytest.param([expiring(noncurrent_days=30, newer=5)], [expiring(noncurrent_days=30, newer=1)],
                 [shorter("Lifecycle rule 'r1' lowers the newer noncurrent versions that noncurrent version expiration "
                          "keeps from 5 to 1.")], id="fewer-newer-versions"),
    pytest.param([expiring(noncurrent_days=30, newer=5)], [expiring(noncurrent_days=30)],
                 [shorter("Lifecycle rule 'r1' lowers the newer noncurrent versions that noncurrent version expiration "
                          "keeps from 5 to 0.")], id="newer-versions-removed"),
    pytest.param([expiring(noncurrent_days=30)], [expiring(noncurrent_days=30, newer=5)], [],
                 id="newer-versions-added"),
    pytest.param([expiring(days=365, noncurrent_days=90)], [expiring(days=30, noncurrent_days=10)],
                 [shorter("Lifecycle rule 'r1' shortens expiration from 365 days to 30 days."),
                  shorter("Lifecycle rule 'r1' shortens noncurrent version expiration from 90 days to 10 days.")],
                 id="both-shorter"),
    pytest.param([expiring(days=365)], [], [], id="rule-removed"),
    pytest.param([expiring(days=365)], [expiring(days=30, status="Disabled")], [], id="desired-disabled"),
    pytest.param([expiring(days=30, status="Disabled")], [expiring(days=30)],
                 [added(f"Lifecycle rule 'r1' adds an expiration after 30 days for every object, {NO_COVERING_RULE} "
                        "(the current rule 'r1' is disabled).")], id="enabled-from-disabled"),
    pytest.param([expiring(noncurrent_days=30, status="Disabled")], [expiring(noncurrent_days=30)],
                 [added("Lifecycle rule 'r1' adds a noncurrent version expiration after 30 noncurrent days for every "
                        f"object, {NO_COVERING_RULE} (the current rule 'r1' is disabled).")],
                 id="noncurrent-enabled-from-disabled"),
    pytest.param([expiring("a", days=365), expiring("b", days=365)], [expiring("b", days=1), expiring("a", days=2)],
                 [shorter("Lifecycle rule 'b' shortens expiration from 365 days of current rule 'a' to 1 day."),
                  shorter("Lifecycle rule 'a' shortens expiration from 365 days to 2 days.")],
                 id="follows-desired-order"),
    # Other rule ids: every enabled current rule whose filter covers the new rule's filter counts.
    pytest.param([], [expiring(days=1)],
                 [added(f"Lifecycle rule 'r1' adds an expiration after 1 day for every object, {NO_COVERING_RULE}.")],
                 id="first-rule"),
    pytest.param([ARCHIVE], [ARCHIVE, expiring("expire", days=30)],
                 [added(f"Lifecycle rule 'expire' adds an expiration after 30 days for every object, {NO_COVERING_RULE}.")],
                 id="expiring-rule-next-to-archive-rule"),
    pytest.param([expiring("logs-retention", days=365)], [expiring("retention", days=30)],
                 [shorter("Lifecycle rule 'retention' shortens expiration from 365 days of current rule "
                          "'logs-retention' to 30 days.")], id="renamed-rule-shorter"),
    pytest.param([expiring("logs-retention", days=365)], [expiring("retention", days=365)], [],
                 id="renamed-rule-same-days"),
    pytest.param([expiring("all", days=365)], [expiring("all", days=365), expiring("app", days=30, rule_filter=LOGS)],
                 [shorter("Lifecycle rule 'app' shortens expiration from 365 days of current rule 'all' to 30 days.")],
                 id="narrower-rule-shorter"),
    pytest.param([expiring("all", days=365)], [expiring("all", days=365), expiring("app", days=400, rule_filter=LOGS)],
                 [], id="narrower-rule-longer"),
    pytest.param([expiring("all", days=365), expiring("logs", days=90, rule_filter=LOGS)],
                 [expiring("all", days=365), expiring("logs", days=90, rule_filter=LOGS),
                  expiring("app", days=60, rule_filter=LOGS_APP)],
                 [shorter("Lifecycle rule 'app' shortens expiration from 90 days of current rule 'logs' to 60 days.")],
                 id="shortest-covering-rule-named"),
    pytest.param([expiring("all", days=365), expiring("logs", days=90, rule_filter=LOGS)],
                 [expiring("all", days=365), expiring("logs", days=90, rule_filter=LOGS),
                  expiring("app", days=100, rule_filter=LOGS_APP)],
                 [], id="no-sooner-than-shortest-covering-rule"),
    pytest.param([expiring("all", days=365), expiring("logs", days=10, rule_filter=LOGS)],
                 [expiring("all", days=365), expiring("logs", days=10, rule_filter=LOGS)],
                 [], id="unchanged-rules-skipped"),
    pytest.param([expiring(days=365, rule_filter=LOGS)], [expiring(days=365)],
                 [added(f"Lifecycle rule 'r1' adds an expiration after 365 days for every object, {NO_COVERING_RULE}.")],
                 id="filter-widened"),
    pytest.param([expiring(days=365)], [expiring(days=365, rule_filter=LOGS)], [], id="filter-narrowed"),
    pytest.param([expiring("a", days=365, rule_filter={"Prefix": "a/"})],
                 [expiring("a", days=365, rule_filter={"Prefix": "a/"}), expiring("b", days=30, rule_filter={"Prefix": "b/"})],
                 [added("Lifecycle rule 'b' adds an expiration after 30 days for objects with prefix 'b/', "
                        f"{NO_COVERING_RULE}.")], id="sibling-prefix"),
    pytest.param([expiring("prod", days=365, rule_filter=PROD)], [expiring("security", days=30, rule_filter=PROD_SECURITY)],
                 [shorter("Lifecycle rule 'security' shortens expiration from 365 days of current rule 'prod' to 30 days.")],
                 id="more-tags-covered"),
    pytest.param([expiring("security", days=365, rule_filter=PROD_SECURITY)], [expiring("prod", days=30, rule_filter=PROD)],
                 [added("Lifecycle rule 'prod' adds an expiration after 30 days for objects with tags env=prod, "
                        f"{NO_COVERING_RULE}.")], id="fewer-tags-not-covered"),
    pytest.param([expiring("large", days=365, rule_filter={"ObjectSizeGreaterThan": 1000})],
                 [expiring("larger", days=30, rule_filter={"ObjectSizeGreaterThan": 2000})],
                 [shorter("Lifecycle rule 'larger' shortens expiration from 365 days of current rule 'large' to 30 days.")],
                 id="tighter-size-covered"),
    pytest.param([expiring("large", days=365, rule_filter={"ObjectSizeGreaterThan": 1000})],
                 [expiring("medium", days=30, rule_filter={"ObjectSizeGreaterThan": 500})],
                 [added("Lifecycle rule 'medium' adds an expiration after 30 days for objects with a size over 500 bytes, "
                        f"{NO_COVERING_RULE}.")], id="looser-size-not-covered"),
    pytest.param([expiring("all", days=365, status="Disabled")], [expiring("new", days=30)],
                 [added(f"Lifecycle rule 'new' adds an expiration after 30 days for every object, {NO_COVERING_RULE}.")],
                 id="disabled-covering-rule-ignored"),
    pytest.param([expiring("all", date=LATER_DATE)], [expiring("new", date=CANONICAL_DATE, rule_filter=LOGS)],
                 [shorter("Lifecycle rule 'new' moves expiration earlier, from 2028-01-01 of current rule 'all' "
                          "to 2027-01-01.")], id="renamed-rule-earlier-date"),
    pytest.param([expiring("all", date=CANONICAL_DATE), expiring("logs", days=90, rule_filter=LOGS)],
                 [expiring("new", days=120, rule_filter=LOGS_APP)], [], id="one-comparable-rule-suffices"),
    pytest.param([expiring("all", noncurrent_days=90)], [expiring("logs", noncurrent_days=30, rule_filter=LOGS)],
                 [shorter("Lifecycle rule 'logs' shortens noncurrent version expiration from 90 days of current rule "
                          "'all' to 30 days.")], id="renamed-noncurrent-shorter"),
    pytest.param([expiring("a", noncurrent_days=10, newer=5), expiring("b", noncurrent_days=30)],
                 [expiring("n", noncurrent_days=20, newer=1)],
                 [shorter("Lifecycle rule 'n' lowers the newer noncurrent versions that noncurrent version expiration "
                          "keeps from 5 of current rule 'a' to 1.")], id="closest-noncurrent-rule-named"),
    pytest.param([expiring("a", noncurrent_days=10, newer=5), expiring("b", noncurrent_days=30)],
                 [expiring("n", noncurrent_days=30, newer=1)], [], id="noncurrent-no-sooner-than-one-rule"),
]


@pytest.mark.parametrize(("current", "desired", "expected"), RETENTION_CASES)
def test_retention_changes(current, desired, expected):
    assert retention_changes(current, desired) == expected


def test_retention_changes_reads_boto3_shapes():
    current = [{"ID": "r1", "Status": "Enabled", "Prefix": "",
                "Expiration": {"Date": datetime.datetime(2028, 1, 1, tzinfo=UTC)}}]
    desired = [rule_to_api(make_rule(id="r1", expiration={"date": "2027-01-01"}))]
    assert retention_changes(current, desired) == [
        ("Lifecycle rule 'r1' moves expiration earlier, from 2028-01-01 to 2027-01-01.", False)
    ]


def test_retention_changes_legacy_prefix_covers():
    current = [{"ID": "old", "Status": "Enabled", "Prefix": "logs/", "Expiration": {"Days": 365}}]
    desired = [rule_to_api(make_rule(id="new", filter={"prefix": "logs/app/"}, expiration={"days": 30}))]
    changes = retention_changes(current, desired)
    assert [change.adds_expiration for change in changes] == [False]
    assert "from 365 days of current rule 'old' to 30 days" in changes[0].message


FILTER_COVERS_CASES = [
    pytest.param({}, {}, True, id="whole-bucket-covers-itself"),
    pytest.param({}, LOGS, True, id="whole-bucket-covers-prefix"),
    pytest.param(LOGS, {}, False, id="prefix-does-not-cover-whole-bucket"),
    pytest.param(LOGS, LOGS, True, id="same-prefix"),
    pytest.param(LOGS, LOGS_APP, True, id="prefix-covers-longer-prefix"),
    pytest.param(LOGS_APP, LOGS, False, id="longer-prefix-does-not-cover"),
    pytest.param({"Prefix": "logs"}, {"Prefix": "logs-old/"}, True, id="prefix-is-text-not-folder"),
    pytest.param({"Prefix": "a/"}, {"Prefix": "b/"}, False, id="sibling-prefixes"),
    pytest.param({}, PROD, True, id="whole-bucket-covers-tag"),
    pytest.param(PROD, PROD_SECURITY, True, id="tag-covers-more-tags"),
    pytest.param(PROD_SECURITY, PROD, False, id="more-tags-do-not-cover-fewer"),
    pytest.param(PROD, {"Tag": {"Key": "env", "Value": "dev"}}, False, id="other-tag-value"),
    pytest.param(PROD, {}, False, id="tag-does-not-cover-whole-bucket"),
    pytest.param({"ObjectSizeGreaterThan": 1000}, {"ObjectSizeGreaterThan": 2000}, True, id="higher-minimum-covered"),
    pytest.param({"ObjectSizeGreaterThan": 1000}, {"ObjectSizeGreaterThan": 500}, False, id="lower-minimum-not-covered"),
    pytest.param({"ObjectSizeGreaterThan": 1000}, {}, False, id="minimum-does-not-cover-whole-bucket"),
    pytest.param({"ObjectSizeLessThan": 1000}, {"ObjectSizeLessThan": 500}, True, id="lower-maximum-covered"),
    pytest.param({"ObjectSizeLessThan": 1000}, {"ObjectSizeLessThan": 2000}, False, id="higher-maximum-not-covered"),
    pytest.param({"ObjectSizeLessThan": 1000}, LOGS, False, id="maximum-does-not-cover-prefix"),
    pytest.param(LOGS, {"And": {"Prefix": "logs/app/", "Tags": [{"Key": "env", "Value": "prod"}],
                                "ObjectSizeGreaterThan": 10}}, True, id="prefix-covers-conjunction"),
    pytest.param({"And": {"Prefix": "logs/", "Tags": [{"Key": "env", "Value": "prod"}]}},
                 {"And": {"Prefix": "logs/app/", "Tags": [{"Key": "env", "Value": "prod"}]}}, True,
                 id="conjunction-covers-narrower-conjunction"),
    pytest.param({"And": {"Prefix": "logs/", "Tags": [{"Key": "env", "Value": "prod"}]}}, LOGS_APP, False,
                 id="conjunction-does-not-cover-prefix-only"),
]


@pytest.mark.parametrize(("wider", "narrower", "expected"), FILTER_COVERS_CASES)
def test_filter_covers(wider, narrower, expected):
    assert filter_covers(wider, narrower) is expected
