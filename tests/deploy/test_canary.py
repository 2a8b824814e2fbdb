"""The canary's CloudWatch metrics: EMF lines on stdout with the documented names and dimensions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.deploy.test_wrapper_runtime import SAFE_PROBE_REQUEST
from vpcprobe import canary
from vpcprobe.models import (
    AwsResult,
    AwsStatus,
    Deadline,
    DnsResult,
    DnsStatus,
    Environment,
    ProbeReport,
    ProbeRequest,
    RecordType,
    TcpResult,
    TcpStatus,
    Transport,
)


def sample_report() -> ProbeReport:
    """db.internal:5432 cannot be resolved nor reached; "api" is open; the Logs API timed out."""
    request = ProbeRequest.model_validate(
        {"targets": ["db.internal:5432", {"host": "10.0.10.5", "port": 443, "label": "api"}]}
    )

    def dns(record: RecordType, status: DnsStatus) -> DnsResult:
        return DnsResult(
            name="db.internal",
            record_type=record,
            server="10.0.0.2",
            transport=Transport.UDP,
            status=status,
        )

    return ProbeReport(
        probe_version="0.1.0",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_ms=2100.0,
        request=request,
        environment=Environment(in_lambda=True, function_name="vpcprobe-probe-orders-api"),
        dns=[dns(RecordType.A, DnsStatus.TIMEOUT), dns(RecordType.AAAA, DnsStatus.NO_ANSWER)],
        tcp=[
            TcpResult(
                label="db.internal:5432",
                host="db.internal",
                port=5432,
                status=TcpStatus.DNS_FAILED,
            ),
            TcpResult(
                label="api", host="10.0.10.5", port=443, status=TcpStatus.OPEN, elapsed_ms=12.5
            ),
            TcpResult(
                label="api", host="10.0.10.5", port=443, status=TcpStatus.OPEN, elapsed_ms=14.0
            ),
        ],
        aws=[AwsResult(service="logs", operation="DescribeLogStreams", status=AwsStatus.TIMEOUT)],
        deadline=Deadline(budget_ms=25_000, margin_ms=500),
    )


def emf_lines(text: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" in line]


def metrics_of(line: dict[str, Any]) -> tuple[str, list[list[str]], list[str]]:
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    names = [metric["Name"] for metric in directive["Metrics"]]
    return directive["Namespace"], directive["Dimensions"], names


def test_emf_output_has_the_documented_metrics_and_dimensions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    canary.publish(sample_report())

    db, api, logs = emf_lines(capsys.readouterr().out)

    assert metrics_of(db) == ("vpcprobe", [["function", "target"]], ["DnsFailures", "TcpFailures"])
    assert (db["function"], db["target"]) == ("vpcprobe-probe-orders-api", "db.internal:5432")
    assert (db["DnsFailures"], db["TcpFailures"]) == ([1.0], [1.0])  # AAAA no_answer is no failure
    assert metrics_of(api) == (
        "vpcprobe",
        [["function", "target"]],
        ["DnsFailures", "TcpFailures", "ConnectLatency"],
    )
    assert api["target"] == "api"
    assert (api["DnsFailures"], api["TcpFailures"], api["ConnectLatency"]) == (
        [0.0],
        [0.0],
        [12.5, 14.0],
    )
    units = {m["Name"]: m["Unit"] for m in api["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert units == {
        "DnsFailures": "Count",
        "TcpFailures": "Count",
        "ConnectLatency": "Milliseconds",
    }
    assert metrics_of(logs) == ("vpcprobe", [["function"]], ["LogsApiFailures", "ProbeErrors"])
    assert (logs["LogsApiFailures"], logs["ProbeErrors"]) == ([1.0], [0.0])


def test_access_denied_from_the_logs_api_is_not_a_failure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = sample_report()
    report.aws = [
        AwsResult(service="logs", operation="DescribeLogStreams", status=AwsStatus.ACCESS_DENIED)
    ]

    canary.publish(report)

    assert emf_lines(capsys.readouterr().out)[-1]["LogsApiFailures"] == [0.0]


class Context:
    function_name = "vpcprobe-probe-orders-api"
    aws_request_id = "request-1"

    def get_remaining_time_in_millis(self) -> int:
        return 20_000


def test_a_scheduled_canary_event_probes_and_publishes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VPCPROBE_FORWARDER", "")
    request = {**SAFE_PROBE_REQUEST, "targets": []}

    result = canary.handler({"vpcprobe_canary": request}, Context())

    report = ProbeReport.model_validate(result)
    assert report.request is not None and report.request.default_names is False
    (logs,) = emf_lines(capsys.readouterr().out)
    assert logs["function"] == "vpcprobe-probe-orders-api"
    assert logs["LogsApiFailures"] == [0.0]


def test_other_events_go_to_the_probe_without_metrics(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VPCPROBE_FORWARDER", "")

    result = canary.handler(SAFE_PROBE_REQUEST, Context())

    assert ProbeReport.model_validate(result).status == "ok"
    assert emf_lines(capsys.readouterr().out) == []


def test_an_invalid_stored_request_is_a_probe_error_not_silence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = canary.handler({"vpcprobe_canary": {"targets": ["db:0"]}}, Context())

    assert ProbeReport.model_validate(result).status == "invalid_request"
    (logs,) = emf_lines(capsys.readouterr().out)
    assert logs["ProbeErrors"][0] >= 1
