"""Typed hop decisions: what each step of a path decided, as data. `describe.py` words them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from vpcprobe_collector.paths.beyond.model import Decision as BeyondDecision
from vpcprobe_collector.paths.model import HopKind, HopOutcome
from vpcprobe_collector.paths.nacls import NaclDecision, PortRange
from vpcprobe_collector.paths.routes import RouteFacts
from vpcprobe_collector.snapshot.model import (
    NatGateway,
    Route,
    RouteTargetType,
    SecurityGroupRule,
)

# The decisions built for every path (NACL, route, security groups) are slotted dataclasses,
# not frozen ones: a frozen dataclass's __init__ sets each field through object.__setattr__
# and costs three times as much, over a dozen fields and many thousands of paths. Nothing
# changes a decision after its hop module returns it; `describe.hop` only reads it.


@dataclass(frozen=True)
class Traffic:
    """What one path carries: protocol, destination and port, as every hop judges it."""

    protocol: str  # "tcp" | "udp"
    destination: str  # canonical address text
    port: int
    ipv6: bool

    def __hash__(self) -> int:  # a key of the walk's shared hops: hashed once, not per look-up
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash((self.protocol, self.destination, self.port, self.ipv6))

    # Worked out once per Traffic (one per destination and port), read by every hop of it.
    @cached_property
    def dest_text(self) -> str:
        """ "10.0.3.10:5432" or "[2001:db8::10]:443"."""
        return (
            f"[{self.destination}]:{self.port}" if self.ipv6 else f"{self.destination}:{self.port}"
        )

    @cached_property
    def ports(self) -> tuple[int, int]:
        """The destination port as a range: (port, port)."""
        return (self.port, self.port)

    @cached_property
    def proto(self) -> str:
        """The protocol as sentences name it: "TCP"."""
        return self.protocol.upper()


@dataclass(frozen=True)
class Unread:
    """A step whose input could not be read: unknown, never clean."""

    kind: HopKind
    component_id: str
    api: str
    what: str  # "Subnets", "The network ACL of subnet-0abc"
    reason: str  # SkippedRead.reason: "AccessDenied on ec2:DescribeNetworkAcls"
    error_code: str
    outcome: HopOutcome = HopOutcome.UNKNOWN


class SourceProblem(StrEnum):
    MISSING = "subnet_missing"
    DEDICATED_TENANCY = "dedicated_tenancy"
    IPV6_NOT_ALLOWED = "ipv6_not_allowed"
    NO_IPV6_CIDR = "no_ipv6_cidr"
    IPV6_ONLY = "ipv6_only"


@dataclass(frozen=True)
class SourceDecision:
    """Where the traffic starts, or why it cannot start there."""

    component_id: str  # the subnet, the VPC (tenancy) or the function (IPv6 setting)
    subnet_id: str
    outcome: HopOutcome  # INFO, or DENY with `problem`
    traffic: Traffic
    problem: SourceProblem | None = None
    cidrs: tuple[str, ...] = ()
    zone: str | None = None
    security_group_ids: tuple[str, ...] = ()
    kind: HopKind = HopKind.SOURCE


@dataclass(slots=True)  # built per path: not frozen (see above)
class SgEgressDecision:
    """Whether the function's security groups let the traffic out (stateful, allow-only)."""

    outcome: HopOutcome
    subnet_id: str
    traffic: Traffic
    group_ids: tuple[str, ...]
    group_id: str | None = None  # the allowing group
    rule: SecurityGroupRule | None = None
    missing: tuple[str, ...] = ()  # groups not in the snapshot
    uncertain: tuple[str, ...] = ()  # why a rule could not be decided
    skipped_reason: str | None = None  # the failed ec2:DescribeSecurityGroups read
    skipped_code: str | None = None
    kind: HopKind = HopKind.SECURITY_GROUP_EGRESS

    @property
    def component_id(self) -> str:
        if self.outcome is HopOutcome.ALLOW and self.group_id:
            return self.group_id
        if not self.group_ids:
            return self.subnet_id
        if self.outcome is HopOutcome.UNKNOWN or self.missing:
            return (self.missing or self.group_ids)[0]
        return self.group_ids[0]


