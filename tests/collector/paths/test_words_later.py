"""A hop may be built on first read (`Hop.later`): the NACL and route hops of every path
are, since most are never read. Whatever reads such a hop must get what a hop built at once
gives: its attributes, serialization (alone and nested), equality, hashing, iteration, repr,
copies, pickling, redaction and the reports' escaping."""

from __future__ import annotations

import copy
import json
import pickle
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.collector.paths.builder import DB_IP, FN_A, healthy, open_entries, own_acl, path
from vpcprobe_collector.paths import model
from vpcprobe_collector.paths.decisions import NaclHopDecision, RouteDecision
from vpcprobe_collector.paths.model import Hop, HopKind, PathResult
from vpcprobe_collector.report.redact import redact
from vpcprobe_collector.report.safe_text import made_safe

NACL_OUT = "Network ACL acl-0default rule 100 allows outbound TCP to 10.0.3.10:5432."
ROUTE = "Route table rtb-0priv of subnet-0fa keeps 10.0.3.10 inside the VPC (10.0.0.0/16 -> local)."


def _to_db() -> PathResult:
    return path(healthy(), DB_IP, 5432)


def _hop(result: PathResult, kind: HopKind) -> Hop:
    return next(h for h in result.hops if h.kind is kind)


def _eager(hop: Hop) -> Hop:
    """The same hop, validated from its fields: built at once."""
    return Hop.model_validate(json.loads(hop.model_dump_json()))


def test_a_path_s_nacl_and_route_hops_wait_until_something_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[HopKind] = []
    for kind in (NaclHopDecision, RouteDecision):
        build = model._BUILD[kind]

        def counted(d: Any, build: Callable[[Any], Hop] = build) -> Hop:
            hop = build(d)
            built.append(hop.kind)
            return hop

        monkeypatch.setitem(model._BUILD, kind, counted)
    result = _to_db()
    assert result.verdict.value == "reachable" and result.decided_by is None
    assert built == []  # the verdict comes from the decisions: nothing built yet
    nacl = _hop(result, HopKind.NACL_OUTBOUND)  # reads the kind: this one is built
    assert built == [HopKind.NACL_OUTBOUND]
    assert (nacl.rule_number, nacl.rule, nacl.reason) == (100, "rule 100", None)
    assert nacl.detail == NACL_OUT
    assert built == [HopKind.NACL_OUTBOUND]  # built once, then kept
    assert _hop(result, HopKind.ROUTE).detail == ROUTE
    assert built == [HopKind.NACL_OUTBOUND, HopKind.ROUTE]


