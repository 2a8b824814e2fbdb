"""Rules for paths that leave the VPC: peering (PCX), transit gateways (TGW), VPN (VPN).

Each rule reads the typed decisions of `paths.beyond` for one step; none matches routes, groups
or NACLs itself. A far side that could not be read is reported as skipped, naming what was
verified and what would let the rest be read; never as clean, never as the culprit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from vpcprobe_collector.aws_errors import DENIED_CODES
from vpcprobe_collector.findings.model import Evidence, Finding, Remediation, ResourceRef, Severity
from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.beyond.model import BeyondPath, Decision, Step
from vpcprobe_collector.paths.cidr import contains, parse_address, parse_network
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import RuleContext, TargetFacts
from vpcprobe_collector.rules.target_paths import (
    blocked_as_expected,
    observed_summary,
    probe_evidence,
    subnets_phrase,
)

PCX_API = "ec2:DescribeVpcPeeringConnections"
TGW_APIS = (
    "ec2:DescribeTransitGatewayAttachments",
    "ec2:DescribeTransitGatewayRouteTables",
    "ec2:SearchTransitGatewayRoutes",
)


def _kind(path: BeyondPath) -> str:
    return "pcx" if path.via.startswith("pcx-") else "tgw" if path.via.startswith("tgw-") else "vgw"


class BeyondRule(Rule):
    """One step beyond the VPC: fail where its decision denies, pass where it allows."""

    via: ClassVar[tuple[str, ...]]  # which paths: "pcx", "tgw", "vgw"
    steps: ClassVar[frozenset[Step]]
    outcome: ClassVar[HopOutcome] = HopOutcome.DENY
    subnet_scoped = False

    def select(self, decision: Decision) -> bool:
        return decision.step in self.steps

    def checked(self, paths: list[BeyondPath]) -> str:
        """The pass sentence: what was verified, up to where."""
        via = sorted({p.via for p in paths})
        return (
            f"Checked through {', '.join(via)} up to {paths[0].verified_up_to}: "
            f"nothing of {self.name.replace('-', ' ')}"
        )

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        raise NotImplementedError

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for fact in ctx.facts:
            hits: dict[tuple[str, str, str], tuple[Decision, BeyondPath, list[str]]] = {}
            mine: list[BeyondPath] = []
            for address in fact.addresses:
                for path in ctx.beyond_paths(address, fact.spec.port, fact.spec.protocol):
                    if _kind(path) not in self.via:
                        continue
                    mine.append(path)
                    decided = path.decided_by
                    if (
                        decided is not None
                        and decided.outcome is self.outcome
                        and self.select(decided)
                    ):
                        per_route = decided.step in (Step.ROUTE_BACK, Step.TGW_RETURN_ROUTE)
                        dest = "" if per_route else decided.destination or ""
                        key = (address, decided.component, dest)
                        hits.setdefault(key, (decided, path, []))[2].append(path.subnet_id)
            if not hits:
                # Clean only where every hop beyond the VPC was read and allows it.
                if mine and all(p.decided_by is None for p in mine):
                    yield self.passed(f"{self.checked(mine)} ({fact.label}).", target=fact.label)
                continue
            for (address, component, _dest), (d, path, subnets) in sorted(
                hits.items(), key=lambda kv: kv[0]
            ):
                yield self.report(ctx, fact, address, component, d, path, sorted(subnets))

    def report(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        address: str,
        component: str,
        d: Decision,
        path: BeyondPath,
        subnets: list[str],
    ) -> Finding:
        where = subnets_phrase(ctx, subnets)
        evidence = [
            Evidence(
                source=d.source_api,
                resource=component,
                observed=describe.beyond_sentence(d),
                data={
                    "step": d.step.value,
                    "via": path.via,
                    "state": d.state,
                    "route_table_id": d.route_table_id,
                    "destination": d.destination,
                    "subnets": subnets,
                    "address": address,
                },
            )
        ]
        if fact.probed:
            evidence.append(probe_evidence(fact))
        seen = f"; the probe saw: {observed_summary(fact)}" if fact.probed else ""
        message = f"{describe.beyond_sentence(d).rstrip('.')} ({where}; target {fact.label}){seen}."
        refs: list[ResourceRef | str] = [ResourceRef(id=component, rule=d.rule)]
        if path.via != component:
            refs.append(path.via)
        if blocked_as_expected(fact):
            return self.passed(message, resources=refs, target=fact.label, key=(address,))
        return self.fail(
            message,
            resources=[*refs, *subnets],
            evidence=evidence,
            remediation=self.remedy(ctx, fact, path, d, subnets),
            target=fact.label,
            key=(address,),
        )


def return_cidrs(ctx: RuleContext, subnets: list[str]) -> list[str]:
    """The CIDRs a route back must cover: the VPC's when every function subnet lacks it, else
    each affected function subnet's."""
    vpc = ctx.snapshot.vpc
    if vpc and vpc.cidr_blocks and set(subnets) >= set(ctx.function_subnet_ids):
        return list(vpc.cidr_blocks[:1])
    return [c for sid in subnets if (s := ctx.snapshot.subnet(sid)) and (c := s.cidr_block)]


