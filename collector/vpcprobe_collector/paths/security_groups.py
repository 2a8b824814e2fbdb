"""Security group evaluation: allow-only rules, the union across a set of groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vpcprobe_collector.paths.cidr import (
    COVER_ALL,
    COVER_NONE,
    COVER_SOME,
    IPAddress,
    IPNetwork,
    Span,
    cover_any,
    cover_spans,
    network_span,
    parse_span,
    span_contains,
)
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import ALLOW, DENY, UNKNOWN, HopOutcome
from vpcprobe_collector.snapshot.model import SecurityGroup, SecurityGroupRule

API = "ec2:DescribeSecurityGroups"
_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "all", "all": "all"}


@dataclass
class SgDecision:
    """Whether a set of groups allows some traffic, and which rule did (or why unknown)."""

    outcome: HopOutcome  # ALLOW, DENY or UNKNOWN
    group_id: str | None = None  # the allowing group
    rule: SecurityGroupRule | None = None
    missing: list[str] = field(default_factory=list)  # groups not in the snapshot
    uncertain: list[str] = field(default_factory=list)  # why a rule could not be decided


def protocol_name(protocol: str) -> str:
    """AWS's IpProtocol ("6", "tcp", "-1") as a plain name ("tcp", "all")."""
    return _PROTOCOL_NAMES.get(protocol.lower(), protocol.lower())


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to match: protocol named, ports as a range, a CIDR peer parsed."""

    rule: SecurityGroupRule
    protocol: str  # "tcp", "udp", "all", ...
    ports: tuple[int, int]
    span: Span | None  # for CIDR peers


def compiled_rules(
    index: SnapshotIndex, group: SecurityGroup, egress: bool
) -> tuple[CompiledRule, ...]:
    """The group's rules for one direction, compiled once per index."""
    key = (group.group_id, egress)
    cached = index.compiled_rules.get(key)
    if cached is None:
        cached = index.compiled_rules[key] = tuple(
            _compile(rule) for rule in (group.egress if egress else group.ingress)
        )
    return cached


def rules_for_port(
    index: SnapshotIndex, group: SecurityGroup, egress: bool, protocol: str, port: int
) -> tuple[CompiledRule, ...]:
    """The group's rules for one direction that cover `protocol` and `port`, in their order
    (once per index: many destinations share a group and a port, and most of a group's
    rules are for other ports)."""
    key = (group.group_id, egress, protocol, port)
    found = index.port_rules.get(key)
    if found is None:
        found = index.port_rules[key] = tuple(
            compiled
            for compiled in compiled_rules(index, group, egress)
            if _matches_port(compiled, protocol, port)
        )
    return found


def _compile(rule: SecurityGroupRule) -> CompiledRule:
    name = protocol_name(rule.protocol)
    if name == "all" or rule.from_port is None or rule.from_port < 0:
        ports = (0, 65535)
    else:
        to = rule.to_port if rule.to_port is not None and rule.to_port >= 0 else rule.from_port
        ports = (rule.from_port, to)
    span = parse_span(rule.peer) if rule.peer_kind in ("cidr_ipv4", "cidr_ipv6") else None
    return CompiledRule(rule, name, ports, span)


def _matches_port(compiled: CompiledRule, protocol: str, port: int) -> bool:
    if compiled.protocol != "all" and compiled.protocol != protocol:
        return False
    return compiled.ports[0] <= port <= compiled.ports[1]


def rule_text(rule: SecurityGroupRule, direction: str) -> str:
    """ "tcp 443 to 0.0.0.0/0", "all traffic from sg-0abc"."""
    name = protocol_name(rule.protocol)
    if name == "all":
        what = "all traffic"
    elif rule.from_port is None or rule.from_port < 0:
        what = f"{name} all ports"
    elif rule.to_port is None or rule.to_port == rule.from_port:
        what = f"{name} {rule.from_port}"
    else:
        what = f"{name} {rule.from_port}-{rule.to_port}"
    return f"{what} {direction} {rule.peer}"


def egress(
    index: SnapshotIndex,
    group_ids: Sequence[str],
    protocol: str,
    port: int,
    destination: IPAddress,
    destination_groups: frozenset[str] | None,
) -> SgDecision:
    """Whether any of `group_ids` allows outbound traffic to `destination`:`port`.

    `destination_groups` are the destination ENI's groups, None when that ENI is unknown
    (then a rule that names a group cannot be decided).
    """
    decision = SgDecision(DENY)
    for group_id in group_ids:
        group = index.security_groups.get(group_id)
        if group is None:
            decision.missing.append(group_id)
            continue
        for compiled in rules_for_port(index, group, True, protocol, port):
            rule = compiled.rule
            if compiled.span is not None:
                hit = span_contains(compiled.span, destination)
            elif rule.peer_kind == "prefix_list":
                entries = index.prefix_lists.get(rule.peer)
                if entries is None:
                    decision.uncertain.append(
                        f"{group_id} allows {rule_text(rule, 'to')} but prefix list "
                        f"{rule.peer} was not read"
                    )
                    continue
                hit = any(span_contains(n, destination) for n in entries)
            elif destination_groups is None:
                decision.uncertain.append(
                    f"{group_id} allows {rule_text(rule, 'to')} but the destination's "
                    "network interface is not in the snapshot"
                )
                continue
            else:
                hit = rule.peer in destination_groups
            if hit:
                decision.outcome = ALLOW
                decision.group_id = group_id
                decision.rule = rule
                return decision
    if decision.uncertain or (decision.missing and index.skipped_for(API)):
        decision.outcome = UNKNOWN
    return decision


def ingress(
    index: SnapshotIndex,
    group_ids: Sequence[str],
    protocol: str,
    port: int,
    sources: Sequence[IPNetwork],
    source_groups: frozenset[str],
    *,
    spans: Sequence[Span] | None = None,
) -> SgDecision:
    """Whether any of `group_ids` allows inbound traffic on `port` from every address in
    `sources` (Lambda's ENI addresses, or its whole subnet) or from `source_groups`;
    `spans` are `sources` as Spans, when the caller has them already."""
    decision = SgDecision(DENY)
    if spans is None:
        spans = [network_span(s) for s in sources]
    for group_id in group_ids:
        group = index.security_groups.get(group_id)
        if group is None:
            decision.missing.append(group_id)
            continue
        for compiled in rules_for_port(index, group, False, protocol, port):
            rule = compiled.rule
            if rule.peer_kind == "security_group":
                covered = COVER_ALL if rule.peer in source_groups else COVER_NONE
            elif rule.peer_kind == "prefix_list":
                entries = index.prefix_lists.get(rule.peer)
                if entries is None:
                    decision.uncertain.append(
                        f"{group_id} allows {rule_text(rule, 'from')} but prefix list "
                        f"{rule.peer} was not read"
                    )
                    continue
                covered = cover_any(entries, spans)
            elif compiled.span is not None:
                covered = cover_spans(compiled.span, spans)
            else:
                continue
            if covered is COVER_ALL:
                decision.outcome = ALLOW
                decision.group_id = group_id
                decision.rule = rule
                return decision
            if covered is COVER_SOME:
                decision.uncertain.append(
                    f"{group_id} allows {rule_text(rule, 'from')}, which covers only part of "
                    "the addresses Lambda's network interface may have"
                )
    # A destination's group that was not read (another account's, or a denied read) may
    # allow it: unknown, never blocked.
    if decision.uncertain or decision.missing:
        decision.outcome = UNKNOWN
    return decision
