"""Incomplete is not healthy (issue 10, invariant 9): a denied read a verdict depends on never
gives "✓ no problems found" or exit 0, in any format and for every command that judges."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support import aws_scenarios
from tests.support.fault_proxy import Fault, FaultProxy, run_fault_proxy
from tests.support.moto_server import MotoServer
from vpcprobe_collector import cli
from vpcprobe_collector.errors import ExitCode

pytestmark = pytest.mark.moto


@pytest.fixture(scope="module")
def blocked(moto_server: MotoServer) -> Iterator[aws_scenarios.Scenario]:
    """C05: the database's security group no longer lets the function in."""
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        patch.setenv("AWS_ENDPOINT_URL", moto_server.url)
        yield aws_scenarios.build_c05_target_ingress(moto_server.session())


@pytest.fixture
def denied_groups(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    with run_fault_proxy(moto_server.url) as proxy:
        proxy.faults = [Fault("ec2:DescribeSecurityGroups", "deny")]
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        yield proxy


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _target(s: aws_scenarios.Scenario) -> str:
    return f"{s.target_addresses[0]}:{aws_scenarios.DB_PORT}"


def test_the_block_is_found_when_the_groups_can_be_read(
    blocked: aws_scenarios.Scenario,
    capsys: pytest.CaptureFixture[str],
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    code, out, _ = _run(capsys, "diagnose", blocked.function_name, "--no-probe",
                        "--target", _target(blocked))  # fmt: skip
    assert code == ExitCode.FINDINGS
    assert "SGR002" in out


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_denied_security_groups_are_incomplete_not_healthy(
    blocked: aws_scenarios.Scenario,
    denied_groups: FaultProxy,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
) -> None:
    # Before: "✓ orders-api: 1 target checked from 3 subnets; no problems found", exit 0.
    code, out, err = _run(capsys, "diagnose", blocked.function_name, "--no-probe",
                          "--target", _target(blocked), "--format", fmt)  # fmt: skip
    assert denied_groups.hits["ec2:DescribeSecurityGroups"] >= 1
    assert code == ExitCode.INCOMPLETE, err
    assert "✓" not in out + err
    assert "no problems found" not in (out + err).lower()
    summary = out if fmt == "text" else err
    line = next(s for s in summary.splitlines() if f"{blocked.function_name}:" in s)
    assert "incomplete" in line
    assert "UnauthorizedOperation on ec2:DescribeSecurityGroups" in line
    assert "checked" not in line
    if fmt == "json":
        unjudged = json.loads(out)["unjudged"]
        api = "ec2:DescribeSecurityGroups"
        entry = {"subject": api, "api": api, "reason": f"UnauthorizedOperation on {api}"}
        assert entry in unjudged
        # the target itself is named as not judged, per subnet
        assert any(u["subject"].startswith(_target(blocked)) for u in unjudged)
    else:
        assert "Not judged" in out
        assert "ec2:DescribeSecurityGroups" in out


def test_allow_incomplete_gives_the_old_exit_code(
    blocked: aws_scenarios.Scenario,
    denied_groups: FaultProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "diagnose", blocked.function_name, "--no-probe",
                        "--target", _target(blocked), "--allow-incomplete")  # fmt: skip
    assert code == ExitCode.OK
    assert "✓" not in out  # the report still says it is incomplete
    assert "Not judged" in out


def test_findings_take_precedence_over_incomplete(
    blocked: aws_scenarios.Scenario,
    denied_groups: FaultProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The groups are readable now, the VPC's DNS attributes are not: the block is found (1)
    # and the report still lists what could not be judged.
    denied_groups.faults = [Fault("ec2:DescribeVpcAttribute", "deny")]
    code, out, _ = _run(capsys, "diagnose", blocked.function_name, "--no-probe",
                        "--target", _target(blocked), "--format", "json")  # fmt: skip
    report = json.loads(out)
    assert code == ExitCode.FINDINGS
    assert [f["status"] for f in report["findings"] if f["code"] == "SGR002"] == ["fail"]
    assert any(u["api"] == "ec2:DescribeVpcAttribute" for u in report["unjudged"])
    # no rule passed on the attribute it could not read (EPT002 passed before)
    assert [f["status"] for f in report["findings"] if f["code"] == "EPT002"] == ["skipped"]


def test_path_uses_the_same_vocabulary(
    blocked: aws_scenarios.Scenario,
    denied_groups: FaultProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Before: `vpcprobe path` exited 1 on the same data while diagnose exited 0.
    code, out, err = _run(capsys, "path", blocked.function_name, "--to", _target(blocked))
    assert code == ExitCode.INCOMPLETE, out + err
    assert "UNKNOWN" in out
    code, _, _ = _run(capsys, "path", blocked.function_name, "--to", _target(blocked),
                      "--allow-incomplete")  # fmt: skip
    assert code == ExitCode.OK


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("diagnose", "analyze", "path"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        out = capsys.readouterr().out
        assert "--allow-incomplete" in out
        assert "4" in out and "incomplete" in out
