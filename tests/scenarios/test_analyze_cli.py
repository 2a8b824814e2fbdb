"""`vpcprobe analyze` on golden scenario folders: what could not be evaluated is never clean,
a held `expect = "blocked"` passes, and a run that checked no connection says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vpcprobe_collector import cli

HERE = Path(__file__).parent
INGRESS = HERE / "target-ingress-denied"
HEALTHY = HERE / "healthy"


def analyze(
    capsys: pytest.CaptureFixture[str], folder: Path, *args: str, probe: bool = False
) -> tuple[int, str, str]:
    argv = ["analyze", "--snapshot", str(folder / "snapshot.json")]
    if probe:
        argv += ["--probe-result", str(folder / "probe-1.json")]
    code = cli.main([*argv, *args])
    out, err = capsys.readouterr()
    return code, out, err


def contract(tmp_path: Path, host: str, port: int, expect: str) -> str:
    path = tmp_path / "vpcprobe.toml"
    path.write_text(f'[[targets]]\nhost = "{host}"\nport = {port}\nexpect = "{expect}"\n')
    return str(path)


def findings(out: str, code: str) -> list[dict[str, Any]]:
    return [f for f in json.loads(out)["findings"] if f["code"] == code]


def test_name_target_without_a_probe_report_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = analyze(capsys, INGRESS, "--target", "db.orders.internal:5432")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "db.orders.internal is a name" in lines[0]
    assert "--probe-result" in lines[0]
    assert "Traceback" not in err


def test_address_target_without_a_probe_report_is_judged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = analyze(capsys, INGRESS, "--target", "10.1.1.20:5432")
    assert code == 1
    assert "SGR002" in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_target_the_probe_did_not_report_on_is_listed_as_not_checked(
    capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    code, out, err = analyze(
        capsys, INGRESS, "--target", "other.internal:5432", "--format", fmt, probe=True
    )
    # Nothing failed, but a target was not judged: incomplete (4), never 0 and never a ✓.
    assert code == 4
    if fmt == "json":
        (skipped,) = findings(out, "TGT003")
        assert skipped["status"] == "skipped"
        assert skipped["target"] == "other.internal:5432"
        assert "the probe reports do not mention it" in skipped["message"]
        assert any(
            u["subject"].startswith("other.internal:5432")
            and "the probe reports do not mention it" in u["reason"]
            for u in json.loads(out)["unjudged"]
        )
        summary = err
    else:
        assert "Not judged" in out
        assert "TGT003" in out
        assert "the probe reports do not mention it" in out
        summary = out if fmt == "text" else err
    assert "✓" not in out + err
    # The summary line must not count the target as checked (or reachable).
    line = next(s for s in summary.splitlines() if "orders-api:" in s)
    assert line.startswith("! ")
    assert "incomplete" in line and "could not be judged" in line
    assert "other.internal:5432" in line
    assert "checked" not in line and "reachable" not in line
    assert "no problems found" not in line


def test_satisfied_expect_blocked_passes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = contract(tmp_path, "10.1.1.20", 5432, "blocked")
    code, out, _ = analyze(capsys, INGRESS, "--config", config, "--format", "json")
    assert code == 0
    assert [f["status"] for f in findings(out, "SGR002")] == ["pass"]
    assert [f["status"] for f in findings(out, "CON001")] == ["pass"]
    assert [f for f in json.loads(out)["findings"] if f["status"] in ("fail", "error")] == []


def test_expect_blocked_that_turns_out_reachable_still_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = contract(tmp_path, "10.1.1.20", 5432, "blocked")
    code, out, _ = analyze(capsys, HEALTHY, "--config", config, "--format", "json")
    assert code == 1
    (con,) = findings(out, "CON001")
    assert con["status"] == "fail"
    assert "expected to be blocked" in con["message"]


def test_no_targets_and_no_probe_says_nothing_was_probed_or_targeted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = analyze(capsys, HEALTHY)
    assert code == 0
    assert "no problems found" in out
    assert "Note: No targets were given, so only the function's own setup was checked" in out
    assert "Note: No probe report was given, so only the configuration was judged" in out


def test_no_targets_note_is_absent_when_targets_are_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = analyze(capsys, HEALTHY, "--target", "db.orders.internal:5432", probe=True)
    assert "No targets were given" not in out
    assert "No probe report was given" not in out


def test_failed_probe_files_beside_a_good_one_are_reported_and_the_good_one_judged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "timed-out.json"
    bad.write_text('{"errorMessage": "Task timed out after 3.00 seconds"}')
    code, out, err = analyze(
        capsys,
        INGRESS,
        "--probe-result",
        str(INGRESS / "probe-1.json"),
        str(bad),
        "--target",
        "db.orders.internal:5432=orders-db",
        "--format",
        "json",
    )
    assert code == 1, err  # SGR002 from the good report, at high
    assert [f["code"] for f in findings(out, "SGR002") if f["status"] == "fail"] == ["SGR002"]
    (prb001,) = [f for f in findings(out, "PRB001") if f["status"] == "fail"]
    assert f"file:{bad}" in prb001["message"] and "no probe_version field" in prb001["message"]
    assert "Traceback" not in err


def test_probe_files_none_usable_stop_the_run_with_exit_2_naming_each(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text("<html>502 Bad Gateway</html>")
    second.write_text('{"schema_version": 1}')
    code, out, err = analyze(
        capsys, INGRESS, "--probe-result", str(first), str(second), "--target", "10.1.1.20:5432"
    )
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert f"{first}: the answer is not JSON" in line
    assert f"{second}: the answer is not a vpcprobe probe report" in line


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("intermittent-failure-unexplained", "TGT004"),
        ("observed-failure-unexplained", "TGT004"),
        ("function-not-in-vpc", "CFG002"),
    ],
)
def test_an_observed_failure_is_never_a_tick_from_the_command_line(
    capsys: pytest.CaptureFixture[str], name: str, code: str
) -> None:
    folder = HERE / name
    probes = [str(p) for p in sorted(folder.glob("probe-*.json"))]
    exit_code = cli.main(
        [
            "analyze", "--snapshot", str(folder / "snapshot.json"), "--probe-result", *probes,
            "--target", "db.orders.internal:5432=orders-db",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert exit_code == 1
    assert "✓" not in out and "no problems found" not in out
    assert f"{code} " in out
