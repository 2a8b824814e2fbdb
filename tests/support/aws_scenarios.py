"""boto3 scenario builders for moto: a healthy VPC Lambda and one variant per failure cause.

`build_healthy` lays out the reference VPC; each `build_cNN_*` builds it and then changes the
one setting the cause is about. `CAUSE_BUILDERS` maps cause codes to builders.
"""

from __future__ import annotations

import io
import ipaddress
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from vpcprobe_collector.snapshot.model import VpcSnapshot

ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
)
LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
VPC_CIDR = "10.0.0.0/16"
PUBLIC_CIDR = "10.0.0.0/24"
FUNCTION_CIDRS = ("10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24")
DATA_CIDR = "10.0.10.0/24"
AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
DB_PORT = 5432
DNS_SERVER_IP = "10.0.10.53"
PUBLIC_ADDRESS = "203.0.113.10"  # TEST-NET-3: only ever used as data, never contacted
PUBLIC_IPV6_ADDRESS = "2001:db8::10"  # documentation prefix: data only
FUNCTION_NAME = "orders-api"


@dataclass(frozen=True)
class Layout:
    """What `build_healthy` creates; variants that must differ at creation time replace fields."""

    function_subnets: int = 3
    targets: int = 1
    tenancy: str = "default"
    ipv6: bool = False
    dual_stack: bool = True
    custom_dns: bool = False  # DHCP options point at DNS_SERVER_IP, a server in the data subnet
    role_actions: tuple[str, ...] = ENI_ACTIONS + LOG_ACTIONS
    role_deny: tuple[str, ...] = ()


@dataclass
class Scenario:
    """The IDs a test needs to assert against."""

    session: Any
    function_name: str
    function_arn: str
    role_arn: str
    role_name: str
    vpc_id: str
    vpc_cidr: str
    public_subnet_id: str
    function_subnet_ids: list[str]
    data_subnet_id: str
    function_sg_id: str
    target_sg_id: str
    target_eni_ids: list[str]
    target_addresses: list[str]
    public_route_table_id: str
    private_route_table_id: str
    main_route_table_id: str
    default_acl_id: str
    internet_gateway_id: str
    nat_gateway_id: str
    dhcp_options_id: str
    logs_endpoint_id: str
    endpoint_sg_id: str
    dns_server_sg_id: str | None = None
    dns_server_eni_id: str | None = None
    egress_only_gateway_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def ec2(self) -> Any:
        return self.session.client("ec2")

    def set_vpc_config(self, **changes: Any) -> None:
        """Change the function's VpcConfig (moto does not validate its IDs)."""
        client = self.session.client("lambda")
        current = client.get_function(FunctionName=self.function_name)["Configuration"]
        config = {
            "SubnetIds": current["VpcConfig"]["SubnetIds"],
            "SecurityGroupIds": current["VpcConfig"]["SecurityGroupIds"],
            "Ipv6AllowedForDualStack": current["VpcConfig"].get("Ipv6AllowedForDualStack", False),
            **changes,
        }
        client.update_function_configuration(FunctionName=self.function_name, VpcConfig=config)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def _policy(allow: Sequence[str], deny: Sequence[str]) -> str:
    statements = [{"Effect": "Allow", "Action": list(allow), "Resource": "*"}]
    if deny:
        statements.append({"Effect": "Deny", "Action": list(deny), "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _sg(ec2: Any, vpc_id: str, name: str) -> str:
    return str(ec2.create_security_group(VpcId=vpc_id, GroupName=name, Description=name)["GroupId"])


def _allow_in(ec2: Any, group_id: str, protocol: str, port: int, **peer: Any) -> None:
    permission: dict[str, Any] = {"IpProtocol": protocol, "FromPort": port, "ToPort": port}
    if "group" in peer:
        permission["UserIdGroupPairs"] = [{"GroupId": peer["group"]}]
    else:
        permission["IpRanges"] = [{"CidrIp": peer["cidr"]}]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])


