"""The peering hop: the pcx-… state, overlapping CIDRs, the destination in the far VPC, and
the far VPC's route back, security groups and NACLs. Typed fields only: the sentences are
`paths.describe.beyond_sentence`'s."""

from __future__ import annotations

from typing import Literal

from vpcprobe_collector.paths.beyond import far_side
from vpcprobe_collector.paths.beyond.model import Decision, Step
from vpcprobe_collector.paths.cidr import IPNetwork, contains, parse_address, parse_network
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.snapshot.model import RouteTargetType, VpcSnapshot

API = "ec2:DescribeVpcPeeringConnections"


def follow(
    snapshot: VpcSnapshot,
    pcx_id: str,
    *,
    destination: str,
    port: int,
    protocol: Literal["tcp", "udp"],
    source: IPNetwork,
    source_groups: frozenset[str],
) -> list[Decision]:
    """The decisions after the function's route to `pcx_id`, in order; stops at the first deny."""
    vpc_id = snapshot.vpc.vpc_id if snapshot.vpc else None
    pcx = snapshot.beyond.peering(pcx_id)
    if pcx is None:
        read = snapshot.skipped_for(API)
        missing = read is not None and pcx_id in read.resource_ids and "NotFound" in read.error_code
        if missing:
            return [
                Decision(
                    Step.PEERING,
                    HopOutcome.DENY,
                    pcx_id,
                    source_api=API,
                    state="deleted",
                )
            ]
        reason = read.reason if read else "it was not read"
        return [
            Decision(
                Step.PEERING,
                HopOutcome.UNKNOWN,
                pcx_id,
                source_api=API,
                reason=reason,
                error_code=read.error_code if read else None,
                api=read.api if read else None,
            )
        ]
    far = pcx.far_side(vpc_id)
    out: list[Decision] = []
    if pcx.status != "active":
        out.append(
            Decision(
                Step.PEERING,
                HopOutcome.DENY,
                pcx_id,
                source_api=API,
                state=pcx.status,
                status_message=pcx.status_message,
                vpc_id=far.vpc_id,
                account_id=far.owner_id,
            )
        )
        return out
    out.append(
        Decision(
            Step.PEERING,
            HopOutcome.ALLOW,
            pcx_id,
            source_api=API,
            state=pcx.status,
            vpc_id=far.vpc_id,
            account_id=far.owner_id,
        )
    )
    near = pcx.requester if far is pcx.accepter else pcx.accepter
    overlap = _overlap(near.cidr_blocks, far.cidr_blocks)
    if overlap:
        out.append(
            Decision(
                Step.PEERING_OVERLAP,
                HopOutcome.DENY,
                pcx_id,
                source_api=API,
                near_vpc_id=near.vpc_id,
                vpc_id=far.vpc_id,
                destination=overlap,
            )
        )
        return out
    address = parse_address(destination)
    far_cidrs = [*far.cidr_blocks, *far.ipv6_cidr_blocks]
    if far_cidrs and not any(contains(parse_network(c), address) for c in far_cidrs):
        out.append(
            Decision(
                Step.PEER_DESTINATION,
                HopOutcome.DENY,
                pcx_id,
                source_api=API,
                vpc_id=far.vpc_id,
                cidrs=tuple(far_cidrs),
                destination=destination,
            )
        )
        return out
    out += far_side.far_vpc(
        snapshot,
        far.vpc_id or "?",
        far.owner_id,
        pcx_id,
        destination=destination,
        port=port,
        protocol=protocol,
        source=source,
        source_groups=source_groups,
        back_kind=RouteTargetType.PEERING,
        back_via=pcx_id,
    )
    return out


def _overlap(mine: list[str], theirs: list[str]) -> str | None:
    for a in mine:
        for b in theirs:
            na, nb = parse_network(a), parse_network(b)
            if na.version == nb.version and na.overlaps(nb):
                return f"{a} and {b}"
    return None