def _region_flag(ctx: RuleContext, region: str | None) -> str:
    return f" --region {region}" if region and region != ctx.snapshot.region else ""


def _other_region(ctx: RuleContext, region: str | None) -> str | None:
    """`region` when a command must name it: it is not the snapshot's own."""
    return region if region and region != ctx.snapshot.region else None


# ---------------------------------------------------------------------------- peering


class PeeringNotActive(BeyondRule):
    code = "PCX001"
    name = "peering-not-active"
    title = "The VPC peering connection the route uses is not active"
    severity = Severity.HIGH
    causes = ("C22",)
    summary = "For each target routed to a pcx-…, whether that peering connection is active."
    why = (
        "A peering connection carries traffic only when active. One pending acceptance, "
        "rejected, expired or deleted drops everything routed to it: the function times out."
    )
    how_to_fix = (
        "Accept a connection that is pending-acceptance (in the accepter's account and region); "
        "recreate one that is deleted, rejected or expired and point the route at the new one."
    )
    inputs = (PCX_API, "ec2:DescribeRouteTables", "probe.tcp")
    via = ("pcx",)
    steps = frozenset({Step.PEERING})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        pcx = ctx.snapshot.beyond.peering(path.via)
        if d.state == "pending-acceptance" and pcx is not None:
            region = _other_region(ctx, pcx.accepter.region)
            return Remediation(
                text=(
                    f"Accept {path.via} as the accepter (account {pcx.accepter.owner_id}, VPC "
                    f"{pcx.accepter.vpc_id}); no route needs to change."
                ),
                commands=[remedies.accept_vpc_peering(path.via, region=region)],
            )
        table = ctx.route_table(path.subnet_id)
        rtb = table.route_table_id if table else "ROUTE_TABLE_ID"
        far = pcx.far_side(ctx.vpc_id) if pcx else None
        peer = far.vpc_id if far and far.vpc_id else "PEER_VPC_ID"
        owner = far.owner_id if far and far.owner_id != ctx.snapshot.account_id else None
        peer_region = far.region if far and far.region != ctx.snapshot.region else None
        cidr = (
            far.cidr_blocks[0] if far and far.cidr_blocks else remedies.host_cidr(path.destination)
        )
        return Remediation(
            text=(
                f"{path.via} is {d.state}: create a new peering connection to {peer}, have it "
                f"accepted, and point {rtb}'s route for {cidr} at it."
            ),
            commands=[
                remedies.create_vpc_peering(
                    ctx.vpc_id or "VPC_ID", peer, peer_owner_id=owner, peer_region=peer_region
                ),
                remedies.route(
                    rtb,
                    cidr,
                    replace=True,
                    vpc_peering_connection_id="NEW_PEERING_CONNECTION_ID",
                ),
            ],
        )


class PeerRouteBackMissing(BeyondRule):
    code = "PCX002"
    name = "peer-route-back-missing"
    title = "The peer VPC has no route back to the function through the peering"
    severity = Severity.HIGH
    causes = ("C22",)
    summary = (
        "For each target in a peered VPC, whether the destination subnet's route table routes "
        "the function subnets' CIDRs back through the same pcx-…."
    )
    why = (
        "Peering needs a route on both sides. Without the return route the target's replies "
        "go elsewhere (or nowhere): the classic asymmetric failure, a timeout."
    )
    how_to_fix = (
        "Add a route for the function subnets' CIDR to the destination subnet's route table, "
        "through the same peering connection."
    )
    inputs = (PCX_API, "ec2:DescribeVpcs", "ec2:DescribeRouteTables", "probe.tcp")
    via = ("pcx",)
    steps = frozenset({Step.ROUTE_BACK})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        remote = ctx.snapshot.beyond.remote_vpc(d.vpc_id)
        region = _other_region(ctx, remote.region if remote else None)
        cidrs = return_cidrs(ctx, subnets) or [d.destination or "FUNCTION_SUBNET_CIDR"]
        return Remediation(
            text=(
                f"Route {', '.join(cidrs)} from {d.route_table_id} (destination subnet "
                f"{d.subnet_id}) back through {path.via}."
            ),
            commands=[
                remedies.route(
                    d.route_table_id or "ROUTE_TABLE_ID",
                    cidr,
                    replace=bool(d.rule),
                    vpc_peering_connection_id=path.via,
                    region=region,
                )
                for cidr in cidrs
            ],
        )


