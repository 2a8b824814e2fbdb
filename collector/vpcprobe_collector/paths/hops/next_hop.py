"""What lies behind a route's target: one `follow` function per target type, in one table.

`route.decide` picks the route; `follow` looks its target type up in FOLLOW and hands the
walk to that function. A target type without an entry ends the walk at the VPC's edge
(`Verdict.LEAVES_VPC`), naming the target and the route's state. To evaluate further for a new
kind of target (VPC peering, a transit gateway, a VPN), write its module under `paths/hops/`
with `follow(walk, route)` and register it here; see CONTRIBUTING.md, "Adding a hop kind".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from vpcprobe_collector.paths.decisions import EndDecision, EndKind
from vpcprobe_collector.paths.hops import (
    beyond_vpc,
    destination,
    gateway_endpoint,
    internet_gateway,
    nat_gateway,
)
from vpcprobe_collector.paths.walk import Walk
from vpcprobe_collector.snapshot.model import Route, RouteTargetType

Follow = Callable[[Walk, Route], None]

FOLLOW: Mapping[RouteTargetType, Follow] = {
    RouteTargetType.LOCAL: destination.follow,
    RouteTargetType.NAT_GATEWAY: nat_gateway.follow,
    RouteTargetType.INTERNET_GATEWAY: internet_gateway.follow,
    RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY: internet_gateway.follow,
    RouteTargetType.GATEWAY_ENDPOINT: gateway_endpoint.follow,
    # Beyond the VPC, followed as far as the snapshot read (paths/beyond).
    RouteTargetType.PEERING: beyond_vpc.follow,
    RouteTargetType.TRANSIT_GATEWAY: beyond_vpc.follow,
    RouteTargetType.VIRTUAL_PRIVATE_GATEWAY: beyond_vpc.follow,
    # Not evaluated further: each ends in leaves_vpc (see `beyond`). NETWORK_INTERFACE,
    # INSTANCE, LOCAL_GATEWAY, CARRIER_GATEWAY, CORE_NETWORK.
}

# From a NAT gateway's subnet the traffic must leave the VPC: a local or NAT route there is
# a DENY decided by `route.decide`, so only these are followed.
FROM_NAT: Mapping[RouteTargetType, Follow] = {
    RouteTargetType.INTERNET_GATEWAY: internet_gateway.follow,
}


def beyond(walk: Walk, route: Route) -> None:
    """The path leaves the VPC through `route`'s target; what lies beyond is not read."""
    walk.leave_by(
        (EndKind.BEYOND, route.target_type, route.target_id, route.state),
        lambda: EndDecision(
            end=EndKind.BEYOND,
            traffic=walk.traffic,
            target_type=route.target_type,
            target_id=route.target_id or route.target_type.value,
            target_state=route.state,
        ),
    )


def follow(walk: Walk, route: Route, *, from_nat: bool = False) -> None:
    """Hand the walk to the function registered for `route`'s target type."""
    table = FROM_NAT if from_nat else FOLLOW
    table.get(route.target_type, beyond)(walk, route)
