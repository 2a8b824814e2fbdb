"""Route table and NAT gateway rules: can each function subnet reach the internet at all?"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from vpcprobe.models import AwsStatus
from vpcprobe_collector.findings.model import Evidence, Finding, Remediation, ResourceRef, Severity
from vpcprobe_collector.paths.beyond.model import Step
from vpcprobe_collector.paths.hops import gateway_endpoint
from vpcprobe_collector.paths.model import Hop, HopKind
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import (
    EC2_ENDPOINTS,
    EC2_NATS,
    EC2_ROUTES,
    EC2_SUBNETS,
    EC2_VPCS,
    RuleContext,
    TargetFacts,
    is_internal,
)
from vpcprobe_collector.rules.target_paths import PathHopRule
from vpcprobe_collector.snapshot.model import NatGateway, Route, RouteTable, RouteTargetType

ONWARD = (
    RouteTargetType.NAT_GATEWAY,
    RouteTargetType.TRANSIT_GATEWAY,
    RouteTargetType.PEERING,
    RouteTargetType.VIRTUAL_PRIVATE_GATEWAY,
    RouteTargetType.NETWORK_INTERFACE,
    RouteTargetType.INSTANCE,
    RouteTargetType.CORE_NETWORK,
    RouteTargetType.LOCAL_GATEWAY,
)


def default_route(table: RouteTable | None) -> Route | None:
    """The table's IPv4 default route (0.0.0.0/0), if any."""
    if table is None:
        return None
    return next((r for r in table.routes if r.destination_cidr == "0.0.0.0/0"), None)


def routes_to_igw(table: RouteTable | None) -> bool:
    route = default_route(table)
    return bool(
        route and route.state == "active" and route.target_type is RouteTargetType.INTERNET_GATEWAY
    )


def usable_nat(ctx: RuleContext) -> NatGateway | None:
    """An available public NAT gateway whose own subnet routes to an internet gateway."""
    for nat in sorted(ctx.snapshot.nat_gateways, key=lambda n: n.nat_gateway_id):
        if nat.state != "available" or nat.connectivity_type != "public" or not nat.subnet_id:
            continue
        if routes_to_igw(ctx.route_table(nat.subnet_id)):
            return nat
    return None


def _route_ref(table: RouteTable, route: Route | None) -> ResourceRef:
    if route is None:
        return ResourceRef(id=table.route_table_id, rule="no 0.0.0.0/0 route")
    return ResourceRef(
        id=table.route_table_id, rule=f"{route.destination} -> {route.target_id or '?'}"
    )


def _route_evidence(table: RouteTable, route: Route | None, expected: str) -> Evidence:
    observed = (
        f"{route.destination} -> {route.target_id} ({route.state})"
        if route
        else "no route for 0.0.0.0/0"
    )
    return Evidence(
        source=EC2_ROUTES,
        resource=table.route_table_id,
        observed=observed,
        expected=expected,
        data={"routes": [f"{r.destination} -> {r.target_id} ({r.state})" for r in table.routes]},
    )


def everything_in_use_reached(ctx: RuleContext) -> bool:
    """The probe connected to every target every time and reached every AWS API it called:
    nothing the function is known to use needs the internet."""
    if not ctx.probed or not ctx.facts:
        return False
    targets = all(f.statuses() and set(f.statuses()) == {"open"} for f in ctx.facts)
    services = all(
        a.status in (AwsStatus.OK, AwsStatus.ACCESS_DENIED, AwsStatus.SKIPPED)
        for report in ctx.reports
        for a in report.aws
    )
    return targets and services


