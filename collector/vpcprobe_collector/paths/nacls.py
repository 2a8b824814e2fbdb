"""Network ACL evaluation: rules in number order, first match wins, over port ranges."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter, not_
from typing import NamedTuple

from vpcprobe_collector.paths.cidr import (
    COVER_ALL,
    COVER_NONE,
    COVER_SOME,
    IPNetwork,
    Span,
    cover_spans,
    network_span,
    parse_span,
)
from vpcprobe_collector.paths.model import ALLOW, DENY, PARTIAL, UNKNOWN, HopOutcome
from vpcprobe_collector.snapshot.model import NaclEntry, NetworkAcl

# Lambda's (and a NAT gateway's) return traffic arrives on these ports.
EPHEMERAL_PORTS = (1024, 65535)
DEFAULT_RULE_NUMBER = 32767
_PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1"}
API = "ec2:DescribeNetworkAcls"

PortRange = tuple[int, int]


def rule_label(rule_number: int) -> str:
    """ "rule 90", or "rule *" for the default rule every NACL ends with."""
    found = _LABELS.get(rule_number)
    if found is None:
        found = "rule *" if rule_number >= DEFAULT_RULE_NUMBER else f"rule {rule_number}"
        if len(_LABELS) < 65536:  # a label is the number's text, whatever the snapshot
            _LABELS[rule_number] = found
    return found


_LABELS: dict[int, str] = {}


@dataclass(frozen=True)
class NaclDecision:
    """What a NACL does with a range of ports to or from some peers."""

    outcome: HopOutcome  # ALLOW, DENY, PARTIAL or UNKNOWN
    allowed: tuple[PortRange, ...]
    denied: tuple[PortRange, ...]
    allow_rule_number: int | None  # the first entry that allowed some of the ports
    deny_rule_number: int | None  # the first entry that denied some (or 32767, the `*` rule)
    uncertain_rule_number: int | None = None  # an entry covering only part of the peers
    # The hops `describe` words from this decision, per hop context, with the destination's
    # address left as a hole (filled by `describe`; not part of the decision's value).
    worded: dict[tuple[object, ...], object] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def rule_number(self) -> int | None:
        """The entry that decided: the denying one unless all was allowed."""
        if self.outcome is ALLOW:
            return self.allow_rule_number
        if self.outcome is UNKNOWN:
            return self.uncertain_rule_number
        return self.deny_rule_number


def _normal_protocol(protocol: str) -> str:
    return _PROTOCOL_NUMBERS.get(protocol.lower(), protocol)


class CompiledEntry(NamedTuple):
    """A NACL entry ready for matching: protocol normalised, addresses and ports as integers
    (a named tuple: a NACL of thousands of entries compiles in a blink)."""

    rule_number: int
    protocol: str  # "-1", "6", "17", ...
    span_v4: Span | None
    span_v6: Span | None
    ports: PortRange
    allow: bool


# One address family's prefix index: per prefix length (longest first), the entries' networks
# as integers -> their positions in rule order, and the same networks sorted (for ranges).
_LengthIndex = list[tuple[int, dict[int, list[int]], list[int]]]


@dataclass(frozen=True, eq=False)
class CompiledNacl:
    """One direction of a NACL, prepared for matching: entries in rule-number order and, per
    address family, a prefix index (entries grouped by CIDR length, each group a dict from
    network to entries), so a lookup probes one dict per distinct length and visits only the
    entries whose CIDR overlaps the peer, instead of every entry. An entry is compiled (its
    protocol and ports normalised) when a lookup first visits it: most never are."""

    rules: tuple[NaclEntry, ...]  # the direction's entries in rule-number order
    # The entries' CIDRs in the same order, per IP version (None where an entry has none).
    cidrs: dict[int, tuple[str | None, ...]] = field(default_factory=dict)
    _compiled: dict[int, CompiledEntry] = field(default_factory=dict)
    # What the entries `_deciding` has looked at match: position -> (protocol, ports).
    _matched: dict[int, tuple[str, PortRange]] = field(default_factory=dict)
    _index: dict[int, _LengthIndex] = field(default_factory=dict)
    _ranges: dict[tuple[Span, ...], tuple[int, ...]] = field(default_factory=dict)
    _decisions: dict[tuple[object, ...], NaclDecision] = field(default_factory=dict)
    # Per IP version, where the entries' CIDRs begin and end (each CIDR's first address and
    # the one after its last), sorted: between two of them every address is held by the same
    # entries, so it has the same decision (remembered per stretch in `_by_stretch`).
    _bounds: dict[int, list[int]] = field(default_factory=dict)
    _by_stretch: dict[tuple[object, ...], NaclDecision] = field(default_factory=dict)

    @property
    def entries(self) -> tuple[CompiledEntry, ...]:
        """Every entry, compiled, in rule-number order."""
        return tuple(self.entry(position) for position in range(len(self.rules)))

    def entry(self, position: int) -> CompiledEntry:
        """The entry at `position` (in rule-number order), compiled once."""
        found = self._compiled.get(position)
        if found is None:
            found = self._compiled[position] = _compile(self.rules[position])
        return found

    def decide(self, protocol: str, ports: PortRange, spans: Sequence[Span]) -> NaclDecision:
        """`evaluate_nacl` over these entries, remembered: for one address the decision
        depends only on the entries that hold it, which are the same for every address of a
        stretch between two CIDR bounds (found by bisection) and for many stretches (the
        same 0.0.0.0/0 rules); for a range, on the range itself."""
        if len(spans) == 1 and spans[0][1] == spans[0][2]:
            version, address, _ = spans[0]
            bounds = self._bounds.get(version)
            if bounds is None:
                bounds = self._bounds[version] = _bounds(self._indexed(version), version)
            stretch = (protocol, ports, version, bisect_right(bounds, address))
            found = self._by_stretch.get(stretch)
            if found is not None:
                return found
            # Of the entries holding the address, only those for this protocol and these
            # ports can decide: the key names those, so that the addresses a long NACL
            # treats alike (its entries for other ports aside) share one decision.
            deciding = self._deciding(
                _holding(self._index[version], version, address), protocol, ports
            )
            key: tuple[object, ...] = (protocol, ports, version, deciding)
            found = self._decisions.get(key)
            if found is None:  # first match over those entries: the others decide nothing
                found = self._decisions[key] = _evaluate(self, protocol, (), ports, spans, deciding)
            self._by_stretch[stretch] = found
            return found
        key = (protocol, ports, *spans)
        found = self._decisions.get(key)
        if found is None:
            found = self._decisions[key] = _evaluate(self, protocol, (), ports, spans)
        return found

    def _deciding(
        self, positions: tuple[int, ...], protocol: str, ports: PortRange
    ) -> tuple[int, ...]:
        """Those of `positions` (in rule order) whose entry is for `protocol` and some of
        `ports`, up to the first for all of them: first match wins, so no later entry
        decides anything."""
        if len(positions) <= 2:  # few enough to key the decision as they are (the usual
            return positions  # 0.0.0.0/0 allow and * deny): filtering would cost more
        wanted = _normal_protocol(protocol)
        low, high = ports
        matched, rules = self._matched, self.rules
        kept = []
        for position in positions:
            found = matched.get(position)
            if found is None:  # what the entry matches, without compiling all of it
                found = matched[position] = _protocol_and_ports(rules[position])
            name, (first, last) = found
            if name != "-1" and name != wanted:
                continue
            if first <= high and low <= last:
                kept.append(position)
                if first <= low and high <= last:
                    break
        return tuple(kept)

    def _indexed(self, version: int) -> _LengthIndex:
        """The prefix index of one IP version, built on first use."""
        index = self._index.get(version)
        if index is None:
            index = self._index[version] = _build_index(self.rules, self.cidrs, version)
        return index

    def candidates(self, spans: Sequence[Span]) -> tuple[int, ...]:
        """Positions (in rule order) of the entries whose CIDR overlaps any of `spans`."""
        if not spans:
            return ()
        version = spans[0][0]
        index = self._indexed(version)
        if len(spans) == 1 and spans[0][1] == spans[0][2]:
            return _holding(index, version, spans[0][1])
        key = tuple(spans)
        cached = self._ranges.get(key)
        if cached is None:  # address ranges (a subnet) repeat across paths: cache them
            found: set[int] = set()
            for span in spans:
                found.update(_overlapping(index, span))
            cached = self._ranges[key] = tuple(sorted(found))
        return cached


def _build_index(
    rules: Sequence[NaclEntry], known: dict[int, tuple[str | None, ...]], version: int
) -> _LengthIndex:
    by_length: dict[int, dict[int, list[int]]] = {}
    bits = 32 if version == 4 else 128
    parse = parse_span
    cidrs = known.get(version)
    if cidrs is None:
        cidrs = known[version] = tuple(map(_V4_CIDR if version == 4 else _V6_CIDR, rules))
    # Each entry under its CIDR's prefix length and network (entries may share a CIDR).
    for position, cidr in enumerate(cidrs):
        if not cidr:
            continue
        _, first, last = parse(cidr)
        length = bits - (last - first).bit_length()  # a CIDR holds 2**(bits - length)
        networks = by_length.get(length)
        if networks is None:
            by_length[length] = {first: [position]}
            continue
        at = networks.get(first)
        if at is None:
            networks[first] = [position]
        else:
            at.append(position)
    return [
        (length, networks, sorted(networks))
        for length, networks in sorted(by_length.items(), reverse=True)
    ]


def _bounds(index: _LengthIndex, version: int) -> list[int]:
    """Where the indexed CIDRs begin and where they end (the address after each one's last),
    sorted: built for the NACL directions that judge single addresses (the function's own,
    toward each destination), not for those that only judge the function's ranges."""
    bits = 32 if version == 4 else 128
    bounds: list[int] = []
    for length, _, ordered in index:
        size = 1 << (bits - length)
        bounds += ordered
        bounds += [first + size for first in ordered]
    bounds.sort()
    return bounds


def _holding(index: _LengthIndex, version: int, address: int) -> tuple[int, ...]:
    """Positions of the entries whose CIDR holds `address`, in rule order."""
    bits = 32 if version == 4 else 128
    found: list[int] = []
    for length, networks, _ in index:
        shift = bits - length
        hit = networks.get(address >> shift << shift)
        if hit is not None:
            found += hit
    found.sort()
    return tuple(found)


def _overlapping(index: _LengthIndex, span: Span) -> list[int]:
    """Positions of the entries whose CIDR overlaps `span` (may repeat one)."""
    version, first, last = span
    bits = 32 if version == 4 else 128
    found: list[int] = []
    for length, networks, ordered in index:
        shift = bits - length
        # An entry that starts before the span overlaps it only by holding its first address;
        # the others overlap it by starting inside it.
        found += networks.get(first >> shift << shift, ())
        for network in ordered[bisect_left(ordered, first) : bisect_right(ordered, last)]:
            found += networks[network]
    return found


def compile_entries(acl: NetworkAcl, egress: bool) -> CompiledNacl:
    """One direction's entries in rule-number order, parsed once."""
    return compile_directions(acl)[egress]


def compile_directions(acl: NetworkAcl) -> tuple[CompiledNacl, CompiledNacl]:
    """Both directions' entries (ingress, egress), each in rule-number order, split in one
    pass (a NACL may hold thousands, and a path needs both of its subnet's directions). The
    per-entry steps run in C: the split on the direction flags, then one stable sort per
    direction on the number, so entries listed with one number keep their order. The IPv4
    CIDRs are read here, the IPv6 ones when an IPv6 peer first needs them."""
    entries = acl.entries
    flags = list(map(_EGRESS, entries))
    compiled = []
    for part in (
        tuple(sorted(compress(entries, map(not_, flags)), key=_NUMBER)),
        tuple(sorted(compress(entries, flags), key=_NUMBER)),
    ):
        compiled.append(CompiledNacl(part, {4: tuple(map(_V4_CIDR, part))}))
    return compiled[0], compiled[1]


_NUMBER = attrgetter("rule_number")
_EGRESS = attrgetter("egress")
_V4_CIDR = attrgetter("cidr_block")
_V6_CIDR = attrgetter("ipv6_cidr_block")


def _protocol_and_ports(entry: NaclEntry) -> tuple[str, PortRange]:
    """The entry's protocol, normalised ("6"), and the ports it matches."""
    raw = entry.protocol
    protocol = _PROTOCOL_NUMBERS.get(raw) or _PROTOCOL_NUMBERS.get(raw.lower(), raw)
    first = entry.port_from
    if protocol == "-1" or first is None:
        return protocol, (0, 65535)
    last = entry.port_to
    return protocol, (first, last if last is not None else first)


def _compile(entry: NaclEntry) -> CompiledEntry:
    protocol, ports = _protocol_and_ports(entry)
    v4, v6 = entry.cidr_block, entry.ipv6_cidr_block
    return CompiledEntry(
        entry.rule_number,
        protocol,
        parse_span(v4) if v4 else None,
        parse_span(v6) if v6 else None,
        ports,
        entry.rule_action == "allow",
    )


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
    spans: Sequence[Span] | None = None,
) -> NaclDecision:
    """Which of `ports` the NACL lets through to (egress) or from (ingress) all of `peers`.

    `compiled` is `compile_entries(acl, egress)`, passed in when the caller caches it;
    `spans` are `peers` as Spans, when the caller has them already.
    """
    table = compiled if compiled is not None else compile_entries(acl, egress)
    return _evaluate(table, protocol, peers, ports, spans)


