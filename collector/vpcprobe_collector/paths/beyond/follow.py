"""Where a function subnet's route leaves the VPC (pcx-…, tgw-…, vgw-…), follow it.

This takes the same query as the in-VPC engine and returns its own typed decisions; the engine
stops at `Verdict.LEAVES_VPC` for these route targets, and this module takes over from there.
"""

from __future__ import annotations

from typing import Literal

from vpcprobe_collector.paths import routes
from vpcprobe_collector.paths.beyond import peering, transit, vpn
from vpcprobe_collector.paths.beyond.model import BeyondPath, Case, Decision, Step
from vpcprobe_collector.paths.cidr import parse_address, parse_network
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.snapshot.model import Route, RouteTargetType, VpcSnapshot

FOLLOWED = (
    RouteTargetType.PEERING,
    RouteTargetType.TRANSIT_GATEWAY,
    RouteTargetType.VIRTUAL_PRIVATE_GATEWAY,
)


def follow_beyond(
    snapshot: VpcSnapshot,
    subnet_id: str,
    destination: str,
    port: int,
    protocol: Literal["tcp", "udp"] = "tcp",
    *,
    security_group_ids: tuple[str, ...] | None = None,
    index: SnapshotIndex | None = None,
) -> BeyondPath | None:
    """The hops beyond the VPC for traffic from `subnet_id` to destination:port, or None when
    the subnet's route for it does not lead to a peering, transit or virtual private gateway
    (or is a blackhole: the in-VPC engine judges that)."""
    index = index or SnapshotIndex(snapshot)
    table = index.route_table_for(subnet_id)
    if table is None:
        return None
    address = parse_address(destination)
    match = routes.longest_match(index, table, address)
    route = match.route
    if route is None or route.target_type not in FOLLOWED or not route.target_id:
        return None
    if route.state != "active":
        # AWS shows a route to a peering connection that is not active as a blackhole: the
        # connection's state is what to fix (accept it), so that is what this path says.
        if route.target_type is not RouteTargetType.PEERING:
            return None
        pcx = snapshot.beyond.peering(route.target_id)
        if pcx is None or pcx.status == "active":
            return None
    if security_group_ids is None:
        fn = snapshot.function
        security_group_ids = tuple(fn.vpc_config.security_group_ids) if fn and fn.vpc_config else ()
    return follow_route(
        snapshot,
        subnet_id,
        route,
        destination,
        port,
        protocol,
        security_group_ids=security_group_ids,
        index=index,
    )


def follow_route(
    snapshot: VpcSnapshot,
    subnet_id: str,
    route: Route,
    destination: str,
    port: int,
    protocol: Literal["tcp", "udp"],
    *,
    security_group_ids: tuple[str, ...],
    index: SnapshotIndex,
) -> BeyondPath | None:
    """The hops after `route` (to a pcx-…, tgw-… or vgw-…) from `subnet_id`."""
    subnet = index.subnets.get(subnet_id)
    if subnet is None or not subnet.cidr_block or not route.target_id:
        return None
    if route.target_type not in FOLLOWED:
        return None
    address = parse_address(destination)
    source = parse_network(
        subnet.cidr_block if address.version == 4 else (subnet.ipv6_cidr_blocks or ["::/0"])[0]
    )
    path = BeyondPath(subnet_id, destination, port, protocol, route.target_id)
    groups = frozenset(security_group_ids)
    if route.target_id not in snapshot.beyond.followed:
        path.decisions = [not_followed(route)]
        return path
    if route.target_type is RouteTargetType.PEERING:
        path.decisions = peering.follow(
            snapshot,
            route.target_id,
            destination=destination,
            port=port,
            protocol=protocol,
            source=source,
            source_groups=groups,
        )
    elif route.target_type is RouteTargetType.TRANSIT_GATEWAY:
        path.decisions = transit.follow(
            snapshot,
            route.target_id,
            subnet_id=subnet_id,
            destination=destination,
            port=port,
            protocol=protocol,
            source=source,
            source_groups=groups,
        )
    else:
        path.decisions = vpn.through_gateway(snapshot, route.target_id)
    return path


def not_followed(route: Route) -> Decision:
    """The snapshot holds nothing about this target: it was not read, so nothing is judged."""
    step = {
        RouteTargetType.PEERING: Step.PEERING,
        RouteTargetType.TRANSIT_GATEWAY: Step.TGW_ATTACHMENT,
    }.get(route.target_type, Step.VPN)
    target = route.target_id or "?"
    return Decision(
        step,
        HopOutcome.UNKNOWN,
        target,
        source_api="vpcprobe",
        case=Case.NOT_FOLLOWED,
        reason="not read",
    )


def follow_function_paths(
    snapshot: VpcSnapshot,
    destination: str,
    port: int,
    protocol: Literal["tcp", "udp"] = "tcp",
    *,
    index: SnapshotIndex | None = None,
) -> list[BeyondPath]:
    """One BeyondPath per function subnet whose route to `destination` leaves the VPC."""
    fn = snapshot.function
    if fn is None or fn.vpc_config is None:
        return []
    index = index or SnapshotIndex(snapshot)
    found = []
    for subnet_id in fn.vpc_config.subnet_ids:
        path = follow_beyond(snapshot, subnet_id, destination, port, protocol, index=index)
        if path is not None:
            found.append(path)
    return found