def test_a_hop_shared_by_many_paths_is_built_once_when_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The destination subnet's NACL hop for the replies is shared by every path into that
    subnet from one function subnet, whatever the port (one hop per index): built on its
    first read, once."""
    from vpcprobe_collector.paths.evaluate import evaluate_path
    from vpcprobe_collector.paths.index import SnapshotIndex

    built: list[HopKind] = []
    build = model._BUILD[NaclHopDecision]

    def counted(d: Any) -> Hop:
        hop = build(d)
        built.append(hop.kind)
        return hop

    monkeypatch.setitem(model._BUILD, NaclHopDecision, counted)
    snapshot = healthy()
    index = SnapshotIndex(snapshot)
    query = _to_db().query
    results = [
        evaluate_path(snapshot, query.model_copy(update={"port": port}), index=index)
        for port in (5432, 6432)
    ]
    assert built == []
    kind = HopKind.TARGET_NACL_OUTBOUND_RETURN
    first, second = (next(h for h in r.hops if h.kind is kind) for r in results)
    assert first is second
    # (finding it read the kinds of the hops before it, building those too)
    assert built.count(kind) == 1
    assert first.detail.startswith("Network ACL acl-0default rule 100 allows outbound return")


def test_a_blocked_path_s_deciding_hop_reads_like_any_other() -> None:
    snapshot = healthy()
    entries = [e for e in open_entries() if not e.egress or e.rule_number > 32766]
    own_acl(snapshot, "acl-0fa", FN_A, entries)  # outbound: only the * rules
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict.value == "blocked"
    hop = result.decided_by
    assert hop is not None and hop.kind is HopKind.NACL_OUTBOUND
    assert (hop.component_id, hop.rule_number, hop.reason) == ("acl-0fa", 32767, "default_rule")
    assert hop in result.hops
    assert json.loads(result.model_dump_json())["decided_by"]["detail"] == (
        "Network ACL acl-0fa denies outbound TCP to 10.0.3.10:5432 by its default rule * "
        "(no numbered rule allows it)."
    )


READINGS: dict[str, Callable[[Hop], object]] = {
    "attribute": lambda h: h.detail,
    "typed fields": lambda h: (h.kind, h.component_id, h.outcome, h.ports, h.target_id),
    "getattr": lambda h: getattr(h, "detail"),  # noqa: B009 - the builtin's own path
    "model_dump": lambda h: h.model_dump(),
    "model_dump json mode": lambda h: h.model_dump(mode="json"),
    "model_dump_json": lambda h: h.model_dump_json(),
    "model_dump include": lambda h: h.model_dump(include={"detail"}),
    "dict()": lambda h: dict(h),
    "repr": repr,
    "hash": hash,
    "copy": lambda h: copy.copy(h).__dict__,
    "deepcopy": lambda h: copy.deepcopy(h).__dict__,
    "model_copy update": lambda h: h.model_copy(update={"subnet_id": "subnet-0x"}).model_dump(),
    "pickle": lambda h: pickle.loads(pickle.dumps(h)).__dict__,  # noqa: S301 - our own bytes
    "nested in a result": lambda h: PathResult(
        query=_to_db().query, verdict="reachable", hops=[h], decided_by=h
    ).model_dump_json(),
}


@pytest.mark.parametrize("reading", list(READINGS))
@pytest.mark.parametrize("kind", [HopKind.NACL_OUTBOUND, HopKind.ROUTE])
def test_every_way_of_reading_a_hop_builds_it_first(reading: str, kind: HopKind) -> None:
    read = READINGS[reading]
    eager = _eager(_hop(_to_db(), kind))
    later = _hop(_to_db(), kind)  # a fresh one: this reading is its first
    assert read(later) == read(eager)
    assert later == eager and eager == later


def test_a_hop_left_for_later_compares_with_one_built_at_once_either_way_round() -> None:
    eager = _eager(_hop(_to_db(), HopKind.NACL_OUTBOUND))
    assert eager == _hop(_to_db(), HopKind.NACL_OUTBOUND)
    assert _hop(_to_db(), HopKind.NACL_OUTBOUND) == eager
    assert {eager, _hop(_to_db(), HopKind.NACL_OUTBOUND)} == {eager}
    assert _hop(_to_db(), HopKind.NACL_OUTBOUND) != _hop(_to_db(), HopKind.ROUTE)


def test_the_json_keeps_the_field_order_of_a_hop_worded_at_once() -> None:
    dumped = json.loads(_hop(_to_db(), HopKind.ROUTE).model_dump_json())
    assert list(dumped) == list(Hop.model_fields)
    assert dumped["detail"] == ROUTE


def test_redaction_masks_a_hop_not_yet_built_and_leaves_the_original_alone() -> None:
    result = _to_db()
    masked = redact(result, addresses=True)
    text = _hop(masked, HopKind.NACL_OUTBOUND).detail
    assert "10.0.3.10" not in text and text.startswith("Network ACL acl-0default rule 100")
    assert "10.0.3.10" not in masked.model_dump_json()
    assert _hop(result, HopKind.NACL_OUTBOUND).detail == NACL_OUT


def test_the_reports_escaping_reaches_a_hop_not_yet_built() -> None:
    result = _to_db()
    safe = made_safe(result)
    assert _hop(safe, HopKind.ROUTE).detail == ROUTE
    assert safe.model_dump() == result.model_dump()


def test_threads_reading_one_hop_at_once_all_get_its_sentence() -> None:
    for _ in range(20):
        hop = _hop(_to_db(), HopKind.NACL_OUTBOUND)
        seen: list[object] = []
        start = threading.Barrier(4)

        def read(hop: Hop, start: threading.Barrier, seen: list[object]) -> None:
            start.wait()
            seen.append((hop.detail, hop.model_dump()["detail"], hash(hop)))

        threads = [threading.Thread(target=read, args=(hop, start, seen)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(seen) == 4 and len(set(seen)) == 1
        assert seen[0][0] == NACL_OUT  # type: ignore[index]
