"""A fault-injecting HTTP proxy in front of the moto server, for tests of what AWS can answer.

Point boto3 at the proxy (`AWS_ENDPOINT_URL=proxy.url`) instead of at moto. Every request is
forwarded to moto unchanged, except those a `Fault` matches, which get the fault's answer:

    with run_fault_proxy(moto_server.url) as proxy:
        proxy.faults = [Fault("ec2:DescribeSecurityGroups", "deny")]
        ...                                  # run the code under test against proxy.url
        assert proxy.hits["ec2:DescribeSecurityGroups"] == 1

A request is named "service:Operation" (the names vpcprobe's snapshot records in
`api_calls`) from what botocore sent: the signing service in the Authorization header's
credential scope, then the `Action` form field (query and EC2 protocols), the
`X-Amz-Target` header (JSON protocols) or the method and path matched against the
service's botocore model (REST protocols).

Fault kinds:
- `deny`: the service's own access-denied error in its wire shape: EC2's
  `UnauthorizedOperation` XML, the query protocol's `AccessDenied` ErrorResponse (IAM, STS),
  `AccessDeniedException` JSON with `x-amzn-ErrorType` (Lambda, REST-JSON) or `__type`
  (JSON protocols such as Service Quotas). Status 403 (400 for JSON protocols).
- `html`: status 200 with an HTML page (a captive portal or a misconfigured proxy).
- `empty`: status 200 with the body `{}`.
- `truncate`: moto's real answer cut to half its length (Content-Length matches the cut body,
  so the client reads it whole and must notice it is incomplete).

Only 127.0.0.1 is listened on and only the given upstream (a loopback moto) is contacted.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import re
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import botocore.session

from tests.support.loopback_http import answer, serving

FaultKind = Literal["deny", "html", "empty", "truncate"]
FAULT_KINDS: tuple[FaultKind, ...] = ("deny", "html", "empty", "truncate")

# Signing names whose botocore service name differs.
_SERVICE_BY_SIGNING_NAME = {"servicequotas": "service-quotas"}
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in to continue</title></head>"
    b"<body><h1>Network access requires sign-in</h1><p>Please log in.</p></body></html>\n"
)


@dataclass(frozen=True)
class Fault:
    """Answer requests for `api` ("ec2:DescribeSecurityGroups") with `kind`."""

    api: str
    kind: FaultKind


@cache
def _model(service: str) -> object:
    return botocore.session.get_session().get_service_model(service)


@cache
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path pattern, operation) for a REST service, most specific first."""
    model = _model(service)
    routes: list[tuple[int, str, re.Pattern[str], str]] = []
    for name in model.operation_names:  # type: ignore[attr-defined]
        http_spec = model.operation_model(name).http  # type: ignore[attr-defined]
        uri = http_spec["requestUri"].split("?")[0]
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        pattern = re.escape(uri)
        pattern = re.sub(r"\\\{[^}]+?\\\+\\\}", ".+", pattern)  # {Key+}
        pattern = re.sub(r"\\\{[^}]+?\\\}", "[^/]+", pattern)  # {Name}
        routes.append((literal, http_spec["method"], re.compile(pattern + "/?$"), name))
    routes.sort(key=lambda r: -r[0])
    return [(method, pattern, name) for _, method, pattern, name in routes]


def service_of(headers: http.client.HTTPMessage) -> str | None:
    """The botocore service name from the request's SigV4 credential scope."""
    found = _CREDENTIAL_SCOPE.search(headers.get("Authorization", ""))
    if not found:
        return None
    return _SERVICE_BY_SIGNING_NAME.get(found.group(1), found.group(1))


