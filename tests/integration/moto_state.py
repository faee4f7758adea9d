"""Read what a moto server recorded and stores, through its own /moto-api/ endpoints.

MotoServer.requests_since() returns only the operation names. These helpers
add the raw requests with their headers, the sessions that STS AssumeRole
created, and the account and region of each bucket.
"""

from __future__ import annotations

import json
import urllib.request

from support.moto_server import complete_recording_lines, decode_recorded_line

MOTO_API_TIMEOUT = 10


def moto_api(moto, path: str) -> bytes:
    """GET one of moto's own /moto-api/ endpoints, without any proxy, and return the body."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{moto.endpoint_url}/moto-api/{path}", timeout=MOTO_API_TIMEOUT) as response:
        return response.read()


def recorded_requests(moto, mark: int = 0) -> list[dict]:
    """Return the raw requests (method, url, headers, body) that moto recorded after ``mark``, without /moto-api/ calls.

    ``mark`` comes from ``moto.mark()``, which counts the lines of the same recording.
    """
    text = moto_api(moto, "recorder/download-recording").decode("utf-8", errors="replace")
    requests = [
        entry
        for number, line in enumerate(complete_recording_lines(text)[mark:], start=mark + 1)
        for entry in decode_recorded_line(line, number)
    ]
    return [request for request in requests if "/moto-api/" not in request["url"]]


def request_header(request: dict, name: str) -> str:
    """Return one header of a recorded request, with ``name`` in lower case; empty when absent."""
    return next((value for key, value in request.get("headers", {}).items() if key.lower() == name), "")


def moto_models(moto, service: str, model: str) -> list[dict]:
    """Return every stored instance of one moto model, such as ("sts", "AssumedRole") or ("s3", "FakeBucket")."""
    state = json.loads(moto_api(moto, "data.json"))
    return state.get(service, {}).get(model, [])


def assumed_roles(moto, role_arn: str) -> list[dict]:
    """Return the AssumeRole sessions of one role: role_arn, session_name, external_id, account_id."""
    return [session for session in moto_models(moto, "sts", "AssumedRole") if session["role_arn"] == role_arn]


def bucket_location(moto, bucket: str) -> tuple[str, str]:
    """Return (account id, region) of the bucket that moto stores under that name."""
    matches = [stored for stored in moto_models(moto, "s3", "FakeBucket") if stored["name"] == bucket]
    if len(matches) != 1:
        raise AssertionError(f"expected one bucket named {bucket} in moto, found {len(matches)}")
    return matches[0]["account_id"], matches[0]["region_name"]
