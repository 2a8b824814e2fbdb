"""Issue 10 §2, invariants 1, 2, 4, 5, 6, 7 and 12, on the golden scenarios made for them:
what a user sees (the problems, the summary line, the exit code under the default --fail-on)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.scenarios import builder
from tests.scenarios import catalog as c
from tests.scenarios.golden import run
from vpcprobe.models import TcpStatus
from vpcprobe_collector.diagnosis import exit_code
from vpcprobe_collector.findings.model import (
    DiagnosisReport,
    Finding,
    FindingStatus,
    Severity,
    TargetJoin,
)
from vpcprobe_collector.report import render
from vpcprobe_collector.rules.engine import judge

HERE = Path(__file__).parent


@dataclass
class Outcome:
    code: int  # the exit code under the default --fail-on (high)
    text: str  # the terminal report
    problems: list[Finding]  # failing findings, worst first, as the report lists them
    findings: list[Finding]
    joins: list[TargetJoin]

    def problem(self, code: str) -> Finding:
        (found,) = [f for f in self.problems if f.code == code]
        return found

    @property
    def summary(self) -> str:
        return self.text.rstrip("\n").splitlines()[-1]


def outcome(name: str) -> Outcome:
    loaded, joins, findings = run(HERE / name)
    diagnosis = DiagnosisReport(
        vpcprobe_version="test",
        generated_at=builder.WHEN,
        function_name="orders-api",
        probe_source="files",
        snapshot=loaded.snapshot,
        probe_reports=loaded.reports,
        probe_failures=loaded.failures,
        targets=loaded.targets,
        joins=joins,
        findings=findings,
    )
    return Outcome(
        code=exit_code(diagnosis, Severity.HIGH),
        text=render(diagnosis, "text"),
        problems=diagnosis.problems,
        findings=findings,
        joins=joins,
    )


# ---------------------------------------------------------------- 1. observed failure is never ✓


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("observed-failure-unexplained", "orders-db"),  # DescribeSecurityGroups denied
        ("intermittent-failure-unexplained", "orders-db"),  # 1 of 3 connects timed out
    ],
)
def test_an_unexplained_observed_failure_is_tgt004_and_exits_1(name: str, target: str) -> None:
    result = outcome(name)
    assert result.code == 1
    assert not result.summary.startswith("✓")
    tgt004 = result.problem("TGT004")
    assert tgt004.severity is Severity.HIGH and tgt004.target == target
    assert "cause not found in what was read" in tgt004.message
    observed = [e.observed for e in tgt004.evidence]
    assert any(o.startswith("read: function orders-api") for o in observed)
    join = next(j for j in result.joins if j.label == target)
    assert "TGT004" in join.finding_codes


def test_tgt004_lists_what_could_not_be_read() -> None:
    tgt004 = outcome("observed-failure-unexplained").problem("TGT004")
    assert "not read: UnauthorizedOperation on ec2:DescribeSecurityGroups" in tgt004.message
    assert any(
        e.observed == "not read: UnauthorizedOperation on ec2:DescribeSecurityGroups"
        for e in tgt004.evidence
    )


def test_a_partial_return_range_the_probe_confirms_is_high() -> None:
    result = outcome("nacl-return-ports-partial")
    assert result.problem("ACL003").severity is Severity.HIGH
    assert result.code == 1
    assert not any(f.code == "TGT004" for f in result.problems)


def test_a_disagreement_is_high() -> None:
    result = outcome("probe-contradicts-configuration")
    assert result.problem("PRB002").severity is Severity.HIGH
    assert result.code == 1


def test_an_explained_failure_gets_no_tgt004() -> None:
    result = outcome("function-egress-denied")
    assert [f.code for f in result.problems] == ["SGR001"]
    passed = [f for f in result.findings if f.code == "TGT004"]
    assert [f.status for f in passed] == [FindingStatus.PASS]
    assert "SGR001" in passed[0].message


# ---------------------------------------------------------------- 2. not attached to a VPC


def test_a_function_without_vpc_config_is_cfg002_not_a_tick() -> None:
    result = outcome("function-not-in-vpc")
    assert result.code == 1
    assert not result.summary.startswith("✓")
    cfg002 = result.problem("CFG002")
    assert cfg002.severity is Severity.HIGH
    assert "reaches the internet directly and never a private address" in cfg002.message
    assert "orders-db cannot be reached" in cfg002.message
    assert cfg002.remediation is not None
    find, attach, _ = cfg002.remediation.commands
    assert find.startswith(
        "aws ec2 describe-network-interfaces --filters "
        "Name=addresses.private-ip-address,Values=10.1.1.20 "
    )
    assert attach.startswith(
        "aws lambda update-function-configuration --function-name orders-api --vpc-config "
        "SubnetIds="
    )
    # CFG002 explains the database's timeout: no "cause not found" beside it.
    assert [f.code for f in result.problems] == ["CFG002"]


def test_cfg002_passes_for_a_function_in_a_vpc() -> None:
    result = outcome("healthy")
    (cfg002,) = [f for f in result.findings if f.code == "CFG002"]
    assert cfg002.status is FindingStatus.PASS


# ---------------------------------------------------------------- 4. one target, one conclusion


def test_a_refusal_where_the_configuration_blocks_is_one_disagreement() -> None:
    result = outcome("probe-refused-where-configuration-blocks")
    codes = sorted(f.code for f in result.problems)
    assert codes == ["PRB002", "TGT001"]  # no SGR001 "blocks it" beside "the path works"
    prb002 = result.problem("PRB002")
    sides = {e.source for e in prb002.evidence}
    assert {"probe.tcp", "path"} <= sides
    assert "refused 3 of 3" in prb002.message
    assert "sg-0f00f00f00f00f001" in prb002.message
    tgt001 = result.problem("TGT001")
    assert tgt001.remediation is not None
    assert "not the problem" not in tgt001.remediation.text
    (join,) = [j for j in result.joins if j.label == "orders-db"]
    assert "disagree" in join.conclusion


# ---------------------------------------------------------------- 5. disagreements for DNS too


def test_a_dns_server_that_answered_where_the_configuration_blocks_is_prb004() -> None:
    result = outcome("dns-answered-where-configuration-blocks")
    assert [f.code for f in result.problems] == ["PRB004"]
    prb004 = result.problem("PRB004")
    assert "answered 3 probe queries over UDP 53" in prb004.message
    assert "allows no outbound UDP to 10.1.1.10:53" in prb004.message
    assert {e.source for e in prb004.evidence} == {"probe.dns", "ec2:DescribeSecurityGroups"}
    assert "is dropped" not in result.text


# ---------------------------------------------------------------- 6. failed probe runs


def test_every_invocation_failing_is_one_prb001_with_its_count_and_exit_1() -> None:
    result = outcome("probe-failed-every-invocation")
    assert result.code == 1
    (prb001,) = [f for f in result.problems if f.code == "PRB001"]
    assert prb001.severity is Severity.HIGH
    assert "3 of 3 times (Runtime.ImportModuleError)" in prb001.message
    assert result.text.count("PRB001 probe-produced-no-report") == 1


def test_a_failed_report_beside_good_ones_is_reported_and_the_rest_judged() -> None:
    result = outcome("probe-files-partly-failed")
    (prb001,) = [f for f in result.problems if f.code == "PRB001"]
    assert prb001.severity is Severity.MEDIUM  # two good reports were judged
    assert "(1 of 3 attempts)" in prb001.message
    assert all(j.conclusion.startswith("Reachable: connected 2 of 2") for j in result.joins)


# ---------------------------------------------------------------- 7. gateway endpoints count


def test_an_isolated_subnet_with_a_gateway_endpoint_is_not_high() -> None:
    result = outcome("isolated-subnet-gateway-endpoint")
    rte001 = result.problem("RTE001")
    assert rte001.severity is Severity.MEDIUM
    assert all(j.conclusion.startswith("Reachable") for j in result.joins)
    assert result.code == 0


def test_no_route_to_internet_without_endpoints_stays_high() -> None:
    assert outcome("no-route-to-internet").problem("RTE001").severity is Severity.HIGH


# ---------------------------------------------------------------- 12. the most likely cause first


def test_a_dns_split_that_explains_a_timeout_leads() -> None:
    result = outcome("dns-split-explains-timeout")
    codes = [f.code for f in result.problems]
    assert codes[0] == "DNS004"
    dns004, tgt002 = result.problem("DNS004"), result.problem("TGT002")
    assert dns004.severity.rank > tgt002.severity.rank
    assert "connections to payments-api time out" in dns004.message
    first = result.text.splitlines()[0]
    assert "DNS004" in first
    (join,) = [j for j in result.joins if j.label == "payments-api"]
    assert join.conclusion.startswith("Times out at public 52.94.133.131")
    assert "private 10.1.1.50" in join.conclusion


def test_no_route_to_internet_is_medium_when_everything_in_use_was_reached() -> None:
    """No endpoints at all, but the probe reached every target and made no AWS call that
    failed: nothing the function is known to use needs the internet."""
    snap = builder.healthy()
    c._drop_default(c._table(snap, builder.RTB_PRIVATE))
    reports = c.probe()
    for report in reports:
        report.tcp = [t for t in report.tcp if t.label == "orders-db"]
        report.aws = []
    _, findings = judge(snap, reports, [c.DB])
    (rte001,) = [f for f in findings if f.code == "RTE001" and f.status is FindingStatus.FAIL]
    assert rte001.severity is Severity.MEDIUM
    # The same subnet with a target that times out: high again.
    reports[0].tcp[0].status = TcpStatus.TIMEOUT
    _, findings = judge(snap, reports, [c.DB])
    (rte001,) = [f for f in findings if f.code == "RTE001" and f.status is FindingStatus.FAIL]
    assert rte001.severity is Severity.HIGH


def test_identical_invoke_errors_a_setup_rule_claims_are_one_line_with_their_count() -> None:
    scenario = c.eni_quota_reached()
    failures = scenario.failures * 3
    _, findings = judge(scenario.snapshot, [], scenario.targets, probe_failures=failures)
    (eni001,) = [f for f in findings if f.code == "ENI001" and f.status is FindingStatus.FAIL]
    invoke = [e.observed for e in eni001.evidence if e.source == "lambda:Invoke"]
    assert len(invoke) == 1 and invoke[0].endswith("(3 times)")
    assert not any(f.code == "PRB001" for f in findings)


def test_the_markdown_and_html_reports_list_identical_failures_once_with_a_count() -> None:
    loaded, joins, findings = run(HERE / "probe-failed-every-invocation")
    diagnosis = DiagnosisReport(
        vpcprobe_version="test",
        generated_at=builder.WHEN,
        function_name="orders-api",
        probe_source="function:vpcprobe-orders-api",
        snapshot=loaded.snapshot,
        probe_failures=loaded.failures,
        targets=loaded.targets,
        joins=joins,
        findings=findings,
    )
    markdown = render(diagnosis, "markdown")
    rows = [line for line in markdown.splitlines() if line.startswith("| function:vpcprobe")]
    assert len(rows) == 1 and "| 3 |" in rows[0]
    html = render(diagnosis, "html")
    assert html.count("<td>function:vpcprobe-orders-api</td><td>3</td>") == 1
