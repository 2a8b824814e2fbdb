"""The probe's facts as plain records: what a cold start builds, with the standard library only.

The versioned wire contract is `vpcprobe.models` (pydantic): the collector validates every
report with it. The probe itself never imports pydantic on a cold start with a valid request
(defining its models alone cost several times a bare handler's whole cold start), so it
builds these records and writes them as JSON with `to_json()`, in exactly the shape the
contract's `ProbeReport.model_dump(mode="json")` has (tests/probe/test_contract.py holds
the two together). The enums, limits and host-name checks live here once and
`vpcprobe.models` re-exports them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

SCHEMA_VERSION: Literal[1] = 1
MAX_TARGETS = 64
MAX_DNS_NAMES = 64
MAX_NAMESERVERS = 16
DEFAULT_TIMEOUT_S = 2.0
MAX_TIMEOUT_S = 10.0
SYSTEM_RESOLVER = "system"
LAMBDA_DNS_FORWARDER = "169.254.78.1"

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


class Transport(StrEnum):
    """How a DNS query travels; `system` is getaddrinfo, as application code sees it."""

    UDP = "udp"
    TCP = "tcp"
    SYSTEM = "system"


class RecordType(StrEnum):
    A = "A"
    AAAA = "AAAA"
    CNAME = "CNAME"
    TXT = "TXT"
    MX = "MX"
    SRV = "SRV"


class DnsStatus(StrEnum):
    OK = "ok"
    NXDOMAIN = "nxdomain"
    NO_ANSWER = "no_answer"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    ERROR = "error"
    SKIPPED = "skipped"


class TcpStatus(StrEnum):
    OPEN = "open"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    DNS_FAILED = "dns_failed"
    ERROR = "error"
    SKIPPED = "skipped"


class AwsStatus(StrEnum):
    OK = "ok"
    ACCESS_DENIED = "access_denied"
    TIMEOUT = "timeout"
    DNS_FAILED = "dns_failed"
    CONNECT_FAILED = "connect_failed"
    ERROR = "error"
    SKIPPED = "skipped"


class SkipReason(StrEnum):
    """Why a step produced no observation."""

    DEADLINE = "deadline"
    DISABLED = "disabled"


class ReportStatus(StrEnum):
    OK = "ok"
    INVALID_REQUEST = "invalid_request"
    ERROR = "error"  # the probe itself failed (a bug): `errors` says how


# ---------------------------------------------------------------------------- host names


def is_ip(text: str) -> bool:
    """True for an IPv4 or IPv6 literal (an IPv6 %scope is allowed): the one such test that
    both the probe and the collector use."""
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def validate_hostname(host: str) -> str:
    """Return `host` if it is an IP literal or a valid DNS name (trailing dot allowed)."""
    host = host.strip()
    if is_ip(host):
        return host
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253:
        raise ValueError(f"{host!r} is not a valid host name")
    labels = name.split(".")
    for label in labels:
        # Underscores stay allowed (_sip._tcp.example.com, hosts named db_1), but a label
        # needs at least one letter or digit.
        if not _LABEL.match(label) or not label.strip("_-"):
            raise ValueError(f"{host!r} is not a valid host name")
    if labels[-1].isdigit():
        # 10.0.0.256 or 1.2.3: no top-level domain is all digits, so this was meant as an
        # IP address, and it is not a valid one.
        raise ValueError(f"{host!r} is neither a valid IP address nor a valid host name")
    return host


def target_display(host: str, port: int, label: str | None = None) -> str:
    """How a target is named to people: its label, else host:port (IPv6 in brackets)."""
    if label:
        return label
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_host_port(text: str) -> tuple[str, int]:
    """Split "host:port" or "[v6]:port" into (host, port); raise ValueError saying why not."""
    text = text.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError(f"{text!r}: write an IPv6 target as [address]:port")
        port_text = rest[1:]
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep:
            raise ValueError(f"{text!r}: expected host:port")
        if ":" in host:
            raise ValueError(f"{text!r}: write an IPv6 target as [address]:port")
    if not port_text.isdigit():
        raise ValueError(f"{text!r}: port must be a number from 1 to 65535")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"{text!r}: port must be a number from 1 to 65535")
    return validate_hostname(host), port


_URL_PORTS = {"https": 443, "http": 80}


def _without_userinfo(text: str) -> tuple[str, bool]:
    """`text` (scheme://...) with any `user:password@` before the host cut out, and whether
    there was one: credentials in a URL are never echoed into a note, an error or a report."""
    scheme, _, rest = text.partition("://")
    end = len(rest)
    for mark in "/?#":
        found = rest.find(mark)
        if found != -1:
            end = min(end, found)
    netloc = rest[:end]
    if "@" not in netloc:
        return text, False
    return f"{scheme}://{netloc.rpartition('@')[2]}{rest[end:]}", True


def url_label(text: str) -> tuple[str, str | None]:
    """An http(s) URL target and the `=LABEL` after it, as for `HOST:PORT=LABEL`:
    `https://db.example/=orders-db` -> (`https://db.example/`, `orders-db`). A URL with a query
    (`?a=b`) keeps its `=`: no label is split from it. Anything else comes back as it is."""
    scheme, sep, _ = text.partition("://")
    if not sep or scheme.lower() not in _URL_PORTS or "?" in text:
        return text, None
    url, equals, label = text.rpartition("=")
    if not equals:
        return text, None
    return url, label.strip()


def url_target(text: str) -> tuple[str, str] | None:
    """`https://host[:port]/path` as (`host:port`, a note saying how it was read); None for
    anything that is not an http(s) URL; ValueError for one that names no usable host or
    port. The path cannot be checked: the probe connects. A `user:password@` is dropped and
    the note says so, without repeating it."""
    from urllib.parse import urlsplit  # only for a URL target: not on a cold start's path

    scheme, sep, _ = text.partition("://")
    if not sep or scheme.lower() not in _URL_PORTS:
        return None
    shown, had_userinfo = _without_userinfo(text.strip())
    try:
        parts = urlsplit(shown)
        port = parts.port or _URL_PORTS[scheme.lower()]
    except ValueError as error:
        raise ValueError(f"{shown!r}: not a usable URL ({error})") from None
    host = parts.hostname or ""
    if not host:
        raise ValueError(f"{shown!r}: the URL names no host")
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    dropped = " The user name and password in it were dropped." if had_userinfo else ""
    note = (
        f"--target {shown} was read as {address} ({scheme.lower()}): the probe checks the TCP "
        f"connection, not the URL's path or the HTTP answer.{dropped}"
    )
    return address, note


# ---------------------------------------------------------------------------- request


@dataclass(frozen=True)
class Target:
    """One place to connect to."""

    host: str
    port: int
    label: str | None = None

    @property
    def display(self) -> str:
        """The label if given, else host:port (IPv6 in brackets)."""
        return target_display(self.host, self.port, self.label)

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "label": self.label}


@dataclass(frozen=True)
class AwsRequest:
    """Which AWS API calls the probe makes to test reachability of AWS endpoints."""

    logs: bool = True
    log_group: str | None = None
    sts: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"logs": self.logs, "log_group": self.log_group, "sts": self.sts}


@dataclass(frozen=True)
class ProbeRequest:
    """What to probe, validated (vpcprobe.request builds it; `{}` is the default probe)."""

    targets: list[Target] = field(default_factory=list)
    dns_names: list[str] = field(default_factory=list)
    nameservers: list[str] = field(default_factory=list)
    record_types: list[RecordType] = field(default_factory=lambda: [RecordType.A, RecordType.AAAA])
    dns_transports: list[Transport] = field(default_factory=lambda: [Transport.UDP, Transport.TCP])
    system_resolver: bool = True
    default_names: bool = True
    aws: AwsRequest = field(default_factory=AwsRequest)
    timeout_s: float = DEFAULT_TIMEOUT_S

    def to_json(self) -> dict[str, Any]:
        return {
            "targets": [t.to_json() for t in self.targets],
            "dns_names": list(self.dns_names),
            "nameservers": list(self.nameservers),
            "record_types": [str(r.value) for r in self.record_types],
            "dns_transports": [str(t.value) for t in self.dns_transports],
            "system_resolver": self.system_resolver,
            "default_names": self.default_names,
            "aws": self.aws.to_json(),
            "timeout_s": float(self.timeout_s),
        }


# ---------------------------------------------------------------------------- report


def _plain(value: Any) -> Any:
    """A record's field as JSON has it: enums as their values, the rest unchanged."""
    return value.value if isinstance(value, StrEnum) else value


class _Record:
    """A result record: `to_json()` writes every field, `exclude_none` drops the unset ones."""

    _FLOATS: tuple[str, ...] = ()

    def to_json(self, *, exclude_none: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]
            value = getattr(self, name)
            if value is None and exclude_none:
                continue
            if name in self._FLOATS and value is not None:
                value = float(value)
            data[name] = list(value) if isinstance(value, list) else _plain(value)
        return data


@dataclass
class Environment(_Record):
    """Where the probe ran: values from a fixed allow-list only, never a secret."""

    in_lambda: bool
    region: str | None = None
    function_name: str | None = None
    function_version: str | None = None
    function_arn: str | None = None
    request_id: str | None = None
    memory_mb: int | None = None
    runtime: str | None = None
    architecture: str | None = None
    log_group: str | None = None
    log_stream: str | None = None
    python_version: str | None = None
    hostname: str | None = None


@dataclass
class ResolvConf(_Record):
    """What /etc/resolv.conf said, parsed tolerantly, with the raw text kept."""

    path: str
    found: bool
    error: str | None = None
    nameservers: list[str] = field(default_factory=list)
    configured_nameservers: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    domain: str | None = None
    options: dict[str, int | bool | str] = field(default_factory=dict)
    unparsed_lines: list[str] = field(default_factory=list)
    raw: str = ""

    def to_json(self, *, exclude_none: bool = False) -> dict[str, Any]:
        data = super().to_json(exclude_none=exclude_none)
        data["options"] = dict(self.options)
        return data


@dataclass
class DnsResult(_Record):
    """One name asked of one server over one transport, and what happened."""

    name: str
    record_type: RecordType
    server: str  # an IP address, or "system" for getaddrinfo
    transport: Transport
    status: DnsStatus
    answers: list[str] = field(default_factory=list)
    rcode: str | None = None
    errno: int | None = None  # when the query failed with an OS error (e.g. TCP refused)
    elapsed_ms: float = 0.0
    error: str | None = None
    skip_reason: SkipReason | None = None

    _FLOATS = ("elapsed_ms",)


@dataclass
class TcpResult(_Record):
    """One TCP connect to one address of one target."""

    label: str
    host: str
    port: int
    address: str | None = None
    status: TcpStatus = TcpStatus.ERROR
    errno: int | None = None
    elapsed_ms: float = 0.0
    error: str | None = None
    skip_reason: SkipReason | None = None

    _FLOATS = ("elapsed_ms",)


@dataclass
class AwsResult(_Record):
    """One AWS API call made to prove (or disprove) that an endpoint is reachable."""

    service: str
    operation: str
    endpoint: str | None = None
    status: AwsStatus = AwsStatus.ERROR
    error_code: str | None = None
    http_status: int | None = None
    elapsed_ms: float = 0.0
    error: str | None = None
    skip_reason: SkipReason | None = None

    _FLOATS = ("elapsed_ms",)


@dataclass
class Deadline(_Record):
    """How much time the probe had and whether it ran out."""

    budget_ms: float
    margin_ms: float
    remaining_at_start_ms: float | None = None
    hit: bool = False

    _FLOATS = ("budget_ms", "margin_ms", "remaining_at_start_ms")


@dataclass
class ProbeError(_Record):
    """Something that went wrong outside a single step's result (or a request error)."""

    step: str
    message: str
    location: str | None = None


def _timestamp(moment: datetime) -> str:
    """ISO 8601 as the contract writes it: UTC as Z."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass
class ProbeReport:
    """The probe's answer: facts only, every judgement is the collector's."""

    probe_version: str
    started_at: datetime
    duration_ms: float
    environment: Environment
    deadline: Deadline
    status: ReportStatus = ReportStatus.OK
    request: ProbeRequest | None = None
    resolv_conf: ResolvConf | None = None
    dns: list[DnsResult] = field(default_factory=list)
    tcp: list[TcpResult] = field(default_factory=list)
    aws: list[AwsResult] = field(default_factory=list)
    errors: list[ProbeError] = field(default_factory=list)
    schema_version: Literal[1] = SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        """The report as the contract's JSON (field order included)."""
        return {
            "schema_version": self.schema_version,
            "probe_version": self.probe_version,
            "status": self.status.value,
            "started_at": _timestamp(self.started_at),
            "duration_ms": float(self.duration_ms),
            "request": None if self.request is None else self.request.to_json(),
            "environment": self.environment.to_json(),
            "resolv_conf": None if self.resolv_conf is None else self.resolv_conf.to_json(),
            "dns": [r.to_json() for r in self.dns],
            "tcp": [r.to_json() for r in self.tcp],
            "aws": [r.to_json() for r in self.aws],
            "deadline": self.deadline.to_json(),
            "errors": [e.to_json() for e in self.errors],
        }
