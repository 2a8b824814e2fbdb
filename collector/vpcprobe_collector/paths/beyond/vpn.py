"""VPN end points: a vgw-… route or a TGW VPN attachment ends the path, named by ID and state."""

from __future__ import annotations

from vpcprobe_collector.paths.beyond.model import Case, Decision, Step
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.snapshot.model import VpcSnapshot, VpnConnection

API = "ec2:DescribeVpnConnections"


def connection_decision(connection: VpnConnection) -> Decision:
    """A VPN connection: not available, both (all) tunnels DOWN, or up as far as AWS shows.
    Typed fields only: `paths.describe.beyond_sentence` words it."""
    vpn_id = connection.vpn_connection_id
    down = sum(1 for t in connection.tunnels if (t.status or "").upper() == "DOWN")
    total = len(connection.tunnels)
    facts = {
        "source_api": API,
        "state": connection.state,
        "tunnels": total,
        "tunnels_down": down,
        "tunnel_statuses": tuple(
            (t.outside_ip_address, t.status_message or t.status) for t in connection.tunnels
        ),
    }
    if connection.state != "available" or (total and down == total):
        return Decision(Step.VPN, HopOutcome.DENY, vpn_id, **facts)  # type: ignore[arg-type]
    if not total:
        return Decision(
            Step.VPN,
            HopOutcome.UNKNOWN,
            vpn_id,
            reason="no tunnel telemetry",
            case=Case.NO_TELEMETRY,
            **facts,  # type: ignore[arg-type]
        )
    return Decision(Step.VPN, HopOutcome.INFO, vpn_id, **facts)  # type: ignore[arg-type]


def through_gateway(snapshot: VpcSnapshot, vgw_id: str) -> list[Decision]:
    """The path ends at virtual private gateway `vgw_id`: its VPN connections' state."""
    connections = [c for c in snapshot.beyond.vpn_connections if c.vpn_gateway_id == vgw_id]
    read = snapshot.skipped_for(API) or snapshot.skipped_for("ec2:DescribeVpnGateways")
    if read is not None and not connections:
        return [
            Decision(
                Step.VPN,
                HopOutcome.UNKNOWN,
                vgw_id,
                source_api=API,
                case=Case.UNREAD,
                reason=read.reason,
                error_code=read.error_code,
                api=read.api,
            )
        ]
    if not connections:
        # Direct Connect (a DX gateway associated with this vgw) is not read: unknown, not a gap.
        return [
            Decision(
                Step.VPN,
                HopOutcome.UNKNOWN,
                vgw_id,
                source_api=API,
                case=Case.NO_VPN_CONNECTION,
                state="no-vpn-connection",
                reason="Direct Connect is not read",
            )
        ]
    decisions = [connection_decision(c) for c in connections]
    usable = [d for d in decisions if d.outcome is not HopOutcome.DENY]
    return usable[:1] if usable else decisions
