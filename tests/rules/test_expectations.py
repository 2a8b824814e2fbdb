"""`expect = "blocked"` targets: a block that holds is a pass, a path that opens fails CON001."""

from __future__ import annotations

from tests.scenarios import builder as b
from tests.scenarios.catalog import API, DB, SCENARIOS, probe, tcp_rule
from vpcprobe_collector.findings.model import Finding, FindingStatus, TargetSpec
from vpcprobe_collector.rules.engine import judge
from vpcprobe_collector.snapshot.model import VpcSnapshot

DB_IP = TargetSpec(host=b.DB_ADDRESS, port=5432, label="orders-db-ip")


def _judge(
    snapshot: VpcSnapshot, reports: list, targets: list[TargetSpec]
) -> dict[str, list[Finding]]:
    _, findings = judge(snapshot, reports, targets)
    by_code: dict[str, list[Finding]] = {}
    for f in findings:
        by_code.setdefault(f.code, []).append(f)
    return by_code


def _problems(by_code: dict[str, list[Finding]]) -> list[str]:
    return sorted(
        f.code
        for fs in by_code.values()
        for f in fs
        if f.status in (FindingStatus.FAIL, FindingStatus.ERROR)
    )


def _ingress_denied() -> VpcSnapshot:
    snap = b.healthy()
    group = snap.security_group(b.SG_DB)
    assert group is not None
    group.ingress = [tcp_rule(5432, "10.9.0.0/16")]
    return snap


def _blocked(spec: TargetSpec) -> TargetSpec:
    return spec.model_copy(update={"expect": "blocked"})


def test_blocked_address_target_without_probe_passes_sgr002_and_con001() -> None:
    found = _judge(_ingress_denied(), [], [_blocked(DB_IP)])
    assert _problems(found) == []
    assert [f.status for f in found["SGR002"]] == [FindingStatus.PASS]
    assert "expect = blocked" in found["SGR002"][0].message
    assert [f.status for f in found["CON001"]] == [FindingStatus.PASS]


def test_blocked_name_target_that_times_out_passes() -> None:
    found = _judge(_ingress_denied(), probe(db="timeout"), [_blocked(DB), API])
    assert _problems(found) == []
    assert FindingStatus.PASS in {f.status for f in found["SGR002"]}


def test_the_same_block_without_the_expectation_still_fails() -> None:
    found = _judge(_ingress_denied(), probe(db="timeout"), [DB, API])
    assert _problems(found) == ["SGR002"]


def test_blocked_target_that_times_out_outside_the_vpc_passes_tgt002() -> None:
    sc = SCENARIOS["blocked-outside-vpc-config"]()
    targets = [_blocked(t) for t in sc.targets]
    found = _judge(sc.snapshot, sc.reports, targets)
    assert "TGT002" not in _problems(found)
    assert FindingStatus.PASS in {f.status for f in found["TGT002"]}


def test_blocked_target_that_refuses_passes_tgt001() -> None:
    found = _judge(b.healthy(), probe(db="refused"), [_blocked(DB), API])
    assert _problems(found) == []
    assert [f.status for f in found["TGT001"] if f.target == "orders-db"] == [FindingStatus.PASS]


def test_blocked_target_the_probe_reaches_fails_con001() -> None:
    found = _judge(b.healthy(), probe(), [_blocked(DB), API])
    assert _problems(found) == ["CON001"]
    assert "expected to be blocked, but the probe saw open 3 of 3" in found["CON001"][0].message


def test_blocked_target_open_from_some_subnets_fails_con001_without_a_probe() -> None:
    # subnets-differ: only subnet C lacks the route to the internet; A and B still reach it.
    sc = SCENARIOS["subnets-differ"]()
    target = TargetSpec(host=b.PUBLIC_ADDRESS, port=443, label="public", expect="blocked")
    found = _judge(sc.snapshot, [], [target])
    (con,) = found["CON001"]
    assert con.status is FindingStatus.FAIL
    assert "allows it from subnet-0aaa1111aaaa1111a, subnet-0bbb2222bbbb2222b" in con.message


def test_blocked_ipv6_target_passes_v6001() -> None:
    sc = SCENARIOS["ipv6-path-unavailable"]()
    plain = _judge(sc.snapshot, sc.reports, sc.targets)
    assert "V6001" in _problems(plain)
    found = _judge(sc.snapshot, sc.reports, [_blocked(t) for t in sc.targets])
    assert "V6001" not in _problems(found)
    assert FindingStatus.PASS in {f.status for f in found["V6001"]}