def build_healthy(session: Any, layout: Layout = Layout()) -> Scenario:
    """A function in 2-3 private subnets (NAT -> IGW), a database ENI, a Logs endpoint."""
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=VPC_CIDR, InstanceTenancy=layout.tenancy)["Vpc"]
    vpc_id = vpc["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    ipv6_block = None
    if layout.ipv6:
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, AmazonProvidedIpv6CidrBlock=True)
        described = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
        ipv6_block = ipaddress.ip_network(
            described["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
        )

    def subnet(cidr: str, az: str, index: int) -> str:
        params: dict[str, Any] = {"VpcId": vpc_id, "CidrBlock": cidr, "AvailabilityZone": az}
        if ipv6_block:
            params["Ipv6CidrBlock"] = str(list(ipv6_block.subnets(new_prefix=64))[index])
        return str(ec2.create_subnet(**params)["Subnet"]["SubnetId"])

    public = subnet(PUBLIC_CIDR, AZS[0], 0)
    function_subnets = [
        subnet(cidr, AZS[i % len(AZS)], i + 1)
        for i, cidr in enumerate(FUNCTION_CIDRS[: layout.function_subnets])
    ]
    data = subnet(DATA_CIDR, AZS[0], 10)

    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    public_rtb = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rtb, SubnetId=public)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"][
        "NatGatewayId"
    ]
    private_rtb = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    eigw = None
    if layout.ipv6:
        eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc_id)["EgressOnlyInternetGateway"][
            "EgressOnlyInternetGatewayId"
        ]
        ec2.create_route(
            RouteTableId=private_rtb,
            DestinationIpv6CidrBlock="::/0",
            EgressOnlyInternetGatewayId=eigw,
        )
    for subnet_id in (*function_subnets, data):
        ec2.associate_route_table(RouteTableId=private_rtb, SubnetId=subnet_id)
    default_acl = ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"][0]["NetworkAclId"]
    if layout.ipv6:
        # AWS adds these (rule 101, ::/0 both ways) to the default NACL when a VPC gets an IPv6
        # block; moto does not.
        for egress in (True, False):
            ec2.create_network_acl_entry(
                NetworkAclId=default_acl,
                RuleNumber=101,
                Egress=egress,
                RuleAction="allow",
                Protocol="-1",
                Ipv6CidrBlock="::/0",
            )
    main_rtb = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]

    function_sg = _sg(ec2, vpc_id, "orders-api-function")  # egress: all (AWS's default)
    target_sg = _sg(ec2, vpc_id, "orders-db")
    _allow_in(ec2, target_sg, "tcp", DB_PORT, group=function_sg)
    targets = [
        ec2.create_network_interface(
            SubnetId=data,
            Groups=[target_sg],
            PrivateIpAddress=f"10.0.10.{20 + i}",
            Description=f"orders-db-{i}",
        )["NetworkInterface"]
        for i in range(layout.targets)
    ]
    endpoint_sg = _sg(ec2, vpc_id, "logs-endpoint")
    _allow_in(ec2, endpoint_sg, "tcp", 443, group=function_sg)
    logs_endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        VpcEndpointType="Interface",
        ServiceName="com.amazonaws.us-east-1.logs",
        SubnetIds=function_subnets,
        SecurityGroupIds=[endpoint_sg],
        PrivateDnsEnabled=True,
    )["VpcEndpoint"]["VpcEndpointId"]

    # moto differs from AWS: it gives interface endpoint ENIs no security group (AWS gives them
    # the endpoint's) and a random primary address outside their subnet (see
    # `with_endpoint_addresses_in_subnets`). The groups at least can be set through the API.
    for eni_id in ec2.describe_vpc_endpoints(VpcEndpointIds=[logs_endpoint])["VpcEndpoints"][0][
        "NetworkInterfaceIds"
    ]:
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=[endpoint_sg])

    dns_sg = dns_eni = None
    servers = ["AmazonProvidedDNS"]
    if layout.custom_dns:
        dns_sg = _sg(ec2, vpc_id, "dns-server")
        for protocol in ("udp", "tcp"):
            _allow_in(ec2, dns_sg, protocol, 53, cidr=VPC_CIDR)
        dns_eni = ec2.create_network_interface(
            SubnetId=data, Groups=[dns_sg], PrivateIpAddress=DNS_SERVER_IP, Description="dns"
        )["NetworkInterface"]["NetworkInterfaceId"]
        servers = [DNS_SERVER_IP]
    dhcp = ec2.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name-servers", "Values": servers},
            {"Key": "domain-name", "Values": ["ec2.internal"]},
        ]
    )["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dhcp, VpcId=vpc_id)

    iam = session.client("iam")
    role_name = f"{FUNCTION_NAME}-role"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]["Arn"]
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="execution",
        PolicyDocument=_policy(layout.role_actions, layout.role_deny),
    )
    function = session.client("lambda").create_function(
        FunctionName=FUNCTION_NAME,
        Runtime="python3.12",
        Role=role_arn,
        Handler="handler.handler",
        Code={"ZipFile": _zip()},
        MemorySize=512,
        Architectures=["arm64"],
        Environment={"Variables": {"DB_HOST": "orders-db.internal", "DB_PASSWORD": "s3cret"}},
        VpcConfig={
            "SubnetIds": function_subnets,
            "SecurityGroupIds": [function_sg],
            "Ipv6AllowedForDualStack": layout.ipv6 and layout.dual_stack,
        },
    )
    return Scenario(
        session=session,
        function_name=FUNCTION_NAME,
        function_arn=function["FunctionArn"],
        role_arn=role_arn,
        role_name=role_name,
        vpc_id=vpc_id,
        vpc_cidr=VPC_CIDR,
        public_subnet_id=public,
        function_subnet_ids=function_subnets,
        data_subnet_id=data,
        function_sg_id=function_sg,
        target_sg_id=target_sg,
        target_eni_ids=[t["NetworkInterfaceId"] for t in targets],
        target_addresses=[t["PrivateIpAddress"] for t in targets],
        public_route_table_id=public_rtb,
        private_route_table_id=private_rtb,
        main_route_table_id=main_rtb,
        default_acl_id=default_acl,
        internet_gateway_id=igw,
        nat_gateway_id=nat,
        dhcp_options_id=dhcp,
        logs_endpoint_id=logs_endpoint,
        endpoint_sg_id=endpoint_sg,
        dns_server_sg_id=dns_sg,
        dns_server_eni_id=dns_eni,
        egress_only_gateway_id=eigw,
    )


