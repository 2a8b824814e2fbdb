"""Address and CIDR matching for path evaluation, IPv4 and IPv6, with parsing cached."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from enum import Enum
from functools import lru_cache
from socket import inet_aton, inet_ntoa

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# The Amazon resolver's link-local addresses; the VPC base + 2 is added per VPC CIDR.
AMAZON_RESOLVER_ADDRESSES = frozenset({"169.254.169.253", "fd00:ec2::253"})


class Cover(Enum):
    """How much of a source range a rule's CIDR covers."""

    ALL = "all"
    SOME = "some"
    NONE = "none"


COVER_ALL, COVER_SOME, COVER_NONE = Cover.ALL, Cover.SOME, Cover.NONE  # see model.ALLOW


@lru_cache(maxsize=131072)
def parse_network(cidr: str) -> IPNetwork:
    """`cidr` as a network; host bits are tolerated as AWS tolerates them."""
    return ipaddress.ip_network(cidr, strict=False)


@lru_cache(maxsize=131072)
def parse_address(text: str) -> IPAddress:
    """`text` as an IPv4 or IPv6 address; raises ValueError when it is not one."""
    return ipaddress.ip_address(text)


Span = tuple[int, int, int]  # (IP version, first address, last address) as integers


@lru_cache(maxsize=131072)
def network_span(network: IPNetwork) -> Span:
    """`network` as integers, for fast containment and overlap tests."""
    return (network.version, int(network.network_address), int(network.broadcast_address))


@lru_cache(maxsize=131072)
def parse_span(cidr: str) -> Span:
    """`cidr` parsed straight to a Span: an IPv4 CIDR in its usual spelling with integer
    arithmetic (no `ipaddress` objects: a snapshot's every NACL entry, route and rule CIDR
    comes through here), anything else through `ipaddress`, which also words the errors."""
    found = _ipv4_span(cidr)
    return found if found is not None else network_span(parse_network(cidr))


def _ipv4_span(cidr: str) -> Span | None:
    """ "10.0.1.0/24" as a Span, host bits tolerated as `parse_network` tolerates them; None
    for any text `ipaddress` should judge (IPv6, a netmask, a leading zero, a bad octet)."""
    address, slash, length = cidr.partition("/")
    if not slash or not (0 < len(length) <= 2 and length.isascii() and length.isdigit()):
        return None
    bits = int(length)
    if bits > 32:
        return None
    # The C parser, trusted only for the usual spelling: inet_aton also takes "10.1",
    # "0x0a.0.0.1" and octal "010.0.0.1", which `ipaddress` refuses or reads otherwise, so
    # its answer counts only when it spells the address back exactly as given.
    try:
        packed = inet_aton(address)
    except OSError:
        return None
    if inet_ntoa(packed) != address:
        return None
    value = int.from_bytes(packed, "big")
    host = (1 << (32 - bits)) - 1
    first = value & ~host & 0xFFFFFFFF
    return (4, first, first | host)


def prefix_length(span: Span) -> int:
    """The prefix length of a CIDR span (24 for a /24)."""
    bits = 32 if span[0] == 4 else 128
    return bits - ((span[2] - span[1] + 1).bit_length() - 1)


def span_contains(span: Span, address: IPAddress) -> bool:
    """Whether `address` is inside `span` (False across address families)."""
    return span[0] == address.version and span[1] <= int(address) <= span[2]


def cover_spans(rule: Span, sources: Sequence[Span]) -> Cover:
    """`cover` over Spans: how much of `sources` the rule's range covers."""
    version, lo, hi = rule
    hits = 0
    partial = False
    for source_version, first, last in sources:
        if source_version != version or last < lo or first > hi:
            continue
        if lo <= first and last <= hi:
            hits += 1
        else:
            partial = True
    if hits and hits == len(sources):
        return COVER_ALL
    if hits or partial:
        return COVER_SOME
    return COVER_NONE


@lru_cache(maxsize=131072)
def host_network(address: IPAddress) -> IPNetwork:
    """The single-address network (/32 or /128) holding `address`."""
    return ipaddress.ip_network(address)


def contains(network: IPNetwork, address: IPAddress) -> bool:
    """Whether `address` is inside `network` (False across address families)."""
    return span_contains(network_span(network), address)


def cover_any(rules: Iterable[Span], sources: Sequence[Span]) -> Cover:
    """The best cover of `sources` by any of `rules` (a prefix list's entries)."""
    best = COVER_NONE
    for rule in rules:
        found = cover_spans(rule, sources)
        if found is COVER_ALL:
            return COVER_ALL
        if found is COVER_SOME:
            best = COVER_SOME
    return best


def format_ports(ranges: Sequence[tuple[int, int]]) -> str:
    """ "1024-32767, 40000" from merged inclusive ranges."""
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)
