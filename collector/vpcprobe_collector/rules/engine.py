"""judge(): join probe observations with the configuration, run every rule, collect findings."""

from __future__ import annotations

from collections.abc import Sequence

from vpcprobe.models import ProbeReport
from vpcprobe_collector.findings.model import (
    Finding,
    FindingStatus,
    ProbeFailure,
    TargetJoin,
    TargetSpec,
)
from vpcprobe_collector.paths.model import Verdict
from vpcprobe_collector.rules.base import Rule, crashed
from vpcprobe_collector.rules.context import RuleContext
from vpcprobe_collector.rules.join import build_facts
from vpcprobe_collector.rules.observed import ObservedFailureUnexplained, settle
from vpcprobe_collector.rules.registry import ALL_RULES
from vpcprobe_collector.snapshot.model import VpcSnapshot

STATUS_ORDER = {
    FindingStatus.ERROR: 0,
    FindingStatus.FAIL: 1,
    FindingStatus.SKIPPED: 2,
    FindingStatus.PASS: 3,
}


def run_rules(ctx: RuleContext, rules: Sequence[type[Rule]] = ALL_RULES) -> list[Finding]:
    """Every rule's findings; a rule that raises becomes one `error` finding and the rest run."""
    findings: list[Finding] = []
    for rule in rules:
        try:
            results = list(rule().check(ctx))  # all or nothing: a crash voids partial output
        except Exception as error:  # a crashing rule must not stop the run
            findings.append(crashed(rule, error))
            continue
        findings.extend(results)
    return findings


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Stable order: problems first, worst first, then by code, target and fingerprint."""
    return sorted(
        findings,
        key=lambda f: (
            STATUS_ORDER[f.status],
            -f.severity.rank if f.status in (FindingStatus.FAIL, FindingStatus.ERROR) else 0,
            f.code,
            f.target or "",
            f.subnet_id or "",
            f.fingerprint,
        ),
    )


def judge(
    snapshot: VpcSnapshot,
    reports: Sequence[ProbeReport],
    targets: Sequence[TargetSpec],
    *,
    probe_failures: Sequence[ProbeFailure] = (),
    rules: Sequence[type[Rule]] = ALL_RULES,
) -> tuple[list[TargetJoin], list[Finding]]:
    """Per-target joins and every rule's findings (pass, fail, skipped, error) for one diagnosis."""
    ctx = RuleContext(
        snapshot=snapshot,
        reports=list(reports),
        targets=list(targets),
        probe_failures=list(probe_failures),
    )
    ctx.facts = build_facts(ctx)
    findings = sort_findings(run_rules(ctx, rules))
    joins = [fact.join for fact in ctx.facts]
    problems = [f for f in findings if f.status in (FindingStatus.FAIL, FindingStatus.ERROR)]
    subnets = set(ctx.function_subnet_ids)
    scoped = {rule.code for rule in rules if rule.subnet_scoped}
    for join in joins:
        codes = {f.code for f in problems if join.label in _targets_of(f)}
        if join.expect != "blocked":
            # A subnet's own problem (no route, a differing subnet) explains the targets whose
            # paths from that subnet are blocked; for expect=blocked the block is wanted.
            blocked_from = {p.query.subnet_id for p in join.paths if p.verdict is Verdict.BLOCKED}
            codes |= {
                f.code
                for f in problems
                if f.code in scoped and f.target is None and _subnets_of(f, subnets) & blocked_from
            }
        if join.observed and set(join.observed) <= {"dns_failed", "skipped"}:
            # A name that did not resolve: the VPC-wide DNS findings explain this target.
            codes |= {f.code for f in problems if f.code.startswith("DNS") and f.target is None}
        join.finding_codes = sorted(codes)
    # Every failure the probe saw is explained at high or above, or TGT004 says it is not.
    settled = settle(ctx, joins, findings, judge_unexplained=ObservedFailureUnexplained in rules)
    return joins, sort_findings(settled)


def _subnets_of(finding: Finding, function_subnets: set[str]) -> set[str]:
    """The function subnets a finding names: its own subnet, else those among its resources."""
    if finding.subnet_id:
        return {finding.subnet_id}
    return {r.id for r in finding.resources} & function_subnets


def _targets_of(finding: Finding) -> set[str]:
    """The targets a finding is about: its own, and those whose probe evidence it carries."""
    named = {e.resource for e in finding.evidence if e.source == "probe.tcp" and e.resource}
    return named | ({finding.target} if finding.target else set())