def with_endpoint_addresses_in_subnets(snapshot: VpcSnapshot) -> VpcSnapshot:
    """A copy of a moto snapshot whose interface endpoint ENIs have addresses in their subnets.

    moto differs from AWS: it gives each interface endpoint ENI a random 10.x address that is
    not in its subnet, so a path to it would follow the default route instead of `local`.
    AWS always takes the address from the subnet; this puts one there (the subnet's .200).
    """
    copy = snapshot.model_copy(deep=True)
    endpoint_enis = {i for e in copy.vpc_endpoints for i in e.network_interface_ids}
    for eni in copy.network_interfaces:
        subnet = copy.subnet(eni.subnet_id or "")
        if eni.network_interface_id in endpoint_enis and subnet and subnet.cidr_block:
            eni.private_ip_addresses = [str(ipaddress.ip_network(subnet.cidr_block)[200])]
    return copy


# ---------------------------------------------------------------------------- helpers for variants


def _custom_acl(s: Scenario, entries: Sequence[dict[str, Any]], subnet_ids: Sequence[str]) -> str:
    """A new NACL with `entries` (plus AWS's implicit * deny), associated with `subnet_ids`."""
    ec2 = s.ec2()
    acl = ec2.create_network_acl(VpcId=s.vpc_id)["NetworkAcl"]["NetworkAclId"]
    for entry in entries:
        ec2.create_network_acl_entry(NetworkAclId=acl, **entry)
    associations = ec2.describe_network_acls(NetworkAclIds=[s.default_acl_id])["NetworkAcls"][0][
        "Associations"
    ]
    for association in associations:
        if association["SubnetId"] in subnet_ids:
            ec2.replace_network_acl_association(
                AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl
            )
    return str(acl)


