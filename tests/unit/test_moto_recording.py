"""Parsing of moto's request recorder file, which the integration tests read as their request log.

No moto server runs here. The recordings are built in the shape that moto's
recorder writes: one JSON object per request, then a newline as a separate
write, so concurrent requests can put several entries on one line.
"""

from __future__ import annotations

import json

import pytest

# The collection-qualified name works under `ansible-test units` (the copy
# under build/ has no `tests` on sys.path) and under plain pytest.
from ansible_collections.logsafe.aws.tests.support.moto_server import (
    MotoServerError,
    classify_recorded_request,
    complete_recording_lines,
    decode_recorded_line,
)

CREDENTIAL = "Credential=testing/20261204/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"


def entry(method: str, url: str, service: str = "s3", body: str = "", **headers: str) -> dict:
    """Build one recorder entry as moto writes it: method, raw URL, headers and body."""
    headers = {"Authorization": f"AWS4-HMAC-SHA256 {CREDENTIAL.format(service=service)}", **headers}
    return {"headers": headers, "method": method, "url": url, "body": body, "body_encoded": False}


def encode(value: dict) -> str:
    return json.dumps(value)


def decode_all(text: str, mark: int = 0) -> list[dict]:
    """Decode every entry after ``mark`` the way MotoServer.requests_since() does."""
    lines = complete_recording_lines(text)
    return [
        item for number, line in enumerate(lines[mark:], start=mark + 1) for item in decode_recorded_line(line, number)
    ]


GET_POLICY = entry("GET", "http://127.0.0.1:5000/logs?policy")
PUT_TAGGING = entry("PUT", "http://127.0.0.1:5000/logs?tagging", body="<Tagging/>")
# Over 8 KiB, so moto's file buffer writes it before its newline.
PUT_POLICY = entry("PUT", "http://127.0.0.1:5000/logs?policy", body=json.dumps({"Statement": ["x" * 9000]}))
KMS_DESCRIBE = entry(
    "POST", "http://127.0.0.1:5000/", service="kms", body="{}", **{"X-Amz-Target": "TrentService.DescribeKey"}
)


def test_one_entry_per_line():
    text = encode(GET_POLICY) + "\n" + encode(KMS_DESCRIBE) + "\n"

    assert decode_all(text) == [GET_POLICY, KMS_DESCRIBE]


def test_two_entries_on_one_line():
    # A large entry written before its newline, another request's entry and
    # newline, then the first entry's newline, which is left on a line of its own.
    text = encode(GET_POLICY) + "\n" + encode(PUT_POLICY) + encode(PUT_TAGGING) + "\n" + "\n"

    assert complete_recording_lines(text)[2] == ""
    assert decode_all(text) == [GET_POLICY, PUT_POLICY, PUT_TAGGING]
    assert [str(classify_recorded_request(item)) for item in decode_all(text)] == [
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:PutBucketTagging",
    ]


def test_three_entries_with_whitespace():
    line = f" {encode(GET_POLICY)}\t{encode(PUT_TAGGING)}\r{encode(KMS_DESCRIBE)} "

    assert decode_recorded_line(line) == [GET_POLICY, PUT_TAGGING, KMS_DESCRIBE]


@pytest.mark.parametrize("line", ["", " ", "\t\r"])
def test_empty_line_has_no_entry(line):
    assert decode_recorded_line(line) == []


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param(encode(PUT_POLICY)[:5000], id="cut-off-entry"),
        pytest.param(encode(PUT_POLICY), id="entry-without-newline"),
        pytest.param(encode(PUT_POLICY) + encode(PUT_TAGGING)[:40], id="entry-and-cut-off-entry"),
    ],
)
def test_partial_trailing_entry_ignored(tail):
    text = encode(GET_POLICY) + "\n" + tail

    assert complete_recording_lines(text) == [encode(GET_POLICY)]
    assert decode_all(text) == [GET_POLICY]


def test_mark_stays_valid_while_writing():
    """A line count taken while an entry is half written still splits the log at the same request."""
    before = encode(GET_POLICY) + "\n"
    while_writing = before + encode(PUT_POLICY)[:3000]
    mark = len(complete_recording_lines(while_writing))

    after = before + encode(PUT_POLICY) + encode(PUT_TAGGING) + "\n" + "\n"

    assert mark == 1
    assert decode_all(after, mark) == [PUT_POLICY, PUT_TAGGING]
    assert decode_all(after, len(complete_recording_lines(after))) == []


def test_invalid_line_raises_with_line_number():
    # A cut-off entry followed by a newline means the file is damaged, and
    # skipping it could hide a write, so it must raise.
    line = encode(GET_POLICY) + encode(PUT_POLICY)[:100]

    with pytest.raises(MotoServerError) as raised:
        decode_recorded_line(line, 7)

    message = str(raised.value)
    assert "line 7 of the moto request log" in message
    assert f"in the entry at character {len(encode(GET_POLICY))}" in message


@pytest.mark.parametrize("line", ['["GET", "/logs"]', '{"method": "GET"} 42', '"text"'])
def test_non_object_entry_raises(line):
    with pytest.raises(MotoServerError, match="expected an object per request"):
        decode_recorded_line(line, 3)
