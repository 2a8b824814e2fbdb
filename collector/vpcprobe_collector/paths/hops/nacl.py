"""A subnet's network ACL, one direction: outbound or inbound-return on the function side,
inbound or outbound-return on the target side, and the NAT gateway subnet's four."""

from __future__ import annotations

from collections.abc import Sequence

from vpcprobe_collector.paths import nacls
from vpcprobe_collector.paths.cidr import IPNetwork
from vpcprobe_collector.paths.decisions import Decision, NaclHopDecision, Traffic
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopKind, HopOutcome
from vpcprobe_collector.paths.walk import unread

# Which way each NACL hop looks at its subnet's ACL: True = the egress entries.
EGRESS = {
    HopKind.NACL_OUTBOUND: True,
    HopKind.NACL_INBOUND_RETURN: False,
    HopKind.TARGET_NACL_INBOUND: False,
    HopKind.TARGET_NACL_OUTBOUND_RETURN: True,
    HopKind.NAT_NACL_INBOUND: False,
    HopKind.NAT_NACL_OUTBOUND: True,
    HopKind.NAT_NACL_INBOUND_RETURN: False,
    HopKind.NAT_NACL_OUTBOUND_RETURN: True,
}
# The hops that judge the replies, on the ephemeral ports.
RETURN_KINDS = frozenset(
    {
        HopKind.NACL_INBOUND_RETURN,
        HopKind.TARGET_NACL_OUTBOUND_RETURN,
        HopKind.NAT_NACL_INBOUND_RETURN,
        HopKind.NAT_NACL_OUTBOUND_RETURN,
    }
)
# The hops whose peer is the destination's address (the others face the function's side).
TOWARD_DESTINATION = frozenset(
    {
        HopKind.NACL_OUTBOUND,
        HopKind.NACL_INBOUND_RETURN,
        HopKind.NAT_NACL_OUTBOUND,
        HopKind.NAT_NACL_INBOUND_RETURN,
    }
)


def decide(
    index: SnapshotIndex,
    kind: HopKind,
    subnet_id: str,
    traffic: Traffic,
    *,
    peers: Sequence[IPNetwork],
    peer: str,
    source_text: str,
    nat_gateway_id: str | None = None,
) -> Decision:
    """The NACL of `subnet_id` for the direction `kind` names; the request's port, or the
    ephemeral ports 1024-65535 for a return hop."""
    ports = nacls.EPHEMERAL_PORTS if kind in RETURN_KINDS else (traffic.port, traffic.port)

    def decision(outcome: HopOutcome, found: nacls.NaclDecision | None = None) -> NaclHopDecision:
        return NaclHopDecision(
            kind=kind,
            subnet_id=subnet_id,
            traffic=traffic,
            ports=ports,
            peer=peer,
            source_text=source_text,
            outcome=outcome,
            acl_id=acl.network_acl_id if acl else None,
            decision=found,
            nat_gateway_id=nat_gateway_id,
        )

    acl = index.network_acl_for(subnet_id)
    if acl is None:
        what = f"The network ACL of {subnet_id}"
        missing = unread(index, kind, subnet_id, nacls.API, what)
        if missing is not None:
            return missing
        return decision(HopOutcome.UNKNOWN)
    egress = EGRESS[kind]
    found = nacls.evaluate_nacl(
        acl,
        egress=egress,
        protocol=traffic.protocol,
        peers=peers,
        ports=ports,
        compiled=index.nacl_entries(acl, egress),
    )
    return decision(found.outcome, found)


def same_subnet(subnet_id: str, traffic: Traffic, source_text: str) -> NaclHopDecision:
    """The destination is in the function's own subnet, where NACLs do not apply."""
    return NaclHopDecision(
        kind=HopKind.NACL_OUTBOUND,
        subnet_id=subnet_id,
        traffic=traffic,
        ports=(traffic.port, traffic.port),
        peer=traffic.destination,
        source_text=source_text,
        outcome=HopOutcome.INFO,
        same_subnet=True,
    )
