"""Route 53 rules for target names: Resolver forwarding rules, private hosted zones and DNS
Firewall (R53). They read `paths.beyond.names`; the probe's DNS results say what happened."""

from __future__ import annotations

from collections.abc import Iterable

from vpcprobe.models import LAMBDA_DNS_FORWARDER, DnsResult, DnsStatus
from vpcprobe_collector.findings.model import Evidence, Finding, Remediation, ResourceRef, Severity
from vpcprobe_collector.paths.beyond import names
from vpcprobe_collector.paths.model import HopKind, PathResult, Verdict
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import RuleContext, TargetFacts, is_ip

RESOLVER_RULES = "route53resolver:ListResolverRuleAssociations"
RESOLVER_LIST = "route53resolver:ListResolverRules"
ENDPOINT = "route53resolver:GetResolverEndpoint"
ZONES_BY_VPC = "route53:ListHostedZonesByVPC"
ZONES = "route53:ListHostedZones"
FIREWALL = "route53resolver:ListFirewallRuleGroupAssociations"
FIREWALL_RULES = "route53resolver:ListFirewallRules"
FIREWALL_DOMAINS = "route53resolver:ListFirewallDomains"
FAILED = frozenset({DnsStatus.TIMEOUT, DnsStatus.SERVFAIL, DnsStatus.ERROR, DnsStatus.REFUSED})


def name_targets(ctx: RuleContext) -> list[TargetFacts]:
    return [f for f in ctx.facts if not is_ip(f.spec.host)]


def _through_amazon(results: list[DnsResult]) -> list[DnsResult]:
    """What the function's own lookups saw: getaddrinfo and the Lambda forwarder."""
    return [r for r in results if r.server in ("system", LAMBDA_DNS_FORWARDER)]


def name_failed(fact: TargetFacts, statuses: frozenset[DnsStatus]) -> bool:
    """The probe looked the name up and every lookup through Amazon's resolver ended in one
    of `statuses` (none answered)."""
    seen = [r for r in _through_amazon(fact.dns) if r.status is not DnsStatus.SKIPPED]
    return bool(seen) and all(r.status in statuses for r in seen)


def name_resolved(fact: TargetFacts) -> bool:
    return any(r.status is DnsStatus.OK for r in _through_amazon(fact.dns))


def _dns_evidence(fact: TargetFacts) -> Evidence:
    seen = _through_amazon(fact.dns)
    text = ", ".join(sorted({f"{r.server}/{r.transport.value} {r.status.value}" for r in seen}))
    return Evidence(
        source="probe.dns",
        resource=fact.spec.host,
        observed=text or "no lookup",
        expected="an answer",
    )


def _uses_amazon_dns(ctx: RuleContext) -> bool:
    dhcp = ctx.snapshot.dhcp_options
    return dhcp is None or "AmazonProvidedDNS" in dhcp.domain_name_servers


