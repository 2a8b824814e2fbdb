"""Masking account IDs, credentials and (on request) IP addresses in a report before rendering.

Addresses become stable pseudonyms that keep what a reader needs: `10.0.10.20` becomes
`10.x.A.1` (the same address the same pseudonym everywhere in one report, addresses of one /24
under one letter, a CIDR keeping its prefix length, the first octet only for a private, shared,
loopback or link-local address: `203.0.113.7` becomes `x.x.B.1`), and the well-known
addresses a reader must recognise (the Amazon resolver, VPC+2, the Lambda DNS forwarder) stay
as they are.
IPv6 alike: `2600:1f18:abcd:1::5` becomes `2600:x:A::1` (the first hextet as far as it tells a
global, link-local or unique-local address, one letter per /64), `::ffff:10.0.10.20` becomes
`::ffff:10.x.A.1`, the pseudonym of its IPv4 address.
"""

from __future__ import annotations

import ipaddress
import re
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel

ACCOUNT_MASK = "xxxxxxxxxxxx"
KEY_ID_MASK = "AKIAXXXXXXXXXXXXXXXX"
SECRET_MASK = "[redacted]"  # noqa: S105 - the mask, not a secret

# Addresses a reader needs to recognise, never secret: the Amazon resolver (IPv4 and IPv6),
# the Lambda DNS forwarder, the instance metadata service; loopback and "any".
WELL_KNOWN = frozenset(
    {
        "169.254.169.253",
        "169.254.78.1",
        "169.254.169.254",
        "fd00:ec2::253",
        "fd00:ec2::254",
        "127.0.0.1",
        "0.0.0.0",  # noqa: S104 - an address to recognise in text, nothing binds
        "::1",
        "::",
    }
)
# Networks whose first octet is kept because it tells a private, shared, loopback or
# link-local network from a public one; a public address's first octet is never kept (`x`).
_TELLING_NETWORKS = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "127.0.0.0/8",
    )
)

_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")
_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AIDA|AROA|ANPA)[A-Z0-9]{16}(?![A-Z0-9])")
# A secret access key (40 characters) or session token: long base64 runs, after a name that
# says what they are, anywhere in a line (an echoed header, a reflected environment).
_NAMED_SECRET = re.compile(
    r"(?i)((?:secret[_-]?access[_-]?key|session[_-]?token|security[_-]?token|password|"
    r"authorization)[\"']?\s*[:=]\s*[\"']?)([A-Za-z0-9/+=_\-.]{8,})"
)
# Credentials with no name before them (echoed back by an endpoint): a secret access key is
# 40 characters of base64 that mix upper and lower case with a digit, '/' or '+' (a hex digest
# or a word never does all three); a session token is hundreds of them with '=' padding.
# A `=` beside one is a separator (`x=KEY`, `KEY=`): base64 pads only at its end.
_BARE_SECRET = re.compile(
    r"(?<![A-Za-z0-9/+])(?:[A-Za-z0-9/+]{40}|[A-Za-z0-9/+]{100,}={0,2})(?![A-Za-z0-9/+])"
)
# A run of any length that begins as STS session tokens do: `IQoJb3JpZ2lu` (base64 of their
# header), `FwoGZXIvYXdz` / `FQoGZXIvYXdz` (older ones), even cut short.
_TOKEN_START = re.compile(r"(?<![A-Za-z0-9/+])(?:IQoJb3JpZ2lu|F[Qw]oGZXIvYXdz)[A-Za-z0-9/+=]*")
_IPV4 = re.compile(r"(?<!\d)(?<!\d\.)((?:\d{1,3}\.){3}\d{1,3})(?:/(\d{1,2}))?(?!\.?\d)")
# `ip-10-0-1-2.ec2.internal`, `ec2-203-0-113-7.compute-1.amazonaws.com`
_IPV4_DASHED = re.compile(
    r"(?:(?<=ec2-)|(?<!\d)(?<!\d-))(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(?!-?\d)"
)
# An IPv6 address, also with an IPv4 tail (`::ffff:10.0.10.20`), a prefix length or a zone
# (`fe80::1%eth0`: the zone is kept, it names an interface).
# It starts after anything but a letter, digit, `.` or `:`, or right after `word:` (`ip6:` in
# an SPF answer, `IPv6:`); it may take a `:` that follows it (`on 2600::5: is it running`),
# which `_sub_ipv6` drops by finding the longest valid address inside the match.
_IPV6 = re.compile(
    r"(?:(?<![0-9A-Za-z:.])|(?<=[0-9A-Za-z]:))"
    r"([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,8}:?(?:\.\d{1,3}){0,3})"
    r"(?:/(\d{1,3}))?(?![0-9A-Za-z:])"
)
# An IPv6 address written with dashes inside a host name (`2600-1f18-a-1--5.sslip.io`):
# eight groups or a `--`, then a dot and a label; `_sub_ipv6_dashed` rewrites it only when it
# is a valid address with a group of 3-4 hex digits (`ab--cd.example.com` stays).
_IPV6_DASHED = re.compile(
    r"(?<![0-9A-Za-z])(?<![0-9A-Fa-f]-)([0-9A-Fa-f]{0,4}(?:-[0-9A-Fa-f]{0,4}){2,7})(?=\.[A-Za-z])"
)
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LINK_LOCAL = ipaddress.IPv6Network("fe80::/10")
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_GLOBAL = ipaddress.IPv6Network("2000::/3")
_MULTICAST = ipaddress.IPv6Network("ff00::/8")


