"""The audit report: one entry per function, what was and was not read, and the counts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vpcprobe_collector.findings.model import (
    Finding,
    FindingStatus,
    Severity,
    TargetSpec,
    Unjudged,
)

AUDIT_SCHEMA_VERSION: Literal[1] = 1
_PROBLEM = (FindingStatus.FAIL, FindingStatus.ERROR)


class AuditedFunction(BaseModel):
    """One function's verdict from its configuration (the same Finding objects as diagnose)."""

    model_config = ConfigDict(extra="forbid")

    function: str
    arn: str
    region: str
    account: str | None = None
    vpc_id: str | None = None
    targets: list[TargetSpec] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    unjudged: list[Unjudged] = Field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        """Failed or crashed checks, worst first."""
        bad = [f for f in self.findings if f.status in _PROBLEM]
        return sorted(bad, key=lambda f: (-f.severity.rank, f.code, f.fingerprint))

    @property
    def worst(self) -> Finding | None:
        """The worst problem, if any."""
        problems = self.problems
        return problems[0] if problems else None

    @property
    def passed(self) -> int:
        return sum(1 for f in self.findings if f.status is FindingStatus.PASS)


class ScopeRead(BaseModel):
    """One (account, region) that was read."""

    model_config = ConfigDict(extra="forbid")

    account: str | None = None
    region: str
    functions: int = 0  # VPC-attached functions in scope
    not_in_vpc: int = 0  # functions in scope that are not attached to a VPC
    vpcs: int = 0
    api_calls: int = 0


class ScopeUnread(BaseModel):
    """An account or region that could not be read: never a clean verdict for it."""

    model_config = ConfigDict(extra="forbid")

    account: str | None = None
    region: str | None = None  # None: the whole account (its role could not be assumed)
    api: str
    error_code: str
    message: str

    @property
    def where(self) -> str:
        place = self.region or "every region"
        return f"account {self.account}, {place}" if self.account else place

    @property
    def reason(self) -> str:
        return f"{self.error_code} on {self.api}: {self.message}"


class AuditSummary(BaseModel):
    """Counts over the whole audit."""

    model_config = ConfigDict(extra="forbid")

    functions: int
    functions_with_problems: int
    functions_incomplete: int
    not_in_vpc: int
    vpcs: int
    accounts: int
    regions: int
    scopes_unread: int
    api_calls: int
    problems_by_severity: dict[str, int]


class AuditReport(BaseModel):
    """Everything one `vpcprobe audit` run knows; every audit format renders it."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = AUDIT_SCHEMA_VERSION
    vpcprobe_version: str
    generated_at: datetime
    fail_on: Severity = Severity.HIGH
    functions: list[AuditedFunction] = Field(default_factory=list)
    scopes_read: list[ScopeRead] = Field(default_factory=list)
    scopes_unread: list[ScopeUnread] = Field(default_factory=list)
    summary: AuditSummary | None = None
    notes: list[str] = Field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every scope was read and every function judged in full."""
        return not self.scopes_unread and not any(f.unjudged for f in self.functions)

    def summarise(self) -> AuditSummary:
        """Count functions, problems per severity, scopes and calls; stored in `summary`."""
        by_severity = {s.value: 0 for s in Severity}
        for function in self.functions:
            for finding in function.problems:
                by_severity[finding.severity.value] += 1
        self.summary = AuditSummary(
            functions=len(self.functions),
            functions_with_problems=sum(1 for f in self.functions if f.problems),
            functions_incomplete=sum(1 for f in self.functions if f.unjudged),
            not_in_vpc=sum(s.not_in_vpc for s in self.scopes_read),
            vpcs=sum(s.vpcs for s in self.scopes_read),
            accounts=len({s.account for s in self.scopes_read if s.account}),
            regions=len({s.region for s in self.scopes_read}),
            scopes_unread=len(self.scopes_unread),
            api_calls=sum(s.api_calls for s in self.scopes_read),
            problems_by_severity=by_severity,
        )
        return self.summary


def exit_code(
    findings: list[Finding], unjudged_count: int, threshold: Severity, allow_incomplete: bool
) -> int:
    """1 when a problem is at or above `threshold`; else 4 when something was not read or
    judged (0 with `allow_incomplete`); else 0."""
    from vpcprobe_collector.errors import ExitCode

    if any(f.status in _PROBLEM and f.severity.rank >= threshold.rank for f in findings):
        return int(ExitCode.FINDINGS)
    if unjudged_count and not allow_incomplete:
        return int(ExitCode.INCOMPLETE)
    return int(ExitCode.OK)


def audit_exit_code(report: AuditReport, allow_incomplete: bool) -> int:
    """The audit's exit code over every function and every unread scope."""
    findings = [f for fn in report.functions for f in fn.findings]
    unjudged = len(report.scopes_unread) + sum(len(f.unjudged) for f in report.functions)
    return exit_code(findings, unjudged, report.fail_on, allow_incomplete)
