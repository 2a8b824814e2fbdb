"""The hops beyond the VPC as typed decisions, on hand-built snapshots (catalog_beyond)."""

from __future__ import annotations

from tests.scenarios import builder as b
from tests.scenarios import catalog_beyond as cb
from vpcprobe_collector.findings.model import FindingStatus
from vpcprobe_collector.paths.beyond.follow import follow_beyond, follow_function_paths
from vpcprobe_collector.paths.beyond.model import Step
from vpcprobe_collector.paths.evaluate import evaluate_function_paths
from vpcprobe_collector.paths.model import HopKind, HopOutcome, Verdict
from vpcprobe_collector.rules.engine import judge
from vpcprobe_collector.snapshot.model import SecurityGroupRule, VpnConnection, VpnTunnel


def test_a_security_group_reference_across_the_peering_lets_the_function_in() -> None:
    rule = SecurityGroupRule(
        protocol="tcp", from_port=5432, to_port=5432, peer_kind="security_group", peer=b.SG_FN
    )
    far = cb._far_vpc(route_back=cb._pcx_back(), sg_rules=[rule])
    snapshot = cb._peered(far=far)
    (path, *_) = follow_function_paths(snapshot, cb.FAR_DB, 5432)
    groups = next(d for d in path.decisions if d.step is Step.FAR_SG_INGRESS)
    assert (groups.outcome, groups.component) == (HopOutcome.ALLOW, cb.FAR_SG)
    assert path.verdict is Verdict.REACHABLE


def test_the_engine_path_carries_the_hops_beyond_with_their_kinds() -> None:
    snapshot = cb.peering_no_route_back().snapshot
    (result, *_) = evaluate_function_paths(snapshot, cb.FAR_DB, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert (result.decided_by.kind, result.decided_by.component_id) == (
        HopKind.ROUTE_BACK,
        cb.FAR_RTB,
    )
    kinds = [h.kind for h in result.hops]
    assert kinds.index(HopKind.PEERING) < kinds.index(HopKind.ROUTE_BACK)


def test_a_direct_connect_attachment_ends_the_path_named_and_not_blamed() -> None:
    snapshot = cb._tgw(far_kind="direct-connect-gateway")
    snapshot.beyond.transit_gateway_route_tables[0].routes[0].destination_cidr = "10.2.0.0/16"
    (path, *_) = follow_function_paths(snapshot, cb.FAR_DB, 5432)
    end = path.decisions[-1]
    assert (end.step, end.outcome, end.component) == (Step.END, HopOutcome.INFO, cb.VPN)
    assert path.verdict is Verdict.LEAVES_VPC
    assert "Direct Connect gateway" in end.detail


def test_a_tgw_vpn_attachment_with_both_tunnels_down_fails_vpn001() -> None:
    snapshot = cb._tgw(far_kind="vpn")
    snapshot.beyond.transit_gateway_route_tables[0].routes[0].destination_cidr = "10.2.0.0/16"
    snapshot.beyond.vpn_connections = [
        VpnConnection(
            vpn_connection_id=cb.VPN,
            state="available",
            transit_gateway_id=cb.TGW,
            tunnels=[VpnTunnel(outside_ip_address=ip, status="DOWN") for ip in ("a", "b")],
        )
    ]
    target = cb.FAR_TARGET
    _, findings = judge(snapshot, cb._reports(["timeout"] * 3, target), [target])
    failed = [f for f in findings if f.status is FindingStatus.FAIL]
    assert [f.code for f in failed] == ["VPN001"]
    assert failed[0].resources[0].id == cb.VPN


def test_an_older_snapshot_without_facts_beyond_is_unread_not_absent() -> None:
    snapshot = cb._tgw()
    snapshot.beyond.followed = []
    path = follow_beyond(snapshot, b.SUBNET_A, cb.FAR_DB, 5432)
    assert path is not None
    assert [(d.outcome, d.reason) for d in path.decisions] == [(HopOutcome.UNKNOWN, "not read")]
    # the engine neither clears nor blames it: it leaves the VPC there
    assert evaluate_function_paths(snapshot, cb.FAR_DB, 5432)[0].verdict is Verdict.LEAVES_VPC


def test_the_longest_tgw_prefix_decides_whatever_order_the_routes_come_in() -> None:
    snapshot = cb._tgw()
    table = snapshot.beyond.transit_gateway_route_tables[0]
    wide = table.routes[0].model_copy(update={"destination_cidr": "10.0.0.0/8"})
    narrow_blackhole = table.routes[0].model_copy(
        update={"destination_cidr": "10.2.1.0/24", "state": "blackhole", "attachment_ids": []}
    )
    table.routes = [wide, narrow_blackhole, *table.routes[1:]]
    (path, *_) = follow_function_paths(snapshot, cb.FAR_DB, 5432)
    decided = path.decided_by
    assert decided is not None
    assert (decided.step, decided.state, decided.destination) == (
        Step.TGW_ROUTE,
        "blackhole",
        "10.2.1.0/24",
    )