def _far_sg_remedy(
    ctx: RuleContext, fact: TargetFacts, path: BeyondPath, d: Decision
) -> Remediation:
    subnet = ctx.snapshot.subnet(path.subnet_id)
    cidr = subnet.cidr_block if subnet and subnet.cidr_block else "FUNCTION_SUBNET_CIDR"
    remote = ctx.snapshot.beyond.remote_vpc(d.vpc_id)
    region = _other_region(ctx, remote.region if remote else None)
    proto, port = fact.spec.protocol, fact.spec.port
    return Remediation(
        text=(
            f"Allow inbound {proto.upper()} {port} from the function subnet {cidr} in "
            f"{d.component} "
            f"(in {d.vpc_id}); a reference to the function's security group also works across a "
            "same-region peering."
        ),
        commands=[remedies.sg_ingress_from_cidr(d.component, proto, port, cidr, region=region)],
    )


def _far_nacl_remedy(
    ctx: RuleContext, fact: TargetFacts, path: BeyondPath, d: Decision
) -> Remediation:
    subnet = ctx.snapshot.subnet(path.subnet_id)
    cidr = subnet.cidr_block if subnet and subnet.cidr_block else "FUNCTION_SUBNET_CIDR"
    remote = ctx.snapshot.beyond.remote_vpc(d.vpc_id)
    acl = (
        next((a for a in remote.network_acls if a.network_acl_id == d.component), None)
        if remote
        else None
    )
    inbound = d.step is Step.FAR_NACL_INBOUND
    below = d.rule_number or 32767
    lo, hi = (fact.spec.port, fact.spec.port) if inbound else (1024, 65535)
    command = remedies.nacl_allow(
        d.component,
        rule_number=remedies.free_rule_number(acl, not inbound, below),
        egress=not inbound,
        protocol=fact.spec.protocol,
        port_from=lo,
        port_to=hi,
        cidr=cidr,
    )
    return Remediation(
        text=(
            f"Allow {'inbound ' + str(fact.spec.port) if inbound else 'return ports 1024-65535'} "
            f"for {cidr} in network ACL {d.component} of {d.subnet_id}."
        ),
        commands=[command + _region_flag(ctx, remote.region if remote else None)],
    )


class PeerSecurityGroupDenies(BeyondRule):
    code = "PCX003"
    name = "peer-security-group-denies"
    title = "The target's security group in the peer VPC does not allow the function"
    severity = Severity.HIGH
    causes = ("C05", "C22")
    summary = (
        "For each target in a peered VPC, whether its security groups allow the port from the "
        "function subnets' CIDRs or from the function's security groups (a reference across "
        "the peering)."
    )
    why = "A security group in the peer VPC that does not name the function drops its traffic."
    how_to_fix = "Allow the port from the function subnets' CIDR (or the function's group)."
    inputs = (
        PCX_API,
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkInterfaces",
    )
    via = ("pcx",)
    steps = frozenset({Step.FAR_SG_INGRESS})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        return _far_sg_remedy(ctx, fact, path, d)


class PeerNaclDenies(BeyondRule):
    code = "PCX004"
    name = "peer-nacl-denies"
    title = "A network ACL in the peer VPC denies the traffic or its replies"
    severity = Severity.HIGH
    causes = ("C06", "C22")
    summary = (
        "For each target in a peered VPC, whether its subnet's network ACL allows the port in "
        "from the function subnets and the return ports 1024-65535 back out."
    )
    why = "Network ACLs are stateless: both directions must be allowed on the far side too."
    how_to_fix = "Add allow entries for the port inbound and 1024-65535 outbound."
    inputs = (PCX_API, "ec2:DescribeSubnets", "ec2:DescribeNetworkAcls")
    via = ("pcx",)
    steps = frozenset({Step.FAR_NACL_INBOUND, Step.FAR_NACL_OUTBOUND_RETURN})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        return _far_nacl_remedy(ctx, fact, path, d)


