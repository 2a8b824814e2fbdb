"""The join: per target, observed against configured, concluded in one plain sentence."""

from __future__ import annotations

import pytest

from tests.scenarios import builder as b
from tests.scenarios.catalog import API, DB, SCENARIOS, probe
from vpcprobe_collector.findings.model import FindingStatus, TargetJoin, TargetSpec
from vpcprobe_collector.rules.engine import judge


def _joins(name: str) -> dict[str, TargetJoin]:
    sc = SCENARIOS[name]()
    joins, _ = judge(sc.snapshot, sc.reports, sc.targets, probe_failures=sc.failures)
    return {j.label: j for j in joins}


@pytest.mark.parametrize(
    ("scenario", "label", "starts", "contains"),
    [
        ("healthy", "orders-db", "Reachable: connected 3 of 3", "allows it"),
        ("nacl-denies-request", "orders-db", "Times out: ", "acl-0f1a2b3c4d5e6f708 rule 90"),
        ("function-egress-denied", "orders-db", "Times out: ", "sg-0f00f00f00f00f001"),
        (
            "nothing-listening",
            "orders-db",
            "The network path works",
            "nothing listens on port 5432",
        ),
        (
            "blocked-outside-vpc-config",
            "payments-api",
            "Times out although",
            "igw-0f1e2d3c4b5a69788",
        ),
        ("probe-contradicts-configuration", "orders-db", "Connected 3 of 3", "disagree"),
        ("nacl-return-ports-partial", "orders-db", "Intermittent: 1 of 3", "32768-65535"),
        ("subnets-differ", "payments-api", "Intermittent: 1 of 3", "subnet-0ccc3333cccc3333c"),
        (
            "custom-dhcp-dns-unreachable",
            "orders-db",
            "The name db.orders.internal did not resolve",
            "dopt-0aa11bb22cc33dd44 names 10.1.1.10 (resolv.conf: configured nameserver 10.1.1.10)",
        ),
    ],
)
def test_conclusion_names_what_happened_and_why(
    scenario: str, label: str, starts: str, contains: str
) -> None:
    join = _joins(scenario)[label]
    assert join.conclusion.startswith(starts), join.conclusion
    assert contains in join.conclusion, join.conclusion
    assert join.conclusion.endswith(".") and "\n" not in join.conclusion


def test_addresses_come_from_what_the_probe_resolved() -> None:
    joins = _joins("healthy")
    assert joins["orders-db"].addresses == [b.DB_ADDRESS]
    assert joins["payments-api"].addresses == [b.PUBLIC_ADDRESS]
    assert joins["orders-db"].observed == {"open": 3}
    assert {p.query.subnet_id for p in joins["orders-db"].paths} == set(b.FUNCTION_SUBNETS)


def test_without_a_probe_only_addresses_are_evaluated() -> None:
    ip_target = TargetSpec(host=b.DB_ADDRESS, port=5432)
    joins, findings = judge(b.healthy(), [], [DB, ip_target])
    by_label = {j.label: j for j in joins}
    assert by_label["orders-db"].paths == []
    assert by_label["orders-db"].conclusion.startswith(
        "Not evaluated: db.orders.internal is a name"
    )
    ip = by_label[f"{b.DB_ADDRESS}:5432"]
    assert len(ip.paths) == 3
    assert ip.conclusion == "Not probed; the configuration allows it."
    assert not [f for f in findings if f.status is FindingStatus.FAIL]


def test_observations_from_several_reports_are_added_up() -> None:
    reports = probe(db=["open", "timeout", "timeout"])
    joins, _ = judge(b.healthy(), reports, [DB, API])
    db = next(j for j in joins if j.label == "orders-db")
    assert db.observed == {"open": 1, "timeout": 2}
    assert db.conclusion.startswith("Intermittent: 2 of 3 connections failed")


def test_setup_invoke_errors_go_to_their_setup_rule_not_to_prb001() -> None:
    for name, code in [
        ("eni-quota-reached", "ENI001"),
        ("subnet-out-of-ips", "SUB001"),
        ("role-lacks-eni-permissions", "IAM001"),
        ("function-inactive", "LFC001"),
    ]:
        sc = SCENARIOS[name]()
        _, findings = judge(sc.snapshot, sc.reports, sc.targets, probe_failures=sc.failures)
        fails = {f.code for f in findings if f.status is FindingStatus.FAIL}
        assert code in fails and "PRB001" not in fails, (name, fails)
        mine = next(f for f in findings if f.code == code and f.status is FindingStatus.FAIL)
        assert any(
            e.source == "lambda:Invoke" or e.source == "lambda:GetFunction" for e in mine.evidence
        )


def test_subnet_findings_are_linked_to_the_targets_they_block() -> None:
    joins = _joins("subnets-differ")
    assert joins["payments-api"].finding_codes == ["RTE001", "SUB002"]
    assert joins["orders-db"].finding_codes == []


def test_a_service_finding_is_not_linked_to_a_target_through_its_subnets() -> None:
    # API001 (the Logs API) names the same subnets and route table, but explains Logs only.
    joins = _joins("no-route-to-internet")
    assert joins["payments-api"].finding_codes == ["RTE001"]


def _unchecked(reports: list, targets: list[TargetSpec]) -> dict[str, str]:
    _, findings = judge(b.healthy(), reports, targets)
    return {
        f.target or "": f.message
        for f in findings
        if f.code == "TGT003" and f.status is FindingStatus.SKIPPED
    }


def test_a_name_without_a_probe_report_is_not_checked_with_the_reason() -> None:
    assert _unchecked([], [DB]) == {
        "orders-db": "Not checked: orders-db: db.orders.internal is a name and no probe report "
        "says what it resolves to inside the VPC."
    }


def test_a_target_the_probe_did_not_report_on_is_not_checked() -> None:
    other = TargetSpec(host="other.internal", port=5432)
    unchecked = _unchecked(probe(), [DB, other])
    assert list(unchecked) == ["other.internal:5432"]
    assert "the probe reports do not mention it" in unchecked["other.internal:5432"]


def test_evaluated_targets_are_not_listed_as_unchecked() -> None:
    address = TargetSpec(host=b.DB_ADDRESS, port=5432)
    assert _unchecked([], [address]) == {}
    assert _unchecked(probe(), [DB, API]) == {}
