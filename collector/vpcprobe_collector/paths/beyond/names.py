"""Route 53 for one name: which Resolver rule forwards it (and whether the outbound endpoint
reaches its target IPs), which private hosted zone holds it, and what DNS Firewall does to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from vpcprobe_collector.paths.beyond.follow import follow_beyond
from vpcprobe_collector.paths.beyond.model import BeyondPath
from vpcprobe_collector.paths.evaluate import evaluate_path, worst_verdict
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import PathQuery, PathResult, Verdict
from vpcprobe_collector.snapshot.model import (
    FirewallRule,
    FirewallRuleGroupAssociation,
    HostedZone,
    ResolverEndpoint,
    ResolverRule,
    VpcSnapshot,
)

RULES_API = "route53resolver:ListResolverRuleAssociations"
ZONES_API = "route53:ListHostedZonesByVPC"
FIREWALL_API = "route53resolver:ListFirewallRuleGroupAssociations"


def _labels(name: str) -> list[str]:
    return [label for label in name.lower().rstrip(".").split(".") if label]


def in_domain(name: str, domain: str) -> bool:
    """True when `name` is `domain` or below it (case-insensitive, trailing dots ignored)."""
    n, d = _labels(name), _labels(domain)
    return not d or n[-len(d) :] == d


def forwarding_rule(snapshot: VpcSnapshot, name: str) -> ResolverRule | None:
    """The most specific Resolver rule associated with the VPC whose domain holds `name`."""
    best: ResolverRule | None = None
    for rule in snapshot.beyond.resolver_rules:
        if rule.association_status not in (None, "COMPLETE", "OVERRIDDEN"):
            continue
        if in_domain(name, rule.domain_name) and (
            best is None or len(_labels(rule.domain_name)) > len(_labels(best.domain_name))
        ):
            best = rule
    return best


@dataclass
class ForwarderPath:
    """From one outbound endpoint address to one forwarding target IP, UDP and TCP 53."""

    endpoint_id: str
    endpoint_ip: str | None
    subnet_id: str
    target_ip: str
    verdict: Verdict
    results: list[PathResult] = field(default_factory=list)
    beyond: list[BeyondPath] = field(default_factory=list)


@dataclass
class Forwarding:
    """A FORWARD rule for a name, its endpoint, and every path to its target IPs."""

    rule: ResolverRule
    endpoint: ResolverEndpoint | None
    paths: list[ForwarderPath] = field(default_factory=list)
    unknown_reason: str | None = None  # the endpoint could not be judged

    @property
    def verdict(self) -> Verdict:
        if self.unknown_reason:
            return Verdict.UNKNOWN
        # Resolver may send a query from any endpoint address to any target: one blocked
        # pair fails some queries, so the worst pair decides.
        return worst_verdict([p.verdict for p in self.paths])


def forwarding(
    snapshot: VpcSnapshot, rule: ResolverRule, *, index: SnapshotIndex | None = None
) -> Forwarding:
    """Judge the outbound endpoint of a FORWARD rule like any source: its security groups and
    its subnets' routes and NACLs to each target IP on port 53."""
    endpoint = snapshot.beyond.resolver_endpoint(rule.resolver_endpoint_id)
    found = Forwarding(rule, endpoint)
    if endpoint is None:
        read = snapshot.skipped_for("route53resolver:GetResolverEndpoint")
        found.unknown_reason = (
            read.reason if read else f"outbound endpoint {rule.resolver_endpoint_id} was not read"
        )
        return found
    vpc_id = snapshot.vpc.vpc_id if snapshot.vpc else None
    if endpoint.host_vpc_id not in (None, vpc_id):
        found.unknown_reason = (
            f"outbound endpoint {endpoint.resolver_endpoint_id} is in {endpoint.host_vpc_id}, "
            "not the function's VPC"
        )
        return found
    index = index or SnapshotIndex(snapshot)
    for address in endpoint.addresses:
        if not address.subnet_id:
            continue
        for target in rule.target_ips:
            ip = target.rsplit(":", 1)[0].strip("[]")
            port = int(target.rsplit(":", 1)[1]) if ":" in target else 53
            results: list[PathResult] = []
            beyond: list[BeyondPath] = []
            verdicts: list[Verdict] = []
            protocol: Literal["tcp", "udp"]
            for protocol in ("udp", "tcp"):
                query = PathQuery(
                    subnet_id=address.subnet_id,
                    security_group_ids=tuple(endpoint.security_group_ids),
                    destination=ip,
                    protocol=protocol,
                    port=port,
                )
                result = evaluate_path(snapshot, query, index=index)
                results.append(result)
                verdict = result.verdict
                if verdict is Verdict.LEAVES_VPC:
                    path = follow_beyond(
                        snapshot,
                        address.subnet_id,
                        ip,
                        port,
                        protocol,
                        security_group_ids=tuple(endpoint.security_group_ids),
                        index=index,
                    )
                    if path is not None:
                        beyond.append(path)
                        verdict = path.verdict
                verdicts.append(verdict)
            found.paths.append(
                ForwarderPath(
                    endpoint.resolver_endpoint_id,
                    address.ip,
                    address.subnet_id,
                    ip,
                    worst_verdict(verdicts),
                    results,
                    beyond,
                )
            )
    if not found.paths:
        found.unknown_reason = (
            f"outbound endpoint {endpoint.resolver_endpoint_id} has no address with a subnet"
        )
    return found