def _entry(
    number: int,
    egress: bool,
    action: str,
    protocol: str = "-1",
    ports: tuple[int, int] | None = None,
    cidr: str = "0.0.0.0/0",
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "RuleNumber": number,
        "Egress": egress,
        "RuleAction": action,
        "Protocol": protocol,
        "CidrBlock": cidr,
    }
    if ports:
        entry["PortRange"] = {"From": ports[0], "To": ports[1]}
    return entry


def _limit_function_egress(s: Scenario, ports: Sequence[int]) -> None:
    """Replace the function SG's allow-all egress with TCP on `ports` only."""
    ec2 = s.ec2()
    ec2.revoke_security_group_egress(
        GroupId=s.function_sg_id,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ec2.authorize_security_group_egress(
        GroupId=s.function_sg_id,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            for p in ports
        ],
    )


# ---------------------------------------------------------------------------- one builder per cause


def build_c01_no_default_route(session: Any) -> Scenario:
    """C01: the function subnets' route table has no 0.0.0.0/0 route."""
    s = build_healthy(session)
    s.ec2().delete_route(RouteTableId=s.private_route_table_id, DestinationCidrBlock="0.0.0.0/0")
    return s


def build_c02_public_subnet(session: Any) -> Scenario:
    """C02: the function subnets route 0.0.0.0/0 to the internet gateway."""
    s = build_healthy(session)
    s.ec2().replace_route(
        RouteTableId=s.private_route_table_id,
        DestinationCidrBlock="0.0.0.0/0",
        GatewayId=s.internet_gateway_id,
    )
    return s


def build_c03_nat_deleted(session: Any) -> Scenario:
    """C03: the NAT gateway the route points at was deleted."""
    s = build_healthy(session)
    s.ec2().delete_nat_gateway(NatGatewayId=s.nat_gateway_id)
    return s


def build_c03_nat_subnet_without_igw(session: Any) -> Scenario:
    """C03: the NAT gateway sits in a subnet whose route table has no route to the IGW."""
    s = build_healthy(session)
    s.ec2().delete_route(RouteTableId=s.public_route_table_id, DestinationCidrBlock="0.0.0.0/0")
    return s


def build_c04_function_egress(session: Any) -> Scenario:
    """C04: the function SG allows outbound TCP 443 only (not the database port)."""
    s = build_healthy(session)
    _limit_function_egress(s, [443])
    return s


def build_c05_target_ingress(session: Any) -> Scenario:
    """C05: the database SG no longer allows the function's SG on 5432."""
    s = build_healthy(session)
    s.ec2().revoke_security_group_ingress(
        GroupId=s.target_sg_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": DB_PORT,
                "ToPort": DB_PORT,
                "UserIdGroupPairs": [{"GroupId": s.function_sg_id}],
            }
        ],
    )
    return s


def build_c06_nacl_deny(session: Any) -> Scenario:
    """C06: the function subnets' NACL denies TCP 5432 to the data subnet at rule 90."""
    s = build_healthy(session)
    s.extra["acl_id"] = _custom_acl(
        s,
        [
            _entry(90, True, "deny", "6", (DB_PORT, DB_PORT), DATA_CIDR),
            _entry(100, True, "allow"),
            _entry(100, False, "allow"),
        ],
        s.function_subnet_ids,
    )
    return s


def build_c06_partial_return(session: Any) -> Scenario:
    """C06: the function subnets' NACL lets return traffic in on 1024-32767 only."""
    s = build_healthy(session)
    s.extra["acl_id"] = _custom_acl(
        s,
        [_entry(100, True, "allow"), _entry(100, False, "allow", "6", (1024, 32767))],
        s.function_subnet_ids,
    )
    return s