class IngressProblem(StrEnum):
    NO_GROUPS = "no_security_groups"
    ENI_NOT_FOUND = "destination_eni_not_found"  # not looked up, or the read failed
    UNHELD = "unheld"  # looked up: no network interface holds the address


@dataclass(slots=True)  # built per path: not frozen (see above)
class SgIngressDecision:
    """Whether the destination's security groups let the function in, or why unknown."""

    outcome: HopOutcome
    traffic: Traffic
    source_text: str
    function_group_ids: tuple[str, ...]
    eni_id: str | None = None
    eni_type: str | None = None
    group_ids: tuple[str, ...] = ()
    group_id: str | None = None
    rule: SecurityGroupRule | None = None
    missing: tuple[str, ...] = ()
    uncertain: tuple[str, ...] = ()
    skipped_reason: str | None = None
    skipped_code: str | None = None
    problem: IngressProblem | None = None
    subnet_id: str | None = None  # the destination's subnet (for UNHELD: the one it falls in)
    subnet_cidr: str | None = None
    kind: HopKind = HopKind.TARGET_SECURITY_GROUP_INGRESS

    @property
    def component_id(self) -> str:
        if self.problem is IngressProblem.NO_GROUPS and self.eni_id:
            return self.eni_id
        if self.problem in (IngressProblem.ENI_NOT_FOUND, IngressProblem.UNHELD):
            return self.subnet_id or self.traffic.destination
        if self.outcome is HopOutcome.ALLOW and self.group_id:
            return self.group_id
        return (self.missing or self.group_ids or (self.eni_id or "?",))[0]


@dataclass(slots=True)  # built per path: not frozen (see above)
class NaclHopDecision:
    """One NACL direction of one subnet for this path (stateless, first match wins)."""

    kind: HopKind
    subnet_id: str
    traffic: Traffic
    ports: PortRange
    peer: str  # who the rule must cover: the destination address or the function's source
    source_text: str  # the function's side, in words
    outcome: HopOutcome
    acl_id: str | None = None  # None: no NACL of the subnet in the snapshot
    decision: NaclDecision | None = None
    same_subnet: bool = False  # the peer is in this subnet: NACLs do not apply
    subnet_unknown: bool = False  # no subnet of the snapshot holds the destination
    nat_gateway_id: str | None = None  # for the NAT gateway's own subnet

    @property
    def component_id(self) -> str:
        return self.acl_id or self.subnet_id


class RouteProblem(StrEnum):
    NO_TABLE = "no_route_table"
    PREFIX_LIST_UNREAD = "prefix_list_unread"
    NO_ROUTE = "no_route"
    BLACKHOLE = "blackhole"
    IGW_FROM_PRIVATE = "igw_from_private_address"
    UNRECOGNISED = "unrecognised_target"
    NAT_SUBNET_UNKNOWN = "nat_subnet_unknown"
    PRIVATE_NAT_TO_IGW = "private_nat_to_internet_gateway"
    NAT_LOOPS = "nat_route_stays_inside"


@dataclass(slots=True)  # built per path: not frozen (see above)
class RouteDecision:
    """Which route of a subnet's table carries the destination, and whether it may."""

    kind: HopKind  # ROUTE, or NAT_ROUTE for the NAT gateway's own subnet
    subnet_id: str
    traffic: Traffic
    outcome: HopOutcome
    route_table_id: str | None = None
    route: Route | None = None
    problem: RouteProblem | None = None
    nat_gateway_id: str | None = None  # NAT_ROUTE: whose subnet this is
    unresolved_prefix_lists: tuple[str, ...] = ()
    skipped_reason: str | None = None
    facts: RouteFacts | None = None  # `route`'s fields, read once per index (with `route`)

    @property
    def component_id(self) -> str:
        if self.route_table_id:
            return self.route_table_id
        if self.problem is RouteProblem.NAT_SUBNET_UNKNOWN and self.nat_gateway_id:
            return self.nat_gateway_id
        return self.subnet_id

    @property
    def target_type(self) -> RouteTargetType | None:
        if self.facts is not None:
            return self.facts.target_type
        return self.route.target_type if self.route else None

    @property
    def target_id(self) -> str | None:
        if self.facts is not None:
            return self.facts.target
        if self.route is None:
            return None
        return self.route.target_id or self.route.target_type.value


