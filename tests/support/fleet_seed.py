"""A fleet for `vpcprobe audit`: 40 functions in 2 VPCs with planted faults (and bigger ones).

VPC A has DNS support turned off; VPC B has a custom DNS server (10.1.10.53) and four planted
faults on subnets and roles. Function names say what is planted in them.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
DNS_SERVER = "10.1.10.53"
ENI_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
]
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


@dataclass
class Fleet:
    """The IDs a test asserts against."""

    vpcs: dict[str, str] = field(default_factory=dict)  # "A" | "B" -> vpc-…
    subnets: dict[str, str] = field(default_factory=dict)  # "a1", "b3", … -> subnet-…
    route_tables: dict[str, str] = field(default_factory=dict)
    acls: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # "good" | "no-eni" -> ARN
    functions: dict[str, list[str]] = field(default_factory=dict)  # planted fault -> names
    dhcp_options_id: str = ""
    dns_sg: str = ""

    @property
    def all_functions(self) -> list[str]:
        return [n for names in self.functions.values() for n in names]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def make_role(session: Any, name: str, actions: list[str]) -> str:
    """An execution role allowing `actions`."""
    iam = session.client("iam")
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
    arn = str(
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=name, PolicyName="execution", PolicyDocument=json.dumps(policy))
    return arn


def make_vpc(
    session: Any, cidr_prefix: str, *, dns_support: bool = True, custom_dns: str | None = None
) -> dict[str, str]:
    """A VPC like the reference one: a public subnet with a NAT gateway, a private route table
    (0.0.0.0/0 -> NAT) and an optional custom DNS server ENI in a data subnet."""
    ec2 = session.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock=f"{cidr_prefix}.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": dns_support})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": dns_support})
    public = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock=f"{cidr_prefix}.0.0/24", AvailabilityZone=AZS[0]
    )["Subnet"]["SubnetId"]
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
    function_sg = ec2.create_security_group(
        VpcId=vpc_id, GroupName="functions", Description="functions"
    )["GroupId"]
    ids = {
        "vpc": vpc_id,
        "private_rtb": private_rtb,
        "function_sg": function_sg,
        "default_acl": ec2.describe_network_acls(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "default", "Values": ["true"]},
            ]
        )["NetworkAcls"][0]["NetworkAclId"],
    }
    if custom_dns:
        data = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"{cidr_prefix}.10.0/24", AvailabilityZone=AZS[0]
        )["Subnet"]["SubnetId"]
        ec2.associate_route_table(RouteTableId=private_rtb, SubnetId=data)
        dns_sg = ec2.create_security_group(VpcId=vpc_id, GroupName="dns", Description="dns")[
            "GroupId"
        ]
        for protocol in ("udp", "tcp"):
            ec2.authorize_security_group_ingress(
                GroupId=dns_sg,
                IpPermissions=[
                    {
                        "IpProtocol": protocol,
                        "FromPort": 53,
                        "ToPort": 53,
                        "IpRanges": [{"CidrIp": f"{cidr_prefix}.0.0/16"}],
                    }
                ],
            )
        ec2.create_network_interface(
            SubnetId=data, Groups=[dns_sg], PrivateIpAddress=custom_dns, Description="dns"
        )
        dhcp = ec2.create_dhcp_options(
            DhcpConfigurations=[{"Key": "domain-name-servers", "Values": [custom_dns]}]
        )["DhcpOptions"]["DhcpOptionsId"]
        ec2.associate_dhcp_options(DhcpOptionsId=dhcp, VpcId=vpc_id)
        ids.update(dhcp=dhcp, dns_sg=dns_sg)
    return ids


def private_subnet(
    session: Any, vpc: dict[str, str], cidr: str, az: str, *, route_table: str | None = None
) -> str:
    """A function subnet on the VPC's private route table (or `route_table`)."""
    ec2 = session.client("ec2")
    subnet = ec2.create_subnet(VpcId=vpc["vpc"], CidrBlock=cidr, AvailabilityZone=az)["Subnet"][
        "SubnetId"
    ]
    ec2.associate_route_table(RouteTableId=route_table or vpc["private_rtb"], SubnetId=subnet)
    return str(subnet)


def make_function(
    session: Any,
    name: str,
    role: str,
    subnets: list[str],
    groups: list[str],
    tags: dict[str, str] | None = None,
) -> None:
    session.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": _zip()},
        VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": groups},
        Tags=tags or {},
    )


