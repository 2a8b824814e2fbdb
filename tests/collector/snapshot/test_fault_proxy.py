"""Every read the snapshot makes, denied, answered with an HTML page, `{}` or a truncated body
through the fault proxy in front of moto: no traceback, the read recorded as skipped, and
never a ✓ or exit 0 for what depended on it (issue 10, invariants 9 and 11; §3).

The list of reads is what a real run against moto calls (`snapshot.api_calls`), not a list
written here, so a new reader is covered the day it is added.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.support import aws_scenarios
from tests.support.fault_proxy import FAULT_KINDS, Fault, FaultKind, FaultProxy, run_fault_proxy
from tests.support.moto_server import REGION, MotoServer
from vpcprobe_collector import cli
from vpcprobe_collector.rules.engine import fallback_inputs
from vpcprobe_collector.snapshot.build import take_snapshot
from vpcprobe_collector.snapshot.model import MALFORMED_RESPONSE

pytestmark = [pytest.mark.moto, pytest.mark.slow]

DENIED = {"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"}


@pytest.fixture(scope="module")
def scenario(moto_server: MotoServer) -> Iterator[aws_scenarios.Scenario]:
    """One healthy scenario for the module; every test here only reads it."""
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        patch.setenv("AWS_ENDPOINT_URL", moto_server.url)
        yield aws_scenarios.build_healthy(moto_server.session())


@pytest.fixture(scope="module")
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    with run_fault_proxy(moto_server.url) as running:
        yield running


@pytest.fixture
def through_proxy(proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> FaultProxy:
    proxy.clear()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    return proxy


@pytest.fixture(scope="module")
def apis(scenario: aws_scenarios.Scenario, proxy: FaultProxy) -> list[str]:
    """Every API a healthy snapshot calls, from a real run through the proxy."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", proxy.url)
        snapshot = take_snapshot(
            boto3.Session(region_name=REGION),
            scenario.function_name,
            target_addresses=scenario.target_addresses,
        )
    found = list(dict.fromkeys(call.api for call in snapshot.api_calls))
    assert "lambda:GetFunction" in found and "ec2:DescribeSecurityGroups" in found
    return found


