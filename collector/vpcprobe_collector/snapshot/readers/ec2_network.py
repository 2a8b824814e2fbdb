"""EC2 network readers: VPC, subnets, routes, NACLs, security groups, gateways, endpoints, ENIs.

Whole-VPC collections are read with one `vpc-id` filter; lookups by ID use filters too, so an
ID that no longer exists is simply absent (and reported as not found) instead of failing the
whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from vpcprobe_collector.snapshot.model import (
    DhcpOptions,
    EgressOnlyInternetGateway,
    InternetGateway,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    PeerKind,
    PrefixList,
    Route,
    RouteTable,
    RouteTableAssociation,
    RouteTargetType,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
    VpcEndpoint,
)
from vpcprobe_collector.snapshot.readers.calls import CallRecorder, ReadFailedError


def _filter(name: str, values: Iterable[str]) -> dict[str, Any]:
    return {"Name": name, "Values": sorted(set(values))}


_GONE_STATES = frozenset({"disassociating", "disassociated", "failing", "failed"})


def _associated(state: dict[str, Any] | None) -> bool:
    """A CIDR or route table association still in force (anything but going or gone)."""
    return str((state or {}).get("State", "associated")) not in _GONE_STATES


# ---------------------------------------------------------------------------- VPC


def vpc_from_aws(item: dict[str, Any]) -> Vpc:
    """Map one DescribeVpcs item (DNS attributes are separate calls)."""
    cidrs = [
        a["CidrBlock"]
        for a in item.get("CidrBlockAssociationSet") or []
        if a.get("CidrBlock") and _associated(a.get("CidrBlockState"))
    ]
    if not cidrs and item.get("CidrBlock"):
        cidrs = [item["CidrBlock"]]
    return Vpc(
        vpc_id=item["VpcId"],
        cidr_blocks=cidrs,
        ipv6_cidr_blocks=[
            a["Ipv6CidrBlock"]
            for a in item.get("Ipv6CidrBlockAssociationSet") or []
            if a.get("Ipv6CidrBlock") and _associated(a.get("Ipv6CidrBlockState"))
        ],
        instance_tenancy=item.get("InstanceTenancy"),
        dhcp_options_id=item.get("DhcpOptionsId"),
        is_default=bool(item.get("IsDefault", False)),
        owner_id=item.get("OwnerId"),
    )


def read_vpc(recorder: CallRecorder, ec2: Any, vpc_id: str) -> Vpc | None:
    """DescribeVpcs for one VPC, plus its two DNS attributes (one DescribeVpcAttribute each)."""
    items = recorder.items(
        ec2, "describe_vpcs", "ec2:DescribeVpcs", "Vpcs", Filters=[_filter("vpc-id", [vpc_id])]
    )
    if items is None:
        return None
    if not items:
        recorder.not_found("ec2:DescribeVpcs", "InvalidVpcID.NotFound", [vpc_id])
        return None
    parsed = recorder.parse("ec2:DescribeVpcs", items[:1], vpc_from_aws)
    if not parsed:
        return None
    vpc = parsed[0]
    for attribute, field in (
        ("enableDnsSupport", "enable_dns_support"),
        ("enableDnsHostnames", "enable_dns_hostnames"),
    ):
        response = recorder.call(
            ec2,
            "describe_vpc_attribute",
            "ec2:DescribeVpcAttribute",
            VpcId=vpc_id,
            Attribute=attribute,
        )
        if response is not None:
            key = attribute[0].upper() + attribute[1:]
            value = (response.get(key) or {}).get("Value")
            setattr(vpc, field, None if value is None else bool(value))
    return vpc


def dhcp_options_from_aws(item: dict[str, Any]) -> DhcpOptions:
    """Map one DescribeDhcpOptions item; `configurations` keeps every key."""
    configurations = {
        c["Key"]: [str(v.get("Value")) for v in c.get("Values") or []]
        for c in item.get("DhcpConfigurations") or []
        if c.get("Key")
    }
    domain_names = configurations.get("domain-name") or []
    return DhcpOptions(
        dhcp_options_id=item["DhcpOptionsId"],
        domain_name_servers=configurations.get("domain-name-servers", []),
        domain_name=domain_names[0] if domain_names else None,
        configurations=configurations,
    )


def read_dhcp_options(recorder: CallRecorder, ec2: Any, dhcp_options_id: str) -> DhcpOptions | None:
    """DescribeDhcpOptions for the VPC's set ("default" means no set: nothing to read)."""
    if not dhcp_options_id or dhcp_options_id == "default":
        return None
    items = recorder.items(
        ec2,
        "describe_dhcp_options",
        "ec2:DescribeDhcpOptions",
        "DhcpOptions",
        Filters=[_filter("dhcp-options-id", [dhcp_options_id])],
    )
    if not items:
        if items is not None:
            recorder.not_found(
                "ec2:DescribeDhcpOptions", "InvalidDhcpOptionID.NotFound", [dhcp_options_id]
            )
        return None
    parsed = recorder.parse("ec2:DescribeDhcpOptions", items[:1], dhcp_options_from_aws)
    return parsed[0] if parsed else None


