"""How the function reaches an AWS service: interface endpoint, gateway endpoint or the internet."""

from __future__ import annotations

from typing import Literal

from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.cidr import parse_network
from vpcprobe_collector.paths.decisions import Traffic
from vpcprobe_collector.paths.evaluate import evaluate_path, worst_verdict
from vpcprobe_collector.paths.hops import (
    dns_server,
    gateway_endpoint,
    interface_endpoint,
    security_group_ingress,
    source,
)
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import (
    Hop,
    HopKind,
    PathQuery,
    PathResult,
    ServiceAccess,
    ServiceSubnetAccess,
    Verdict,
)
from vpcprobe_collector.snapshot.model import NetworkInterface, VpcEndpoint, VpcSnapshot

API = "ec2:DescribeVpcEndpoints"
HTTPS = 443
# AWS services answer on many public addresses that change; the public path is evaluated to
# this one, which stands for them. It is a documentation address (RFC 5737), outside every
# AWS-managed prefix list, so only broad routes (0.0.0.0/0) match it: a gateway endpoint's
# prefix-list route for another service (DynamoDB's 52.94.0.0/22) never does.
REPRESENTATIVE_PUBLIC_ADDRESS = "203.0.113.10"


def regional_service_name(region: str, service: str) -> str:
    """ "logs" -> "com.amazonaws.us-east-1.logs"; a full service name is kept as given."""
    if service.startswith(("com.amazonaws.", "aws.")):
        return service
    return f"com.amazonaws.{region}.{service}"


def service_access(
    snapshot: VpcSnapshot, service: str, *, index: SnapshotIndex | None = None
) -> ServiceAccess:
    """Whether each function subnet can reach `service` ("logs", "sts", "s3", ...) on 443.

    An interface endpoint with private DNS on, in a VPC with both DNS attributes on, takes
    the service's name: the path goes to its network interface and its security groups.
    Otherwise the name resolves to public addresses: a gateway endpoint (S3, DynamoDB) in
    the subnet's route table, else the NAT path to the internet.
    """
    index = index or SnapshotIndex(snapshot)
    service_name = regional_service_name(snapshot.region, service)
    function = snapshot.function
    config = function.vpc_config if function else None
    if config is None or not config.vpc_id or not config.subnet_ids:
        return ServiceAccess(
            service=service,
            service_name=service_name,
            verdict=Verdict.UNKNOWN,
            notes=["The function is not attached to a VPC, so no VPC path applies."],
        )
    present = [
        e
        for e in sorted(snapshot.vpc_endpoints, key=lambda e: e.vpc_endpoint_id)
        if e.service_name == service_name and e.vpc_id == config.vpc_id
    ]
    # One test of "this endpoint carries traffic" (gateway_endpoint.usable), for every rule.
    endpoints = [e for e in present if gateway_endpoint.usable(e)]
    interface = next((e for e in endpoints if e.endpoint_type.lower() == "interface"), None)
    gateway = next((e for e in endpoints if e.endpoint_type.lower() == "gateway"), None)
    unusable = next(
        (e for e in present if e.endpoint_type.lower() == "interface" and e not in endpoints),
        None,
    )
    notes: list[str] = []
    skipped = index.skipped_for(API)
    if skipped is not None:
        notes.append(
            f"VPC endpoints could not be read ({skipped.reason}); an endpoint for "
            f"{service_name} may exist that this evaluation does not know of."
        )
    vpc = snapshot.vpc
    dns_support = vpc.enable_dns_support if vpc else None
    dns_hostnames = vpc.enable_dns_hostnames if vpc else None
    resolves_to: Literal["endpoint", "public", "unknown"] = "public"
    dns_hop: Hop | None = None
    if interface is None and unusable is not None:
        notes.append(
            f"Interface endpoint {unusable.vpc_endpoint_id} is {unusable.state}, not "
            f"available, so {service_name} is reached as if it did not exist."
        )
    if interface is not None and interface.private_dns_enabled:
        if dns_support is True and dns_hostnames is True:
            resolves_to = "endpoint"
        elif dns_support is False or dns_hostnames is False:
            off = [
                name
                for name, value in (
                    ("enableDnsSupport", dns_support),
                    ("enableDnsHostnames", dns_hostnames),
                )
                if value is False
            ]
            notes.append(
                f"Interface endpoint {interface.vpc_endpoint_id} has private DNS on, but VPC "
                f"{config.vpc_id} has {' and '.join(off)} off, so {service_name}'s name "
                "resolves to public addresses instead of the endpoint."
            )
        else:
            resolves_to = "unknown"
            dns_hop = describe.hop(
                dns_server.endpoint_attributes_unread(
                    config.vpc_id, service_name, interface.vpc_endpoint_id
                )
            )
    elif interface is not None:
        notes.append(
            f"Interface endpoint {interface.vpc_endpoint_id} has private DNS off, so "
            f"{service_name}'s usual name resolves to public addresses; only the endpoint's "
            "own DNS names reach it."
        )

    groups = tuple(config.security_group_ids)
    subnets: list[ServiceSubnetAccess] = []
    for subnet_id in config.subnet_ids:
        if resolves_to == "endpoint" and interface is not None:
            subnets.append(_via_interface(snapshot, index, interface, subnet_id, groups))
        elif resolves_to == "unknown" and dns_hop is not None:
            subnets.append(
                ServiceSubnetAccess(
                    subnet_id=subnet_id,
                    via="none",
                    endpoint_id=interface.vpc_endpoint_id if interface else None,
                    verdict=Verdict.UNKNOWN,
                    detail=dns_hop.detail,
                )
            )
        else:
            subnets.append(_via_public(snapshot, index, service_name, gateway, subnet_id, groups))
    verdict = worst_verdict([s.verdict for s in subnets])
    worst = next((s for s in subnets if s.verdict is verdict), None)
    decided_by = worst.result.decided_by if worst and worst.result else dns_hop
    return ServiceAccess(
        service=service,
        service_name=service_name,
        verdict=verdict,
        interface_endpoint_id=interface.vpc_endpoint_id if interface else None,
        gateway_endpoint_id=gateway.vpc_endpoint_id if gateway else None,
        private_dns_enabled=interface.private_dns_enabled if interface else None,
        resolves_to=resolves_to,
        decided_by=decided_by if verdict is not Verdict.REACHABLE else None,
        intermittent=any(
            s.result.intermittent for s in subnets if s.result and s.verdict is Verdict.BLOCKED
        ),
        subnets=subnets,
        notes=notes,
    )