def build_fleet(session: Any) -> Fleet:
    """40 functions in 2 VPCs (shared subnets and security groups), faults planted:

    - dns-support-off (10, VPC A), two of them in one subnet only (single-az, 2)
    - no-nat-route (4): subnet b3's route table has no 0.0.0.0/0
    - subnet-full (4): b4 is a /28 whose addresses are all taken
    - dns-udp-blocked (4): b5's network ACL denies UDP 53 to the custom DNS server
    - role-no-eni (4): a role without the ENI permissions
    - healthy (14)
    """
    fleet = Fleet()
    ec2 = session.client("ec2")
    good = make_role(session, "fleet-good", ENI_ACTIONS + LOG_ACTIONS)
    no_eni = make_role(session, "fleet-no-eni", LOG_ACTIONS)
    fleet.roles.update(good=good, **{"no-eni": no_eni})

    a = make_vpc(session, "10.0", dns_support=False)
    b = make_vpc(session, "10.1", custom_dns=DNS_SERVER)
    fleet.vpcs.update(A=a["vpc"], B=b["vpc"])
    fleet.dhcp_options_id = b["dhcp"]
    fleet.dns_sg = b["dns_sg"]
    s = fleet.subnets
    s["a1"] = private_subnet(session, a, "10.0.1.0/24", AZS[0])
    s["a2"] = private_subnet(session, a, "10.0.2.0/24", AZS[1])
    s["b1"] = private_subnet(session, b, "10.1.1.0/24", AZS[0])
    s["b2"] = private_subnet(session, b, "10.1.2.0/24", AZS[1])
    no_nat = ec2.create_route_table(VpcId=b["vpc"])["RouteTable"]["RouteTableId"]
    fleet.route_tables["no-nat"] = no_nat
    s["b3"] = private_subnet(session, b, "10.1.3.0/24", AZS[2], route_table=no_nat)
    s["b4"] = private_subnet(session, b, "10.1.4.0/28", AZS[1])
    while ec2.describe_subnets(SubnetIds=[s["b4"]])["Subnets"][0]["AvailableIpAddressCount"] > 0:
        ec2.create_network_interface(SubnetId=s["b4"], Description="filler")
    s["b5"] = private_subnet(session, b, "10.1.5.0/24", AZS[2])
    acl = ec2.create_network_acl(VpcId=b["vpc"])["NetworkAcl"]["NetworkAclId"]
    for number, egress, action, protocol, ports, cidr in (
        (80, True, "deny", "17", (53, 53), f"{DNS_SERVER}/32"),
        (100, True, "allow", "-1", None, "0.0.0.0/0"),
        (100, False, "allow", "-1", None, "0.0.0.0/0"),
    ):
        entry: dict[str, Any] = {
            "NetworkAclId": acl,
            "RuleNumber": number,
            "Egress": egress,
            "RuleAction": action,
            "Protocol": protocol,
            "CidrBlock": cidr,
        }
        if ports:
            entry["PortRange"] = {"From": ports[0], "To": ports[1]}
        ec2.create_network_acl_entry(**entry)
    association = next(
        x
        for x in ec2.describe_network_acls(NetworkAclIds=[b["default_acl"]])["NetworkAcls"][0][
            "Associations"
        ]
        if x["SubnetId"] == s["b5"]
    )
    ec2.replace_network_acl_association(
        AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl
    )
    fleet.acls["dns-deny"] = acl

    plan: list[tuple[str, int, str, list[str], str]] = [
        ("single-az", 2, good, [s["a1"]], a["function_sg"]),
        ("dns-support-off", 8, good, [s["a1"], s["a2"]], a["function_sg"]),
        ("no-nat-route", 4, good, [s["b1"], s["b3"]], b["function_sg"]),
        ("subnet-full", 4, good, [s["b1"], s["b4"]], b["function_sg"]),
        ("dns-udp-blocked", 4, good, [s["b1"], s["b5"]], b["function_sg"]),
        ("role-no-eni", 4, no_eni, [s["b1"], s["b2"]], b["function_sg"]),
        ("healthy", 14, good, [s["b1"], s["b2"]], b["function_sg"]),
    ]
    for fault, count, role, subnets, group in plan:
        names = [f"{fault}-{i:02d}" for i in range(count)]
        for name in names:
            make_function(session, name, role, subnets, [group])
        fleet.functions[fault] = names
    return fleet


def build_scaled(session: Any, functions: int, vpcs: int) -> None:
    """`functions` healthy functions spread over `vpcs` VPCs (two subnets each), for the bench."""
    role = make_role(session, "bench-role", ENI_ACTIONS + LOG_ACTIONS)
    layouts = []
    for index in range(vpcs):
        vpc = make_vpc(session, f"10.{index}")
        first = private_subnet(session, vpc, f"10.{index}.1.0/24", AZS[0])
        second = private_subnet(session, vpc, f"10.{index}.2.0/24", AZS[1])
        layouts.append(([first, second], vpc["function_sg"]))
    for number in range(functions):
        subnets, group = layouts[number % vpcs]
        make_function(session, f"bench-{number:04d}", role, subnets, [group])
