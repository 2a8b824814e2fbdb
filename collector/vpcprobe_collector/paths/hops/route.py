"""The route hop: which route of a subnet's table carries the destination (longest prefix,
main-table fallback), and whether it may: blackholes, no route, an internet gateway from a
private-only ENI. What lies behind the route's target is `next_hop.FOLLOW`'s."""

from __future__ import annotations

from collections.abc import Callable

from vpcprobe_collector.paths import routes
from vpcprobe_collector.paths.cidr import IPAddress
from vpcprobe_collector.paths.decisions import Decision, RouteDecision, RouteProblem, Traffic
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import ALLOW, DENY, UNKNOWN, HopKind, HopOutcome
from vpcprobe_collector.paths.walk import unread
from vpcprobe_collector.snapshot.model import Route, RouteTable, RouteTargetType

PREFIX_LIST_API = "ec2:GetManagedPrefixListEntries"
_IGW, _UNRECOGNISED = RouteTargetType.INTERNET_GATEWAY, RouteTargetType.UNKNOWN  # model.ALLOW
_Make = Callable[[HopOutcome, Route | None, RouteProblem | None], RouteDecision]


def table(
    index: SnapshotIndex, subnet_id: str, kind: HopKind, traffic: Traffic
) -> tuple[RouteTable | None, Decision | None]:
    """The subnet's route table, or the decision that says why there is none."""
    found = index.route_table_for(subnet_id)
    if found is not None:
        return found, None
    missing = unread(index, kind, subnet_id, routes.API, f"The route table of {subnet_id}")
    if missing is not None:
        return None, missing
    return None, RouteDecision(
        kind=kind,
        subnet_id=subnet_id,
        traffic=traffic,
        outcome=DENY,
        problem=RouteProblem.NO_TABLE,
    )


def decide(
    index: SnapshotIndex,
    kind: HopKind,
    subnet_id: str,
    traffic: Traffic,
    address: IPAddress,
    *,
    nat_gateway_id: str | None = None,
) -> tuple[tuple[Decision, ...], Route | None]:
    """The decisions for the subnet's route to `address`, and the route to follow (None when
    the walk stops here: no table, no route, a blackhole)."""
    rtb, missing = table(index, subnet_id, kind, traffic)
    if rtb is None:
        return ((missing,) if missing else ()), None
    found = routes.longest_match(index, rtb, address)
    decisions: list[Decision] = []

    table_id = rtb.route_table_id
    unresolved = tuple(found.unresolved_prefix_lists)
    skipped = index.skipped_for(PREFIX_LIST_API) if unresolved else None
    skipped_reason = skipped.reason if skipped else None

    def decision(
        outcome: HopOutcome, route: Route | None, problem: RouteProblem | None
    ) -> RouteDecision:
        return RouteDecision(
            kind,
            subnet_id,
            traffic,
            outcome,
            table_id,
            route,
            problem,
            nat_gateway_id,
            unresolved,
            skipped_reason,
            index.route_facts(route) if route is not None else None,
        )

    full = 128 if traffic.ipv6 else 32
    if unresolved and found.prefix_length < full:
        decisions.append(decision(UNKNOWN, None, RouteProblem.PREFIX_LIST_UNREAD))
    route = found.route
    if route is None:
        decisions.append(decision(DENY, None, RouteProblem.NO_ROUTE))
        return tuple(decisions), None
    facts = index.route_facts(route)
    if facts.state == "blackhole" and not _peering_decides(index, route):
        decisions.append(decision(DENY, route, RouteProblem.BLACKHOLE))
        return tuple(decisions), None
    if nat_gateway_id is not None:
        decisions.append(_from_nat(index, decision, route, nat_gateway_id))
        return tuple(decisions), route if decisions[-1].outcome is ALLOW else None
    target = facts.target_type
    if target is _IGW and not traffic.ipv6:
        # Lambda's network interfaces never have a public IPv4 address.
        decisions.append(decision(DENY, route, RouteProblem.IGW_FROM_PRIVATE))
        return tuple(decisions), None
    if target is _UNRECOGNISED:
        decisions.append(decision(UNKNOWN, route, RouteProblem.UNRECOGNISED))
        return tuple(decisions), None
    decisions.append(decision(ALLOW, route, None))
    return tuple(decisions), route


def _peering_decides(index: SnapshotIndex, route: Route) -> bool:
    """AWS shows a route to a peering connection that is not active as `blackhole`; when the
    connection itself was read and is not active, its own state is the cause (PCX001: accept
    it), so the walk goes on to the peering hop, which denies, instead of "the route is gone"."""
    if route.target_type is not RouteTargetType.PEERING or not route.target_id:
        return False
    connection = index.snapshot.beyond.peering(route.target_id)
    return connection is not None and connection.status != "active"


def _from_nat(
    index: SnapshotIndex, make: _Make, route: Route, nat_gateway_id: str
) -> RouteDecision:
    """The NAT gateway's own subnet must send the destination out of the VPC."""
    target = route.target_type
    if target is RouteTargetType.INTERNET_GATEWAY:
        nat = index.nat_gateways.get(nat_gateway_id)
        if nat is not None and nat.connectivity_type == "private":
            return make(HopOutcome.DENY, route, RouteProblem.PRIVATE_NAT_TO_IGW)
        return make(HopOutcome.ALLOW, route, None)
    if target in (RouteTargetType.NAT_GATEWAY, RouteTargetType.LOCAL):
        return make(HopOutcome.DENY, route, RouteProblem.NAT_LOOPS)
    return make(HopOutcome.ALLOW, route, None)


def nat_subnet_unknown(nat_gateway_id: str, traffic: Traffic) -> RouteDecision:
    """The NAT gateway's subnet is not known, so its route onwards cannot be checked."""
    return RouteDecision(
        kind=HopKind.NAT_ROUTE,
        subnet_id="",
        traffic=traffic,
        outcome=HopOutcome.UNKNOWN,
        problem=RouteProblem.NAT_SUBNET_UNKNOWN,
        nat_gateway_id=nat_gateway_id,
    )
