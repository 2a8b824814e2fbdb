"""Exact `aws ...` commands with the real IDs filled in, shared by the rules."""

from __future__ import annotations

import ipaddress
import shlex

from vpcprobe_collector.snapshot.model import NetworkAcl

NACL_PROTOCOLS = {"tcp": "6", "udp": "17"}


def host_cidr(address: str) -> str:
    """10.2.3.4 -> 10.2.3.4/32; 2001:db8::1 -> 2001:db8::1/128."""
    ip = ipaddress.ip_address(address)
    return f"{ip}/{ip.max_prefixlen}"


def sg_egress_to_address(group_id: str, protocol: str, port: int, address: str) -> str:
    ranges = "Ipv6Ranges=[{CidrIpv6=%s}]" if ":" in address else "IpRanges=[{CidrIp=%s}]"
    perms = f"IpProtocol={protocol},FromPort={port},ToPort={port}," + ranges % host_cidr(address)
    return (
        f"aws ec2 authorize-security-group-egress --group-id {group_id} "
        f"--ip-permissions {shlex.quote(perms)}"
    )


def sg_ingress_from_group(group_id: str, protocol: str, port: int, source_group: str) -> str:
    perms = (
        f"IpProtocol={protocol},FromPort={port},ToPort={port},"
        f"UserIdGroupPairs=[{{GroupId={source_group}}}]"
    )
    return (
        f"aws ec2 authorize-security-group-ingress --group-id {group_id} "
        f"--ip-permissions {shlex.quote(perms)}"
    )


def free_rule_number(acl: NetworkAcl | None, egress: bool, below: int) -> int:
    """The highest unused rule number below `below` in that direction (so it is evaluated first)."""
    used = {e.rule_number for e in acl.entries if e.egress == egress} if acl else set()
    number = min(below - 1, 32766)
    while number > 0 and number in used:
        number -= 1
    return max(number, 1)


def nacl_allow(
    acl_id: str,
    *,
    rule_number: int,
    egress: bool,
    protocol: str,
    port_from: int,
    port_to: int,
    cidr: str,
    replace: bool = False,
) -> str:
    verb = "replace-network-acl-entry" if replace else "create-network-acl-entry"
    direction = "--egress" if egress else "--ingress"
    family = "--ipv6-cidr-block" if ":" in cidr else "--cidr-block"
    return (
        f"aws ec2 {verb} --network-acl-id {acl_id} --rule-number {rule_number} {direction} "
        f"--protocol {NACL_PROTOCOLS.get(protocol, protocol)} "
        f"--port-range From={port_from},To={port_to} {family} {cidr} --rule-action allow"
    )


def create_default_route(route_table_id: str, *, nat_gateway_id: str, replace: bool = False) -> str:
    verb = "replace-route" if replace else "create-route"
    return (
        f"aws ec2 {verb} --route-table-id {route_table_id} "
        f"--destination-cidr-block 0.0.0.0/0 --nat-gateway-id {nat_gateway_id}"
    )


def update_vpc_config(function: str, subnet_ids: list[str], sg_ids: list[str]) -> str:
    config = f"SubnetIds={','.join(subnet_ids)},SecurityGroupIds={','.join(sg_ids)}"
    return (
        f"aws lambda update-function-configuration --function-name {shlex.quote(function)} "
        f"--vpc-config {config}"
    )


def create_vpc_endpoint(
    vpc_id: str,
    service_name: str,
    *,
    gateway: bool,
    route_table_ids: list[str],
    subnet_ids: list[str],
    security_group_id: str = "ENDPOINT_SG_ID",
) -> str:
    """A gateway endpoint on these route tables, or an interface endpoint with private DNS in
    these subnets (its security group must allow TCP 443 from the function)."""
    base = f"aws ec2 create-vpc-endpoint --vpc-id {vpc_id} --service-name {service_name} "
    if gateway:
        return base + f"--vpc-endpoint-type Gateway --route-table-ids {' '.join(route_table_ids)}"
    return base + (
        f"--vpc-endpoint-type Interface --subnet-ids {' '.join(subnet_ids)} "
        f"--security-group-ids {security_group_id} --private-dns-enabled"
    )


def add_gateway_endpoint_route_table(endpoint_id: str, route_table_id: str) -> str:
    """Put an existing gateway endpoint on one more route table."""
    return (
        f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {endpoint_id} "
        f"--add-route-table-ids {route_table_id}"
    )


def rerun_diagnose(function: str, targets: list[str], invocations: int = 10) -> str:
    """The diagnose command that samples more execution environments for these targets."""
    wanted = " ".join(f"--target {shlex.quote(t)}" for t in targets)
    return f"vpcprobe diagnose {shlex.quote(function)} {wanted} --invocations {invocations}"
