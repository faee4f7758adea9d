# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation, normalisation and comparison of S3 lifecycle rules.

A rule has two shapes. The option shape is what users write: snake_case keys,
``status: enabled`` and dates as ``YYYY-MM-DD``. The canonical API shape is what
``PutBucketLifecycleConfiguration`` takes, normalised so that two rules with the
same meaning are equal as plain dicts:

- ``ID`` and ``Status`` are always present, and so is ``Filter`` (``{}`` for the
  whole bucket, one predicate directly, two or more inside ``And`` with ``Tags``
  sorted by key). An empty prefix is no predicate.
- Other keys are present only when set. Numbers are ints, and an explicit 0 stays 0.
- Transitions are sorted by days or date. Dates are ``YYYY-MM-DDT00:00:00.000Z``.

S3 rejects many rules that moto (5.2) accepts, so ``validate_rules`` checks them
here, before any request is sent.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError

# Transition targets in the order S3 moves objects through them. A later
# transition of a rule must go to a class further down this tuple.
STORAGE_CLASSES = (
    "STANDARD_IA",
    "INTELLIGENT_TIERING",
    "ONEZONE_IA",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
)
_STORAGE_CLASS_RANK = {name: rank for rank, name in enumerate(STORAGE_CLASSES)}
_INFREQUENT_ACCESS_CLASSES = ("STANDARD_IA", "ONEZONE_IA")
_ARCHIVE_CLASSES = ("GLACIER", "DEEP_ARCHIVE")

MAX_RULES = 1000
MAX_ID_LENGTH = 255
MIN_INFREQUENT_ACCESS_DAYS = 30
MIN_DAYS_BEFORE_ARCHIVE = 30
MAX_NEWER_NONCURRENT_VERSIONS = 100
MAX_TAG_KEY_LENGTH = 128
MAX_TAG_VALUE_LENGTH = 256

RULE_KEYS = (
    "id",
    "status",
    "filter",
    "transitions",
    "expiration",
    "noncurrent_version_transitions",
    "noncurrent_version_expiration",
    "abort_incomplete_multipart_upload",
)
_FILTER_KEYS = ("prefix", "tags", "object_size_greater_than", "object_size_less_than")
_TRANSITION_KEYS = ("days", "date", "storage_class")
_EXPIRATION_KEYS = ("days", "date", "expired_object_delete_marker")
_NONCURRENT_TRANSITION_KEYS = ("noncurrent_days", "storage_class", "newer_noncurrent_versions")
_NONCURRENT_EXPIRATION_KEYS = ("noncurrent_days", "newer_noncurrent_versions")
_ABORT_KEYS = ("days_after_initiation",)

