"""The handler end to end: every server from resolv.conf, TCP, Logs, logs, deadline, bad events."""

from __future__ import annotations

import io
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback_servers import closed_port, dns_server, listener, silent_dns
from tests.support.moto_server import MotoServer
from vpcprobe import runner, tcp_connect
from vpcprobe.handler import handler, logger
from vpcprobe.models import ProbeReport


class Context:
    """What the Lambda runtime passes: remaining time that really runs down."""

    function_name = "suspect"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:suspect"
    aws_request_id = "8f5e-request"
    memory_limit_in_mb = "256"

    def __init__(self, remaining_ms: float) -> None:
        import time

        self._end = time.monotonic() + remaining_ms / 1000
        self._clock = time.monotonic

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - self._clock()) * 1000))


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Whatever the Powertools logger writes while the test runs."""
    stream = io.StringIO()
    handler_ = logger().registered_handler
    handler_.setStream(stream)
    try:
        yield stream
    finally:
        handler_.setStream(None)  # follow sys.stdout again


def _write_resolv_conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "resolv.conf"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("VPCPROBE_RESOLV_CONF", str(path))


@pytest.mark.moto
def test_full_probe_through_every_server(
    aws: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log_lines: io.StringIO
) -> None:
    aws.client("logs").create_log_group(logGroupName="/aws/lambda/suspect")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "suspect")
    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.13")
    with dns_server() as server, silent_dns() as silent, listener() as open_port:
        # As Lambda writes it: the VPC's server in a comment, the forwarder as nameserver.
        _write_resolv_conf(
            tmp_path,
            monkeypatch,
            f"options timeout:1 attempts:1\n; configured nameserver {silent}\n"
            f"nameserver {server.address}\n",
        )
        monkeypatch.setenv("VPCPROBE_FORWARDER", server.address)
        refused_port = closed_port()
        event = {
            "targets": [
                f"127.0.0.1:{open_port}",
                {"host": "127.0.0.1", "port": refused_port, "label": "db"},
            ],
            "dns_names": ["ok.test"],
            "record_types": ["A"],
            "system_resolver": False,  # the host's resolver is off limits in tests
            # Long enough for the answering server on a loaded machine (CI under load, 2
            # cores): the silent one costs this much per transport either way.
            "timeout_s": 2.0,
        }
        report = handler(event, Context(10_000))

    parsed = ProbeReport.model_validate(report)  # the contract round-trips
    assert report["status"] == "ok"
    assert report["resolv_conf"]["configured_nameservers"] == [silent]
    dns = {(d["server"], d["transport"]): (d["status"], d["answers"]) for d in report["dns"]}
    assert dns == {
        (server.address, "udp"): ("ok", ["192.0.2.10"]),
        (server.address, "tcp"): ("ok", ["192.0.2.10"]),
        (silent, "udp"): ("timeout", []),
        (silent, "tcp"): ("timeout", []),
    }
    assert [(t["label"], t["status"]) for t in report["tcp"]] == [
        (f"127.0.0.1:{open_port}", "open"),
        ("db", "refused"),
    ]
    assert [(a["service"], a["operation"], a["status"]) for a in report["aws"]] == [
        ("logs", "DescribeLogStreams", "ok")
    ]
    assert parsed.environment.in_lambda is True
    assert parsed.environment.function_name == "suspect"
    assert parsed.environment.request_id == "8f5e-request"
    assert parsed.environment.memory_mb == 256
    assert parsed.deadline.hit is False
    assert 0 < parsed.deadline.budget_ms < 10_000

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    steps = [line for line in lines if "step" in line]
    assert len(steps) == len(report["dns"]) + len(report["tcp"]) + len(report["aws"])
    assert {line["level"] for line in steps} == {"INFO"}
    assert any(line["message"] == "tcp db (127.0.0.1): refused" for line in steps)
    assert all(line["service"] == "vpcprobe" for line in steps)


def test_deadline_reports_unfinished_steps_as_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One worker, stuck in a step that ignores its timeout: the handler answers anyway."""
    _write_resolv_conf(tmp_path, monkeypatch, "nameserver 127.0.0.1\n")
    monkeypatch.setenv("VPCPROBE_FORWARDER", "")
    monkeypatch.setattr(runner, "MAX_WORKERS", 1)
    release = threading.Event()
    entered = threading.Event()

    def stuck(*_args: Any, **_kwargs: Any) -> Any:
        entered.set()
        release.wait(30)  # like getaddrinfo with an unreachable server: no timeout of its own
        raise AssertionError("the probe must not wait for a stuck step")

    monkeypatch.setattr(tcp_connect, "connect", stuck)
    try:
        with listener() as port:
            event = {
                "targets": [f"127.0.0.1:{port}", "127.0.0.2:443"],
                "dns_names": ["slow.example"],
                "record_types": ["A"],
                "dns_transports": ["tcp"],
                "system_resolver": False,
                "aws": {"logs": False},
                "timeout_s": 10,
            }
            report = handler(event, Context(1500))
            still_stuck = entered.is_set() and not release.is_set()
    finally:
        release.set()

    assert still_stuck
    assert report["status"] == "ok"
    assert report["deadline"]["hit"] is True
    assert report["deadline"]["remaining_at_start_ms"] <= 1500
    assert report["deadline"]["budget_ms"] < 1500 - report["deadline"]["margin_ms"] + 1
    # The stuck connect, and everything queued behind it, is skipped with the reason.
    assert [(t["host"], t["status"], t["skip_reason"]) for t in report["tcp"]] == [
        ("127.0.0.1", "skipped", "deadline"),
        ("127.0.0.2", "skipped", "deadline"),
    ]
    # The stuck connect had run until the deadline and says so; the one queued behind it never
    # started, so it has no running time.
    stuck_row, queued_row = report["tcp"]
    assert stuck_row["elapsed_ms"] > 0.5 * report["deadline"]["budget_ms"]
    assert "still running after" in stuck_row["error"]
    assert (queued_row["elapsed_ms"], queued_row["error"]) == (0.0, None)
    assert [(d["name"], d["server"], d["status"], d["skip_reason"]) for d in report["dns"]] == [
        ("slow.example", "127.0.0.1", "skipped", "deadline")
    ]
    assert [(a["status"], a["skip_reason"]) for a in report["aws"]] == [("skipped", "disabled")]