def _via_interface(
    snapshot: VpcSnapshot,
    index: SnapshotIndex,
    endpoint: VpcEndpoint,
    subnet_id: str,
    groups: tuple[str, ...],
) -> ServiceSubnetAccess:
    endpoint_id = endpoint.vpc_endpoint_id
    eni = interface_endpoint.interface_for(index, endpoint, subnet_id)
    if eni is None:
        return ServiceSubnetAccess(
            subnet_id=subnet_id,
            via="interface_endpoint",
            endpoint_id=endpoint_id,
            verdict=Verdict.UNKNOWN,
            detail=f"Interface endpoint {endpoint_id}'s network interfaces are not in the "
            "snapshot, so its security groups on port 443 cannot be checked.",
        )
    address = eni.private_ip_addresses[0]
    result = evaluate_path(
        snapshot,
        PathQuery(subnet_id=subnet_id, security_group_ids=groups, destination=address, port=HTTPS),
        index=index,
    )
    hop = describe.hop(interface_endpoint.decide(endpoint, eni))
    result.hops.insert(1 if result.hops else 0, hop)
    return ServiceSubnetAccess(
        subnet_id=subnet_id,
        via="interface_endpoint",
        endpoint_id=endpoint_id,
        address=address,
        verdict=result.verdict,
        detail=_summary(result, f"through interface endpoint {endpoint_id} at {address}"),
        result=result,
    )


def _service_address(
    snapshot: VpcSnapshot, index: SnapshotIndex, service_name: str, gateway: VpcEndpoint | None
) -> str:
    """An address of the service: from its AWS-managed prefix list when read, else a stand-in."""
    candidates = [p for p in snapshot.prefix_lists if p.name == service_name and p.cidrs]
    if gateway is not None and not candidates:
        table_ids = set(gateway.route_table_ids)
        listed = {
            r.destination_prefix_list_id
            for t in snapshot.route_tables
            if t.route_table_id in table_ids
            for r in t.routes
            if r.target_id == gateway.vpc_endpoint_id and r.destination_prefix_list_id
        }
        candidates = [p for p in snapshot.prefix_lists if p.prefix_list_id in listed and p.cidrs]
    if candidates:
        network = parse_network(candidates[0].cidrs[0])
        return str(network[1] if network.num_addresses > 2 else network.network_address)
    return REPRESENTATIVE_PUBLIC_ADDRESS