class PeeringCidrsOverlap(BeyondRule):
    code = "PCX005"
    name = "peering-cidrs-overlap"
    title = "The peered VPCs' CIDRs overlap"
    severity = Severity.HIGH
    causes = ("C22",)
    summary = "For each peering a target is routed to, whether the two VPCs' CIDRs overlap."
    why = "Addresses in an overlap are local on both sides and never cross the peering."
    how_to_fix = "Readdress one side, or reach the target through a non-overlapping range."
    inputs = (PCX_API,)
    via = ("pcx",)
    steps = frozenset({Step.PEERING_OVERLAP})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        return Remediation(
            text=(
                f"The CIDRs {d.destination} overlap; peering cannot route between them. Move "
                f"the target into a range of {d.vpc_id} that does not overlap, or use a "
                "PrivateLink endpoint service instead of peering."
            ),
            commands=[remedies.describe_vpc_peering(path.via)],
        )


class PeerDestinationOutside(BeyondRule):
    code = "PCX006"
    name = "peering-destination-not-in-peer"
    title = "The route sends traffic over a peering to an address outside the peer VPC"
    severity = Severity.HIGH
    causes = ("C01", "C22")
    summary = (
        "For each target routed to a pcx-…, whether its address is inside the peer VPC's CIDRs "
        "(peering is not transitive)."
    )
    why = (
        "A peer VPC does not forward traffic for other networks (its own peerings, a TGW, a "
        "VPN): the packets are dropped."
    )
    how_to_fix = "Route the destination through a transit gateway or the right peering instead."
    inputs = (PCX_API, "ec2:DescribeRouteTables")
    via = ("pcx",)
    steps = frozenset({Step.PEER_DESTINATION})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        table = ctx.route_table(path.subnet_id)
        rtb = table.route_table_id if table else "ROUTE_TABLE_ID"
        return Remediation(
            text=(
                f"{path.destination} is not in {d.vpc_id}: route it from {rtb} through the "
                "transit gateway or peering connection that reaches its network."
            ),
            commands=[
                remedies.route(
                    rtb,
                    remedies.host_cidr(path.destination),
                    replace=True,
                    transit_gateway_id="TRANSIT_GATEWAY_ID",
                )
            ],
        )


class FarSideNotRead(Rule):
    """Skipped, never pass or fail: the far VPC (or the pcx/TGW facts) could not be read."""

    code = "PCX007"
    name = "far-side-not-read"
    title = "The VPC beyond a peering or transit gateway could not be read"
    severity = Severity.MEDIUM
    causes = ("C22",)
    summary = (
        "For each target routed beyond the VPC, whether everything on the way could be read: the "
        "peering connection or TGW facts, and the far VPC (its own account and region)."
    )
    why = (
        "What is not read cannot be cleared or blamed: the report says what was verified, what "
        "was not, and which role would let it be read."
    )
    how_to_fix = (
        "Pass --assume-role arn:aws:iam::ACCOUNT:role/NAME for the far side's account (or map it "
        "in the [peers] table of --config) to a role with the DiagnoseReadOnly permissions."
    )
    inputs = (PCX_API, *TGW_APIS, "ec2:DescribeVpcs", "sts:AssumeRole")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for fact in ctx.facts:
            reasons: dict[str, tuple[BeyondPath, Decision]] = {}
            for address in fact.addresses:
                for path in ctx.beyond_paths(address, fact.spec.port, fact.spec.protocol):
                    d = path.decided_by
                    # A VPN whose state is unknown is VPN003's to say.
                    if d is not None and d.outcome is HopOutcome.UNKNOWN and d.step is not Step.VPN:
                        reasons.setdefault(d.component, (path, d))
            for component, (path, d) in sorted(reasons.items()):
                reason = describe.beyond_sentence(d).rstrip(".")
                # EC2 says UnauthorizedOperation where other services say AccessDenied.
                denied = d.error_code in DENIED_CODES
                if d.step is Step.FAR_SIDE and d.account_id and denied:
                    if d.api == "sts:AssumeRole":
                        # The role was named but could not be taken on: its reads never ran.
                        reason += (
                            f"; the role for account {d.account_id} could not be assumed: its "
                            "trust policy must name this caller, and the caller needs "
                            "sts:AssumeRole on that role"
                        )
                    else:
                        reason += (
                            f"; a role in account {d.account_id} allowed ec2:DescribeVpcs, "
                            "DescribeSubnets, DescribeRouteTables, DescribeNetworkAcls, "
                            "DescribeSecurityGroups and DescribeNetworkInterfaces would let it "
                            "be read"
                        )
                yield self.skipped(
                    f"{reason} (target {fact.label}, verified up to {path.verified_up_to})",
                    resources=[component, path.via],
                    target=fact.label,
                )


# ---------------------------------------------------------------------------- transit gateway


