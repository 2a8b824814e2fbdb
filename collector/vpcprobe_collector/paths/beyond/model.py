"""Typed decisions for hops beyond the function's VPC, and the path that collects them.

Each `Step` has the `HopKind` of the same value: `paths/hops/beyond_vpc.py` turns decisions
into the engine's hops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from vpcprobe_collector.paths.model import HopKind, HopOutcome, Verdict


class Step(StrEnum):
    """Which hop beyond the VPC a decision is about."""

    PEERING = "peering"  # the pcx-… and its state
    PEERING_OVERLAP = "peering_overlap"  # the two VPCs' CIDRs overlap
    PEER_DESTINATION = "peer_destination"  # the destination is (not) inside the far VPC
    FAR_SIDE = "far_side"  # the far VPC could (not) be read
    ROUTE_BACK = "route_back"  # the destination subnet's route back to the function subnet
    FAR_SG_INGRESS = "far_sg_ingress"  # the destination's security groups
    FAR_NACL_INBOUND = "far_nacl_inbound"  # the destination subnet's NACL, inbound
    FAR_NACL_OUTBOUND_RETURN = "far_nacl_outbound_return"  # ... its return traffic
    TGW_ATTACHMENT = "tgw_attachment"  # the function VPC's attachment and its state
    TGW_ATTACHMENT_AZ = "tgw_attachment_az"  # an attachment subnet in the function subnet's AZ
    TGW_ROUTE = "tgw_route"  # the TGW route table's route for the destination
    TGW_DESTINATION = "tgw_destination"  # the attachment that route leads to
    TGW_RETURN_ROUTE = "tgw_return_route"  # the destination attachment's TGW route back
    VPN = "vpn"  # a VPN connection (vgw-… or TGW VPN attachment) and its tunnels
    END = (
        "beyond_end"  # the path ends at something vpcprobe cannot look into (DX, TGW peering, ...)
    )


class Case(StrEnum):
    """Which form of a step's decision, where the outcome alone does not say (an unknown
    hop is shown as information once the path leaves the VPC, so words never key on it)."""

    NOT_FOLLOWED = "not_followed"  # the snapshot holds nothing about the route's target
    UNREAD = "unread"  # the read behind this step failed (error_code/api say which)
    NOT_READ = "not_read"  # looked for in the snapshot, not there (no failed read says why)
    NO_SUBNET = "no_subnet"  # no far subnet as read holds the destination
    NO_TABLE = "no_table"  # no route table / network ACL of the far subnet was read
    NO_INTERFACE = "no_interface"  # no far network interface holds the destination
    UNCERTAIN = "uncertain"  # the far security groups were read but cannot be decided
    NO_ASSOCIATION = "no_association"  # a TGW attachment associated with no route table
    NO_ATTACHMENT = "no_attachment"  # the VPC has no TGW attachment / a route names none
    NO_ROUTE = "no_route"  # a TGW route table has no route for the destination
    PROPAGATED_MISSING = "propagated_missing"  # ... though the right attachment propagates
    BLACKHOLE = "blackhole"  # a blackhole TGW route
    ROUTED_ELSEWHERE = "routed_elsewhere"  # the return route leads to another attachment
    NOT_AVAILABLE = "not_available"  # an attachment / gateway not in its usable state
    DIRECT_CONNECT = "direct_connect"  # the path ends at a Direct Connect gateway
    NO_VPN_CONNECTION = "no_vpn_connection"  # a vgw with no VPN connection
    NO_TELEMETRY = "no_telemetry"  # a VPN connection with no tunnel status


# The engine's hop kinds for these steps (same values).
BEYOND_KINDS = frozenset(HopKind(step.value) for step in Step)


@dataclass(frozen=True)
class Decision:
    """One hop beyond the VPC: what decided (component), how, and the facts that say so.

    The sentence (`detail`) is rendered from the typed fields by
    `paths.describe.beyond_sentence`, in one place; the modules that decide set only fields.
    Rules read the fields, never the sentence.
    """

    step: Step
    outcome: HopOutcome
    component: str  # pcx-…, rtb-…, sg-…, acl-…, tgw-attach-…, tgw-rtb-…, vpn-…, vpc-…
    source_api: str = ""
    state: str | None = None  # pcx / attachment / VPN state
    route_table_id: str | None = None  # the deciding rtb-… or tgw-rtb-…
    destination: str | None = None  # the CIDR a route was needed for
    target: str | None = None  # what the route points at, or should (pcx-…, tgw-…, attachment)
    vpc_id: str | None = None  # the far VPC
    subnet_id: str | None = None  # the far subnet (or the function subnet for an AZ gap)
    availability_zone: str | None = None
    rule: str | None = None  # "rule 100", "tcp 5432 from 10.0.0.0/16"
    rule_number: int | None = None  # NACL: the deciding entry (32767: the default `*` rule)
    reason: str | None = None  # why it is unknown ("AccessDenied on ec2:DescribeVpcs")
    # The failed read behind an unknown, typed: the SkippedRead's error code
    # ("AccessDenied", "UnauthorizedOperation", "MalformedResponse") and its API.
    error_code: str | None = None
    api: str | None = None
    account_id: str | None = None  # the far side's account
    # TGW_ROUTE / TGW_RETURN_ROUTE with no route: whether `target` (the attachment the route
    # should lead to) propagates into `route_table_id` (None: not known or not read).
    propagated: bool | None = None
    tunnels_down: int | None = None
    tunnels: int | None = None
    # Peering: the connection's status message, the function's side, the far VPC's CIDRs.
    status_message: str | None = None
    near_vpc_id: str | None = None
    cidrs: tuple[str, ...] = ()
    # VPN: each tunnel's (outside IP, status message or status), as AWS reports them.
    tunnel_statuses: tuple[tuple[str | None, str | None], ...] = ()
    case: Case | None = None  # which form of the step, where the outcome does not say
    # The traffic judged on the far side: its port and protocol, and the function subnet.
    port: int | None = None
    protocol: str | None = None
    source_cidr: str | None = None
    up_to: str | None = None  # FAR_SIDE unread: the last component verified
    # Far NACL: the NACL's own outcome (PARTIAL is stored as DENY in `outcome`).
    nacl_outcome: HopOutcome | None = None
    # Far security groups: the ENI's groups, and why they cannot be decided.
    group_ids: tuple[str, ...] = ()
    uncertain: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    # Route back (far VPC): the state of the route found, if any.
    route_state: str | None = None
    # Transit gateway: the TGW, the attachment, its resource type ("vpc", "vpn", ...), the
    # matched route's CIDR and type, the zones an attachment serves, the route's attachments.
    transit_gateway_id: str | None = None
    attachment_id: str | None = None
    resource_type: str | None = None
    route_cidr: str | None = None
    address: str | None = None  # a blackhole TGW route: the address it was looked up for
    route_type: str | None = None
    zones: tuple[str, ...] = ()
    route_targets: tuple[str, ...] = ()

    @property
    def detail(self) -> str:
        """The sentence, rendered from the fields (`paths.describe.beyond_sentence`)."""
        from vpcprobe_collector.paths.describe import beyond_sentence

        return beyond_sentence(self)


@dataclass
class BeyondPath:
    """The hops after the function VPC's route to `via` (pcx-…, tgw-…, vgw-…)."""

    subnet_id: str  # the function subnet
    destination: str
    port: int
    protocol: Literal["tcp", "udp"]
    via: str
    decisions: list[Decision] = field(default_factory=list)

    @property
    def decided_by(self) -> Decision | None:
        """The first hop that denies, else the first that is unknown."""
        for outcome in (HopOutcome.DENY, HopOutcome.UNKNOWN):
            hit = next((d for d in self.decisions if d.outcome is outcome), None)
            if hit:
                return hit
        return None

    @property
    def verdict(self) -> Verdict:
        decided = self.decided_by
        if decided is None:
            ends = any(d.step in (Step.END, Step.VPN) for d in self.decisions)
            return Verdict.LEAVES_VPC if ends else Verdict.REACHABLE
        return Verdict.BLOCKED if decided.outcome is HopOutcome.DENY else Verdict.UNKNOWN

    @property
    def far_vpc_read(self) -> str | None:
        """The far VPC whose route back, NACLs and security groups were read and all allow
        the traffic; None when not read, something denies or is unknown, or the path ends at
        something vpcprobe does not look into (a VPN, Direct Connect)."""
        if self.verdict is not Verdict.REACHABLE:
            return None
        return next(
            (d.vpc_id for d in self.decisions if d.step is Step.ROUTE_BACK and d.vpc_id), None
        )

    @property
    def verified_up_to(self) -> str:
        """The last component every hop up to which allowed the traffic."""
        last = self.via
        for d in self.decisions:
            if d.outcome is not HopOutcome.ALLOW and d.outcome is not HopOutcome.INFO:
                break
            last = d.component
        return last
