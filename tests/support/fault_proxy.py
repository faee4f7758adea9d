"""An HTTP reverse proxy on 127.0.0.1 that injects AWS faults between the modules and a moto server.

Point a client at ``FaultProxy.url`` instead of the moto endpoint. Every
request goes on to moto unchanged, except that the proxy:

- fails a share of the requests (``failure_rate``, drawn from a seeded
  random generator) with the error that the service sends. For S3 these are
  the XML errors 503 ``SlowDown``, 500 ``InternalError``, 400
  ``RequestTimeout`` and 409 ``OperationAborted``, for KMS the JSON
  ``ThrottlingException``, for STS and IAM the query-protocol ``Throttling``,
  and for every service a connection closed without a response.
  ``InternalError`` and the closed connection happen before or after moto ran
  the request, because in AWS a write can succeed and its response still get
  lost;
- with ``stale_reads``, returns the previous response once to the first GET
  after a successful write to the same URL, as an eventually consistent read
  of a bucket setting does;
- with ``kinds=("AccessDenied",)`` and ``operations``, denies those
  operations as a caller without the permission sees it;
- with ``reject_credentials``, fails every request as AWS does for a wrong
  secret key: ``SignatureDoesNotMatch``, and for S3 with the canonical request
  in the error body, which contains the session token.

A fault never hits the same request (method, URL and body) more than
``max_consecutive_faults`` times in a row, so every request succeeds within
a bounded number of attempts. The proxy never answers a request that it did
not receive from a client, and it only connects to the upstream URL it was
given.

Faults are drawn per request, and the modules send some requests
concurrently, so a seed fixes the draws but not which request gets which.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import http.client
import json
import random
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit

from support.moto_server import classify_recorded_request

# Headers that describe one connection, not the message, so they are not forwarded.
_HOP_BY_HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "content-length", "expect"}
)
UPSTREAM_TIMEOUT = 60.0

_S3_ERRORS = {
    "SlowDown": (503, "Please reduce your request rate."),
    "InternalError": (500, "We encountered an internal error. Please try again."),
    "RequestTimeout": (
        400,
        "Your socket connection to the server was not read from or written to within the timeout period. "
        "Idle connections will be closed.",
    ),
    "OperationAborted": (
        409,
        "A conflicting conditional operation is currently in progress against this resource. Please try again.",
    ),
    "AccessDenied": (403, "Access Denied"),
}
_QUERY_NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
_SIGNATURE_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)

# Drawn only when ``kinds`` names it: a missing permission is not a transient fault.
ACCESS_DENIED = "AccessDenied"
DROP_BEFORE = "drop-before"
DROP_AFTER = "drop-after"
INTERNAL_ERROR_AFTER = "InternalError-after"
# Fault kinds by service. S3 returns OperationAborted only for requests that change
# a bucket, and RequestTimeout only for requests with a body, so those two kinds
# are drawn only for such requests.
S3_READ_FAULTS = ("SlowDown", "InternalError", INTERNAL_ERROR_AFTER, DROP_BEFORE, DROP_AFTER)
S3_WRITE_FAULTS = (*S3_READ_FAULTS, "RequestTimeout", "OperationAborted")
KMS_FAULTS = ("ThrottlingException", DROP_BEFORE)
QUERY_FAULTS = ("Throttling", DROP_BEFORE)


@dataclasses.dataclass(frozen=True)
class InjectedFault:
    """One fault that the proxy returned in place of, or after, forwarding a request."""

    service: str
    operation: str
    method: str
    path: str
    kind: str

    def __str__(self) -> str:
        return f"{self.service}:{self.operation} {self.method} {self.path} -> {self.kind}"


@dataclasses.dataclass
class _Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


class FaultProxy:
    """A threaded reverse proxy on a free port of 127.0.0.1 in front of ``upstream_url``.

    Use it as a context manager, or call start() and stop(). ``faults`` lists
    the faults injected so far and ``stale_replays`` the URLs whose old
    response was returned, both for assertion messages.
    """

    HOST = "127.0.0.1"

    def __init__(
        self,
        upstream_url: str,
        failure_rate: float = 0.0,
        seed: int = 0,
        max_consecutive_faults: int = 2,
        stale_reads: bool = False,
        reject_credentials: bool = False,
        kinds: tuple[str, ...] | None = None,
        operations: tuple[str, ...] | None = None,
    ) -> None:
        upstream = urlsplit(upstream_url)
        if upstream.hostname not in ("127.0.0.1", "localhost") or upstream.scheme != "http":
            raise ValueError(f"the fault proxy forwards only to http://127.0.0.1, not to {upstream_url}")
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError(f"failure_rate must be between 0 and 1, got {failure_rate}")
        self.upstream_host = upstream.hostname
        self.upstream_port = upstream.port or 80
        self.failure_rate = failure_rate
        self.max_consecutive_faults = max_consecutive_faults
        self.stale_reads = stale_reads
        self.reject_credentials = reject_credentials
        # None draws from every kind that fits the request; a tuple limits the draw to those kinds.
        self.kinds = kinds
        # None lets a fault hit any request; a tuple of API operation names limits faults to those requests.
        self.operations = operations
        self.faults: list[InjectedFault] = []
        self.stale_replays: list[str] = []
        self.requests = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._consecutive: dict[str, int] = {}
        self._last_reads: dict[str, _Response] = {}
        self._stale_urls: set[str] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fault proxy is not running; call start() first")
        return f"http://{self.HOST}:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        """Bind a free port and serve requests on a daemon thread."""
        handler = _handler_class(self)
        self._server = ThreadingHTTPServer((self.HOST, 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket. Calling it twice is safe."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    # Decisions, made under the lock because requests arrive on several threads.

    def _choose_fault(
        self, service: str, operation: str, method: str, request_key: str, has_body: bool
    ) -> str | None:
        with self._lock:
            self.requests += 1
            if self.operations is not None and operation not in self.operations:
                return None
            if self._random.random() >= self.failure_rate:
                self._consecutive.pop(request_key, None)
                return None
            if self._consecutive.get(request_key, 0) >= self.max_consecutive_faults:
                self._consecutive.pop(request_key, None)
                return None
            candidates = _fault_kinds(service, method, has_body)
            if self.kinds is not None:
                candidates = tuple(kind for kind in self.kinds if kind in candidates or kind == ACCESS_DENIED)
            if not candidates:
                return None
            self._consecutive[request_key] = self._consecutive.get(request_key, 0) + 1
            return self._random.choice(candidates)

    def _record_fault(self, fault: InjectedFault) -> None:
        with self._lock:
            self.faults.append(fault)

    def _stale_response(self, method: str, url: str) -> _Response | None:
        """Return the previous response once, for the first GET of ``url`` after a write to it."""
        if not self.stale_reads or method != "GET":
            return None
        with self._lock:
            if url not in self._stale_urls:
                return None
            self._stale_urls.discard(url)
            previous = self._last_reads.get(url)
            if previous is not None:
                self.stale_replays.append(f"GET {url}")
            return previous

    def _remember(self, method: str, url: str, response: _Response) -> None:
        if not self.stale_reads:
            return
        with self._lock:
            if method == "GET":
                self._last_reads[url] = response
            elif method != "HEAD" and response.status < 300:
                self._stale_urls.add(url)

    # Upstream

    def _forward(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> _Response:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=UPSTREAM_TIMEOUT)
        try:
            connection.putrequest(method, url, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP_HEADERS:
                    connection.putheader(name, value)
            if body or method in ("PUT", "POST"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            upstream = connection.getresponse()
            payload = upstream.read()
            kept = [(name, value) for name, value in upstream.getheaders() if name.lower() not in _HOP_BY_HOP_HEADERS]
            return _Response(upstream.status, upstream.reason, kept, payload)
        finally:
            connection.close()


def _fault_kinds(service: str, method: str, has_body: bool) -> tuple[str, ...]:
    if service == "kms":
        return KMS_FAULTS
    if service in _QUERY_NAMESPACES:
        return QUERY_FAULTS
    if method == "HEAD":
        # A HEAD response has no body, so only the status code carries the error.
        return ("SlowDown", "InternalError", DROP_BEFORE)
    if method in ("PUT", "POST", "DELETE"):
        kinds = S3_WRITE_FAULTS
        return kinds if has_body else tuple(kind for kind in kinds if kind != "RequestTimeout")
    return S3_READ_FAULTS


def _service_of(headers: dict[str, str]) -> str:
    """Read the service from the SigV4 credential scope: KEY/DATE/REGION/SERVICE/aws4_request."""
    authorization = headers.get("authorization", "")
    if "Credential=" not in authorization:
        return ""
    scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else ""


def _request_id() -> str:
    return uuid.uuid4().hex[:16].upper()


def error_response(service: str, code: str, method: str, extra_fields: dict[str, str] | None = None) -> _Response:
    """Build the error response that ``service`` sends for ``code``, in that service's protocol."""
    request_id = _request_id()
    if service == "kms":
        code = "AccessDeniedException" if code == ACCESS_DENIED else code
        message = {"ThrottlingException": "Rate exceeded", "AccessDeniedException": "Access denied"}.get(
            code, _SIGNATURE_MESSAGE
        )
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", request_id)]
        return _Response(400, "Bad Request", headers, body)
    if service in _QUERY_NAMESPACES:
        message = {"Throttling": "Rate exceeded", ACCESS_DENIED: "Access denied"}.get(code, _SIGNATURE_MESSAGE)
        status = 400 if code == "Throttling" else 403
        body = (
            f'<ErrorResponse xmlns="{_QUERY_NAMESPACES[service]}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        return _Response(status, "Error", [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body)

    status, message = _S3_ERRORS.get(code, (403, _SIGNATURE_MESSAGE))
    headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id), ("x-amz-id-2", request_id)]
    if method == "HEAD":
        return _Response(status, "Error", headers, b"")
    fields = "".join(f"<{name}>{_xml_text(value)}</{name}>" for name, value in (extra_fields or {}).items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>{fields}"
        f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
    ).encode()
    return _Response(status, "Error", headers, body)


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signature_mismatch_fields(method: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
    """Return the fields that S3 adds to SignatureDoesNotMatch, the canonical request with every signed header value."""
    authorization = headers.get("authorization", "")
    signed = ""
    if "SignedHeaders=" in authorization:
        signed = authorization.split("SignedHeaders=", 1)[1].split(",", 1)[0]
    path, _separator, query = url.partition("?")
    header_lines = "".join(f"{name}:{headers.get(name, '')}\n" for name in signed.split(";") if name)
    payload_hash = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    access_key = authorization.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in authorization else ""
    return {
        "AWSAccessKeyId": access_key,
        "StringToSign": f"AWS4-HMAC-SHA256\n{headers.get('x-amz-date', '')}",
        "SignatureProvided": authorization.rsplit("Signature=", 1)[-1] if "Signature=" in authorization else "",
        "CanonicalRequest": f"{method}\n{path}\n{query}\n{header_lines}\n{signed}\n{payload_hash}",
    }


def _handler_class(proxy: FaultProxy) -> Callable[..., BaseHTTPRequestHandler]:
    class FaultProxyHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            self._handle()

        def do_HEAD(self) -> None:
            self._handle()

        def do_PUT(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def do_DELETE(self) -> None:
            self._handle()

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _handle(self) -> None:
            method = self.command
            body = self._read_body()
            header_items = list(self.headers.items())
            headers = {name.lower(): value for name, value in header_items}
            url = self.path
            if urlsplit(url).path.startswith("/moto-api/"):
                self._send(proxy._forward(method, url, header_items, body), method)
                return

            service = _service_of(headers)
            # The same entry shape as moto's request recorder, so that requests are named the same way.
            entry = {"method": method, "url": url, "headers": headers,
                     "body": base64.b64encode(body).decode(), "body_encoded": True}
            call = classify_recorded_request(entry)
            operation = call.operation if call is not None else "?"
            service = service or "s3"

            if proxy.reject_credentials:
                self._reject(service, method, url, headers, body, operation)
                return

            stale = proxy._stale_response(method, url)
            if stale is not None:
                self._send(stale, method)
                return

            request_key = f"{method} {url} {hashlib.sha256(body).hexdigest()}"
            kind = proxy._choose_fault(service, operation, method, request_key, bool(body))
            if kind is None:
                response = proxy._forward(method, url, header_items, body)
                proxy._remember(method, url, response)
                self._send(response, method)
                return

            proxy._record_fault(InjectedFault(service, operation, method, urlsplit(url).path, kind))
            if kind.endswith("-after"):
                response = proxy._forward(method, url, header_items, body)
                proxy._remember(method, url, response)
            if kind in (DROP_BEFORE, DROP_AFTER):
                self._drop()
                return
            self._send(error_response(service, kind.removesuffix("-after"), method), method)

        def _reject(self, service: str, method: str, url: str, headers: dict[str, str], body: bytes,
                    operation: str) -> None:
            proxy._record_fault(InjectedFault(service, operation, method, urlsplit(url).path, "SignatureDoesNotMatch"))
            code = "InvalidSignatureException" if service == "kms" else "SignatureDoesNotMatch"
            extra = signature_mismatch_fields(method, url, headers, body) if service == "s3" else None
            self._send(error_response(service, code, method, extra), method)

        def _drop(self) -> None:
            # Closing without any response is what a client sees when a connection is reset mid-request.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def _send(self, response: _Response, method: str) -> None:
            self.send_response_only(response.status, response.reason)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if method != "HEAD" and response.body:
                self.wfile.write(response.body)

    return FaultProxyHandler