class ForwarderUnreachable(Rule):
    code = "R53001"
    name = "resolver-forwarder-unreachable"
    title = "The Resolver outbound endpoint cannot reach the forwarding rule's target IPs"
    severity = Severity.HIGH
    causes = ("C13",)
    summary = (
        "For each target name a Route 53 Resolver FORWARD rule covers, whether the rule's "
        "outbound endpoint (its security groups, its subnets' routes and NACLs) reaches each "
        "target IP on UDP and TCP 53, judged like any other path."
    )
    why = (
        "Names a forwarding rule covers are resolved only by its target DNS servers; if the "
        "outbound endpoint cannot reach them, lookups time out (SERVFAIL) for those names "
        "while every other name works."
    )
    how_to_fix = (
        "Allow UDP and TCP 53 to the target IPs from the endpoint's security group, and route "
        "its subnets to them (peering, transit gateway, VPN)."
    )
    inputs = (RESOLVER_RULES, RESOLVER_LIST, ENDPOINT, "ec2:DescribeSecurityGroups")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        facts = name_targets(ctx)
        if not facts or not ctx.snapshot.beyond.dns_read:
            return
        reason = ctx.skipped_reason(RESOLVER_RULES, RESOLVER_LIST)
        for fact in facts:
            if reason:
                yield self.skipped(reason, target=fact.label)
                continue
            rule = names.forwarding_rule(ctx.snapshot, fact.spec.host)
            if rule is None or rule.rule_type != "FORWARD":
                continue
            found = names.forwarding(ctx.snapshot, rule, index=ctx.index)
            refs: list[ResourceRef | str] = [rule.resolver_rule_id]
            if rule.resolver_endpoint_id:
                refs.append(rule.resolver_endpoint_id)
            ips = ", ".join(rule.target_ips)
            if found.verdict is Verdict.UNKNOWN:
                yield self.skipped(
                    found.unknown_reason
                    or f"the path from {rule.resolver_endpoint_id} to {ips} could not be judged",
                    resources=refs,
                    target=fact.label,
                )
                continue
            blocked = [p for p in found.paths if p.verdict is Verdict.BLOCKED]
            if not blocked:
                yield self.passed(
                    f"Resolver rule {rule.resolver_rule_id} forwards {fact.spec.host} to {ips} "
                    f"through {rule.resolver_endpoint_id}, which the configuration lets reach "
                    "them on port 53.",
                    resources=refs,
                    target=fact.label,
                )
                continue
            first = blocked[0]
            hop_detail, component, remedy = _blocking(first, found)
            yield self.fail(
                f"Resolver rule {rule.resolver_rule_id} forwards {fact.spec.host} "
                f"({rule.domain_name}) to {ips} through outbound endpoint "
                f"{rule.resolver_endpoint_id}, which cannot reach {first.target_ip} on port 53 "
                f"from {first.endpoint_ip} ({first.subnet_id}): {hop_detail.rstrip('.')}.",
                resources=[*refs, component, first.subnet_id],
                evidence=[
                    Evidence(
                        source="path",
                        resource=component,
                        observed=hop_detail,
                        expected=f"UDP and TCP 53 to {first.target_ip}",
                        data={
                            "rule": rule.resolver_rule_id,
                            "endpoint": rule.resolver_endpoint_id,
                            "target_ips": rule.target_ips,
                        },
                    ),
                    *([_dns_evidence(fact)] if fact.dns else []),
                ],
                remediation=remedy,
                target=fact.label,
            )


def _blocking(path: names.ForwarderPath, found: names.Forwarding) -> tuple[str, str, Remediation]:
    """The sentence, the component and the fix for the first blocked endpoint path."""
    endpoint = found.endpoint
    groups = endpoint.security_group_ids if endpoint else []
    for beyond in path.beyond:
        decided = beyond.decided_by
        if decided is not None:
            return (
                decided.detail,
                decided.component,
                Remediation(
                    text=(
                        f"Fix the path from {path.subnet_id} to {path.target_ip} beyond the VPC: "
                        f"{decided.detail}"
                    ),
                    commands=[],
                ),
            )
    result: PathResult | None = next(
        (r for r in path.results if r.verdict is Verdict.BLOCKED), None
    )
    hop = result.decided_by if result else None
    detail = hop.detail if hop else "the path is blocked"
    component = hop.component_id if hop else path.subnet_id
    if hop is not None and hop.kind is HopKind.SECURITY_GROUP_EGRESS and groups:
        commands = [
            remedies.sg_egress_to_address(groups[0], proto, 53, path.target_ip)
            for proto in ("udp", "tcp")
        ]
        text = (
            f"Allow outbound UDP and TCP 53 to {path.target_ip} from the outbound endpoint's "
            f"security group {groups[0]}."
        )
    else:
        commands = []
        text = f"Open the path from {path.subnet_id} to {path.target_ip} port 53: {detail}"
    return detail, component, Remediation(text=text, commands=commands)


