"""The NAT gateway a route names: its state, then its own subnet's NACL (both ways) and route."""

from __future__ import annotations

from functools import partial

from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.decisions import Decision, NatDecision, NatProblem
from vpcprobe_collector.paths.hops import nacl
from vpcprobe_collector.paths.hops import route as route_hop
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopKind, HopOutcome
from vpcprobe_collector.paths.walk import Walk, unread
from vpcprobe_collector.snapshot.model import Route

API = "ec2:DescribeNatGateways"
# The NAT subnet's NACL hops, in the order a packet and its reply cross them.
NAT_NACL_KINDS = (
    HopKind.NAT_NACL_INBOUND,  # function -> NAT
    HopKind.NAT_NACL_OUTBOUND,  # NAT -> destination
    HopKind.NAT_NACL_INBOUND_RETURN,  # destination -> NAT, ports 1024-65535
    HopKind.NAT_NACL_OUTBOUND_RETURN,  # NAT -> function, ports 1024-65535
)


def decide(index: SnapshotIndex, nat_gateway_id: str) -> NatDecision | None:
    """Whether the NAT gateway exists and is available; None when the read failed (the walk
    adds an Unread decision instead)."""
    nat = index.nat_gateways.get(nat_gateway_id)
    if nat is None:
        if index.skipped_for(API):
            return None
        return NatDecision(nat_gateway_id, HopOutcome.DENY, problem=NatProblem.MISSING)
    if nat.state != "available":
        return NatDecision(nat_gateway_id, HopOutcome.DENY, nat, NatProblem.NOT_AVAILABLE)
    return NatDecision(nat_gateway_id, HopOutcome.ALLOW, nat)


def follow(walk: Walk, route: Route) -> None:
    """A route to a NAT gateway: the gateway, its subnet's NACL both ways, its route onwards."""
    from vpcprobe_collector.paths.hops import next_hop  # the table names this module

    index, traffic = walk.index, walk.traffic
    nat_id = route.target_id or ""
    decision = decide(index, nat_id)
    if decision is None:
        missing = unread(index, HopKind.NAT_GATEWAY, nat_id, API, "NAT gateways")
        if missing is not None:
            walk.add(missing)
        return
    walk.add_shared(("nat_gateway", nat_id), lambda: decision)
    if decision.outcome is not HopOutcome.ALLOW or decision.nat is None:
        return
    nat_subnet = decision.nat.subnet_id
    if nat_subnet is None:
        walk.add(route_hop.nat_subnet_unknown(nat_id, traffic))
        return
    if nat_subnet != walk.subnet_id:
        for kind in NAT_NACL_KINDS:
            if kind in nacl.TOWARD_DESTINATION:  # the same for every function subnet
                walk.add_shared(
                    ("nat_nacl", kind, nat_id, nat_subnet, traffic),
                    partial(_nacl, walk, kind, nat_subnet, nat_id, toward=True),
                )
            else:
                walk.add(_nacl(walk, kind, nat_subnet, nat_id, toward=False))
    key = ("nat_route", nat_id, nat_subnet, traffic)
    shared = index.shared_routes.get(key)
    if shared is None:
        decisions, onward = route_hop.decide(
            index, HopKind.NAT_ROUTE, nat_subnet, traffic, walk.address, nat_gateway_id=nat_id
        )
        shared = index.shared_routes[key] = (tuple(describe.hop(d) for d in decisions), onward)
    hops, onward = shared
    walk.add(*hops)
    if onward is not None:
        next_hop.follow(walk, onward, from_nat=True)


def _nacl(walk: Walk, kind: HopKind, nat_subnet: str, nat_id: str, *, toward: bool) -> Decision:
    return nacl.decide(
        walk.index,
        kind,
        nat_subnet,
        walk.traffic,
        peers=walk.dest_networks if toward else walk.source_networks,
        spans=walk.dest_spans if toward else walk.source_spans,
        peer=walk.traffic.destination if toward else walk.source_text,
        source_text=walk.source_text,
        nat_gateway_id=nat_id,
    )