def _ipv6_kind(address: ipaddress.IPv6Address) -> str:
    """The first hextet as far as it says what kind of address this is, never more.

    `2600` (global: the registry's block), `fe80` (link-local), `fdxx` (unique local: the rest
    of the hextet is the network's random ID), `ff02` (multicast scope), else `x`.
    """
    first = int(address) >> 112
    if address in _LINK_LOCAL:
        return "fe80"
    if address in _UNIQUE_LOCAL:
        return f"{first >> 8:x}xx"
    if address in _GLOBAL or address in _MULTICAST:
        return f"{first:x}"
    return "x"


Model = TypeVar("Model", bound=BaseModel)


def _letters(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: the name of the index-th network seen."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


class Pseudonyms:
    """The address pseudonyms of one report: the same address always gets the same one."""

    def __init__(self, keep: frozenset[str] | set[str] = WELL_KNOWN) -> None:
        self.keep = set(keep)
        self._networks: dict[str, str] = {}
        self._hosts: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    @classmethod
    def for_vpcs(cls, cidrs: list[str]) -> Pseudonyms:
        """Pseudonyms keeping the well-known addresses and VPC+2 (the resolver) of each CIDR."""
        keep = set(WELL_KNOWN)
        for cidr in cidrs:
            try:
                network = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                continue
            if network.version == 4:
                keep.add(str(network.network_address + 2))
        return cls(keep)

    def _network(self, key: str) -> str:
        if key not in self._networks:
            self._networks[key] = _letters(len(self._networks))
        return self._networks[key]

    def _host(self, network: str, host: str) -> str:
        if host in ("0", ""):
            return host  # a network's own address (a CIDR's base) stays recognisable
        if (network, host) not in self._hosts:
            self._counts[network] = self._counts.get(network, 0) + 1
            self._hosts[(network, host)] = str(self._counts[network])
        return self._hosts[(network, host)]

    def ipv4(self, address: str) -> str:
        """`10.0.10.20` -> `10.x.A.1`; a well-known address unchanged."""
        if address in self.keep:
            return address
        octets = address.split(".")
        try:
            telling = any(ipaddress.IPv4Address(address) in n for n in _TELLING_NETWORKS)
        except ValueError:
            telling = False
        first = octets[0] if telling else "x"
        network = self._network("4:" + ".".join(octets[:3]))
        return f"{first}.x.{network}.{self._host(network, octets[3])}"

    def ipv6(self, address: ipaddress.IPv6Address) -> str:
        """`2600:1f18:a:b::5` -> `2600:x:A::1`, `::ffff:10.0.10.20` -> `::ffff:10.x.A.1`.

        The first hextet stays as far as it tells the kind of address (`_ipv6_kind`), the letter
        names the /64, the number the host in it; a network's own address ends in `::`. An
        IPv4-mapped or NAT64 address is its IPv4 address's pseudonym behind the fixed prefix.
        A well-known address stays as it is.
        """
        if str(address) in self.keep:
            return str(address)
        for prefix, network in (("::ffff:", _MAPPED), ("64:ff9b::", _NAT64)):
            if address in network:
                return prefix + self.ipv4(str(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)))
        hextets = address.exploded.split(":")
        letter = self._network("6:" + ":".join(hextets[:4]))
        host = "0" if not int(address) & (2**64 - 1) else ":".join(hextets[4:])
        number = self._host(letter, host)
        return f"{_ipv6_kind(address)}:x:{letter}::" + ("" if number == "0" else number)

    def _sub_ipv4(self, match: re.Match[str]) -> str:
        address, prefix = match.group(1), match.group(2)
        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            return match.group(0)
        return self.ipv4(address) + (f"/{prefix}" if prefix else "")

    def _sub_dashed(self, match: re.Match[str]) -> str:
        dotted = ".".join(match.groups())
        try:
            ipaddress.IPv4Address(dotted)
        except ValueError:
            return match.group(0)
        return self.ipv4(dotted).replace(".", "-")

    def _sub_ipv6(self, match: re.Match[str]) -> str:
        text, prefix = match.group(1), match.group(2)
        found = _longest_ipv6(text)
        if found is None:
            return match.group(0)
        start, end, address = found
        rest = text[end:] + (f"/{prefix}" if prefix else "")
        return text[:start] + self.ipv6(address) + rest

    def _sub_ipv6_dashed(self, match: re.Match[str]) -> str:
        text = match.group(1)
        groups = text.split("-")
        if not ("--" in text or len(groups) == 8) or not any(3 <= len(g) <= 4 for g in groups):
            return text  # `ab--cd.example.com`, `be--1.internal`: host names, not addresses
        try:
            address = ipaddress.IPv6Address(text.replace("-", ":"))
        except ValueError:
            return text
        # A host label holds neither `:` nor `.` (`::ffff:10.x.A.1` -> `--ffff-10-x-A-1`).
        return self.ipv6(address).replace(":", "-").replace(".", "-")

    def text(self, text: str) -> str:
        """`text` with every IPv4 and IPv6 address (also `ip-10-0-1-2` style) replaced.

        IPv6 first, so that an IPv4-mapped address is read whole, not as an IPv4 address
        after a stray `::ffff:`.
        """
        text = _IPV6.sub(self._sub_ipv6, text)
        text = _IPV6_DASHED.sub(self._sub_ipv6_dashed, text)
        text = _IPV4.sub(self._sub_ipv4, text)
        return _IPV4_DASHED.sub(self._sub_dashed, text)