_API_DATE_FORMAT = "%Y-%m-%dT00:00:00.000Z"
_API_DATE_SUFFIX = "T00:00:00.000Z"
_INTEGER_PATTERN = re.compile(r"^[+-]?[0-9]+$")
_DATE_PATTERN = re.compile(
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:T(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.(?P<fraction>[0-9]+))?(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
_DATE_FIX = "Write the date as YYYY-MM-DD, such as 2027-01-01, because S3 applies lifecycle dates at midnight UTC."


class _RuleErrors:
    """Factory of ValidationError for one rule, so that every message names the bucket and the rule."""

    def __init__(self, bucket: Optional[str], rule_id: Optional[str], position: Optional[int] = None) -> None:
        self.bucket = bucket
        self.rule_id = rule_id
        self.position = position

    def error(self, field: str, problem: str, fix: str) -> ValidationError:
        if self.rule_id is not None:
            subject = f"Invalid lifecycle rule {self.rule_id!r}"
        elif self.position is not None:
            subject = f"Invalid lifecycle rule number {self.position}"
        else:
            subject = "Invalid lifecycle rule"
        if self.bucket:
            subject += f" on bucket {self.bucket}"
        return ValidationError(
            f"{subject}: {problem}. {fix}",
            bucket=self.bucket,
            rule_id=self.rule_id,
            field=field,
        )


# Option shape to API shape


def validate_rules(rules: List[dict], bucket: str) -> None:
    """Raise ValidationError for the first rule in ``rules`` (option shape) that S3 would reject.

    The message names the bucket, the rule id, the field, the value and the fix.
    """
    if not isinstance(rules, list):
        raise ValidationError(
            f"Invalid lifecycle rules on bucket {bucket}: the rules are {_type_name(rules)}, not a list. "
            "Write the rules as a list of dicts.",
            bucket=bucket,
            field="rules",
        )
    if len(rules) > MAX_RULES:
        raise ValidationError(
            f"Invalid lifecycle rules on bucket {bucket}: {len(rules)} rules exceed the maximum of "
            f"{MAX_RULES} rules that S3 allows per bucket. Merge rules that share a filter, or remove rules.",
            bucket=bucket,
            field="rules",
        )

    first_position_by_id: Dict[str, int] = {}
    for position, rule in enumerate(rules, start=1):
        errors = _RuleErrors(bucket, _label_id(rule), position)
        api_rule = normalize_api_rule(_convert_rule(rule, errors))
        _check_rule(api_rule, errors)

        rule_id = api_rule["ID"]
        if rule_id in first_position_by_id:
            raise errors.error(
                "id",
                f"id {rule_id!r} of rule number {position} is already used by rule number "
                f"{first_position_by_id[rule_id]}",
                "Give each rule a unique id.",
            )
        first_position_by_id[rule_id] = position


def rule_to_api(rule: dict) -> dict:
    """Convert one rule from the option shape to the canonical API shape.

    Numeric strings become ints and dates become ``YYYY-MM-DDT00:00:00.000Z``.
    Only input that cannot be converted raises ValidationError, so call
    ``validate_rules`` first for the checks that S3 applies.
    """
    return normalize_api_rule(_convert_rule(rule, _RuleErrors(None, _label_id(rule))))


def _label_id(rule: Any) -> Optional[str]:
    """Return the id to name in error messages, or None when the rule has no usable id."""
    if not isinstance(rule, dict):
        return None
    value = rule.get("id")
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        return None
    return str(value)


def _convert_rule(rule: Any, errors: _RuleErrors) -> dict:
    if not isinstance(rule, dict):
        raise errors.error(
            "rule",
            f"the rule is {_type_name(rule)}, not a dict",
            "Write each rule as a dict with an id and at least one action.",
        )
    _check_keys(rule, RULE_KEYS, "the rule", errors)

    api_rule: Dict[str, Any] = {
        "ID": _convert_id(rule.get("id"), errors),
        "Status": _convert_status(rule.get("status"), errors),
        "Filter": _convert_filter(rule.get("filter"), errors),
    }

    transitions = _convert_list(rule.get("transitions"), "transitions", _convert_transition, errors)
    if transitions:
        api_rule["Transitions"] = transitions

    expiration = rule.get("expiration")
    if expiration is not None:
        api_rule["Expiration"] = _convert_expiration(expiration, errors)

    noncurrent_transitions = _convert_list(
        rule.get("noncurrent_version_transitions"),
        "noncurrent_version_transitions",
        _convert_noncurrent_transition,
        errors,
    )
    if noncurrent_transitions:
        api_rule["NoncurrentVersionTransitions"] = noncurrent_transitions

    noncurrent_expiration = rule.get("noncurrent_version_expiration")
    if noncurrent_expiration is not None:
        api_rule["NoncurrentVersionExpiration"] = _convert_noncurrent_expiration(noncurrent_expiration, errors)

    abort = rule.get("abort_incomplete_multipart_upload")
    if abort is not None:
        api_rule["AbortIncompleteMultipartUpload"] = _convert_abort(abort, errors)

    return api_rule


def _convert_id(value: Any, errors: _RuleErrors) -> str:
    fix = f"Set id to a unique name of 1 to {MAX_ID_LENGTH} characters."
    if value is None or value == "":
        raise errors.error("id", "id is missing or empty", fix)
    # Integers are accepted because YAML reads an unquoted id such as 2024 as a number.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise errors.error("id", f"id {value!r} is {_type_name(value)}, not a string", fix)
    return str(value)


def _convert_status(value: Any, errors: _RuleErrors) -> str:
    if value is None:
        return "Enabled"
    if isinstance(value, str) and value.lower() in ("enabled", "disabled"):
        return value.capitalize()
    raise errors.error("status", f"status {value!r} is not valid", "Set status to enabled or disabled.")


def _convert_filter(value: Any, errors: _RuleErrors) -> dict:
    if value is None:
        return {}
    _check_dict(value, "filter", errors)
    _check_keys(value, _FILTER_KEYS, "filter", errors)

    predicates: Dict[str, Any] = {}
    prefix = value.get("prefix")
    if prefix is not None:
        if not isinstance(prefix, str):
            raise errors.error(
                "filter.prefix",
                f"filter.prefix {prefix!r} is {_type_name(prefix)}, not a string",
                "Quote the prefix, such as prefix: 'app/'.",
            )
        predicates["Prefix"] = prefix

    tags = value.get("tags")
    if tags is not None:
        predicates["Tags"] = _convert_tags(tags, errors)

    for option, api_key in (
        ("object_size_greater_than", "ObjectSizeGreaterThan"),
        ("object_size_less_than", "ObjectSizeLessThan"),
    ):
        size = value.get(option)
        if size is not None:
            predicates[api_key] = _to_int(size, f"filter.{option}", errors)

    return {"And": predicates} if predicates else {}


def _convert_tags(tags: Any, errors: _RuleErrors) -> List[dict]:
    _check_dict(tags, "filter.tags", errors)
    api_tags = []
    for key, value in tags.items():
        # Tag keys and values are user data, so they pass through unchanged. They
        # must be strings, because YAML turns unquoted yes or 1 into a bool or an int.
        if not isinstance(key, str):
            raise errors.error(
                "filter.tags",
                f"tag key {key!r} in filter.tags is {_type_name(key)}, not a string",
                "Quote the tag key.",
            )
        if not isinstance(value, str):
            raise errors.error(
                "filter.tags",
                f"tag {key!r} in filter.tags has the value {value!r}, which is {_type_name(value)}, not a string",
                "Quote the tag value, or write '' for an empty value.",
            )
        api_tags.append({"Key": key, "Value": value})
    return api_tags


def _convert_list(value: Any, field: str, convert_item, errors: _RuleErrors) -> List[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.error(
            field,
            f"{field} is {_type_name(value)}, not a list",
            f"Write {field} as a list of dicts, one per transition.",
        )
    return [convert_item(item, f"{field}[{index}]", errors) for index, item in enumerate(value)]


def _convert_transition(item: Any, field: str, errors: _RuleErrors) -> dict:
    _check_dict(item, field, errors)
    _check_keys(item, _TRANSITION_KEYS, field, errors)
    transition: Dict[str, Any] = {}
    if item.get("days") is not None:
        transition["Days"] = _to_int(item["days"], f"{field}.days", errors)
    if item.get("date") is not None:
        transition["Date"] = _to_api_date(item["date"], f"{field}.date", errors)
    if item.get("storage_class") is not None:
        transition["StorageClass"] = _to_storage_class(item["storage_class"], f"{field}.storage_class", errors)
    return transition


def _convert_expiration(value: Any, errors: _RuleErrors) -> dict:
    _check_dict(value, "expiration", errors)
    _check_keys(value, _EXPIRATION_KEYS, "expiration", errors)
    expiration: Dict[str, Any] = {}
    if value.get("days") is not None:
        expiration["Days"] = _to_int(value["days"], "expiration.days", errors)
    if value.get("date") is not None:
        expiration["Date"] = _to_api_date(value["date"], "expiration.date", errors)
    marker = value.get("expired_object_delete_marker")
    if marker is not None:
        expiration["ExpiredObjectDeleteMarker"] = _to_bool(marker, "expiration.expired_object_delete_marker", errors)
    return expiration


def _convert_noncurrent_transition(item: Any, field: str, errors: _RuleErrors) -> dict:
    _check_dict(item, field, errors)
    _check_keys(item, _NONCURRENT_TRANSITION_KEYS, field, errors)
    transition: Dict[str, Any] = {}
    if item.get("noncurrent_days") is not None:
        transition["NoncurrentDays"] = _to_int(item["noncurrent_days"], f"{field}.noncurrent_days", errors)
    if item.get("storage_class") is not None:
        transition["StorageClass"] = _to_storage_class(item["storage_class"], f"{field}.storage_class", errors)
    if item.get("newer_noncurrent_versions") is not None:
        transition["NewerNoncurrentVersions"] = _to_int(
            item["newer_noncurrent_versions"], f"{field}.newer_noncurrent_versions", errors
        )
    return transition


def _convert_noncurrent_expiration(value: Any, errors: _RuleErrors) -> dict:
    field = "noncurrent_version_expiration"
    _check_dict(value, field, errors)
    _check_keys(value, _NONCURRENT_EXPIRATION_KEYS, field, errors)
    expiration: Dict[str, Any] = {}
    if value.get("noncurrent_days") is not None:
        expiration["NoncurrentDays"] = _to_int(value["noncurrent_days"], f"{field}.noncurrent_days", errors)
    if value.get("newer_noncurrent_versions") is not None:
        expiration["NewerNoncurrentVersions"] = _to_int(
            value["newer_noncurrent_versions"], f"{field}.newer_noncurrent_versions", errors
        )
    return expiration


def _convert_abort(value: Any, errors: _RuleErrors) -> dict:
    field = "abort_incomplete_multipart_upload"
    _check_dict(value, field, errors)
    _check_keys(value, _ABORT_KEYS, field, errors)
    abort: Dict[str, Any] = {}
    if value.get("days_after_initiation") is not None:
        abort["DaysAfterInitiation"] = _to_int(value["days_after_initiation"], f"{field}.days_after_initiation", errors)
    return abort


def _check_dict(value: Any, field: str, errors: _RuleErrors) -> None:
    if not isinstance(value, dict):
        raise errors.error(field, f"{field} is {_type_name(value)}, not a dict", f"Write {field} as a dict.")


def _check_keys(value: dict, allowed: Tuple[str, ...], where: str, errors: _RuleErrors) -> None:
    for key in value:
        if key not in allowed:
            raise errors.error(
                str(key),
                f"unknown key {key!r} in {where}",
                f"Use only these keys: {', '.join(allowed)}.",
            )


def _to_int(value: Any, field: str, errors: _RuleErrors) -> int:
    # bool is a subclass of int, and yes/no in YAML would otherwise pass as 1 and 0.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER_PATTERN.match(value.strip()):
        return int(value.strip())
    raise errors.error(field, f"{field} {value!r} is not a whole number", f"Set {field} to a whole number.")


def _to_bool(value: Any, field: str, errors: _RuleErrors) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise errors.error(field, f"{field} {value!r} is not a boolean", f"Set {field} to true or false.")


def _to_storage_class(value: Any, field: str, errors: _RuleErrors) -> str:
    if not isinstance(value, str):
        raise errors.error(
            field,
            f"{field} {value!r} is {_type_name(value)}, not a string",
            f"Use one of {', '.join(STORAGE_CLASSES)}.",
        )
    return value


def _to_api_date(value: Any, field: str, errors: _RuleErrors) -> str:
    try:
        return _parse_midnight_utc(value).strftime(_API_DATE_FORMAT)
    except ValueError as exc:
        raise errors.error(field, f"{field} {_date_text(value)!r} {exc}", _DATE_FIX) from None


def _parse_midnight_utc(value: Any) -> datetime.date:
    """Return the date of a midnight-UTC date or timestamp, or raise ValueError with the reason.

    Accepted: ``date`` objects, ``datetime`` objects (naive ones are read as UTC),
    and the strings ``YYYY-MM-DD``, ``YYYY-MM-DDT00:00:00Z``,
    ``YYYY-MM-DDT00:00:00+00:00`` and ``YYYY-MM-DDT00:00:00.000Z``.
    """
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(datetime.timezone.utc)
        if not _is_midnight(value):
            raise ValueError("is not midnight UTC")
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"is {_type_name(value)}, not a date")

    match = _DATE_PATTERN.match(value.strip())
    if match is None:
        raise ValueError("is not a date in the form YYYY-MM-DD")
    try:
        date = datetime.date.fromisoformat(match.group("date"))
    except ValueError:
        raise ValueError("is not a valid calendar date") from None
    if match.group("time") is None:
        return date
    if match.group("zone") is None:
        raise ValueError("has a time but no time zone")
    fraction = match.group("fraction") or "0"
    if match.group("time") != "00:00:00" or fraction.strip("0") or match.group("zone") not in ("Z", "+00:00", "-00:00"):
        raise ValueError("is not midnight UTC")
    return date


def _is_midnight(value: datetime.datetime) -> bool:
    return (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)


def _date_text(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


# Checks of a canonical rule against what S3 accepts


def _check_rule(rule: dict, errors: _RuleErrors) -> None:
    if len(rule["ID"]) > MAX_ID_LENGTH:
        raise errors.error(
            "id",
            f"id is {len(rule['ID'])} characters long, but S3 allows at most {MAX_ID_LENGTH}",
            f"Shorten the id to {MAX_ID_LENGTH} characters or fewer.",
        )
    _check_filter(rule["Filter"], errors)
    _check_has_action(rule, errors)

    transitions = rule.get("Transitions", [])
    for transition in transitions:
        _check_transition(transition, errors)
    _check_expiration(rule, errors)
    _check_days_and_dates_not_mixed(rule, errors)
    _check_transition_order(transitions, "Days", errors)
    _check_transition_order(transitions, "Date", errors)
    _check_expiration_after_transitions(rule, errors)

    noncurrent_transitions = rule.get("NoncurrentVersionTransitions", [])
    for transition in noncurrent_transitions:
        _check_noncurrent_transition(transition, errors)
    _check_transition_order(noncurrent_transitions, "NoncurrentDays", errors)
    _check_noncurrent_expiration(rule, errors)

    _check_abort(rule, errors)


def _check_filter(rule_filter: dict, errors: _RuleErrors) -> None:
    _prefix, tags, greater_than, less_than = _filter_parts(rule_filter)
    for tag in tags:
        if not 1 <= len(tag["Key"]) <= MAX_TAG_KEY_LENGTH:
            raise errors.error(
                "filter.tags",
                f"tag key {tag['Key']!r} in filter.tags is {len(tag['Key'])} characters long, "
                f"but S3 requires 1 to {MAX_TAG_KEY_LENGTH}",
                f"Use a tag key of 1 to {MAX_TAG_KEY_LENGTH} characters.",
            )
        if len(tag["Value"]) > MAX_TAG_VALUE_LENGTH:
            raise errors.error(
                "filter.tags",
                f"the value of tag {tag['Key']!r} in filter.tags is {len(tag['Value'])} characters long, "
                f"but S3 allows at most {MAX_TAG_VALUE_LENGTH}",
                f"Use a tag value of at most {MAX_TAG_VALUE_LENGTH} characters.",
            )

    for option, size in (("object_size_greater_than", greater_than), ("object_size_less_than", less_than)):
        if size is not None and size < 0:
            raise errors.error(
                f"filter.{option}",
                f"filter.{option} is {size} bytes, but object sizes cannot be negative",
                f"Set filter.{option} to 0 or more.",
            )
    if greater_than is not None and less_than is not None and greater_than >= less_than:
        raise errors.error(
            "filter",
            f"filter.object_size_greater_than ({greater_than} bytes) is not less than "
            f"filter.object_size_less_than ({less_than} bytes), so the filter matches no object",
            "Set object_size_greater_than below object_size_less_than.",
        )


def _check_has_action(rule: dict, errors: _RuleErrors) -> None:
    action_keys = (
        "Transitions",
        "Expiration",
        "NoncurrentVersionTransitions",
        "NoncurrentVersionExpiration",
        "AbortIncompleteMultipartUpload",
    )
    if not any(key in rule for key in action_keys):
        raise errors.error(
            "rule",
            "the rule has no action",
            "Set at least one of transitions, expiration, noncurrent_version_transitions, "
            "noncurrent_version_expiration and abort_incomplete_multipart_upload.",
        )


def _check_storage_class(storage_class: Optional[str], description: str, errors: _RuleErrors) -> None:
    if storage_class is None:
        raise errors.error(
            "storage_class",
            f"{description} has no storage_class",
            f"Set storage_class to one of {', '.join(STORAGE_CLASSES)}.",
        )
    if storage_class not in _STORAGE_CLASS_RANK:
        raise errors.error(
            "storage_class",
            f"storage class {storage_class!r} in {description} is not valid",
            f"Use one of {', '.join(STORAGE_CLASSES)}.",
        )


def _check_transition(transition: dict, errors: _RuleErrors) -> None:
    description = _describe_transition(transition)
    _check_storage_class(transition.get("StorageClass"), description, errors)
    if "Days" in transition and "Date" in transition:
        raise errors.error(
            "transitions",
            f"a transition to {transition['StorageClass']} sets both days ({transition['Days']}) "
            f"and date ({_date_view(transition['Date'])})",
            "Set either days or date in each transition, not both.",
        )
    if "Days" not in transition and "Date" not in transition:
        raise errors.error(
            "transitions",
            f"{description} sets neither days nor date",
            "Set days or date in each transition.",
        )

    days = transition.get("Days")
    if days is None:
        return
    if days < 0:
        raise errors.error(
            "transitions.days",
            f"{description} has negative days ({days})",
            "Set days to 0 or more.",
        )
    if transition["StorageClass"] in _INFREQUENT_ACCESS_CLASSES and days < MIN_INFREQUENT_ACCESS_DAYS:
        raise errors.error(
            "transitions.days",
            f"{description} is below the {MIN_INFREQUENT_ACCESS_DAYS}-day minimum that S3 requires "
            "for STANDARD_IA and ONEZONE_IA",
            f"Set days to {MIN_INFREQUENT_ACCESS_DAYS} or more.",
        )


def _check_noncurrent_transition(transition: dict, errors: _RuleErrors) -> None:
    description = _describe_transition(transition)
    _check_storage_class(transition.get("StorageClass"), description, errors)
    days = transition.get("NoncurrentDays")
    if days is None:
        raise errors.error(
            "noncurrent_version_transitions.noncurrent_days",
            f"{description} has no noncurrent_days",
            "Set noncurrent_days in each noncurrent version transition.",
        )
    if days < 0:
        raise errors.error(
            "noncurrent_version_transitions.noncurrent_days",
            f"{description} has negative noncurrent_days ({days})",
            "Set noncurrent_days to 0 or more.",
        )
    if transition["StorageClass"] in _INFREQUENT_ACCESS_CLASSES and days < MIN_INFREQUENT_ACCESS_DAYS:
        raise errors.error(
            "noncurrent_version_transitions.noncurrent_days",
            f"{description} is below the {MIN_INFREQUENT_ACCESS_DAYS}-day minimum that S3 requires "
            "for STANDARD_IA and ONEZONE_IA",
            f"Set noncurrent_days to {MIN_INFREQUENT_ACCESS_DAYS} or more.",
        )
    _check_newer_noncurrent_versions(
        transition.get("NewerNoncurrentVersions"),
        "noncurrent_version_transitions.newer_noncurrent_versions",
        description,
        errors,
    )


def _check_newer_noncurrent_versions(value: Optional[int], field: str, description: str, errors: _RuleErrors) -> None:
    if value is not None and not 1 <= value <= MAX_NEWER_NONCURRENT_VERSIONS:
        raise errors.error(
            field,
            f"newer_noncurrent_versions {value} in {description} is outside the range 1 to "
            f"{MAX_NEWER_NONCURRENT_VERSIONS} that S3 allows",
            f"Set newer_noncurrent_versions to 1 to {MAX_NEWER_NONCURRENT_VERSIONS}, "
            "or leave it out to act on every noncurrent version.",
        )


def _check_days_and_dates_not_mixed(rule: dict, errors: _RuleErrors) -> None:
    """Reject a rule whose transitions and expiration use both days and dates, which S3 rejects."""
    with_days = [(_describe_transition(item), item["Days"]) for item in rule.get("Transitions", []) if "Days" in item]
    with_dates = [
        (_describe_transition(item), _date_view(item["Date"])) for item in rule.get("Transitions", []) if "Date" in item
    ]
    expiration = rule.get("Expiration", {})
    if "Days" in expiration:
        with_days.append(("expiration", expiration["Days"]))
    if "Date" in expiration:
        with_dates.append(("expiration", _date_view(expiration["Date"])))

    if with_days and with_dates:
        days_description, days = with_days[0]
        date_description, date = with_dates[0]
        raise errors.error(
            "transitions",
            f"{days_description} uses days ({days}) but {date_description} uses a date ({date})",
            "Use days for all transitions and the expiration of a rule, or dates for all of them.",
        )


def _check_transition_order(transitions: List[dict], when_key: str, errors: _RuleErrors) -> None:
    """Check transitions that use ``when_key`` (``Days``, ``Date`` or ``NoncurrentDays``) against each other.

    The canonical rule sorts transitions by that key, so neighbours are the
    consecutive steps of an object's life.
    """
    steps = [transition for transition in transitions if when_key in transition]
    when_field = {"Days": "days", "Date": "date", "NoncurrentDays": "noncurrent_days"}[when_key]
    when_phrase = {"Days": "number of days", "Date": "date", "NoncurrentDays": "number of noncurrent days"}[when_key]
    field = ("noncurrent_version_transitions." if when_key == "NoncurrentDays" else "transitions.") + when_field

    first_by_class: Dict[str, dict] = {}
    for step in steps:
        earlier = first_by_class.get(step["StorageClass"])
        if earlier is not None:
            raise errors.error(
                field,
                f"the {_describe_transition(earlier)} and the {_describe_transition(step)} "
                "go to the same storage class",
                "Keep one transition per storage class.",
            )
        first_by_class[step["StorageClass"]] = step

    for earlier, later in zip(steps, steps[1:]):
        if earlier[when_key] == later[when_key]:
            raise errors.error(
                field,
                f"the {_describe_transition(earlier)} and the {_describe_transition(later)} happen at the same time",
                f"Give each transition a different {when_phrase}.",
            )
        if _STORAGE_CLASS_RANK[later["StorageClass"]] < _STORAGE_CLASS_RANK[earlier["StorageClass"]]:
            raise errors.error(
                field,
                f"the {_describe_transition(later)} comes after the {_describe_transition(earlier)}, but S3 moves "
                f"objects only down the order {', '.join(STORAGE_CLASSES)}",
                f"Transition to {later['StorageClass']} before {earlier['StorageClass']}, "
                "or remove one of the two transitions.",
            )

    # NOTE: only day counts are checked for the minimum stay in STANDARD_IA or
    # ONEZONE_IA before GLACIER or DEEP_ARCHIVE. Whether S3 also enforces it
    # between two dates is unverified.
    if when_key == "Date":
        return
    for archive in steps:
        if archive["StorageClass"] not in _ARCHIVE_CLASSES:
            continue
        for infrequent in steps:
            if infrequent["StorageClass"] not in _INFREQUENT_ACCESS_CLASSES:
                continue
            stay = archive[when_key] - infrequent[when_key]
            if 0 <= stay < MIN_DAYS_BEFORE_ARCHIVE:
                raise errors.error(
                    field,
                    f"the {_describe_transition(archive)} comes only {_days(stay)} after the "
                    f"{_describe_transition(infrequent)}, but S3 requires objects to stay in "
                    f"{infrequent['StorageClass']} for at least {MIN_DAYS_BEFORE_ARCHIVE} days",
                    f"Set {when_field} of the {archive['StorageClass']} transition to "
                    f"{infrequent[when_key] + MIN_DAYS_BEFORE_ARCHIVE} or more.",
                )


def _check_expiration(rule: dict, errors: _RuleErrors) -> None:
    expiration = rule.get("Expiration")
    if expiration is None:
        return

    marker = expiration.get("ExpiredObjectDeleteMarker")
    if marker is not None and ("Days" in expiration or "Date" in expiration):
        other = f"days ({expiration['Days']})" if "Days" in expiration else f"date ({_date_view(expiration['Date'])})"
        raise errors.error(
            "expiration.expired_object_delete_marker",
            f"expiration sets expired_object_delete_marker ({str(marker).lower()}) together with {other}",
            "Move expired_object_delete_marker to a rule of its own, or remove it from this expiration.",
        )
    if "Days" in expiration and "Date" in expiration:
        raise errors.error(
            "expiration",
            f"expiration sets both days ({expiration['Days']}) and date ({_date_view(expiration['Date'])})",
            "Set either days or date, not both.",
        )
    if not expiration:
        raise errors.error(
            "expiration",
            "expiration sets none of days, date and expired_object_delete_marker",
            "Set one of them, or remove expiration.",
        )
    if marker and _filter_parts(rule["Filter"])[1]:
        raise errors.error(
            "expiration.expired_object_delete_marker",
            f"expired_object_delete_marker cannot be used with a tag filter ({_describe_tags(rule['Filter'])})",
            "Remove the tags from the filter, or move expired_object_delete_marker to a rule without tags.",
        )

    days = expiration.get("Days")
    if days is not None and days < 1:
        raise errors.error(
            "expiration.days",
            f"expiration.days is {days}, but S3 requires at least 1",
            "Set expiration.days to 1 or more.",
        )


def _check_expiration_after_transitions(rule: dict, errors: _RuleErrors) -> None:
    expiration = rule.get("Expiration", {})
    for when_key in ("Days", "Date"):
        if when_key not in expiration:
            continue
        steps = [item for item in rule.get("Transitions", []) if when_key in item]
        if not steps:
            continue
        last = max(steps, key=lambda step: step[when_key])
        if expiration[when_key] > last[when_key]:
            continue
        if when_key == "Days":
            problem = (
                f"expiration after {_days(expiration['Days'])} is not later than the last transition, "
                f"the {_describe_transition(last)}"
            )
            fix = f"Set expiration.days to {last['Days'] + 1} or more."
        else:
            problem = (
                f"expiration on {_date_view(expiration['Date'])} is not later than the last transition, "
                f"the {_describe_transition(last)}"
            )
            fix = f"Set expiration.date to a day after {_date_view(last['Date'])}."
        raise errors.error(f"expiration.{when_key.lower()}", problem, fix)


def _check_noncurrent_expiration(rule: dict, errors: _RuleErrors) -> None:
    expiration = rule.get("NoncurrentVersionExpiration")
    if expiration is None:
        return
    days = expiration.get("NoncurrentDays")
    if days is None:
        raise errors.error(
            "noncurrent_version_expiration.noncurrent_days",
            "noncurrent_version_expiration has no noncurrent_days",
            "Set noncurrent_version_expiration.noncurrent_days to 1 or more.",
        )
    if days < 1:
        raise errors.error(
            "noncurrent_version_expiration.noncurrent_days",
            f"noncurrent_version_expiration.noncurrent_days is {days}, but S3 requires at least 1",
            "Set noncurrent_version_expiration.noncurrent_days to 1 or more.",
        )
    _check_newer_noncurrent_versions(
        expiration.get("NewerNoncurrentVersions"),
        "noncurrent_version_expiration.newer_noncurrent_versions",
        "noncurrent_version_expiration",
        errors,
    )

    transitions = rule.get("NoncurrentVersionTransitions", [])
    if transitions:
        last = max(transitions, key=lambda step: step["NoncurrentDays"])
        if days <= last["NoncurrentDays"]:
            raise errors.error(
                "noncurrent_version_expiration.noncurrent_days",
                f"noncurrent version expiration after {_days(days, 'noncurrent day')} is not later than the last "
                f"noncurrent version transition, the {_describe_transition(last)}",
                f"Set noncurrent_version_expiration.noncurrent_days to {last['NoncurrentDays'] + 1} or more.",
            )


def _check_abort(rule: dict, errors: _RuleErrors) -> None:
    abort = rule.get("AbortIncompleteMultipartUpload")
    if abort is None:
        return
    days = abort.get("DaysAfterInitiation")
    if days is None or days < 1:
        days_text = "missing" if days is None else str(days)
        raise errors.error(
            "abort_incomplete_multipart_upload.days_after_initiation",
            f"abort_incomplete_multipart_upload.days_after_initiation is {days_text}, but S3 requires at least 1",
            "Set abort_incomplete_multipart_upload.days_after_initiation to 1 or more.",
        )
    if _filter_parts(rule["Filter"])[1]:
        raise errors.error(
            "abort_incomplete_multipart_upload",
            f"abort_incomplete_multipart_upload cannot be used with a tag filter ({_describe_tags(rule['Filter'])})",
            "Remove the tags from the filter, or move abort_incomplete_multipart_upload to a rule without tags.",
        )


def _describe_transition(transition: dict) -> str:
    target = transition.get("StorageClass")
    if "NoncurrentDays" in transition:
        return (
            f"noncurrent version transition to {target} after {_days(transition['NoncurrentDays'], 'noncurrent day')}"
        )
    if "Days" in transition:
        return f"transition to {target} after {_days(transition['Days'])}"
    if "Date" in transition:
        return f"transition to {target} on {_date_view(transition['Date'])}"
    return f"transition to {target}"


def _describe_tags(rule_filter: dict) -> str:
    tags = _filter_parts(rule_filter)[1]
    return "tags " + ", ".join(f"{tag['Key']}={tag['Value']}" for tag in tags)


# Canonical form


def normalize_api_rule(rule: dict) -> dict:
    """Return the canonical form of an API-shaped rule, such as one read from S3 with boto3.

    Unknown keys are dropped, so ``rule_view`` and ``rule_to_api`` round-trip the result.
    """
    # NOTE: a field that S3 adds after this code was written is dropped here,
    # so writing back a rule kept for another id would remove that field.
    canonical: Dict[str, Any] = {}
    if rule.get("ID") is not None:
        canonical["ID"] = str(rule["ID"])
    canonical["Status"] = _normalize_status(rule.get("Status"))
    canonical["Filter"] = _build_filter(*_filter_parts(rule.get("Filter"), rule.get("Prefix")))

    transitions = list(rule.get("Transitions") or [])
    # The deprecated PutBucketLifecycle shape has a single Transition.
    if rule.get("Transition"):
        transitions.append(rule["Transition"])
    if transitions:
        canonical["Transitions"] = sorted(
            (_normalize_transition(item) for item in transitions), key=_transition_sort_key
        )

    expiration = rule.get("Expiration")
    if expiration is not None:
        canonical["Expiration"] = _normalize_expiration(expiration)

    noncurrent_transitions = list(rule.get("NoncurrentVersionTransitions") or [])
    if rule.get("NoncurrentVersionTransition"):
        noncurrent_transitions.append(rule["NoncurrentVersionTransition"])
    if noncurrent_transitions:
        canonical["NoncurrentVersionTransitions"] = sorted(
            (_normalize_noncurrent(item, with_storage_class=True) for item in noncurrent_transitions),
            key=_noncurrent_sort_key,
        )

    noncurrent_expiration = rule.get("NoncurrentVersionExpiration")
    if noncurrent_expiration is not None:
        canonical["NoncurrentVersionExpiration"] = _normalize_noncurrent(
            noncurrent_expiration, with_storage_class=False
        )

    abort = rule.get("AbortIncompleteMultipartUpload")
    if abort is not None:
        canonical["AbortIncompleteMultipartUpload"] = {}
        if abort.get("DaysAfterInitiation") is not None:
            canonical["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] = _lenient_int(
                abort["DaysAfterInitiation"]
            )

    return canonical


def _normalize_status(value: Any) -> str:
    if value is None:
        return "Enabled"
    if isinstance(value, str) and value.lower() in ("enabled", "disabled"):
        return value.capitalize()
    return value


def _filter_parts(
    rule_filter: Optional[dict], legacy_prefix: Optional[str] = None
) -> Tuple[str, List[dict], Optional[int], Optional[int]]:
    """Return the prefix, tags, minimum size and maximum size of a filter in any API form."""
    rule_filter = rule_filter or {}
    conjunction = rule_filter.get("And") or {}
    prefix = rule_filter.get("Prefix") or conjunction.get("Prefix") or legacy_prefix or ""

    tags = []
    single_tag = rule_filter.get("Tag")
    for tag in ([single_tag] if single_tag else []) + list(conjunction.get("Tags") or []):
        value = tag.get("Value")
        tags.append({"Key": str(tag["Key"]), "Value": "" if value is None else str(value)})

    sizes = []
    for key in ("ObjectSizeGreaterThan", "ObjectSizeLessThan"):
        size = rule_filter.get(key)
        if size is None:
            size = conjunction.get(key)
        sizes.append(None if size is None else _lenient_int(size))
    return prefix, tags, sizes[0], sizes[1]


def _build_filter(prefix: str, tags: List[dict], greater_than: Optional[int], less_than: Optional[int]) -> dict:
    """Build the canonical filter: {} with no predicate, one predicate bare, several inside And."""
    predicates: Dict[str, Any] = {}
    if prefix:
        predicates["Prefix"] = prefix
    if tags:
        predicates["Tags"] = sorted(tags, key=lambda tag: (tag["Key"], tag["Value"]))
    # An explicit 0 is a real predicate, because ObjectSizeGreaterThan 0 leaves out empty objects.
    if greater_than is not None:
        predicates["ObjectSizeGreaterThan"] = greater_than
    if less_than is not None:
        predicates["ObjectSizeLessThan"] = less_than

    count = len(predicates) - (1 if tags else 0) + len(tags)
    if count == 0:
        return {}
    if count > 1:
        return {"And": predicates}
    if tags:
        return {"Tag": dict(tags[0])}
    return predicates


def _normalize_transition(transition: dict) -> dict:
    result: Dict[str, Any] = {}
    if transition.get("Days") is not None:
        result["Days"] = _lenient_int(transition["Days"])
    if transition.get("Date") is not None:
        result["Date"] = _normalize_date(transition["Date"])
    if transition.get("StorageClass") is not None:
        result["StorageClass"] = transition["StorageClass"]
    return result


def _normalize_expiration(expiration: dict) -> dict:
    result: Dict[str, Any] = {}
    if expiration.get("Days") is not None:
        result["Days"] = _lenient_int(expiration["Days"])
    if expiration.get("Date") is not None:
        result["Date"] = _normalize_date(expiration["Date"])
    if expiration.get("ExpiredObjectDeleteMarker") is not None:
        result["ExpiredObjectDeleteMarker"] = expiration["ExpiredObjectDeleteMarker"]
    return result


def _normalize_noncurrent(item: dict, with_storage_class: bool) -> dict:
    result: Dict[str, Any] = {}
    if item.get("NoncurrentDays") is not None:
        result["NoncurrentDays"] = _lenient_int(item["NoncurrentDays"])
    if with_storage_class and item.get("StorageClass") is not None:
        result["StorageClass"] = item["StorageClass"]
    if item.get("NewerNoncurrentVersions") is not None:
        result["NewerNoncurrentVersions"] = _lenient_int(item["NewerNoncurrentVersions"])
    return result


def _normalize_date(value: Any) -> Any:
    """Return the canonical text of a date read from S3, or the value unchanged if it is not midnight UTC."""
    try:
        return _parse_midnight_utc(value).strftime(_API_DATE_FORMAT)
    except ValueError:
        pass
    # botocore parses a timestamp without a zone, as moto sends it, in the local
    # time zone, so a local midnight there means midnight UTC on that date.
    if isinstance(value, datetime.datetime) and _is_midnight(value):
        return value.date().strftime(_API_DATE_FORMAT)
    return value


def _lenient_int(value: Any) -> Any:
    if isinstance(value, str) and _INTEGER_PATTERN.match(value.strip()):
        return int(value.strip())
    return value


def _sortable(value: Any) -> Tuple[int, Any]:
    # Keeps sorting total when a malformed rule mixes numbers and text.
    if isinstance(value, int) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def _transition_sort_key(transition: dict) -> tuple:
    if "Days" in transition:
        when = (0, _sortable(transition["Days"]))
    elif "Date" in transition:
        when = (1, _sortable(transition["Date"]))
    else:
        when = (2, (0, 0))
    return when + _storage_class_sort_key(transition)


def _storage_class_sort_key(transition: dict) -> Tuple[int, str]:
    # Ties sort in transition order. Invalid classes go last, so that validation can name them.
    storage_class = str(transition.get("StorageClass", ""))
    return (_STORAGE_CLASS_RANK.get(storage_class, len(STORAGE_CLASSES)), storage_class)


def _noncurrent_sort_key(transition: dict) -> tuple:
    return (
        _sortable(transition.get("NoncurrentDays", -1)),
        _storage_class_sort_key(transition),
        _sortable(transition.get("NewerNoncurrentVersions", -1)),
    )


# Option view of a canonical rule


def rule_view(api_rule: dict) -> dict:
    """Convert an API-shaped rule to the option shape (snake_case, lowercase status, dates as YYYY-MM-DD).

    ``rule_to_api(rule_view(rule)) == rule`` for every canonical rule.
    """
    rule = normalize_api_rule(api_rule)
    status = rule["Status"]
    view: Dict[str, Any] = {
        "id": rule.get("ID"),
        "status": status.lower() if isinstance(status, str) else status,
        "filter": _filter_view(rule["Filter"]),
    }

    if "Transitions" in rule:
        view["transitions"] = [_transition_view(item) for item in rule["Transitions"]]
    if "Expiration" in rule:
        view["expiration"] = _expiration_view(rule["Expiration"])
    if "NoncurrentVersionTransitions" in rule:
        view["noncurrent_version_transitions"] = [
            _noncurrent_view(item) for item in rule["NoncurrentVersionTransitions"]
        ]
    if "NoncurrentVersionExpiration" in rule:
        view["noncurrent_version_expiration"] = _noncurrent_view(rule["NoncurrentVersionExpiration"])
    if "AbortIncompleteMultipartUpload" in rule:
        abort = rule["AbortIncompleteMultipartUpload"]
        view["abort_incomplete_multipart_upload"] = (
            {"days_after_initiation": abort["DaysAfterInitiation"]} if "DaysAfterInitiation" in abort else {}
        )
    return view


def _filter_view(rule_filter: dict) -> dict:
    prefix, tags, greater_than, less_than = _filter_parts(rule_filter)
    view: Dict[str, Any] = {}
    if prefix:
        view["prefix"] = prefix
    if tags:
        view["tags"] = {tag["Key"]: tag["Value"] for tag in tags}
    if greater_than is not None:
        view["object_size_greater_than"] = greater_than
    if less_than is not None:
        view["object_size_less_than"] = less_than
    return view


def _transition_view(transition: dict) -> dict:
    view: Dict[str, Any] = {}
    if "Days" in transition:
        view["days"] = transition["Days"]
    if "Date" in transition:
        view["date"] = _date_view(transition["Date"])
    if "StorageClass" in transition:
        view["storage_class"] = transition["StorageClass"]
    return view


def _expiration_view(expiration: dict) -> dict:
    view: Dict[str, Any] = {}
    if "Days" in expiration:
        view["days"] = expiration["Days"]
    if "Date" in expiration:
        view["date"] = _date_view(expiration["Date"])
    if "ExpiredObjectDeleteMarker" in expiration:
        view["expired_object_delete_marker"] = expiration["ExpiredObjectDeleteMarker"]
    return view


def _noncurrent_view(item: dict) -> dict:
    view: Dict[str, Any] = {}
    if "NoncurrentDays" in item:
        view["noncurrent_days"] = item["NoncurrentDays"]
    if "StorageClass" in item:
        view["storage_class"] = item["StorageClass"]
    if "NewerNoncurrentVersions" in item:
        view["newer_noncurrent_versions"] = item["NewerNoncurrentVersions"]
    return view


def _date_view(api_date: Any) -> Any:
    if isinstance(api_date, str) and api_date.endswith(_API_DATE_SUFFIX):
        return api_date[: -len(_API_DATE_SUFFIX)]
    return api_date


# Comparison of rule lists


def rules_by_id(rules: List[dict]) -> Dict[str, dict]:
    """Index API-shaped rules by ``ID``. A later rule with the same id replaces an earlier one."""
    return {rule["ID"]: rule for rule in rules}


def merge_rules(current: List[dict], desired: List[dict], purge: bool) -> List[dict]:
    """Return the rules to write, from canonical current and desired rules.

    With ``purge`` the result is exactly ``desired``. Otherwise current rules
    keep their position, a desired rule replaces the current rule with its id,
    and desired rules with new ids are appended in their order.
    """
    if purge:
        return list(desired)

    desired_by_id = rules_by_id(desired)
    merged = []
    placed_ids = set()
    for rule in current:
        rule_id = rule["ID"]
        if rule_id in placed_ids:
            continue
        merged.append(desired_by_id.get(rule_id, rule))
        placed_ids.add(rule_id)
    for rule in desired:
        if rule["ID"] not in placed_ids:
            merged.append(rule)
            placed_ids.add(rule["ID"])
    return merged


def rule_sets_equal(first: List[dict], second: List[dict]) -> bool:
    """Compare two lists of API-shaped rules as sets keyed by id, ignoring the order of rules and transitions."""

    def canonical_sorted(rules: List[dict]) -> List[dict]:
        canonical = [normalize_api_rule(rule) for rule in rules]
        # repr breaks ties between rules with the same id, and equal canonical rules have equal reprs.
        return sorted(canonical, key=lambda rule: (str(rule.get("ID")), repr(rule)))

    return canonical_sorted(first) == canonical_sorted(second)


# Retention: whether new rules make S3 delete objects sooner than the current rules


class RetentionChange(NamedTuple):
    """One way in which new lifecycle rules make S3 delete objects sooner than the current rules do."""

    message: str
    # True when no current rule expires those objects at all. That deletes logs
    # only when the bucket already contains objects, which the caller checks.
    adds_expiration: bool


def retention_changes(current: List[dict], desired: List[dict]) -> List[RetentionChange]:
    """Describe each new or changed rule in ``desired`` that makes S3 delete objects sooner than ``current`` does.

    Both lists are API-shaped. Retention is compared by filter scope, whatever
    the rule ids: the expiration of a new or changed enabled rule is compared
    with those of the enabled current rules whose filter covers the same or a
    wider set of objects (``filter_covers``). The new expiration is no decrease
    when it is no earlier than at least one of them, because the first
    expiration that applies to an object deletes it. When none of them has
    an expiration, the new rule adds one. Noncurrent version expiration is
    compared the same way, with its number of newer noncurrent versions kept.
    """
    # NOTE: only a current rule that covers the whole scope of a new rule counts.
    # Where several narrower current rules together expire every object of that
    # scope, the new rule is still reported, so the check errs towards asking
    # for allow_retention_decrease.
    current_rules = [normalize_api_rule(rule) for rule in current]
    current_by_id = rules_by_id(current_rules)
    enabled_rules = [rule for rule in current_rules if rule["Status"] == "Enabled"]
    changes: List[RetentionChange] = []
    for new_rule in (normalize_api_rule(rule) for rule in desired):
        same_id = current_by_id.get(new_rule.get("ID", ""))
        if new_rule["Status"] != "Enabled" or same_id == new_rule:
            continue
        covering = [rule for rule in enabled_rules if filter_covers(rule["Filter"], new_rule["Filter"])]
        changes.extend(_expiration_changes(new_rule, covering, same_id))
        changes.extend(_noncurrent_expiration_changes(new_rule, covering, same_id))
    return changes


def filter_covers(wider: dict, narrower: dict) -> bool:
    """Tell whether every object that the filter ``narrower`` matches also matches the filter ``wider``.

    An empty filter covers every filter. Otherwise the prefix of ``narrower``
    must start with the prefix of ``wider``, ``narrower`` must have every tag of
    ``wider``, and its size bounds must be the same or tighter.
    """
    wider_prefix, wider_tags, wider_minimum, wider_maximum = _filter_parts(wider)
    prefix, tags, minimum, maximum = _filter_parts(narrower)
    prefix_covered = prefix.startswith(wider_prefix)
    tags_covered = all(tag in tags for tag in wider_tags)
    minimum_covered = wider_minimum is None or (minimum is not None and minimum >= wider_minimum)
    maximum_covered = wider_maximum is None or (maximum is not None and maximum <= wider_maximum)
    return prefix_covered and tags_covered and minimum_covered and maximum_covered


def _expiration_changes(new_rule: dict, covering: List[dict], same_id: Optional[dict]) -> List[RetentionChange]:
    # An expiration that only removes expired delete markers deletes no data, so it counts as none.
    new = new_rule.get("Expiration", {})
    when_key = _expiration_key(new)
    if when_key is None:
        return []
    name = f"Lifecycle rule {new_rule['ID']!r}"
    expiring = [rule for rule in covering if _expiration_key(rule.get("Expiration", {})) is not None]
    if not expiring:
        return [
            RetentionChange(
                f"{name} adds an {_describe_expiration(new)} for {_describe_scope(new_rule['Filter'])}, "
                f"where no enabled current rule with the same or a wider filter has one{_disabled_note(same_id)}.",
                adds_expiration=True,
            )
        ]

    # Days and dates compare only with their own kind.
    comparable = [rule for rule in expiring if when_key in rule["Expiration"]]
    new_when = _comparable_when(new, when_key)
    if any(new_when >= _comparable_when(rule["Expiration"], when_key) for rule in comparable):
        return []
    if not comparable:
        old_rule = expiring[0]
        old = old_rule["Expiration"]
        return [
            RetentionChange(
                f"{name} replaces the {_describe_expiration(old)}{_source(old_rule, new_rule)} "
                f"with an {_describe_expiration(new)}.",
                adds_expiration=False,
            )
        ]

    old_rule = min(comparable, key=lambda rule: _comparable_when(rule["Expiration"], when_key))
    old = old_rule["Expiration"]
    source = _source(old_rule, new_rule)
    if when_key == "Days":
        message = f"{name} shortens expiration from {_days(old['Days'])}{source} to {_days(new['Days'])}."
    else:
        message = (
            f"{name} moves expiration earlier, from {_date_view(old['Date'])}{source} to {_date_view(new['Date'])}."
        )
    return [RetentionChange(message, adds_expiration=False)]


def _noncurrent_expiration_changes(
    new_rule: dict, covering: List[dict], same_id: Optional[dict]
) -> List[RetentionChange]:
    new = new_rule.get("NoncurrentVersionExpiration") or {}
    if "NoncurrentDays" not in new:
        return []
    name = f"Lifecycle rule {new_rule['ID']!r}"
    expiring = [rule for rule in covering if "NoncurrentDays" in (rule.get("NoncurrentVersionExpiration") or {})]
    if not expiring:
        return [
            RetentionChange(
                f"{name} adds a noncurrent version expiration after {_days(new['NoncurrentDays'], 'noncurrent day')} "
                f"for {_describe_scope(new_rule['Filter'])}, where no enabled current rule with the same or a wider "
                f"filter has one{_disabled_note(same_id)}.",
                adds_expiration=True,
            )
        ]

    shortenings = [_noncurrent_shortenings(name, rule, new, _source(rule, new_rule)) for rule in expiring]
    if any(not messages for messages in shortenings):
        return []
    # Name the current rule that differs least: the fewest shortenings, then the fewest noncurrent days.
    closest = min(
        range(len(expiring)),
        key=lambda index: (len(shortenings[index]), expiring[index]["NoncurrentVersionExpiration"]["NoncurrentDays"]),
    )
    return [RetentionChange(message, adds_expiration=False) for message in shortenings[closest]]


def _noncurrent_shortenings(name: str, old_rule: dict, new: dict, source: str) -> List[str]:
    """Describe how ``new`` deletes noncurrent versions sooner than the expiration of ``old_rule``."""
    old = old_rule["NoncurrentVersionExpiration"]
    messages = []
    if new["NoncurrentDays"] < old["NoncurrentDays"]:
        messages.append(
            f"{name} shortens noncurrent version expiration from {_days(old['NoncurrentDays'])}{source} "
            f"to {_days(new['NoncurrentDays'])}."
        )
    # Without NewerNoncurrentVersions, S3 keeps no extra noncurrent versions.
    old_kept = old.get("NewerNoncurrentVersions", 0)
    new_kept = new.get("NewerNoncurrentVersions", 0)
    if new_kept < old_kept:
        messages.append(
            f"{name} lowers the newer noncurrent versions that noncurrent version expiration keeps "
            f"from {old_kept}{source} to {new_kept}."
        )
    return messages


def _describe_expiration(expiration: dict) -> str:
    if "Days" in expiration:
        return f"expiration after {_days(expiration['Days'])}"
    return f"expiration on {_date_view(expiration['Date'])}"


def _expiration_key(expiration: dict) -> Optional[str]:
    """Return the key that sets when objects expire (``Days`` or ``Date``), or None."""
    for key in ("Days", "Date"):
        if key in expiration:
            return key
    return None


def _comparable_when(expiration: dict, when_key: str) -> Any:
    """Return the days, or the ``YYYY-MM-DD`` text of the date, which sorts like the date itself."""
    value = expiration[when_key]
    if when_key == "Days":
        return value
    # A date that is not midnight UTC stays a datetime after normalisation; its day is what counts.
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    return str(value)[:10]


def _describe_scope(rule_filter: dict) -> str:
    prefix, tags, minimum, maximum = _filter_parts(rule_filter)
    parts = []
    if prefix:
        parts.append(f"prefix {prefix!r}")
    if tags:
        parts.append("tags " + ", ".join(f"{tag['Key']}={tag['Value']}" for tag in tags))
    if minimum is not None:
        parts.append(f"a size over {minimum} bytes")
    if maximum is not None:
        parts.append(f"a size under {maximum} bytes")
    if not parts:
        return "every object"
    return "objects with " + " and ".join(parts)


def _source(old_rule: dict, new_rule: dict) -> str:
    """Name the current rule in a message about ``new_rule``, unless it is the current version of the same rule."""
    if old_rule["ID"] == new_rule["ID"]:
        return ""
    return f" of current rule {old_rule['ID']!r}"


def _disabled_note(same_id: Optional[dict]) -> str:
    if same_id is None or same_id["Status"] == "Enabled":
        return ""
    return f" (the current rule {same_id['ID']!r} is disabled)"


def _days(count: Any, unit: str = "day") -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _type_name(value: Any) -> str:
    names = {dict: "a dict", list: "a list", str: "a string", bool: "a boolean", int: "an integer", float: "a float"}
    if value is None:
        return "null"
    return names.get(type(value), f"a {type(value).__name__}")
