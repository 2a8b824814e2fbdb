"""The Amazon-provided DNS server: never filtered by security groups or NACLs, but silent
without the VPC's enableDnsSupport. (A custom server is a destination like any other.)"""

from __future__ import annotations

from vpcprobe_collector.paths.cidr import AMAZON_RESOLVER_ADDRESSES, IPAddress
from vpcprobe_collector.paths.decisions import DnsDecision, DnsProblem
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopOutcome

VPC_API = "ec2:DescribeVpcs"
ATTRIBUTE_API = "ec2:DescribeVpcAttribute"


def decide(index: SnapshotIndex) -> DnsDecision:
    """Whether the Amazon-provided DNS server answers the function's queries."""
    vpc = index.vpc
    if vpc is None:
        skipped = index.skipped_for(VPC_API)
        return DnsDecision(
            HopOutcome.UNKNOWN,
            None,
            DnsProblem.VPC_UNREAD,
            skipped_reason=skipped.reason if skipped else None,
        )
    if vpc.enable_dns_support is False:
        return DnsDecision(HopOutcome.DENY, vpc.vpc_id, DnsProblem.SUPPORT_OFF)
    if vpc.enable_dns_support is None:
        skipped = index.skipped_for(ATTRIBUTE_API)
        return DnsDecision(
            HopOutcome.UNKNOWN,
            vpc.vpc_id,
            DnsProblem.SUPPORT_UNREAD,
            skipped_reason=skipped.reason if skipped else None,
        )
    return DnsDecision(HopOutcome.ALLOW, vpc.vpc_id)


def is_amazon_resolver(index: SnapshotIndex, address: IPAddress) -> bool:
    """Whether `address` is the Amazon resolver: 169.254.169.253, fd00:ec2::253 or VPC base + 2."""
    if str(address) in AMAZON_RESOLVER_ADDRESSES:
        return True
    return any(
        network.version == address.version == 4 and address == network.network_address + 2
        for network in index.vpc_networks
    )


def endpoint_attributes_unread(vpc_id: str, service_name: str, endpoint_id: str) -> DnsDecision:
    """The VPC's DNS attributes were not read, so whether a service's name resolves to its
    interface endpoint (private DNS on) is unknown."""
    return DnsDecision(
        HopOutcome.UNKNOWN,
        vpc_id,
        DnsProblem.ATTRIBUTES_UNREAD,
        service_name=service_name,
        endpoint_id=endpoint_id,
    )
