"""Reaching AWS services: interface endpoints (private DNS, their SGs), gateway endpoints, NAT."""

from __future__ import annotations

from tests.collector.paths.builder import FN_A, FN_B, FN_SG, NAT, T, healthy, route, sg_rule, table
from vpcprobe_collector.paths.endpoints import REPRESENTATIVE_PUBLIC_ADDRESS, service_access
from vpcprobe_collector.paths.model import HopKind, Verdict
from vpcprobe_collector.snapshot.model import (
    NetworkInterface,
    PrefixList,
    SecurityGroup,
    VpcEndpoint,
    VpcSnapshot,
)

LOGS = "com.amazonaws.us-east-1.logs"


def _logs_endpoint(snapshot: VpcSnapshot, *, private_dns: bool = True, port: int = 443) -> None:
    snapshot.vpc_endpoints.append(
        VpcEndpoint(
            vpc_endpoint_id="vpce-0logs",
            vpc_id="vpc-0a",
            service_name=LOGS,
            endpoint_type="Interface",
            state="available",
            private_dns_enabled=private_dns,
            subnet_ids=[FN_A, FN_B],
            security_group_ids=["sg-0vpce"],
            network_interface_ids=["eni-0vpce-a", "eni-0vpce-b"],
        )
    )
    for eni_id, subnet, address in (
        ("eni-0vpce-a", FN_A, "10.0.1.99"),
        ("eni-0vpce-b", FN_B, "10.0.2.99"),
    ):
        # The ENI read leaves the groups out: the endpoint's groups apply.
        snapshot.network_interfaces.append(
            NetworkInterface(
                network_interface_id=eni_id,
                subnet_id=subnet,
                interface_type="vpc_endpoint",
                private_ip_addresses=[address],
            )
        )
    snapshot.security_groups.append(
        SecurityGroup(group_id="sg-0vpce", ingress=[sg_rule("10.0.0.0/16", "tcp", (port, port))])
    )


def _no_nat(snapshot: VpcSnapshot) -> None:
    table(snapshot, "rtb-0priv").routes = [
        r for r in table(snapshot, "rtb-0priv").routes if r.target_id != NAT
    ]


def test_interface_endpoint_with_private_dns_is_used_from_each_az() -> None:
    snapshot = healthy()
    _no_nat(snapshot)
    _logs_endpoint(snapshot)
    access = service_access(snapshot, "logs")
    assert access.service_name == LOGS
    assert (access.verdict, access.resolves_to) == (Verdict.REACHABLE, "endpoint")
    assert access.interface_endpoint_id == "vpce-0logs"
    assert [(s.subnet_id, s.via, s.address) for s in access.subnets] == [
        (FN_A, "interface_endpoint", "10.0.1.99"),
        (FN_B, "interface_endpoint", "10.0.2.99"),
    ]
    result = access.subnets[0].result
    assert result is not None
    assert result.hops[1].kind is HopKind.VPC_ENDPOINT


def test_interface_endpoint_security_group_without_443_blocks() -> None:
    snapshot = healthy()
    _logs_endpoint(snapshot, port=80)
    access = service_access(snapshot, "logs")
    assert access.verdict is Verdict.BLOCKED
    assert access.decided_by is not None
    assert access.decided_by.kind is HopKind.TARGET_SECURITY_GROUP_INGRESS
    assert access.decided_by.component_id == "sg-0vpce"
    assert "eni-0vpce-a" in access.decided_by.detail


def test_interface_endpoint_with_private_dns_off_falls_back_to_the_public_path() -> None:
    snapshot = healthy()
    _no_nat(snapshot)
    _logs_endpoint(snapshot, private_dns=False)
    access = service_access(snapshot, "logs")
    assert (access.resolves_to, access.private_dns_enabled) == ("public", False)
    assert any("private DNS off" in n for n in access.notes)
    assert access.verdict is Verdict.BLOCKED
    assert access.decided_by is not None
    assert (access.decided_by.component_id, access.decided_by.rule) == (
        "rtb-0priv",
        f"no route to {REPRESENTATIVE_PUBLIC_ADDRESS}",
    )
    assert access.subnets[0].via == "public"


def test_private_dns_needs_both_vpc_dns_attributes() -> None:
    snapshot = healthy()
    _logs_endpoint(snapshot)
    assert snapshot.vpc is not None
    snapshot.vpc.enable_dns_hostnames = False
    access = service_access(snapshot, "logs")
    assert access.resolves_to == "public"
    assert any("enableDnsHostnames off" in n for n in access.notes)
    assert access.verdict is Verdict.LEAVES_VPC  # the NAT path still works
    assert {s.via for s in access.subnets} == {"public"}


def test_no_endpoint_uses_the_nat_path() -> None:
    access = service_access(healthy(), "sts")
    assert access.service_name == "com.amazonaws.us-east-1.sts"
    assert access.verdict is Verdict.LEAVES_VPC
    assert access.interface_endpoint_id is None and access.gateway_endpoint_id is None
    result = access.subnets[0].result
    assert result is not None
    assert any(h.kind is HopKind.NAT_GATEWAY for h in result.hops)


def test_no_endpoint_and_no_nat_is_blocked_at_the_route_table() -> None:
    snapshot = healthy()
    _no_nat(snapshot)
    access = service_access(snapshot, "sts")
    assert access.verdict is Verdict.BLOCKED
    assert access.decided_by is not None and access.decided_by.component_id == "rtb-0priv"


def test_gateway_endpoint_for_s3_through_the_route_table() -> None:
    snapshot = healthy()
    _no_nat(snapshot)
    snapshot.prefix_lists.append(
        PrefixList(
            prefix_list_id="pl-63a5400a",
            name="com.amazonaws.us-east-1.s3",
            cidrs=["52.216.0.0/15", "54.231.0.0/16"],
        )
    )
    snapshot.vpc_endpoints.append(
        VpcEndpoint(
            vpc_endpoint_id="vpce-0s3",
            vpc_id="vpc-0a",
            service_name="com.amazonaws.us-east-1.s3",
            endpoint_type="Gateway",
            state="available",
            route_table_ids=["rtb-0priv"],
        )
    )
    table(snapshot, "rtb-0priv").routes.append(route("pl-63a5400a", T.GATEWAY_ENDPOINT, "vpce-0s3"))
    access = service_access(snapshot, "s3")
    assert access.verdict is Verdict.LEAVES_VPC
    assert access.gateway_endpoint_id == "vpce-0s3"
    assert [(s.via, s.endpoint_id) for s in access.subnets] == [
        ("gateway_endpoint", "vpce-0s3"),
        ("gateway_endpoint", "vpce-0s3"),
    ]
    assert access.subnets[0].address == "52.216.0.1"
    # The function's egress must allow the S3 addresses too.
    snapshot.security_groups[0].egress = [sg_rule("10.0.0.0/16")]
    blocked = service_access(snapshot, "s3")
    assert blocked.verdict is Verdict.BLOCKED
    assert blocked.decided_by is not None and blocked.decided_by.component_id == FN_SG


def test_pending_interface_endpoint_is_not_used() -> None:
    snapshot = healthy()
    _no_nat(snapshot)
    _logs_endpoint(snapshot)
    snapshot.vpc_endpoints[0].state = "pending"
    access = service_access(snapshot, "logs")
    assert access.resolves_to == "public"
    assert any("vpce-0logs is pending" in n for n in access.notes)
    assert access.verdict is Verdict.BLOCKED
    assert access.decided_by is not None and access.decided_by.component_id == "rtb-0priv"
