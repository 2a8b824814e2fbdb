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


def update_vpc_config(
    function: str,
    subnet_ids: list[str],
    sg_ids: list[str],
    *,
    ipv6_allowed_for_dual_stack: bool | None = None,
) -> str:
    config = f"SubnetIds={','.join(subnet_ids)},SecurityGroupIds={','.join(sg_ids)}"
    if ipv6_allowed_for_dual_stack is not None:
        config += f",Ipv6AllowedForDualStack={str(ipv6_allowed_for_dual_stack).lower()}"
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


# ---------------------------------------------------------------------- ec2: routes


def route(
    route_table_id: str,
    destination: str,
    *,
    replace: bool = False,
    gateway_id: str | None = None,
    nat_gateway_id: str | None = None,
    transit_gateway_id: str | None = None,
    egress_only_internet_gateway_id: str | None = None,
    vpc_peering_connection_id: str | None = None,
    region: str | None = None,
) -> str:
    """`aws ec2 create-route` (or `replace-route`) for one destination and one target;
    `region` when the route table is in another region than the snapshot's."""
    targets = {
        "--gateway-id": gateway_id,
        "--nat-gateway-id": nat_gateway_id,
        "--transit-gateway-id": transit_gateway_id,
        "--egress-only-internet-gateway-id": egress_only_internet_gateway_id,
        "--vpc-peering-connection-id": vpc_peering_connection_id,
    }
    given = [f"{flag} {value}" for flag, value in targets.items() if value is not None]
    if len(given) != 1:
        raise ValueError("a route has exactly one target")
    verb = "replace-route" if replace else "create-route"
    family = "--destination-ipv6-cidr-block" if ":" in destination else "--destination-cidr-block"
    return (
        f"aws ec2 {verb} --route-table-id {route_table_id} {family} {destination} {given[0]}"
        + _region(region)
    )


def create_route_table(vpc_id: str) -> str:
    return f"aws ec2 create-route-table --vpc-id {vpc_id}"


def associate_route_table(route_table_id: str, subnet_id: str) -> str:
    return (
        f"aws ec2 associate-route-table --route-table-id {route_table_id} --subnet-id {subnet_id}"
    )


def replace_route_table_association(association_id: str, route_table_id: str) -> str:
    return (
        f"aws ec2 replace-route-table-association --association-id {association_id} "
        f"--route-table-id {route_table_id}"
    )


def create_nat_gateway(
    subnet_id: str = "PUBLIC_SUBNET_ID", allocation_id: str = "EIP_ALLOCATION_ID"
) -> str:
    return f"aws ec2 create-nat-gateway --subnet-id {subnet_id} --allocation-id {allocation_id}"


def associate_subnet_ipv6_cidr(subnet_id: str, ipv6_cidr: str = "IPV6_CIDR") -> str:
    return (
        f"aws ec2 associate-subnet-cidr-block --subnet-id {subnet_id} --ipv6-cidr-block {ipv6_cidr}"
    )


# ---------------------------------------------------------------------- ec2: VPC, DNS, ENIs

VPC_DNS_FLAGS = {
    "enableDnsSupport": "enable-dns-support",
    "enableDnsHostnames": "enable-dns-hostnames",
}


def enable_vpc_attribute(vpc_id: str, attribute: str, *, as_json: bool = False) -> str:
    """Turn on `enableDnsSupport` or `enableDnsHostnames` for a VPC (the value in the CLI's
    shorthand, or as JSON)."""
    value = shlex.quote('{"Value":true}') if as_json else "Value=true"
    return f"aws ec2 modify-vpc-attribute --vpc-id {vpc_id} --{VPC_DNS_FLAGS[attribute]} {value}"


def modify_vpc_tenancy_default(vpc_id: str) -> str:
    return f"aws ec2 modify-vpc-tenancy --vpc-id {vpc_id} --instance-tenancy default"


def create_dhcp_options_amazon_dns() -> str:
    return (
        "aws ec2 create-dhcp-options --dhcp-configurations "
        "Key=domain-name-servers,Values=AmazonProvidedDNS"
    )


def associate_dhcp_options(vpc_id: str, dhcp_options_id: str = "NEW_DHCP_OPTIONS_ID") -> str:
    return f"aws ec2 associate-dhcp-options --dhcp-options-id {dhcp_options_id} --vpc-id {vpc_id}"


