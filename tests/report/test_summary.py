"""The summary line: a target nothing was learnt about is "not checked", never "checked"."""

from __future__ import annotations

from tests.report.samples import diagnosis
from vpcprobe_collector.findings.model import TargetJoin
from vpcprobe_collector.report.summary import summary_line


def _unprobed(label: str, observed: dict[str, int] | None = None) -> TargetJoin:
    return TargetJoin(
        label=label,
        host=label,
        port=5432,
        observed=observed or {},
        conclusion=f"The probe did not report on {label}; no address to evaluate.",
    )


def test_healthy_run_does_not_count_an_unevaluated_target_as_checked() -> None:
    healthy = diagnosis(healthy=True)
    d = diagnosis(healthy=True, joins=[*healthy.joins, _unprobed("other.internal")])
    assert summary_line(d).startswith(
        "orders-api: 1 target reachable from 3 subnets; 1 target not checked; "
        "no problems found in what was checked ("
    )


def test_only_unevaluated_targets_claim_nothing_was_checked() -> None:
    d = diagnosis(healthy=True, joins=[_unprobed("a.internal"), _unprobed("b.internal")])
    line = summary_line(d)
    assert line.startswith("orders-api: 2 targets not checked; no problems found in what was")
    assert "reachable" not in line and "targets checked" not in line


def test_a_target_whose_every_probe_step_was_skipped_is_not_checked() -> None:
    d = diagnosis(healthy=True, joins=[_unprobed("slow.internal", {"skipped": 3})])
    assert "1 target not checked" in summary_line(d)


def test_problem_line_says_how_many_targets_were_not_checked() -> None:
    d = diagnosis(joins=[*diagnosis().joins, _unprobed("other.internal")])
    assert "across 2 targets (1 not checked);" in summary_line(d)
