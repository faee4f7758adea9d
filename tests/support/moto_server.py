"""A moto server on 127.0.0.1 for tests, with a log of the AWS API calls it received.

The request log uses moto's own request recorder (``MOTO_ENABLE_RECORDING``):
moto appends one JSON entry and a newline per request to a file before it
runs the request, so an entry is in the file by the time the client has its
response. Each server writes to its own file in a private temporary directory.
The entry and its newline are two write calls, so entries of concurrent
requests can share a line (see decode_recorded_line()).

The recorder stores the raw HTTP request (method, URL, headers, body), so this
module derives the AWS operation name from it. S3 REST calls are named by
method, path and query subresource, JSON-protocol calls by ``X-Amz-Target``,
and query-protocol calls by the ``Action`` parameter. The recorder does not
store the response, so the log cannot tell a failed call from a successful one.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FAKE_ACCESS_KEY_ID = "testing"
FAKE_SECRET_ACCESS_KEY = "testing"
DEFAULT_REGION = "us-east-1"

# Operation names that start with one of these change state. The list goes
# beyond the usual Put/Create/Delete so that a check-mode test also catches
# multipart uploads, copies, IAM group changes and KMS key rotation.
WRITE_PREFIXES = (
    "Abort",
    "Add",
    "Attach",
    "Cancel",
    "Complete",
    "Copy",
    "Create",
    "Delete",
    "Detach",
    "Disable",
    "Enable",
    "Put",
    "Remove",
    "Restore",
    "Rotate",
    "Schedule",
    "Set",
    "Tag",
    "Untag",
    "Update",
    "Upload",
)

# S3 bucket subresources whose GET, PUT and DELETE operations follow the
# pattern Get<name>, Put<name>, Delete<name>. None means that S3 has no
# operation for that method.
_S3_BUCKET_SUBRESOURCES = {
    "accelerate": ("GetBucketAccelerateConfiguration", "PutBucketAccelerateConfiguration", None),
    "acl": ("GetBucketAcl", "PutBucketAcl", None),
    "analytics": ("GetBucketAnalyticsConfiguration", "PutBucketAnalyticsConfiguration",
                  "DeleteBucketAnalyticsConfiguration"),
    "cors": ("GetBucketCors", "PutBucketCors", "DeleteBucketCors"),
    "encryption": ("GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption"),
    "intelligent-tiering": ("GetBucketIntelligentTieringConfiguration",
                            "PutBucketIntelligentTieringConfiguration",
                            "DeleteBucketIntelligentTieringConfiguration"),
    "inventory": ("GetBucketInventoryConfiguration", "PutBucketInventoryConfiguration",
                  "DeleteBucketInventoryConfiguration"),
    "lifecycle": ("GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration",
                  "DeleteBucketLifecycle"),
    "location": ("GetBucketLocation", None, None),
    "logging": ("GetBucketLogging", "PutBucketLogging", None),
    "metrics": ("GetBucketMetricsConfiguration", "PutBucketMetricsConfiguration",
                "DeleteBucketMetricsConfiguration"),
    "notification": ("GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration", None),
    "object-lock": ("GetObjectLockConfiguration", "PutObjectLockConfiguration", None),
    "ownershipControls": ("GetBucketOwnershipControls", "PutBucketOwnershipControls",
                          "DeleteBucketOwnershipControls"),
    "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
    "policyStatus": ("GetBucketPolicyStatus", None, None),
    "publicAccessBlock": ("GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"),
    "replication": ("GetBucketReplication", "PutBucketReplication", "DeleteBucketReplication"),
    "requestPayment": ("GetBucketRequestPayment", "PutBucketRequestPayment", None),
    "tagging": ("GetBucketTagging", "PutBucketTagging", "DeleteBucketTagging"),
    "versioning": ("GetBucketVersioning", "PutBucketVersioning", None),
    "website": ("GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"),
}

# A GET of these subresources without an "id" parameter lists the configurations.
_S3_LISTABLE_SUBRESOURCES = {
    "analytics": "ListBucketAnalyticsConfigurations",
    "intelligent-tiering": "ListBucketIntelligentTieringConfigurations",
    "inventory": "ListBucketInventoryConfigurations",
    "metrics": "ListBucketMetricsConfigurations",
}

_S3_OBJECT_SUBRESOURCES = {
    "acl": ("GetObjectAcl", "PutObjectAcl", None),
    "attributes": ("GetObjectAttributes", None, None),
    "legal-hold": ("GetObjectLegalHold", "PutObjectLegalHold", None),
    "retention": ("GetObjectRetention", "PutObjectRetention", None),
    "tagging": ("GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging"),
    "torrent": ("GetObjectTorrent", None, None),
}

_METHOD_INDEX = {"GET": 0, "PUT": 1, "DELETE": 2}

# Operation name prefix of requests that this module cannot name.
UNRECOGNIZED = "Unrecognized"

# The same whitespace that the json module skips between documents.
_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")

# Variables that could point boto3, botocore or the AWS CLI at real
# credentials, a real profile or another endpoint. env() removes them from
# the inherited environment before it adds the fake settings.
_AWS_VARIABLE_PREFIXES = ("AWS_", "BOTO_")


class MotoServerError(RuntimeError):
    """Raised when the moto server cannot be started or reached."""


@dataclasses.dataclass(frozen=True)
class ApiCall:
    """One AWS API request received by the server, named as in the AWS API reference."""

    service: str
    operation: str
    method: str
    path: str

    @property
    def is_write(self) -> bool:
        """Tell whether the operation changes state, judged by its name.

        A request that could not be named counts as a write unless its HTTP
        method is GET or HEAD, so that a check for "no writes" errs on the
        side of failing.
        """
        if self.operation.startswith(UNRECOGNIZED):
            return self.method not in ("GET", "HEAD")
        return self.operation.startswith(WRITE_PREFIXES)

    def __str__(self) -> str:
        return f"{self.service}:{self.operation}"


def pick_free_port(host: str = "127.0.0.1") -> int:
    """Return a port that was free a moment ago. Another process may still take it first."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class MotoServer:
    """A ``moto_server`` subprocess on 127.0.0.1 that records every request it receives.

    Use it as a context manager, or call start() and stop(). The server runs
    with the Python interpreter of the current process, so it is the moto
    installed next to the tests.
    """

    HOST = "127.0.0.1"
    SCHEME = "http"
    START_ATTEMPTS = 3

    def __init__(
        self,
        region: str = DEFAULT_REGION,
        start_timeout: float = 10.0,
        stop_timeout: float = 5.0,
        extra_server_env: dict[str, str] | None = None,
    ) -> None:
        self.region = region
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.extra_server_env = dict(extra_server_env or {})
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._recording: Path | None = None
        self._server_log: Path | None = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # Lifecycle

    def __enter__(self) -> MotoServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise MotoServerError("the moto server is not running; call start() first")
        return f"{self.SCHEME}://{self.HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self) -> MotoServer:
        """Start the server on a free port and wait until it responds.

        A port picked by binding to port 0 can be taken by another process
        before the server binds it, so a failed bind is retried on a new port.
        """
        if self._process is not None:
            raise MotoServerError(f"the moto server is already running on {self.endpoint_url}")
        self._workdir = Path(tempfile.mkdtemp(prefix="moto-server-"))
        self._recording = self._workdir / "requests.jsonl"
        self._recording.touch()

        last_error = ""
        for _attempt in range(self.START_ATTEMPTS):
            port = pick_free_port(self.HOST)
            outcome = self._start_on(port)
            if outcome is None:
                return self
            last_error = outcome
            if "in use" not in outcome:
                break
        self._cleanup_workdir()
        raise MotoServerError(f"moto server failed to start: {last_error}")

    def _start_on(self, port: int) -> str | None:
        """Start the server on one port and return None once it responds, or else the reason it failed."""
        assert self._workdir is not None
        self._server_log = self._workdir / f"server-{port}.log"
        command = [sys.executable, "-m", "moto.server", "-H", self.HOST, "-p", str(port), *self._server_arguments()]
        with open(self._server_log, "wb") as log:
            process = subprocess.Popen(
                command,
                env=self._server_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._workdir,
            )
        self._process = process
        self.port = port

        # The probe carries a fresh token that must appear in this server's
        # recording. Otherwise another process that owns the port responded.
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self._forget_process()
                return f"the process exited with code {process.returncode}: {self._read_server_log()}"
            if self._probe(token) and token in self._recording.read_text(errors="replace"):
                return None
            time.sleep(0.05)

        self._stop_process()
        return (
            f"no response from {self.HOST}:{port} within {self.start_timeout:.0f} s "
            f"(started as: {' '.join(command)}); server output: {self._read_server_log()}"
        )

    def _server_arguments(self) -> list[str]:
        """Return the moto.server options that a subclass adds to the command, such as TLS files."""
        return []

    def _probe(self, token: str) -> bool:
        url = f"{self.SCHEME}://{self.HOST}:{self.port}/moto-api/data.json?probe={token}"
        try:
            with self._opener.open(url, timeout=1) as response:
                response.read()
                return response.status == 200
        except (OSError, http.client.HTTPException):
            return False

    def stop(self) -> None:
        """Stop the server process and remove its working directory. Calling it twice is safe."""
        try:
            self._stop_process()
        finally:
            self._cleanup_workdir()

    def _stop_process(self) -> None:
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=self.stop_timeout)
        finally:
            self._forget_process()

    def _forget_process(self) -> None:
        self._process = None
        self.port = None

    def _cleanup_workdir(self) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = None
        self._recording = None
        self._server_log = None

    def _read_server_log(self) -> str:
        if self._server_log is None or not self._server_log.exists():
            return "(no output)"
        text = self._server_log.read_text(errors="replace").strip()
        return text[-4000:] if text else "(no output)"

    def _server_env(self) -> dict[str, str]:
        env = self._fake_aws_env(self.region, None)
        env.update(
            MOTO_ENABLE_RECORDING="true",
            MOTO_RECORDER_FILEPATH=str(self._recording),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_server_env)
        return env

    # State

    def reset(self) -> None:
        """Clear every resource in the server with POST /moto-api/reset. The request log is kept."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        try:
            with self._opener.open(request, timeout=10) as response:
                response.read()
        except (OSError, http.client.HTTPException) as error:
            raise MotoServerError(f"moto reset failed on {self.endpoint_url}: {error}") from error

    def env(self, region: str | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
        """Return a complete environment for a child process that talks to this server.

        It starts from ``base`` (default: os.environ) without any AWS_* or
        BOTO_* variable, so no real profile, credentials, session token or
        endpoint can leak in, and adds fake credentials and this endpoint.
        """
        env = self._fake_aws_env(region or self.region, base)
        env["AWS_ENDPOINT_URL"] = self.endpoint_url
        return env

    def _fake_aws_env(self, region: str, base: dict[str, str] | None) -> dict[str, str]:
        source = os.environ if base is None else base
        env = {key: value for key, value in source.items() if not key.startswith(_AWS_VARIABLE_PREFIXES)}
        env.update(
            AWS_ACCESS_KEY_ID=FAKE_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY=FAKE_SECRET_ACCESS_KEY,
            AWS_DEFAULT_REGION=region,
            AWS_REGION=region,
            AWS_EC2_METADATA_DISABLED="true",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
        # A proxy set in the environment must not see loopback traffic.
        for name in ("NO_PROXY", "no_proxy"):
            hosts = [host for host in env.get(name, "").split(",") if host]
            env[name] = ",".join(hosts + [host for host in (self.HOST, "localhost") if host not in hosts])
        return env

    # Request log

    def mark(self) -> int:
        """Return the current position in the request log, for requests_since() and writes_since()."""
        return len(self._read_log_lines())

    def requests_since(self, mark: int = 0) -> list[ApiCall]:
        """List the AWS API calls received after ``mark``, oldest first, without moto's own API."""
        calls = []
        for number, line in enumerate(self._read_log_lines()[mark:], start=mark + 1):
            for entry in decode_recorded_line(line, number):
                call = classify_recorded_request(entry)
                if call is not None:
                    calls.append(call)
        return calls

    def writes_since(self, mark: int = 0) -> list[ApiCall]:
        """List the calls after ``mark`` whose operation changes state."""
        return [call for call in self.requests_since(mark) if call.is_write]

    def _read_log_lines(self) -> list[str]:
        if self._recording is None:
            raise MotoServerError("the moto server is not running; call start() first")
        return complete_recording_lines(self._recording.read_text(errors="replace"))


