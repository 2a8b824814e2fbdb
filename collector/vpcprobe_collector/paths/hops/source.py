"""The source hop: Lambda's network interface in one function subnet, or why there is none."""

from __future__ import annotations

from vpcprobe_collector.paths.cidr import (
    IPNetwork,
    Span,
    host_network,
    network_span,
    parse_address,
    parse_network,
)
from vpcprobe_collector.paths.decisions import Decision, SourceDecision, SourceProblem, Traffic
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopKind, HopOutcome, PathQuery
from vpcprobe_collector.paths.walk import unread
from vpcprobe_collector.snapshot.model import Subnet


def decide(index: SnapshotIndex, query: PathQuery, traffic: Traffic) -> tuple[Decision, ...]:
    """The SOURCE decisions for `query.subnet_id`; the first DENY/UNKNOWN ends the walk."""
    subnet_id = query.subnet_id
    subnet = index.subnets.get(subnet_id)
    if subnet is None:
        missing = unread(index, HopKind.SOURCE, subnet_id, "ec2:DescribeSubnets", "Subnets")
        if missing is not None:
            return (missing,)
        return (
            SourceDecision(
                component_id=subnet_id,
                subnet_id=subnet_id,
                outcome=HopOutcome.DENY,
                traffic=traffic,
                problem=SourceProblem.MISSING,
            ),
        )
    found: list[Decision] = [
        SourceDecision(
            component_id=subnet_id,
            subnet_id=subnet_id,
            outcome=HopOutcome.INFO,
            traffic=traffic,
            cidrs=tuple(c for c in (subnet.cidr_block, *subnet.ipv6_cidr_blocks) if c),
            zone=subnet.availability_zone,
            security_group_ids=query.security_group_ids,
        )
    ]

    def deny(component_id: str, problem: SourceProblem) -> None:
        found.append(
            SourceDecision(
                component_id=component_id,
                subnet_id=subnet_id,
                outcome=HopOutcome.DENY,
                traffic=traffic,
                problem=problem,
            )
        )

    vpc = index.vpc
    if vpc is not None and vpc.instance_tenancy == "dedicated":
        deny(vpc.vpc_id, SourceProblem.DEDICATED_TENANCY)
    if traffic.ipv6:
        function = index.snapshot.function
        config = function.vpc_config if function else None
        if (
            function is not None
            and config is not None
            and subnet_id in config.subnet_ids
            and not config.ipv6_allowed_for_dual_stack
        ):
            deny(function.name, SourceProblem.IPV6_NOT_ALLOWED)
        if not subnet.ipv6_cidr_blocks:
            deny(subnet_id, SourceProblem.NO_IPV6_CIDR)
    elif not subnet.cidr_block:
        deny(subnet_id, SourceProblem.IPV6_ONLY)
    return tuple(found)


def sources(
    index: SnapshotIndex, subnet: Subnet, group_ids: tuple[str, ...], version: int
) -> tuple[list[IPNetwork], tuple[Span, ...], str]:
    """Where the function's packets come from, as the destination side sees them: Lambda's
    ENI addresses when read, else the whole subnet (cached per index)."""
    key = (subnet.subnet_id, group_ids, version)
    found = index.sources.get(key)
    if found is None:
        networks, text = _sources(index, subnet, group_ids, version)
        found = index.sources[key] = (networks, tuple(network_span(n) for n in networks), text)
    return found


def _sources(
    index: SnapshotIndex, subnet: Subnet, group_ids: tuple[str, ...], version: int
) -> tuple[list[IPNetwork], str]:
    wanted = set(group_ids)
    enis = [
        e
        for e in index.lambda_enis
        if e.subnet_id == subnet.subnet_id and set(e.security_group_ids) == wanted
    ]
    addresses = [
        a for e in enis for a in (e.private_ip_addresses if version == 4 else e.ipv6_addresses)
    ]
    if addresses:
        eni_ids = ", ".join(e.network_interface_id for e in enis)
        return (
            [host_network(parse_address(a)) for a in addresses],
            f"Lambda's network interface {eni_ids} ({', '.join(addresses)})",
        )
    cidrs = [subnet.cidr_block] if version == 4 and subnet.cidr_block else []
    if version == 6:
        cidrs = list(subnet.ipv6_cidr_blocks)
    shown = ", ".join(cidrs) or "no CIDR"
    return (
        [parse_network(c) for c in cidrs],
        f"any address in {subnet.subnet_id} (Lambda's ENI, {shown})",
    )
