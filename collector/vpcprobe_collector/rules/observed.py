"""Observed failures: every failure the probe saw is explained at high or above, or said not to be.

This is judged after every other rule (rules.engine.judge calls `settle`): a timeout, a
refused connect or a failed lookup for a target either has a failing finding that names its
cause, raised to at least `high` because the probe confirms it, or gets TGT004.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from vpcprobe_collector.findings.model import (
    Evidence,
    Finding,
    FindingStatus,
    Remediation,
    ResourceRef,
    Severity,
    TargetJoin,
)
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import RuleContext, TargetFacts
from vpcprobe_collector.rules.join import static_phrase
from vpcprobe_collector.rules.target_paths import observed_summary, probe_evidence

# What the probe can see fail for a target (TcpStatus values).
OBSERVED_FAILURES = ("timeout", "unreachable", "error", "refused", "dns_failed")

# Findings that restate a failure rather than name its cause.
NOT_A_CAUSE = frozenset({"CON001", "TGT003", "TGT004"})

# What the snapshot holds, in the words the evidence uses (field, label).
_FACTS = (
    ("subnets", "subnet"),
    ("route_tables", "route table"),
    ("network_acls", "network ACL"),
    ("security_groups", "security group"),
    ("nat_gateways", "NAT gateway"),
    ("internet_gateways", "internet gateway"),
    ("vpc_endpoints", "VPC endpoint"),
    ("prefix_lists", "prefix list"),
    ("network_interfaces", "network interface"),
)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def failed_observations(fact: TargetFacts) -> Counter[str]:
    """The target's observed failures by status ({"timeout": 2}); empty when none."""
    return Counter(s for s in fact.statuses() if s in OBSERVED_FAILURES)


def _about(finding: Finding, join: TargetJoin) -> bool:
    """Whether a finding the join lists is about this target (its own, or VPC-wide)."""
    if finding.code not in join.finding_codes or finding.code in NOT_A_CAUSE:
        return False
    if finding.target is not None:
        return finding.target == join.label
    named = {e.resource for e in finding.evidence if e.source == "probe.tcp" and e.resource}
    return not named or join.label in named


def what_was_read(ctx: RuleContext) -> tuple[list[str], list[str]]:
    """(what the snapshot and the probe hold, what could not be read and why)."""
    snap = ctx.snapshot
    read: list[str] = []
    if snap.function is not None:
        read.append(f"function {snap.function.name}")
    if snap.vpc is not None:
        read.append(f"VPC {snap.vpc.vpc_id}")
    if snap.dhcp_options is not None:
        read.append(f"DHCP options set {snap.dhcp_options.dhcp_options_id}")
    for attr, label in _FACTS:
        count = len(getattr(snap, attr))
        if count:
            read.append(_count(count, label))
    if ctx.reports:
        read.append(_count(len(ctx.reports), "probe report"))
    unread = sorted({s.reason for s in snap.skipped if "NotFound" not in s.error_code})
    return read, unread


class ObservedFailureUnexplained(Rule):
    code = "TGT004"
    name = "observed-failure-unexplained"
    title = "The probe saw a failure, and nothing read explains it"
    severity = Severity.HIGH
    causes = ("C22",)
    summary = (
        "For each target the probe saw fail (timeout, refused, unreachable, name not resolved): "
        "whether another finding names the cause. Judged after every other rule; a finding "
        "that explains an observed failure is raised to at least high."
    )
    why = (
        "A failure the user can see must never end in 'no problems found': when no finding "
        "explains it, the cause lies in what was not read (a denied read, the far side of the "
        "network, the target host), and the report says so."
    )
    how_to_fix = (
        "Read what could not be read (grant the denied permissions and run again); otherwise "
        "look at what lies beyond the VPC configuration: the target host and its own firewall."
    )
    inputs = ("probe.tcp", "probe.dns", "path")  # and every other rule's findings
    limits = "It cannot say where the cause is, only that it is not in what was read."

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """Nothing on its own: `settle` judges it once every other rule has run."""
        return ()

    def unexplained(self, ctx: RuleContext, fact: TargetFacts, failed: Counter[str]) -> Finding:
        read, unread = what_was_read(ctx)
        what = ", ".join(f"{status} {n}" for status, n in sorted(failed.items()))
        message = (
            f"The probe saw {fact.label} fail ({observed_summary(fact)}), but nothing read "
            f"explains it: observed failure, cause not found in what was read"
            + (f" (not read: {'; '.join(unread)})" if unread else "")
            + "."
        )
        evidence = [
            probe_evidence(fact),
            Evidence(
                source="path",
                resource=fact.label,
                observed=static_phrase(fact, ctx),
                expected=f"a component that explains {what}",
            ),
            Evidence(
                source="snapshot",
                observed="read: " + (", ".join(read) or "nothing"),
                data={"read": read},
            ),
        ]
        if unread:
            evidence.append(
                Evidence(
                    source="snapshot",
                    observed="not read: " + "; ".join(unread),
                    expected="every read to succeed",
                    data={"unread": unread},
                )
            )
        host = f"[{fact.spec.host}]" if ":" in fact.spec.host else fact.spec.host  # IPv6
        hosts = [f"{host}:{fact.spec.port}"]
        return self.fail(
            message,
            resources=[ResourceRef(id=a) for a in fact.addresses] or [fact.spec.host],
            evidence=evidence,
            remediation=Remediation(
                text=(
                    "Grant the reads that failed and run again"
                    if unread
                    else "Check what vpcprobe cannot see: the target host (is it up, does its "
                    "own firewall allow the function's subnets?) and the network beyond the VPC"
                )
                + "; sample more execution environments to see whether it is intermittent.",
                commands=[remedies.rerun_diagnose(ctx.function_name, hosts)],
            ),
            target=fact.label,
            key=tuple(sorted(failed)),
        )


def _confirmed(finding: Finding, fact: TargetFacts) -> Finding:
    """`finding`, raised to high because the probe saw the failure it explains."""
    evidence = list(finding.evidence)
    if not any(e.source == "probe.tcp" and e.resource == fact.label for e in evidence):
        evidence.append(probe_evidence(fact))
    return finding.model_copy(update={"severity": Severity.HIGH, "evidence": evidence})


def settle(
    ctx: RuleContext,
    joins: Sequence[TargetJoin],
    findings: list[Finding],
    *,
    judge_unexplained: bool = True,
) -> list[Finding]:
    """Raise each finding that explains an observed failure to at least high; add TGT004
    (when `judge_unexplained`) for each observed failure nothing explains."""
    rule = ObservedFailureUnexplained()
    out = list(findings)
    for fact, join in zip(ctx.facts, joins, strict=True):
        failed = failed_observations(fact)
        if not failed or fact.spec.expect == "blocked":
            continue
        # A crashed rule (status error) explains nothing: only failing findings name a cause.
        causes = [
            i for i, f in enumerate(out) if f.status is FindingStatus.FAIL and _about(f, join)
        ]
        if causes:
            for i in causes:
                if out[i].severity.rank < Severity.HIGH.rank:
                    out[i] = _confirmed(out[i], fact)
            if judge_unexplained:
                codes = sorted({out[i].code for i in causes})
                out.append(
                    rule.passed(
                        f"The failures the probe saw for {fact.label} are explained by "
                        f"{', '.join(codes)}.",
                        target=fact.label,
                    )
                )
            continue
        if judge_unexplained:
            out.append(rule.unexplained(ctx, fact, failed))
            join.finding_codes = sorted({*join.finding_codes, rule.code})
    return out
