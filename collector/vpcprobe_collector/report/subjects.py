"""What the CI formats (SARIF, JUnit) report on: one subject per function, from either command."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vpcprobe_collector.findings.model import DiagnosisReport, Finding, Unjudged

if TYPE_CHECKING:
    from vpcprobe_collector.fleet.model import AuditReport


@dataclass(frozen=True)
class Subject:
    """One judged function: its identity, findings and what could not be judged."""

    name: str
    arn: str | None
    region: str | None
    account: str | None
    vpc_id: str | None
    findings: list[Finding] = field(default_factory=list)
    unjudged: list[Unjudged] = field(default_factory=list)


@dataclass(frozen=True)
class Run:
    """Every subject of one run, and the scopes (account, region) that could not be read."""

    command: str  # "diagnose" | "audit"
    version: str
    subjects: list[Subject]
    unread: list[str] = field(default_factory=list)  # "account 1234…, eu-west-3: AccessDenied…"


def from_diagnosis(diagnosis: DiagnosisReport) -> Run:
    """A diagnose (or analyze) run: one subject."""
    snapshot = diagnosis.snapshot
    function = snapshot.function
    config = function.vpc_config if function else None
    return Run(
        command="diagnose",
        version=diagnosis.vpcprobe_version,
        subjects=[
            Subject(
                name=diagnosis.function_name,
                arn=function.arn if function else None,
                region=diagnosis.region,
                account=snapshot.account_id,
                vpc_id=(snapshot.vpc.vpc_id if snapshot.vpc else None)
                or (config.vpc_id if config else None),
                findings=list(diagnosis.findings),
                unjudged=list(diagnosis.unjudged),
            )
        ],
    )


def from_audit(report: AuditReport) -> Run:
    """An audit: one subject per function."""
    return Run(
        command="audit",
        version=report.vpcprobe_version,
        subjects=[
            Subject(
                name=f.function,
                arn=f.arn,
                region=f.region,
                account=f.account,
                vpc_id=f.vpc_id,
                findings=list(f.findings),
                unjudged=list(f.unjudged),
            )
            for f in report.functions
        ],
        unread=[f"{u.where}: {u.reason}" for u in report.scopes_unread],
    )
