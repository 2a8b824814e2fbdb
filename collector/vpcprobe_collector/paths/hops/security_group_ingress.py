"""The destination's security groups, inbound: do they let the function in?"""

from __future__ import annotations

from collections.abc import Sequence

from vpcprobe_collector.paths import security_groups
from vpcprobe_collector.paths.cidr import IPNetwork, Span
from vpcprobe_collector.paths.decisions import IngressProblem, SgIngressDecision, Traffic
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.snapshot.model import NetworkInterface

ENI_API = "ec2:DescribeNetworkInterfaces"


def decide(
    index: SnapshotIndex,
    traffic: Traffic,
    eni: NetworkInterface,
    sources: Sequence[IPNetwork],
    source_text: str,
    function_group_ids: tuple[str, ...],
    *,
    spans: Sequence[Span] | None = None,
) -> SgIngressDecision:
    """Whether `eni`'s groups allow `traffic` from every address in `sources` (`spans`: the
    same as Spans, when the caller has them) or from the function's groups."""
    found = judge(index, traffic, eni, sources, function_group_ids, spans=spans)
    return decision(index, traffic, eni, source_text, function_group_ids, found)


def judge(
    index: SnapshotIndex,
    traffic: Traffic,
    eni: NetworkInterface,
    sources: Sequence[IPNetwork],
    function_group_ids: tuple[str, ...],
    *,
    spans: Sequence[Span] | None = None,
) -> security_groups.SgDecision | None:
    """The groups' judgement that `decide` words as a decision; None when `eni` has none."""
    if not eni.security_group_ids:
        return None
    return security_groups.ingress(
        index,
        eni.security_group_ids,
        traffic.protocol,
        traffic.port,
        sources,
        frozenset(function_group_ids),
        spans=spans,
    )


def decision(
    index: SnapshotIndex,
    traffic: Traffic,
    eni: NetworkInterface,
    source_text: str,
    function_group_ids: tuple[str, ...],
    found: security_groups.SgDecision | None,
) -> SgIngressDecision:
    """The decision for `judge`'s judgement `found`."""
    if found is None:
        return SgIngressDecision(
            outcome=HopOutcome.INFO,
            traffic=traffic,
            source_text=source_text,
            function_group_ids=function_group_ids,
            eni_id=eni.network_interface_id,
            eni_type=eni.interface_type,
            subnet_id=eni.subnet_id,
            problem=IngressProblem.NO_GROUPS,
        )
    skipped = index.skipped_for(security_groups.API)
    return SgIngressDecision(
        outcome=found.outcome,
        traffic=traffic,
        source_text=source_text,
        function_group_ids=function_group_ids,
        eni_id=eni.network_interface_id,
        eni_type=eni.interface_type,
        group_ids=tuple(eni.security_group_ids),
        group_id=found.group_id,
        rule=found.rule,
        missing=tuple(found.missing),
        uncertain=tuple(found.uncertain),
        skipped_reason=skipped.reason if skipped else None,
        skipped_code=skipped.error_code if skipped else None,
        subnet_id=eni.subnet_id,
    )


def no_interface(
    index: SnapshotIndex,
    traffic: Traffic,
    source_text: str,
    function_group_ids: tuple[str, ...],
    subnet_id: str | None,
) -> SgIngressDecision:
    """No ENI with the destination address is in the snapshot. When the address was looked
    up (a target or a DNS server) and the read worked, nothing holds it: a stale DNS record or
    a deleted instance or database (DENY, `unheld`). Otherwise its groups are unknown."""
    skipped = index.skipped_for(ENI_API)
    looked_up = traffic.destination in index.looked_up_addresses
    subnet = index.subnets.get(subnet_id) if subnet_id else None
    held_unknown = skipped is not None or not looked_up or subnet_id is None
    return SgIngressDecision(
        outcome=HopOutcome.UNKNOWN if held_unknown else HopOutcome.DENY,
        traffic=traffic,
        source_text=source_text,
        function_group_ids=function_group_ids,
        skipped_reason=skipped.reason if skipped else None,
        skipped_code=skipped.error_code if skipped else None,
        problem=IngressProblem.ENI_NOT_FOUND if held_unknown else IngressProblem.UNHELD,
        subnet_id=subnet_id,
        subnet_cidr=(
            (subnet.ipv6_cidr_blocks[0] if traffic.ipv6 and subnet.ipv6_cidr_blocks else None)
            or subnet.cidr_block
            if subnet
            else None
        ),
    )