class ForwardedNameFailed(Rule):
    code = "R53002"
    name = "forwarded-name-failed"
    title = "A name forwarded by a Resolver rule failed while other names resolved"
    severity = Severity.HIGH
    causes = ("C13",)
    summary = (
        "For each target name the probe could not resolve (timeout, SERVFAIL) while other names "
        "resolved, whether a Resolver FORWARD rule covers it: the rule, its target IPs and its "
        "outbound endpoint are then where the lookup went."
    )
    why = (
        "The VPC's resolver hands those names to the rule's DNS servers; a timeout there "
        "means the endpoint cannot reach them or they do not answer (on-premises DNS, a "
        "firewall on the way)."
    )
    how_to_fix = (
        "Check the endpoint's path to the target IPs (R53001) and that the DNS servers answer "
        "for the domain."
    )
    inputs = (RESOLVER_RULES, RESOLVER_LIST, ENDPOINT, "probe.dns")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        if not ctx.probed or not ctx.snapshot.beyond.dns_read:
            return
        facts = name_targets(ctx)
        others_ok = {
            r.name.lower().rstrip(".")
            for r in ctx.dns_results()
            if r.status is DnsStatus.OK and r.server in ("system", LAMBDA_DNS_FORWARDER)
        }
        for fact in facts:
            rule = names.forwarding_rule(ctx.snapshot, fact.spec.host)
            if rule is None or rule.rule_type != "FORWARD":
                continue
            host = fact.spec.host.lower().rstrip(".")
            if not name_failed(fact, FAILED) or not (others_ok - {host}):
                if name_resolved(fact):
                    yield self.passed(
                        f"{fact.spec.host} resolved through Resolver rule {rule.resolver_rule_id}.",
                        resources=[rule.resolver_rule_id],
                        target=fact.label,
                    )
                continue
            found = names.forwarding(ctx.snapshot, rule, index=ctx.index)
            static = {
                Verdict.BLOCKED: "the configuration blocks the endpoint's path to them (R53001)",
                Verdict.UNKNOWN: "the endpoint's path to them could not be judged",
            }.get(
                found.verdict,
                "the configuration lets the endpoint reach them, so the servers themselves or "
                "what lies beyond the VPC do not answer",
            )
            ips = ", ".join(rule.target_ips) or "no target IP"
            endpoint = rule.resolver_endpoint_id or "no endpoint"
            yield self.fail(
                f"{fact.spec.host} timed out or failed through the VPC resolver while other names "
                f"resolved; Resolver rule {rule.resolver_rule_id} ({rule.domain_name}) forwards it "
                f"to {ips} through outbound endpoint {endpoint}, and {static}.",
                resources=[rule.resolver_rule_id, endpoint],
                evidence=[
                    _dns_evidence(fact),
                    Evidence(
                        source=RESOLVER_RULES,
                        resource=rule.resolver_rule_id,
                        observed=f"FORWARD {rule.domain_name} -> {ips} via {endpoint}",
                    ),
                ],
                remediation=Remediation(
                    text=(
                        f"Make {ips} answer for {rule.domain_name} from {endpoint}'s addresses, "
                        "or point the rule at servers that do."
                    ),
                    commands=[
                        remedies.get_resolver_rule(rule.resolver_rule_id),
                        remedies.update_resolver_rule_targets(rule.resolver_rule_id),
                    ],
                ),
                target=fact.label,
            )


