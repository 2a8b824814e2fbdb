"""What path evaluation returns: a verdict per path, with the hops that led to it."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Verdict(StrEnum):
    """The static answer for one path.

    reachable: every hop the configuration controls allows it.
    blocked: a hop denies it (`decided_by` names which).
    unknown: a hop could not be evaluated (a read was denied, an ENI is in another account).
    leaves_vpc: allowed as far as the VPC goes; beyond (peering, TGW, VPN, internet) is unseen.
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


class HopOutcome(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    PARTIAL = "partial"  # allows part (e.g. some return ports): intermittent failures
    UNKNOWN = "unknown"
    INFO = "info"


class Hop(BaseModel):
    """One step of a path and what the configuration says about it."""

    model_config = ConfigDict(extra="forbid")

    kind: HopKind
    component: str  # the AWS ID that decides: sg-…, acl-…, rtb-…, nat-…, igw-…, vpce-…, subnet-…
    outcome: HopOutcome
    rule: str | None = None  # "rule 90", "0.0.0.0/0 -> nat-0abc", "tcp 443 from sg-…"
    detail: str  # plain words, one sentence, real values
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