def describe_network_interfaces(*filters: tuple[str, str], query: str | None = None) -> str:
    """`aws ec2 describe-network-interfaces` with (name, value) filters and a --query."""
    names = " ".join(f"Name={name},Values={value}" for name, value in filters)
    return f"aws ec2 describe-network-interfaces --filters {names}" + (
        f" --query {shlex.quote(query)}" if query else ""
    )


def enable_endpoint_private_dns(vpc_endpoint_id: str) -> str:
    return f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {vpc_endpoint_id} --private-dns-enabled"


def create_interface_endpoint(
    vpc_id: str, service_name: str, subnet_ids: list[str], sg_id: str = "ENDPOINT_SG_ID"
) -> str:
    subnets = " ".join(subnet_ids) or "SUBNET_ID"
    return (
        f"aws ec2 create-vpc-endpoint --vpc-id {vpc_id} --vpc-endpoint-type Interface "
        f"--service-name {service_name} --subnet-ids {subnets} "
        f"--security-group-ids {sg_id} --private-dns-enabled"
    )


# ---------------------------------------------------------------------- lambda, iam, quotas


def get_function_configuration(function: str, query: str) -> str:
    return (
        f"aws lambda get-function-configuration --function-name {shlex.quote(function)} "
        f"--query {shlex.quote(query)}"
    )


def invoke_function(function: str) -> str:
    return f"aws lambda invoke --function-name {shlex.quote(function)} /dev/null"


def attach_role_policy(role_name: str, policy_arn: str) -> str:
    return f"aws iam attach-role-policy --role-name {role_name} --policy-arn {policy_arn}"


def request_quota_increase(service_code: str, quota_code: str, desired_value: float) -> str:
    return (
        f"aws service-quotas request-service-quota-increase --service-code {service_code} "
        f"--quota-code {quota_code} --desired-value {desired_value}"
    )


# ---------------------------------------------------------------------- route 53


def associate_vpc_with_hosted_zone(
    region: str, vpc_id: str, hosted_zone_id: str = "HOSTED_ZONE_ID"
) -> str:
    return (
        f"aws route53 associate-vpc-with-hosted-zone --hosted-zone-id {hosted_zone_id} "
        f"--vpc VPCRegion={region},VPCId={vpc_id}"
    )


def list_resolver_rule_associations(vpc_id: str) -> str:
    return (
        f"aws route53resolver list-resolver-rule-associations --filters Name=VPCId,Values={vpc_id}"
    )


def _region(region: str | None) -> str:
    return f" --region {region}" if region else ""


# ---------------------------------------------------------------------- beyond: peering


def accept_vpc_peering(pcx_id: str, *, region: str | None = None) -> str:
    return f"aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id {pcx_id}" + _region(
        region
    )


def create_vpc_peering(
    vpc_id: str,
    peer_vpc_id: str,
    *,
    peer_owner_id: str | None = None,
    peer_region: str | None = None,
) -> str:
    owner = f" --peer-owner-id {peer_owner_id}" if peer_owner_id else ""
    region = f" --peer-region {peer_region}" if peer_region else ""
    return (
        f"aws ec2 create-vpc-peering-connection --vpc-id {vpc_id} --peer-vpc-id {peer_vpc_id}"
        f"{owner}{region}"
    )


def describe_vpc_peering(pcx_id: str) -> str:
    return f"aws ec2 describe-vpc-peering-connections --vpc-peering-connection-ids {pcx_id}"


def sg_ingress_from_cidr(
    group_id: str, protocol: str, port: int, cidr: str, *, region: str | None = None
) -> str:
    return (
        f"aws ec2 authorize-security-group-ingress --group-id {group_id} --protocol "
        f"{protocol} --port {port} --cidr {cidr}" + _region(region)
    )


# ---------------------------------------------------------------------- beyond: transit gateway


def accept_tgw_attachment(attachment_id: str) -> str:
    return (
        f"aws ec2 accept-transit-gateway-vpc-attachment --transit-gateway-attachment-id "
        f"{attachment_id}"
    )


def create_tgw_vpc_attachment(tgw_id: str, vpc_id: str, subnet_ids: list[str]) -> str:
    return (
        f"aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id {tgw_id} "
        f"--vpc-id {vpc_id} --subnet-ids {' '.join(subnet_ids)}"
    )


def add_tgw_attachment_subnet(attachment_id: str, subnet_id: str) -> str:
    return (
        f"aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id "
        f"{attachment_id} --add-subnet-ids {subnet_id}"
    )