def _diagnose(
    capsys: pytest.CaptureFixture[str], scenario: aws_scenarios.Scenario
) -> tuple[int, str, str]:
    target = f"{scenario.target_addresses[0]}:{aws_scenarios.DB_PORT}"
    code = cli.main(
        ["diagnose", scenario.function_name, "--no-probe", "--target", target, "--format", "json"]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_healthy_scenario_is_complete_through_the_proxy(
    through_proxy: FaultProxy,
    scenario: aws_scenarios.Scenario,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The baseline every fault below is measured against: moto's own failures
    # (SimulatePrincipalPolicy, GetServiceQuota) have documented fallbacks.
    code, out, err = _diagnose(capsys, scenario)
    report = json.loads(out)
    assert code == 0, err
    assert report["unjudged"] == []
    assert err.startswith("✓ ")
    assert {r["api"] for r in report["snapshot"]["skipped"]} <= fallback_inputs()


def _problems_with(
    kind: FaultKind, api: str, code: int, out: str, err: str, optional: frozenset[str]
) -> list[str]:
    """What is wrong with one faulted run (empty when it behaved)."""
    where = f"{kind} {api}"
    if "Traceback" in err or "Traceback" in out:
        return [f"{where}: traceback"]
    if api == "lambda:GetFunction":
        # Nothing can be judged without the function: one clear line, AWS access (3).
        lines = err.strip().splitlines()
        expected = "AccessDenied" if kind == "deny" else MALFORMED_RESPONSE
        if code != 3 or out or len(lines) != 1 or expected not in lines[0]:
            return [f"{where}: exit {code}, stderr {err!r}"]
        return []
    report = json.loads(out)
    problems: list[str] = []
    reads = [r for r in report["snapshot"]["skipped"] if r["api"] == api]
    if not reads:
        problems.append(f"{where}: not recorded as a skipped read")
    if kind == "deny" and not any(r["error_code"] in DENIED for r in reads):
        problems.append(f"{where}: recorded as {[r['error_code'] for r in reads]}")
    if kind in ("html", "empty") and not any(r["error_code"] == MALFORMED_RESPONSE for r in reads):
        problems.append(f"{where}: recorded as {[r['error_code'] for r in reads]}")
    failing = [f["code"] for f in report["findings"] if f["status"] in ("fail", "error")]
    if failing:  # the scenario is healthy: a failure here was made up from the fault
        problems.append(f"{where}: false findings {failing}")
    if api in optional:
        return problems  # a documented fallback: the run may stay complete
    if code != 4 or err.startswith("✓") or not report["unjudged"]:
        problems.append(f"{where}: exit {code}, summary {err.splitlines()[:1]}")
    if not any(u["api"] == api for u in report["unjudged"]):
        problems.append(f"{where}: unjudged does not name it: {report['unjudged'][:2]}")
    return problems


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_every_read_faulted_is_skipped_and_never_healthy(
    kind: FaultKind,
    through_proxy: FaultProxy,
    scenario: aws_scenarios.Scenario,
    apis: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    optional = fallback_inputs()
    problems: list[str] = []
    for api in apis:
        through_proxy.clear()
        through_proxy.faults = [Fault(api, kind)]
        code, out, err = _diagnose(capsys, scenario)
        assert through_proxy.hits[api] >= 1, f"the proxy never saw {api}"
        problems += _problems_with(kind, api, code, out, err, optional)
    assert problems == []


def test_an_html_page_from_get_function_is_never_a_function_outside_a_vpc(
    through_proxy: FaultProxy,
    scenario: aws_scenarios.Scenario,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Before: "✓ ... no problems found", exit 0, even with --fail-on info.
    through_proxy.faults = [Fault("lambda:GetFunction", "html")]
    code = cli.main(
        ["diagnose", scenario.function_name, "--no-probe", "--fail-on", "info", "--target",
         f"{scenario.target_addresses[0]}:{aws_scenarios.DB_PORT}"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 3
    assert "✓" not in captured.out + captured.err
    assert "malformed response from lambda:GetFunction" in captured.err
    assert "not attached to a VPC" not in captured.out + captured.err


def test_security_groups_as_empty_json_are_not_deleted_groups(
    through_proxy: FaultProxy,
    scenario: aws_scenarios.Scenario,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Before: `{}` (or an HTML page) parsed as "no groups", so every group read as deleted:
    # a false critical CFG001.
    for kind in ("html", "empty"):
        through_proxy.clear()
        through_proxy.faults = [Fault("ec2:DescribeSecurityGroups", kind)]
        code, out, _ = _diagnose(capsys, scenario)
        report: dict[str, Any] = json.loads(out)
        assert code == 4
        assert [f["code"] for f in report["findings"] if f["code"] == "CFG001"] in ([], ["CFG001"])
        assert all(f["status"] != "fail" for f in report["findings"] if f["code"] == "CFG001")


def test_a_role_policy_list_without_its_wrapper_is_a_skipped_read(
    through_proxy: FaultProxy,
    scenario: aws_scenarios.Scenario,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Before: KeyError('ListRolePoliciesResult') out of the run, a traceback.
    through_proxy.faults = [Fault("iam:ListRolePolicies", "html")]
    code, out, err = _diagnose(capsys, scenario)
    assert "Traceback" not in err
    report = json.loads(out)
    [read] = [r for r in report["snapshot"]["skipped"] if r["api"] == "iam:ListRolePolicies"]
    assert read["error_code"] == MALFORMED_RESPONSE
    assert "malformed response from iam:ListRolePolicies" in read["message"]
    # moto cannot simulate policies, so the role check rests on this read: not judged.
    assert code == 4
    assert any(u["subject"].startswith("IAM001") for u in report["unjudged"])
