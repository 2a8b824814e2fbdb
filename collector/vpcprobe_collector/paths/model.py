"""What path evaluation returns: a verdict per path, with the hops that led to it."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vpcprobe_collector.snapshot.model import RouteTargetType


class Verdict(StrEnum):
    """The static answer for one path.

    reachable: every hop the configuration controls allows it.
    blocked: a hop denies it (`decided_by` names which).
    unknown: a hop could not be evaluated (a read was denied, an ENI is in another account).
    leaves_vpc: allowed as far as the VPC goes; beyond (peering, TGW, VPN, internet) is unseen.

    A NACL that allows only part of the return ports makes a path `blocked` with
    `PathResult.intermittent` set: some connections work, others time out.
    """

    REACHABLE = "reachable"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"
    LEAVES_VPC = "leaves_vpc"


class HopKind(StrEnum):
    SOURCE = "source"
    SECURITY_GROUP_EGRESS = "security_group_egress"
    NACL_OUTBOUND = "nacl_outbound"
    NACL_INBOUND_RETURN = "nacl_inbound_return"
    ROUTE = "route"
    NAT_GATEWAY = "nat_gateway"
    INTERNET_GATEWAY = "internet_gateway"
    EGRESS_ONLY_INTERNET_GATEWAY = "egress_only_internet_gateway"
    VPC_ENDPOINT = "vpc_endpoint"
    DNS = "dns"
    TARGET_NACL_INBOUND = "target_nacl_inbound"
    TARGET_NACL_OUTBOUND_RETURN = "target_nacl_outbound_return"
    TARGET_SECURITY_GROUP_INGRESS = "target_security_group_ingress"
    DESTINATION = "destination"
    # The NAT gateway's own subnet: its route onwards and its NACL, both ways.
    NAT_ROUTE = "nat_route"
    NAT_NACL_INBOUND = "nat_nacl_inbound"  # function -> NAT
    NAT_NACL_OUTBOUND = "nat_nacl_outbound"  # NAT -> destination
    NAT_NACL_INBOUND_RETURN = "nat_nacl_inbound_return"  # destination -> NAT, ports 1024-65535
    NAT_NACL_OUTBOUND_RETURN = "nat_nacl_outbound_return"  # NAT -> function, ports 1024-65535
    # Beyond the VPC (paths/beyond, via paths/hops/beyond_vpc.py): one kind per step there.
    PEERING = "peering"  # the pcx-… and its state
    PEERING_OVERLAP = "peering_overlap"
    PEER_DESTINATION = "peer_destination"  # the destination inside the peer VPC
    FAR_SIDE = "far_side"  # the far VPC could (not) be read
    ROUTE_BACK = "route_back"  # the far subnet's route back to the function subnet
    FAR_SG_INGRESS = "far_sg_ingress"
    FAR_NACL_INBOUND = "far_nacl_inbound"
    FAR_NACL_OUTBOUND_RETURN = "far_nacl_outbound_return"
    TGW_ATTACHMENT = "tgw_attachment"
    TGW_ATTACHMENT_AZ = "tgw_attachment_az"
    TGW_ROUTE = "tgw_route"
    TGW_DESTINATION = "tgw_destination"
    TGW_RETURN_ROUTE = "tgw_return_route"
    VPN = "vpn"
    BEYOND_END = "beyond_end"  # a DX gateway, TGW peering, ...: named, not looked into


class HopOutcome(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    PARTIAL = "partial"  # allows part (e.g. some return ports): intermittent failures
    UNKNOWN = "unknown"
    INFO = "info"


# The outcomes as module constants, for the walk's hot paths: on CPython 3.11 reading an enum
# member through its class (HopOutcome.DENY) goes through the metaclass's __getattr__ hook
# (EnumType), several times a global's cost. The hot modules alias the other enums' members
# they read per path the same way.
ALLOW, DENY, PARTIAL, UNKNOWN, INFO = (
    HopOutcome.ALLOW,
    HopOutcome.DENY,
    HopOutcome.PARTIAL,
    HopOutcome.UNKNOWN,
    HopOutcome.INFO,
)


class Hop(BaseModel):
    """One step of a path: the typed decision behind it, and that decision in words.

    The typed fields are what rules read; `detail` and `rule` are rendered from them once, in
    `paths/describe.py`, for reports, and are never parsed back.
    """

    # Frozen: one hop may be shared by many paths (the same NAT gateway, the same groups).
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: HopKind
    component_id: str  # the AWS ID that decides: sg-…, acl-…, rtb-…, nat-…, igw-…, vpce-…, subnet-…
    outcome: HopOutcome
    reason: str | None = None  # why, as a stable code: "default_rule", "blackhole", "unheld", ...
    subnet_id: str | None = None  # the subnet whose NACL, route table or address this is
    rule_number: int | None = None  # NACL: the deciding entry; 32767 is the default `*` rule
    allow_rule_number: int | None = None  # NACL, partial: the entry that allows part of the ports
    protocol: str | None = None  # "tcp", "udp"
    ports: tuple[int, int] | None = None  # the ports judged (inclusive)
    allowed_ports: tuple[tuple[int, int], ...] = ()  # NACL: which of `ports` it allows
    denied_ports: tuple[tuple[int, int], ...] = ()
    peer: str | None = None  # the other end: an address, a CIDR, a security group or prefix list
    route_destination: str | None = None  # the deciding route's destination (CIDR or pl-…)
    target_type: RouteTargetType | None = None  # the route's (or the exit's) target kind
    target_id: str | None = None  # nat-…, igw-…, pcx-…, tgw-…, vgw-…, vpce-…, eni-…
    target_state: str | None = None  # the route's state, or the target's own when read
    rule: str | None = None  # rendered label: "rule 90", "0.0.0.0/0 -> nat-0abc", "tcp 443 to …"
    detail: str  # rendered: plain words, one sentence, real values
    source_api: str | None = None  # where the fact came from: "ec2:DescribeNetworkAcls"


class PathQuery(BaseModel):
    """One path to evaluate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subnet_id: str
    security_group_ids: tuple[str, ...]
    destination: str  # an IPv4 or IPv6 address
    protocol: Literal["tcp", "udp"] = "tcp"
    port: int


