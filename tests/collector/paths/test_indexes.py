"""The precomputed structures (a prefix index per NACL direction and per route table) find
exactly what a scan of every entry or route finds."""

from __future__ import annotations

import ipaddress
import itertools
import random

import pytest

from vpcprobe_collector.paths.cidr import network_span, parse_address, parse_network
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.nacls import compile_entries, evaluate_nacl
from vpcprobe_collector.paths.routes import longest_match
from vpcprobe_collector.snapshot.model import (
    NaclEntry,
    NetworkAcl,
    Route,
    RouteTable,
    RouteTargetType,
    VpcSnapshot,
)


def _cidr(rng: random.Random) -> str:
    length = rng.choice((0, 8, 12, 16, 20, 24, 26, 28, 32))
    address = ipaddress.IPv4Address(rng.choice((0x0A000000, 0xC0000000)) + rng.randrange(1 << 16))
    return str(ipaddress.ip_network(f"{address}/{length}", strict=False))


@pytest.mark.parametrize("seed", range(20))
def test_nacl_candidates_are_every_overlapping_entry_in_rule_order(seed: int) -> None:
    rng = random.Random(seed)
    entries = [
        NaclEntry(
            rule_number=n,
            egress=True,
            protocol=rng.choice(("6", "17", "-1")),
            rule_action=rng.choice(("allow", "deny")),
            cidr_block=_cidr(rng),
            port_from=rng.randrange(1, 2000),
            port_to=rng.randrange(2000, 65536),
        )
        for n in rng.sample(range(1, 32000), 60)
    ]
    acl = NetworkAcl(network_acl_id="acl-0x", vpc_id="vpc-0x", entries=entries)
    compiled = compile_entries(acl, egress=True)
    for _ in range(40):
        peers = [parse_network(_cidr(rng)) for _ in range(rng.choice((1, 1, 2)))]
        spans = [network_span(p) for p in peers]
        expected = tuple(
            i
            for i, e in enumerate(compiled.entries)
            if e.span_v4 and any(not (s[2] < e.span_v4[1] or s[1] > e.span_v4[2]) for s in spans)
        )
        assert compiled.candidates(spans) == expected
        ports = (rng.randrange(1, 65536),) * 2
        assert evaluate_nacl(
            acl, egress=True, protocol="tcp", peers=peers, ports=ports, compiled=compiled
        ) == _scan(acl, peers, ports)


@pytest.mark.parametrize("seed", range(10))
def test_a_remembered_nacl_decision_is_first_match_port_by_port_for_every_address(
    seed: int,
) -> None:
    """`CompiledNacl.decide` remembers a decision per protocol, ports and the entries that
    can decide for the address (those holding it for that protocol and some of those ports,
    up to the first for all of them), and `_evaluate` passes by entries for other ports. One
    compiled NACL, asked for many addresses in turn (IPv4 and IPv6, entries sharing a rule
    number, protocols by number, name and "-1"), must give each what a plain first match
    gives, worked out here segment by segment of the ports, without the engine's code."""
    rng = random.Random(seed)
    entries = []
    for _ in range(80):
        v6 = rng.random() < 0.25
        low = rng.choice((0, 22, 443, 1024, rng.randrange(1, 65536)))
        entries.append(
            NaclEntry(
                rule_number=rng.randrange(1, 120),  # repeats: listed order breaks the tie
                egress=True,
                protocol=rng.choice(("6", "17", "-1", "tcp", "1", "58")),
                rule_action=rng.choice(("allow", "deny")),
                cidr_block=None if v6 else _cidr(rng),
                ipv6_cidr_block=_cidr6(rng) if v6 else None,
                port_from=low,
                port_to=rng.choice((low, 65535, min(65535, low + rng.randrange(3000)))),
            )
        )
    entries.append(  # the IPv4 default rule as AWS lists it; IPv6 peers fall to the *
        NaclEntry(
            rule_number=32767,
            egress=True,
            protocol="-1",
            rule_action="deny",
            cidr_block="0.0.0.0/0",
        )
    )
    acl = NetworkAcl(network_acl_id="acl-0x", vpc_id="vpc-0x", entries=entries)
    compiled = compile_entries(acl, egress=True)
    for _ in range(300):
        cidr = _cidr6(rng) if rng.random() < 0.25 else _cidr(rng)
        peer = parse_network(cidr.split("/")[0] + ("/128" if ":" in cidr else "/32"))
        protocol = rng.choice(("tcp", "udp", "icmp"))
        ports = rng.choice(((443, 443), (22, 22), (1024, 65535), (5432, 5432), (0, 65535)))
        found = compiled.decide(protocol, ports, [network_span(peer)])
        expected = _first_match(entries, peer, protocol, ports)
        got = (found.outcome.value, found.allowed, found.denied)
        got_rules = (found.allow_rule_number, found.deny_rule_number)
        assert (got, got_rules) == expected, (peer, protocol, ports)


