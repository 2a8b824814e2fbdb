"""`vpcprobe probe` and `diagnose --local`: the probe run on this host, against loopback only."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.diagnose.fake_judge import FakeJudge
from tests.support import aws_scenarios
from tests.support.moto_server import MotoServer
from vpcprobe.models import ProbeReport
from vpcprobe_collector import cli, diagnosis


@pytest.fixture
def ports() -> Iterator[tuple[int, int]]:
    """(a listening loopback port, a closed one)."""
    with socket.socket() as listening, socket.socket() as closed:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connects are refused
        yield listening.getsockname()[1], closed.getsockname()[1]


def test_probe_writes_a_report_with_the_users_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ports: tuple[int, int]
) -> None:
    open_port, closed_port = ports
    output = tmp_path / "probe.json"
    code = cli.main(
        [
            "probe",
            "--target", f"127.0.0.1:{open_port}=web",
            "--target", f"127.0.0.1:{closed_port}",
            "--timeout", "0.5", "--deadline", "10", "-o", str(output),
        ]
    )  # fmt: skip
    assert code == 0
    assert capsys.readouterr().err == f"probe report written to {output}\n"
    report = ProbeReport.model_validate_json(output.read_text())
    rows = {(row.label, row.port): row.status.value for row in report.tcp}
    assert rows == {
        ("web", open_port): "open",
        (f"127.0.0.1:{closed_port}", closed_port): "refused",
    }
    assert report.environment.in_lambda is False


def test_probe_bad_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["probe", "--nameserver", "not-an-ip"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vpcprobe: error: cannot build the probe request: nameservers")
    assert err.count("\n") == 1


@pytest.mark.moto
def test_diagnose_local_judges_the_report_made_here(
    aws: MotoServer,
    capsys: pytest.CaptureFixture[str],
    ports: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    judge = FakeJudge()
    monkeypatch.setattr(diagnosis, "judge_facts", judge)
    scenario = aws_scenarios.build_healthy(aws.session())
    open_port, _ = ports
    code = cli.main(
        [
            "diagnose", scenario.function_name, "--local", "--timeout", "0.5",
            "--target", f"127.0.0.1:{open_port}=web", "--format", "json",
        ]
    )  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["probe_source"] == "local"
    (report,) = judge.calls[0]["reports"]
    assert [(r.label, r.status.value) for r in report.tcp] == [("web", "open")]
