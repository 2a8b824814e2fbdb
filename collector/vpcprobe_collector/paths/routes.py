"""Route lookup: longest prefix match over CIDR and prefix-list routes."""

from __future__ import annotations

from dataclasses import dataclass, field

from vpcprobe_collector.paths.cidr import IPAddress
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.snapshot.model import Route, RouteTable, RouteTargetType

API = "ec2:DescribeRouteTables"

TARGET_WORDS = {
    RouteTargetType.LOCAL: "the VPC itself",
    RouteTargetType.INTERNET_GATEWAY: "internet gateway",
    RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY: "egress-only internet gateway",
    RouteTargetType.NAT_GATEWAY: "NAT gateway",
    RouteTargetType.GATEWAY_ENDPOINT: "gateway endpoint",
    RouteTargetType.PEERING: "VPC peering connection",
    RouteTargetType.TRANSIT_GATEWAY: "transit gateway",
    RouteTargetType.VIRTUAL_PRIVATE_GATEWAY: "virtual private gateway (VPN)",
    RouteTargetType.NETWORK_INTERFACE: "network interface",
    RouteTargetType.INSTANCE: "instance",
    RouteTargetType.LOCAL_GATEWAY: "local gateway",
    RouteTargetType.CARRIER_GATEWAY: "carrier gateway",
    RouteTargetType.CORE_NETWORK: "Cloud WAN core network",
    RouteTargetType.UNKNOWN: "an unrecognised target",
}


@dataclass(slots=True, eq=False)
class RouteFacts:
    """A route's fields as the walk and its words read them, copied once per index (a
    model's attributes cost more to read than a slot's, and every path reads its route's)."""

    destination: str  # Route.destination: the CIDR or the prefix list
    target_type: RouteTargetType
    target: str  # the target's ID, else its type's value ("local")
    state: str
    text: str  # route_text(route)
    # The hops `describe` words for paths this route carries, per hop context, with the
    # destination's address left as a hole (filled by `describe`).
    worded: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, route: Route) -> RouteFacts:
        target_type = route.target_type
        return cls(
            route.destination,
            target_type,
            route.target_id or target_type.value,
            route.state,
            route_text(route),
        )


@dataclass
class RouteMatch:
    """The route that carries a destination, and prefix lists that could not be checked."""

    route: Route | None
    prefix_length: int = -1
    unresolved_prefix_lists: list[str] = field(default_factory=list)


def route_text(route: Route) -> str:
    """ "0.0.0.0/0 -> nat-0abc" (with "blackhole " in front when the route is one)."""
    text = f"{route.destination} -> {route.target_id or route.target_type.value}"
    return f"blackhole {text}" if route.state == "blackhole" else text


def longest_match(index: SnapshotIndex, table: RouteTable, destination: IPAddress) -> RouteMatch:
    """The most specific route for `destination`; at equal length a static route beats a
    prefix-list route, which beats a propagated (VPN) route, as AWS documents."""
    best: Route | None = None
    best_key = (-1, -1)
    unresolved: list[str] = []
    version, value = destination.version, int(destination)
    bits = 32 if version == 4 else 128
    prepared = index.prefix_index(table)
    for length, networks in prepared.by_length[version]:
        network = value >> (bits - length) << (bits - length)
        hit = networks.get(network)
        if hit is not None:
            best, best_key = hit[0], (length, hit[1])
            break
    for route, plid, by_version in prepared.listed_index:
        if by_version is None:
            unresolved.append(plid)
            continue
        longest = -1
        for length, members in by_version[version]:  # longest first: the first hit is it
            shift = bits - length
            if value >> shift << shift in members:
                longest = length
                break
        if longest < 0:
            continue
        key = (longest, 1)
        if key > best_key:
            best, best_key = route, key
    return RouteMatch(best, best_key[0], unresolved)
