"""`vpcprobe path` with --snapshot FILE: text, JSON, exit codes and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.collector.paths.builder import DB_IP, FN_SG, T, group, healthy, route, sg_rule, table
from tests.support import aws_scenarios as scenarios
from tests.support.moto_server import MotoServer
from vpcprobe_collector.cli import main
from vpcprobe_collector.snapshot.model import VpcSnapshot


def _save(tmp_path: Path, snapshot: VpcSnapshot) -> str:
    file = tmp_path / "snapshot.json"
    file.write_text(snapshot.model_dump_json(), encoding="utf-8")
    return str(file)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["path", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_reachable_everywhere_exits_0_with_each_subnet_and_its_hops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = _save(tmp_path, healthy())
    code, out, err = _run(capsys, "orders", "--to", f"{DB_IP}:5432", "--snapshot", file)
    assert code == 0, err
    assert f"orders -> {DB_IP}:5432 (TCP)" in out
    assert "subnet-0fa (us-east-1a): REACHABLE" in out
    assert "subnet-0fb (us-east-1b): REACHABLE" in out
    assert "Security group sg-0db of eni-0db allows inbound TCP 5432 from the function" in out
    assert out.rstrip().endswith("2 subnet(s): 2 reachable")


def test_blocked_exits_1_and_names_the_component_and_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = healthy()
    group(snapshot, FN_SG).egress = [sg_rule("0.0.0.0/0", "tcp", (443, 443))]
    file = _save(tmp_path, snapshot)
    code, out, _ = _run(capsys, "orders", "--to", f"{DB_IP}:5432", "--snapshot", file)
    assert code == 1
    assert (
        f"subnet-0fa (us-east-1a): BLOCKED by {FN_SG} (no egress rule allows tcp 5432 to {DB_IP})"
        in out
    )
    assert f"  Security group {FN_SG} allows no outbound TCP to {DB_IP}:5432." in out


def test_leaves_vpc_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = _save(tmp_path, healthy())
    code, out, _ = _run(
        capsys, "orders", "--to", "[2001:db8::10]:443", "--snapshot", file, "--protocol", "tcp"
    )
    assert code == 0
    assert "LEAVES THE VPC beyond egress-only internet gateway eigw-0a, attached to the VPC" in out
    assert "[2001:db8::10]:443 (TCP)" in out


def test_a_path_through_a_peering_connection_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = healthy()
    table(snapshot, "rtb-0priv").routes.append(route("172.20.0.0/16", T.PEERING, "pcx-0a1b"))
    file = _save(tmp_path, snapshot)
    code, out, _ = _run(capsys, "orders", "--to", "172.20.1.5:5432", "--snapshot", file)
    # Nothing beyond pcx-0a1b was read in this hand-built snapshot: incomplete, never 0.
    assert code == 4
    assert (
        "subnet-0fa (us-east-1a): LEAVES THE VPC beyond pcx-0a1b: not judged (not read); "
        "allowed as far as it was read"
    ) in out
    assert "Beyond VPC peering connection pcx-0a1b (route active) the path leaves this VPC" in out


def test_json_gives_the_same_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = _save(tmp_path, healthy())
    code, out, _ = _run(
        capsys,
        "arn:aws:lambda:us-east-1:123456789012:function:orders",
        "--to",
        "10.0.3.99:53",
        "--protocol",
        "udp",
        "--format",
        "json",
        "--snapshot",
        file,
    )
    assert code == 4  # incomplete: the destination's ENI is not in the snapshot (unknown)
    data = json.loads(out)
    assert [d["query"]["subnet_id"] for d in data] == ["subnet-0fa", "subnet-0fb"]
    assert {d["verdict"] for d in data} == {"unknown"}
    assert data[0]["query"]["protocol"] == "udp"
    assert data[0]["decided_by"]["kind"] == "target_security_group_ingress"
    assert data[0]["hops"][0]["kind"] == "source"


def test_function_outside_a_vpc_says_so_and_never_reaches_a_private_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = healthy()
    assert snapshot.function is not None
    snapshot.function.vpc_config = None
    file = _save(tmp_path, snapshot)
    code, out, err = _run(capsys, "orders", "--to", "10.0.3.10:5432", "--snapshot", file)
    assert code == 1  # a private destination is out of reach: never a clean exit
    assert out == ""
    assert "orders is not attached to a VPC" in err
    assert "never reaches a private address such as 10.0.3.10" in err
    code, _, err = _run(capsys, "orders", "--to", "52.94.0.10:443", "--snapshot", file)
    assert code == 0  # a public one goes through Lambda's own network


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("db.internal:5432", "'db.internal' is not an IP address"),
        ("10.0.3.10", "expected ADDRESS:PORT"),
        ("10.0.3.10:99999", "the port must be a number from 1 to 65535"),
        ("10.0.3.10:http", "the port must be a number from 1 to 65535"),
        ("2001:db8::10:443", "write an IPv6 destination as [ADDRESS]:PORT"),
    ],
)
def test_bad_destination_is_one_clear_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], to: str, message: str
) -> None:
    code, out, err = _run(capsys, "orders", "--to", to, "--snapshot", _save(tmp_path, healthy()))
    assert code == 2
    assert out == ""
    assert err.startswith("vpcprobe: error: --to ")
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_malformed_cidr_in_a_snapshot_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = healthy()
    snapshot.route_tables[0].routes[2].destination_cidr = "0.0.0.0/zero"
    code, out, err = _run(
        capsys, "orders", "--to", "198.51.100.7:443", "--snapshot", _save(tmp_path, snapshot)
    )
    assert (code, out) == (2, "")
    assert err.startswith("vpcprobe: error: the snapshot holds a malformed value: ")
    assert "0.0.0.0/zero" in err


def test_snapshot_file_problems_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nope.json")
    code, _, err = _run(capsys, "orders", "--to", "10.0.3.10:5432", "--snapshot", missing)
    assert code == 2
    assert err == f"vpcprobe: error: cannot read snapshot {missing}: No such file or directory\n"
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"schema_version": 1}', encoding="utf-8")
    code, _, err = _run(capsys, "orders", "--to", "10.0.3.10:5432", "--snapshot", str(garbage))
    assert code == 2
    assert "is not a vpcprobe snapshot" in err
    code, _, err = _run(
        capsys, "billing", "--to", "10.0.3.10:5432", "--snapshot", _save(tmp_path, healthy())
    )
    assert code == 2
    assert "is a snapshot of orders, not billing" in err


@pytest.mark.moto
def test_live_snapshot_from_moto(aws: MotoServer, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --snapshot the command reads AWS (here moto over HTTP) through take_snapshot."""
    scenario = scenarios.build_healthy(aws.session())
    target = scenario.target_addresses[0]
    code, out, err = _run(capsys, scenario.function_name, "--to", f"{target}:{scenarios.DB_PORT}")
    assert code == 0, err
    for subnet_id in scenario.function_subnet_ids:
        assert f"{subnet_id} (" in out
    assert out.count(": REACHABLE") == len(scenario.function_subnet_ids)
    assert f"Security group {scenario.target_sg_id} of {scenario.target_eni_ids[0]} allows" in out

    code, out, _ = _run(capsys, scenario.function_name, "--to", f"{target}:22", "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert {(d["verdict"], d["decided_by"]["component_id"]) for d in data} == {
        ("blocked", scenario.target_sg_id)
    }


@pytest.mark.moto
def test_live_function_that_does_not_exist_is_bad_input(
    aws: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "no-such-function", "--to", "10.0.3.10:5432")
    assert code == 2
    assert out == ""
    assert err.startswith("vpcprobe: error: ") and "no-such-function" in err


def test_missing_credentials_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = _run(capsys, "orders", "--to", "10.0.3.10:5432", "--region", "us-east-1")
    assert code == 3
    assert out == ""
    assert err.startswith("vpcprobe: error: ")
    assert len(err.strip().splitlines()) == 1
