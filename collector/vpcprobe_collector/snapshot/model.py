"""VpcSnapshot: everything a function's traffic depends on, as read from the AWS APIs.

Facts only, in AWS's terms, snake_case. Readers fill it; path evaluation and rules read it.
A snapshot saved as JSON can be re-analysed offline, later, by someone without access.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

SNAPSHOT_SCHEMA_VERSION: Literal[1] = 1


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------- bookkeeping


class ApiCall(_Fact):
    """One AWS API call the snapshot made (each page counts as one call)."""

    api: str  # "ec2:DescribeSubnets"
    ok: bool
    error_code: str | None = None


# The error_code of a read whose answer lacked what AWS always sends (an HTML page, `{}`, a
# body without its result wrapper or request ID): recorded as a skipped read, never as empty.
MALFORMED_RESPONSE = "MalformedResponse"
# RemoteVpc.error_code when its account is not the collector's and no role was given for it:
# no read was tried (vpcprobe's own code, like MALFORMED_RESPONSE).
NO_ROLE = "NoRoleForAccount"


class SkippedRead(_Fact):
    """A read that failed; what depends on it is `unknown`, never clean."""

    api: str  # "ec2:DescribeNetworkAcls"
    error_code: str  # "UnauthorizedOperation", "AccessDenied", "Throttling", "NotFound", ...
    message: str
    resource_ids: list[str] = Field(default_factory=list)

    @property
    def reason(self) -> str:
        return f"{self.error_code} on {self.api}"


# ---------------------------------------------------------------------------- function


class FunctionVpcConfig(_Fact):
    vpc_id: str | None = None
    subnet_ids: list[str] = Field(default_factory=list)
    security_group_ids: list[str] = Field(default_factory=list)
    ipv6_allowed_for_dual_stack: bool = False


class FunctionInfo(_Fact):
    """lambda:GetFunction (+ GetFunctionConcurrency): the suspect function."""

    name: str
    arn: str
    role_arn: str | None = None
    runtime: str | None = None
    handler: str | None = None
    package_type: str | None = None
    architectures: list[str] = Field(default_factory=list)
    memory_mb: int | None = None
    timeout_s: int | None = None
    state: str | None = None  # Pending | Active | Inactive | Failed
    state_reason: str | None = None
    state_reason_code: str | None = None
    last_update_status: str | None = None
    last_update_status_reason: str | None = None
    last_update_status_reason_code: str | None = None
    reserved_concurrency: int | None = None
    vpc_config: FunctionVpcConfig | None = None
    layers: list[str] = Field(default_factory=list)
    environment_variable_names: list[str] = Field(default_factory=list)  # names only, never values
    log_group: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


# ---------------------------------------------------------------------------- VPC


class DhcpOptions(_Fact):
    dhcp_options_id: str
    domain_name_servers: list[str] = Field(default_factory=list)  # IPs or "AmazonProvidedDNS"
    domain_name: str | None = None
    configurations: dict[str, list[str]] = Field(default_factory=dict)


class Vpc(_Fact):
    vpc_id: str
    cidr_blocks: list[str] = Field(default_factory=list)
    ipv6_cidr_blocks: list[str] = Field(default_factory=list)
    instance_tenancy: str | None = None  # default | dedicated | host
    enable_dns_support: bool | None = None  # None: attribute could not be read
    enable_dns_hostnames: bool | None = None
    dhcp_options_id: str | None = None
    is_default: bool = False
    owner_id: str | None = None


class Subnet(_Fact):
    subnet_id: str
    vpc_id: str
    cidr_block: str | None = None
    ipv6_cidr_blocks: list[str] = Field(default_factory=list)
    ipv6_native: bool = False
    availability_zone: str | None = None
    availability_zone_id: str | None = None
    available_ip_address_count: int | None = None
    map_public_ip_on_launch: bool = False
    state: str | None = None


class RouteTargetType(StrEnum):
    LOCAL = "local"
    INTERNET_GATEWAY = "internet_gateway"
    EGRESS_ONLY_INTERNET_GATEWAY = "egress_only_internet_gateway"
    NAT_GATEWAY = "nat_gateway"
    GATEWAY_ENDPOINT = "gateway_endpoint"  # vpce-… (S3, DynamoDB)
    PEERING = "peering"
    TRANSIT_GATEWAY = "transit_gateway"
    VIRTUAL_PRIVATE_GATEWAY = "virtual_private_gateway"
    NETWORK_INTERFACE = "network_interface"
    INSTANCE = "instance"
    LOCAL_GATEWAY = "local_gateway"
    CARRIER_GATEWAY = "carrier_gateway"
    CORE_NETWORK = "core_network"
    UNKNOWN = "unknown"


class Route(_Fact):
    """One route; exactly one destination field is set."""

    destination_cidr: str | None = None
    destination_ipv6_cidr: str | None = None
    destination_prefix_list_id: str | None = None
    target_type: RouteTargetType
    target_id: str | None = None  # igw-…, nat-…, vpce-…, pcx-…, tgw-…, "local"
    state: Literal["active", "blackhole"] = "active"
    origin: str | None = None

    @property
    def destination(self) -> str:
        return (
            self.destination_cidr
            or self.destination_ipv6_cidr
            or self.destination_prefix_list_id
            or "?"
        )


class RouteTableAssociation(_Fact):
    association_id: str | None = None
    subnet_id: str | None = None
    gateway_id: str | None = None
    main: bool = False


class RouteTable(_Fact):
    route_table_id: str
    vpc_id: str
    routes: list[Route] = Field(default_factory=list)
    associations: list[RouteTableAssociation] = Field(default_factory=list)

    @property
    def is_main(self) -> bool:
        return any(a.main for a in self.associations)


class NaclEntry(_Fact):
    """One NACL rule. `protocol` is AWS's: "-1" (all), "6" (tcp), "17" (udp), "1", "58"."""

    rule_number: int  # 32767 is the default "*" rule
    egress: bool
    protocol: str
    rule_action: Literal["allow", "deny"]
    cidr_block: str | None = None
    ipv6_cidr_block: str | None = None
    port_from: int | None = None  # None: all ports
    port_to: int | None = None


