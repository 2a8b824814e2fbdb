"""Seeds an AWS API stand-in (moto) with the demo account: the brief's broken DNS, plus a NAT gap.

The VPC `orders` (10.20.0.0/16) uses a DHCP options set whose only DNS server, 10.20.1.10, does
not answer. Function `orders-api` runs in two private subnets: `private-a` routes 0.0.0.0/0 to a
NAT gateway, `private-b` has no such route. The database at 10.20.2.25 allows 5432 from the
function's security group.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

FUNCTION_NAME = "orders-api"
VPC_CIDR = "10.20.0.0/16"
DNS_SERVER_IP = "10.20.1.10"
DB_IP = "10.20.2.25"
DOMAIN = "corp.internal"
DB_NAME = f"db.{DOMAIN}"
TARGETS = (f"{DB_NAME}:5432=orders-db", "api.payments.example:443=payments-api")

_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
_ENI_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DeleteNetworkInterface",
            ],
            "Resource": "*",
        }
    ],
}


@dataclass
class DemoIds:
    """The IDs the seeded account got, for the demo's closing explanation."""

    vpc_id: str = ""
    dhcp_options_id: str = ""
    subnets: dict[str, str] = field(default_factory=dict)
    route_tables: dict[str, str] = field(default_factory=dict)
    security_groups: dict[str, str] = field(default_factory=dict)
    nat_gateway_id: str = ""
    function_arn: str = ""


def _tag(kind: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def seed(session: Any, endpoint_url: str | None = None) -> DemoIds:
    """Create the demo account's VPC, network and function; return their IDs."""
    ec2 = session.client("ec2", endpoint_url=endpoint_url)
    iam = session.client("iam", endpoint_url=endpoint_url)
    lam = session.client("lambda", endpoint_url=endpoint_url)
    ids = DemoIds()

    ids.vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=_tag("vpc", "orders"))["Vpc"][
        "VpcId"
    ]
    ec2.modify_vpc_attribute(VpcId=ids.vpc_id, EnableDnsHostnames={"Value": True})
    ids.dhcp_options_id = ec2.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name-servers", "Values": [DNS_SERVER_IP]},
            {"Key": "domain-name", "Values": [DOMAIN]},
        ],
        TagSpecifications=_tag("dhcp-options", "corp-dns"),
    )["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=ids.dhcp_options_id, VpcId=ids.vpc_id)

    for name, cidr, zone in (
        ("public", "10.20.0.0/24", "us-east-1a"),
        ("shared-services", "10.20.1.0/24", "us-east-1a"),
        ("data", "10.20.2.0/24", "us-east-1a"),
        ("private-a", "10.20.10.0/24", "us-east-1a"),
        ("private-b", "10.20.11.0/24", "us-east-1b"),
    ):
        ids.subnets[name] = ec2.create_subnet(
            VpcId=ids.vpc_id,
            CidrBlock=cidr,
            AvailabilityZone=zone,
            TagSpecifications=_tag("subnet", name),
        )["Subnet"]["SubnetId"]

    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=ids.vpc_id)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ids.nat_gateway_id = ec2.create_nat_gateway(
        SubnetId=ids.subnets["public"], AllocationId=allocation
    )["NatGateway"]["NatGatewayId"]

    routes: dict[str, dict[str, str]] = {
        "public": {"GatewayId": igw},
        "private-a": {"NatGatewayId": ids.nat_gateway_id},
        "private-b": {},  # the mistake: no default route to the NAT gateway
    }
    for name, target in routes.items():
        table = ec2.create_route_table(
            VpcId=ids.vpc_id, TagSpecifications=_tag("route-table", f"rtb-{name}")
        )["RouteTable"]["RouteTableId"]
        if target:
            ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **target)
        ec2.associate_route_table(RouteTableId=table, SubnetId=ids.subnets[name])
        ids.route_tables[name] = table

    function_sg = _security_group(ec2, ids.vpc_id, "orders-api-fn")
    dns_sg = _security_group(ec2, ids.vpc_id, "corp-dns")
    db_sg = _security_group(ec2, ids.vpc_id, "orders-db")
    ids.security_groups = {"function": function_sg, "dns": dns_sg, "db": db_sg}
    for protocol in ("udp", "tcp"):
        ec2.authorize_security_group_ingress(
            GroupId=dns_sg,
            IpPermissions=[
                {
                    "IpProtocol": protocol,
                    "FromPort": 53,
                    "ToPort": 53,
                    "IpRanges": [{"CidrIp": VPC_CIDR}],
                }
            ],
        )
    ec2.authorize_security_group_ingress(
        GroupId=db_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": function_sg}],
            }
        ],
    )
    ec2.create_network_interface(
        SubnetId=ids.subnets["shared-services"],
        PrivateIpAddress=DNS_SERVER_IP,
        Groups=[dns_sg],
        Description="corp DNS server",
    )
    ec2.create_network_interface(
        SubnetId=ids.subnets["data"],
        PrivateIpAddress=DB_IP,
        Groups=[db_sg],
        Description="orders DB",
    )

    role = iam.create_role(RoleName="orders-api-role", AssumeRolePolicyDocument=json.dumps(_TRUST))
    iam.put_role_policy(
        RoleName="orders-api-role", PolicyName="eni", PolicyDocument=json.dumps(_ENI_POLICY)
    )
    ids.function_arn = lam.create_function(
        FunctionName=FUNCTION_NAME,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": _tiny_zip()},
        MemorySize=512,
        Timeout=15,
        VpcConfig={
            "SubnetIds": [ids.subnets["private-a"], ids.subnets["private-b"]],
            "SecurityGroupIds": [function_sg],
        },
    )["FunctionArn"]
    return ids


def _security_group(ec2: Any, vpc_id: str, name: str) -> str:
    group_id: str = ec2.create_security_group(
        GroupName=name, Description=f"{name} (vpcprobe demo)", VpcId=vpc_id
    )["GroupId"]
    return group_id


def _tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buffer.getvalue()