# ---------------------------------------------------------------------------- subnets


def subnet_from_aws(item: dict[str, Any]) -> Subnet:
    """Map one DescribeSubnets item."""
    return Subnet(
        subnet_id=item["SubnetId"],
        vpc_id=item["VpcId"],
        cidr_block=item.get("CidrBlock"),
        ipv6_cidr_blocks=[
            a["Ipv6CidrBlock"]
            for a in item.get("Ipv6CidrBlockAssociationSet") or []
            if a.get("Ipv6CidrBlock") and _associated(a.get("Ipv6CidrBlockState"))
        ],
        ipv6_native=bool(item.get("Ipv6Native", False)),
        availability_zone=item.get("AvailabilityZone"),
        availability_zone_id=item.get("AvailabilityZoneId"),
        available_ip_address_count=item.get("AvailableIpAddressCount"),
        map_public_ip_on_launch=bool(item.get("MapPublicIpOnLaunch", False)),
        state=item.get("State"),
    )


def read_subnets_by_id(recorder: CallRecorder, ec2: Any, subnet_ids: Iterable[str]) -> list[Subnet]:
    """DescribeSubnets for these IDs; IDs AWS does not return are recorded as not found."""
    wanted = sorted(set(subnet_ids))
    if not wanted:
        return []
    items = recorder.items(
        ec2,
        "describe_subnets",
        "ec2:DescribeSubnets",
        "Subnets",
        Filters=[_filter("subnet-id", wanted)],
    )
    if items is None:
        return []
    subnets = recorder.parse("ec2:DescribeSubnets", items, subnet_from_aws)
    if len(subnets) != len(items):
        return []
    found = {s.subnet_id for s in subnets}
    recorder.not_found("ec2:DescribeSubnets", "InvalidSubnetID.NotFound", set(wanted) - found)
    return subnets


# ---------------------------------------------------------------------------- routes


_ROUTE_TARGETS: tuple[tuple[str, RouteTargetType], ...] = (
    ("NatGatewayId", RouteTargetType.NAT_GATEWAY),
    ("EgressOnlyInternetGatewayId", RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY),
    ("TransitGatewayId", RouteTargetType.TRANSIT_GATEWAY),
    ("VpcPeeringConnectionId", RouteTargetType.PEERING),
    ("InstanceId", RouteTargetType.INSTANCE),
    ("NetworkInterfaceId", RouteTargetType.NETWORK_INTERFACE),
    ("LocalGatewayId", RouteTargetType.LOCAL_GATEWAY),
    ("CarrierGatewayId", RouteTargetType.CARRIER_GATEWAY),
    ("CoreNetworkArn", RouteTargetType.CORE_NETWORK),
)

_GATEWAY_PREFIXES: tuple[tuple[str, RouteTargetType], ...] = (
    ("igw-", RouteTargetType.INTERNET_GATEWAY),
    ("vpce-", RouteTargetType.GATEWAY_ENDPOINT),
    ("vgw-", RouteTargetType.VIRTUAL_PRIVATE_GATEWAY),
    ("eigw-", RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY),
)