class NetworkAcl(_Fact):
    network_acl_id: str
    vpc_id: str
    is_default: bool = False
    entries: list[NaclEntry] = Field(default_factory=list)
    subnet_ids: list[str] = Field(default_factory=list)


PeerKind = Literal["cidr_ipv4", "cidr_ipv6", "prefix_list", "security_group"]


class SecurityGroupRule(_Fact):
    """One security group permission for one peer, flattened from IpPermissions.

    `protocol` is AWS's IpProtocol: "-1" (all), "tcp", "udp", "icmp", "icmpv6" or a number.
    `peer_kind` says what `peer` is: a CIDR, a prefix list ID or a security group ID.
    """

    protocol: str
    from_port: int | None = None
    to_port: int | None = None
    peer_kind: PeerKind
    peer: str
    peer_owner_id: str | None = None
    description: str | None = None
    rule_id: str | None = None  # sgr-… when known


class SecurityGroup(_Fact):
    group_id: str
    group_name: str | None = None
    vpc_id: str | None = None
    owner_id: str | None = None
    ingress: list[SecurityGroupRule] = Field(default_factory=list)
    egress: list[SecurityGroupRule] = Field(default_factory=list)


class NatGateway(_Fact):
    nat_gateway_id: str
    subnet_id: str | None = None
    vpc_id: str | None = None
    state: str  # pending | available | failed | deleting | deleted
    connectivity_type: str = "public"
    private_ips: list[str] = Field(default_factory=list)
    public_ips: list[str] = Field(default_factory=list)
    failure_code: str | None = None
    failure_message: str | None = None


class InternetGateway(_Fact):
    internet_gateway_id: str
    attached_vpc_ids: list[str] = Field(default_factory=list)  # attachments in state available


class EgressOnlyInternetGateway(_Fact):
    egress_only_internet_gateway_id: str
    attached_vpc_ids: list[str] = Field(default_factory=list)


class VpcEndpoint(_Fact):
    vpc_endpoint_id: str
    vpc_id: str
    service_name: str  # com.amazonaws.us-east-1.logs
    endpoint_type: str  # Interface | Gateway | GatewayLoadBalancer
    state: str | None = None
    private_dns_enabled: bool = False
    subnet_ids: list[str] = Field(default_factory=list)
    security_group_ids: list[str] = Field(default_factory=list)
    route_table_ids: list[str] = Field(default_factory=list)
    network_interface_ids: list[str] = Field(default_factory=list)
    dns_names: list[str] = Field(default_factory=list)