def _cidr6(rng: random.Random) -> str:
    length = rng.choice((0, 32, 48, 56, 64, 128))
    address = ipaddress.IPv6Address((0x20010DB8 << 96) + rng.randrange(1 << 20))
    return str(ipaddress.ip_network(f"{address}/{length}", strict=False))


_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}


def _first_match(
    entries: list[NaclEntry],
    peer: ipaddress.IPv4Network | ipaddress.IPv6Network,
    protocol: str,
    ports: tuple[int, int],
) -> object:
    """First match in rule order (then listed order), for every segment of `ports` between
    the entries' port bounds: which segments are allowed and denied, by which first rules."""
    wanted = _NUMBERS[protocol]
    address = peer.network_address
    ordered = sorted(enumerate(entries), key=lambda pair: (pair[1].rule_number, pair[0]))
    relevant = []
    for _, e in ordered:
        cidr = e.cidr_block if address.version == 4 else e.ipv6_cidr_block
        number = _NUMBERS.get(e.protocol, e.protocol)
        if cidr is None or address not in ipaddress.ip_network(cidr, strict=False):
            continue
        if number != "-1" and number != wanted:
            continue
        first = 0 if number == "-1" or e.port_from is None else e.port_from
        last = 65535 if number == "-1" or e.port_from is None else (e.port_to or first)
        relevant.append((e, first, last))
    bounds = {ports[0], ports[1] + 1}
    for _, first, last in relevant:
        bounds |= {b for b in (first, last + 1) if ports[0] < b <= ports[1]}
    edges = sorted(bounds)
    allowed: list[tuple[int, int]] = []
    denied: list[tuple[int, int]] = []
    allow_rule = deny_rule = None
    allow_at = deny_at = len(relevant)  # rule order of the first entry allowing / denying
    for start, stop in itertools.pairwise(edges):
        segment = (start, stop - 1)
        at, hit = next(
            ((k, r) for k, r in enumerate(relevant) if r[1] <= start and stop - 1 <= r[2]),
            (len(relevant), None),
        )
        if hit is not None and hit[0].rule_action == "allow":
            allowed.append(segment)
            if at < allow_at:
                allow_at, allow_rule = at, hit[0].rule_number
        else:
            denied.append(segment)
            if hit is None:
                deny_rule = deny_rule if deny_at < len(relevant) else 32767
            elif at < deny_at:
                deny_at, deny_rule = at, hit[0].rule_number
    outcome = "allow" if not denied else "deny" if not allowed else "partial"
    return (outcome, _joined(allowed), _joined(denied)), (allow_rule, deny_rule)


