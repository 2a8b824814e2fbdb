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


def join_evaluated(join: TargetJoin) -> bool:
    """Whether anything was learnt about a target: a probe result, or an evaluated path."""
    return bool(join.paths) or any(status != TcpStatus.SKIPPED.value for status in join.observed)


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
    unchecked_targets: int  # neither probed nor evaluated: never counted as checked
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
            unchecked_targets=sum(1 for j in diagnosis.joins if not join_evaluated(j)),
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
    """The one line for a run without problems; a target nothing was learnt about is named
    as not checked, never as checked."""
    where = f" from {_plural(counts.subnets, 'subnet')}" if counts.subnets else ""
    checked = counts.targets - counts.unchecked_targets
    parts = []
    if checked:
        # "reachable" only when the evidence says so (an unprobed internet target is "checked")
        verb = "reachable" if counts.reachable_targets == checked else "checked"
        parts.append(f"{_plural(checked, 'target')} {verb}{where}")
    if counts.unchecked_targets:
        parts.append(f"{_plural(counts.unchecked_targets, 'target')} not checked")
    lead = "".join(f"{part}; " for part in parts)
    verdict = "no problems found"
    if counts.unchecked_targets:
        verdict += " in what was checked"
    return f"{diagnosis.function_name}: {lead}{verdict} ({checks_phrase(counts)})."


def incomplete_line(diagnosis: DiagnosisReport, counts: Counts) -> str:
    """The summary for a run without problems that could not judge everything: it names what
    could not be judged and why, and never says "checked" or "no problems found"."""
    entries = diagnosis.unjudged
    first = entries[0]
    more = f" and {_plural(len(entries) - 1, 'more', 'more')}" if len(entries) > 1 else ""
    return (
        f"{diagnosis.function_name}: incomplete: {_plural(len(entries), 'thing')} could not be "
        f"judged ({first.subject}: {first.reason}{more}); nothing at or above the threshold "
        f"failed in what could be judged ({checks_phrase(counts)})."
    )


def problems_line(diagnosis: DiagnosisReport, counts: Counts) -> str:
    """The summary for a run with problems: "my-func: 2 problems (1 high, 1 medium); ..."."""
    severities = ", ".join(f"{n} {s}" for s, n in counts.by_severity.items())
    targets = ""
    if counts.targets:
        targets = f" across {_plural(counts.targets, 'target')}"
        if counts.unchecked_targets:
            targets += f" ({counts.unchecked_targets} not checked)"
    unjudged = ""
    if diagnosis.unjudged:
        unjudged = f"; {_plural(len(diagnosis.unjudged), 'thing')} could not be judged"
    return (
        f"{diagnosis.function_name}: {_plural(counts.problems, 'problem')} ({severities})"
        f"{targets}; {checks_phrase(counts)}{unjudged}."
    )


def summary_line(diagnosis: DiagnosisReport) -> str:
    """One line saying how the run came out (healthy or not)."""
    counts = Counts.of(diagnosis)
    if counts.problems:
        return problems_line(diagnosis, counts)
    if not diagnosis.complete:
        return incomplete_line(diagnosis, counts)
    return healthy_line(diagnosis, counts)


def observed_phrase(join: TargetJoin) -> str:
    """The probe's TCP results for a target across invocations: "open 2, timeout 1"."""
    return ", ".join(f"{status} {n}" for status, n in sorted(join.observed.items()))