class PrivateZoneNotAssociated(Rule):
    code = "R53003"
    name = "private-zone-not-associated"
    title = "The target name is in a private hosted zone not associated with the function's VPC"
    severity = Severity.HIGH
    causes = ("C13",)
    summary = (
        "For each target name inside a private hosted zone of the account, whether that zone is "
        "associated with the function's VPC (route53:ListHostedZonesByVPC), joined with the "
        "probe's NXDOMAIN."
    )
    why = "A private zone answers only VPCs associated with it; elsewhere the name is NXDOMAIN."
    how_to_fix = "Associate the zone with the function's VPC."
    inputs = (ZONES_BY_VPC, ZONES, "probe.dns")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        facts = name_targets(ctx)
        if not facts or not ctx.snapshot.beyond.dns_read:
            return
        reason = ctx.skipped_reason(ZONES_BY_VPC, ZONES)
        for fact in facts:
            if reason:
                yield self.skipped(reason, target=fact.label)
                continue
            match = names.private_zones(ctx.snapshot, fact.spec.host)
            if not match.unassociated:
                if match.associated is not None:
                    yield self.passed(
                        f"{fact.spec.host} is in private zone {match.associated.hosted_zone_id} "
                        f"({match.associated.name}), associated with {ctx.vpc_id}.",
                        resources=[match.associated.hosted_zone_id],
                        target=fact.label,
                    )
                continue
            if fact.probed and not name_failed(fact, frozenset({DnsStatus.NXDOMAIN})):
                continue  # it resolved (or failed otherwise): the zone is not what decided
            zone = match.unassociated[0]
            seen = "the probe got NXDOMAIN" if fact.probed else "it will not resolve in this VPC"
            yield self.fail(
                f"{fact.spec.host} is in private hosted zone {zone.hosted_zone_id} ({zone.name}), "
                f"which is not associated with {ctx.vpc_id}, so {seen}.",
                resources=[zone.hosted_zone_id, ctx.vpc_id or "VPC"],
                evidence=[
                    Evidence(
                        source=ZONES_BY_VPC,
                        resource=ctx.vpc_id,
                        observed=f"{zone.hosted_zone_id} ({zone.name}) not associated",
                        expected="associated",
                    ),
                    *([_dns_evidence(fact)] if fact.dns else []),
                ],
                remediation=Remediation(
                    text=f"Associate {zone.hosted_zone_id} with {ctx.vpc_id}.",
                    commands=[
                        remedies.associate_vpc_with_hosted_zone(
                            ctx.snapshot.region, ctx.vpc_id or "VPC_ID", zone.hosted_zone_id
                        )
                    ],
                ),
                target=fact.label,
            )


