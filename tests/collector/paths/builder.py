"""Hand-built snapshots for path tests: one healthy VPC that each test breaks in one place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from vpcprobe_collector.paths.evaluate import evaluate_path
from vpcprobe_collector.paths.model import PathQuery, PathResult
from vpcprobe_collector.snapshot.model import (
    DhcpOptions,
    EgressOnlyInternetGateway,
    FunctionInfo,
    FunctionVpcConfig,
    InternetGateway,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    Route,
    RouteTable,
    RouteTableAssociation,
    RouteTargetType,
    SecurityGroup,
    SecurityGroupRule,
    SkippedRead,
    Subnet,
    Vpc,
    VpcSnapshot,
)

T = RouteTargetType
FN_A = "subnet-0fa"  # function subnet, us-east-1a
FN_B = "subnet-0fb"  # function subnet, us-east-1b
PUBLIC = "subnet-0pub"  # the NAT gateway's subnet
DB = "subnet-0db"  # the database's subnet
FN_SG = "sg-0fn"
DB_SG = "sg-0db"
DB_ENI = "eni-0db"
DB_IP = "10.0.3.10"
NAT = "nat-0a"
IGW = "igw-0a"
EIGW = "eigw-0a"


def route(
    destination: str, target_type: RouteTargetType, target_id: str | None = None, **kw: object
) -> Route:
    """A route to a CIDR (v4 or v6) or a prefix list ("pl-...")."""
    if destination.startswith("pl-"):
        return Route(
            destination_prefix_list_id=destination,
            target_type=target_type,
            target_id=target_id,
            **kw,  # type: ignore[arg-type]
        )
    field = "destination_ipv6_cidr" if ":" in destination else "destination_cidr"
    return Route(
        **{field: destination},  # type: ignore[arg-type]
        target_type=target_type,
        target_id=target_id,
        **kw,  # type: ignore[arg-type]
    )


def entry(
    number: int,
    action: Literal["allow", "deny"],
    *,
    egress: bool,
    cidr: str = "0.0.0.0/0",
    protocol: str = "-1",
    ports: tuple[int, int] | None = None,
) -> NaclEntry:
    """One NACL entry; an IPv6 CIDR goes in ipv6_cidr_block."""
    v6 = ":" in cidr
    return NaclEntry(
        rule_number=number,
        egress=egress,
        protocol=protocol,
        rule_action=action,
        cidr_block=None if v6 else cidr,
        ipv6_cidr_block=cidr if v6 else None,
        port_from=ports[0] if ports else None,
        port_to=ports[1] if ports else None,
    )


def open_entries() -> list[NaclEntry]:
    """The default NACL's entries: allow everything both ways, then the * denies."""
    return [
        entry(100, "allow", egress=True),
        entry(101, "allow", egress=True, cidr="::/0"),
        entry(32767, "deny", egress=True),
        entry(32768, "deny", egress=True, cidr="::/0"),
        entry(100, "allow", egress=False),
        entry(101, "allow", egress=False, cidr="::/0"),
        entry(32767, "deny", egress=False),
        entry(32768, "deny", egress=False, cidr="::/0"),
    ]


def sg_rule(
    peer: str, protocol: str = "-1", ports: tuple[int, int] | None = None
) -> SecurityGroupRule:
    """A rule for a CIDR, a prefix list ("pl-...") or a group ("sg-...")."""
    if peer.startswith("pl-"):
        kind = "prefix_list"
    elif peer.startswith("sg-"):
        kind = "security_group"
    elif ":" in peer:
        kind = "cidr_ipv6"
    else:
        kind = "cidr_ipv4"
    return SecurityGroupRule(
        protocol=protocol,
        from_port=ports[0] if ports else None,
        to_port=ports[1] if ports else None,
        peer_kind=kind,  # type: ignore[arg-type]
        peer=peer,
    )