class SubnetRule(Rule):
    """A static rule judged once per route table, for the function subnets that use it."""

    subnet_scoped = True
    fallbacks: ClassVar[tuple[tuple[str, str], ...]] = (
        (
            EC2_SUBNETS,
            "a subnet without an explicit route table uses the main table of the VPC read by "
            "ec2:DescribeVpcs; unread subnets change nothing else here",
        ),
    )

    def per_table(
        self, ctx: RuleContext, subnets: list[str], table: RouteTable
    ) -> Iterable[Finding]:
        raise NotImplementedError

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        reason = ctx.skipped_reason(EC2_ROUTES)
        by_table: dict[str, tuple[RouteTable, list[str]]] = {}
        for subnet_id in ctx.function_subnet_ids:
            if reason:
                yield self.skipped(reason, resources=[subnet_id], subnet_id=subnet_id)
                continue
            table = ctx.route_table(subnet_id)
            if table is None:
                why = ctx.skipped_reason(EC2_SUBNETS) or f"no route table was found for {subnet_id}"
                yield self.skipped(why, resources=[subnet_id], subnet_id=subnet_id)
                continue
            by_table.setdefault(table.route_table_id, (table, []))[1].append(subnet_id)
        for table, subnets in by_table.values():
            yield from self.per_table(ctx, subnets, table)


class NoRouteToInternet(SubnetRule):
    code = "RTE001"
    name = "no-route-to-internet"
    title = "A function subnet has no route to the internet"
    severity = Severity.HIGH
    causes = ("C01",)
    summary = (
        "For each function subnet, whether its route table (explicit association, else the "
        "VPC's main table) has a 0.0.0.0/0 route to a NAT gateway or another onward hop."
    )
    why = (
        "Without a default route the function reaches only the VPC and what its routes name: "
        "calls to public addresses and to AWS APIs without a VPC endpoint time out."
    )
    how_to_fix = (
        "Add a 0.0.0.0/0 route to a NAT gateway that sits in a public subnet, or create VPC "
        "endpoints for every AWS service the function calls."
    )
    # The endpoints decide the severity (an isolated subnet on purpose); the probe's results
    # too, but a missing probe only keeps it high, so probe fields are not required.
    inputs = ("lambda:GetFunction", EC2_VPCS, EC2_ROUTES, EC2_NATS, EC2_ENDPOINTS, "probe.aws")
    limits = (
        "A function meant to be isolated (interface endpoints, or gateway endpoints for S3 and "
        "DynamoDB on its route table), or one whose probe reached every target and AWS API it "
        "used, is reported at medium severity, unless the probe saw a failure this explains."
    )

    def per_table(
        self, ctx: RuleContext, subnets: list[str], table: RouteTable
    ) -> Iterable[Finding]:
        where = ", ".join(subnets)
        sub = subnets[0] if len(subnets) == 1 else None
        route = default_route(table)
        if route is not None and route.target_type in (*ONWARD, RouteTargetType.INTERNET_GATEWAY):
            yield self.passed(
                f"Route table {table.route_table_id} of {where} sends 0.0.0.0/0 to "
                f"{route.target_id}.",
                resources=[_route_ref(table, route), *subnets],
                subnet_id=sub,
            )
            return
        nat = usable_nat(ctx)
        commands = []
        if nat:
            commands.append(
                remedies.create_default_route(
                    table.route_table_id, nat_gateway_id=nat.nat_gateway_id
                )
            )
            fix = (
                f"Route 0.0.0.0/0 from {table.route_table_id} to the NAT gateway "
                f"{nat.nat_gateway_id}."
            )
        else:
            fix = (
                "Create a NAT gateway in a public subnet (one whose route table sends 0.0.0.0/0 "
                f"to an internet gateway), then route 0.0.0.0/0 from {table.route_table_id} to it."
            )
            commands.append(remedies.create_nat_gateway())
            commands.append(
                remedies.create_default_route(table.route_table_id, nat_gateway_id="NAT_GATEWAY_ID")
            )
        # Meant to be isolated: it reaches AWS services through endpoints, interface endpoints
        # in the VPC or gateway endpoints (S3, DynamoDB) routed from this very table. An
        # observed failure it explains raises it back to high (rules/observed.py).
        # Only endpoints that carry traffic (gateway_endpoint.usable): a deleted or pending one
        # says nothing of what the function reaches.
        isolated = any(
            gateway_endpoint.usable(e)
            and (
                e.endpoint_type == "Interface"
                or (e.endpoint_type == "Gateway" and table.route_table_id in e.route_table_ids)
            )
            for e in ctx.snapshot.vpc_endpoints
        )
        isolated = isolated or everything_in_use_reached(ctx)
        yield self.fail(
            f"Route table {table.route_table_id} of {where} has no route for 0.0.0.0/0, so "
            "the function cannot reach public addresses or AWS APIs without an endpoint.",
            resources=[_route_ref(table, None), *subnets],
            evidence=[_route_evidence(table, None, "0.0.0.0/0 -> nat-…")],
            remediation=Remediation(text=fix, commands=commands),
            subnet_id=sub,
            severity=Severity.MEDIUM if isolated else None,
        )