class PrefixList(_Fact):
    prefix_list_id: str
    name: str | None = None
    address_family: str | None = None
    cidrs: list[str] = Field(default_factory=list)


class NetworkInterface(_Fact):
    network_interface_id: str
    subnet_id: str | None = None
    vpc_id: str | None = None
    interface_type: str | None = None  # interface | lambda | vpc_endpoint | nat_gateway | ...
    status: str | None = None
    description: str | None = None
    requester_id: str | None = None
    private_ip_addresses: list[str] = Field(default_factory=list)
    ipv6_addresses: list[str] = Field(default_factory=list)
    public_ip: str | None = None
    security_group_ids: list[str] = Field(default_factory=list)
    attachment_instance_id: str | None = None


# ---------------------------------------------------------------------------- account level


class PermissionDecision(StrEnum):
    ALLOWED = "allowed"
    IMPLICIT_DENY = "implicit_deny"
    EXPLICIT_DENY = "explicit_deny"
    UNKNOWN = "unknown"


class RolePermissions(_Fact):
    """Whether the execution role may do the three ENI actions Lambda needs."""

    role_arn: str
    method: Literal["simulate", "local", "unavailable"]
    decisions: dict[str, PermissionDecision] = Field(default_factory=dict)
    detail: str | None = None  # e.g. why simulation was not possible
    # The services (IAM action prefixes: "sqs", "s3") its identity policies allow some action
    # of, beyond what Lambda itself does with the role; "*" for every service. None: the
    # policies were not read (a snapshot from before this field, or the reads failed).
    services: list[str] | None = None
    # Those of `services` for which the policies allow only what an event source mapping
    # uses (sqs:ReceiveMessage, dynamodb:GetRecords...): Lambda polls them, maybe not the code.
    event_source_services: list[str] = Field(default_factory=list)


class EniQuota(_Fact):
    """Lambda's Hyperplane ENI quota per VPC and how many are in use."""

    value: int | None = None
    source: Literal["service-quotas", "default", "unavailable"] = "default"
    quota_code: str | None = None
    in_use: int | None = None  # Lambda Hyperplane ENIs found in the VPC
    note: str | None = None


# ---------------------------------------------------------------------------- beyond the VPC


class PeeringSide(_Fact):
    """One side of a VPC peering connection, as DescribeVpcPeeringConnections shows it."""

    vpc_id: str | None = None
    owner_id: str | None = None
    region: str | None = None
    cidr_blocks: list[str] = Field(default_factory=list)
    ipv6_cidr_blocks: list[str] = Field(default_factory=list)


class PeeringConnection(_Fact):
    """ec2:DescribeVpcPeeringConnections: one pcx-… the function's routes point at."""

    vpc_peering_connection_id: str
    status: (
        str  # active | pending-acceptance | provisioning | failed | expired | rejected | deleted
    )
    status_message: str | None = None
    requester: PeeringSide
    accepter: PeeringSide

    def far_side(self, vpc_id: str | None) -> PeeringSide:
        """The side that is not `vpc_id` (the accepter when neither or both are)."""
        return self.requester if self.accepter.vpc_id == vpc_id else self.accepter


class RemoteVpc(_Fact):
    """A VPC beyond the function's (a peer, a TGW destination), read in its own account/region.

    `read` is False when it could not be read at all; `reason` then says exactly why (no role
    for its account, AccessDenied, ...). Individual failed reads are in the snapshot's
    `skipped` with this VPC's ID in `resource_ids`.
    """

    vpc_id: str
    account_id: str | None = None
    region: str | None = None
    role_arn: str | None = None  # the role assumed to read it; None: the collector's own
    read: bool = False
    reason: str | None = None
    # The failed read behind `read=False`, typed (None: no read was tried, e.g. no role).
    error_code: str | None = None
    api: str | None = None
    vpc: Vpc | None = None
    subnets: list[Subnet] = Field(default_factory=list)
    route_tables: list[RouteTable] = Field(default_factory=list)
    network_acls: list[NetworkAcl] = Field(default_factory=list)
    security_groups: list[SecurityGroup] = Field(default_factory=list)
    network_interfaces: list[NetworkInterface] = Field(default_factory=list)  # targets' ENIs

    def subnet(self, subnet_id: str) -> Subnet | None:
        return next((s for s in self.subnets if s.subnet_id == subnet_id), None)

    def network_acl_for(self, subnet_id: str) -> NetworkAcl | None:
        return next((n for n in self.network_acls if subnet_id in n.subnet_ids), None)

    def security_group(self, group_id: str) -> SecurityGroup | None:
        return next((g for g in self.security_groups if g.group_id == group_id), None)