class TgwAttachmentUnusable(BeyondRule):
    code = "TGW001"
    name = "tgw-attachment-unusable"
    title = "The function's VPC has no usable attachment to the transit gateway"
    severity = Severity.HIGH
    causes = ("C01", "C22")
    summary = (
        "For each target routed to a tgw-…, whether the function VPC's attachment exists and "
        "is available."
    )
    why = (
        "A route to a transit gateway the VPC is not attached to (or whose attachment is not "
        "available) drops the traffic."
    )
    how_to_fix = (
        "Attach the VPC to the transit gateway with one subnet in each function AZ (or accept "
        "the attachment)."
    )
    inputs = ("ec2:DescribeSubnets", *TGW_APIS)
    via = ("tgw",)
    steps = frozenset({Step.TGW_ATTACHMENT})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        if d.state == "pendingAcceptance":
            return Remediation(
                text=f"Accept attachment {d.component} in the transit gateway owner's account.",
                commands=[remedies.accept_tgw_attachment(d.component)],
            )
        by_zone: dict[str, str] = {}
        for s in ctx.function_subnets():
            by_zone.setdefault(s.availability_zone or s.subnet_id, s.subnet_id)
        return Remediation(
            text=(
                f"Attach {ctx.vpc_id} to {path.via} with one function subnet per Availability Zone."
            ),
            commands=[
                remedies.create_tgw_vpc_attachment(
                    path.via, ctx.vpc_id or "VPC_ID", sorted(by_zone.values())
                )
            ],
        )


class TgwAttachmentMissingAz(BeyondRule):
    code = "TGW002"
    name = "tgw-attachment-missing-az"
    title = "The transit gateway attachment has no subnet in a function subnet's Availability Zone"
    severity = Severity.HIGH
    causes = ("C24", "C22")
    summary = (
        "For each function subnet whose route leads to a tgw-…, whether the VPC's attachment has "
        "a subnet in that subnet's Availability Zone."
    )
    why = (
        "A transit gateway takes traffic only in the AZs its attachment has a subnet in. From an "
        "AZ without one the traffic is dropped, so invocations fail or succeed depending on "
        "where the execution environment runs."
    )
    how_to_fix = "Add a subnet in that Availability Zone to the attachment."
    inputs = ("ec2:DescribeTransitGatewayVpcAttachments", "ec2:DescribeSubnets")
    via = ("tgw",)
    steps = frozenset({Step.TGW_ATTACHMENT_AZ})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        return Remediation(
            text=(
                f"Add a subnet in {d.availability_zone} (for example function subnet "
                f"{d.subnet_id}) to attachment {d.component}."
            ),
            commands=[remedies.add_tgw_attachment_subnet(d.component, d.subnet_id or "SUBNET_ID")],
        )


def _destination_attachment(ctx: RuleContext, address: str) -> str:
    """The attachment of the VPC that holds `address`, when one was read; else a placeholder."""
    ip = parse_address(address)
    for vpc_id, blocks in sorted(_attached_cidrs(ctx).items()):
        if any(contains(parse_network(c), ip) for c in blocks):
            for a in ctx.snapshot.beyond.transit_gateway_attachments:
                if a.resource_id == vpc_id:
                    return a.transit_gateway_attachment_id
    return "DESTINATION_ATTACHMENT_ID"


def _attached_cidrs(ctx: RuleContext) -> dict[str, list[str]]:
    """The CIDRs of the VPCs attached to the function's transit gateways, as read."""
    beyond = ctx.snapshot.beyond
    cidrs = dict(beyond.attached_vpc_cidrs)
    for remote in beyond.remote_vpcs:
        if remote.vpc:
            cidrs.setdefault(remote.vpc_id, remote.vpc.cidr_blocks)
    return cidrs


