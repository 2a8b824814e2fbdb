"""The counts and one-line summaries every report format shares."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from vpcprobe.models import TcpStatus
from vpcprobe_collector.findings.model import DiagnosisReport, Finding, FindingStatus, TargetJoin
from vpcprobe_collector.paths.model import Verdict


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def join_reachable(join: TargetJoin) -> bool:
    """Reachable as far as we know: the probe connected, or (unprobed) every path is open."""
    if join.observed:
        return join.observed.get(TcpStatus.OPEN.value, 0) > 0 and all(
            status == TcpStatus.OPEN.value for status in join.observed
        )
    return bool(join.paths) and all(p.verdict == Verdict.REACHABLE for p in join.paths)


def skip_reason(finding: Finding) -> str:
    """A skipped finding's reason, for a list already headed "Not checked"."""
    return finding.message.removeprefix("Not checked: ")


@dataclass(frozen=True)
class Counts:
    """How a diagnosis came out, in numbers."""

    problems: int
    by_severity: dict[str, int]
    passed: int
    skipped: int
    targets: int
    reachable_targets: int
    subnets: int
    skipped_reasons: list[str]

    @classmethod
    def of(cls, diagnosis: DiagnosisReport) -> Counts:
        problems = diagnosis.problems
        severities = Counter(f.severity.value for f in problems)
        skipped = [f for f in diagnosis.findings if f.status == FindingStatus.SKIPPED]
        reasons = sorted({f.message for f in skipped})
        function = diagnosis.snapshot.function
        subnets = len(function.vpc_config.subnet_ids) if function and function.vpc_config else 0
        return cls(
            problems=len(problems),
            by_severity={
                s: severities[s]
                for s in ("critical", "high", "medium", "low", "info")
                if severities[s]
            },
            passed=sum(1 for f in diagnosis.findings if f.status == FindingStatus.PASS),
            skipped=len(skipped),
            targets=len(diagnosis.joins) or len(diagnosis.targets),
            reachable_targets=sum(1 for j in diagnosis.joins if join_reachable(j)),
            subnets=subnets,
            skipped_reasons=reasons,
        )


def checks_phrase(counts: Counts) -> str:
    """ "12 checks passed, 2 skipped"."""
    text = f"{_plural(counts.passed, 'check')} passed"
    if counts.skipped:
        text += f", {counts.skipped} skipped"
    return text


def healthy_line(diagnosis: DiagnosisReport, counts: Counts) -> str:
    """The one line for a run without problems."""
    where = f" from {_plural(counts.subnets, 'subnet')}" if counts.subnets else ""
    if counts.targets:
        # "reachable" only when the evidence says so (an unprobed internet target is "checked")
        verb = "reachable" if counts.reachable_targets == counts.targets else "checked"
        reach = f"{_plural(counts.targets, 'target')} {verb}"
        lead = f"{reach}{where}; "
    else:
        lead = ""
    return f"{diagnosis.function_name}: {lead}no problems found ({checks_phrase(counts)})."


def problems_line(diagnosis: DiagnosisReport, counts: Counts) -> str:
    """The summary for a run with problems: "my-func: 2 problems (1 high, 1 medium); ..."."""
    severities = ", ".join(f"{n} {s}" for s, n in counts.by_severity.items())
    targets = f" across {_plural(counts.targets, 'target')}" if counts.targets else ""
    return (
        f"{diagnosis.function_name}: {_plural(counts.problems, 'problem')} ({severities})"
        f"{targets}; {checks_phrase(counts)}."
    )


def summary_line(diagnosis: DiagnosisReport) -> str:
    """One line saying how the run came out (healthy or not)."""
    counts = Counts.of(diagnosis)
    if counts.problems:
        return problems_line(diagnosis, counts)
    return healthy_line(diagnosis, counts)


def observed_phrase(join: TargetJoin) -> str:
    """The probe's TCP results for a target across invocations: "open 2, timeout 1"."""
    return ", ".join(f"{status} {n}" for status, n in sorted(join.observed.items()))