def _via_public(
    snapshot: VpcSnapshot,
    index: SnapshotIndex,
    service_name: str,
    gateway: VpcEndpoint | None,
    subnet_id: str,
    groups: tuple[str, ...],
) -> ServiceSubnetAccess:
    address = _service_address(snapshot, index, service_name, gateway)
    result = evaluate_path(
        snapshot,
        PathQuery(subnet_id=subnet_id, security_group_ids=groups, destination=address, port=HTTPS),
        index=index,
    )
    endpoint_hop = next((h for h in result.hops if h.kind is HopKind.VPC_ENDPOINT), None)
    own = gateway.vpc_endpoint_id if gateway is not None else None
    via: Literal["gateway_endpoint", "public"]
    if endpoint_hop is not None and endpoint_hop.component_id == own:
        via, endpoint_id = "gateway_endpoint", endpoint_hop.component_id
        how = f"through gateway endpoint {endpoint_id}"
    elif endpoint_hop is not None:
        # The address is routed to another service's gateway endpoint: that endpoint does not
        # carry this service's traffic, so the path says nothing about the service.
        via, endpoint_id = "public", None
        how = f"over its public addresses (evaluated to {address})"
        result = result.model_copy(update={"verdict": Verdict.UNKNOWN, "decided_by": endpoint_hop})
        result.notes.append(
            f"{address} is routed to gateway endpoint {endpoint_hop.component_id}, which "
            f"serves another service, not {service_name}."
        )
    else:
        via, endpoint_id = "public", None
        how = f"over its public addresses (evaluated to {address})"
        if address == REPRESENTATIVE_PUBLIC_ADDRESS:
            result.notes.append(
                f"{service_name} answers on many public addresses; {address} stands for them."
            )
    return ServiceSubnetAccess(
        subnet_id=subnet_id,
        via=via,
        endpoint_id=endpoint_id,
        address=address,
        verdict=result.verdict,
        detail=_summary(result, how),
        result=result,
    )


def _summary(result: PathResult, how: str) -> str:
    subnet_id = result.query.subnet_id
    if result.verdict is Verdict.REACHABLE:
        return f"From {subnet_id} the service is reachable {how}."
    if result.verdict is Verdict.LEAVES_VPC:
        return f"From {subnet_id} the service is reached {how}; the path leaves the VPC."
    why = f" {result.decided_by.detail}" if result.decided_by else ""
    state = "blocked" if result.verdict is Verdict.BLOCKED else "unknown"
    return f"From {subnet_id} the way to the service {how} is {state}.{why}"


def endpoint_ingress(
    snapshot: VpcSnapshot, endpoint: VpcEndpoint, *, index: SnapshotIndex | None = None
) -> list[Hop]:
    """Per function subnet: whether the interface endpoint's security groups let TCP 443 in
    from the function. This is the path engine's own target-ingress hop (prefix lists, IPv6
    and group references included), for the endpoint's network interface in that subnet's
    zone, or for its groups when its network interfaces were not read."""
    index = index or SnapshotIndex(snapshot)
    function = snapshot.function
    config = function.vpc_config if function else None
    if config is None or not config.subnet_ids:
        return []
    groups = tuple(config.security_group_ids)
    hops: list[Hop] = []
    for subnet_id in config.subnet_ids:
        subnet = index.subnets.get(subnet_id)
        if subnet is None:
            continue
        eni = interface_endpoint.interface_for(index, endpoint, subnet_id)
        if eni is None:
            eni = NetworkInterface(
                network_interface_id=endpoint.vpc_endpoint_id,
                interface_type="vpc_endpoint",
                security_group_ids=list(endpoint.security_group_ids),
            )
        address = eni.private_ip_addresses[0] if eni.private_ip_addresses else None
        traffic = Traffic(
            protocol="tcp", destination=address or endpoint.vpc_endpoint_id, port=HTTPS, ipv6=False
        )
        networks, _, text = source.sources(index, subnet, groups, 4)
        hop = describe.hop(
            security_group_ingress.decide(index, traffic, eni, networks, text, groups)
        )
        hops.append(hop.model_copy(update={"subnet_id": subnet_id}))
    return hops
