"""judge(): join probe observations with the configuration, run every rule, collect findings."""

from __future__ import annotations

from collections.abc import Sequence

from vpcprobe.models import ProbeReport, SkipReason
from vpcprobe_collector.findings.model import (
    Evidence,
    Finding,
    FindingStatus,
    ProbeFailure,
    TargetJoin,
    TargetSpec,
)
from vpcprobe_collector.paths.model import Verdict
from vpcprobe_collector.rules.base import Rule, crashed
from vpcprobe_collector.rules.context import (
    EC2_DHCP,
    EC2_ENDPOINTS,
    EC2_ENIS,
    EC2_NACLS,
    EC2_NATS,
    EC2_ROUTES,
    EC2_SGS,
    EC2_SUBNETS,
    EC2_VPCS,
    RuleContext,
)
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


# Every read the path evaluator uses: a rule that reads "path" depends on all of them.
PATH_READS: tuple[str, ...] = (
    EC2_SUBNETS,
    EC2_VPCS,
    EC2_ROUTES,
    EC2_NACLS,
    EC2_SGS,
    EC2_NATS,
    "ec2:DescribeInternetGateways",
    "ec2:DescribeEgressOnlyInternetGateways",
    EC2_ENDPOINTS,
    EC2_ENIS,
    "ec2:DescribeManagedPrefixLists",
    "ec2:GetManagedPrefixListEntries",
    EC2_DHCP,
)
# Inputs that are facts whatever happened (a failed invocation is itself the fact).
_ALWAYS_READ = frozenset({"lambda:Invoke", "--probe-result", "--config", "probe.errors"})


def missing_input(rule: type[Rule], ctx: RuleContext) -> tuple[str, str] | None:
    """(input, reason) for the first required input of `rule` that could not be read."""
    optional = {name for name, _ in rule.fallbacks}
    for declared in rule.inputs:
        if declared in optional or declared in _ALWAYS_READ:
            continue
        if declared == "path":
            for api in PATH_READS:
                if (reason := ctx.skipped_reason(api)) is not None:
                    return api, reason
        elif declared.startswith("probe."):
            if (reason := probe_field_cut(ctx, declared)) is not None:
                return declared, reason
        elif (reason := ctx.skipped_reason(declared)) is not None:
            return declared, reason
    return None


def probe_field_cut(ctx: RuleContext, field: str) -> str | None:
    """Why a probe field was not fully observed: its steps were cut by the probe's deadline."""
    attribute = field.removeprefix("probe.")
    for report in ctx.reports:
        entries = getattr(report, attribute, None)
        if isinstance(entries, list) and any(
            getattr(e, "skip_reason", None) is SkipReason.DEADLINE for e in entries
        ):
            return f"some {field} steps were cut short by the probe's deadline"
    return None


def enforce_inputs(rule: type[Rule], ctx: RuleContext, results: list[Finding]) -> list[Finding]:
    """A rule passes only on what it read: with a required input unread, `pass` -> `skipped`."""
    missing = missing_input(rule, ctx)
    if missing is None:
        return results
    source, reason = missing
    out: list[Finding] = []
    seen: set[str] = set()
    for finding in results:
        if finding.status is not FindingStatus.PASS:
            out.append(finding)
            continue
        skipped = rule().skipped(
            reason,
            resources=finding.resources,
            target=finding.target,
            subnet_id=finding.subnet_id,
            evidence=[Evidence(source=source, observed=reason)],
        )
        if skipped.fingerprint not in seen:  # several passes about one thing: one skip
            seen.add(skipped.fingerprint)
            out.append(skipped)
    return out


def fallback_inputs(rules: Sequence[type[Rule]] = ALL_RULES) -> frozenset[str]:
    """Reads with a documented fallback: their failure alone leaves a run complete.

    A read that is a fallback for one rule but required by another (or by the path engine)
    is not one: its failure still leaves something unjudged.
    """
    fallbacks = {api for rule in rules for api, _ in rule.fallbacks}
    required: set[str] = set()
    for rule in rules:
        optional = {api for api, _ in rule.fallbacks}
        for declared in rule.inputs:
            if declared in optional:
                continue
            required |= set(PATH_READS) if declared == "path" else {declared}
    return frozenset(fallbacks - required)


def run_rules(ctx: RuleContext, rules: Sequence[type[Rule]] = ALL_RULES) -> list[Finding]:
    """Every rule's findings; a rule that raises becomes one `error` finding and the rest run.

    The engine, not each rule, makes sure no rule passes on an input it could not read.
    """
    findings: list[Finding] = []
    for rule in rules:
        try:
            results = list(rule().check(ctx))  # all or nothing: a crash voids partial output
        except Exception as error:  # a crashing rule must not stop the run
            findings.append(crashed(rule, error))
            continue
        findings.extend(enforce_inputs(rule, ctx, results))
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
    # TGT004 is judged after the other rules, so its inputs are enforced here, as for theirs.
    own = [f for f in settled if f.code == ObservedFailureUnexplained.code]
    rest = [f for f in settled if f.code != ObservedFailureUnexplained.code]
    return joins, sort_findings([*rest, *enforce_inputs(ObservedFailureUnexplained, ctx, own)])


def _subnets_of(finding: Finding, function_subnets: set[str]) -> set[str]:
    """The function subnets a finding names: its own subnet, else those among its resources."""
    if finding.subnet_id:
        return {finding.subnet_id}
    return {r.id for r in finding.resources} & function_subnets


def _targets_of(finding: Finding) -> set[str]:
    """The targets a finding is about: its own, and those whose probe evidence it carries."""
    named = {e.resource for e in finding.evidence if e.source == "probe.tcp" and e.resource}
    return named | ({finding.target} if finding.target else set())
