"""A hop's sentence may be rendered on first read (`Hop.later`): the NACL and route hops of
every path are, since most are never shown. Whatever reads such a hop must get what a hop
worded at once gives: the attribute, serialization (alone and nested), equality, hashing,
iteration, repr, copies, pickling, redaction and the reports' escaping."""

from __future__ import annotations

import copy
import json
import pickle
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.collector.paths.builder import DB_IP, healthy, path
from vpcprobe_collector.paths import describe
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
    """The same hop, validated from its fields with its sentence given at once."""
    return Hop.model_validate(json.loads(hop.model_dump_json()))


def test_a_path_s_nacl_and_route_sentences_wait_until_something_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rendered: list[str] = []
    for name in ("_nacl_detail", "_route_detail"):
        words = getattr(describe, name)

        def counted(d: Any, words: Callable[[Any], str] = words) -> str:
            text = words(d)
            rendered.append(text)
            return text

        monkeypatch.setattr(describe, name, counted)
    result = _to_db()
    assert result.verdict.value == "reachable"
    assert rendered == []  # evaluated, typed fields read by the verdict, no sentence yet
    nacl = _hop(result, HopKind.NACL_OUTBOUND)
    assert (nacl.rule_number, nacl.rule, nacl.reason) == (100, "rule 100", None)
    assert rendered == []
    assert nacl.detail == NACL_OUT
    assert nacl.detail == NACL_OUT  # rendered once, then kept
    assert rendered == [NACL_OUT]
    assert _hop(result, HopKind.ROUTE).detail == ROUTE
    assert rendered == [NACL_OUT, ROUTE]


READINGS: dict[str, Callable[[Hop], object]] = {
    "attribute": lambda h: h.detail,
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
def test_every_way_of_reading_a_hop_renders_its_sentence_first(reading: str, kind: HopKind) -> None:
    read = READINGS[reading]
    eager = _eager(_hop(_to_db(), kind))
    later = _hop(_to_db(), kind)  # a fresh one: this reading is its first
    assert read(later) == read(eager)
    assert later == eager and eager == later


def test_a_hop_left_for_later_compares_with_one_worded_at_once_either_way_round() -> None:
    eager = _eager(_hop(_to_db(), HopKind.NACL_OUTBOUND))
    assert eager == _hop(_to_db(), HopKind.NACL_OUTBOUND)
    assert _hop(_to_db(), HopKind.NACL_OUTBOUND) == eager
    assert {eager, _hop(_to_db(), HopKind.NACL_OUTBOUND)} == {eager}
    assert _hop(_to_db(), HopKind.NACL_OUTBOUND) != _hop(_to_db(), HopKind.ROUTE)


def test_the_json_keeps_the_field_order_of_a_hop_worded_at_once() -> None:
    dumped = json.loads(_hop(_to_db(), HopKind.ROUTE).model_dump_json())
    assert list(dumped) == list(Hop.model_fields)
    assert dumped["detail"] == ROUTE


def test_redaction_masks_a_sentence_not_yet_rendered_and_leaves_the_original_alone() -> None:
    result = _to_db()
    masked = redact(result, addresses=True)
    text = _hop(masked, HopKind.NACL_OUTBOUND).detail
    assert "10.0.3.10" not in text and text.startswith("Network ACL acl-0default rule 100")
    assert "10.0.3.10" not in masked.model_dump_json()
    assert _hop(result, HopKind.NACL_OUTBOUND).detail == NACL_OUT


def test_the_reports_escaping_reaches_a_sentence_not_yet_rendered() -> None:
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