def route_target(item: dict[str, Any]) -> tuple[RouteTargetType, str | None]:
    """What one AWS Route sends traffic to: GatewayId covers local, igw-, vpce-, vgw-."""
    gateway = item.get("GatewayId")
    if gateway == "local":
        return RouteTargetType.LOCAL, "local"
    if gateway:
        for prefix, kind in _GATEWAY_PREFIXES:
            if gateway.startswith(prefix):
                return kind, gateway
    for key, kind in _ROUTE_TARGETS:
        if item.get(key):
            return kind, str(item[key])
    return RouteTargetType.UNKNOWN, gateway


def route_from_aws(item: dict[str, Any]) -> Route:
    """Map one AWS Route (DescribeRouteTables)."""
    kind, target_id = route_target(item)
    return Route(
        destination_cidr=item.get("DestinationCidrBlock"),
        destination_ipv6_cidr=item.get("DestinationIpv6CidrBlock"),
        destination_prefix_list_id=item.get("DestinationPrefixListId"),
        target_type=kind,
        target_id=target_id,
        state="blackhole" if item.get("State") == "blackhole" else "active",
        origin=item.get("Origin"),
    )


def route_table_from_aws(item: dict[str, Any]) -> RouteTable:
    """Map one DescribeRouteTables item (disassociated associations are dropped)."""
    return RouteTable(
        route_table_id=item["RouteTableId"],
        vpc_id=item["VpcId"],
        routes=[route_from_aws(r) for r in item.get("Routes") or []],
        associations=[
            RouteTableAssociation(
                association_id=a.get("RouteTableAssociationId"),
                subnet_id=a.get("SubnetId"),
                gateway_id=a.get("GatewayId"),
                main=bool(a.get("Main", False)),
            )
            for a in item.get("Associations") or []
            if _associated(a.get("AssociationState"))
        ],
    )


def read_route_tables(recorder: CallRecorder, ec2: Any, vpc_id: str) -> list[RouteTable]:
    """Every route table of the VPC (the main one included)."""
    items = recorder.items(
        ec2,
        "describe_route_tables",
        "ec2:DescribeRouteTables",
        "RouteTables",
        Filters=[_filter("vpc-id", [vpc_id])],
    )
    return recorder.parse("ec2:DescribeRouteTables", items, route_table_from_aws)


# ---------------------------------------------------------------------------- NACLs


def nacl_entry_from_aws(item: dict[str, Any]) -> NaclEntry:
    """Map one NACL entry; PortRange is absent for "all ports"."""
    ports = item.get("PortRange") or {}
    return NaclEntry(
        rule_number=int(item["RuleNumber"]),
        egress=bool(item.get("Egress", False)),
        protocol=str(item.get("Protocol", "-1")),
        rule_action="deny" if str(item.get("RuleAction")).lower() == "deny" else "allow",
        cidr_block=item.get("CidrBlock"),
        ipv6_cidr_block=item.get("Ipv6CidrBlock"),
        port_from=ports.get("From"),
        port_to=ports.get("To"),
    )


def network_acl_from_aws(item: dict[str, Any]) -> NetworkAcl:
    """Map one DescribeNetworkAcls item."""
    return NetworkAcl(
        network_acl_id=item["NetworkAclId"],
        vpc_id=item["VpcId"],
        is_default=bool(item.get("IsDefault", False)),
        entries=sorted(
            (nacl_entry_from_aws(e) for e in item.get("Entries") or []),
            key=lambda e: (e.egress, e.rule_number),
        ),
        subnet_ids=sorted(
            a["SubnetId"] for a in item.get("Associations") or [] if a.get("SubnetId")
        ),
    )


def read_network_acls(recorder: CallRecorder, ec2: Any, vpc_id: str) -> list[NetworkAcl]:
    """Every network ACL of the VPC with its subnet associations."""
    items = recorder.items(
        ec2,
        "describe_network_acls",
        "ec2:DescribeNetworkAcls",
        "NetworkAcls",
        Filters=[_filter("vpc-id", [vpc_id])],
    )
    return recorder.parse("ec2:DescribeNetworkAcls", items, network_acl_from_aws)


