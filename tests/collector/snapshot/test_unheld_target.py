"""Issue 10, invariant 3 against moto: a target address in the VPC that no network interface
holds (the database's ENI deleted) is TGT005 naming the address and the subnet it would be in,
while the function's egress, routes and NACL are still judged; exit 1, not 4 (incomplete).

The snapshot reads the subnets it meets through ENIs, NAT gateways and endpoints; an address
nobody holds needs ONE more whole-VPC DescribeSubnets, made only in that case.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from tests.support import aws_scenarios
from tests.support.moto_server import MotoServer
from vpcprobe_collector import aws as aws_sessions
from vpcprobe_collector import cli

pytestmark = pytest.mark.moto


def _without_database(s: aws_scenarios.Scenario) -> str:
    """Delete the database's ENI (a deleted instance or database); its address, now held by
    nobody."""
    s.ec2().delete_network_interface(NetworkInterfaceId=s.target_eni_ids[0])
    return s.target_addresses[0]


def _diagnose(capsys: pytest.CaptureFixture[str], s: aws_scenarios.Scenario, address: str) -> Any:
    target = f"{address}:{aws_scenarios.DB_PORT}"
    code = cli.main(
        ["diagnose", s.function_name, "--no-probe", "--target", target, "--format", "json"]
    )
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def _subnet_calls(report: dict[str, Any]) -> int:
    return [c["api"] for c in report["snapshot"]["api_calls"]].count("ec2:DescribeSubnets")


Answer = Callable[[dict[str, Any]], "tuple[AWSResponse, dict[str, Any]] | None"]


def _watch_subnet_reads(
    monkeypatch: pytest.MonkeyPatch, answer: Answer | None = None
) -> list[bool]:
    """Whether each DescribeSubnets the CLI sends is the whole-VPC one (a vpc-id filter, in
    EC2's query form); `answer` may answer it in botocore's parsed shape before it is sent."""
    seen: list[bool] = []

    def before_call(params: dict[str, Any], **_: Any) -> Any:
        vpc_wide = "vpc-id" in (params.get("body") or {}).values()
        seen.append(vpc_wide)
        return answer(params) if answer and vpc_wide else None

    made = aws_sessions.make_session

    def with_hook(*args: Any, **kwargs: Any) -> aws_sessions.Session:
        session = made(*args, **kwargs)
        session.events.register("before-call.ec2.DescribeSubnets", before_call)
        return session

    monkeypatch.setattr(aws_sessions, "make_session", with_hook)
    return seen


def test_deleted_database_is_tgt005_naming_its_subnet_and_the_other_hops_are_judged(
    aws: MotoServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    s = aws_scenarios.build_healthy(aws.session())
    address = _without_database(s)
    seen = _watch_subnet_reads(monkeypatch)
    code, report, err = _diagnose(capsys, s, address)
    # Before: "No subnet holding 10.0.10.20 is in the snapshot", TGT005 not judged, exit 4.
    assert code == 1, err
    assert report["unjudged"] == [], report["unjudged"]
    (tgt005,) = [f for f in report["findings"] if f["code"] == "TGT005"]
    assert tgt005["status"] == "fail"
    assert (
        f"No network interface holds {address}, an address in subnet {s.data_subnet_id}"
        in (tgt005["message"])
    )
    assert s.data_subnet_id in {sub["subnet_id"] for sub in report["snapshot"]["subnets"]}
    # The function's side of the path is judged, not skipped: its egress, routes and NACLs.
    target = tgt005["target"]
    judged = {f["code"]: f["status"] for f in report["findings"] if f["target"] == target}
    for code_ in ("SGR001", "RTE003", "ACL001", "ACL002"):
        assert judged.get(code_) == "pass", (code_, judged)
    # The function's subnets, the NAT gateway's, then the whole VPC's: once.
    assert seen == [False, False, True]
    assert _subnet_calls(report) == 3


def test_no_extra_subnet_read_when_every_target_is_held(
    aws: MotoServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    s = aws_scenarios.build_healthy(aws.session())
    seen = _watch_subnet_reads(monkeypatch)
    code, report, err = _diagnose(capsys, s, s.target_addresses[0])
    assert code == 0, err
    # The function's subnets, then those of the database's ENI and the NAT gateway.
    assert seen == [False, False]
    assert _subnet_calls(report) == 2


def test_no_extra_subnet_read_for_an_unheld_address_in_a_subnet_already_read(
    aws: MotoServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10.0.1.99 is in the function's first subnet, read already: its subnet is known.
    s = aws_scenarios.build_healthy(aws.session())
    seen = _watch_subnet_reads(monkeypatch)
    code, report, err = _diagnose(capsys, s, "10.0.1.99")
    assert code == 1, err
    (tgt005,) = [f for f in report["findings"] if f["code"] == "TGT005"]
    assert f"an address in subnet {s.function_subnet_ids[0]}" in tgt005["message"]
    assert True not in seen


@pytest.mark.parametrize("fault", ["deny", "malformed"])
def test_the_extra_subnet_read_failing_is_a_skipped_read_and_incomplete(
    fault: str,
    aws: MotoServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fault proxy faults every DescribeSubnets, the function's own subnets too; this
    # answers only the whole-VPC one, in botocore's parsed shape, before it is sent.
    s = aws_scenarios.build_healthy(aws.session())
    address = _without_database(s)

    def answer(_params: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        if fault == "deny":
            error = {"Code": "UnauthorizedOperation", "Message": "not authorized"}
            return AWSResponse("https://ec2", 403, {}, None), {"Error": error}
        return AWSResponse("https://ec2", 200, {}, None), {"Subnets": [{"CidrBlock": "x"}]}

    seen = _watch_subnet_reads(monkeypatch, answer)
    code, report, err = _diagnose(capsys, s, address)
    assert seen == [False, False, True]
    assert code == 4, err
    assert "✓" not in err
    (read,) = [r for r in report["snapshot"]["skipped"] if r["api"] == "ec2:DescribeSubnets"]
    assert read["error_code"] == (
        "UnauthorizedOperation" if fault == "deny" else "MalformedResponse"
    )
    assert report["unjudged"], "an unread subnet must leave the verdict open"
    assert not [f for f in report["findings"] if f["code"] == "TGT005" and f["status"] == "pass"]
