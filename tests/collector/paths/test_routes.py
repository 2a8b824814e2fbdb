"""Route evaluation: longest prefix, main table, blackhole, NAT, gateways, leaving the VPC."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.collector.paths.builder import (
    DB_IP,
    EIGW,
    FN_A,
    IGW,
    NAT,
    PUBLIC,
    T,
    healthy,
    path,
    route,
    table,
)
from vpcprobe_collector.paths.model import HopKind, HopOutcome, Verdict
from vpcprobe_collector.snapshot.model import PrefixList, RouteTableAssociation


def test_healthy_vpc_reaches_the_internet_through_the_nat_gateway() -> None:
    result = path(healthy(), "198.51.100.7", 443)
    assert result.verdict is Verdict.LEAVES_VPC
    assert result.decided_by is None
    kinds = [h.kind for h in result.hops]
    assert (
        kinds.index(HopKind.ROUTE)
        < kinds.index(HopKind.NAT_GATEWAY)
        < kinds.index(HopKind.INTERNET_GATEWAY)
    )
    nat_route = next(h for h in result.hops if h.kind is HopKind.NAT_ROUTE)
    assert (nat_route.component_id, nat_route.rule) == ("rtb-0pub", f"0.0.0.0/0 -> {IGW}")


def test_longest_prefix_beats_the_default_route() -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0priv").routes.append(route("198.51.100.0/24", T.PEERING, "pcx-0a"))
    result = path(snapshot, "198.51.100.7", 443)
    hop = next(h for h in result.hops if h.kind is HopKind.ROUTE)
    assert hop.rule == "198.51.100.0/24 -> pcx-0a"
    assert result.verdict is Verdict.LEAVES_VPC
    assert "not visible" in result.hops[-1].detail
    # An address outside the /24 still takes 0.0.0.0/0 to the NAT gateway.
    other = path(snapshot, "198.51.101.7", 443)
    assert next(h for h in other.hops if h.kind is HopKind.ROUTE).rule == f"0.0.0.0/0 -> {NAT}"


def test_subnet_without_association_uses_the_main_table() -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0priv").associations = [RouteTableAssociation(subnet_id="subnet-0fb")]
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert result.decided_by.component_id == "rtb-0main"
    assert result.decided_by.rule == "no route to 198.51.100.7"
    assert result.decided_by.detail.startswith(f"Route table rtb-0main of {FN_A} has no route")


def test_blackhole_route_blocks() -> None:
    snapshot = healthy()
    routes = table(snapshot, "rtb-0priv").routes
    routes[2] = route("0.0.0.0/0", T.NAT_GATEWAY, NAT, state="blackhole")
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert result.decided_by.component_id == "rtb-0priv"
    assert result.decided_by.rule == f"blackhole 0.0.0.0/0 -> {NAT}"


def test_failed_nat_gateway_blocks() -> None:
    snapshot = healthy()
    snapshot.nat_gateways[0].state = "failed"
    snapshot.nat_gateways[0].failure_message = "Elastic IP address is already associated"
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (NAT, "state failed")
    assert "already associated" in result.decided_by.detail


def test_deleted_nat_gateway_missing_from_the_snapshot_blocks() -> None:
    snapshot = healthy()
    snapshot.nat_gateways.clear()
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (
        NAT,
        "NAT gateway not found",
    )


def test_nat_gateway_in_a_subnet_without_internet_route_blocks() -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0pub").routes.pop()  # drop 0.0.0.0/0 -> igw
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.NAT_ROUTE
    assert result.decided_by.component_id == "rtb-0pub"
    assert result.decided_by.rule == "no route to 198.51.100.7"
    assert NAT in result.decided_by.detail and PUBLIC in result.decided_by.detail


def test_internet_gateway_from_a_function_subnet_blocks_ipv4() -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0priv").routes[2] = route("0.0.0.0/0", T.INTERNET_GATEWAY, IGW)
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert result.decided_by.component_id == "rtb-0priv"
    assert result.decided_by.rule == f"0.0.0.0/0 -> {IGW}"
    assert "needs a subnet whose route goes to a NAT gateway" in result.decided_by.detail


def test_internet_gateway_not_attached_blocks_the_nat_path() -> None:
    snapshot = healthy()
    snapshot.internet_gateways[0].attached_vpc_ids = []
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (IGW, "not attached")


def test_ipv6_leaves_through_the_egress_only_gateway() -> None:
    result = path(healthy(), "2001:db8::10", 443)
    assert result.verdict is Verdict.LEAVES_VPC
    hop = next(h for h in result.hops if h.kind is HopKind.EGRESS_ONLY_INTERNET_GATEWAY)
    assert (hop.component_id, hop.outcome) == (EIGW, HopOutcome.ALLOW)


def test_ipv6_without_a_route_is_blocked() -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0priv").routes.pop()  # drop ::/0 -> eigw
    result = path(snapshot, "2001:db8::10", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (
        "rtb-0priv",
        "no route to 2001:db8::10",
    )


def test_ipv6_through_an_internet_gateway_is_fine_lambda_has_a_global_address() -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0priv").routes[3] = route("::/0", T.INTERNET_GATEWAY, IGW)
    result = path(snapshot, "2001:db8::10", 443)
    assert result.verdict is Verdict.LEAVES_VPC


def test_peering_and_transit_gateway_leave_the_vpc() -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0priv").routes += [
        route("172.16.0.0/12", T.PEERING, "pcx-0b"),
        route("192.168.0.0/16", T.TRANSIT_GATEWAY, "tgw-0c"),
    ]
    for address, target in (("172.20.1.1", "pcx-0b"), ("192.168.4.4", "tgw-0c")):
        result = path(snapshot, address, 5432)
        assert result.verdict is Verdict.LEAVES_VPC
        route_hop = next(h for h in result.hops if h.kind is HopKind.ROUTE)
        assert route_hop.rule is not None and route_hop.rule.endswith(target)
        assert "what lies beyond is not visible" in result.hops[-1].detail


def test_prefix_list_route_is_matched_by_its_entries() -> None:
    snapshot = healthy()
    snapshot.prefix_lists.append(
        PrefixList(prefix_list_id="pl-0corp", name="corp", cidrs=["198.51.100.0/24"])
    )
    table(snapshot, "rtb-0priv").routes.append(route("pl-0corp", T.TRANSIT_GATEWAY, "tgw-0c"))
    result = path(snapshot, "198.51.100.7", 443)
    hop = next(h for h in result.hops if h.kind is HopKind.ROUTE)
    assert hop.rule == "pl-0corp -> tgw-0c"
    assert result.verdict is Verdict.LEAVES_VPC


def test_cidr_route_beats_a_prefix_list_route_of_the_same_length() -> None:
    snapshot = healthy()
    snapshot.prefix_lists.append(
        PrefixList(prefix_list_id="pl-0corp", name="corp", cidrs=["198.51.100.0/24"])
    )
    table(snapshot, "rtb-0priv").routes += [
        route("pl-0corp", T.TRANSIT_GATEWAY, "tgw-0c"),
        route("198.51.100.0/24", T.PEERING, "pcx-0b"),
    ]
    hop = next(h for h in path(snapshot, "198.51.100.7", 443).hops if h.kind is HopKind.ROUTE)
    assert hop.rule == "198.51.100.0/24 -> pcx-0b"


def test_unread_prefix_list_makes_the_route_unknown() -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0priv").routes.append(route("pl-0gone", T.TRANSIT_GATEWAY, "tgw-0c"))
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.UNKNOWN
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (
        "rtb-0priv",
        "prefix list pl-0gone unread",
    )


def test_local_route_reaches_a_destination_in_the_vpc() -> None:
    result = path(healthy(), DB_IP, 5432)
    assert result.verdict is Verdict.REACHABLE
    assert next(h for h in result.hops if h.kind is HopKind.ROUTE).rule == "10.0.0.0/16 -> local"


def test_static_route_beats_a_propagated_vpn_route_of_the_same_length() -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0priv").routes += [
        route(
            "172.31.0.0/24", T.VIRTUAL_PRIVATE_GATEWAY, "vgw-0a", origin="EnableVgwRoutePropagation"
        ),
        route("172.31.0.0/24", T.PEERING, "pcx-0b", origin="CreateRoute"),
    ]
    hop = next(h for h in path(snapshot, "172.31.0.9", 443).hops if h.kind is HopKind.ROUTE)
    assert hop.rule == "172.31.0.0/24 -> pcx-0b"


_pl_cidrs = st.lists(
    st.tuples(st.integers(min_value=0, max_value=3), st.sampled_from((8, 16, 20, 24, 28, 32))).map(
        lambda p: f"198.51.{96 + p[0]}.0/{p[1]}" if p[1] >= 24 else f"198.{p[0]}.0.0/{p[1]}"
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(_pl_cidrs, _pl_cidrs, st.integers(min_value=0, max_value=3), st.integers(0, 255))
def test_prefix_list_routes_match_their_longest_entry(
    first: list[str], second: list[str], third_octet: int, last_octet: int
) -> None:
    """Two prefix-list routes and a /24 CIDR route: the route whose longest entry holding the
    address is longest carries it; at equal length the CIDR route wins (as AWS documents),
    and between the two lists the one listed first."""
    snapshot = healthy()
    snapshot.prefix_lists += [
        PrefixList(prefix_list_id="pl-0one", name="one", cidrs=first),
        PrefixList(prefix_list_id="pl-0two", name="two", cidrs=second),
    ]
    table(snapshot, "rtb-0priv").routes += [
        route("pl-0one", T.TRANSIT_GATEWAY, "tgw-0one"),
        route("pl-0two", T.PEERING, "pcx-0two"),
        route("198.51.97.0/24", T.VIRTUAL_PRIVATE_GATEWAY, "vgw-0c"),
    ]
    address = f"198.51.{96 + third_octet}.{last_octet}"
    held = ipaddress.ip_address(address)

    def longest(cidrs: list[str]) -> int:
        networks = (ipaddress.ip_network(c, strict=False) for c in cidrs)
        lengths = [n.prefixlen for n in networks if held in n]
        return max(lengths, default=-1)

    candidates = [
        (24 if held in ipaddress.ip_network("198.51.97.0/24") else -1, 2, "vgw-0c"),
        (longest(first), 1, "tgw-0one"),
        (longest(second), 0, "pcx-0two"),
        (0, 3, NAT),  # the table's 0.0.0.0/0 -> NAT
    ]
    length, _, expected = max(candidates)
    if length == 0:
        expected = NAT
    hop = next(h for h in path(snapshot, address, 443).hops if h.kind is HopKind.ROUTE)
    assert hop.target_id == expected, (first, second, address)