# ---------------------------------------------------------------------------- security groups


# IpPermission list -> the key naming the peer in each entry -> SecurityGroupRule.peer_kind
_SG_PEERS: tuple[tuple[str, str, PeerKind], ...] = (
    ("IpRanges", "CidrIp", "cidr_ipv4"),
    ("Ipv6Ranges", "CidrIpv6", "cidr_ipv6"),
    ("PrefixListIds", "PrefixListId", "prefix_list"),
    ("UserIdGroupPairs", "GroupId", "security_group"),
)


def sg_rules_from_aws(permission: dict[str, Any]) -> list[SecurityGroupRule]:
    """Flatten one IpPermission into one rule per peer (CIDR, IPv6 CIDR, prefix list, group)."""
    common: dict[str, Any] = {
        "protocol": str(permission.get("IpProtocol", "-1")),
        "from_port": permission.get("FromPort"),
        "to_port": permission.get("ToPort"),
    }
    if common["protocol"] == "-1":
        common["from_port"] = common["to_port"] = None
    rules: list[SecurityGroupRule] = []
    for list_key, peer_key, peer_kind in _SG_PEERS:
        for entry in permission.get(list_key) or []:
            if not entry.get(peer_key):
                continue  # a group pair named only by GroupName (EC2-Classic) has no ID
            rules.append(
                SecurityGroupRule(
                    **common,
                    peer_kind=peer_kind,
                    peer=entry[peer_key],
                    peer_owner_id=entry.get("UserId"),
                    description=entry.get("Description"),
                )
            )
    return rules


def security_group_from_aws(item: dict[str, Any]) -> SecurityGroup:
    """Map one DescribeSecurityGroups item."""
    return SecurityGroup(
        group_id=item["GroupId"],
        group_name=item.get("GroupName"),
        vpc_id=item.get("VpcId"),
        owner_id=item.get("OwnerId"),
        ingress=[r for p in item.get("IpPermissions") or [] for r in sg_rules_from_aws(p)],
        egress=[r for p in item.get("IpPermissionsEgress") or [] for r in sg_rules_from_aws(p)],
    )


def read_security_groups(
    recorder: CallRecorder, ec2: Any, group_ids: Iterable[str]
) -> list[SecurityGroup]:
    """DescribeSecurityGroups for these IDs (one batched call); missing IDs are recorded."""
    wanted = sorted(set(group_ids))
    if not wanted:
        return []
    items = recorder.items(
        ec2,
        "describe_security_groups",
        "ec2:DescribeSecurityGroups",
        "SecurityGroups",
        Filters=[_filter("group-id", wanted)],
    )
    if items is None:
        return []
    groups = recorder.parse("ec2:DescribeSecurityGroups", items, security_group_from_aws)
    if len(groups) != len(items):
        return []
    found = {g.group_id for g in groups}
    recorder.not_found("ec2:DescribeSecurityGroups", "InvalidGroup.NotFound", set(wanted) - found)
    return groups


# ---------------------------------------------------------------------------- gateways


def nat_gateway_from_aws(item: dict[str, Any]) -> NatGateway:
    """Map one DescribeNatGateways item."""
    addresses = item.get("NatGatewayAddresses") or []
    return NatGateway(
        nat_gateway_id=item["NatGatewayId"],
        subnet_id=item.get("SubnetId"),
        vpc_id=item.get("VpcId"),
        state=str(item.get("State", "unknown")),
        connectivity_type=str(item.get("ConnectivityType") or "public"),
        private_ips=[a["PrivateIp"] for a in addresses if a.get("PrivateIp")],
        public_ips=[a["PublicIp"] for a in addresses if a.get("PublicIp")],
        failure_code=item.get("FailureCode"),
        failure_message=item.get("FailureMessage"),
    )


