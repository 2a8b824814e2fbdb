"""A subnet's network ACL, one direction: outbound or inbound-return on the function side,
inbound or outbound-return on the target side, and the NAT gateway subnet's four."""

from __future__ import annotations

from collections.abc import Sequence

from vpcprobe_collector.paths import nacls
from vpcprobe_collector.paths.cidr import IPNetwork, Span
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
    spans: Sequence[Span],
    peer: str,
    source_text: str,
    nat_gateway_id: str | None = None,
) -> Decision:
    """The NACL of `subnet_id` for the direction `kind` names; the request's port, or the
    ephemeral ports 1024-65535 for a return hop."""
    ports = nacls.EPHEMERAL_PORTS if kind in RETURN_KINDS else traffic.ports
    direction = index.nacl_direction(subnet_id, EGRESS[kind])
    if direction is None:
        missing = unread(index, kind, subnet_id, nacls.API, f"The network ACL of {subnet_id}")
        if missing is not None:
            return missing
        return NaclHopDecision(
            kind=kind,
            subnet_id=subnet_id,
            traffic=traffic,
            ports=ports,
            peer=peer,
            source_text=source_text,
            outcome=HopOutcome.UNKNOWN,
            nat_gateway_id=nat_gateway_id,
        )
    acl, compiled = direction
    # The same NACL, direction, peers and ports recur across paths (the NAT gateway's subnet
    # for every function subnet, a target subnet for every destination in it): the compiled
    # NACL, kept by the index, remembers its decisions.
    found = compiled.decide(traffic.protocol, ports, spans)
    return NaclHopDecision(
        kind,
        subnet_id,
        traffic,
        ports,
        peer,
        source_text,
        found.outcome,
        acl.network_acl_id,
        found,
        False,
        False,
        nat_gateway_id,
    )


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
