"""The hops worded once per context with the destination's address as a hole (a function
subnet's NACL hops and route hop, which every destination its entries and routes treat alike
shares but for its address) read, path for path, exactly as the hops of each path evaluated
alone, with a new index: field for field, for allowed, denied and partial NACL decisions,
local, NAT, egress-only, blackhole and missing routes, IPv4 and IPv6; and an ID that holds
the hole's own text is worded in full, never filled in. Where a path ends (inside the VPC,
beyond a gateway) is made once per destination and route target, whichever table took the
path there, and a different target ends it elsewhere."""

from __future__ import annotations

from typing import Literal

from tests.collector.paths.builder import (
    DB_IP,
    FN_A,
    FN_B,
    FN_SG,
    T,
    entry,
    healthy,
    own_acl,
    route,
    table,
)
from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.evaluate import evaluate_path
from vpcprobe_collector.paths.model import HopKind, PathQuery
from vpcprobe_collector.rules.context import RuleContext
from vpcprobe_collector.snapshot.model import RouteTable, RouteTableAssociation, VpcSnapshot

Protocol = Literal["tcp", "udp"]
# Held and unheld addresses in the database subnet, the internet through the NAT gateway,
# IPv6 through the egress-only gateway, a blackholed range and a range with no route.
TARGETS: list[tuple[str, int, Protocol]] = [
    (DB_IP, 5432, "tcp"),
    ("10.0.3.11", 5432, "tcp"),
    ("10.0.3.12", 443, "tcp"),
    ("10.0.3.13", 53, "udp"),
    ("198.51.100.7", 443, "tcp"),
    ("198.51.100.8", 443, "tcp"),
    ("198.51.100.9", 8080, "tcp"),
    ("2600:1f18:ab:3::10", 443, "tcp"),
    ("2001:db8::7", 443, "tcp"),
    ("2001:db8::8", 443, "tcp"),
    ("192.0.2.10", 443, "tcp"),
    ("192.0.2.11", 443, "tcp"),
]


def _snapshot(acl_id: str = "acl-0fa", route_table_id: str = "rtb-0priv") -> VpcSnapshot:
    snapshot = healthy()
    # FN_A's own NACL: 8080 out denied, replies only on part of the ephemeral range.
    own_acl(
        snapshot,
        acl_id,
        FN_A,
        [
            entry(90, "deny", egress=True, protocol="6", ports=(8080, 8080)),
            entry(100, "allow", egress=True),
            entry(100, "allow", egress=False, protocol="6", ports=(1024, 32767)),
            entry(110, "allow", egress=False, protocol="17", ports=(1024, 65535)),
            entry(32767, "deny", egress=True),
            entry(32767, "deny", egress=False),
        ],
    )
    private = table(snapshot, "rtb-0priv")
    private.routes.append(route("192.0.2.0/24", T.NAT_GATEWAY, "nat-0gone", state="blackhole"))
    private.route_table_id = route_table_id
    # FN_B: a table of its own with the local routes only (no way out).
    private.associations = [a for a in private.associations if a.subnet_id != FN_B]
    snapshot.route_tables.append(
        RouteTable(
            route_table_id="rtb-0b",
            vpc_id="vpc-0a",
            routes=[
                route("10.0.0.0/16", T.LOCAL, "local"),
                route("10.0.3.12/32", T.NETWORK_INTERFACE, "eni-0appliance"),
            ],
            associations=[RouteTableAssociation(subnet_id=FN_B)],
        )
    )
    return snapshot


def _alone(snapshot: VpcSnapshot, address: str, port: int, protocol: Protocol) -> list[dict]:
    return [
        evaluate_path(
            snapshot,
            PathQuery(
                subnet_id=subnet_id,
                security_group_ids=(FN_SG,),
                destination=address,
                protocol=protocol,
                port=port,
            ),
        ).model_dump(mode="json")
        for subnet_id in (FN_A, FN_B)
    ]


def _through_one_index(snapshot: VpcSnapshot) -> tuple[RuleContext, list[list[dict]]]:
    ctx = RuleContext(snapshot=snapshot)
    return ctx, [
        [r.model_dump(mode="json") for r in ctx.paths_to(address, port, protocol)]
        for address, port, protocol in TARGETS
    ]