class PrivateZoneDnsAttributesOff(Rule):
    code = "R53004"
    name = "private-zone-needs-dns-attributes"
    title = "The VPC's DNS attributes keep its private hosted zones from answering"
    severity = Severity.HIGH
    causes = ("C12", "C13")
    summary = (
        "For each target name in a private zone associated with the VPC, whether the VPC has "
        "both enableDnsSupport and enableDnsHostnames on, as private zones require."
    )
    why = "Without both attributes the VPC's resolver does not answer from private zones."
    how_to_fix = "Turn both attributes on."
    inputs = (ZONES_BY_VPC, "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        vpc = ctx.snapshot.vpc
        if vpc is None or not ctx.snapshot.beyond.dns_read:
            return
        for fact in name_targets(ctx):
            zone = names.private_zones(ctx.snapshot, fact.spec.host).associated
            if zone is None:
                continue
            off = [
                attribute
                for attribute, value in (
                    ("enableDnsSupport", vpc.enable_dns_support),
                    ("enableDnsHostnames", vpc.enable_dns_hostnames),
                )
                if value is False
            ]
            unread = [
                a
                for a, v in (
                    ("enableDnsSupport", vpc.enable_dns_support),
                    ("enableDnsHostnames", vpc.enable_dns_hostnames),
                )
                if v is None
            ]
            if off:
                yield self.fail(
                    f"{fact.spec.host} is in private zone {zone.hosted_zone_id} ({zone.name}), "
                    f"but {vpc.vpc_id} has {' and '.join(off)} off, so the zone does not answer.",
                    resources=[vpc.vpc_id, zone.hosted_zone_id],
                    remediation=Remediation(
                        text=f"Turn {' and '.join(off)} on for {vpc.vpc_id}.",
                        commands=[
                            remedies.enable_vpc_attribute(vpc.vpc_id, a, as_json=True) for a in off
                        ],
                    ),
                    target=fact.label,
                )
            elif unread:
                yield self.skipped(
                    f"{' and '.join(unread)} of {vpc.vpc_id} could not be read", target=fact.label
                )
            else:
                yield self.passed(
                    f"{vpc.vpc_id} has enableDnsSupport and enableDnsHostnames on for private "
                    f"zone {zone.hosted_zone_id}.",
                    resources=[vpc.vpc_id],
                    target=fact.label,
                )


class DnsFirewallBlocksName(Rule):
    code = "R53005"
    name = "dns-firewall-blocks-name"
    title = "A Route 53 Resolver DNS Firewall rule blocks or alerts on the target name"
    severity = Severity.HIGH
    causes = ("C13",)
    summary = (
        "For each target name, the first DNS Firewall rule (by rule group priority, then rule "
        "priority) of the groups associated with the VPC whose domain list matches it."
    )
    why = (
        "A BLOCK rule answers NXDOMAIN, NODATA or an override for the name, so the function "
        "never gets its address; an ALERT rule lets it through but logs it."
    )
    how_to_fix = "Remove the name from the rule's domain list, or add an ALLOW rule before it."
    inputs = (FIREWALL, FIREWALL_RULES, FIREWALL_DOMAINS)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        facts = name_targets(ctx)
        if not facts or not ctx.snapshot.beyond.dns_read:
            return
        reason = ctx.skipped_reason(FIREWALL)
        for fact in facts:
            if reason:
                yield self.skipped(reason, target=fact.label)
                continue
            match = names.firewall(ctx.snapshot, fact.spec.host)
            if match.unknown_reason:
                yield self.skipped(match.unknown_reason, target=fact.label)
                continue
            if match.rule is None or match.association is None:
                yield self.passed(
                    f"No DNS Firewall rule associated with {ctx.vpc_id} matches {fact.spec.host}.",
                    target=fact.label,
                )
                continue
            group = match.association.firewall_rule_group_id
            rule = match.rule
            if rule.action == "ALLOW":
                yield self.passed(
                    f"DNS Firewall rule {rule.name} of {group} allows {fact.spec.host}.",
                    resources=[group],
                    target=fact.label,
                )
                continue
            response = f", answering {rule.block_response}" if rule.block_response else ""
            yield self.fail(
                f"DNS Firewall rule {rule.name} (priority {rule.priority}) of rule group {group} "
                f"matches {fact.spec.host} through domain {match.domain} of list "
                f"{rule.firewall_domain_list_id} with action {rule.action}{response}.",
                resources=[
                    ResourceRef(id=group, rule=rule.name),
                    rule.firewall_domain_list_id or group,
                ],
                evidence=[
                    Evidence(
                        source=FIREWALL_RULES,
                        resource=group,
                        observed=f"{rule.action} {match.domain} ({rule.name})",
                        data={"action": rule.action, "domain": match.domain},
                    ),
                    *([_dns_evidence(fact)] if fact.dns else []),
                ],
                remediation=Remediation(
                    text=(
                        f"Remove {match.domain} from domain list {rule.firewall_domain_list_id} "
                        f"(used by {rule.name} in {group}), or add an ALLOW rule for "
                        f"{fact.spec.host} with a lower priority number."
                    ),
                    commands=[
                        remedies.remove_firewall_domain(
                            rule.firewall_domain_list_id or "FIREWALL_DOMAIN_LIST_ID",
                            match.domain or fact.spec.host,
                        )
                    ],
                ),
                target=fact.label,
                severity=Severity.HIGH if rule.action == "BLOCK" else Severity.LOW,
            )


class Route53NotRead(Rule):
    code = "R53006"
    name = "route53-not-read"
    title = "A target name failed and Route 53 Resolver was not read"
    severity = Severity.MEDIUM
    causes = ("C13",)
    summary = (
        "For each target name that failed through the VPC resolver, whether Route 53 (Resolver "
        "rules, private hosted zones, DNS Firewall) was read; if not, nothing it decides about "
        "the name is cleared."
    )
    why = "A forwarding rule, a private zone or a firewall rule may be why the name fails."
    how_to_fix = "Take the snapshot with this version of vpcprobe and the Route 53 read actions."
    inputs = (
        RESOLVER_RULES,
        ZONES_BY_VPC,
        FIREWALL,
        "ec2:DescribeVpcs",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeVpcAttribute",
        "probe.dns",
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        if ctx.snapshot.beyond.dns_read or not ctx.in_vpc or not _uses_amazon_dns(ctx):
            return
        vpc = ctx.snapshot.vpc
        if vpc is not None and vpc.enable_dns_support is False:
            return  # the VPC resolver itself is off (DNS001): Route 53 decides nothing here
        for fact in name_targets(ctx):
            if fact.dns and name_failed(fact, FAILED | {DnsStatus.NXDOMAIN}):
                yield self.skipped(
                    f"{fact.spec.host} failed through the VPC resolver and this snapshot holds "
                    "no Route 53 Resolver rules, private hosted zones or DNS Firewall rules",
                    target=fact.label,
                )