def build_c09_endpoint_sg(session: Any) -> Scenario:
    """C09: the Logs endpoint's SG does not allow 443 from the function."""
    s = build_healthy(session)
    s.ec2().revoke_security_group_ingress(
        GroupId=s.endpoint_sg_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "UserIdGroupPairs": [{"GroupId": s.function_sg_id}],
            }
        ],
    )
    return s


def build_custom_dns(session: Any) -> Scenario:
    """The healthy VPC with a custom DNS server (10.0.10.53) in its DHCP options."""
    return build_healthy(session, Layout(custom_dns=True))


def build_c10_dns_server_blocked(session: Any) -> Scenario:
    """C10: the custom DNS server's SG does not allow port 53 in."""
    s = build_custom_dns(session)
    assert s.dns_server_sg_id
    for protocol in ("udp", "tcp"):
        s.ec2().revoke_security_group_ingress(
            GroupId=s.dns_server_sg_id,
            IpPermissions=[
                {
                    "IpProtocol": protocol,
                    "FromPort": 53,
                    "ToPort": 53,
                    "IpRanges": [{"CidrIp": VPC_CIDR}],
                }
            ],
        )
    return s


def build_c11_dns_egress_sg(session: Any) -> Scenario:
    """C11: the function SG allows TCP 443 and 5432 out, nothing to port 53."""
    s = build_custom_dns(session)
    _limit_function_egress(s, [443, DB_PORT])
    return s


def build_c11_dns_nacl(session: Any) -> Scenario:
    """C11: the function subnets' NACL denies UDP 53 to the DNS server at rule 80."""
    s = build_custom_dns(session)
    s.extra["acl_id"] = _custom_acl(
        s,
        [
            _entry(80, True, "deny", "17", (53, 53), f"{DNS_SERVER_IP}/32"),
            _entry(100, True, "allow"),
            _entry(100, False, "allow"),
        ],
        s.function_subnet_ids,
    )
    return s


def build_c12_dns_support_off(session: Any) -> Scenario:
    """C12: enableDnsSupport is false on the VPC."""
    s = build_healthy(session)
    s.ec2().modify_vpc_attribute(VpcId=s.vpc_id, EnableDnsSupport={"Value": False})
    return s


def build_c14_role_without_eni_actions(session: Any) -> Scenario:
    """C14: the execution role allows only the Logs actions."""
    return build_healthy(session, Layout(role_actions=LOG_ACTIONS))


def build_c14_role_denies_eni_actions(session: Any) -> Scenario:
    """C14: the role allows ec2:* but explicitly denies ec2:CreateNetworkInterface."""
    return build_healthy(
        session,
        Layout(role_actions=("ec2:*", *LOG_ACTIONS), role_deny=("ec2:CreateNetworkInterface",)),
    )


def build_c15_subnet_full(session: Any) -> Scenario:
    """C15: a /28 function subnet whose 11 usable addresses are all taken by ENIs."""
    s = build_healthy(session)
    ec2 = s.ec2()
    full = ec2.create_subnet(VpcId=s.vpc_id, CidrBlock="10.0.20.0/28", AvailabilityZone=AZS[1])[
        "Subnet"
    ]["SubnetId"]
    ec2.associate_route_table(RouteTableId=s.private_route_table_id, SubnetId=full)
    while ec2.describe_subnets(SubnetIds=[full])["Subnets"][0]["AvailableIpAddressCount"] > 0:
        ec2.create_network_interface(SubnetId=full, Description="filler")
    s.set_vpc_config(SubnetIds=[*s.function_subnet_ids[:2], full])
    s.extra["full_subnet_id"] = full
    return s


def build_c16_many_lambda_enis(session: Any, count: int = 24) -> Scenario:
    """C16: `count` Lambda Hyperplane ENIs already in the VPC (moto marks them by description)."""
    s = build_healthy(session)
    ec2 = s.ec2()
    for i in range(count):
        ec2.create_network_interface(
            SubnetId=s.function_subnet_ids[i % len(s.function_subnet_ids)],
            Groups=[s.function_sg_id],
            Description=f"AWS Lambda VPC ENI-other-function-{i}",
        )
    s.extra["lambda_eni_count"] = count
    return s


