"""Internet gateways and egress-only internet gateways: attached to the VPC, or going nowhere."""

from __future__ import annotations

from vpcprobe_collector.paths.decisions import EndDecision, EndKind, GatewayDecision
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopKind, HopOutcome
from vpcprobe_collector.paths.walk import Walk, unread
from vpcprobe_collector.snapshot.model import Route, RouteTargetType

IGW_API = "ec2:DescribeInternetGateways"
EIGW_API = "ec2:DescribeEgressOnlyInternetGateways"


def decide(
    index: SnapshotIndex, target: RouteTargetType, gateway_id: str
) -> GatewayDecision | None:
    """Whether the gateway is attached to the VPC; None when its read failed."""
    vpc_id = index.vpc.vpc_id if index.vpc else None
    if target is RouteTargetType.INTERNET_GATEWAY:
        kind, api = HopKind.INTERNET_GATEWAY, IGW_API
        gateway = index.internet_gateways.get(gateway_id)
        attached = gateway.attached_vpc_ids if gateway else None
    else:
        kind, api = HopKind.EGRESS_ONLY_INTERNET_GATEWAY, EIGW_API
        eigw = index.egress_only_gateways.get(gateway_id)
        attached = eigw.attached_vpc_ids if eigw else None
    if attached is None and index.skipped_for(api):
        return None
    ok = attached is not None and (vpc_id is None or vpc_id in attached)
    return GatewayDecision(
        kind=kind,
        gateway_id=gateway_id,
        vpc_id=vpc_id,
        attached=ok,
        outcome=HopOutcome.ALLOW if ok else HopOutcome.DENY,
        api=api,
    )


def follow(walk: Walk, route: Route) -> None:
    """A route to an (egress-only) internet gateway: attached, then out to the internet."""
    gateway_id = route.target_id or ""
    decision = decide(walk.index, route.target_type, gateway_id)
    if decision is None:
        igw = route.target_type is RouteTargetType.INTERNET_GATEWAY
        kind = HopKind.INTERNET_GATEWAY if igw else HopKind.EGRESS_ONLY_INTERNET_GATEWAY
        api = IGW_API if igw else EIGW_API
        words = "Internet gateways" if igw else "Egress-only internet gateways"
        missing = unread(walk.index, kind, gateway_id, api, words)
        if missing is not None:
            walk.add(missing)
        return
    walk.add_shared(("gateway", gateway_id, decision.kind), lambda: decision)
    if decision.outcome is HopOutcome.ALLOW:
        walk.leave_by(
            (EndKind.BEYOND, route.target_type, gateway_id, "attached"),
            lambda: EndDecision(
                end=EndKind.BEYOND,
                traffic=walk.traffic,
                target_type=route.target_type,
                target_id=gateway_id,
                target_state="attached",
            ),
        )
