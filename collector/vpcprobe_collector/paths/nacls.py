"""Network ACL evaluation: rules in number order, first match wins, over port ranges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vpcprobe_collector.paths.cidr import (
    Cover,
    IPNetwork,
    Span,
    cover_spans,
    format_ports,
    network_span,
    parse_span,
)
from vpcprobe_collector.paths.model import Hop, HopKind, HopOutcome
from vpcprobe_collector.snapshot.model import NaclEntry, NetworkAcl

# Lambda's (and a NAT gateway's) return traffic arrives on these ports.
EPHEMERAL_PORTS = (1024, 65535)
DEFAULT_RULE_NUMBER = 32767
_PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1"}
API = "ec2:DescribeNetworkAcls"

PortRange = tuple[int, int]


def rule_label(rule_number: int) -> str:
    """ "rule 90", or "rule *" for the default rule every NACL ends with."""
    return "rule *" if rule_number >= DEFAULT_RULE_NUMBER else f"rule {rule_number}"


@dataclass(frozen=True)
class NaclDecision:
    """What a NACL does with a range of ports to or from some peers."""

    outcome: HopOutcome  # ALLOW, DENY, PARTIAL or UNKNOWN
    allowed: tuple[PortRange, ...]
    denied: tuple[PortRange, ...]
    allow_rule: str | None  # the first rule that allowed some of the ports
    deny_rule: str | None  # the first rule that denied some (or "rule *")
    uncertain_rule: str | None = None  # a rule covering only part of the peers

    @property
    def rule(self) -> str | None:
        """The rule that decided: the denying one unless all was allowed."""
        if self.outcome is HopOutcome.ALLOW:
            return self.allow_rule
        if self.outcome is HopOutcome.UNKNOWN:
            return self.uncertain_rule
        return self.deny_rule


def _normal_protocol(protocol: str) -> str:
    return _PROTOCOL_NUMBERS.get(protocol.lower(), protocol)


@dataclass(frozen=True)
class CompiledEntry:
    """A NACL entry ready for matching: protocol normalised, addresses and ports as integers."""

    rule_number: int
    protocol: str  # "-1", "6", "17", ...
    span_v4: Span | None
    span_v6: Span | None
    ports: PortRange
    allow: bool


def compile_entries(acl: NetworkAcl, egress: bool) -> tuple[CompiledEntry, ...]:
    """One direction's entries in rule-number order, parsed once."""
    compiled = []
    for entry in sorted((e for e in acl.entries if e.egress == egress), key=_rule_number):
        protocol = _normal_protocol(entry.protocol)
        if protocol == "-1" or entry.port_from is None:
            ports = (0, 65535)
        else:
            to = entry.port_to if entry.port_to is not None else entry.port_from
            ports = (entry.port_from, to)
        compiled.append(
            CompiledEntry(
                rule_number=entry.rule_number,
                protocol=protocol,
                span_v4=parse_span(entry.cidr_block) if entry.cidr_block else None,
                span_v6=parse_span(entry.ipv6_cidr_block) if entry.ipv6_cidr_block else None,
                ports=ports,
                allow=entry.rule_action == "allow",
            )
        )
    return tuple(compiled)


def _rule_number(entry: NaclEntry) -> int:
    return entry.rule_number


def _subtract(ranges: list[PortRange], lo: int, hi: int) -> tuple[list[PortRange], list[PortRange]]:
    """Split `ranges` into the parts inside [lo, hi] and the parts left outside."""
    inside: list[PortRange] = []
    outside: list[PortRange] = []
    for start, end in ranges:
        if end < lo or start > hi:
            outside.append((start, end))
            continue
        inside.append((max(start, lo), min(end, hi)))
        if start < lo:
            outside.append((start, lo - 1))
        if end > hi:
            outside.append((hi + 1, end))
    return inside, outside