def operation_of(method: str, path: str, headers: http.client.HTTPMessage, body: bytes) -> str:
    """ "service:Operation" for one request, or "unknown:METHOD path"."""
    service = service_of(headers)
    if service is None:
        return f"unknown:{method} {path}"
    target = headers.get("X-Amz-Target")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    parsed = urllib.parse.urlsplit(path)
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
    form.update(urllib.parse.parse_qs(parsed.query))
    if "Action" in form:
        return f"{service}:{form['Action'][0]}"
    try:
        routes = _rest_routes(service)
    except Exception:  # an unknown service: name it by path
        return f"{service}:{method} {parsed.path}"
    request_path = urllib.parse.unquote(parsed.path)
    for route_method, pattern, name in routes:
        if route_method == method and pattern.match(request_path):
            return f"{service}:{name}"
    return f"{service}:{method} {parsed.path}"


def denial(service: str, operation: str) -> tuple[int, dict[str, str], bytes]:
    """The service's access-denied answer in its own protocol's shape."""
    protocol = _model(service).protocol  # type: ignore[attr-defined]
    action = f"{service}:{operation}"
    text = f"User: arn:aws:iam::123456789012:user/tester is not authorized to perform: {action}"
    if protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            "<Code>UnauthorizedOperation</Code>"
            f"<Message>You are not authorized to perform this operation. {text}</Message>"
            "</Error></Errors><RequestID>fault-proxy-0001</RequestID></Response>"
        )
        return 403, {"Content-Type": "text/xml;charset=UTF-8"}, body.encode()
    if protocol == "query":
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{text}</Message></Error>"
            "<RequestId>fault-proxy-0001</RequestId></ErrorResponse>"
        )
        return (
            403,
            {"Content-Type": "text/xml", "x-amzn-RequestId": "fault-proxy-0001"},
            (body.encode()),
        )
    if protocol in ("rest-json", "rest-xml"):
        headers = {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": "AccessDeniedException",
            "x-amzn-RequestId": "fault-proxy-0001",
        }
        return 403, headers, ('{"Type":"User","Message":"' + text + '"}').encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "fault-proxy-0001"}
    return 400, headers, ('{"__type":"AccessDeniedException","message":"' + text + '"}').encode()


@dataclass
class FaultProxy:
    """A running proxy; set `faults` and read `hits` / `seen` from the test."""

    url: str
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)  # api -> faulted answers given
    seen: list[str] = field(default_factory=list)  # every request's api name, in order
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault_for(self, api: str) -> Fault | None:
        with self.lock:
            self.seen.append(api)
            fault = next((f for f in self.faults if f.api == api), None)
            if fault is not None:
                self.hits[api] += 1
            return fault

    def clear(self) -> None:
        with self.lock:
            self.faults = []
            self.hits.clear()
            self.seen.clear()


def _handler(proxy: FaultProxy) -> type[http.server.BaseHTTPRequestHandler]:
    upstream = urllib.parse.urlsplit(proxy.upstream)
    if upstream.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the fault proxy forwards only to a loopback upstream")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            answer(self, status, headers.items(), body)

        def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
            connection = http.client.HTTPConnection(
                upstream.hostname or "127.0.0.1", upstream.port or 80, timeout=30
            )
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                connection.request(self.command, self.path, body=body or None, headers=headers)
                response = connection.getresponse()
                return response.status, dict(response.getheaders()), response.read()
            finally:
                connection.close()

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            api = operation_of(self.command, self.path, self.headers, body)
            fault = proxy.fault_for(api)
            if fault is None:
                self._answer(*self._forward(body))
            elif fault.kind == "deny":
                service, _, operation = api.partition(":")
                self._answer(*denial(service, operation))
            elif fault.kind == "html":
                self._answer(200, {"Content-Type": "text/html; charset=utf-8"}, HTML_PAGE)
            elif fault.kind == "empty":
                self._answer(200, {"Content-Type": "application/json"}, b"{}")
            else:
                status, headers, answer = self._forward(body)
                self._answer(status, headers, answer[: len(answer) // 2])

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

    return Handler


@contextlib.contextmanager
def run_fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """A proxy on a free 127.0.0.1 port forwarding to `upstream`; stopped afterwards."""
    proxy = FaultProxy(url="", upstream=upstream)
    with serving(_handler(proxy), "fault-proxy") as url:
        proxy.url = url
        yield proxy