def _evaluate(
    table: CompiledNacl,
    protocol: str,
    peers: Sequence[IPNetwork],
    ports: PortRange,
    spans: Sequence[Span] | None,
    positions: Sequence[int] | None = None,
) -> NaclDecision:
    """First match wins, in rule-number order, over the entries that overlap the peers (or
    over `positions`, in rule order, when the caller has them)."""
    wanted = _normal_protocol(protocol)
    if spans is None:
        spans = [network_span(p) for p in peers]
    version = spans[0][0] if spans else 4
    single = spans[0] if len(spans) == 1 else None
    entry_at = table.entry
    compiled = table._compiled
    remaining: list[PortRange] = [ports]
    # The ports still undecided lie within [low, high]: an entry for ports outside it (most
    # of a long NACL's, for one port) is passed by without splitting the ranges.
    low, high = ports
    allowed: list[PortRange] = []
    denied: list[PortRange] = []
    allow_rule: int | None = None
    deny_rule: int | None = None
    for position in table.candidates(spans) if positions is None else positions:
        entry = compiled.get(position) or entry_at(position)
        if entry.protocol != "-1" and entry.protocol != wanted:
            continue
        first, last = entry.ports
        if last < low or first > high:
            continue
        span = entry.span_v4 if version == 4 else entry.span_v6
        if span is None:
            continue
        if single is not None:  # the common case, inlined: one peer address or range
            if single[2] < span[1] or single[1] > span[2]:
                continue
            covered = COVER_ALL if span[1] <= single[1] and single[2] <= span[2] else COVER_SOME
        else:
            covered = cover_spans(span, spans)
            if covered is COVER_NONE:
                continue
        inside, remaining = _subtract(remaining, first, last)
        if not inside:
            continue
        if remaining:  # `_subtract` keeps the ranges in order: the first starts lowest
            low, high = remaining[0][0], remaining[-1][1]
        if covered is COVER_SOME:
            # Whether this rule applies depends on an address we do not know.
            return NaclDecision(
                UNKNOWN,
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
        outcome = ALLOW
    elif not allowed:
        outcome = DENY
    else:
        outcome = PARTIAL
    return NaclDecision(outcome, _merge(allowed), _merge(denied), allow_rule, deny_rule)
