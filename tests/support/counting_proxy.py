"""A loopback HTTP proxy in front of moto that counts every AWS request and can refuse some.

It reads the SigV4 credential scope (region, service) of each request, so a test can count
calls per service and make a whole region answer AccessDenied (as an SCP or a region that is
not enabled would). i10-complete's fault proxy may replace the refusing part later.
"""

from __future__ import annotations

import contextlib
import http.server
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.support.loopback_http import answer, relay, serving

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
                headers = {"Content-Type": content_type, "x-amzn-ErrorType": code}
                answer(self, status, headers.items(), payload)
                return
            relay(self, target, body, timeout=60)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    with serving(Handler, "counting-proxy") as url:
        proxy.url = url
        yield proxy
