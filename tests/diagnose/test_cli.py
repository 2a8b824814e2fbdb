"""`vpcprobe diagnose` and `analyze` as a user runs them: exit codes, streams, files, errors."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from tests.diagnose.fake_judge import FakeJudge
from tests.report.samples import ACCOUNT, probe_report
from tests.support import aws_scenarios
from tests.support.moto_server import MotoServer
from vpcprobe_collector import cli, diagnosis
from vpcprobe_collector.probing import invoke

pytestmark = pytest.mark.moto


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def judge(monkeypatch: pytest.MonkeyPatch) -> FakeJudge:
    fake = FakeJudge()
    monkeypatch.setattr(diagnosis, "judge_facts", fake)
    return fake


@pytest.fixture(scope="module")
def scenario(moto_server: MotoServer) -> Iterator[aws_scenarios.Scenario]:
    """One custom-DNS scenario for the whole module: every test here only reads it."""
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        patch.setenv("AWS_ENDPOINT_URL", moto_server.url)
        yield aws_scenarios.build_custom_dns(moto_server.session())


def _probe_file(
    tmp_path: Path, s: aws_scenarios.Scenario, *, ok: bool, name: str = "p.json"
) -> Path:
    report = probe_report(
        dns_ok=ok,
        host="db.orders.internal",
        address=s.target_addresses[0],
        dns_server=aws_scenarios.DNS_SERVER_IP,
    )
    path = tmp_path / name
    path.write_text(report.model_dump_json(), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- bad input


def _one_line_error(code: int, out: str, err: str, says: str) -> None:
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("vpcprobe: error: "), err
    assert says in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--target", "db.internal", "--no-probe"], "--target 'db.internal': expected host:port"),
        (["--target", "db:0", "--no-probe"], "port must be a number from 1 to 65535"),
        (["--target", "db.internal:5432", "--no-probe"], "--no-probe needs IP address targets"),
        (["--config", "/nonexistent/vpcprobe.toml"], "cannot read the config file"),
        (["--invocations", "0", "--local"], "--invocations 0: must be 1..50"),
    ],
)
def test_bad_arguments_get_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    _one_line_error(*run(capsys, "diagnose", "orders-api", *argv), says)


def test_probe_files_none_usable_are_refused_before_any_aws_call(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 2, "probe_version": "9.0"}')
    empty = tmp_path / "empty.json"
    empty.write_text("")
    # AWS_ENDPOINT_URL points at a closed port: reaching AWS would fail differently
    code, out, err = run(capsys, "diagnose", "orders-api", "--probe-result", bad, empty)
    _one_line_error(code, out, err, f"{bad}: the probe report has schema_version 2")
    assert f"{empty}: the answer was empty" in err


def test_one_bad_probe_file_beside_a_good_one_does_not_stop_the_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = tmp_path / "good.json"
    good.write_text(probe_report().model_dump_json())
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 2, "probe_version": "9.0"}')
    # The good report is used, so the run goes on to read the function (and fails there,
    # at the closed port AWS_ENDPOINT_URL points at), instead of stopping on the bad file.
    code, _, err = run(capsys, "diagnose", "orders-api", "--probe-result", good, bad)
    assert code == 3, err
    assert "schema_version" not in err


def test_no_function_named(capsys: pytest.CaptureFixture[str]) -> None:
    _one_line_error(*run(capsys, "diagnose", "--no-probe"), "name the suspect function")


def test_unknown_function(
    capsys: pytest.CaptureFixture[str], scenario: aws_scenarios.Scenario
) -> None:
    code, out, err = run(capsys, "diagnose", "no-such-fn", "--no-probe", "--target", "10.0.0.5:443")
    _one_line_error(code, out, err, "no-such-fn")


# ---------------------------------------------------------------------------- the pipeline


def test_problem_found_exits_1_with_the_report_on_stdout(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
) -> None:
    probe = _probe_file(tmp_path, scenario, ok=False)
    code, out, err = run(
        capsys,
        "diagnose",
        scenario.function_name,
        "--probe-result",
        probe,
        "--target",
        "db.orders.internal:5432=orders-db",
    )
    assert code == 1
    assert out.startswith("✗ HIGH  DNS002 custom-dhcp-dns-unreachable")
    assert err == ""  # text on stdout carries its own summary; no spinner when piped
    (call,) = judge.calls
    assert call["snapshot"].function.name == scenario.function_name
    assert [t.display for t in call["targets"]] == ["orders-db"]


def test_fail_on_raises_the_bar(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
) -> None:
    probe = _probe_file(tmp_path, scenario, ok=False)
    code, _, _ = run(
        capsys, "diagnose", scenario.function_name, "--probe-result", probe, "--fail-on", "critical"
    )
    assert code == 0


def test_resolved_addresses_reach_the_snapshot(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
) -> None:
    probe = _probe_file(tmp_path, scenario, ok=True)
    code, out, _ = run(
        capsys,
        "diagnose",
        scenario.function_name,
        "--probe-result",
        probe,
        "--target",
        "db.orders.internal:5432",
        "--format",
        "json",
    )
    assert code == 0
    report = json.loads(out)
    address = scenario.target_addresses[0]
    # the target's address as resolved, then the DNS server the probe used
    assert report["snapshot"]["target_addresses"] == [address, aws_scenarios.DNS_SERVER_IP]
    # the ENI behind the address the probe resolved was read
    enis = report["snapshot"]["network_interfaces"]
    assert any(address in eni["private_ip_addresses"] for eni in enis)


def test_healthy_json_to_a_file_with_summary_on_stderr_and_a_bundle(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
) -> None:
    probe = _probe_file(tmp_path, scenario, ok=True)
    output, bundle = tmp_path / "report.json", tmp_path / "bundle.zip"
    code, out, err = run(
        capsys,
        "diagnose",
        scenario.function_name,
        "--probe-result",
        probe,
        "--target",
        "db.orders.internal:5432",
        "--format",
        "json",
        "--output",
        output,
        "--bundle",
        bundle,
        "--redact",
    )
    assert (code, out) == (0, "")
    assert err.splitlines()[0].startswith(f"✓ {scenario.function_name}: ")
    assert json.loads(output.read_text())["probe_source"] == "files"
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        assert names == {
            "manifest.json",
            "snapshot.json",
            "probe-1.json",
            "report.json",
            "report.md",
        }
        for name in names:
            text = archive.read(name).decode()
            assert not re.search(r"(?<!\d)\d{12}(?!\d)", text), name
    assert ACCOUNT not in output.read_text()


def test_quiet_healthy_text_prints_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
) -> None:
    probe = _probe_file(tmp_path, scenario, ok=True)
    assert run(capsys, "diagnose", scenario.function_name, "--probe-result", probe, "-q") == (
        0,
        "",
        "",
    )


def test_without_a_probe_the_report_says_how_to_get_one(
    capsys: pytest.CaptureFixture[str], scenario: aws_scenarios.Scenario, judge: FakeJudge
) -> None:
    code, out, _ = run(capsys, "diagnose", scenario.function_name, "--target", "10.0.10.20:5432")
    assert code == 0
    assert (
        "Note: No probe ran, so only the configuration was judged. For evidence from inside "
        f"the VPC: `vpcprobe deploy --like {scenario.function_name}`" in out
    )
    assert judge.calls[0]["reports"] == []


def test_analyze_replays_a_bundle_offline(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probe = _probe_file(tmp_path, scenario, ok=False)
    bundle = tmp_path / "b.zip"
    first, live, _ = run(
        capsys,
        "diagnose",
        scenario.function_name,
        "--probe-result",
        probe,
        "--target",
        "db.orders.internal:5432=orders-db",
        "--bundle",
        bundle,
        "--format",
        "json",
    )
    # offline: any AWS call would now go to a closed port and fail
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    code, replay, _ = run(capsys, "analyze", bundle, "--format", "json")
    assert (first, code) == (1, 1)
    live_report, replayed = json.loads(live), json.loads(replay)
    for key in (
        "function_name",
        "probe_source",
        "targets",
        "findings",
        "snapshot",
        "probe_reports",
    ):
        assert replayed[key] == live_report[key], key
    code, out, err = run(
        capsys, "analyze", "--snapshot", tmp_path / "none.json", "--probe-result", probe
    )
    _one_line_error(code, out, err, "none.json: cannot read the snapshot")


def test_analyze_with_snapshot_and_probe_files(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
) -> None:
    bundle = tmp_path / "b.zip"
    run(capsys, "diagnose", scenario.function_name, "--no-probe", "--bundle", bundle, "-q")
    snapshot = tmp_path / "snapshot.json"
    with zipfile.ZipFile(bundle) as archive:
        snapshot.write_bytes(archive.read("snapshot.json"))
    probe = _probe_file(tmp_path, scenario, ok=False)
    code, out, _ = run(
        capsys,
        "analyze",
        "--snapshot",
        snapshot,
        "--probe-result",
        probe,
        "--target",
        "db.orders.internal:5432",
        "--format",
        "markdown",
    )
    assert code == 1
    assert out.startswith(f"# vpcprobe diagnosis: {scenario.function_name}\n")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not a zip", "not a readable zip file"),
        (None, "no manifest.json inside"),
    ],
)
def test_analyze_bad_bundles(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes | None, says: str
) -> None:
    path = tmp_path / "b.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "hi")
    else:
        path.write_bytes(content)
    _one_line_error(*run(capsys, "analyze", path), says)


# ---------------------------------------------------------------------------- invoking


def _stubbed_lambda(monkeypatch: pytest.MonkeyPatch, *responses: Any) -> Stubber:
    """Make `diagnose` invoke through a Stubber-checked client (moto cannot run code here)."""
    client = boto3.client("lambda", region_name="us-east-1", config=invoke.INVOKE_CONFIG)
    stub = Stubber(client)
    for response in responses:
        if isinstance(response, str):
            stub.add_client_error("invoke", service_error_code=response, http_status_code=403)
        else:
            payload = response.model_dump_json().encode()
            stub.add_response(
                "invoke",
                {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(payload), len(payload))},
            )
    stub.activate()
    monkeypatch.setattr(invoke, "lambda_client", lambda session, timeout=None: client)
    return stub


def test_invoke_access_denied_exits_3(
    capsys: pytest.CaptureFixture[str],
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _stubbed_lambda(monkeypatch, "AccessDeniedException")
    code, out, err = run(
        capsys, "diagnose", scenario.function_name, "--probe-function", "vpcprobe-x",
        "--invocations", "1",
    )  # fmt: skip
    assert (code, out) == (3, "")
    assert err.startswith("vpcprobe: error: cannot invoke vpcprobe-x: AccessDeniedException")
    assert judge.calls == []


def test_wrapped_suspect_reports_are_judged(
    capsys: pytest.CaptureFixture[str],
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What `vpcprobe wrap` sets (moto keeps the configuration; it cannot run the function).
    # The scenario is shared by the module: the variable is taken off again afterwards.
    lam = scenario.session.client("lambda")
    lam.update_function_configuration(
        FunctionName=scenario.function_name,
        Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/vpcprobe-wrapper"}},
    )
    try:
        report = probe_report(dns_server=aws_scenarios.DNS_SERVER_IP)
        stub = _stubbed_lambda(monkeypatch, report, report)
        code, out, _ = run(
            capsys, "diagnose", scenario.function_name, "--wrapped", "--invocations", "2",
            "--format", "json",
        )  # fmt: skip
    finally:
        lam.update_function_configuration(
            FunctionName=scenario.function_name, Environment={"Variables": {}}
        )
    stub.assert_no_pending_responses()
    assert code == 1
    assert json.loads(out)["probe_source"] == f"wrapped:{scenario.function_name}"
    assert len(judge.calls[0]["reports"]) == 2


def test_wrapped_refuses_a_function_not_in_wrapper_mode_and_invokes_nothing(
    capsys: pytest.CaptureFixture[str],
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = probe_report()
    stub = _stubbed_lambda(monkeypatch, report)
    code, out, err = run(capsys, "diagnose", scenario.function_name, "--wrapped")
    assert (code, out) == (2, "")
    assert err.startswith(f"vpcprobe: error: {scenario.function_name} is not in wrapper mode")
    assert f"vpcprobe wrap {scenario.function_name}" in err
    with pytest.raises(AssertionError):  # the stubbed invoke is still waiting: never called
        stub.assert_no_pending_responses()
    assert judge.calls == []


def test_an_address_redacted_bundle_cannot_be_replayed(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
) -> None:
    probe = _probe_file(tmp_path, scenario, ok=True)
    bundle = tmp_path / "b.zip"
    code, _, _ = run(
        capsys, "diagnose", scenario.function_name, "--probe-result", probe,
        "--bundle", bundle, "--redact-addresses",
    )  # fmt: skip
    assert code == 0
    with zipfile.ZipFile(bundle) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode()
            assert scenario.target_addresses[0] not in text, name
            assert "10.0.0.0/16" not in text, name
    _one_line_error(*run(capsys, "analyze", bundle), "the addresses in this bundle are masked")


def test_config_file_supplies_function_targets_expectations_and_fail_on(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
) -> None:
    config = tmp_path / "vpcprobe.yaml"
    config.write_text(
        f"function: {scenario.function_name}\n"
        "fail_on: critical\n"
        "targets:\n"
        "  - {host: db.orders.internal, port: 5432, label: orders-db, expect: reachable}\n"
        "  - {host: 10.0.10.99, port: 22, expect: blocked}\n",
        encoding="utf-8",
    )
    probe = _probe_file(tmp_path, scenario, ok=False)
    code, out, _ = run(capsys, "diagnose", "--config", config, "--probe-result", probe)
    # The high finding is below the contract's fail_on (critical), so not 1; the saved probe
    # report never tried 10.0.10.99:22, so that target is unjudged: incomplete (4), never 0.
    assert code == 4
    assert "DNS002" in out
    assert [(t.display, t.expect) for t in judge.calls[0]["targets"]] == [
        ("orders-db", "reachable"),
        ("10.0.10.99:22", "blocked"),
    ]
    code, _, _ = run(
        capsys, "diagnose", "--config", config, "--probe-result", probe, "--fail-on", "high"
    )
    assert code == 1  # the command line wins over the file


def test_an_unwritable_output_is_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    scenario: aws_scenarios.Scenario,
    judge: FakeJudge,
) -> None:
    probe = _probe_file(tmp_path, scenario, ok=True)
    missing = tmp_path / "no-such-dir" / "report.html"
    code, out, err = run(
        capsys, "diagnose", scenario.function_name, "--probe-result", probe,
        "--format", "html", "--output", missing,
    )  # fmt: skip
    # Checked before any AWS call now (tests/diagnose/test_early_input_checks.py).
    _one_line_error(code, out, err, f"{missing}: directory {missing.parent} does not exist")
