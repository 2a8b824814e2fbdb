"""The judgement side's contract: Finding, TargetJoin and the DiagnosisReport the reports render."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vpcprobe.models import ProbeReport, target_display
from vpcprobe_collector.paths.model import PathResult
from vpcprobe_collector.snapshot.model import VpcSnapshot

DIAGNOSIS_SCHEMA_VERSION: Literal[1] = 1


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: critical 4 … info 0."""
        return list(reversed(Severity)).index(self)


class FindingStatus(StrEnum):
    FAIL = "fail"
    PASS = "pass"  # noqa: S105 - a finding status, not a password
    SKIPPED = "skipped"  # the rule could not read its input (the reason says why)
    ERROR = "error"  # the rule crashed; the run went on


class ResourceRef(BaseModel):
    """An AWS resource a finding names, with the rule inside it when one decided."""

    model_config = ConfigDict(extra="forbid")

    id: str  # subnet-…, rtb-…, acl-…, sg-…, dopt-…, vpce-…, nat-…, vpc-…, a role ARN
    rule: str | None = None  # "rule 90", "egress tcp 443 to 10.0.0.0/16", "0.0.0.0/0"

    def __str__(self) -> str:
        return f"{self.id} {self.rule}" if self.rule else self.id


class Evidence(BaseModel):
    """One fact behind a finding: where it came from, what it was, what was expected."""

    model_config = ConfigDict(extra="forbid")

    source: str  # "probe.tcp", "probe.dns", "probe.aws", "ec2:DescribeNetworkAcls", "path"
    resource: str | None = None
    observed: str
    expected: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Remediation(BaseModel):
    """How to fix it: plain text plus exact commands with the real IDs filled in."""

    model_config = ConfigDict(extra="forbid")

    text: str
    commands: list[str] = Field(default_factory=list)


class Finding(BaseModel):
    """One rule's result for one resource or target."""

    model_config = ConfigDict(extra="forbid")

    code: str  # "DNS003"
    name: str  # "custom-dhcp-dns-unreachable": names the problem, not the fix
    title: str  # one line for people
    severity: Severity
    status: FindingStatus
    causes: list[str] = Field(default_factory=list)  # "C10", … from failure-causes.md
    resources: list[ResourceRef] = Field(default_factory=list)
    target: str | None = None  # the target label or host:port it is about, if any
    subnet_id: str | None = None
    message: str  # one sentence with the observed values
    evidence: list[Evidence] = Field(default_factory=list)
    remediation: Remediation | None = None
    doc_url: str | None = None
    fingerprint: str = ""


def fingerprint(code: str, resource_ids: list[str], *key: str) -> str:
    """A stable ID for "the same problem": hash of code, resources and key evidence."""
    text = "\x1f".join([code, *sorted(resource_ids), *key])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ProbeFailureKind(StrEnum):
    THROTTLED = "throttled"  # TooManyRequestsException after botocore's retries
    FUNCTION_ERROR = "function_error"  # FunctionError with the runtime's error payload
    TIMED_OUT = "timed_out"  # "Task timed out after N seconds"
    NOT_READY = "not_ready"  # ResourceNotReadyException: Inactive / Pending function
    VPC_ERROR = "vpc_error"  # ENILimitReachedException, SubnetIPAddressLimitReachedException, ...
    ACCESS_DENIED = "access_denied"  # lambda:InvokeFunction denied to the caller
    NOT_FOUND = "not_found"  # the probe function does not exist
    BAD_PAYLOAD = "bad_payload"  # not a ProbeReport
    SCHEMA_MISMATCH = "schema_mismatch"  # a ProbeReport of another schema_version
    OTHER = "other"


class ProbeFailure(BaseModel):
    """An attempt to get a probe report that produced none: a fact the rules judge."""

    model_config = ConfigDict(extra="forbid")

    source: str  # "function:NAME", "wrapped:NAME", "file:PATH", "local"
    kind: ProbeFailureKind
    error_code: str | None = None  # "ENILimitReachedException", "Runtime.ImportModuleError", ...
    message: str
    payload_excerpt: str | None = None  # at most a few hundred characters


class TargetSpec(BaseModel):
    """A target the user asked about (--target HOST:PORT[=LABEL] or --config), with its contract."""

    model_config = ConfigDict(extra="forbid")

    host: str  # a name or an address
    port: int
    label: str | None = None
    protocol: Literal["tcp", "udp"] = "tcp"
    expect: Literal["reachable", "blocked"] | None = None

    @property
    def display(self) -> str:
        """The label if given, else host:port (IPv6 in brackets)."""
        return target_display(self.host, self.port, self.label)


class TargetJoin(BaseModel):
    """One target: what the probe observed against what the configuration allows."""

    model_config = ConfigDict(extra="forbid")

    label: str
    host: str
    port: int
    protocol: Literal["tcp", "udp"] = "tcp"
    addresses: list[str] = Field(default_factory=list)  # as the probe (or the user) resolved them
    observed: dict[str, int] = Field(default_factory=dict)  # TcpStatus value -> count
    paths: list[PathResult] = Field(default_factory=list)  # per function subnet and address
    expect: Literal["reachable", "blocked"] | None = None  # from --config
    conclusion: str  # one sentence, plain words
    finding_codes: list[str] = Field(default_factory=list)


class Unjudged(BaseModel):
    """Something a verdict depends on that could not be judged, and why.

    Any entry makes the run incomplete: no ✓, and exit 4 (ExitCode.INCOMPLETE) unless a
    problem at or above --fail-on already gives 1, or --allow-incomplete was given.
    """

    model_config = ConfigDict(extra="forbid")

    subject: str  # a target's label, "function", a finding code ("EPT002"), a DNS server
    reason: str  # plain words: "AccessDenied on ec2:DescribeSecurityGroups"
    api: str | None = None  # the read behind it, when one is: "ec2:DescribeSecurityGroups"


class DiagnosisReport(BaseModel):
    """Everything one `diagnose` (or `analyze`) run knows; every report format renders it."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = DIAGNOSIS_SCHEMA_VERSION
    vpcprobe_version: str
    generated_at: datetime
    function_name: str
    region: str | None = None
    probe_source: str  # "function:NAME", "wrapped:NAME", "files", "local", "none"
    snapshot: VpcSnapshot
    probe_reports: list[ProbeReport] = Field(default_factory=list)
    probe_failures: list[ProbeFailure] = Field(default_factory=list)
    targets: list[TargetSpec] = Field(default_factory=list)
    joins: list[TargetJoin] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    unjudged: list[Unjudged] = Field(default_factory=list)  # non-empty: incomplete, never ✓
    notes: list[str] = Field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Everything the verdict depends on was read and judged."""
        return not self.unjudged

    @property
    def problems(self) -> list[Finding]:
        """Findings that need attention: failed or crashed rules, worst first."""
        bad = [f for f in self.findings if f.status in (FindingStatus.FAIL, FindingStatus.ERROR)]
        return sorted(bad, key=lambda f: (-f.severity.rank, f.code, f.fingerprint))