def healthy() -> VpcSnapshot:
    """A VPC where everything works: private function subnets -> NAT in a public subnet."""
    return VpcSnapshot(
        collector_version="test",
        taken_at=datetime(2026, 1, 1, tzinfo=UTC),
        region="us-east-1",
        function=FunctionInfo(
            name="orders",
            arn="arn:aws:lambda:us-east-1:123456789012:function:orders",
            vpc_config=FunctionVpcConfig(
                vpc_id="vpc-0a",
                subnet_ids=[FN_A, FN_B],
                security_group_ids=[FN_SG],
                ipv6_allowed_for_dual_stack=True,
            ),
        ),
        vpc=Vpc(
            vpc_id="vpc-0a",
            cidr_blocks=["10.0.0.0/16"],
            ipv6_cidr_blocks=["2600:1f18:ab::/56"],
            instance_tenancy="default",
            enable_dns_support=True,
            enable_dns_hostnames=True,
            dhcp_options_id="dopt-0a",
        ),
        dhcp_options=DhcpOptions(
            dhcp_options_id="dopt-0a", domain_name_servers=["AmazonProvidedDNS"]
        ),
        subnets=[
            Subnet(
                subnet_id=FN_A,
                vpc_id="vpc-0a",
                cidr_block="10.0.1.0/24",
                ipv6_cidr_blocks=["2600:1f18:ab:1::/64"],
                availability_zone="us-east-1a",
            ),
            Subnet(
                subnet_id=FN_B,
                vpc_id="vpc-0a",
                cidr_block="10.0.2.0/24",
                ipv6_cidr_blocks=["2600:1f18:ab:2::/64"],
                availability_zone="us-east-1b",
            ),
            Subnet(
                subnet_id=PUBLIC,
                vpc_id="vpc-0a",
                cidr_block="10.0.0.0/24",
                availability_zone="us-east-1a",
            ),
            Subnet(
                subnet_id=DB,
                vpc_id="vpc-0a",
                cidr_block="10.0.3.0/24",
                availability_zone="us-east-1a",
            ),
        ],
        route_tables=[
            RouteTable(
                route_table_id="rtb-0priv",
                vpc_id="vpc-0a",
                routes=[
                    route("10.0.0.0/16", T.LOCAL, "local"),
                    route("2600:1f18:ab::/56", T.LOCAL, "local"),
                    route("0.0.0.0/0", T.NAT_GATEWAY, NAT),
                    route("::/0", T.EGRESS_ONLY_INTERNET_GATEWAY, EIGW),
                ],
                associations=[
                    RouteTableAssociation(subnet_id=FN_A),
                    RouteTableAssociation(subnet_id=FN_B),
                ],
            ),
            RouteTable(
                route_table_id="rtb-0pub",
                vpc_id="vpc-0a",
                routes=[
                    route("10.0.0.0/16", T.LOCAL, "local"),
                    route("0.0.0.0/0", T.INTERNET_GATEWAY, IGW),
                ],
                associations=[RouteTableAssociation(subnet_id=PUBLIC)],
            ),
            RouteTable(
                route_table_id="rtb-0main",
                vpc_id="vpc-0a",
                routes=[route("10.0.0.0/16", T.LOCAL, "local")],
                associations=[RouteTableAssociation(main=True)],
            ),
        ],
        network_acls=[
            NetworkAcl(
                network_acl_id="acl-0default",
                vpc_id="vpc-0a",
                is_default=True,
                entries=open_entries(),
                subnet_ids=[FN_A, FN_B, PUBLIC, DB],
            )
        ],
        security_groups=[
            SecurityGroup(
                group_id=FN_SG,
                vpc_id="vpc-0a",
                egress=[sg_rule("0.0.0.0/0"), sg_rule("::/0")],
            ),
            SecurityGroup(
                group_id=DB_SG,
                vpc_id="vpc-0a",
                ingress=[sg_rule(FN_SG, "tcp", (5432, 5432))],
                egress=[sg_rule("0.0.0.0/0")],
            ),
        ],
        nat_gateways=[
            NatGateway(
                nat_gateway_id=NAT,
                subnet_id=PUBLIC,
                vpc_id="vpc-0a",
                state="available",
                private_ips=["10.0.0.50"],
                public_ips=["203.0.113.7"],
            )
        ],
        internet_gateways=[InternetGateway(internet_gateway_id=IGW, attached_vpc_ids=["vpc-0a"])],
        egress_only_internet_gateways=[
            EgressOnlyInternetGateway(
                egress_only_internet_gateway_id=EIGW, attached_vpc_ids=["vpc-0a"]
            )
        ],
        network_interfaces=[
            NetworkInterface(
                network_interface_id=DB_ENI,
                subnet_id=DB,
                vpc_id="vpc-0a",
                interface_type="interface",
                private_ip_addresses=[DB_IP],
                security_group_ids=[DB_SG],
            )
        ],
    )


def table(snapshot: VpcSnapshot, route_table_id: str) -> RouteTable:
    return next(t for t in snapshot.route_tables if t.route_table_id == route_table_id)


def group(snapshot: VpcSnapshot, group_id: str) -> SecurityGroup:
    sg = snapshot.security_group(group_id)
    assert sg is not None
    return sg


def own_acl(
    snapshot: VpcSnapshot, acl_id: str, subnet_id: str, entries: list[NaclEntry]
) -> NetworkAcl:
    """Move `subnet_id` from the default NACL to a new one with `entries`."""
    for acl in snapshot.network_acls:
        if subnet_id in acl.subnet_ids:
            acl.subnet_ids.remove(subnet_id)
    acl = NetworkAcl(
        network_acl_id=acl_id, vpc_id="vpc-0a", entries=entries, subnet_ids=[subnet_id]
    )
    snapshot.network_acls.append(acl)
    return acl


def skip(snapshot: VpcSnapshot, api: str, code: str = "UnauthorizedOperation") -> None:
    """Record a failed read of `api`, as the snapshot readers do."""
    snapshot.skipped.append(SkippedRead(api=api, error_code=code, message=f"{code} on {api}"))


def path(
    snapshot: VpcSnapshot,
    destination: str,
    port: int,
    *,
    subnet: str = FN_A,
    protocol: Literal["tcp", "udp"] = "tcp",
    groups: tuple[str, ...] = (FN_SG,),
) -> PathResult:
    """Evaluate one path from a function subnet."""
    return evaluate_path(
        snapshot,
        PathQuery(
            subnet_id=subnet,
            security_group_ids=groups,
            destination=destination,
            protocol=protocol,
            port=port,
        ),
    )