class FunctionInPublicSubnet(SubnetRule):
    code = "RTE002"
    name = "function-in-public-subnet"
    title = "The function is in a public subnet: its traffic to the internet goes nowhere"
    severity = Severity.HIGH
    causes = ("C02",)
    summary = "For each function subnet, whether its default route points at an internet gateway."
    why = (
        "Lambda's network interfaces never get a public IP address, so an internet gateway "
        "drops their traffic: a function in a public subnet cannot reach the internet. It "
        "needs a private subnet whose default route goes to a NAT gateway in a public subnet."
    )
    how_to_fix = (
        "Attach the function to private subnets that route 0.0.0.0/0 to a NAT gateway (or give "
        "this subnet its own route table with that route)."
    )
    inputs = ("lambda:GetFunction", EC2_VPCS, EC2_ROUTES)
    fallbacks = (
        *SubnetRule.fallbacks,
        (
            EC2_NATS,
            "the NAT gateways only pick the fix: unread, the fix is the one that is always "
            "safe (a new route table for the function subnets), never an in-place edit",
        ),
    )

    def per_table(
        self, ctx: RuleContext, subnets: list[str], table: RouteTable
    ) -> Iterable[Finding]:
        where = ", ".join(subnets)
        sub = subnets[0] if len(subnets) == 1 else None
        route = default_route(table)
        if not routes_to_igw(table) or route is None:
            yield self.passed(
                f"{where} does not route 0.0.0.0/0 to an internet gateway.",
                resources=[*subnets, table.route_table_id],
                subnet_id=sub,
            )
            return
        nat = usable_nat(ctx)
        nat_id = nat.nat_gateway_id if nat else "NAT_GATEWAY_ID"
        shared = [
            a.subnet_id for a in table.associations if a.subnet_id and a.subnet_id not in subnets
        ]
        nat_subnets = {n.subnet_id for n in ctx.snapshot.nat_gateways if n.subnet_id}
        # Changing the table in place is safe only when nothing else (a NAT gateway's own
        # public subnet, subnets using the main table implicitly) depends on its IGW route.
        # Unread NAT gateways: any of these subnets may hold one, so never edit in place.
        nats_unread = ctx.skipped_reason(EC2_NATS)
        in_place = (
            not nats_unread and not shared and not table.is_main and not nat_subnets & set(subnets)
        )
        if in_place:
            commands = [
                remedies.create_default_route(
                    table.route_table_id, nat_gateway_id=nat_id, replace=True
                )
            ]
            how = f"Point 0.0.0.0/0 in {table.route_table_id} at a NAT gateway in a public subnet"
        else:
            commands = [
                remedies.create_route_table(table.vpc_id),
                remedies.create_default_route("NEW_ROUTE_TABLE_ID", nat_gateway_id=nat_id),
                *(remedies.associate_route_table("NEW_ROUTE_TABLE_ID", s) for s in subnets),
            ]
            if shared or table.is_main:
                others = shared or ["the subnets using the main table"]
                leave = f"{table.route_table_id} also serves {', '.join(others)}: leave it"
            elif nats_unread:
                leave = (
                    f"the NAT gateways could not be read: {nats_unread}; whether "
                    f"{table.route_table_id} serves one is unknown: leave it"
                )
            else:
                leave = f"a NAT gateway's subnet uses {table.route_table_id}: leave it"
            how = (
                f"Give {where} a route table that sends 0.0.0.0/0 to a NAT gateway in a public "
                f"subnet ({leave})"
            )
        if nat is None and not nats_unread:
            commands.insert(0, remedies.create_nat_gateway())
        yield self.fail(
            f"Route table {table.route_table_id} of {where} sends 0.0.0.0/0 to the internet "
            f"gateway {route.target_id}, but Lambda's network interfaces have no public IP, so "
            "that traffic is dropped.",
            resources=[_route_ref(table, route), *subnets],
            evidence=[_route_evidence(table, route, "0.0.0.0/0 -> nat-… (a NAT gateway)")],
            remediation=Remediation(
                text=f"{how}, or move the function to private subnets.",
                commands=commands,
            ),
            subnet_id=sub,
        )


