"""Address and CIDR matching for path evaluation, IPv4 and IPv6, with parsing cached."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from enum import Enum
from functools import lru_cache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# The Amazon resolver's link-local addresses; the VPC base + 2 is added per VPC CIDR.
AMAZON_RESOLVER_ADDRESSES = frozenset({"169.254.169.253", "fd00:ec2::253"})


class Cover(Enum):
    """How much of a source range a rule's CIDR covers."""

    ALL = "all"
    SOME = "some"
    NONE = "none"


@lru_cache(maxsize=131072)
def parse_network(cidr: str) -> IPNetwork:
    """`cidr` as a network; host bits are tolerated as AWS tolerates them."""
    return ipaddress.ip_network(cidr, strict=False)


@lru_cache(maxsize=131072)
def parse_address(text: str) -> IPAddress:
    """`text` as an IPv4 or IPv6 address; raises ValueError when it is not one."""
    return ipaddress.ip_address(text)


def host_network(address: IPAddress) -> IPNetwork:
    """The single-address network (/32 or /128) holding `address`."""
    return ipaddress.ip_network(address)


def contains(network: IPNetwork, address: IPAddress) -> bool:
    """Whether `address` is inside `network` (False across address families)."""
    return network.version == address.version and address in network


def cover(rule: IPNetwork, sources: Sequence[IPNetwork]) -> Cover:
    """How much of `sources` (all of one family) the rule's network covers."""
    hits = 0
    partial = False
    for source in sources:
        if rule.version != source.version:
            continue
        if source.subnet_of(rule):  # type: ignore[arg-type]
            hits += 1
        elif rule.overlaps(source):
            partial = True
    if hits and hits == len(sources):
        return Cover.ALL
    if hits or partial:
        return Cover.SOME
    return Cover.NONE


def cover_any(rules: Iterable[IPNetwork], sources: Sequence[IPNetwork]) -> Cover:
    """The best cover of `sources` by any of `rules` (a prefix list's entries)."""
    best = Cover.NONE
    for rule in rules:
        found = cover(rule, sources)
        if found is Cover.ALL:
            return Cover.ALL
        if found is Cover.SOME:
            best = Cover.SOME
    return best


def format_ports(ranges: Sequence[tuple[int, int]]) -> str:
    """ "1024-32767, 40000" from merged inclusive ranges."""
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)