def read_nat_gateways(recorder: CallRecorder, ec2: Any, vpc_id: str) -> list[NatGateway]:
    """Every NAT gateway of the VPC, whatever its state (failed and deleted ones included)."""
    items = recorder.items(
        ec2,
        "describe_nat_gateways",
        "ec2:DescribeNatGateways",
        "NatGateways",
        Filters=[_filter("vpc-id", [vpc_id])],
    )
    return recorder.parse("ec2:DescribeNatGateways", items, nat_gateway_from_aws)


def _attached(attachments: Sequence[dict[str, Any]] | None) -> list[str]:
    # AWS reports "available" for IGW attachments and "attached" for egress-only ones.
    return [
        a["VpcId"]
        for a in attachments or []
        if a.get("VpcId") and a.get("State") in ("available", "attached")
    ]


def read_internet_gateways(recorder: CallRecorder, ec2: Any, vpc_id: str) -> list[InternetGateway]:
    """Internet gateways attached to the VPC."""
    items = recorder.items(
        ec2,
        "describe_internet_gateways",
        "ec2:DescribeInternetGateways",
        "InternetGateways",
        Filters=[_filter("attachment.vpc-id", [vpc_id])],
    )
    return recorder.parse(
        "ec2:DescribeInternetGateways",
        items,
        lambda item: InternetGateway(
            internet_gateway_id=item["InternetGatewayId"],
            attached_vpc_ids=_attached(item.get("Attachments")),
        ),
    )


def read_egress_only_gateways(
    recorder: CallRecorder, ec2: Any, gateway_ids: Iterable[str]
) -> list[EgressOnlyInternetGateway]:
    """Egress-only internet gateways the routes name (the API has no VPC filter)."""
    wanted = sorted(set(gateway_ids))
    if not wanted:
        return []
    items = recorder.items(
        ec2,
        "describe_egress_only_internet_gateways",
        "ec2:DescribeEgressOnlyInternetGateways",
        "EgressOnlyInternetGateways",
        EgressOnlyInternetGatewayIds=wanted,
    )
    return recorder.parse(
        "ec2:DescribeEgressOnlyInternetGateways",
        items,
        lambda item: EgressOnlyInternetGateway(
            egress_only_internet_gateway_id=item["EgressOnlyInternetGatewayId"],
            attached_vpc_ids=_attached(item.get("Attachments")),
        ),
    )


# ---------------------------------------------------------------------------- endpoints


def vpc_endpoint_from_aws(item: dict[str, Any]) -> VpcEndpoint:
    """Map one DescribeVpcEndpoints item."""
    return VpcEndpoint(
        vpc_endpoint_id=item["VpcEndpointId"],
        vpc_id=item["VpcId"],
        service_name=item.get("ServiceName", ""),
        endpoint_type=item.get("VpcEndpointType", "Gateway"),
        state=item.get("State"),
        private_dns_enabled=bool(item.get("PrivateDnsEnabled", False)),
        subnet_ids=list(item.get("SubnetIds") or []),
        security_group_ids=[g["GroupId"] for g in item.get("Groups") or [] if g.get("GroupId")],
        route_table_ids=list(item.get("RouteTableIds") or []),
        network_interface_ids=list(item.get("NetworkInterfaceIds") or []),
        dns_names=[d["DnsName"] for d in item.get("DnsEntries") or [] if d.get("DnsName")],
    )


def read_vpc_endpoints(recorder: CallRecorder, ec2: Any, vpc_id: str) -> list[VpcEndpoint]:
    """Every VPC endpoint in the VPC (interface, gateway, gateway load balancer)."""
    items = recorder.items(
        ec2,
        "describe_vpc_endpoints",
        "ec2:DescribeVpcEndpoints",
        "VpcEndpoints",
        Filters=[_filter("vpc-id", [vpc_id])],
    )
    return recorder.parse("ec2:DescribeVpcEndpoints", items, vpc_endpoint_from_aws)


# ---------------------------------------------------------------------------- prefix lists


