"""Tests of the S3 general purpose bucket naming rules."""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._bucket import bucket_name_problems, validate_bucket_name
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError

VALID_NAMES = [
    pytest.param("abc", id="minimum-length"),
    pytest.param("a" * 63, id="maximum-length"),
    pytest.param("example-logs", id="hyphen"),
    pytest.param("123-logs-2026", id="digits"),
    pytest.param("0ab", id="leading-digit"),
]

# Each name breaks one rule, and the fragment is part of the problem text that names the rule.
INVALID_NAMES = [
    pytest.param("ab", "it is 2 characters long, and bucket names must be 3 to 63 characters", id="too-short"),
    pytest.param("a" * 64, "it is 64 characters long", id="too-long"),
    pytest.param("", "it is 0 characters long", id="empty"),
    pytest.param("Example-logs", "only lowercase letters, digits, dots and hyphens", id="uppercase"),
    pytest.param("example_logs", "only lowercase letters, digits, dots and hyphens", id="underscore"),
    pytest.param("example..logs", "must not contain two adjacent dots", id="adjacent-dots"),
    pytest.param("192.168.5.4", "must not look like an IP address", id="ip-address"),
    pytest.param("xn--logs", "the prefix 'xn--' is reserved by S3", id="xn-prefix"),
    pytest.param("sthree-logs", "the prefix 'sthree-' is reserved by S3", id="sthree-prefix"),
    pytest.param("amzn-s3-demo-logs", "the prefix 'amzn-s3-demo-' is reserved by S3", id="demo-prefix"),
    pytest.param("logs-s3alias", "the suffix '-s3alias' is reserved by S3", id="s3alias-suffix"),
    pytest.param("logs--ol-s3", "the suffix '--ol-s3' is reserved by S3", id="object-lambda-suffix"),
    pytest.param("logs.mrap", "the suffix '.mrap' is reserved by S3", id="mrap-suffix"),
    pytest.param("logs--x-s3", "the suffix '--x-s3' is reserved by S3", id="express-suffix"),
    pytest.param("logs--table-s3", "the suffix '--table-s3' is reserved by S3", id="table-suffix"),
    pytest.param("-logs", "must begin and end with a letter or digit", id="leading-hyphen"),
    pytest.param("logs-", "must begin and end with a letter or digit", id="trailing-hyphen"),
    pytest.param(".logs", "must begin and end with a letter or digit", id="leading-dot"),
    pytest.param("logs.", "must begin and end with a letter or digit", id="trailing-dot"),
]


@pytest.mark.parametrize("name", VALID_NAMES)
def test_bucket_name_problems_valid(name):
    assert bucket_name_problems(name) == []


@pytest.mark.parametrize("name, fragment", INVALID_NAMES)
def test_bucket_name_problems_invalid(name, fragment):
    problems = bucket_name_problems(name)

    assert any(fragment in problem for problem in problems), problems


@pytest.mark.parametrize("name", VALID_NAMES)
def test_validate_bucket_name_valid(name):
    assert validate_bucket_name(name) == []


@pytest.mark.parametrize("name, fragment", INVALID_NAMES)
def test_validate_bucket_name_invalid(name, fragment):
    with pytest.raises(ValidationError) as raised:
        validate_bucket_name(name, option="access_logging.target_bucket")

    message = str(raised.value)
    assert message.startswith(f"Invalid bucket name '{name}' in access_logging.target_bucket: ")
    assert fragment in message
    assert message.endswith("Choose a name that follows the S3 bucket naming rules.")


def test_validate_bucket_name_dotted_warning():
    warnings = validate_bucket_name("logs.example.com")

    assert len(warnings) == 1
    assert "Bucket name 'logs.example.com' contains dots" in warnings[0]
    assert "Prefer hyphens." in warnings[0]


def test_bucket_name_problems_dotted_valid():
    assert bucket_name_problems("logs.example.com") == []


def test_validate_bucket_name_lists_every_problem():
    with pytest.raises(ValidationError) as raised:
        validate_bucket_name("A_")

    message = str(raised.value)
    assert "it is 2 characters long" in message
    assert "only lowercase letters, digits, dots and hyphens" in message
