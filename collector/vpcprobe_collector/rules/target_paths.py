"""PathHopRule: a rule that blames one kind of hop when a target's static path is blocked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import ClassVar

from vpcprobe_collector.findings.model import Evidence, Finding, Remediation, ResourceRef
from vpcprobe_collector.paths.model import Hop, HopKind, HopOutcome, PathResult, Verdict
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import RuleContext, TargetFacts

NO_EVALUATOR = "static path evaluation is not available in this build"


def observed_summary(fact: TargetFacts) -> str:
    """ "timeout 3 of 3" / "not probed"."""
    statuses = fact.statuses()
    if not statuses:
        return "not probed"
    counts = Counter(statuses)
    return ", ".join(f"{s} {n} of {len(statuses)}" for s, n in sorted(counts.items()))


def subnets_phrase(ctx: RuleContext, subnets: list[str]) -> str:
    """ "from all 3 function subnets" or "from subnet-0abc, subnet-0def"."""
    every = ctx.function_subnet_ids
    if len(every) > 1 and set(subnets) == set(every):
        return f"from all {len(every)} function subnets"
    return f"from {', '.join(subnets)}"


def blocked_as_expected(fact: TargetFacts) -> bool:
    """The --config contract says this target must not be reachable, so a block is wanted."""
    return fact.spec.expect == "blocked"


AS_EXPECTED = "blocked, as the --config file expects (expect = blocked)"


def probe_evidence(fact: TargetFacts) -> Evidence:
    counts = Counter(fact.statuses())
    return Evidence(
        source="probe.tcp",
        resource=fact.label,
        observed=observed_summary(fact),
        expected="open",
        data={"statuses": dict(sorted(counts.items())), "addresses": fact.addresses},
    )


class PathHopRule(Rule):
    """Fails per target when a path is blocked by a hop of `hop_kinds` (and the probe agrees)."""

    hop_kinds: ClassVar[frozenset[HopKind]]
    reads: ClassVar[tuple[str, ...]] = ()  # snapshot APIs whose failed read makes this unknown
    report_when_open: ClassVar[bool] = False
    checked: ClassVar[str] = "The configuration"  # who allows it, for the pass message

    def matching_hop(self, path: PathResult) -> Hop | None:
        """The hop this rule blames in `path`, if any."""
        hop = path.decided_by
        if path.verdict is Verdict.BLOCKED and hop and hop.kind in self.hop_kinds:
            return hop
        return None

    def applies(self, ctx: RuleContext, fact: TargetFacts, address: str) -> bool:
        """Whether this rule judges this target address at all."""
        return True

    def remedy(self, ctx: RuleContext, fact: TargetFacts, address: str, hop: Hop) -> Remediation:
        raise NotImplementedError

    def expected(self, fact: TargetFacts, address: str) -> str:
        """What the blamed hop should have said, for the evidence."""
        return f"allows {fact.spec.protocol} {address}:{fact.spec.port}"

    def pass_message(self, fact: TargetFacts, addresses: list[str]) -> str:
        """The pass result's sentence, when no path of the target has this rule's hop."""
        return (
            f"{self.checked} allow {fact.spec.protocol.upper()} to "
            f"{', '.join(addresses)} port {fact.spec.port} ({fact.label})."
        )

    def message(self, ctx: RuleContext, fact: TargetFacts, hop: Hop, subnets: list[str]) -> str:
        where = subnets_phrase(ctx, subnets)
        return (
            f"{hop.detail.rstrip('.')} ({where}; target {fact.label}); "
            f"the probe saw: {observed_summary(fact)}."
        )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for finding, _hop in self.results(ctx):
            yield finding

    def results(self, ctx: RuleContext) -> Iterable[tuple[Finding, Hop | None]]:
        """Each finding with the hop it blames (None for passes and skips without one)."""
        reason = ctx.skipped_reason(*self.reads)
        for fact in ctx.facts:
            addresses = [a for a in fact.addresses if self.applies(ctx, fact, a)]
            if not addresses:
                continue
            if not ctx.can_evaluate_paths:
                yield self.skipped(NO_EVALUATOR, target=fact.label), None
                continue
            # One finding per address and deciding component (and NACL rule), over subnets.
            hits: dict[tuple[str, str, int, str | None], tuple[Hop, list[str]]] = {}
            for address in addresses:
                for path in fact.paths.get(address, []):
                    hop = self.matching_hop(path)
                    if hop:
                        key = (address, hop.component_id, hop.rule_number or -1, hop.rule)
                        hits.setdefault(key, (hop, []))[1].append(path.query.subnet_id)
            statuses = fact.statuses()
            all_open = bool(statuses) and all(s == "open" for s in statuses)
            if hits and all_open and not self.report_when_open:
                continue  # the probe connected: that disagreement is PRB002's to report
            if hits and blocked_as_expected(fact):
                # The contract wants this path closed: the block is the contract holding.
                for (address, _component, _number, rule), (hop, subnets) in sorted(
                    hits.items(), key=_hit_order
                ):
                    yield (
                        self.passed(
                            f"{hop.detail.rstrip('.')} ({subnets_phrase(ctx, sorted(subnets))}; "
                            f"target {fact.label}): {AS_EXPECTED}.",
                            resources=[
                                ResourceRef(id=hop.component_id, rule=rule),
                                *sorted(subnets),
                            ],
                            target=fact.label,
                            key=(address,),
                        ),
                        hop,
                    )
            elif hits:
                for (address, component, _number, rule), (hop, subnets) in sorted(
                    hits.items(), key=_hit_order
                ):
                    yield (
                        self.fail(
                            self.message(ctx, fact, hop, sorted(subnets)),
                            resources=[ResourceRef(id=component, rule=rule), *sorted(subnets)],
                            evidence=[
                                Evidence(
                                    source=hop.source_api or "path",
                                    resource=component,
                                    observed=hop.detail,
                                    expected=self.expected(fact, address),
                                    data={
                                        "rule": rule,
                                        "rule_number": hop.rule_number,
                                        "subnets": sorted(subnets),
                                        "address": address,
                                    },
                                ),
                                probe_evidence(fact),
                            ],
                            remediation=self.remedy(ctx, fact, address, hop),
                            target=fact.label,
                            key=(address,),
                        ),
                        hop,
                    )
            elif reason:
                yield self.skipped(reason, target=fact.label), None
            elif (unknown := _unknown_detail(fact)) is not None:
                yield self.skipped(unknown, target=fact.label), None
            elif fact.all_paths():
                yield self.passed(self.pass_message(fact, addresses), target=fact.label), None


def _hit_order(item: tuple[tuple[str, str, int, str | None], object]) -> tuple[str, str, int, str]:
    (address, component, number, rule), _ = item
    return (address, component, number, rule or "")


def partial_hop(path: PathResult, kinds: frozenset[HopKind]) -> Hop | None:
    """The hop that allows only part of a range (intermittent failures), if any."""
    for hop in path.hops:
        if hop.kind in kinds and hop.outcome is HopOutcome.PARTIAL:
            return hop
    return None


def _unknown_detail(fact: TargetFacts) -> str | None:
    """Why the path could not be fully checked, when any subnet's verdict is unknown."""
    for path in fact.all_paths():
        if path.verdict is Verdict.UNKNOWN:
            hop = path.decided_by
            return hop.detail.rstrip(".") if hop else "the path could not be fully evaluated"
    return None
