"""Network ACL evaluation: rules in number order, first match wins, over port ranges."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from vpcprobe_collector.paths.cidr import (
    Cover,
    IPNetwork,
    Span,
    cover_spans,
    network_span,
    parse_span,
)
from vpcprobe_collector.paths.model import HopOutcome
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
    allow_rule_number: int | None  # the first entry that allowed some of the ports
    deny_rule_number: int | None  # the first entry that denied some (or 32767, the `*` rule)
    uncertain_rule_number: int | None = None  # an entry covering only part of the peers

    @property
    def rule_number(self) -> int | None:
        """The entry that decided: the denying one unless all was allowed."""
        if self.outcome is HopOutcome.ALLOW:
            return self.allow_rule_number
        if self.outcome is HopOutcome.UNKNOWN:
            return self.uncertain_rule_number
        return self.deny_rule_number


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


@dataclass(frozen=True, eq=False)
class CompiledNacl:
    """One direction of a NACL, prepared for matching: entries in rule-number order and, per
    address family, an interval index (the address space cut at every entry's CIDR bounds,
    each piece listing the entries that cover it), so a lookup visits only entries whose CIDR
    holds the peer instead of every entry."""

    entries: tuple[CompiledEntry, ...]
    _bounds: dict[int, list[int]] = field(default_factory=dict)  # version -> piece starts
    _pieces: dict[int, list[tuple[int, ...]]] = field(default_factory=dict)

    def candidates(self, spans: Sequence[Span]) -> tuple[int, ...]:
        """Indexes (in rule order) of the entries whose CIDR overlaps any of `spans`."""
        if not spans:
            return ()
        version = spans[0][0]
        bounds = self._bounds.get(version)
        if bounds is None:
            bounds, pieces = _build_pieces(self.entries, version)
            self._bounds[version], self._pieces[version] = bounds, pieces
        pieces = self._pieces[version]
        if len(spans) == 1 and spans[0][1] == spans[0][2]:
            return pieces[bisect_right(bounds, spans[0][1]) - 1]
        found: set[int] = set()
        for _, first, last in spans:
            lo = bisect_right(bounds, first) - 1
            hi = bisect_right(bounds, last) - 1
            for piece in pieces[lo : hi + 1]:
                found.update(piece)
        return tuple(sorted(found))


def _build_pieces(
    entries: Sequence[CompiledEntry], version: int
) -> tuple[list[int], list[tuple[int, ...]]]:
    spans = [(i, e.span_v4 if version == 4 else e.span_v6) for i, e in enumerate(entries)]
    cuts = {0}
    for _, span in spans:
        if span is not None:
            cuts.add(span[1])
            cuts.add(span[2] + 1)
    bounds = sorted(cuts)
    members: list[list[int]] = [[] for _ in bounds]
    for i, span in spans:
        if span is None:
            continue
        lo = bisect_right(bounds, span[1]) - 1
        hi = bisect_right(bounds, span[2]) - 1
        for k in range(lo, hi + 1):
            members[k].append(i)
    return bounds, [tuple(m) for m in members]


def compile_entries(acl: NetworkAcl, egress: bool) -> CompiledNacl:
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
    return CompiledNacl(tuple(compiled))


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
    compiled: CompiledNacl | None = None,
) -> NaclDecision:
    """Which of `ports` the NACL lets through to (egress) or from (ingress) all of `peers`.

    `compiled` is `compile_entries(acl, egress)`, passed in when the caller caches it.
    """
    wanted = _normal_protocol(protocol)
    spans = [network_span(p) for p in peers]
    version = spans[0][0] if spans else 4
    single = spans[0] if len(spans) == 1 else None
    table = compiled if compiled is not None else compile_entries(acl, egress)
    entries = table.entries
    remaining: list[PortRange] = [ports]
    allowed: list[PortRange] = []
    denied: list[PortRange] = []
    allow_rule: int | None = None
    deny_rule: int | None = None
    for position in table.candidates(spans):
        entry = entries[position]
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
                uncertain_rule_number=entry.rule_number,
            )
        if entry.allow:
            allowed += inside
            allow_rule = allow_rule if allow_rule is not None else entry.rule_number
        else:
            denied += inside
            deny_rule = deny_rule if deny_rule is not None else entry.rule_number
        if not remaining:
            break
    if remaining:  # nothing matched: the default "*" rule denies
        denied += remaining
        deny_rule = deny_rule if deny_rule is not None else DEFAULT_RULE_NUMBER
    if not denied:
        outcome = HopOutcome.ALLOW
    elif not allowed:
        outcome = HopOutcome.DENY
    else:
        outcome = HopOutcome.PARTIAL
    return NaclDecision(outcome, _merge(allowed), _merge(denied), allow_rule, deny_rule)