def complete_recording_lines(text: str) -> list[str]:
    """Split the text of a recorder file into its newline-terminated lines.

    The text after the last newline is left out because it can be an entry
    that moto is still writing, cut off anywhere. moto only appends to the
    file (unless /moto-api/recorder/reset-recording empties it), so the
    number of lines is a stable position in the request log.
    """
    return text.split("\n")[:-1]


def decode_recorded_line(line: str, line_number: int = 0) -> list[dict]:
    """Decode every recorder entry on one complete line of the request log, in file order.

    moto's recorder writes an entry and then its newline with two write calls.
    With Python 3.11's 8 KiB file buffer, an entry over 8 KiB reaches the file
    before its newline does, so the entry of a concurrent request can land in
    between. That leaves two or more entries on one line and empty lines after
    it. ``line_number`` (1-based) only goes into the error message.

    Raises MotoServerError for a line that is not a sequence of JSON objects,
    rather than skip it, because a skipped entry could hide a write.
    """
    decoder = json.JSONDecoder()
    entries = []
    position = _JSON_WHITESPACE.match(line).end()
    while position < len(line):
        start = position
        try:
            entry, position = decoder.raw_decode(line, start)
        except json.JSONDecodeError as error:
            raise MotoServerError(
                f"invalid JSON in line {line_number} of the moto request log, in the entry at character {start}: "
                f"{error.msg} at character {error.pos}; line starts with {line[:200]!r}"
            ) from error
        if not isinstance(entry, dict):
            raise MotoServerError(
                f"line {line_number} of the moto request log contains a JSON {type(entry).__name__}, "
                f"expected an object per request; line starts with {line[:200]!r}"
            )
        entries.append(entry)
        position = _JSON_WHITESPACE.match(line, position).end()
    return entries


