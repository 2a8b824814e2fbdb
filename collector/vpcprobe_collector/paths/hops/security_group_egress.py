"""The function's security groups, outbound: the union of their egress rules."""

from __future__ import annotations

from vpcprobe_collector.paths import security_groups
from vpcprobe_collector.paths.cidr import IPAddress
from vpcprobe_collector.paths.decisions import SgEgressDecision, Traffic
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopOutcome


def decide(
    index: SnapshotIndex,
    traffic: Traffic,
    address: IPAddress,
    subnet_id: str,
    group_ids: tuple[str, ...],
    destination_groups: frozenset[str] | None,
) -> SgEgressDecision:
    """Whether `group_ids` let `traffic` out; `destination_groups` are the destination ENI's
    groups (None when that ENI is unknown, so a rule naming a group cannot be decided)."""
    if not group_ids:
        return SgEgressDecision(HopOutcome.DENY, subnet_id, traffic, group_ids)
    found = security_groups.egress(
        index, group_ids, traffic.protocol, traffic.port, address, destination_groups
    )
    skipped = index.skipped_for(security_groups.API)
    return SgEgressDecision(
        outcome=found.outcome,
        subnet_id=subnet_id,
        traffic=traffic,
        group_ids=group_ids,
        group_id=found.group_id,
        rule=found.rule,
        missing=tuple(found.missing),
        uncertain=tuple(found.uncertain),
        skipped_reason=skipped.reason if skipped else None,
        skipped_code=skipped.error_code if skipped else None,
    )
