"""Security group and network ACL rules: what filters a target's traffic on the way."""

from __future__ import annotations

from collections.abc import Iterable

from vpcprobe_collector.findings.model import (
    Finding,
    FindingStatus,
    Remediation,
    ResourceRef,
    Severity,
    fingerprint,
)
from vpcprobe_collector.paths.hops.nacl import EGRESS, RETURN_KINDS, TOWARD_DESTINATION
from vpcprobe_collector.paths.model import Hop, HopKind, PathResult
from vpcprobe_collector.paths.nacls import DEFAULT_RULE_NUMBER
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.context import EC2_ENIS, EC2_NACLS, EC2_SGS, RuleContext, TargetFacts
from vpcprobe_collector.rules.target_paths import PathHopRule, partial_hop
from vpcprobe_collector.snapshot.model import NaclEntry, NetworkAcl


class FunctionEgressDenied(PathHopRule):
    code = "SGR001"
    name = "function-egress-denied"
    title = "The function's security groups do not allow the outbound connection"
    severity = Severity.HIGH
    causes = ("C04",)
    summary = (
        "For each target, whether the union of the function's security groups' outbound rules "
        "allows the protocol and port to the address the probe resolved."
    )
    why = (
        "Security groups allow only what a rule names. Without an outbound rule to the "
        "target, the connection is dropped silently and the function waits until it times out."
    )
    how_to_fix = (
        "Add an outbound rule to one of the function's security groups that allows the "
        "target's port to its address (or to the target's security group)."
    )
    inputs = ("lambda:GetFunction", EC2_SGS, "probe.tcp", "probe.dns")
    hop_kinds = frozenset({HopKind.SECURITY_GROUP_EGRESS})
    checked = "The function's security groups"
    reads = (EC2_SGS,)

    def remedy(self, ctx: RuleContext, fact: TargetFacts, address: str, hop: Hop) -> Remediation:
        group = ctx.function_sg_ids[0] if ctx.function_sg_ids else hop.component_id
        return Remediation(
            text=(
                f"Allow outbound {fact.spec.protocol.upper()} {fact.spec.port} to {address} "
                f"from the function's security group {group}."
            ),
            commands=[
                remedies.sg_egress_to_address(group, fact.spec.protocol, fact.spec.port, address)
            ],
        )


class TargetIngressDenied(PathHopRule):
    code = "SGR002"
    name = "target-ingress-denied"
    title = "The target's security groups do not allow the function in"
    severity = Severity.HIGH
    causes = ("C05",)
    summary = (
        "For targets whose network interface is in the snapshot, whether its security groups "
        "allow the port from the function's security groups or subnets."
    )
    why = (
        "The target's inbound rules must name the function's security group (or its subnets' "
        "ranges: Lambda's Hyperplane ENI address is one of the subnet's). Otherwise packets "
        "are dropped and the function times out."
    )
    how_to_fix = (
        "Add an inbound rule to the target's security group that allows the port from the "
        "function's security group."
    )
    inputs = (EC2_ENIS, EC2_SGS, "probe.tcp", "probe.dns")
    limits = "A target ENI in another account, or not found by address, cannot be checked."
    hop_kinds = frozenset({HopKind.TARGET_SECURITY_GROUP_INGRESS})
    checked = "The target's security groups"
    reads = (EC2_SGS, EC2_ENIS)

    def applies(self, ctx: RuleContext, fact: TargetFacts, address: str) -> bool:
        # Only where a path judged the target's groups: an address nobody holds (TGT005's) or
        # one beyond the VPC has none, and "the target's security groups allow" would be a
        # pass over nothing.
        return any(
            hop.kind in self.hop_kinds for path in fact.paths.get(address, []) for hop in path.hops
        )

    def remedy(self, ctx: RuleContext, fact: TargetFacts, address: str, hop: Hop) -> Remediation:
        source = ctx.function_sg_ids[0] if ctx.function_sg_ids else "sg-FUNCTION"
        return Remediation(
            text=(
                f"Allow inbound {fact.spec.protocol.upper()} {fact.spec.port} on "
                f"{hop.component_id} "
                f"from the function's security group {source}."
            ),
            commands=[
                remedies.sg_ingress_from_group(
                    hop.component_id, fact.spec.protocol, fact.spec.port, source
                )
            ],
        )


def _acl(ctx: RuleContext, acl_id: str) -> NetworkAcl | None:
    return next((a for a in ctx.snapshot.network_acls if a.network_acl_id == acl_id), None)


