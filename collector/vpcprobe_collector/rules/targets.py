"""Target rules: what the probe saw for each target against what the configuration allows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from vpcprobe.models import target_display
from vpcprobe_collector.findings.model import Evidence, Finding, Remediation, ResourceRef, Severity
from vpcprobe_collector.paths.model import HopKind, HopOutcome, Verdict
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import EC2_ENIS, RuleContext, is_ipv6, is_public
from vpcprobe_collector.rules.join import (
    FAILED,
    REACHED,
    blocked_paths,
    static_phrase,
    unevaluated_reason,
    verified_and_beyond,
)
from vpcprobe_collector.rules.target_paths import (
    AS_EXPECTED,
    blocked_as_expected,
    observed_summary,
    probe_evidence,
)
from vpcprobe_collector.snapshot.model import RouteTargetType


def _bracketed(host: str) -> str:
    """A host as it is written before a `:`: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


class NothingListening(Rule):
    code = "TGT001"
    name = "nothing-listening"
    title = "The target refused the connection: nothing listens on that port"
    severity = Severity.HIGH
    causes = ("C21",)
    summary = "For each target: whether the probe's TCP connects were refused (a reset came back)."
    why = (
        "A refusal proves the network path works end to end: the target's host answered. The "
        "service is down, listens on another port or address, or a host firewall rejects it."
    )
    how_to_fix = "Start the service, or fix the port; check what listens on the target host."
    inputs = ("probe.tcp",)
    fallbacks = (
        (
            EC2_ENIS,
            "the network interfaces only add the eni-… holding the address to the resources; "
            "unread, the address alone is named",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for fact in ctx.facts:
            count = Counter(fact.statuses())
            if count["refused"] and blocked_as_expected(fact):
                yield self.passed(
                    f"{fact.label} refused the connection {count['refused']} of "
                    f"{sum(count.values())} times: the service is not reached, which is what "
                    "the --config file expects (expect = blocked).",
                    target=fact.label,
                )
            elif count["refused"]:
                yield self.fail(
                    f"{target_display(fact.spec.host, fact.spec.port)} "
                    f"({', '.join(fact.addresses) or 'no address'}) "
                    f"refused the connection {count['refused']} of {sum(count.values())} times: "
                    f"the "
                    f"network path works, but nothing accepts connections on port "
                    f"{fact.spec.port}.",
                    resources=[ResourceRef(id=a) for a in fact.addresses]
                    + [
                        ResourceRef(id=eni.network_interface_id)
                        for a in fact.addresses
                        if (eni := ctx.index.interface_with_address(a))
                    ],
                    evidence=[probe_evidence(fact)],
                    remediation=Remediation(
                        text=(
                            f"Check the service on {_bracketed(fact.spec.host)}: is it running, "
                            f"and listening on port {fact.spec.port} on that address?"
                            # A refusal beside a configuration that blocks the path is PRB002's
                            # disagreement: the configuration is then not known to be fine.
                            + (
                                ""
                                if blocked_paths(fact.all_paths())
                                else " The VPC configuration is not the problem."
                            )
                        ),
                    ),
                    target=fact.label,
                )
            elif count["open"]:
                yield self.passed(f"{fact.label} accepted connections.", target=fact.label)


class BlockedOutsideVpcConfig(Rule):
    code = "TGT002"
    name = "blocked-outside-vpc-config"
    title = "The connection times out although the VPC configuration allows it"
    severity = Severity.HIGH
    causes = ("C22",)
    summary = (
        "For each target the probe could not reach (timeout), while every hop of the static path "
        "allows it: list what was verified and where the part vpcprobe cannot see begins."
    )
    why = (
        "Something outside the VPC configuration drops the packets: a firewall on the target "
        "host, an on-premises firewall, the far side of a peering or transit gateway, or a "
        "security group in another account."
    )
    how_to_fix = (
        "Look beyond the VPC: the target's own firewall, the network on the far side, the other "
        "account's security groups."
    )
    inputs = ("probe.tcp", "path")
    limits = (
        "What lies beyond peering, transit gateways, VPNs and the internet is not visible to "
        "vpcprobe."
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for fact in ctx.facts:
            count = Counter(fact.statuses())
            failed = sum(count[s] for s in FAILED)
            paths = fact.all_paths()
            if not failed or count["open"] or count["refused"] or not paths:
                if count["open"] and paths and not blocked_paths(paths):
                    yield self.passed(
                        f"{fact.label} is reachable and the configuration agrees.",
                        target=fact.label,
                    )
                continue
            if any(p.verdict in (Verdict.BLOCKED, Verdict.UNKNOWN) for p in paths):
                continue  # the blocking (or unread) component is reported by its own rule
            far = [
                bp
                for a in fact.addresses
                for bp in ctx.beyond_paths(a, fact.spec.port, fact.spec.protocol)
            ]
            if any(bp.verdict is Verdict.BLOCKED for bp in far):
                continue  # a hop beyond the VPC blocks it: its PCX/TGW/VPN rule reports it
            verified, beyond = verified_and_beyond(paths)
            if far:  # followed past the VPC (peering, TGW, VPN): the unseen part starts later
                verified += [
                    d.component
                    for d in far[0].decisions
                    if d.outcome in (HopOutcome.ALLOW, HopOutcome.INFO)
                    and d.component not in verified
                ]
                beyond = (
                    f"beyond {far[0].verified_up_to} (what could not be read there, the "
                    "network behind it, or the target host)"
                )
            if blocked_as_expected(fact):
                yield self.passed(
                    f"{fact.label} timed out ({observed_summary(fact)}): {AS_EXPECTED}; the "
                    f"block lies {beyond}.",
                    target=fact.label,
                )
                continue
            yield self.fail(
                f"{fact.label} timed out ({observed_summary(fact)}) although every part of the "
                f"VPC configuration allows it; the block lies {beyond}.",
                resources=[ResourceRef(id=a) for a in fact.addresses],
                evidence=[
                    probe_evidence(fact),
                    Evidence(
                        source="path",
                        observed="verified: " + ", ".join(verified),
                        expected="the connection to succeed",
                        data={"verified": verified, "beyond": beyond},
                    ),
                ],
                remediation=Remediation(
                    text=(
                        f"Check what lies {beyond}: a firewall on the host, on-premises rules, "
                        "the far side's route tables and security groups."
                    ),
                ),
                target=fact.label,
            )


class ProbeConfigDisagreement(Rule):
    code = "PRB002"
    name = "probe-contradicts-configuration"
    title = "The probe reached a target the configuration says is blocked"
    severity = Severity.HIGH
    causes = ()
    summary = (
        "For each target: whether the probe reached it (connected, or was refused by the host) "
        "while the static path evaluation says blocked: one finding with both sides."
    )
    why = (
        "Either the snapshot is stale (the configuration changed between the probe and the "
        "snapshot), the probe ran somewhere else (another subnet or security group), or the "
        "evaluation missed something. Either way the static verdicts for this target cannot be "
        "trusted."
    )
    how_to_fix = (
        "Re-run the diagnosis; check that the probe function has the suspect's exact VpcConfig."
    )
    inputs = ("probe.tcp", "path")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for fact in ctx.facts:
            statuses = fact.statuses()
            blocked = blocked_paths(fact.all_paths())
            if not statuses or not fact.all_paths():
                continue
            if blocked and all(s in REACHED for s in statuses):
                hop = blocked[0].decided_by
                how = (
                    f"connected to {fact.label} {len(statuses)} of {len(statuses)} times"
                    if all(s == "open" for s in statuses)
                    else f"reached {fact.label} ({observed_summary(fact)}; a refusal comes from "
                    "the host itself)"
                )
                yield self.fail(
                    f"The probe {how}, but the configuration read says "
                    f"{hop.detail.rstrip('.') if hop else 'it is blocked'}.",
                    resources=[ResourceRef(id=hop.component_id, rule=hop.rule)] if hop else [],
                    evidence=[
                        probe_evidence(fact),
                        Evidence(
                            source="path",
                            observed=static_phrase(fact, ctx),
                            expected="agreement with the probe",
                        ),
                    ],
                    remediation=Remediation(
                        text=(
                            "Take the snapshot and run the probe again together; make sure the "
                            "probe "
                            "runs with the suspect's subnets and security groups."
                        ),
                    ),
                    target=fact.label,
                )
            else:
                yield self.passed(
                    f"The probe and the configuration agree on {fact.label}.", target=fact.label
                )


class ExpectationViolated(Rule):
    code = "CON001"
    name = "connectivity-expectation-violated"
    title = "A target's connectivity differs from the expectation in the configuration file"
    severity = Severity.HIGH
    causes = ()
    summary = (
        "For each target with `expect: reachable` or `expect: blocked` in --config: whether the "
        "probe (or, without one, the configuration) agrees."
    )
    why = (
        "A connectivity contract kept in the repository catches a deploy that opens or closes a "
        "path by mistake."
    )
    how_to_fix = "Fix the path (see the other findings for the target) or update the expectation."
    inputs = ("--config", "probe.tcp", "path")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for fact in ctx.facts:
            expect = fact.spec.expect
            if expect is None:
                continue
            statuses = fact.statuses()
            paths = fact.all_paths()
            if statuses:
                reachable = any(s == "open" for s in statuses)
                actual = f"the probe saw {observed_summary(fact)}"
            elif paths:
                # Lambda may run in any of its subnets: "reachable" must hold from every one,
                # and so must "blocked".
                open_from = sorted(
                    {
                        p.query.subnet_id
                        for p in paths
                        if p.verdict in (Verdict.REACHABLE, Verdict.LEAVES_VPC)
                    }
                )
                reachable = not blocked_paths(paths) if expect == "reachable" else bool(open_from)
                actual = static_phrase(fact, ctx)
                if expect == "blocked" and open_from and blocked_paths(paths):
                    actual = f"the configuration allows it from {', '.join(open_from)}"
            else:
                yield self.skipped(
                    f"{fact.label} was neither probed nor evaluated", target=fact.label
                )
                continue
            if reachable == (expect == "reachable"):
                yield self.passed(f"{fact.label} is {expect}, as expected.", target=fact.label)
                continue
            yield self.fail(
                f"{fact.label} is expected to be {expect}, but {actual}.",
                resources=[ResourceRef(id=a) for a in fact.addresses],
                evidence=[
                    Evidence(
                        source="--config", resource=fact.label, observed=actual, expected=expect
                    ),
                ],
                remediation=Remediation(
                    text=(
                        f"Open the path to {fact.label} (see the other findings for it)"
                        if expect == "reachable"
                        else f"Close the path to {fact.label}: it should not be reachable from "
                        f"the function"
                    )
                    + ", or update the expectation."
                ),
                target=fact.label,
            )


class Ipv6PathUnavailable(Rule):
    code = "V6001"
    name = "ipv6-path-unavailable"
    title = "An IPv6 destination cannot be reached from the function"
    severity = Severity.HIGH
    causes = ("C20",)
    summary = (
        "For each target with an IPv6 address: whether the function allows IPv6 "
        "(Ipv6AllowedForDualStack), its subnets have IPv6 ranges, and the route table has an "
        "IPv6 route (::/0 to an egress-only internet gateway for public addresses)."
    )
    why = (
        "Lambda sends IPv6 only when Ipv6AllowedForDualStack is on and the subnets are "
        "dual-stack; without an IPv6 route the connection is unreachable or times out. "
        "Clients that prefer AAAA records fail even though IPv4 would work."
    )
    how_to_fix = (
        "Turn on Ipv6AllowedForDualStack, use dual-stack subnets, and route ::/0 to an "
        "egress-only internet gateway."
    )
    inputs = (
        "lambda:GetFunction",
        "ec2:DescribeSubnets",
        "ec2:DescribeRouteTables",
        "probe.tcp",
        "probe.dns",
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        fn = ctx.snapshot.function
        if fn is None or not ctx.in_vpc:
            return
        for fact in ctx.facts:
            v6 = [a for a in fact.addresses if is_ipv6(a)]
            if not v6:
                continue
            config = fn.vpc_config
            allowed = bool(config and config.ipv6_allowed_for_dual_stack)
            problems: list[str] = []
            refs: list[ResourceRef | str] = []
            commands: list[str] = []
            if not allowed:
                problems.append(f"{fn.name} has Ipv6AllowedForDualStack off")
                refs.append(ResourceRef(id=fn.arn, rule="Ipv6AllowedForDualStack=false"))
                commands.append(
                    remedies.update_vpc_config(
                        fn.name,
                        ctx.function_subnet_ids,
                        ctx.function_sg_ids,
                        ipv6_allowed_for_dual_stack=True,
                    )
                )
            no_v6 = [s.subnet_id for s in ctx.function_subnets() if not s.ipv6_cidr_blocks]
            if no_v6:
                problems.append(
                    f"{', '.join(no_v6)} {'has' if len(no_v6) == 1 else 'have'} no IPv6 range"
                )
                refs.extend(no_v6)
                commands.extend(remedies.associate_subnet_ipv6_cidr(s) for s in no_v6)
            eigw = next(
                (
                    g.egress_only_internet_gateway_id
                    for g in ctx.snapshot.egress_only_internet_gateways
                    if ctx.vpc_id in g.attached_vpc_ids
                ),
                "EGRESS_ONLY_IGW_ID",
            )
            for subnet_id in ctx.function_subnet_ids:
                table = ctx.route_table(subnet_id)
                if table is None:
                    continue
                has_default = any(
                    r.destination_ipv6_cidr == "::/0"
                    and r.state == "active"
                    and r.target_type is not RouteTargetType.INTERNET_GATEWAY
                    for r in table.routes
                )
                if not has_default and any(is_public(a) for a in v6):
                    problems.append(
                        f"{table.route_table_id} of {subnet_id} has no ::/0 route to an "
                        f"egress-only internet gateway"
                    )
                    refs.append(ResourceRef(id=table.route_table_id, rule="no ::/0 route"))
                    commands.append(
                        remedies.route(
                            table.route_table_id, "::/0", egress_only_internet_gateway_id=eigw
                        )
                    )
            for address in v6:
                for path in fact.paths.get(address, []):
                    hop = path.decided_by
                    if (
                        path.verdict is Verdict.BLOCKED
                        and hop
                        and hop.kind
                        in (HopKind.ROUTE, HopKind.EGRESS_ONLY_INTERNET_GATEWAY, HopKind.SOURCE)
                    ):
                        text = hop.detail.rstrip(".")
                        # The IDs a problem already names (a SOURCE hop names the function).
                        named = {r.id if isinstance(r, ResourceRef) else r for r in refs}
                        if not allowed:
                            named.add(fn.name)
                        if text not in problems and hop.component_id not in named:
                            problems.append(text)
                            refs.append(ResourceRef(id=hop.component_id, rule=hop.rule))
            if not problems:
                yield self.passed(
                    f"The function can use IPv6 to {', '.join(v6)}.", target=fact.label
                )
                continue
            if blocked_as_expected(fact):
                yield self.passed(
                    f"IPv6 to {', '.join(v6)} is not possible ({'; '.join(problems)}): "
                    f"{AS_EXPECTED}.",
                    resources=refs,
                    target=fact.label,
                )
                continue
            yield self.fail(
                (
                    f"{fact.label} is an IPv6 address"
                    if is_ipv6(fact.spec.host)
                    else f"{fact.label} resolves to IPv6 {', '.join(v6)}"
                )
                + ", but "
                + "; ".join(problems)
                + ".",
                resources=refs,
                evidence=[probe_evidence(fact)],
                remediation=Remediation(
                    text="Give the function an IPv6 path (all three: the function setting, "
                    "dual-stack subnets, the ::/0 route), or make the client use IPv4.",
                    commands=commands,
                ),
                target=fact.label,
            )


class TargetNotEvaluated(Rule):
    code = "TGT003"
    name = "target-not-evaluated"
    title = "A target could not be evaluated: nothing says whether the function reaches it"
    severity = Severity.MEDIUM
    causes = ()
    summary = (
        "For each target: whether the probe reported on it or its path could be evaluated "
        "from the configuration. A target with neither is listed as not checked, with the reason."
    )
    why = (
        "A target nothing was learnt about must not look clean: a name without a probe report "
        "has no address to evaluate, and a probe report that does not mention the target "
        "says nothing about it."
    )
    how_to_fix = (
        "Run the probe with this target (vpcprobe diagnose --target HOST:PORT), pass the "
        "probe report that covers it, or give the target as an IP address."
    )
    inputs = ("probe.tcp", "probe.dns", "path")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for fact in ctx.facts:
            reason = unevaluated_reason(ctx, fact)
            if reason is not None:
                yield self.skipped(f"{fact.label}: {reason}", target=fact.label)