def build_c17_deleted_subnet_and_sg(session: Any) -> Scenario:
    """C17: VpcConfig names a subnet and a security group that were deleted."""
    s = build_healthy(session)
    ec2 = s.ec2()
    gone_subnet = ec2.create_subnet(VpcId=s.vpc_id, CidrBlock="10.0.30.0/24")["Subnet"]["SubnetId"]
    gone_sg = _sg(ec2, s.vpc_id, "gone")
    ec2.delete_subnet(SubnetId=gone_subnet)
    ec2.delete_security_group(GroupId=gone_sg)
    s.set_vpc_config(
        SubnetIds=[*s.function_subnet_ids, gone_subnet],
        SecurityGroupIds=[s.function_sg_id, gone_sg],
    )
    s.extra.update(deleted_subnet_id=gone_subnet, deleted_sg_id=gone_sg)
    return s


def build_c19_dedicated_tenancy(session: Any) -> Scenario:
    """C19: the VPC has dedicated instance tenancy."""
    return build_healthy(session, Layout(tenancy="dedicated"))


def build_ipv6(session: Any) -> Scenario:
    """The healthy VPC, dual-stack: IPv6 subnets, ::/0 -> egress-only IGW, dual-stack on."""
    return build_healthy(session, Layout(ipv6=True))


def build_c20_dual_stack_off(session: Any) -> Scenario:
    """C20: everything IPv6 is in place but the function's Ipv6AllowedForDualStack is off."""
    return build_healthy(session, Layout(ipv6=True, dual_stack=False))


def build_c20_no_ipv6_route(session: Any) -> Scenario:
    """C20: dual-stack function, but the route table has no ::/0 to the egress-only IGW."""
    s = build_ipv6(session)
    s.ec2().delete_route(RouteTableId=s.private_route_table_id, DestinationIpv6CidrBlock="::/0")
    return s


def build_c24_one_subnet_differs(session: Any) -> Scenario:
    """C24: the third function subnet uses a route table without the NAT route."""
    s = build_healthy(session)
    ec2 = s.ec2()
    odd = ec2.create_route_table(VpcId=s.vpc_id)["RouteTable"]["RouteTableId"]
    association = next(
        a
        for a in ec2.describe_route_tables(RouteTableIds=[s.private_route_table_id])["RouteTables"][
            0
        ]["Associations"]
        if a.get("SubnetId") == s.function_subnet_ids[2]
    )
    ec2.replace_route_table_association(
        AssociationId=association["RouteTableAssociationId"], RouteTableId=odd
    )
    s.extra.update(odd_subnet_id=s.function_subnet_ids[2], odd_route_table_id=odd)
    return s


def build_bench(session: Any) -> Scenario:
    """The benchmark's scenario: 3 function subnets and 5 database ENIs."""
    return build_healthy(session, replace(Layout(), function_subnets=3, targets=5))


CAUSE_BUILDERS: dict[str, Callable[[Any], Scenario]] = {
    "C01": build_c01_no_default_route,
    "C02": build_c02_public_subnet,
    "C03": build_c03_nat_deleted,
    "C04": build_c04_function_egress,
    "C05": build_c05_target_ingress,
    "C06": build_c06_nacl_deny,
    "C09": build_c09_endpoint_sg,
    "C10": build_c10_dns_server_blocked,
    "C11": build_c11_dns_egress_sg,
    "C12": build_c12_dns_support_off,
    "C14": build_c14_role_without_eni_actions,
    "C15": build_c15_subnet_full,
    "C16": build_c16_many_lambda_enis,
    "C17": build_c17_deleted_subnet_and_sg,
    "C19": build_c19_dedicated_tenancy,
    "C20": build_c20_no_ipv6_route,
    "C24": build_c24_one_subnet_differs,
}