def _function_cidr(ctx: RuleContext, path_subnets: list[str] | None = None) -> str:
    for subnet in ctx.function_subnets():
        if subnet.cidr_block and (not path_subnets or subnet.subnet_id in path_subnets):
            return subnet.cidr_block
    return "0.0.0.0/0"


class NaclDeniesRequest(PathHopRule):
    code = "ACL001"
    name = "nacl-denies-request"
    title = "A network ACL denies the connection on its way to the target"
    severity = Severity.HIGH
    causes = ("C06",)
    summary = (
        "For each target, the function subnet's network ACL outbound rules and, when the "
        "target is in another subnet of the VPC, that subnet's inbound rules: the first "
        "matching rule number decides."
    )
    why = (
        "Network ACLs are stateless and apply to every packet crossing a subnet boundary. A "
        "deny (or the default `*` rule) drops the connection attempt and the function times out."
    )
    how_to_fix = (
        "Add an allow entry with a lower rule number than the deciding deny, or remove the "
        "deny if nothing needs it."
    )
    inputs = (EC2_NACLS, "probe.tcp", "probe.dns")
    hop_kinds = frozenset(
        {
            HopKind.NACL_OUTBOUND,
            HopKind.TARGET_NACL_INBOUND,
            HopKind.NAT_NACL_INBOUND,
            HopKind.NAT_NACL_OUTBOUND,
        }
    )
    checked = "The network ACLs"
    reads = (EC2_NACLS,)

    def remedy(self, ctx: RuleContext, fact: TargetFacts, address: str, hop: Hop) -> Remediation:
        # The hop's direction and rule number are typed: egress entries for the outbound
        # hops, the destination's address as the peer where the hop faces it.
        outbound = EGRESS[hop.kind]
        number = hop.rule_number if hop.rule_number is not None else DEFAULT_RULE_NUMBER
        acl = _acl(ctx, hop.component_id)
        toward = hop.kind in TOWARD_DESTINATION
        cidr = remedies.host_cidr(address) if toward else _function_cidr(ctx)
        new = remedies.free_rule_number(acl, outbound, number)
        command = remedies.nacl_allow(
            hop.component_id,
            rule_number=new,
            egress=outbound,
            protocol=fact.spec.protocol,
            port_from=fact.spec.port,
            port_to=fact.spec.port,
            cidr=cidr,
        )
        direction = "outbound" if outbound else "inbound"
        text = (
            f"Allow {direction} {fact.spec.protocol.upper()} {fact.spec.port} "
            f"{'to' if outbound else 'from'} {cidr} in {hop.component_id} with rule {new}, "
            f"evaluated before rule {number if number != DEFAULT_RULE_NUMBER else '*'}."
        )
        return Remediation(text=text, commands=[command])


class NaclDeniesReturn(PathHopRule):
    code = "ACL002"
    name = "nacl-denies-return-traffic"
    title = "A network ACL drops the replies (return ports 1024-65535)"
    severity = Severity.HIGH
    causes = ("C06",)
    summary = (
        "For each target, whether the function subnet's network ACL lets replies in on the "
        "ephemeral ports 1024-65535, and the target subnet's ACL lets them out."
    )
    why = (
        "Network ACLs are stateless: the reply to the function's connection comes back to a "
        "port from 1024 to 65535 and must be allowed explicitly, or the connection hangs."
    )
    how_to_fix = (
        "Allow TCP 1024-65535 inbound from the target (and outbound at the target's subnet)."
    )
    inputs = (EC2_NACLS, "probe.tcp", "probe.dns")
    hop_kinds = RETURN_KINDS
    checked = "The network ACLs' return rules"
    reads = (EC2_NACLS,)

    def matching_hop(self, path: PathResult) -> Hop | None:
        if path.intermittent:
            return None  # a partially allowed range is ACL003's
        return super().matching_hop(path)

    def remedy(self, ctx: RuleContext, fact: TargetFacts, address: str, hop: Hop) -> Remediation:
        inbound = not EGRESS[hop.kind]
        number = hop.rule_number if hop.rule_number is not None else DEFAULT_RULE_NUMBER
        acl = _acl(ctx, hop.component_id)
        toward = hop.kind in TOWARD_DESTINATION
        cidr = remedies.host_cidr(address) if toward else _function_cidr(ctx)
        new = remedies.free_rule_number(acl, not inbound, number)
        command = remedies.nacl_allow(
            hop.component_id,
            rule_number=new,
            egress=not inbound,
            protocol="tcp",
            port_from=1024,
            port_to=65535,
            cidr=cidr,
        )
        return Remediation(
            text=(
                f"Allow the return traffic (TCP 1024-65535) {'from' if toward else 'to'} "
                f"{cidr} in {hop.component_id} with rule {new}."
            ),
            commands=[command],
        )