class TransitGatewayAttachment(_Fact):
    """ec2:DescribeTransitGatewayAttachments (+ VPC attachments' subnets)."""

    transit_gateway_attachment_id: str
    transit_gateway_id: str
    resource_type: str  # vpc | vpn | direct-connect-gateway | peering | connect | ...
    resource_id: str | None = None
    resource_owner_id: str | None = None
    state: str  # available | pending | pendingAcceptance | deleted | failed | rejected | ...
    association_route_table_id: str | None = None
    association_state: str | None = None
    subnet_ids: list[str] = Field(default_factory=list)  # VPC attachments only


class TransitGatewayRoute(_Fact):
    """One route of a TGW route table (ec2:SearchTransitGatewayRoutes)."""

    destination_cidr: str | None = None
    prefix_list_id: str | None = None
    state: str  # active | blackhole | pending | deleting | deleted
    route_type: str | None = None  # static | propagated
    attachment_ids: list[str] = Field(default_factory=list)
    resource_ids: list[str] = Field(default_factory=list)
    resource_types: list[str] = Field(default_factory=list)


class TransitGatewayRouteTable(_Fact):
    """A TGW route table, what is associated and propagated to it, and the routes searched."""

    transit_gateway_route_table_id: str
    transit_gateway_id: str
    state: str | None = None
    default_association: bool = False
    default_propagation: bool = False
    associated_attachment_ids: list[str] = Field(default_factory=list)
    propagated_attachment_ids: list[str] = Field(default_factory=list)
    routes: list[TransitGatewayRoute] = Field(default_factory=list)
    routes_read: bool = False  # SearchTransitGatewayRoutes answered
    associations_read: bool = False
    propagations_read: bool = False


class TransitGateway(_Fact):
    """ec2:DescribeTransitGateways: one tgw-… the function's routes point at."""

    transit_gateway_id: str
    owner_id: str | None = None
    state: str | None = None
    association_default_route_table_id: str | None = None
    propagation_default_route_table_id: str | None = None


class DirectConnectGateway(_Fact):
    """directconnect:DescribeDirectConnectGateways: a dxgw-… a TGW attachment leads to."""

    direct_connect_gateway_id: str
    name: str | None = None
    state: str | None = None  # pending | available | deleting | deleted
    owner_account: str | None = None
    state_change_error: str | None = None


class DirectConnectGatewayAssociation(_Fact):
    """directconnect:DescribeDirectConnectGatewayAssociations: a vgw-… tied to a dxgw-…."""

    association_id: str | None = None
    direct_connect_gateway_id: str
    virtual_gateway_id: str | None = None
    # associating | associated | disassociating | disassociated | updating
    association_state: str | None = None
    state_change_error: str | None = None


class VpnTunnel(_Fact):
    outside_ip_address: str | None = None
    status: str | None = None  # UP | DOWN
    status_message: str | None = None


class VpnConnection(_Fact):
    """ec2:DescribeVpnConnections: a VPN behind a vgw-… or a TGW VPN attachment."""

    vpn_connection_id: str
    state: str  # pending | available | deleting | deleted
    vpn_gateway_id: str | None = None
    transit_gateway_id: str | None = None
    customer_gateway_id: str | None = None
    tunnels: list[VpnTunnel] = Field(default_factory=list)  # VgwTelemetry


class VpnGateway(_Fact):
    """ec2:DescribeVpnGateways: a virtual private gateway a route points at."""

    vpn_gateway_id: str
    state: str | None = None
    attached_vpc_ids: list[str] = Field(default_factory=list)  # attachments in state attached


class ResolverRule(_Fact):
    """route53resolver: a rule associated with the function's VPC (FORWARD, SYSTEM, ...)."""

    resolver_rule_id: str
    domain_name: str  # "corp.example.com." as AWS writes it
    rule_type: str  # FORWARD | SYSTEM | RECURSIVE
    name: str | None = None
    status: str | None = None
    resolver_endpoint_id: str | None = None
    target_ips: list[str] = Field(default_factory=list)  # "10.50.0.2:53"
    association_id: str | None = None
    association_status: str | None = None
    owner_id: str | None = None


