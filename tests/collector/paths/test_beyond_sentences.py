"""Sentences beyond the VPC are rendered in one place (paths/describe.py) from typed fields:
the modules moved there return decisions without a sentence of their own."""

from __future__ import annotations

from tests.scenarios import catalog_beyond as cb
from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.beyond import vpn
from vpcprobe_collector.paths.beyond.follow import follow_function_paths
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.snapshot.model import VpnConnection, VpnTunnel


def _connection(state: str, *statuses: str) -> VpnConnection:
    return VpnConnection(
        vpn_connection_id="vpn-0e0e",
        state=state,
        tunnels=[
            VpnTunnel(outside_ip_address=f"203.0.113.{i}", status=s, status_message=None)
            for i, s in enumerate(statuses, start=1)
        ],
    )


def test_vpn_decisions_carry_facts_only_and_describe_words_them() -> None:
    down = vpn.connection_decision(_connection("available", "DOWN", "DOWN"))
    assert down.detail == "" and down.outcome is HopOutcome.DENY
    assert down.tunnel_statuses == (("203.0.113.1", "DOWN"), ("203.0.113.2", "DOWN"))
    assert describe.beyond_sentence(down) == (
        "VPN connection vpn-0e0e: all 2 tunnels are DOWN (203.0.113.1: DOWN, 203.0.113.2: "
        "DOWN), so nothing reaches the network behind it."
    )
    up = vpn.connection_decision(_connection("available", "UP", "DOWN"))
    assert up.detail == "" and describe.beyond_sentence(up).startswith(
        "The path leaves AWS through VPN connection vpn-0e0e (1 of 2 tunnels UP)"
    )
    gone = vpn.connection_decision(_connection("deleted"))
    assert describe.beyond_sentence(gone) == "VPN connection vpn-0e0e is deleted, not available."
    quiet = vpn.connection_decision(_connection("available"))
    assert quiet.outcome is HopOutcome.UNKNOWN
    assert describe.beyond_sentence(quiet) == (
        "VPN connection vpn-0e0e is available but reports no tunnel status."
    )


def test_peering_decisions_carry_facts_only() -> None:
    for name in ("peering-healthy", "peering-not-active", "peering-cidrs-overlap"):
        snapshot = cb.SCENARIOS[name]().snapshot
        (path, *_) = follow_function_paths(snapshot, cb.FAR_DB, 5432)
        first = path.decisions[0]
        assert first.detail == "", name
        assert describe.beyond_sentence(first).startswith("VPC peering connection pcx-"), name