class PathResult(BaseModel):
    """The verdict for one path and the ordered hops behind it."""

    model_config = ConfigDict(extra="forbid")

    query: PathQuery
    verdict: Verdict
    hops: list[Hop] = Field(default_factory=list)
    decided_by: Hop | None = None  # the hop that blocked it, or made it unknown
    intermittent: bool = False  # a partial NACL range: some connections fail
    notes: list[str] = Field(default_factory=list)


class DnsServerCheck(BaseModel):
    """One DNS server of the VPC's DHCP options set and whether the function can use it.

    AmazonProvidedDNS cannot be filtered by security groups or NACLs but needs the VPC's
    `enableDnsSupport`; a custom server is a destination like any other, on UDP and TCP 53,
    from each function subnet (`results`).
    """

    model_config = ConfigDict(extra="forbid")

    server: str  # "AmazonProvidedDNS", the server's IP address, or "?" when none could be read
    kind: Literal["amazon", "custom", "unknown"]
    dhcp_options_id: str | None = None
    verdict: Verdict  # the worst over `results` (or the attribute check for Amazon's)
    detail: str  # one sentence, real values
    decided_by: Hop | None = None
    intermittent: bool = False
    results: list[PathResult] = Field(default_factory=list)  # custom: UDP and TCP 53 per subnet


class ServiceSubnetAccess(BaseModel):
    """How one function subnet reaches an AWS service, and the verdict for it."""

    model_config = ConfigDict(extra="forbid")

    subnet_id: str
    via: Literal["interface_endpoint", "gateway_endpoint", "public", "none"]
    endpoint_id: str | None = None
    address: str | None = None  # the address the path was evaluated to
    verdict: Verdict
    detail: str
    result: PathResult | None = None


class ServiceAccess(BaseModel):
    """Whether the function can reach an AWS service ("logs", "sts", "s3", ...), per subnet."""

    model_config = ConfigDict(extra="forbid")

    service: str  # "logs"
    service_name: str  # "com.amazonaws.us-east-1.logs"
    verdict: Verdict  # the worst over `subnets`
    interface_endpoint_id: str | None = None
    gateway_endpoint_id: str | None = None
    private_dns_enabled: bool | None = None
    resolves_to: Literal["endpoint", "public", "unknown"] = "unknown"
    decided_by: Hop | None = None
    intermittent: bool = False
    subnets: list[ServiceSubnetAccess] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
