"""NACL port-range evaluation agrees with a port-by-port first-match reading of the rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vpcprobe_collector.paths.cidr import parse_network
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.paths.nacls import evaluate_nacl
from vpcprobe_collector.snapshot.model import NaclEntry, NetworkAcl

PEER = parse_network("10.0.3.10/32")


@st.composite
def entries(draw: st.DrawFn) -> list[NaclEntry]:
    count = draw(st.integers(0, 6))
    numbers = draw(st.lists(st.integers(1, 32766), min_size=count, max_size=count, unique=True))
    out = []
    for number in numbers:
        lo = draw(st.integers(0, 2000))
        hi = draw(st.integers(lo, 2100))
        out.append(
            NaclEntry(
                rule_number=number,
                egress=False,
                protocol=draw(st.sampled_from(["-1", "6", "17"])),
                rule_action=draw(st.sampled_from(["allow", "deny"])),
                cidr_block=draw(st.sampled_from(["0.0.0.0/0", "10.0.3.0/24", "192.0.2.0/24"])),
                port_from=lo,
                port_to=hi,
            )
        )
    return out


def first_match_allows(rules: list[NaclEntry], port: int) -> bool:
    for rule in sorted(rules, key=lambda r: r.rule_number):
        if rule.protocol not in ("-1", "6") or rule.cidr_block == "192.0.2.0/24":
            continue
        assert rule.port_from is not None and rule.port_to is not None
        if rule.protocol == "-1" or rule.port_from <= port <= rule.port_to:
            return rule.rule_action == "allow"
    return False


@settings(max_examples=150, deadline=None)
@given(rules=entries(), lo=st.integers(0, 2100), width=st.integers(0, 300))
def test_port_range_matches_port_by_port(rules: list[NaclEntry], lo: int, width: int) -> None:
    hi = lo + width
    acl = NetworkAcl(network_acl_id="acl-0p", vpc_id="vpc-0a", entries=rules)
    decision = evaluate_nacl(acl, egress=False, protocol="tcp", peers=[PEER], ports=(lo, hi))
    expected = {p for p in range(lo, hi + 1) if first_match_allows(rules, p)}
    allowed = {p for a, b in decision.allowed for p in range(a, b + 1)}
    denied = {p for a, b in decision.denied for p in range(a, b + 1)}
    assert allowed == expected
    assert denied == set(range(lo, hi + 1)) - expected
    if not expected:
        assert decision.outcome is HopOutcome.DENY
    elif len(expected) == width + 1:
        assert decision.outcome is HopOutcome.ALLOW
    else:
        assert decision.outcome is HopOutcome.PARTIAL
