"""`python -m vpcprobe`: the probe from a shell, its report on stdout, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.probe.loopback_servers import closed_port, listener


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    conf = tmp_path / "resolv.conf"
    conf.write_text("; nothing configured\n", encoding="utf-8")
    env = {**os.environ, "VPCPROBE_RESOLV_CONF": str(conf), "VPCPROBE_FORWARDER": ""}
    return subprocess.run(
        [sys.executable, "-m", "vpcprobe", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_probe_prints_the_report(tmp_path: Path) -> None:
    refused = closed_port()
    with listener() as port:
        completed = _run(
            "--target", f"127.0.0.1:{port}",
            "--target", f"127.0.0.1:{refused}",
            "--nameserver", "127.0.0.1",
            "--dns-name", "ok.test",
            "--transport", "tcp",
            "--record-type", "A",
            "--no-system-resolver",
            "--timeout", "1",
            "--verbose",
            tmp_path=tmp_path,
        )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["schema_version"] == 1
    assert report["environment"]["in_lambda"] is False
    assert [(t["port"], t["status"]) for t in report["tcp"]] == [
        (port, "open"),
        (refused, "refused"),
    ]
    assert [(d["server"], d["transport"], d["record_type"]) for d in report["dns"]] == [
        ("127.0.0.1", "tcp", "A")
    ]
    # The Logs call is on by default (AWS_ENDPOINT_URL points at a closed port in tests).
    assert [(a["service"], a["status"]) for a in report["aws"]] == [("logs", "connect_failed")]
    # --verbose: one JSON line per step on stderr, nothing mixed into stdout.
    steps = [json.loads(line)["step"] for line in completed.stderr.splitlines()]
    assert sorted(steps) == ["aws", "dns", "tcp", "tcp"]


def test_no_aws_skips_the_call_as_disabled(tmp_path: Path) -> None:
    completed = _run("--no-aws", "--deadline", "5", tmp_path=tmp_path)
    report = json.loads(completed.stdout)
    assert [(a["status"], a["skip_reason"]) for a in report["aws"]] == [("skipped", "disabled")]
    assert report["deadline"]["budget_ms"] == 5000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "db"], "--target: 'db': expected host:port"),
        (["--target", "db:99999"], "--target: 'db:99999': port must be a number from 1 to 65535"),
        (
            ["--nameserver", "dns.example"],
            "--nameserver: nameserver 'dns.example' must be an IP address",
        ),
        (["--timeout", "60"], "--timeout: Input should be less than or equal to 10"),
        (["--timeout", "soon"], "argument --timeout: invalid float value: 'soon'"),
        (["--record-type", "PTR"], "argument --record-type: invalid choice: 'PTR'"),
        (["--deadline", "0"], "--deadline must be more than 0 and at most 900 seconds"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    completed = _run(*args, tmp_path=tmp_path)
    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("python -m vpcprobe: error: ")
    assert message in lines[0]
    assert "Traceback" not in completed.stderr


def test_help_explains_the_command(tmp_path: Path) -> None:
    completed = _run("--help", tmp_path=tmp_path)
    assert completed.returncode == 0
    for option in (
        "--target HOST:PORT",
        "--dns-name",
        "--nameserver",
        "--timeout",
        "--no-aws",
        "--deadline",
    ):
        assert option in completed.stdout
    assert "169.254.78.1" in completed.stdout


@pytest.mark.parametrize(
    ("scheme", "userinfo"), [("http", ""), ("https", "alice:s3cret-pw@")], ids=["http", "userinfo"]
)
def test_a_url_target_is_its_host_and_port_with_one_note(
    tmp_path: Path, scheme: str, userinfo: str
) -> None:
    """Read as diagnose reads it (it used to be refused: "expected host:port"); a URL's
    user:password is dropped, said to be, and never repeated anywhere."""
    with listener() as port:
        url = f"{scheme}://{userinfo}127.0.0.1:{port}/health?x=1"
        completed = _run(
            "--target", url, "--no-aws", "--no-default-names", "--no-system-resolver",
            "--timeout", "1", tmp_path=tmp_path,
        )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert [(t["host"], t["port"], t["status"]) for t in report["tcp"]] == [
        ("127.0.0.1", port, "open")
    ]
    shown = f"{scheme}://127.0.0.1:{port}/health?x=1"
    (note,) = completed.stderr.splitlines()
    assert note.startswith(f"python -m vpcprobe: note: --target {shown} was read as 127.0.0.1:")
    assert ("user name and password in it were dropped" in note) is bool(userinfo)
    assert "s3cret" not in completed.stdout + completed.stderr
    assert "alice" not in completed.stdout + completed.stderr


def test_a_url_without_a_host_is_one_line_without_its_password(tmp_path: Path) -> None:
    completed = _run("--target", "https://bob:hunter2@:99999/x", tmp_path=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1, completed.stderr
    assert completed.stderr.startswith("python -m vpcprobe: error: --target ")
    assert "hunter2" not in completed.stderr and "bob" not in completed.stderr
