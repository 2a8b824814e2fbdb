"""A loopback HTTP proxy in front of moto that counts every AWS request and can refuse some.

It reads the SigV4 credential scope (region, service) of each request, so a test can count
calls per service and make a whole region answer AccessDenied (as an SCP or a region that is
not enabled would). i10-complete's fault proxy may replace the refusing part later.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass
class Seen:
    """One request as the proxy saw it."""

    region: str
    service: str
    body: bytes
    path: str
    access_key: str = ""  # the access key ID that signed it (an assumed role's differs)


Refuse = Callable[[Seen], tuple[int, str, str] | None]  # (status, code, message) or None


@dataclass
class CountingProxy:
    """Counts requests per (service, region); `refuse` decides which ones get an error."""

    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    refuse: Refuse | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()

    @property
    def total(self) -> int:
        return len(self.requests)

    def by_service(self) -> Counter[str]:
        return Counter(r.service for r in self.requests)


def relay(
    handler: http.server.BaseHTTPRequestHandler, target: SplitResult, body: bytes, *, timeout: float
) -> None:
    """Send `handler`'s request (with `body`) to `target` and its answer back, as it came."""
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=timeout)
    headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
    headers["Host"] = f"{target.hostname}:{target.port}"
    connection.request(handler.command, handler.path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    handler.send_response(response.status)
    for key, value in response.getheaders():
        if key.lower() not in ("content-length", "transfer-encoding", "connection"):
            handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)
    connection.close()


def _error_body(service: str, code: str, message: str) -> tuple[bytes, str]:
    if service in ("ec2",):
        return (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            "</Errors><RequestID>proxy</RequestID></Response>"
        ).encode(), "text/xml"
    if service in ("iam", "sts"):
        return (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>"
        ).encode(), "text/xml"
    return (f'{{"__type": "{code}", "message": "{message}", "Message": "{message}"}}').encode(), (
        "application/json"
    )


@contextlib.contextmanager
def run_counting_proxy(upstream: str) -> Iterator[CountingProxy]:
    """Serve on a free loopback port, forwarding to `upstream` (moto's URL)."""
    target = urlsplit(upstream)
    proxy = CountingProxy()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            match = _SCOPE.search(self.headers.get("Authorization", ""))
            key, region, service = match.groups() if match else ("", "?", "?")
            seen = Seen(region=region, service=service, body=body, path=self.path, access_key=key)
            with proxy.lock:
                proxy.requests.append(seen)
            refused = proxy.refuse(seen) if proxy.refuse else None
            if refused is not None:
                status, code, message = refused
                payload, content_type = _error_body(service, code, message)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("x-amzn-ErrorType", code)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            relay(self, target, body, timeout=60)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
