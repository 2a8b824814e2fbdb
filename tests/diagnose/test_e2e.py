"""End to end against moto: `diagnose --probe-result` on scenarios built with boto3, real rules.

Asserts what a user acts on: the exit code, the causes named, and the real resource IDs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.report.samples import probe_report
from tests.support import aws_scenarios
from tests.support.moto_server import MotoServer
from vpcprobe.models import TcpStatus
from vpcprobe_collector import cli

pytestmark = pytest.mark.moto


def diagnose(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    s: aws_scenarios.Scenario,
    **probe: Any,
) -> tuple[int, dict[str, Any]]:
    report = probe_report(host="db.orders.internal", address=s.target_addresses[0], **probe)
    path = tmp_path / "probe.json"
    path.write_text(report.model_dump_json(), encoding="utf-8")
    code = cli.main(
        [
            "diagnose", s.function_name, "--probe-result", str(path),
            "--target", "db.orders.internal:5432=orders-db", "--format", "json",
        ]
    )  # fmt: skip
    return code, json.loads(capsys.readouterr().out)


def problems(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["status"] in ("fail", "error")]


def resource_ids(finding: dict[str, Any]) -> set[str]:
    return {r["id"] for r in finding["resources"]}


def test_healthy_vpc_and_open_probe_exit_0(
    aws: MotoServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    s = aws_scenarios.build_healthy(aws.session())
    code, report = diagnose(capsys, tmp_path, s, dns_ok=True, dns_server="169.254.78.1")
    assert [f["code"] for f in problems(report)] == []
    assert report["unjudged"] == [], report["unjudged"]
    assert code == 0
    (join,) = report["joins"]
    assert join["addresses"] == s.target_addresses[:1]
    assert join["observed"] == {"open": 1}


def test_custom_dns_server_blocked_by_its_security_group(
    aws: MotoServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    s = aws_scenarios.build_c10_dns_server_blocked(aws.session())
    code, report = diagnose(capsys, tmp_path, s, dns_server=aws_scenarios.DNS_SERVER_IP)
    assert code == 1
    dns = [f for f in problems(report) if "C10" in f["causes"] or "C11" in f["causes"]]
    assert dns, [f["code"] for f in problems(report)]
    named = set().union(*(resource_ids(f) for f in dns))
    assert {s.dns_server_sg_id, s.dhcp_options_id} <= named
    # the DNS server's ENI was read because the probe reported using it
    assert aws_scenarios.DNS_SERVER_IP in report["snapshot"]["target_addresses"]


def test_target_security_group_blocks_and_probe_times_out(
    aws: MotoServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    s = aws_scenarios.build_c05_target_ingress(aws.session())
    code, report = diagnose(
        capsys, tmp_path, s, dns_ok=True, dns_server="169.254.78.1", tcp_status=TcpStatus.TIMEOUT
    )
    assert code == 1
    blocking = [f for f in problems(report) if "C05" in f["causes"]]
    assert blocking, [(f["code"], f["causes"]) for f in problems(report)]
    assert s.target_sg_id in set().union(*(resource_ids(f) for f in blocking))
    assert all(f["target"] == "orders-db" for f in blocking)


def test_function_detached_from_its_vpc_is_cfg002_and_never_a_tick(
    aws: MotoServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Invariant 2: no subnets in VpcConfig (how a function is detached) is CFG002, with how
    to attach it; the private database's timeout is explained by it, not left as "✓"."""
    s = aws_scenarios.build_healthy(aws.session())
    s.session.client("lambda").update_function_configuration(
        FunctionName=s.function_name, VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}
    )
    code, report = diagnose(
        capsys, tmp_path, s, dns_ok=True, dns_server="169.254.78.1", tcp_status=TcpStatus.TIMEOUT
    )
    assert code == 1
    assert [f["code"] for f in problems(report)] == ["CFG002"]
    (cfg002,) = problems(report)
    assert "never a private address" in cfg002["message"]
    assert cfg002["remediation"]["commands"][1].startswith(
        f"aws lambda update-function-configuration --function-name {s.function_name} "
        "--vpc-config SubnetIds="
    )
    code = cli.main(["diagnose", s.function_name, "--no-probe", "--target", "10.0.10.5:5432"])
    out = capsys.readouterr().out
    assert code == 1
    assert "CFG002 function-not-in-vpc" in out and "✓" not in out
