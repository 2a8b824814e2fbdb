"""The probe's wire contract: what it is asked (ProbeRequest) and what it reports (ProbeReport).

These pydantic models are the versioned contract the collector validates (hostile) reports
with. The probe itself builds the plain records of `vpcprobe.facts` and never imports this
module on a cold start with a valid request; tests/probe/test_contract.py holds the two
shapes together. Enums, limits and host-name checks are defined once, in `vpcprobe.facts`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from vpcprobe.facts import (
    DEFAULT_TIMEOUT_S,
    LAMBDA_DNS_FORWARDER,
    MAX_DNS_NAMES,
    MAX_NAMESERVERS,
    MAX_TARGETS,
    MAX_TIMEOUT_S,
    SCHEMA_VERSION,
    SYSTEM_RESOLVER,
    AwsStatus,
    DnsStatus,
    RecordType,
    ReportStatus,
    SkipReason,
    TcpStatus,
    Transport,
    is_ip,
    parse_host_port,
    target_display,
    validate_hostname,
)

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "LAMBDA_DNS_FORWARDER",
    "MAX_DNS_NAMES",
    "MAX_NAMESERVERS",
    "MAX_TARGETS",
    "MAX_TIMEOUT_S",
    "SCHEMA_VERSION",
    "SYSTEM_RESOLVER",
    "AwsRequest",
    "AwsResult",
    "AwsStatus",
    "Deadline",
    "DnsResult",
    "DnsStatus",
    "Environment",
    "NotBoolean",
    "ProbeError",
    "ProbeReport",
    "ProbeRequest",
    "RecordType",
    "ReportStatus",
    "ResolvConf",
    "SkipReason",
    "Target",
    "TcpResult",
    "TcpStatus",
    "Transport",
    "is_ip",
    "parse_host_port",
    "target_display",
    "validate_hostname",
]

# ---------------------------------------------------------------------------- request


def _not_a_boolean(value: Any) -> Any:
    # Pydantic's lax mode reads true as 1: `"port": true` would probe port 1.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, not {str(value).lower()}")
    return value


# A number that true/false are not (JSON booleans are not numbers).
NotBoolean = BeforeValidator(_not_a_boolean)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Target(_Model):
    """One place to connect to. Accepted as an object or as a "host:port" string."""

    host: str
    port: Annotated[int, NotBoolean, Field(ge=1, le=65535)]
    label: Annotated[str | None, Field(max_length=64)] = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            host, port = parse_host_port(value)
            return {"host": host, "port": port}
        return value

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        return validate_hostname(value)

    @property
    def display(self) -> str:
        """The label if given, else host:port (IPv6 in brackets)."""
        return target_display(self.host, self.port, self.label)


QueryTransport = Literal[Transport.UDP, Transport.TCP]


def _default_transports() -> list[QueryTransport]:
    return [Transport.UDP, Transport.TCP]


class AwsRequest(_Model):
    """Which AWS API calls the probe makes to test reachability of AWS endpoints."""

    logs: bool = True
    log_group: Annotated[str | None, Field(max_length=512)] = None
    sts: bool = False


class ProbeRequest(_Model):
    """What to probe. Every field is optional: `{}` runs the default probe."""

    targets: Annotated[list[Target], Field(max_length=MAX_TARGETS)] = Field(default_factory=list)
    dns_names: Annotated[list[str], Field(max_length=MAX_DNS_NAMES)] = Field(default_factory=list)
    nameservers: Annotated[list[str], Field(max_length=MAX_NAMESERVERS)] = Field(
        default_factory=list
    )
    record_types: Annotated[list[RecordType], Field(min_length=1, max_length=6)] = Field(
        default_factory=lambda: [RecordType.A, RecordType.AAAA]
    )
    dns_transports: Annotated[list[QueryTransport], Field(min_length=1, max_length=2)] = Field(
        default_factory=_default_transports
    )
    system_resolver: bool = True
    default_names: bool = True
    aws: AwsRequest = Field(default_factory=AwsRequest)
    timeout_s: Annotated[float, NotBoolean, Field(gt=0, le=MAX_TIMEOUT_S)] = DEFAULT_TIMEOUT_S

    @field_validator("dns_names")
    @classmethod
    def _names(cls, values: list[str]) -> list[str]:
        return [validate_hostname(v) for v in values]

    @field_validator("nameservers")
    @classmethod
    def _servers(cls, values: list[str]) -> list[str]:
        for value in values:
            if not is_ip(value):
                raise ValueError(f"nameserver {value!r} must be an IP address")
        return values


# ---------------------------------------------------------------------------- report


class Environment(BaseModel):
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


class ResolvConf(BaseModel):
    """What /etc/resolv.conf said, parsed tolerantly, with the raw text kept."""

    path: str
    found: bool
    error: str | None = None
    nameservers: list[str] = Field(default_factory=list)
    configured_nameservers: list[str] = Field(default_factory=list)
    search: list[str] = Field(default_factory=list)
    domain: str | None = None
    options: dict[str, int | bool | str] = Field(default_factory=dict)
    unparsed_lines: list[str] = Field(default_factory=list)
    raw: str = ""


class DnsResult(BaseModel):
    """One name asked of one server over one transport, and what happened."""

    name: str
    record_type: RecordType
    server: str  # an IP address, or "system" for getaddrinfo
    transport: Transport
    status: DnsStatus
    answers: list[str] = Field(default_factory=list)
    rcode: str | None = None
    errno: int | None = None  # when the query failed with an OS error (e.g. TCP refused)
    elapsed_ms: float = 0.0
    error: str | None = None
    skip_reason: SkipReason | None = None


class TcpResult(BaseModel):
    """One TCP connect to one address of one target."""

    label: str
    host: str
    port: int
    address: str | None = None
    status: TcpStatus
    errno: int | None = None
    elapsed_ms: float = 0.0
    error: str | None = None
    skip_reason: SkipReason | None = None


class AwsResult(BaseModel):
    """One AWS API call made to prove (or disprove) that an endpoint is reachable."""

    service: str
    operation: str
    endpoint: str | None = None
    status: AwsStatus
    error_code: str | None = None
    http_status: int | None = None
    elapsed_ms: float = 0.0
    error: str | None = None
    skip_reason: SkipReason | None = None


class Deadline(BaseModel):
    """How much time the probe had and whether it ran out."""

    budget_ms: float
    margin_ms: float
    remaining_at_start_ms: float | None = None
    hit: bool = False


class ProbeError(BaseModel):
    """Something that went wrong outside a single step's result (or a request error)."""

    step: str
    message: str
    location: str | None = None


class ProbeReport(BaseModel):
    """The probe's answer: facts only, every judgement is the collector's."""

    schema_version: Literal[1] = SCHEMA_VERSION
    probe_version: str
    status: ReportStatus = ReportStatus.OK
    started_at: datetime
    duration_ms: float
    request: ProbeRequest | None = None
    environment: Environment
    resolv_conf: ResolvConf | None = None
    dns: list[DnsResult] = Field(default_factory=list)
    tcp: list[TcpResult] = Field(default_factory=list)
    aws: list[AwsResult] = Field(default_factory=list)
    deadline: Deadline
    errors: list[ProbeError] = Field(default_factory=list)
