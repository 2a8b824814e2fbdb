"""The seam behind a route's target: typed hops name the target, and a new kind of target
is one `follow` function registered in `next_hop.FOLLOW`."""

from __future__ import annotations

import pytest

from tests.collector.paths.builder import DB_IP, IGW, NAT, T, healthy, path, route, table
from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.decisions import EndDecision, EndKind
from vpcprobe_collector.paths.hops import next_hop
from vpcprobe_collector.paths.model import HopKind, HopOutcome, Verdict
from vpcprobe_collector.paths.walk import Walk
from vpcprobe_collector.snapshot.model import Route


@pytest.mark.parametrize(
    ("target_type", "target_id", "words"),
    [
        (T.PEERING, "pcx-0a1b", "VPC peering connection"),
        (T.TRANSIT_GATEWAY, "tgw-0c2d", "transit gateway"),
        (T.VIRTUAL_PRIVATE_GATEWAY, "vgw-0e3f", "virtual private gateway (VPN)"),
    ],
)
def test_leaving_the_vpc_names_the_route_target_and_its_state(
    target_type: T, target_id: str, words: str
) -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0priv").routes.append(route("172.20.0.0/16", target_type, target_id))
    result = path(snapshot, "172.20.1.5", 5432)
    assert result.verdict is Verdict.LEAVES_VPC
    end = result.hops[-1]
    assert (end.kind, end.target_type, end.target_id, end.target_state) == (
        HopKind.DESTINATION,
        target_type,
        target_id,
        "active",
    )
    assert describe.beyond_phrase(end) == f"beyond {words} {target_id}, whose route is active"
    hop = next(h for h in result.hops if h.kind is HopKind.ROUTE)
    assert (hop.route_destination, hop.target_id, hop.target_state) == (
        "172.20.0.0/16",
        target_id,
        "active",
    )


def test_an_internet_exit_names_the_gateway() -> None:
    result = path(healthy(), "198.51.100.7", 443)
    end = result.hops[-1]
    assert (end.target_type, end.target_id, end.target_state) == (
        T.INTERNET_GATEWAY,
        IGW,
        "attached",
    )
    nat = next(h for h in result.hops if h.kind is HopKind.NAT_GATEWAY)
    assert (nat.target_id, nat.target_state, nat.outcome) == (NAT, "available", HopOutcome.ALLOW)


def test_a_registered_follow_function_takes_over_a_target_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What i11's peering module does: one entry in FOLLOW, nothing else changes."""
    seen: list[str] = []

    def peering(walk: Walk, found: Route) -> None:
        seen.append(found.target_id or "")
        walk.leave(
            EndDecision(
                end=EndKind.INSIDE,
                traffic=walk.traffic,
                target_type=found.target_type,
                target_id=found.target_id,
                target_state="active",
            )
        )

    monkeypatch.setitem(next_hop.FOLLOW, T.PEERING, peering)  # type: ignore[arg-type]
    snapshot = healthy()
    table(snapshot, "rtb-0priv").routes.append(route("172.20.0.0/16", T.PEERING, "pcx-0a1b"))
    result = path(snapshot, "172.20.1.5", 5432)
    assert seen == ["pcx-0a1b"]
    assert result.verdict is Verdict.REACHABLE
    assert path(healthy(), DB_IP, 5432).verdict is Verdict.REACHABLE
