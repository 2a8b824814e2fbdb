"""Readers' field mapping from AWS's documented shapes (checked against botocore's models)."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from vpcprobe_collector.snapshot.model import RouteTargetType
from vpcprobe_collector.snapshot.readers.ec2_network import (
    nacl_entry_from_aws,
    nat_gateway_from_aws,
    network_interface_from_aws,
    route_from_aws,
    sg_rules_from_aws,
    subnet_from_aws,
    vpc_endpoint_from_aws,
)
from vpcprobe_collector.snapshot.readers.lambda_reader import function_from_aws

_SESSION = botocore.session.get_session()


def aws_shaped(service: str, shape: str, item: dict[str, Any]) -> dict[str, Any]:
    """`item`, after checking each key is a member of botocore's `shape` (no invented fields)."""
    members = set(_SESSION.get_service_model(service).shape_for(shape).members)
    assert set(item) <= members, set(item) - members
    return item


@pytest.mark.parametrize(
    ("route", "kind", "target"),
    [
        ({"GatewayId": "local"}, RouteTargetType.LOCAL, "local"),
        ({"GatewayId": "igw-0a1"}, RouteTargetType.INTERNET_GATEWAY, "igw-0a1"),
        ({"GatewayId": "vpce-0b2"}, RouteTargetType.GATEWAY_ENDPOINT, "vpce-0b2"),
        ({"GatewayId": "vgw-0c3"}, RouteTargetType.VIRTUAL_PRIVATE_GATEWAY, "vgw-0c3"),
        ({"NatGatewayId": "nat-0d4"}, RouteTargetType.NAT_GATEWAY, "nat-0d4"),
        ({"TransitGatewayId": "tgw-0e5"}, RouteTargetType.TRANSIT_GATEWAY, "tgw-0e5"),
        ({"VpcPeeringConnectionId": "pcx-0f6"}, RouteTargetType.PEERING, "pcx-0f6"),
        (
            {"EgressOnlyInternetGatewayId": "eigw-07"},
            RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY,
            "eigw-07",
        ),
        (
            {"InstanceId": "i-08", "NetworkInterfaceId": "eni-08", "InstanceOwnerId": "1"},
            RouteTargetType.INSTANCE,
            "i-08",
        ),
        ({"NetworkInterfaceId": "eni-09"}, RouteTargetType.NETWORK_INTERFACE, "eni-09"),
        ({"LocalGatewayId": "lgw-10"}, RouteTargetType.LOCAL_GATEWAY, "lgw-10"),
        ({"CarrierGatewayId": "cagw-11"}, RouteTargetType.CARRIER_GATEWAY, "cagw-11"),
    ],
)
def test_route_targets(route: dict[str, Any], kind: RouteTargetType, target: str) -> None:
    item = aws_shaped(
        "ec2", "Route", {"DestinationCidrBlock": "10.9.0.0/16", "State": "active", **route}
    )
    mapped = route_from_aws(item)
    assert (mapped.target_type, mapped.target_id, mapped.destination) == (
        kind,
        target,
        "10.9.0.0/16",
    )