def classify_recorded_request(entry: dict) -> ApiCall | None:
    """Name the AWS operation of one recorder entry, or return None for moto's own /moto-api/ calls."""
    url = urlsplit(entry["url"])
    if url.path.startswith("/moto-api/"):
        return None

    headers = {key.lower(): value for key, value in entry.get("headers", {}).items()}
    method = entry["method"].upper()
    query = parse_qs(url.query, keep_blank_values=True)
    body = _decode_body(entry)
    service = _service_of(headers, query)

    target = headers.get("x-amz-target")
    if target:
        return ApiCall(service, target.rsplit(".", 1)[-1], method, url.path)

    action = _query_action(query, headers, body)
    if action:
        return ApiCall(service, action, method, url.path)

    if service in ("s3", ""):
        operation = s3_operation(method, url.path, query, headers)
        return ApiCall(service or "s3", operation, method, url.path)

    return ApiCall(service, f"{UNRECOGNIZED} {method} {url.path}", method, url.path)


def _decode_body(entry: dict) -> bytes:
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8") if isinstance(body, str) else b""


def _service_of(headers: dict[str, str], query: dict[str, list[str]]) -> str:
    """Read the service name from the SigV4 credential scope: KEY/DATE/REGION/SERVICE/aws4_request."""
    credential = ""
    authorization = headers.get("authorization", "")
    if "Credential=" in authorization:
        credential = authorization.split("Credential=", 1)[1].split(",", 1)[0]
    elif "X-Amz-Credential" in query:
        credential = query["X-Amz-Credential"][0]
    parts = credential.split("/")
    return parts[3] if len(parts) >= 5 else ""