class NatGatewayUnusable(SubnetRule):
    code = "NAT001"
    name = "nat-gateway-unusable"
    title = "The NAT gateway a function subnet routes to cannot carry its traffic"
    severity = Severity.HIGH
    causes = ("C03",)
    summary = (
        "For each function subnet whose default route goes to a NAT gateway: whether the route "
        "is active (not a blackhole), the NAT gateway exists and is available, it is a public "
        "NAT gateway, and its own subnet routes 0.0.0.0/0 to an internet gateway."
    )
    why = (
        "A deleted or failed NAT gateway leaves a blackhole route; a NAT gateway in a subnet "
        "without an internet gateway route forwards traffic nowhere. Either way, the function "
        "times out on everything outside the VPC."
    )
    how_to_fix = (
        "Point the default route at an available NAT gateway that sits in a public subnet, or "
        "add the internet gateway route to the NAT gateway's subnet."
    )
    inputs = ("lambda:GetFunction", EC2_VPCS, EC2_ROUTES, EC2_NATS)

    def per_table(
        self, ctx: RuleContext, subnets: list[str], table: RouteTable
    ) -> Iterable[Finding]:
        where = ", ".join(subnets)
        sub = subnets[0] if len(subnets) == 1 else None
        route = default_route(table)
        if route is None or route.target_type is not RouteTargetType.NAT_GATEWAY:
            return
        nat_id = route.target_id or "?"
        good = usable_nat(ctx)
        replace = remedies.create_default_route(
            table.route_table_id,
            nat_gateway_id=good.nat_gateway_id if good else "NAT_GATEWAY_ID",
            replace=True,
        )
        refs: list[ResourceRef | str] = [_route_ref(table, route), nat_id, *subnets]
        evidence = [_route_evidence(table, route, "0.0.0.0/0 -> an available NAT gateway")]
        if route.state == "blackhole":
            yield self.fail(
                f"Route table {table.route_table_id} of {where} sends 0.0.0.0/0 to {nat_id}, "
                "a blackhole: that NAT gateway no longer exists.",
                resources=refs,
                evidence=evidence,
                remediation=Remediation(
                    text="Point the default route at an available NAT gateway.", commands=[replace]
                ),
                subnet_id=sub,
            )
            return
        nat = ctx.snapshot.nat_gateway(nat_id)
        if nat is None:
            reason = ctx.skipped_reason(EC2_NATS)
            if reason:
                yield self.skipped(reason, resources=[nat_id], subnet_id=sub)
            else:
                yield self.fail(
                    f"Route table {table.route_table_id} of {where} sends 0.0.0.0/0 to "
                    f"{nat_id}, which does not exist.",
                    resources=refs,
                    evidence=evidence,
                    remediation=Remediation(
                        text="Point the default route at an available NAT gateway.",
                        commands=[replace],
                    ),
                    subnet_id=sub,
                )
            return
        nat_evidence = Evidence(
            source=EC2_NATS,
            resource=nat_id,
            observed=f"state {nat.state}, {nat.connectivity_type}, in {nat.subnet_id}"
            + (f", {nat.failure_code}: {nat.failure_message}" if nat.failure_code else ""),
            expected="state available, public, in a subnet routing to an internet gateway",
        )
        if nat.state != "available":
            failure = f" ({nat.failure_code}: {nat.failure_message})" if nat.failure_code else ""
            yield self.fail(
                f"NAT gateway {nat_id}, the default route of {where}, is {nat.state}{failure}.",
                resources=refs,
                evidence=[*evidence, nat_evidence],
                remediation=Remediation(
                    text=(
                        f"Replace {nat_id} with a working NAT gateway in a public subnet and "
                        f"point {table.route_table_id} at it."
                    ),
                    commands=(
                        [replace]
                        if good
                        else [
                            remedies.create_nat_gateway(nat.subnet_id or "PUBLIC_SUBNET_ID"),
                            replace,
                        ]
                    ),
                ),
                subnet_id=sub,
            )
            return
        if nat.connectivity_type != "public":
            yield self.fail(
                f"NAT gateway {nat_id}, the default route of {where}, is a private NAT "
                "gateway: it cannot reach the internet.",
                resources=refs,
                evidence=[*evidence, nat_evidence],
                remediation=Remediation(
                    text="Route 0.0.0.0/0 to a public NAT gateway.", commands=[replace]
                ),
                subnet_id=sub,
            )
            return
        nat_table = ctx.route_table(nat.subnet_id) if nat.subnet_id else None
        if nat_table is not None and not routes_to_igw(nat_table):
            igw = next(
                (
                    g.internet_gateway_id
                    for g in ctx.snapshot.internet_gateways
                    if table.vpc_id in g.attached_vpc_ids
                ),
                "INTERNET_GATEWAY_ID",
            )
            yield self.fail(
                f"NAT gateway {nat_id} sits in {nat.subnet_id}, whose route table "
                f"{nat_table.route_table_id} has no 0.0.0.0/0 route to an internet gateway.",
                resources=[*refs, _route_ref(nat_table, default_route(nat_table))],
                evidence=[
                    *evidence,
                    nat_evidence,
                    _route_evidence(nat_table, default_route(nat_table), "0.0.0.0/0 -> igw-…"),
                ],
                remediation=Remediation(
                    text=f"Route 0.0.0.0/0 from {nat_table.route_table_id} to {igw}.",
                    commands=[
                        remedies.route(nat_table.route_table_id, "0.0.0.0/0", gateway_id=igw)
                    ],
                ),
                subnet_id=sub,
            )
            return
        yield self.passed(
            f"{where} routes 0.0.0.0/0 to {nat_id}, available, in a public subnet.",
            resources=refs,
            subnet_id=sub,
        )


