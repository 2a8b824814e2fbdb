"""rules/observed.py: an observed failure is explained at high or above, or TGT004 says not."""

from __future__ import annotations

from collections.abc import Iterable

from tests.scenarios import catalog as c
from vpcprobe_collector.findings.model import Finding, FindingStatus, Severity
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import RuleContext
from vpcprobe_collector.rules.engine import judge
from vpcprobe_collector.rules.observed import ObservedFailureUnexplained
from vpcprobe_collector.rules.registry import ALL_RULES


class _Crashes(Rule):
    code = "ZZZ998"
    name = "crashes"
    title = summary = why = how_to_fix = "a rule that raises"
    severity = Severity.HIGH

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        raise RuntimeError("boom")


class _NamesTheTargetAtLow(Rule):
    code = "ZZZ999"
    name = "names-the-target-at-low"
    title = summary = why = how_to_fix = "a low finding about orders-db"
    severity = Severity.LOW

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        yield self.fail("orders-db is slow.", target="orders-db")


def test_a_crashed_rule_explains_nothing() -> None:
    scenario = c.intermittent_failure_unexplained()
    _, findings = judge(
        scenario.snapshot,
        scenario.reports,
        scenario.targets,
        rules=(_Crashes, ObservedFailureUnexplained),
    )
    assert {(f.code, f.status) for f in findings} == {
        ("ZZZ998", FindingStatus.ERROR),
        ("TGT004", FindingStatus.FAIL),
    }


def test_a_finding_the_probe_confirms_is_raised_to_high_with_the_probe_evidence() -> None:
    scenario = c.intermittent_failure_unexplained()
    joins, findings = judge(
        scenario.snapshot,
        scenario.reports,
        scenario.targets,
        rules=(_NamesTheTargetAtLow, ObservedFailureUnexplained),
    )
    (low,) = [f for f in findings if f.code == "ZZZ999"]
    assert low.severity is Severity.HIGH
    assert [e.observed for e in low.evidence if e.source == "probe.tcp"] == [
        "open 2 of 3, timeout 1 of 3"
    ]
    (tgt004,) = [f for f in findings if f.code == "TGT004"]
    assert tgt004.status is FindingStatus.PASS
    assert tgt004.message == "The failures the probe saw for orders-db are explained by ZZZ999."
    assert "TGT004" not in next(j for j in joins if j.label == "orders-db").finding_codes


def test_tgt004_is_judged_only_when_it_is_among_the_rules() -> None:
    scenario = c.intermittent_failure_unexplained()
    without = tuple(r for r in ALL_RULES if r is not ObservedFailureUnexplained)
    _, findings = judge(scenario.snapshot, scenario.reports, scenario.targets, rules=without)
    assert not any(f.code == "TGT004" for f in findings)


def test_an_expected_block_is_not_an_unexplained_failure() -> None:
    scenario = c.intermittent_failure_unexplained()
    targets = [t.model_copy(update={"expect": "blocked"}) for t in scenario.targets]
    _, findings = judge(scenario.snapshot, scenario.reports, targets)
    assert not any(f.code == "TGT004" for f in findings)