def _ipv6_at(text: str) -> ipaddress.IPv6Address | None:
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


def _longest_ipv6(text: str) -> tuple[int, int, ipaddress.IPv6Address] | None:
    """The first (then longest) valid IPv6 address inside `text` as (start, end, address).

    Starts are the beginning and each place after a `:` (`6:2600:...` read from `IPv6:`); the
    end is the whole rest, or one lone `:` less (`2600::5:` before `is it running`).
    """
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == ":"]
    for start in starts:
        ends = [len(text)]
        if text.endswith(":") and not text.endswith("::"):
            ends.append(len(text) - 1)
        for end in ends:
            address = _ipv6_at(text[start:end])
            if address is not None:
                return start, end, address
    return None


def _bare_secret(match: re.Match[str]) -> str:
    run = match.group(0)
    mixed = any(c.isupper() for c in run) and any(c.islower() for c in run)
    return SECRET_MASK if mixed and any(c.isdigit() or c in "/+" for c in run) else run


def redact_text(text: str, *, addresses: bool = False, pseudonyms: Pseudonyms | None = None) -> str:
    """`text` with account IDs and credentials masked (and addresses with `addresses`)."""
    text = _ACCOUNT.sub(ACCOUNT_MASK, text)
    text = _KEY_ID.sub(KEY_ID_MASK, text)
    text = _NAMED_SECRET.sub(lambda m: m.group(1) + SECRET_MASK, text)
    text = _TOKEN_START.sub(SECRET_MASK, text)
    text = _BARE_SECRET.sub(_bare_secret, text)
    if addresses:
        text = (pseudonyms or Pseudonyms()).text(text)
    return text


def _walk(value: Any, addresses: bool, names: Pseudonyms, seen: set[int]) -> Any:
    """`value` with its strings masked. Models are masked in place, each once: one hop may be
    shared by many paths (and stays shared in a deep copy), and masking it twice would mask
    its pseudonyms again ("2600:x:D::" -> "2600:x:x:x:J::")."""
    if isinstance(value, Enum):
        return value  # a fixed vocabulary, never an ID
    if isinstance(value, str):
        return redact_text(value, addresses=addresses, pseudonyms=names)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and _ACCOUNT.fullmatch(str(value)):
        return ACCOUNT_MASK  # an account ID that arrived as a number (e.g. in evidence data)
    if isinstance(value, BaseModel):
        if id(value) in seen:
            return value
        seen.add(id(value))
        for name in type(value).model_fields:
            # __dict__ directly: frozen models (PathQuery) refuse setattr, and the masked
            # values need not pass the field validators (an address field holds "10.x.A.1").
            value.__dict__[name] = _walk(value.__dict__[name], addresses, names, seen)
        return value
    if isinstance(value, list):
        return [_walk(v, addresses, names, seen) for v in value]
    if isinstance(value, tuple):
        return tuple(_walk(v, addresses, names, seen) for v in value)
    if isinstance(value, dict):
        return {
            _walk(k, addresses, names, seen): _walk(v, addresses, names, seen)
            for k, v in value.items()
        }
    return value


def vpc_cidrs(model: BaseModel) -> list[str]:
    snapshot = getattr(model, "snapshot", model)
    vpc = getattr(snapshot, "vpc", None)
    return list(getattr(vpc, "cidr_blocks", None) or [])


def redact(model: Model, *, addresses: bool = False, pseudonyms: Pseudonyms | None = None) -> Model:
    """A deep copy of `model` with every string (keys included) passed through redact_text.

    One set of pseudonyms serves the whole model, so an address reads the same everywhere;
    an output showing several models passes its own `pseudonyms` to each (one per output).
    """
    copy = model.model_copy(deep=True)
    _walk(copy, addresses, pseudonyms or Pseudonyms.for_vpcs(vpc_cidrs(model)), set())
    return copy
