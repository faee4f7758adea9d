"""A forward HTTP proxy on 127.0.0.1 for tests of the modules' proxy settings.

A client configured with ``ForwardProxy.url`` as its HTTP proxy sends each
request with the absolute URL in the request line (``GET http://host:port/path
HTTP/1.1``). The proxy forwards it to that host in origin form, with the
client's headers (``Host`` included, which SigV4 signs) and body unchanged,
and records the method, target and path. It forwards only to 127.0.0.1. It
responds with 403 to a request for any other host and with 405 to
``CONNECT``, so a misconfigured test cannot reach beyond this machine. A
failed upstream request gets 502.
"""

from __future__ import annotations

import dataclasses
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit

ALLOWED_HOST = "127.0.0.1"
UPSTREAM_TIMEOUT = 60.0
# Headers that describe one connection or the proxy hop, not the message, so they are not forwarded.
_HOP_BY_HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
     "trailer", "transfer-encoding", "upgrade", "content-length", "expect"}
)


@dataclasses.dataclass(frozen=True)
class ForwardedRequest:
    """One request that the proxy forwarded: HTTP method, upstream ``host:port`` and URL path."""

    method: str
    target: str
    path: str


@dataclasses.dataclass(frozen=True)
class RejectedRequest:
    """One request that the proxy did not forward, and the error status that it responded with."""

    method: str
    url: str
    status: int


class ForwardProxy:
    """A threaded forward proxy on a free port of 127.0.0.1.

    Use it as a context manager, or call start() and stop(). ``forwarded``
    lists the requests sent on to 127.0.0.1, and ``rejected`` the ones that
    got an error status from the proxy itself, each in the order it finished them.
    """

    HOST = "127.0.0.1"

    def __init__(self) -> None:
        self.forwarded: list[ForwardedRequest] = []
        self.rejected: list[RejectedRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ForwardProxy:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the forward proxy is not running; call start() first")
        return f"http://{self.HOST}:{self._server.server_address[1]}"

    def start(self) -> ForwardProxy:
        """Bind a free port and serve requests on a daemon thread."""
        self._server = ThreadingHTTPServer((self.HOST, 0), _handler_class(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="forward-proxy", daemon=True)
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

    def _record(self, entry: ForwardedRequest | RejectedRequest) -> None:
        with self._lock:
            if isinstance(entry, ForwardedRequest):
                self.forwarded.append(entry)
            else:
                self.rejected.append(entry)


def _handler_class(proxy: ForwardProxy) -> Callable[..., BaseHTTPRequestHandler]:
    class ForwardProxyHandler(BaseHTTPRequestHandler):
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

        def do_CONNECT(self) -> None:
            # A tunnel would hide the requests from the count, and the tests use plain HTTP endpoints.
            self._reject(405, "CONNECT is not supported by this test proxy")

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
            body = self._read_body()
            url = urlsplit(self.path)
            if url.scheme != "http" or url.hostname != ALLOWED_HOST:
                self._reject(403, f"this test proxy forwards only to http://{ALLOWED_HOST}, not to {self.path}")
                return

            origin_form = url.path or "/"
            if url.query:
                origin_form += f"?{url.query}"
            port = url.port or 80
            connection = http.client.HTTPConnection(ALLOWED_HOST, port, timeout=UPSTREAM_TIMEOUT)
            try:
                connection.putrequest(self.command, origin_form, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in _HOP_BY_HOP_HEADERS:
                        connection.putheader(name, value)
                if body or self.command in ("PUT", "POST"):
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body or None)
                upstream = connection.getresponse()
                payload = upstream.read()
                headers = [(name, value) for name, value in upstream.getheaders()
                           if name.lower() not in _HOP_BY_HOP_HEADERS]
                status, reason = upstream.status, upstream.reason
            except (OSError, http.client.HTTPException) as error:
                self._reject(502, f"request to {ALLOWED_HOST}:{port} failed: {error}")
                return
            finally:
                connection.close()

            proxy._record(ForwardedRequest(self.command, f"{ALLOWED_HOST}:{port}", url.path or "/"))
            self.send_response_only(status, reason)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD" and payload:
                self.wfile.write(payload)

        def _reject(self, status: int, message: str) -> None:
            proxy._record(RejectedRequest(self.command, self.path, status))
            body = message.encode("utf-8")
            self.send_response_only(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if self.command != "HEAD":
                self.wfile.write(body)

    return ForwardProxyHandler