class NoRouteToDestination(PathHopRule):
    code = "RTE003"
    name = "no-route-to-destination"
    title = "No route takes the function's traffic to a private destination"
    severity = Severity.HIGH
    causes = ("C01",)
    summary = (
        "For each target with a private address outside the subnet's local range, whether the "
        "function subnet's route table has a route to it (peering, transit gateway, VPN)."
    )
    why = (
        "Traffic to a private address with no matching route (or a blackhole route) is dropped: "
        "the function times out. Common after a peering or transit gateway attachment is removed."
    )
    how_to_fix = (
        "Add a route for the destination's range to the peering connection, transit gateway or "
        "virtual private gateway."
    )
    inputs = (EC2_ROUTES, "probe.tcp", "probe.dns")
    hop_kinds = frozenset({HopKind.ROUTE})
    checked = "The route tables"
    reads = (EC2_ROUTES,)

    def applies(self, ctx: RuleContext, fact: TargetFacts, address: str) -> bool:
        # Internet destinations are judged per route table by RTE001, RTE002 and NAT001; a
        # blackhole to a peering connection that is not active is PCX001's (accept it).
        return is_internal(address) and not any(
            p.decided_by is not None and p.decided_by.step is Step.PEERING
            for p in ctx.beyond_paths(address, fact.spec.port, fact.spec.protocol)
        )

    def remedy(self, ctx: RuleContext, fact: TargetFacts, address: str, hop: Hop) -> Remediation:
        return Remediation(
            text=(
                f"Add a route for {address}'s network to {hop.component_id} towards the peering "
                "connection, transit gateway or virtual private gateway that leads to it."
            ),
            commands=[
                remedies.route(
                    hop.component_id,
                    remedies.host_cidr(address),
                    transit_gateway_id="TRANSIT_GATEWAY_ID",
                )
            ],
        )