def read_prefix_lists(
    recorder: CallRecorder, ec2: Any, prefix_list_ids: Iterable[str]
) -> list[PrefixList]:
    """DescribeManagedPrefixLists for these IDs, then GetManagedPrefixListEntries per list."""
    wanted = sorted(set(prefix_list_ids))
    if not wanted:
        return []
    items = recorder.items(
        ec2,
        "describe_managed_prefix_lists",
        "ec2:DescribeManagedPrefixLists",
        "PrefixLists",
        Filters=[_filter("prefix-list-id", wanted)],
    )
    if items is None:
        return []
    ids = recorder.parse("ec2:DescribeManagedPrefixLists", items, lambda i: str(i["PrefixListId"]))
    if len(ids) != len(items):
        return []
    lists: list[PrefixList] = []
    for item in items:
        list_id = item["PrefixListId"]
        try:
            pages = recorder.pages_or_raise(
                ec2,
                "get_managed_prefix_list_entries",
                "ec2:GetManagedPrefixListEntries",
                PrefixListId=list_id,
            )
        except ReadFailedError as failure:
            # A list without its entries would match nothing: leave it out, say why.
            recorder.skip(failure, [list_id])
            continue
        lists.append(
            PrefixList(
                prefix_list_id=list_id,
                name=item.get("PrefixListName"),
                address_family=item.get("AddressFamily"),
                cidrs=[
                    e["Cidr"] for page in pages for e in page.get("Entries") or [] if e.get("Cidr")
                ],
            )
        )
    found = {i["PrefixListId"] for i in items}
    recorder.not_found(
        "ec2:DescribeManagedPrefixLists", "InvalidPrefixListID.NotFound", set(wanted) - found
    )
    return lists


# ---------------------------------------------------------------------------- ENIs


def network_interface_from_aws(item: dict[str, Any]) -> NetworkInterface:
    """Map one DescribeNetworkInterfaces item."""
    private = [
        a["PrivateIpAddress"]
        for a in item.get("PrivateIpAddresses") or []
        if a.get("PrivateIpAddress")
    ]
    if not private and item.get("PrivateIpAddress"):
        private = [item["PrivateIpAddress"]]
    return NetworkInterface(
        network_interface_id=item["NetworkInterfaceId"],
        subnet_id=item.get("SubnetId"),
        vpc_id=item.get("VpcId"),
        interface_type=item.get("InterfaceType"),
        status=item.get("Status"),
        description=item.get("Description"),
        requester_id=item.get("RequesterId"),
        private_ip_addresses=private,
        ipv6_addresses=[
            a["Ipv6Address"] for a in item.get("Ipv6Addresses") or [] if a.get("Ipv6Address")
        ],
        public_ip=(item.get("Association") or {}).get("PublicIp"),
        security_group_ids=[g["GroupId"] for g in item.get("Groups") or [] if g.get("GroupId")],
        attachment_instance_id=(item.get("Attachment") or {}).get("InstanceId"),
    )


def read_network_interfaces(
    recorder: CallRecorder, ec2: Any, filters: list[dict[str, Any]]
) -> list[NetworkInterface] | None:
    """DescribeNetworkInterfaces with these filters; None when the read failed."""
    items = recorder.items(
        ec2,
        "describe_network_interfaces",
        "ec2:DescribeNetworkInterfaces",
        "NetworkInterfaces",
        Filters=filters,
    )
    if items is None:
        return None
    parsed = recorder.parse("ec2:DescribeNetworkInterfaces", items, network_interface_from_aws)
    return parsed if len(parsed) == len(items) else None


def vpc_filter(vpc_id: str) -> list[dict[str, Any]]:
    """The `vpc-id` filter for whole-VPC reads."""
    return [_filter("vpc-id", [vpc_id])]


def address_filters(addresses: Iterable[str]) -> list[list[dict[str, Any]]]:
    """Filter sets that find the ENIs holding these addresses (one per address family)."""
    v4 = [a for a in addresses if ":" not in a]
    v6 = [a for a in addresses if ":" in a]
    sets: list[list[dict[str, Any]]] = []
    if v4:
        sets.append([_filter("addresses.private-ip-address", v4)])
    if v6:
        sets.append([_filter("ipv6-addresses.ipv6-address", v6)])
    return sets