@dataclass
class ZoneMatch:
    """The private hosted zones that hold a name: associated with the VPC or not."""

    associated: HostedZone | None
    unassociated: list[HostedZone]


def private_zones(snapshot: VpcSnapshot, name: str) -> ZoneMatch:
    """The most specific associated private zone for `name`, and those the VPC lacks."""
    holding = [z for z in snapshot.beyond.hosted_zones if z.private and in_domain(name, z.name)]
    holding.sort(key=lambda z: -len(_labels(z.name)))
    associated = next((z for z in holding if z.associated), None)
    depth = len(_labels(associated.name)) if associated else -1
    # A zone the VPC is not associated with matters only if it is more specific than the one
    # it is associated with (the VPC never sees it; the less specific one answers).
    unassociated = [z for z in holding if not z.associated and len(_labels(z.name)) > depth]
    return ZoneMatch(associated, unassociated)


@dataclass
class FirewallMatch:
    """The first DNS Firewall rule that matches a name, or why that cannot be known."""

    association: FirewallRuleGroupAssociation | None = None
    rule: FirewallRule | None = None
    domain: str | None = None
    unknown_reason: str | None = None


def _domain_matches(name: str, pattern: str) -> bool:
    pattern = pattern.lower().rstrip(".")
    if pattern.startswith("*."):
        return in_domain(name, pattern[2:]) and _labels(name) != _labels(pattern[2:])
    if pattern == "*":
        return True
    return _labels(name) == _labels(pattern)


def firewall(snapshot: VpcSnapshot, name: str) -> FirewallMatch:
    """Walk the VPC's rule groups by priority, then each group's rules by priority."""
    associations = sorted(
        snapshot.beyond.firewall_associations, key=lambda a: (a.priority is None, a.priority or 0)
    )
    for association in associations:
        if not association.rules_read:
            return FirewallMatch(
                association,
                unknown_reason=f"the rules of {association.firewall_rule_group_id} were not read",
            )
        rules = sorted(association.rules, key=lambda r: (r.priority is None, r.priority or 0))
        for rule in rules:
            if not rule.domains_read:
                return FirewallMatch(
                    association,
                    rule,
                    unknown_reason=f"domain list {rule.firewall_domain_list_id} was not read",
                )
            for domain in rule.domains:
                if _domain_matches(name, domain):
                    return FirewallMatch(association, rule, domain)
    return FirewallMatch()


def route53_explains(snapshot: VpcSnapshot, name: str) -> bool:
    """Whether Route 53 as read explains an NXDOMAIN for `name`: a private zone holding it that
    the VPC is not associated with (or cannot use: DNS attributes off), or a DNS Firewall rule
    that blocks it."""
    if not snapshot.beyond.dns_read:
        return False
    zones = private_zones(snapshot, name)
    vpc = snapshot.vpc
    attributes_off = vpc is not None and False in (vpc.enable_dns_support, vpc.enable_dns_hostnames)
    if zones.unassociated or (zones.associated is not None and attributes_off):
        return True
    match = firewall(snapshot, name)
    return match.rule is not None and match.rule.action == "BLOCK"
