"""VPN end points: a vgw-… route or a TGW VPN attachment ends the path, named by ID and state."""

from __future__ import annotations

from vpcprobe_collector.paths.beyond.model import Case, Decision, Step
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.snapshot.model import VpcSnapshot, VpnConnection
from vpcprobe_collector.snapshot.readers import dx_reader

API = "ec2:DescribeVpnConnections"
DX_ASSOCIATIONS_API = dx_reader.ASSOCIATIONS_API


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
        return [_direct_connect(snapshot, vgw_id)]
    decisions = [connection_decision(c) for c in connections]
    usable = [d for d in decisions if d.outcome is not HopOutcome.DENY]
    return usable[:1] if usable else decisions


def _direct_connect(snapshot: VpcSnapshot, vgw_id: str) -> Decision:
    """A vgw-… with no VPN connection: its Direct Connect gateway associations decide. An
    `associated` one ends the path (allowed as far as read); one in any other state is a
    finding; a failed read, or a snapshot that did not look, is unknown."""
    beyond = snapshot.beyond
    if vgw_id in beyond.dx_associations_read:
        mine = [a for a in beyond.dx_gateway_associations if a.virtual_gateway_id == vgw_id]
        if not mine:
            # A private virtual interface attached straight to the vgw is not read.
            return Decision(
                Step.VPN,
                HopOutcome.UNKNOWN,
                vgw_id,
                source_api=DX_ASSOCIATIONS_API,
                case=Case.NO_ASSOCIATION,
                state="no-vpn-connection",
                reason="no VPN connection and no Direct Connect gateway association",
            )
        usable = [a for a in mine if a.association_state == "associated"]
        association = (usable or sorted(mine, key=lambda a: a.association_id or ""))[0]
        return Decision(
            Step.END,
            HopOutcome.INFO if usable else HopOutcome.DENY,
            association.direct_connect_gateway_id,
            source_api=DX_ASSOCIATIONS_API,
            case=Case.DIRECT_CONNECT if usable else Case.NOT_AVAILABLE,
            resource_type="direct-connect-gateway",
            state=association.association_state or "unknown",
            target=association.association_id,
            attachment_id=vgw_id,
            status_message=association.state_change_error,
        )
    read = next(
        (s for s in snapshot.skipped if s.api == DX_ASSOCIATIONS_API and vgw_id in s.resource_ids),
        None,
    )
    if read is not None:
        return Decision(
            Step.END,
            HopOutcome.UNKNOWN,
            vgw_id,
            source_api=DX_ASSOCIATIONS_API,
            case=Case.UNREAD,
            resource_type="direct-connect-gateway",
            attachment_id=vgw_id,
            reason=read.reason,
            error_code=read.error_code,
            api=read.api,
        )
    # A snapshot from before vpcprobe read Direct Connect: unknown, not a gap.
    return Decision(
        Step.VPN,
        HopOutcome.UNKNOWN,
        vgw_id,
        source_api=API,
        case=Case.NO_VPN_CONNECTION,
        state="no-vpn-connection",
        reason="Direct Connect is not read",
    )