class TgwRouteMissing(BeyondRule):
    code = "TGW003"
    name = "tgw-route-missing"
    title = "The transit gateway route table has no usable route for the destination"
    severity = Severity.HIGH
    causes = ("C01", "C22")
    summary = (
        "For each target routed to a tgw-…, whether the TGW route table associated with the "
        "function VPC's attachment has a route for it (longest prefix; static or propagated), "
        "and not a blackhole."
    )
    why = "With no route, or a blackhole, the transit gateway drops the traffic: a timeout."
    how_to_fix = (
        "Add a static route to the destination's attachment, or enable propagation of that "
        "attachment into the route table."
    )
    inputs = TGW_APIS
    via = ("tgw",)
    steps = frozenset({Step.TGW_ROUTE})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        if d.route_table_id is None:  # the attachment is associated with no route table
            tgw = next(
                (
                    t
                    for t in ctx.snapshot.beyond.transit_gateways
                    if t.transit_gateway_id == path.via
                ),
                None,
            )
            rtb = (tgw.association_default_route_table_id if tgw else None) or "TGW_ROUTE_TABLE_ID"
            return Remediation(
                text=f"Associate attachment {d.component} with a TGW route table ({rtb}).",
                commands=[remedies.associate_tgw_route_table(rtb, d.component)],
            )
        dest = d.target or _destination_attachment(ctx, path.destination)
        dest_vpc = next(
            (
                a.resource_id
                for a in ctx.snapshot.beyond.transit_gateway_attachments
                if a.transit_gateway_attachment_id == dest
            ),
            None,
        )
        ip = parse_address(path.destination)
        cidr = next(
            (
                c
                for c in _attached_cidrs(ctx).get(dest_vpc or "", [])
                if contains(parse_network(c), ip)
            ),
            d.destination or remedies.host_cidr(path.destination),
        )
        if d.state == "blackhole":
            cidr = d.destination or cidr
        route = remedies.tgw_route(d.route_table_id, cidr, dest, replace=d.state == "blackhole")
        propagate = remedies.enable_tgw_propagation(d.route_table_id, dest)
        if d.propagated is False:
            return Remediation(
                text=(
                    f"{dest} does not propagate into {d.route_table_id}: enable its "
                    f"propagation, or route {cidr} to it statically."
                ),
                commands=[propagate, route],
            )
        return Remediation(
            text=(
                f"Route {cidr} in {d.route_table_id} to the destination's attachment, or "
                "propagate that attachment's routes into it."
            ),
            commands=[route, propagate],
        )


class TgwDestinationNoRouteBack(BeyondRule):
    code = "TGW004"
    name = "tgw-destination-no-route-back"
    title = "The destination VPC has no route back to the function through the transit gateway"
    severity = Severity.HIGH
    causes = ("C22",)
    summary = (
        "For each target in a VPC behind a tgw-…, whether the destination subnet's route table "
        "routes the function subnets' CIDRs back to the same transit gateway."
    )
    why = "Without a return route the replies go elsewhere or nowhere: an asymmetric timeout."
    how_to_fix = "Add a route for the function subnets' CIDR to the transit gateway."
    inputs = ("ec2:DescribeVpcs", "ec2:DescribeRouteTables", *TGW_APIS)
    via = ("tgw",)
    steps = frozenset({Step.ROUTE_BACK})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        cidrs = return_cidrs(ctx, subnets) or [d.destination or "FUNCTION_SUBNET_CIDR"]
        return Remediation(
            text=(
                f"Route {', '.join(cidrs)} from {d.route_table_id} (destination subnet "
                f"{d.subnet_id}) to transit gateway {path.via}."
            ),
            commands=[
                remedies.route(
                    d.route_table_id or "ROUTE_TABLE_ID",
                    cidr,
                    replace=bool(d.rule),
                    transit_gateway_id=path.via,
                )
                for cidr in cidrs
            ],
        )


class TgwReturnRouteMissing(BeyondRule):
    code = "TGW005"
    name = "tgw-return-route-missing"
    title = "The transit gateway does not route replies back to the function's VPC"
    severity = Severity.HIGH
    causes = ("C22",)
    summary = (
        "For each target behind a tgw-…, whether the TGW route table associated with the "
        "destination's attachment routes the function subnets back to the function's attachment."
    )
    why = "Replies the transit gateway cannot route back are dropped: a timeout."
    how_to_fix = (
        "Add a route for the function VPC's CIDR to its attachment in that TGW route table, or "
        "enable propagation of the function VPC's attachment into it."
    )
    inputs = ("ec2:DescribeVpcs", *TGW_APIS)
    via = ("tgw",)
    steps = frozenset({Step.TGW_RETURN_ROUTE})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        rtb = d.route_table_id or "TGW_ROUTE_TABLE_ID"
        vpc_cidr = (return_cidrs(ctx, subnets) or [d.destination or "FUNCTION_VPC_CIDR"])[0]
        route = remedies.tgw_route(rtb, vpc_cidr, d.target or "ATTACHMENT_ID")
        propagate = remedies.enable_tgw_propagation(rtb, d.target or "ATTACHMENT_ID")
        if d.propagated is False:
            return Remediation(
                text=(
                    f"The function VPC's attachment {d.target} does not propagate into {rtb}: "
                    f"enable its propagation, or route {vpc_cidr} to it statically."
                ),
                commands=[propagate, route],
            )
        return Remediation(
            text=f"Route {vpc_cidr} in {rtb} to the function VPC's attachment {d.target}.",
            commands=[route, propagate],
        )


