"""What the path engine remembers while it evaluates (parsed destinations, compiled NACLs and
their decisions, shared hops) lives on one SnapshotIndex: two snapshots evaluated in one
process, with the same IDs and addresses, each get their own answers, and a shared index
never gives another answer than a fresh one."""

from __future__ import annotations

from typing import Literal

from tests.collector.paths.builder import DB, DB_IP, FN_A, entry, healthy, own_acl
from vpcprobe_collector.paths.evaluate import evaluate_function_paths, evaluate_many
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopKind, PathResult, Verdict
from vpcprobe_collector.snapshot.model import VpcSnapshot

CASES: tuple[tuple[int, Literal["tcp", "udp"]], ...] = (
    (443, "tcp"),
    (53, "udp"),
    (53, "tcp"),
    (5432, "tcp"),
)
WANTED = [(DB_IP, 5432), ("198.51.100.7", 443), (DB_IP, 22), ("10.0.3.99", 5432)]


def _db_denies_5432_from_a() -> VpcSnapshot:
    """The healthy VPC, but the database subnet's NACL denies TCP 5432 from FN_A (rule 90)."""
    snapshot = healthy()
    own_acl(
        snapshot,
        "acl-0db",
        DB,
        [
            entry(90, "deny", egress=False, cidr="10.0.1.0/24", protocol="6", ports=(5432, 5432)),
            entry(100, "allow", egress=False),
            entry(100, "allow", egress=True),
            entry(32767, "deny", egress=False),
            entry(32767, "deny", egress=True),
        ],
    )
    return snapshot


def _summary(
    results: list[list[PathResult]],
) -> list[list[tuple[str, str, str | None, int | None]]]:
    return [
        [
            (
                r.query.subnet_id,
                r.verdict.value,
                r.decided_by.component_id if r.decided_by else None,
                r.decided_by.rule_number if r.decided_by else None,
            )
            for r in per_subnet
        ]
        for per_subnet in results
    ]


def test_two_snapshots_in_one_process_each_get_their_own_answers() -> None:
    healthy_one, blocked = healthy(), _db_denies_5432_from_a()
    first = evaluate_many(healthy_one, WANTED)
    second = evaluate_many(blocked, WANTED)
    again = evaluate_many(healthy_one, WANTED)

    assert [r.verdict for r in first[0]] == [Verdict.REACHABLE, Verdict.REACHABLE]
    from_a, from_b = second[0]
    assert from_a.query.subnet_id == FN_A
    assert from_a.verdict is Verdict.BLOCKED
    assert from_a.decided_by is not None
    assert from_a.decided_by.kind is HopKind.TARGET_NACL_INBOUND
    assert (from_a.decided_by.component_id, from_a.decided_by.rule) == ("acl-0db", "rule 90")
    assert from_b.verdict is Verdict.REACHABLE
    # The first snapshot's answers are the same after the second was evaluated.
    assert again == first
    assert _summary(first) != _summary(second)


def test_one_index_per_snapshot_even_when_reused_across_calls() -> None:
    healthy_one, blocked = healthy(), _db_denies_5432_from_a()
    shared = {id(s): SnapshotIndex(s) for s in (healthy_one, blocked)}
    for snapshot in (healthy_one, blocked, healthy_one, blocked):
        index = shared[id(snapshot)]
        for address, port in WANTED:
            reused = evaluate_function_paths(snapshot, address, port, index=index)
            fresh = evaluate_function_paths(snapshot, address, port)
            assert reused == fresh


def test_a_shared_index_gives_the_answers_of_a_fresh_one_over_the_golden_scenarios() -> None:
    """Every remembered decision (a NACL's for the entries holding an address, a destination
    parsed once, a hop worded once) must answer as a fresh evaluation would, in any order."""
    from tests.scenarios.catalog import SCENARIOS

    checked = 0
    for make in SCENARIOS.values():
        snapshot = make().snapshot
        index = SnapshotIndex(snapshot)
        addresses = (*snapshot.target_addresses, "10.1.1.10", "10.0.0.2", "198.51.100.7")
        for address in addresses:
            for port, protocol in CASES:
                reused = evaluate_function_paths(snapshot, address, port, protocol, index=index)
                fresh = evaluate_function_paths(snapshot, address, port, protocol)
                assert reused == fresh, (address, port, protocol)
                checked += len(fresh)
    assert checked > 500