def test_no_time_left_at_all_still_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_resolv_conf(tmp_path, monkeypatch, "")
    report = handler({"targets": ["127.0.0.1:9"], "aws": {"logs": False}}, Context(0))
    assert report["deadline"]["budget_ms"] == 0
    assert [t["status"] for t in report["tcp"]] == ["skipped"]


def test_invalid_event_returns_a_report_with_errors(log_lines: io.StringIO) -> None:
    report = handler({"targets": ["db"], "timeout_s": "soon", "color": "red"}, Context(3000))
    assert report["status"] == "invalid_request"
    assert report["dns"] == [] and report["tcp"] == [] and report["aws"] == []
    where = {e["location"]: e["message"] for e in report["errors"]}
    assert where == {
        "targets.0": "'db': expected host:port",
        "timeout_s": "Input should be a valid number, unable to parse string as a number",
        "color": "Extra inputs are not permitted",
    }
    assert "invalid probe request" in log_lines.getvalue()


def test_a_bug_in_the_probe_still_returns_a_report(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("vpcprobe.handler.run_probe", broken)
    report = handler({}, Context(3000))
    assert report["status"] == "error"  # not "ok": the probe did not run
    assert report["errors"] == [
        {"step": "handler", "message": "RuntimeError: bug", "location": None}
    ]
    assert report["schema_version"] == 1
    assert ProbeReport.model_validate(report).status == "error"  # the collector can read it


def test_a_report_that_cannot_be_built_still_says_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last resort, when even the error report fails: a plain dict, never "ok"."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("vpcprobe.handler.run_probe", broken)
    monkeypatch.setattr("vpcprobe.handler.Environment", broken)
    report = handler({}, Context(3000))
    assert report["status"] == "error"
    assert report["errors"] == [{"step": "handler", "message": "RuntimeError: bug"}]
    assert report["schema_version"] == 1


def test_targets_and_the_aws_call_run_before_dns_when_workers_are_scarce(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vpcprobe import aws_call, dns_lookup
    from vpcprobe.facts import AwsResult, DnsResult, TcpResult

    _write_resolv_conf(tmp_path, monkeypatch, "nameserver 127.0.0.1\n")
    monkeypatch.setenv("VPCPROBE_FORWARDER", "")
    monkeypatch.setattr(runner, "MAX_WORKERS", 1)
    order: list[str] = []

    def query(name: str, record_type: Any, server: str, transport: Any, **_: Any) -> DnsResult:
        order.append(f"dns {server}")
        return DnsResult(
            name=name, record_type=record_type, server=server, transport=transport, status="ok"
        )

    def system(name: str, record_type: Any, **_: Any) -> DnsResult:
        order.append("dns system")
        return DnsResult(
            name=name, record_type=record_type, server="system", transport="system", status="ok"
        )

    def connect(target: Any, address: str, **_: Any) -> TcpResult:
        order.append(f"tcp {address}")
        return TcpResult(
            label="t", host=target.host, port=target.port, address=address, status="open"
        )

    def call(service: str, **_: Any) -> AwsResult:
        order.append(f"aws {service}")
        return AwsResult(service=service, operation="X", status="ok")

    monkeypatch.setattr(dns_lookup, "query", query)
    monkeypatch.setattr(dns_lookup, "system_lookup", system)
    monkeypatch.setattr(tcp_connect, "connect", connect)
    monkeypatch.setattr(aws_call, "call", call)
    event = {"targets": ["127.0.0.9:5432"], "dns_names": ["db.example"], "record_types": ["A"],
             "dns_transports": ["udp"]}  # fmt: skip
    report = handler(event, Context(5000))
    assert order == ["aws logs", "tcp 127.0.0.9", "dns system", "dns 127.0.0.1"]
    assert report["deadline"]["hit"] is False


def test_a_broken_logger_costs_no_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_powertools() -> Any:
        raise ImportError("No module named 'aws_lambda_powertools'")

    monkeypatch.setattr("vpcprobe.handler.logger", no_powertools)
    _write_resolv_conf(tmp_path, monkeypatch, "")
    assert handler({"timeout_s": "x"}, Context(3000))["status"] == "invalid_request"
    report = handler(
        {"targets": [f"127.0.0.1:{closed_port()}"], "aws": {"logs": False}}, Context(3000)
    )
    assert [t["status"] for t in report["tcp"]] == ["refused"]
    assert report["errors"] == []


def test_probe_function_hands_over_to_the_probe() -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "probe_function" / "app.py"
    spec = importlib.util.spec_from_file_location("probe_function_app", path)
    assert spec is not None and spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    report = app.handler({"targets": ["nowhere"]}, Context(3000))
    assert report["status"] == "invalid_request"
    assert report["errors"][0]["location"] == "targets.0"


def test_log_lines_follow_the_current_stdout_even_after_it_was_swapped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A host that replaces sys.stdout (a wrapper, a test runner) still gets the step lines."""
    handler({"targets": ["127.0.0.1:9"], "aws": {"logs": False}}, Context(3000))
    first = capsys.readouterr().out
    replacement = io.StringIO()
    real = sys.stdout
    sys.stdout = replacement
    try:
        handler({"targets": ["127.0.0.1:9"], "aws": {"logs": False}}, Context(3000))
    finally:
        sys.stdout = real
    assert '"step"' in first
    assert '"step"' in replacement.getvalue()


def test_connects_to_named_targets_go_ahead_of_queued_dns_queries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A target given by name is resolved, then connected to, before slow direct DNS queries.

    Every direct query hangs for its whole timeout unless released, and it is released only
    once every target has been connected to. If the connects that follow a resolution queued
    behind the DNS queries, the deadline would come first and the targets would be skipped.
    """
    from vpcprobe import dns_lookup
    from vpcprobe.facts import DnsResult

    _write_resolv_conf(tmp_path, monkeypatch, "nameserver 127.0.0.1\n")
    monkeypatch.setenv("VPCPROBE_FORWARDER", "")
    monkeypatch.setattr(runner, "MAX_WORKERS", 2)
    names = [f"db{i}.corp.internal" for i in range(4)]
    release = threading.Event()
    connected: list[str] = []
    real_connect = tcp_connect.connect

    def query(name: str, record_type: Any, server: str, transport: Any, **kw: Any) -> DnsResult:
        release.wait(kw["timeout"])  # a server that does not answer, until released
        return DnsResult(
            name=name, record_type=record_type, server=server, transport=transport, status="ok"
        )

    def connect(target: Any, address: str, *, timeout: float) -> Any:
        result = real_connect(target, address, timeout=timeout)
        connected.append(target.host)
        if len(connected) == len(names):
            release.set()
        return result

    # The names resolve, as if from /etc/hosts, to loopback: no DNS leaves the process.
    monkeypatch.setattr(tcp_connect, "resolve", lambda _target, **_: ["127.0.0.1"])
    monkeypatch.setattr(tcp_connect, "connect", connect)
    monkeypatch.setattr(dns_lookup, "query", query)
    try:
        with listener() as port:
            event = {
                "targets": [f"{name}:{port}" for name in names],
                "record_types": ["A", "AAAA"],  # 16 queries: 8 timeouts per worker
                "system_resolver": False,
                "default_names": False,
                "aws": {"logs": False},
                "timeout_s": 2,
            }
            report = handler(event, Context(10_000))
    finally:
        release.set()

    assert [(t["host"], t["address"], t["status"]) for t in report["tcp"]] == [
        (name, "127.0.0.1", "open") for name in names
    ]
    assert len(report["dns"]) == 16
    assert {d["status"] for d in report["dns"]} == {"ok"}
    assert report["deadline"]["hit"] is False