class NatProblem(StrEnum):
    MISSING = "nat_gateway_missing"
    NOT_AVAILABLE = "nat_gateway_not_available"


@dataclass(frozen=True)
class NatDecision:
    """Whether the NAT gateway a route names exists and forwards."""

    nat_gateway_id: str
    outcome: HopOutcome
    nat: NatGateway | None = None
    problem: NatProblem | None = None
    kind: HopKind = HopKind.NAT_GATEWAY


@dataclass(frozen=True)
class GatewayDecision:
    """Whether an internet gateway or egress-only internet gateway is attached to the VPC."""

    kind: HopKind  # INTERNET_GATEWAY | EGRESS_ONLY_INTERNET_GATEWAY
    gateway_id: str
    vpc_id: str | None
    attached: bool
    outcome: HopOutcome
    api: str


class EndpointProblem(StrEnum):
    MISSING = "endpoint_missing"
    NOT_AVAILABLE = "endpoint_not_available"


@dataclass(frozen=True)
class EndpointDecision:
    """A VPC endpoint on the way: a gateway endpoint a route names, or the interface endpoint
    a service name resolves to."""

    endpoint_id: str
    outcome: HopOutcome
    endpoint_type: str  # "Gateway" | "Interface"
    service_name: str | None = None
    state: str | None = None
    problem: EndpointProblem | None = None
    address: str | None = None  # interface: the ENI address the name resolves to
    eni_id: str | None = None
    eni_subnet_id: str | None = None
    kind: HopKind = HopKind.VPC_ENDPOINT


class DnsProblem(StrEnum):
    VPC_UNREAD = "vpc_unread"
    SUPPORT_OFF = "dns_support_off"
    SUPPORT_UNREAD = "dns_support_unread"
    ATTRIBUTES_UNREAD = "dns_attributes_unread"  # for an endpoint's private DNS


@dataclass(frozen=True)
class DnsDecision:
    """The Amazon-provided DNS server (never filtered, silent without enableDnsSupport), or
    whether a service name resolves to its interface endpoint."""

    outcome: HopOutcome
    vpc_id: str | None
    problem: DnsProblem | None = None
    skipped_reason: str | None = None
    service_name: str | None = None  # ATTRIBUTES_UNREAD
    endpoint_id: str | None = None
    kind: HopKind = HopKind.DNS


class EndKind(StrEnum):
    INSIDE = "inside_vpc"  # the destination is in the VPC
    AMAZON_DNS = "amazon_dns"  # the Amazon-provided DNS server
    BEYOND = "beyond_vpc"  # the path leaves the VPC through `target_id`


@dataclass(frozen=True)
class EndDecision:
    """Where the path ends: inside the VPC, at the Amazon resolver, or beyond the VPC through a
    named target (igw-…, pcx-…, tgw-…, vgw-…, eni-…, vpce-…) in a known state."""

    end: EndKind
    traffic: Traffic
    eni_id: str | None = None
    target_type: RouteTargetType | None = None
    target_id: str | None = None
    target_state: str | None = None  # the route's state, or the target's own when read
    service_name: str | None = None  # beyond a gateway endpoint
    # What lies beyond `target_id` that could not be read (a far VPC in another account, a
    # VPN's tunnels): the path is not cleared past it, and the run is incomplete.
    unverified: tuple[str, ...] = ()
    # The far VPC beyond `target_id` whose route back, NACLs and groups were read and allow it.
    far_vpc_read: str | None = None
    kind: HopKind = HopKind.DESTINATION

    def __hash__(self) -> int:  # the key of its worded hop: hashed once, not per path
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash(
            (
                self.end,
                self.traffic,
                self.eni_id,
                self.target_type,
                self.target_id,
                self.target_state,
                self.service_name,
                self.unverified,
                self.far_vpc_read,
                self.kind,
            )
        )

    outcome: HopOutcome = HopOutcome.INFO


Decision = (
    Unread
    | SourceDecision
    | SgEgressDecision
    | SgIngressDecision
    | NaclHopDecision
    | RouteDecision
    | NatDecision
    | GatewayDecision
    | EndpointDecision
    | DnsDecision
    | EndDecision
    | BeyondDecision
)