def _query_action(query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> str | None:
    if "Action" in query:
        return query["Action"][0]
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        if "Action" in form:
            return form["Action"][0]
    return None


def s3_operation(method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> str:
    """Name the S3 REST operation of a path-style request (``/bucket`` or ``/bucket/key``)."""
    bucket, _separator, key = path.lstrip("/").partition("/")
    if not bucket:
        return "ListBuckets" if method == "GET" else f"{UNRECOGNIZED} {method} /"
    if key:
        return _s3_object_operation(method, query, headers)
    return _s3_bucket_operation(method, query)


def _s3_bucket_operation(method: str, query: dict[str, list[str]]) -> str:
    for name, operations in _S3_BUCKET_SUBRESOURCES.items():
        if name not in query:
            continue
        if method == "GET" and name in _S3_LISTABLE_SUBRESOURCES and "id" not in query:
            return _S3_LISTABLE_SUBRESOURCES[name]
        index = _METHOD_INDEX.get(method)
        operation = None if index is None else operations[index]
        return operation or f"{UNRECOGNIZED} {method} ?{name}"

    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    if method == "GET":
        if query.get("list-type") == ["2"]:
            return "ListObjectsV2"
        if "uploads" in query:
            return "ListMultipartUploads"
        if "versions" in query:
            return "ListObjectVersions"
        return "ListObjects"
    return {"PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}.get(
        method, f"{UNRECOGNIZED} {method} bucket"
    )


def _s3_object_operation(method: str, query: dict[str, list[str]], headers: dict[str, str]) -> str:
    for name, operations in _S3_OBJECT_SUBRESOURCES.items():
        if name in query:
            index = _METHOD_INDEX.get(method)
            operation = None if index is None else operations[index]
            return operation or f"{UNRECOGNIZED} {method} object ?{name}"

    copies = "x-amz-copy-source" in headers
    if method == "GET":
        return "ListParts" if "uploadId" in query else "GetObject"
    if method == "HEAD":
        return "HeadObject"
    if method == "PUT":
        if "uploadId" in query:
            return "UploadPartCopy" if copies else "UploadPart"
        return "CopyObject" if copies else "PutObject"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in query else "DeleteObject"
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        if "uploadId" in query:
            return "CompleteMultipartUpload"
        if "restore" in query:
            return "RestoreObject"
        if "select" in query:
            return "SelectObjectContent"
    return f"{UNRECOGNIZED} {method} object"
