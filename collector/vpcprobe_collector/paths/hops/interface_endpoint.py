"""An interface endpoint a service's name resolves to: the network interface the path goes to
(its security groups are then judged like any destination's)."""

from __future__ import annotations

from vpcprobe_collector.paths.decisions import EndpointDecision
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.snapshot.model import NetworkInterface, VpcEndpoint


def interface_for(
    index: SnapshotIndex, endpoint: VpcEndpoint, subnet_id: str
) -> NetworkInterface | None:
    """The endpoint's ENI the name resolves to from `subnet_id`: same AZ first, else any."""
    enis = [
        eni
        for eni_id in endpoint.network_interface_ids
        if (eni := index.enis.get(eni_id)) is not None and eni.private_ip_addresses
    ]
    subnet = index.subnets.get(subnet_id)
    zone = subnet.availability_zone if subnet else None
    for eni in enis:
        eni_subnet = index.subnets.get(eni.subnet_id or "")
        if zone and eni_subnet and eni_subnet.availability_zone == zone:
            return eni
    return enis[0] if enis else None


def decide(endpoint: VpcEndpoint, eni: NetworkInterface) -> EndpointDecision:
    """The service name resolves to this endpoint ENI's first address (private DNS on)."""
    return EndpointDecision(
        endpoint.vpc_endpoint_id,
        HopOutcome.INFO,
        "Interface",
        service_name=endpoint.service_name,
        state=(endpoint.state or "available").lower(),
        address=eni.private_ip_addresses[0],
        eni_id=eni.network_interface_id,
        eni_subnet_id=eni.subnet_id,
    )
