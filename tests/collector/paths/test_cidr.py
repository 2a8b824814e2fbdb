"""CIDR spans: containment, cover of a source range, prefix lengths, both address families."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from vpcprobe_collector.paths.cidr import (
    Cover,
    cover_any,
    cover_spans,
    parse_address,
    parse_span,
    prefix_length,
    span_contains,
)


def test_containment_is_per_family() -> None:
    assert span_contains(parse_span("10.0.0.0/16"), parse_address("10.0.255.255"))
    assert not span_contains(parse_span("10.0.0.0/16"), parse_address("10.1.0.0"))
    assert span_contains(parse_span("0.0.0.0/0"), parse_address("198.51.100.7"))
    assert not span_contains(parse_span("0.0.0.0/0"), parse_address("2001:db8::1"))
    assert span_contains(parse_span("::/0"), parse_address("2001:db8::1"))
    # Host bits are tolerated, as AWS tolerates them in some inputs.
    assert span_contains(parse_span("10.0.1.7/24"), parse_address("10.0.1.200"))


def test_cover_of_a_source_range() -> None:
    subnet = [parse_span("10.0.1.0/24")]
    assert cover_spans(parse_span("10.0.0.0/16"), subnet) is Cover.ALL
    assert cover_spans(parse_span("10.0.1.0/25"), subnet) is Cover.SOME
    assert cover_spans(parse_span("10.0.2.0/24"), subnet) is Cover.NONE
    assert cover_spans(parse_span("::/0"), subnet) is Cover.NONE
    two_hosts = [parse_span("10.0.1.5/32"), parse_span("10.0.1.200/32")]
    assert cover_spans(parse_span("10.0.1.0/25"), two_hosts) is Cover.SOME
    entries = [parse_span("192.0.2.0/24"), parse_span("10.0.0.0/8")]
    assert cover_any(entries, subnet) is Cover.ALL


def test_prefix_lengths() -> None:
    assert [prefix_length(parse_span(c)) for c in ("0.0.0.0/0", "10.0.0.0/16", "10.0.0.9/32")] == [
        0,
        16,
        32,
    ]
    assert prefix_length(parse_span("2600:1f18:ab::/56")) == 56
    assert prefix_length(parse_span("::/0")) == 0


_octets = st.one_of(
    st.integers(min_value=0, max_value=300).map(str),
    st.sampled_from(("00", "01", "007", "", " 1", "1 ", "a", "٣", "+1", "0x1", "1111")),
)
_lengths = st.one_of(
    st.integers(min_value=-1, max_value=40).map(str),
    st.sampled_from(("", "024", "08", " 8", "8 ", "٨", "255.255.0.0", "0.0.255.255", "+8")),
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_octets, min_size=3, max_size=5), _lengths, st.booleans())
def test_parse_span_answers_as_ipaddress_does(octets: list[str], length: str, slash: bool) -> None:
    """IPv4 CIDRs are parsed with integer arithmetic; every text, valid or not, must give what
    `ipaddress.ip_network(strict=False)` gives: the same span, or a ValueError."""
    text = ".".join(octets) + (f"/{length}" if slash else "")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        expected: tuple[int, int, int] | None = None
    else:
        expected = (network.version, int(network.network_address), int(network.broadcast_address))
    try:
        found: tuple[int, int, int] | None = parse_span.__wrapped__(text)  # not the cache
    except ValueError:
        found = None
    assert found == expected, text