class TgwDestinationAttachmentUnusable(BeyondRule):
    code = "TGW006"
    name = "tgw-destination-attachment-unusable"
    title = "The transit gateway routes the destination to an attachment that is not available"
    severity = Severity.HIGH
    causes = ("C22",)
    summary = (
        "For each target behind a tgw-…, whether the attachment its TGW route leads to is "
        "available."
    )
    why = "An attachment that is pending, failed or deleted carries no traffic."
    how_to_fix = "Accept or recreate the attachment, then route to it."
    inputs = TGW_APIS
    via = ("tgw",)
    steps = frozenset({Step.TGW_DESTINATION})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        return Remediation(
            text=f"Attachment {d.component} ({d.target}) is {d.state}: accept it or recreate it.",
            commands=[remedies.describe_tgw_attachment(d.component)],
        )


class TgwDestinationFiltered(BeyondRule):
    code = "TGW007"
    name = "tgw-destination-filtered"
    title = "A security group or network ACL in the destination VPC blocks the function"
    severity = Severity.HIGH
    causes = ("C05", "C06", "C22")
    summary = (
        "For each target in a VPC behind a tgw-…, whether its security groups allow the port "
        "from the function subnets and its subnet's NACL allows the port in and replies out."
    )
    why = "The far side filters like any VPC: a group or NACL that does not allow it drops it."
    how_to_fix = "Allow the function subnets' CIDR in the destination's group or NACL."
    inputs = (
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkAcls",
        *TGW_APIS,
    )
    via = ("tgw",)
    steps = frozenset({Step.FAR_SG_INGRESS, Step.FAR_NACL_INBOUND, Step.FAR_NACL_OUTBOUND_RETURN})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        if d.step is Step.FAR_SG_INGRESS:
            return _far_sg_remedy(ctx, fact, path, d)
        return _far_nacl_remedy(ctx, fact, path, d)


class DirectConnectGatewayUnusable(BeyondRule):
    code = "TGW008"
    name = "direct-connect-gateway-unusable"
    title = (
        "The transit gateway hands the traffic to a Direct Connect gateway that is not available"
    )
    severity = Severity.HIGH
    causes = ("C22",)
    summary = (
        "For each target a TGW route sends to a Direct Connect gateway attachment, whether the "
        "Direct Connect gateway (dxgw-…) is available."
    )
    why = (
        "A Direct Connect gateway that is pending, deleting or deleted carries nothing to the "
        "network on premises: a timeout."
    )
    how_to_fix = (
        "Wait for the Direct Connect gateway to become available, or recreate it and its "
        "transit gateway association."
    )
    inputs = (*TGW_APIS, "directconnect:DescribeDirectConnectGateways")
    via = ("tgw",)
    steps = frozenset({Step.END})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        return Remediation(
            text=(
                f"Direct Connect gateway {d.component} is {d.state}: wait until it is available, "
                f"or recreate it and associate it with {path.via} again."
            ),
            commands=remedies.describe_direct_connect_gateway(d.component),
        )


# ---------------------------------------------------------------------------- VPN


def _all_tunnels_down(d: Decision) -> bool:
    """An available VPN connection whose every tunnel is DOWN (VPN001, not VPN002)."""
    return d.state == "available" and bool(d.tunnels) and d.tunnels_down == d.tunnels


class VpnTunnelsDown(BeyondRule):
    code = "VPN001"
    name = "vpn-tunnels-down"
    title = "Every tunnel of the VPN connection the path ends at is DOWN"
    severity = Severity.HIGH
    causes = ("C22",)
    summary = (
        "For each target routed to a vgw-… or a TGW VPN attachment, whether the VPN connection "
        "has at least one tunnel UP (VgwTelemetry)."
    )
    why = "With both tunnels DOWN nothing reaches the network behind the VPN: a timeout."
    how_to_fix = (
        "Check the customer gateway device (IKE/IPsec settings, its public address, BGP); the "
        "tunnel status message says why AWS sees it down."
    )
    inputs = ("ec2:DescribeVpnConnections", "ec2:DescribeVpnGateways", *TGW_APIS)
    via = ("vgw", "tgw")
    steps = frozenset({Step.VPN})

    def select(self, decision: Decision) -> bool:
        return decision.step is Step.VPN and _all_tunnels_down(decision)

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        return Remediation(
            text=(
                f"Bring up at least one tunnel of {d.component}: check the customer gateway "
                "device's IKE/IPsec configuration against the connection's, and its logs."
            ),
            commands=[
                remedies.describe_vpn_telemetry(d.component),
                remedies.vpn_device_sample_configuration(d.component),
            ],
        )