def _merge(ranges: list[PortRange]) -> tuple[PortRange, ...]:
    merged: list[PortRange] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def evaluate_nacl(
    acl: NetworkAcl,
    *,
    egress: bool,
    protocol: str,
    peers: Sequence[IPNetwork],
    ports: PortRange,
    compiled: Sequence[CompiledEntry] | None = None,
) -> NaclDecision:
    """Which of `ports` the NACL lets through to (egress) or from (ingress) all of `peers`.

    `compiled` is `compile_entries(acl, egress)`, passed in when the caller caches it.
    """
    wanted = _normal_protocol(protocol)
    spans = [network_span(p) for p in peers]
    version = spans[0][0] if spans else 4
    single = spans[0] if len(spans) == 1 else None
    entries = compiled if compiled is not None else compile_entries(acl, egress)
    remaining: list[PortRange] = [ports]
    allowed: list[PortRange] = []
    denied: list[PortRange] = []
    allow_rule: str | None = None
    deny_rule: str | None = None
    for entry in entries:
        if entry.protocol != "-1" and entry.protocol != wanted:
            continue
        span = entry.span_v4 if version == 4 else entry.span_v6
        if span is None:
            continue
        if single is not None:  # the common case, inlined: one peer address or range
            if single[2] < span[1] or single[1] > span[2]:
                continue
            covered = Cover.ALL if span[1] <= single[1] and single[2] <= span[2] else Cover.SOME
        else:
            covered = cover_spans(span, spans)
            if covered is Cover.NONE:
                continue
        inside, remaining = _subtract(remaining, *entry.ports)
        if not inside:
            continue
        if covered is Cover.SOME:
            # Whether this rule applies depends on an address we do not know.
            return NaclDecision(
                HopOutcome.UNKNOWN,
                _merge(allowed),
                _merge(denied),
                allow_rule,
                deny_rule,
                uncertain_rule=rule_label(entry.rule_number),
            )
        if entry.allow:
            allowed += inside
            allow_rule = allow_rule or rule_label(entry.rule_number)
        else:
            denied += inside
            deny_rule = deny_rule or rule_label(entry.rule_number)
        if not remaining:
            break
    if remaining:  # nothing matched: the default "*" rule denies
        denied += remaining
        deny_rule = deny_rule or rule_label(DEFAULT_RULE_NUMBER)
    if not denied:
        outcome = HopOutcome.ALLOW
    elif not allowed:
        outcome = HopOutcome.DENY
    else:
        outcome = HopOutcome.PARTIAL
    return NaclDecision(outcome, _merge(allowed), _merge(denied), allow_rule, deny_rule)


def nacl_hop(
    acl: NetworkAcl,
    *,
    kind: HopKind,
    egress: bool,
    protocol: str,
    peers: Sequence[IPNetwork],
    peer_text: str,
    ports: PortRange,
    traffic: str,
    compiled: Sequence[CompiledEntry] | None = None,
) -> Hop:
    """The hop for one NACL direction; `traffic` is e.g. "outbound TCP to 10.2.3.4:5432" or
    "inbound return TCP from 10.2.3.4 on ports 1024-65535"."""
    decision = evaluate_nacl(
        acl, egress=egress, protocol=protocol, peers=peers, ports=ports, compiled=compiled
    )
    acl_id = acl.network_acl_id
    rule = decision.rule
    if decision.outcome is HopOutcome.ALLOW:
        detail = f"Network ACL {acl_id} {rule} allows {traffic}."
    elif decision.outcome is HopOutcome.DENY:
        if rule == rule_label(DEFAULT_RULE_NUMBER):
            detail = (
                f"Network ACL {acl_id} denies {traffic} by its default rule * "
                "(no numbered rule allows it)."
            )
        else:
            detail = f"Network ACL {acl_id} {rule} denies {traffic}."
    elif decision.outcome is HopOutcome.PARTIAL:
        within = traffic.removesuffix(f" on ports {format_ports([ports])}")
        detail = (
            f"Network ACL {acl_id} allows {within} only on ports "
            f"{format_ports(decision.allowed)} ({decision.allow_rule}); ports "
            f"{format_ports(decision.denied)} are denied by {decision.deny_rule}, "
            "so some connections fail and others work."
        )
    else:
        detail = (
            f"Network ACL {acl_id} {rule} covers only part of {peer_text}, so whether it "
            "applies depends on the address Lambda's network interface has."
        )
    return Hop(
        kind=kind,
        component=acl_id,
        outcome=decision.outcome,
        rule=rule,
        detail=detail,
        source_api=API,
    )