def test_blackhole_ipv6_and_prefix_list_destinations() -> None:
    blackhole = route_from_aws(
        aws_shaped(
            "ec2",
            "Route",
            {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-0d4", "State": "blackhole"},
        )
    )
    assert blackhole.state == "blackhole"
    v6 = route_from_aws(
        aws_shaped(
            "ec2",
            "Route",
            {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-07"},
        )
    )
    assert (v6.destination_ipv6_cidr, v6.destination_cidr) == ("::/0", None)
    s3 = route_from_aws(
        aws_shaped(
            "ec2",
            "Route",
            {"DestinationPrefixListId": "pl-63a5400a", "GatewayId": "vpce-0b2", "State": "active"},
        )
    )
    assert (s3.destination, s3.target_type) == ("pl-63a5400a", RouteTargetType.GATEWAY_ENDPOINT)


def test_nacl_entry_port_range_and_all_ports() -> None:
    ranged = nacl_entry_from_aws(
        aws_shaped(
            "ec2",
            "NetworkAclEntry",
            {
                "RuleNumber": 90,
                "Egress": False,
                "Protocol": "6",
                "RuleAction": "deny",
                "CidrBlock": "10.0.10.0/24",
                "PortRange": {"From": 1024, "To": 32767},
            },
        )
    )
    assert (ranged.rule_number, ranged.egress, ranged.protocol, ranged.rule_action) == (
        90,
        False,
        "6",
        "deny",
    )
    assert (ranged.port_from, ranged.port_to) == (1024, 32767)
    every = nacl_entry_from_aws(
        aws_shaped(
            "ec2",
            "NetworkAclEntry",
            {
                "RuleNumber": 100,
                "Egress": True,
                "Protocol": "-1",
                "RuleAction": "allow",
                "Ipv6CidrBlock": "::/0",
            },
        )
    )
    assert (every.port_from, every.port_to, every.ipv6_cidr_block) == (None, None, "::/0")


def test_security_group_permission_is_flattened_per_peer() -> None:
    permission = aws_shaped(
        "ec2",
        "IpPermission",
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "vpc"}],
            "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
            "PrefixListIds": [{"PrefixListId": "pl-0a"}],
            "UserIdGroupPairs": [{"GroupId": "sg-0b", "UserId": "210987654321"}],
        },
    )
    rules = sg_rules_from_aws(permission)
    assert [(r.peer_kind, r.peer, r.from_port, r.to_port) for r in rules] == [
        ("cidr_ipv4", "10.0.0.0/16", 443, 443),
        ("cidr_ipv6", "2001:db8::/32", 443, 443),
        ("prefix_list", "pl-0a", 443, 443),
        ("security_group", "sg-0b", 443, 443),
    ]
    assert rules[0].description == "vpc"
    assert rules[3].peer_owner_id == "210987654321"
    everything = sg_rules_from_aws(
        {"IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    )
    assert [(r.protocol, r.from_port, r.to_port) for r in everything] == [("-1", None, None)]


def test_nat_gateway_failure_and_addresses() -> None:
    nat = nat_gateway_from_aws(
        aws_shaped(
            "ec2",
            "NatGateway",
            {
                "NatGatewayId": "nat-0d4",
                "State": "failed",
                "SubnetId": "subnet-1",
                "VpcId": "vpc-1",
                "FailureCode": "Gateway.NotAttached",
                "FailureMessage": "Network vpc-1 has no Internet gateway attached",
                "NatGatewayAddresses": [{"PrivateIp": "10.0.0.9", "PublicIp": "198.51.100.7"}],
                "ConnectivityType": "public",
            },
        )
    )
    assert (nat.state, nat.failure_code, nat.private_ips, nat.public_ips) == (
        "failed",
        "Gateway.NotAttached",
        ["10.0.0.9"],
        ["198.51.100.7"],
    )


def test_lambda_eni_and_endpoint_shapes() -> None:
    eni = network_interface_from_aws(
        aws_shaped(
            "ec2",
            "NetworkInterface",
            {
                "NetworkInterfaceId": "eni-0l",
                "InterfaceType": "lambda",
                "Description": "AWS Lambda VPC ENI-orders-api-1234",
                "SubnetId": "subnet-1",
                "VpcId": "vpc-1",
                "Status": "in-use",
                "PrivateIpAddress": "10.0.1.77",
                "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.77", "Primary": True}],
                "Ipv6Addresses": [{"Ipv6Address": "2001:db8:0:1::77"}],
                "Groups": [{"GroupId": "sg-f", "GroupName": "fn"}],
                "RequesterId": "AROAEXAMPLE:orders-api",
            },
        )
    )
    assert eni.interface_type == "lambda"
    assert eni.private_ip_addresses == ["10.0.1.77"]
    assert eni.ipv6_addresses == ["2001:db8:0:1::77"]
    assert eni.security_group_ids == ["sg-f"]
    endpoint = vpc_endpoint_from_aws(
        aws_shaped(
            "ec2",
            "VpcEndpoint",
            {
                "VpcEndpointId": "vpce-0s3",
                "VpcEndpointType": "Gateway",
                "VpcId": "vpc-1",
                "ServiceName": "com.amazonaws.us-east-1.s3",
                "State": "available",
                "RouteTableIds": ["rtb-1"],
            },
        )
    )
    assert (endpoint.endpoint_type, endpoint.route_table_ids, endpoint.private_dns_enabled) == (
        "Gateway",
        ["rtb-1"],
        False,
    )


def test_subnet_ipv6_association_states() -> None:
    subnet = subnet_from_aws(
        aws_shaped(
            "ec2",
            "Subnet",
            {
                "SubnetId": "subnet-1",
                "VpcId": "vpc-1",
                "CidrBlock": "10.0.1.0/24",
                "AvailableIpAddressCount": 0,
                "Ipv6CidrBlockAssociationSet": [
                    {
                        "Ipv6CidrBlock": "2001:db8:0:1::/64",
                        "Ipv6CidrBlockState": {"State": "associated"},
                    },
                    {
                        "Ipv6CidrBlock": "2001:db8:0:2::/64",
                        "Ipv6CidrBlockState": {"State": "disassociated"},
                    },
                ],
            },
        )
    )
    assert subnet.ipv6_cidr_blocks == ["2001:db8:0:1::/64"]
    assert subnet.available_ip_address_count == 0


def test_function_states_reason_codes_and_concurrency() -> None:
    response = aws_shaped(
        "lambda",
        "GetFunctionResponse",
        {
            "Configuration": aws_shaped(
                "lambda",
                "FunctionConfiguration",
                {
                    "FunctionName": "orders-api",
                    "FunctionArn": "arn:aws:lambda:eu-west-1:123456789012:function:orders-api",
                    "State": "Failed",
                    "StateReason": "The subnet has an unsupported availability zone.",
                    "StateReasonCode": "InvalidSubnet",
                    "LastUpdateStatus": "Failed",
                    "LastUpdateStatusReasonCode": "SubnetOutOfIPAddresses",
                    "VpcConfig": {
                        "SubnetIds": ["subnet-1"],
                        "SecurityGroupIds": ["sg-1"],
                        "VpcId": "vpc-1",
                        "Ipv6AllowedForDualStack": True,
                    },
                    "Layers": [{"Arn": "arn:aws:lambda:eu-west-1:123456789012:layer:vpcprobe:3"}],
                    "LoggingConfig": {"LogGroup": "/custom/orders"},
                    "Environment": {"Variables": {"B": "secret", "A": "x"}},
                },
            ),
            "Concurrency": {"ReservedConcurrentExecutions": 0},
            "Tags": {"team": "orders"},
        },
    )
    function = function_from_aws(response)
    assert (function.state, function.state_reason_code) == ("Failed", "InvalidSubnet")
    assert function.last_update_status_reason_code == "SubnetOutOfIPAddresses"
    assert function.reserved_concurrency == 0
    assert function.log_group == "/custom/orders"
    assert function.environment_variable_names == ["A", "B"]
    assert "secret" not in function.model_dump_json()
    assert function.vpc_config is not None and function.vpc_config.ipv6_allowed_for_dual_stack
    assert function.layers == ["arn:aws:lambda:eu-west-1:123456789012:layer:vpcprobe:3"]
    assert function.tags == {"team": "orders"}