class ResolverEndpointAddress(_Fact):
    ip: str | None = None
    subnet_id: str | None = None
    status: str | None = None


class ResolverEndpoint(_Fact):
    """route53resolver:GetResolverEndpoint + ListResolverEndpointIpAddresses."""

    resolver_endpoint_id: str
    direction: str  # OUTBOUND | INBOUND
    status: str | None = None
    host_vpc_id: str | None = None
    security_group_ids: list[str] = Field(default_factory=list)
    addresses: list[ResolverEndpointAddress] = Field(default_factory=list)


class HostedZone(_Fact):
    """A Route 53 hosted zone: private zones of the account and whether this VPC is associated."""

    hosted_zone_id: str  # without the "/hostedzone/" prefix
    name: str  # "corp.example.com."
    private: bool = True
    associated: bool = False  # with the function's VPC (route53:ListHostedZonesByVPC)


class FirewallRule(_Fact):
    """A DNS Firewall rule and the domains of its domain list."""

    name: str | None = None
    priority: int | None = None
    action: str  # ALLOW | BLOCK | ALERT
    block_response: str | None = None  # NODATA | NXDOMAIN | OVERRIDE
    firewall_domain_list_id: str | None = None
    domains: list[str] = Field(default_factory=list)
    domains_read: bool = False


class FirewallRuleGroupAssociation(_Fact):
    """route53resolver:ListFirewallRuleGroupAssociations for the VPC, with the group's rules."""

    association_id: str | None = None
    firewall_rule_group_id: str  # rslvr-frg-…
    name: str | None = None
    priority: int | None = None
    status: str | None = None
    rules: list[FirewallRule] = Field(default_factory=list)
    rules_read: bool = False


class BeyondVpc(_Fact):
    """What lies beyond the function's VPC, read when its routes or names lead there.

    Each list is empty both when there is nothing and when the read failed: the snapshot's
    `skipped` says which (`skipped_for("ec2:DescribeVpcPeeringConnections")`).
    """

    # The pcx-…, tgw-… and vgw-… route targets whose facts were read (an older snapshot, or one
    # taken before a route existed, has none: what lies behind them is unread, not absent).
    followed: list[str] = Field(default_factory=list)
    peering_connections: list[PeeringConnection] = Field(default_factory=list)
    remote_vpcs: list[RemoteVpc] = Field(default_factory=list)
    transit_gateways: list[TransitGateway] = Field(default_factory=list)
    # The Direct Connect gateways TGW attachments lead to (read only when one does).
    direct_connect_gateways: list[DirectConnectGateway] = Field(default_factory=list)
    # The Direct Connect gateway associations of vgw-… route targets with no VPN connection,
    # and the vgw-… whose associations were read (read, none: nothing there; not listed: the
    # snapshot did not look, or the read failed and `skipped` says why).
    dx_gateway_associations: list[DirectConnectGatewayAssociation] = Field(default_factory=list)
    dx_associations_read: list[str] = Field(default_factory=list)
    transit_gateway_attachments: list[TransitGatewayAttachment] = Field(default_factory=list)
    transit_gateway_route_tables: list[TransitGatewayRouteTable] = Field(default_factory=list)
    tgw_searched_destinations: list[str] = Field(default_factory=list)
    # The CIDRs of the other VPCs attached to those TGWs (one DescribeVpcs): which attachment a
    # missing TGW route should lead to.
    attached_vpc_cidrs: dict[str, list[str]] = Field(default_factory=dict)
    vpn_connections: list[VpnConnection] = Field(default_factory=list)
    vpn_gateways: list[VpnGateway] = Field(default_factory=list)
    resolver_rules: list[ResolverRule] = Field(default_factory=list)
    resolver_endpoints: list[ResolverEndpoint] = Field(default_factory=list)
    hosted_zones: list[HostedZone] = Field(default_factory=list)
    firewall_associations: list[FirewallRuleGroupAssociation] = Field(default_factory=list)
    dns_read: bool = False  # the Route 53 / Resolver reads were attempted

    def peering(self, pcx_id: str) -> PeeringConnection | None:
        return next(
            (p for p in self.peering_connections if p.vpc_peering_connection_id == pcx_id), None
        )

    def remote_vpc(self, vpc_id: str | None) -> RemoteVpc | None:
        return next((v for v in self.remote_vpcs if v.vpc_id == vpc_id), None)

    def direct_connect_gateway(self, gateway_id: str) -> DirectConnectGateway | None:
        return next(
            (g for g in self.direct_connect_gateways if g.direct_connect_gateway_id == gateway_id),
            None,
        )

    def attachment(self, attachment_id: str) -> TransitGatewayAttachment | None:
        return next(
            (
                a
                for a in self.transit_gateway_attachments
                if a.transit_gateway_attachment_id == attachment_id
            ),
            None,
        )

    def tgw_route_table(self, route_table_id: str | None) -> TransitGatewayRouteTable | None:
        return next(
            (
                t
                for t in self.transit_gateway_route_tables
                if t.transit_gateway_route_table_id == route_table_id
            ),
            None,
        )

    def resolver_endpoint(self, endpoint_id: str | None) -> ResolverEndpoint | None:
        return next(
            (e for e in self.resolver_endpoints if e.resolver_endpoint_id == endpoint_id), None
        )


