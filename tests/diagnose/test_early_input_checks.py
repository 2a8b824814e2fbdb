"""Bad input is refused before any AWS call: unwritable outputs, swallowed names, URL targets."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.diagnose.fake_judge import FakeJudge
from tests.report.samples import probe_report
from tests.support import aws_scenarios
from tests.support.moto_server import MotoServer
from tests.support.odd_endpoint import odd_endpoint
from vpcprobe_collector import cli, diagnosis

pytestmark = pytest.mark.moto


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _diagnose_json(
    capsys: pytest.CaptureFixture[str], scenario: aws_scenarios.Scenario, target: str
) -> tuple[dict[str, Any], str, str]:
    """`diagnose --no-probe --target TARGET --format json` on the scenario's function: the
    report, the output and the errors, after a run that ended with a verdict (0, 1 or 4)."""
    code, out, err = run(
        capsys, "diagnose", scenario.function_name, "--no-probe", "--target", target, "--format",
        "json",
    )  # fmt: skip
    assert code in (0, 1, 4), err
    report: dict[str, Any] = json.loads(out)
    return report, out, err


@pytest.fixture(scope="module")
def scenario(moto_server: MotoServer) -> Iterator[aws_scenarios.Scenario]:
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        patch.setenv("AWS_ENDPOINT_URL", moto_server.url)
        yield aws_scenarios.build_custom_dns(moto_server.session())


@pytest.fixture
def judge(monkeypatch: pytest.MonkeyPatch) -> FakeJudge:
    fake = FakeJudge()
    monkeypatch.setattr(diagnosis, "judge_facts", fake)
    return fake


@pytest.mark.parametrize("option", ["--output", "--bundle"])
@pytest.mark.parametrize(
    "where", ["missing-dir", "a-directory", "read-only-dir", "proc-dir", "proc-file"]
)
def test_an_unwritable_output_is_refused_before_any_aws_call(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, option: str, where: str
) -> None:
    """proc-dir and proc-file hold for root too, whom os.access would have said yes to."""
    if where == "read-only-dir" and os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    target = {
        "missing-dir": tmp_path / "no-such-dir" / "report.zip",
        "a-directory": tmp_path,
        "read-only-dir": tmp_path / "ro" / "report.zip",
        "proc-dir": Path("/proc/x.zip"),
        "proc-file": Path("/proc/version"),
    }[where]
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o555)
    # Nothing answers there: a request would hang for the read timeout and retries.
    with odd_endpoint("silent") as endpoint:
        code, out, err = run(
            capsys, "diagnose", "orders-api", "--no-probe", "--target", "10.0.0.5:443",
            "--endpoint-url", endpoint.url, option, target,
        )  # fmt: skip
        seen = endpoint.requests
    assert seen == 0
    assert code == 2
    assert out == ""
    assert err.startswith(f"vpcprobe: error: {option} {target}: ") and err.count("\n") == 1, err


def test_probe_result_does_not_swallow_the_function_name(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    probe = tmp_path / "a.json"
    probe.write_text(probe_report().model_dump_json(), encoding="utf-8")
    code, out, err = run(
        capsys, "diagnose", "--probe-result", probe, scenario.function_name, "--format", "json"
    )
    assert code in (0, 1, 4), err
    assert json.loads(out)["function_name"] == scenario.function_name
    (call,) = judge.calls
    assert len(call["reports"]) == 1


def test_a_missing_json_probe_file_is_still_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A last word that looks like a report file stays a file, and its absence is named."""
    code, _, err = run(
        capsys, "diagnose", "orders-api", "--probe-result", tmp_path / "x.json", tmp_path / "y.json"
    )
    assert code == 2
    assert "x.json: cannot read the probe report" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://10.0.10.25/v1/orders?x=1", "10.0.10.25:443"),
        ("http://10.0.10.25/health", "10.0.10.25:80"),
        ("https://10.0.10.25:8443/", "10.0.10.25:8443"),
    ],
)
def test_a_url_target_is_read_as_host_and_port_with_a_note(
    capsys: pytest.CaptureFixture[str],
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    address: str,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    report, _, _ = _diagnose_json(capsys, scenario, url)
    host, port = address.rsplit(":", 1)
    assert [(t["host"], t["port"]) for t in report["targets"]] == [(host, int(port))]
    assert any(f"--target {url} was read as {address}" in note for note in report["notes"])


def test_a_url_password_is_dropped_and_never_shown(
    capsys: pytest.CaptureFixture[str],
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`https://user:password@host/` is host 443; the note names the URL without them and
    says they were dropped (the note used to repeat the whole URL, password and all)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    url = "https://deploy:Tr0ub4dor@10.0.10.25/v1/orders"
    report, out, err = _diagnose_json(capsys, scenario, url)
    assert [(t["host"], t["port"]) for t in report["targets"]] == [("10.0.10.25", 443)]
    (note,) = [n for n in report["notes"] if "was read as" in n]
    assert note.startswith("--target https://10.0.10.25/v1/orders was read as 10.0.10.25:443")
    assert note.endswith("The user name and password in it were dropped.")
    assert "Tr0ub4dor" not in out + err and "deploy:" not in out + err


@pytest.mark.parametrize(
    ("url", "port"), [("http://127.0.0.1/health", 80), ("https://u:pw-9z@127.0.0.1/", 443)]
)
def test_probe_command_reads_a_url_target_with_one_note(
    capsys: pytest.CaptureFixture[str], url: str, port: int
) -> None:
    """`vpcprobe probe` converted a URL saying nothing; now one note on stderr, as diagnose."""
    code, out, err = run(capsys, "probe", "--target", url, "--timeout", "0.5", "--deadline", "5")
    assert code == 0, err
    report = json.loads(out)
    assert [(t["host"], t["port"]) for t in report["tcp"]] == [("127.0.0.1", port)]
    notes = [line for line in err.splitlines() if line.startswith("vpcprobe: note: ")]
    assert len(notes) == 1
    assert f"was read as 127.0.0.1:{port}" in notes[0]
    assert ("password in it were dropped" in notes[0]) is ("@" in url)
    assert "pw-9z" not in out + err


def test_a_target_no_probe_report_tried_is_said_to_be_uncovered(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The saved report connected to db.orders.internal:5432 only; 10.0.10.99:443 was never
    probed, so it is listed as not judged (incomplete), not judged from configuration alone."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    probe = tmp_path / "p.json"
    probe.write_text(
        probe_report(
            host="db.orders.internal", address=scenario.target_addresses[0]
        ).model_dump_json(),
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "diagnose", scenario.function_name, "--probe-result", probe,
        "--target", "db.orders.internal:5432", "--target", "10.0.10.99:443", "--format", "json",
    )  # fmt: skip
    report = json.loads(out)
    uncovered = [u for u in report["unjudged"] if u["api"] == "probe.tcp"]
    assert [u["subject"] for u in uncovered] == ["10.0.10.99:443"], err
    assert uncovered[0]["reason"].startswith(
        "the probe report given holds no connection to 10.0.10.99:443: "
    )
    assert code != 0  # never a clean exit while a target is unjudged


@pytest.mark.parametrize(
    ("text", "host", "label"),
    [
        ("https://10.0.0.1=api", "10.0.0.1", "api"),  # it was "not a valid host name"
        ("https://10.0.0.1/=api", "10.0.0.1", "api"),  # the label was dropped
        ("https://user:pw@db.example/=orders-db", "db.example", "orders-db"),
        ("https://db.example/search?q=x", "db.example", None),  # a query keeps its '='
        ("db.example:5432=orders-db", "db.example", "orders-db"),
    ],
)
def test_a_label_after_a_url_target_is_read_as_after_host_port(
    text: str, host: str, label: str | None
) -> None:
    from vpcprobe_collector.contract import parse_target

    spec = parse_target(text)
    assert (spec.host, spec.label) == (host, label)