def _joined(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    joined: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if joined and start <= joined[-1][1] + 1:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return tuple(joined)


def _scan(
    acl: NetworkAcl,
    peers: list[ipaddress.IPv4Network],
    ports: tuple[int, int],
    protocol: str = "tcp",
) -> object:
    """evaluate_nacl with an index that returns every entry: the plain first-match scan."""
    compiled = compile_entries(acl, egress=True)
    everything = tuple(range(len(compiled.entries)))
    object.__setattr__(compiled, "candidates", lambda spans: everything)
    return evaluate_nacl(
        acl, egress=True, protocol=protocol, peers=peers, ports=ports, compiled=compiled
    )


@pytest.mark.parametrize("seed", range(20))
def test_route_prefix_index_finds_the_longest_prefix(seed: int) -> None:
    rng = random.Random(seed)
    routes = [
        Route(
            destination_cidr=_cidr(rng),
            target_type=RouteTargetType.PEERING,
            target_id=f"pcx-{n}",
            origin=rng.choice(("CreateRoute", "EnableVgwRoutePropagation")),
        )
        for n in range(50)
    ]
    table = RouteTable(route_table_id="rtb-0x", vpc_id="vpc-0x", routes=routes)
    snapshot = VpcSnapshot(
        collector_version="test",
        taken_at="2026-01-01T00:00:00Z",
        region="us-east-1",
        route_tables=[table],
    )
    index = SnapshotIndex(snapshot)
    for _ in range(100):
        address = parse_address(
            str(
                ipaddress.IPv4Address(rng.choice((0x0A000000, 0xC0000000)) + rng.randrange(1 << 16))
            )
        )
        found = longest_match(index, table, address)
        holding = [r for r in routes if address in ipaddress.ip_network(r.destination_cidr or "")]
        if not holding:
            assert found.route is None
            continue
        best = max(
            holding,
            key=lambda r: (
                ipaddress.ip_network(r.destination_cidr or "").prefixlen,
                0 if r.origin == "EnableVgwRoutePropagation" else 2,
            ),
        )
        assert found.route is not None
        assert found.route.destination_cidr == best.destination_cidr
        assert found.prefix_length == ipaddress.ip_network(best.destination_cidr or "").prefixlen


def test_hops_and_results_built_without_validation_are_valid_models() -> None:
    """describe builds hops (and evaluate results) without pydantic's validation, for speed:
    every one of them, over every golden scenario, must validate and round-trip unchanged."""
    from tests.scenarios.catalog import SCENARIOS
    from vpcprobe_collector.paths.evaluate import evaluate_function_paths
    from vpcprobe_collector.paths.model import Hop, PathResult

    checked = 0
    for make in SCENARIOS.values():
        snapshot = make().snapshot
        index = SnapshotIndex(snapshot)
        for address in (*snapshot.target_addresses, "10.1.1.10", "198.51.100.7"):
            for result in evaluate_function_paths(snapshot, address, 443, index=index):
                assert PathResult.model_validate(result.model_dump()) == result
                for hop in result.hops:
                    assert Hop.model_validate(hop.model_dump()) == hop
                    checked += 1
    assert checked > 1000


def test_evaluate_many_gives_each_call_s_results_and_restores_the_collector() -> None:
    import gc

    from tests.collector.paths.builder import DB_IP, healthy
    from vpcprobe_collector.paths.evaluate import evaluate_function_paths, evaluate_many

    snapshot = healthy()
    wanted = [(DB_IP, 5432), ("198.51.100.7", 443), (DB_IP, 22)]
    assert gc.isenabled()
    many = evaluate_many(snapshot, wanted)
    assert gc.isenabled()
    assert many == [evaluate_function_paths(snapshot, a, p) for a, p in wanted]
    gc.disable()
    try:
        evaluate_many(snapshot, wanted)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_each_function_paths_call_hands_its_results_to_the_oldest_generation() -> None:
    """The rules and `vpcprobe path` evaluate target after target through
    `evaluate_function_paths`: each call pauses the collector and leaves its results in the
    oldest generation (not in the young one, where the next passes would walk them), with the
    collector enabled again and a caller's frozen objects left frozen."""
    import gc
    import sys

    from tests.collector.paths.builder import DB_IP, healthy
    from vpcprobe_collector.paths.evaluate import evaluate_function_paths

    snapshot = healthy()
    results = evaluate_function_paths(snapshot, DB_IP, 5432)
    assert gc.isenabled()
    if sys.version_info < (3, 14):
        young = {id(o) for o in gc.get_objects(generation=0)}
        assert not {id(results), *(id(r) for r in results)} & young
        assert {id(results), *(id(r) for r in results)} <= {
            id(o) for o in gc.get_objects(generation=2)
        }
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        again = evaluate_function_paths(snapshot, DB_IP, 5432)
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
        assert again == results
    finally:
        gc.unfreeze()


def test_a_long_running_caller_piles_up_no_garbage_through_the_hand_over() -> None:
    """`vpcprobe audit` evaluates paths function after function, making garbage of its own in
    between (reference cycles: parsed answers, models). The hand-over must promote only what is
    alive: cycles the caller dropped are collected as they would be without the batch, not set
    aside in the oldest generation for a whole-heap pass that may never come."""
    import gc

    from tests.collector.paths.builder import DB_IP, healthy
    from vpcprobe_collector.paths.evaluate import evaluate_function_paths

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    snapshot = healthy()
    gc.collect()
    before = len(gc.get_objects(generation=2))
    for _ in range(300):
        for _ in range(200):
            Cycle()  # unreachable at once, freed only by the cyclic collector
        evaluate_function_paths(snapshot, DB_IP, 5432)
    # What is still waiting in the oldest generation: at most a round's worth, not all 60,000.
    alive_or_waiting = len(gc.get_objects(generation=2)) - before
    assert alive_or_waiting < 2_000, alive_or_waiting
    assert gc.collect() < 2_000