# ---------------------------------------------------------------------------- the snapshot


class VpcSnapshot(_Fact):
    """One function's network world at one moment."""

    schema_version: Literal[1] = SNAPSHOT_SCHEMA_VERSION
    collector_version: str
    taken_at: datetime
    region: str
    account_id: str | None = None
    function: FunctionInfo | None = None  # None when the function itself could not be read
    vpc: Vpc | None = None
    dhcp_options: DhcpOptions | None = None
    subnets: list[Subnet] = Field(default_factory=list)
    route_tables: list[RouteTable] = Field(default_factory=list)
    network_acls: list[NetworkAcl] = Field(default_factory=list)
    security_groups: list[SecurityGroup] = Field(default_factory=list)
    nat_gateways: list[NatGateway] = Field(default_factory=list)
    internet_gateways: list[InternetGateway] = Field(default_factory=list)
    egress_only_internet_gateways: list[EgressOnlyInternetGateway] = Field(default_factory=list)
    vpc_endpoints: list[VpcEndpoint] = Field(default_factory=list)
    prefix_lists: list[PrefixList] = Field(default_factory=list)
    network_interfaces: list[NetworkInterface] = Field(default_factory=list)  # targets', endpoints'
    lambda_enis: list[NetworkInterface] = Field(default_factory=list)  # Hyperplane ENIs in the VPC
    role_permissions: RolePermissions | None = None
    eni_quota: EniQuota | None = None
    target_addresses: list[str] = Field(default_factory=list)  # addresses looked up for ENIs
    target_names: list[str] = Field(default_factory=list)  # names judged against Route 53
    beyond: BeyondVpc = Field(default_factory=BeyondVpc)  # peering, TGW, VPN, Route 53
    api_calls: list[ApiCall] = Field(default_factory=list)
    skipped: list[SkippedRead] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # how facts were obtained, when it matters

    @model_serializer(mode="wrap")
    def _leave_out_empty_beyond(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        """Snapshots of a VPC that leads nowhere else serialise as before these fields existed."""
        data: dict[str, object] = handler(self)
        if self.beyond == BeyondVpc():
            data.pop("beyond", None)
        if not self.target_names:
            data.pop("target_names", None)
        return data

    @property
    def api_call_count(self) -> int:
        return len(self.api_calls)

    def skipped_for(self, api: str) -> SkippedRead | None:
        """The failed read of `api` ("ec2:DescribeNetworkAcls"), if it failed."""
        return next((s for s in self.skipped if s.api == api), None)

    def subnet(self, subnet_id: str) -> Subnet | None:
        return next((s for s in self.subnets if s.subnet_id == subnet_id), None)

    def security_group(self, group_id: str) -> SecurityGroup | None:
        return next((g for g in self.security_groups if g.group_id == group_id), None)

    def prefix_list(self, prefix_list_id: str) -> PrefixList | None:
        return next((p for p in self.prefix_lists if p.prefix_list_id == prefix_list_id), None)

    def nat_gateway(self, nat_gateway_id: str) -> NatGateway | None:
        return next((n for n in self.nat_gateways if n.nat_gateway_id == nat_gateway_id), None)

    def network_acl_for(self, subnet_id: str) -> NetworkAcl | None:
        return next((n for n in self.network_acls if subnet_id in n.subnet_ids), None)
