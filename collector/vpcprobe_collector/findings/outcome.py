"""How a run comes out: what could not be judged (`unjudged`) and the exit code every command
that judges returns (diagnose, analyze, path, audit)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from vpcprobe_collector.aws_errors import is_not_found
from vpcprobe_collector.errors import ExitCode
from vpcprobe_collector.findings.model import (
    DiagnosisReport,
    Finding,
    FindingStatus,
    Severity,
    TargetJoin,
    Unjudged,
)
from vpcprobe_collector.paths.model import PathResult, Verdict
from vpcprobe_collector.snapshot.model import SkippedRead, VpcSnapshot


def decide_exit(
    failed: Iterable[Severity],
    *,
    threshold: Severity,
    incomplete: bool,
    allow_incomplete: bool = False,
) -> ExitCode:
    """FINDINGS (1) when a failed check is at or above `threshold`; else INCOMPLETE (4) when
    something a verdict depends on was not read or judged (OK with `allow_incomplete`);
    else OK (0)."""
    if any(severity.rank >= threshold.rank for severity in failed):
        return ExitCode.FINDINGS
    if incomplete and not allow_incomplete:
        return ExitCode.INCOMPLETE
    return ExitCode.OK


def diagnosis_exit_code(
    diagnosis: DiagnosisReport, threshold: Severity, *, allow_incomplete: bool = False
) -> ExitCode:
    """The exit code of `diagnose` / `analyze` for one diagnosis."""
    return decide_exit(
        (f.severity for f in diagnosis.problems),
        threshold=threshold,
        incomplete=not diagnosis.complete,
        allow_incomplete=allow_incomplete,
    )


def unread(snapshot: VpcSnapshot, optional: Collection[str] = ()) -> list[SkippedRead]:
    """The failed reads a verdict depends on: every skipped read except "not found" answers
    and reads with a documented fallback (`optional`)."""
    return [r for r in snapshot.skipped if not is_not_found(r.error_code) and r.api not in optional]


def _api_of(finding: Finding, apis: Collection[str]) -> str | None:
    """The read a skipped finding is about, when its evidence names one that failed."""
    for evidence in finding.evidence:
        if evidence.source in apis:
            return evidence.source
    return next((api for api in apis if api in finding.message), None)


def path_unjudged(label: str, paths: Sequence[PathResult]) -> list[Unjudged]:
    """One entry per function subnet whose path to the target could not be decided."""
    out: list[Unjudged] = []
    for path in paths:
        if path.verdict is not Verdict.UNKNOWN:
            continue
        hop = path.decided_by
        reason = hop.detail if hop is not None else "the path could not be evaluated"
        out.append(
            Unjudged(subject=f"{label} from {path.query.subnet_id}", reason=reason.rstrip("."))
        )
    return out


def unjudged_of(
    snapshot: VpcSnapshot,
    joins: Sequence[TargetJoin],
    findings: Sequence[Finding],
    *,
    optional_reads: Collection[str] = (),
) -> list[Unjudged]:
    """Everything a verdict depends on that was not read or judged, in one list.

    Each failed read (except "not found" and reads with a documented fallback), each skipped
    check, and each target path that came out `unknown` is one entry; duplicates are merged.
    """
    reads = unread(snapshot, optional_reads)
    failed_apis = {r.api for r in reads}
    entries: list[Unjudged] = [
        Unjudged(subject=read.api, reason=_read_reason(read), api=read.api) for read in reads
    ]
    for finding in findings:
        if finding.status is not FindingStatus.SKIPPED:
            continue
        check = f"{finding.code} {finding.name}"
        subject = f"{finding.target} ({check})" if finding.target else check
        reason = finding.message.removeprefix("Not checked: ").rstrip(".")
        if finding.target:
            reason = reason.removeprefix(f"{finding.target}: ")
        entries.append(Unjudged(subject=subject, reason=reason, api=_api_of(finding, failed_apis)))
    for join in joins:
        entries.extend(path_unjudged(join.label, join.paths))
    unique: dict[tuple[str, str], Unjudged] = {}
    for entry in entries:
        unique.setdefault((entry.subject, entry.reason), entry)
    return list(unique.values())


def _read_reason(read: SkippedRead) -> str:
    """ "AccessDenied on iam:ListRolePolicies", or the malformed answer's own description."""
    return read.message if read.message.startswith("malformed response") else read.reason
