"""C24: the function's subnets should behave alike; name the one that differs."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from vpcprobe_collector.findings.model import Evidence, Finding, Remediation, ResourceRef, Severity
from vpcprobe_collector.paths.beyond.model import BEYOND_KINDS
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import EC2_NACLS, EC2_ROUTES, RuleContext
from vpcprobe_collector.rules.routing import default_route


def _route_text(ctx: RuleContext, subnet_id: str) -> str:
    table = ctx.route_table(subnet_id)
    if table is None:
        return "no route table"
    route = default_route(table)
    if route is None:
        return "no 0.0.0.0/0 route"
    return f"0.0.0.0/0 -> {route.target_id}" + (
        " (blackhole)" if route.state == "blackhole" else ""
    )


def _acl_text(ctx: RuleContext, subnet_id: str) -> str:
    acl = ctx.snapshot.network_acl_for(subnet_id)
    if acl is None:
        return "no network ACL read"
    entries = sorted(
        (
            e.egress,
            e.rule_number,
            e.protocol,
            e.rule_action,
            e.cidr_block or e.ipv6_cidr_block or "",
            e.port_from or 0,
            e.port_to or 0,
        )
        for e in acl.entries
    )
    digest = hashlib.sha256(repr(entries).encode()).hexdigest()[:6]
    return f"{acl.network_acl_id} ({len(entries)} entries, {digest})"


class SubnetsDiffer(Rule):
    code = "SUB002"
    name = "subnets-differ"
    title = (
        "One function subnet is configured differently from the others: failures depend on the AZ"
    )
    severity = Severity.HIGH
    causes = ("C24",)
    summary = (
        "Across the function's subnets: the default route, the network ACL rules and each "
        "target's verdict. A subnet that differs from the rest is named."
    )
    why = (
        "Lambda spreads execution environments across the function's subnets. When one "
        "subnet's route table or network ACL is wrong, only the invocations that land in its "
        "availability zone fail: an intermittent problem that looks random."
    )
    how_to_fix = (
        "Give the odd subnet the same route table and network ACL as the others (or remove it "
        "from the function)."
    )
    inputs = (EC2_ROUTES, EC2_NACLS, "path", "probe.tcp")
    subnet_scoped = True

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        subnets = ctx.function_subnet_ids
        if len(subnets) < 2:
            return
        reason = ctx.skipped_reason(EC2_ROUTES, EC2_NACLS)
        if reason:
            yield self.skipped(reason, resources=subnets)
            return
        signature: dict[str, tuple[str, ...]] = {}
        for subnet_id in subnets:
            verdicts = tuple(
                # A hop beyond the VPC that differs per subnet (a TGW attachment without a
                # subnet in one AZ) is not this subnet's own configuration: TGW002 names it.
                f"{fact.label}="
                + (
                    "leaves_vpc"
                    if p.decided_by is not None and p.decided_by.kind in BEYOND_KINDS
                    else p.verdict.value
                )
                for fact in ctx.facts
                for p in fact.all_paths()
                if p.query.subnet_id == subnet_id
            )
            signature[subnet_id] = (
                _route_text(ctx, subnet_id),
                _acl_text(ctx, subnet_id),
                *sorted(set(verdicts)),
            )
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for subnet_id, sig in signature.items():
            groups[sig].append(subnet_id)
        if len(groups) == 1:
            yield self.passed(
                f"Subnets {', '.join(subnets)} are configured alike.", resources=subnets
            )
            return
        ordered = sorted(groups.values(), key=lambda g: (-len(g), g))
        majority = ordered[0]
        if len(ordered) > 1 and len(ordered[1]) == len(majority):
            majority = []  # no majority: every subnet is reported against the first
        reference = majority[0] if majority else subnets[0]
        for group in ordered:
            if group is majority or reference in group:
                continue
            for odd in group:
                diffs = _differences(ctx, odd, reference, signature)
                table = ctx.route_table(reference)
                odd_table = ctx.route_table(odd)
                commands = []
                if table and odd_table and table.route_table_id != odd_table.route_table_id:
                    assoc = next(
                        (a.association_id for a in odd_table.associations if a.subnet_id == odd),
                        None,
                    )
                    commands.append(
                        remedies.replace_route_table_association(assoc, table.route_table_id)
                        if assoc
                        else remedies.associate_route_table(table.route_table_id, odd)
                    )
                yield self.fail(
                    f"Subnet {odd} differs from {', '.join(majority) or reference}: "
                    + "; ".join(diffs)
                    + ".",
                    resources=[ResourceRef(id=odd), *(ResourceRef(id=s) for s in majority)],
                    evidence=[
                        Evidence(
                            source="path",
                            resource=s,
                            observed="; ".join(signature[s]),
                            data={"subnet": s},
                        )
                        for s in (odd, reference)
                    ],
                    remediation=Remediation(
                        text=f"Make {odd} use the same route table and network ACL as "
                        f"{reference}, or take it out of the function's VpcConfig.",
                        commands=commands,
                    ),
                    subnet_id=odd,
                )


def _differences(
    ctx: RuleContext, odd: str, ref: str, signature: dict[str, tuple[str, ...]]
) -> list[str]:
    out = []
    if signature[odd][0] != signature[ref][0]:
        out.append(f"its route table has {signature[odd][0]} where {ref} has {signature[ref][0]}")
    if signature[odd][1] != signature[ref][1]:
        a = ctx.snapshot.network_acl_for(odd)
        b = ctx.snapshot.network_acl_for(ref)
        out.append(
            f"its network ACL {a.network_acl_id if a else '?'} has other rules than "
            f"{b.network_acl_id if b else '?'}"
        )
    extra = sorted(set(signature[odd][2:]) - set(signature[ref][2:]))
    if extra:
        out.append("targets: " + ", ".join(extra))
    return out or ["its verdicts differ"]