def test_every_path_reads_as_if_evaluated_alone() -> None:
    snapshot = _snapshot()
    ctx, shared = _through_one_index(snapshot)
    assert shared == [_alone(snapshot, *target) for target in TARGETS]
    # The outcomes the targets were chosen for, so that each kind of template is met.
    outcomes = {
        (hop["kind"], hop["outcome"], hop["reason"])
        for per_target in shared
        for result in per_target
        for hop in result["hops"]
        if hop["kind"] in (HopKind.NACL_OUTBOUND, HopKind.NACL_INBOUND_RETURN, HopKind.ROUTE)
    }
    assert {
        ("nacl_outbound", "allow", None),
        ("nacl_outbound", "deny", "deny_rule"),
        ("nacl_inbound_return", "partial", "partial"),
        ("nacl_inbound_return", "allow", None),
        ("route", "allow", None),
        ("route", "deny", "blackhole"),
        ("route", "deny", "no_route"),
    } <= outcomes
    # And the templates were kept (the paths above were filled from them, not worded anew).
    direction = ctx.index.nacl_direction(FN_A, True)
    assert direction is not None
    kept = [t for d in direction[1]._decisions.values() for t in d.worded.values()]
    assert kept and all(t is not None for t in kept)


def test_paths_that_end_alike_share_their_end() -> None:
    """FN_A and FN_B reach the database through two tables' local routes: one end. FN_B
    reaches 10.0.3.12 through an appliance's network interface: its own end."""
    ctx = RuleContext(snapshot=_snapshot())
    from_a, from_b = ctx.paths_to(DB_IP, 5432)
    assert from_a.hops[-1] is from_b.hops[-1]
    assert from_a.hops[-1].kind is HopKind.DESTINATION
    via_local, via_appliance = ctx.paths_to("10.0.3.12", 443)
    assert via_local.hops[-1].reason == "inside_vpc"
    assert via_local.hops[-1].detail == "The path ends at 10.0.3.12 inside the VPC."
    assert (via_appliance.hops[-1].reason, via_appliance.hops[-1].target_id) == (
        "beyond_vpc",
        "eni-0appliance",
    )


def test_a_hop_names_its_own_destination_in_every_field() -> None:
    """Two destinations through one NACL decision and one route: each hop names its own."""
    ctx = RuleContext(snapshot=_snapshot())
    first, second = ctx.paths_to("198.51.100.7", 443)[0], ctx.paths_to("198.51.100.8", 443)[0]
    for result, address in ((first, "198.51.100.7"), (second, "198.51.100.8")):
        out = next(h for h in result.hops if h.kind is HopKind.NACL_OUTBOUND)
        assert out.peer == address
        assert out.detail == (f"Network ACL acl-0fa rule 100 allows outbound TCP to {address}:443.")
        hop = next(h for h in result.hops if h.kind is HopKind.ROUTE)
        assert hop.peer == address
        assert hop.detail == (
            f"Route table rtb-0priv of {FN_A} sends {address} to NAT gateway nat-0a (0.0.0.0/0)."
        )


def test_an_id_holding_the_hole_is_worded_in_full() -> None:
    """IDs are someone else's input: a NACL and a route table whose IDs hold the text that
    stands for the destination in a template still read verbatim, with each path's address."""
    hostile_acl = f"acl-{describe._HOLE}"
    hostile_rtb = f"rtb-{describe._HOLE}"
    snapshot = _snapshot(acl_id=hostile_acl, route_table_id=hostile_rtb)
    ctx, shared = _through_one_index(snapshot)
    assert shared == [_alone(snapshot, *target) for target in TARGETS]
    result = ctx.paths_to("198.51.100.8", 443)[0]
    out = next(h for h in result.hops if h.kind is HopKind.NACL_OUTBOUND)
    assert out.component_id == hostile_acl
    assert (
        out.detail == f"Network ACL {hostile_acl} rule 100 allows outbound TCP to 198.51.100.8:443."
    )
    hop = next(h for h in result.hops if h.kind is HopKind.ROUTE)
    assert hop.component_id == hostile_rtb
    assert hostile_rtb in hop.detail and "198.51.100.8" in hop.detail