class VpnConnectionUnusable(BeyondRule):
    code = "VPN002"
    name = "vpn-connection-unusable"
    title = "The VPN the path ends at is not available"
    severity = Severity.HIGH
    causes = ("C22",)
    summary = (
        "For each target routed to a vgw-…, whether that gateway has a VPN connection that is "
        "available (or, through a TGW, whether the VPN attachment's connection is)."
    )
    why = "Traffic routed to a gateway without a working VPN connection goes nowhere."
    how_to_fix = "Create (or recreate) the VPN connection on the gateway."
    inputs = ("ec2:DescribeVpnConnections", "ec2:DescribeVpnGateways")
    via = ("vgw", "tgw")
    steps = frozenset({Step.VPN})

    def select(self, decision: Decision) -> bool:
        return decision.step is Step.VPN and not _all_tunnels_down(decision)

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        connection = next(
            (c for c in ctx.snapshot.beyond.vpn_connections if c.vpn_connection_id == d.component),
            None,
        )
        customer = (connection.customer_gateway_id if connection else None) or (
            "CUSTOMER_GATEWAY_ID"
        )
        if connection and not connection.vpn_gateway_id and connection.transit_gateway_id:
            command = remedies.create_vpn_connection(
                customer, transit_gateway_id=connection.transit_gateway_id
            )
        else:
            vgw = connection.vpn_gateway_id if connection else None
            command = remedies.create_vpn_connection(customer, vpn_gateway_id=vgw or path.via)
        return Remediation(
            text=f"{d.component} is {d.state}: create or restore its VPN connection.",
            commands=[command],
        )


class VgwDirectConnectNotAssociated(BeyondRule):
    code = "VPN004"
    name = "vgw-direct-connect-not-associated"
    title = (
        "The virtual private gateway the path ends at has no VPN, and its Direct Connect "
        "gateway association is not associated"
    )
    severity = Severity.HIGH
    causes = ("C22",)
    summary = (
        "For each target routed to a vgw-… with no VPN connection, whether its Direct Connect "
        "gateway association (dxgw-…) is associated."
    )
    why = (
        "A virtual private gateway whose only way out is a Direct Connect gateway association "
        "that is associating, disassociating or disassociated carries nothing on premises: a "
        "timeout."
    )
    how_to_fix = (
        "Wait for the association to become associated, or associate the virtual private "
        "gateway with the Direct Connect gateway again."
    )
    inputs = (
        "ec2:DescribeVpnConnections",
        "ec2:DescribeVpnGateways",
        "directconnect:DescribeDirectConnectGatewayAssociations",
    )
    via = ("vgw",)
    steps = frozenset({Step.END})

    def remedy(
        self,
        ctx: RuleContext,
        fact: TargetFacts,
        path: BeyondPath,
        d: Decision,
        subnets: list[str],
    ) -> Remediation:
        gone = d.state in ("disassociated", "disassociating")
        what = "associate it again" if gone else "wait until it is associated"
        return Remediation(
            text=(
                f"The association of {path.via} with Direct Connect gateway {d.component} is "
                f"{d.state}: {what}."
            ),
            commands=remedies.vgw_direct_connect_association(d.component, path.via, create=gone),
        )


class VpnStatusUnknown(Rule):
    code = "VPN003"
    name = "vpn-status-unknown"
    title = "The state of the VPN the path ends at could not be read"
    severity = Severity.MEDIUM
    causes = ("C22",)
    summary = "For each target routed to a VPN, whether its connection and tunnel status were read."
    why = "A path that ends at a VPN whose tunnels are unknown is neither cleared nor blamed."
    how_to_fix = "Allow ec2:DescribeVpnConnections and ec2:DescribeVpnGateways."
    inputs = ("ec2:DescribeVpnConnections", "ec2:DescribeVpnGateways")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for fact in ctx.facts:
            seen: set[str] = set()
            for address in fact.addresses:
                for path in ctx.beyond_paths(address, fact.spec.port, fact.spec.protocol):
                    d = path.decided_by
                    if d is None or d.step is not Step.VPN or d.outcome is not HopOutcome.UNKNOWN:
                        continue
                    if d.component in seen:
                        continue
                    seen.add(d.component)
                    said = describe.beyond_sentence(d).rstrip(".")
                    yield self.skipped(
                        f"{said} (target {fact.label}, verified up to {path.verified_up_to})",
                        resources=[d.component, path.via],
                        target=fact.label,
                    )