def describe_tgw_attachment(attachment_id: str) -> str:
    return (
        f"aws ec2 describe-transit-gateway-attachments --transit-gateway-attachment-ids "
        f"{attachment_id}"
    )


def associate_tgw_route_table(tgw_route_table_id: str, attachment_id: str) -> str:
    return (
        f"aws ec2 associate-transit-gateway-route-table --transit-gateway-route-table-id "
        f"{tgw_route_table_id} --transit-gateway-attachment-id {attachment_id}"
    )


def tgw_route(
    tgw_route_table_id: str, destination_cidr: str, attachment_id: str, *, replace: bool = False
) -> str:
    """`aws ec2 create-transit-gateway-route` (or `replace-...`) to one attachment."""
    verb = "replace-transit-gateway-route" if replace else "create-transit-gateway-route"
    return (
        f"aws ec2 {verb} --transit-gateway-route-table-id {tgw_route_table_id} "
        f"--destination-cidr-block {destination_cidr} --transit-gateway-attachment-id "
        f"{attachment_id}"
    )


def enable_tgw_propagation(tgw_route_table_id: str, attachment_id: str) -> str:
    return (
        f"aws ec2 enable-transit-gateway-route-table-propagation "
        f"--transit-gateway-route-table-id {tgw_route_table_id} "
        f"--transit-gateway-attachment-id {attachment_id}"
    )


def describe_direct_connect_gateway(gateway_id: str) -> list[str]:
    """What to look at for a Direct Connect gateway that is not available (its state and the
    associations that tie it to the transit gateway)."""
    return [
        "aws directconnect describe-direct-connect-gateways "
        f"--direct-connect-gateway-id {gateway_id}",
        "aws directconnect describe-direct-connect-gateway-associations "
        f"--direct-connect-gateway-id {gateway_id}",
    ]


def vgw_direct_connect_association(
    gateway_id: str, vpn_gateway_id: str, *, create: bool
) -> list[str]:
    """A vgw-…'s Direct Connect gateway association that is not `associated`: look at it, and
    (when it is gone: disassociated) associate the gateway again."""
    commands = [
        "aws directconnect describe-direct-connect-gateway-associations "
        f"--virtual-gateway-id {vpn_gateway_id}"
    ]
    if create:
        commands.append(
            "aws directconnect create-direct-connect-gateway-association "
            f"--direct-connect-gateway-id {gateway_id} --virtual-gateway-id {vpn_gateway_id}"
        )
    return commands


# ---------------------------------------------------------------------- beyond: VPN


def describe_vpn_telemetry(vpn_connection_id: str) -> str:
    return (
        f"aws ec2 describe-vpn-connections --vpn-connection-ids {vpn_connection_id} --query "
        + shlex.quote("VpnConnections[0].VgwTelemetry")
    )


def vpn_device_sample_configuration(vpn_connection_id: str) -> str:
    return (
        f"aws ec2 get-vpn-connection-device-sample-configuration --vpn-connection-id "
        f"{vpn_connection_id} --vpn-connection-device-type-id DEVICE_TYPE_ID"
    )


def create_vpn_connection(
    customer_gateway_id: str,
    *,
    vpn_gateway_id: str | None = None,
    transit_gateway_id: str | None = None,
) -> str:
    """`aws ec2 create-vpn-connection` to a virtual private gateway or a transit gateway."""
    gateway = (
        f"--vpn-gateway-id {vpn_gateway_id}"
        if vpn_gateway_id
        else f"--transit-gateway-id {transit_gateway_id}"
    )
    return (
        f"aws ec2 create-vpn-connection --type ipsec.1 {gateway} "
        f"--customer-gateway-id {customer_gateway_id}"
    )


# ---------------------------------------------------------------------- beyond: Route 53 Resolver


def get_resolver_rule(resolver_rule_id: str) -> str:
    return f"aws route53resolver get-resolver-rule --resolver-rule-id {resolver_rule_id}"


def update_resolver_rule_targets(resolver_rule_id: str) -> str:
    return (
        f"aws route53resolver update-resolver-rule --resolver-rule-id {resolver_rule_id} "
        "--config " + shlex.quote("TargetIps=[{Ip=DNS_SERVER_IP,Port=53}]")
    )


def remove_firewall_domain(firewall_domain_list_id: str, domain: str) -> str:
    return (
        f"aws route53resolver update-firewall-domains --firewall-domain-list-id "
        f"{firewall_domain_list_id} --operation REMOVE --domains {shlex.quote(domain)}"
    )