class NaclReturnPortsPartial(NaclDeniesReturn):
    code = "ACL003"
    name = "return-ports-partially-allowed"
    title = "A network ACL allows only part of the return ports: failures are intermittent"
    severity = Severity.MEDIUM
    causes = ("C06",)
    summary = (
        "For each target, whether the network ACLs allow only part of 1024-65535 for replies, "
        "so that connections fail or succeed depending on the ephemeral port the kernel picks."
    )
    why = (
        "A partial range (for example 32768-65535) works most of the time and fails the rest: "
        "the hardest kind of failure to pin down from application logs."
    )
    how_to_fix = "Widen the allow entry to the whole range TCP 1024-65535."
    report_when_open = True  # a few lucky connections do not make a partial range safe
    checked = "The network ACLs' return rules (the whole 1024-65535 range)"

    def matching_hop(self, path: PathResult) -> Hop | None:
        if not path.intermittent:
            return None
        return partial_hop(path, RETURN_KINDS)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        # One partial rule hurts every target the same way: one finding per NACL entry (the
        # hop's typed NACL ID, direction and allowing rule number), all targets named.
        groups: dict[tuple[str, str, int], list[tuple[Finding, Hop]]] = {}
        for finding, hop in self.results(ctx):
            if finding.status is not FindingStatus.FAIL or hop is None:
                yield finding
                continue
            key = (hop.component_id, hop.kind.value, hop.allow_rule_number or -1)
            groups.setdefault(key, []).append((finding, hop))
        for group in groups.values():
            if len(group) == 1:
                yield group[0][0]
                continue
            first, hop = group[0]
            labels = [f.target or "?" for f, _ in group]
            # The hop's deciding rule is the deny that takes the rest; name the partial allow.
            ref = ResourceRef(id=hop.component_id, rule=_allow_label(hop))
            yield first.model_copy(
                update={
                    "message": (
                        f"Network ACL {ref.id} {ref.rule or ''} lets replies in on only part of "
                        f"ports 1024-65535, so connections to {', '.join(labels)} fail "
                        "intermittently; the probe saw: "
                        + "; ".join(
                            f"{f.target} {e.observed}"
                            for f, _ in group
                            for e in f.evidence
                            if e.source == "probe.tcp"
                        )
                        + "."
                    ),
                    "target": None,
                    "resources": [ref, *first.resources[1:]],
                    "evidence": [e for f, _ in group for e in f.evidence],
                    "fingerprint": fingerprint(self.code, [ref.id], *(ref.rule or "",), *labels),
                }
            )

    def remedy(self, ctx: RuleContext, fact: TargetFacts, address: str, hop: Hop) -> Remediation:
        acl = _acl(ctx, hop.component_id)
        entry = _entry(acl, hop.allow_rule_number, egress=EGRESS[hop.kind]) if acl else None
        if entry is None:
            return super().remedy(ctx, fact, address, hop)
        number = entry.rule_number
        cidr = entry.cidr_block or entry.ipv6_cidr_block or "0.0.0.0/0"
        command = remedies.nacl_allow(
            hop.component_id,
            rule_number=number,
            egress=EGRESS[hop.kind],
            protocol="tcp",
            port_from=1024,
            port_to=65535,
            cidr=cidr,
            replace=True,
        )
        return Remediation(
            text=f"Widen rule {number} of {hop.component_id} to the whole return range 1024-65535.",
            commands=[command],
        )


def _allow_label(hop: Hop) -> str | None:
    return f"rule {hop.allow_rule_number}" if hop.allow_rule_number is not None else hop.rule


def _entry(acl: NetworkAcl, rule_number: int | None, *, egress: bool) -> NaclEntry | None:
    """The NACL's entry with `rule_number` in one direction (the one the path engine named)."""
    if rule_number is None:
        return None
    return next(
        (e for e in acl.entries if e.egress == egress and e.rule_number == rule_number), None
    )
