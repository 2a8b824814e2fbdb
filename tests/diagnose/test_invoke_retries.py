"""Throttling is retried by botocore, as often as AWS_MAX_ATTEMPTS says, not by a loop of ours:
a loopback Lambda. The Invoke client keeps the global options like every client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import pytest

from tests.report.samples import probe_report, targets
from tests.support.loopback_http import serving
from vpcprobe_collector import cli
from vpcprobe_collector.aws import AwsOptions, make_session, session_for
from vpcprobe_collector.findings.model import ProbeFailureKind
from vpcprobe_collector.probing.invoke import invoke_probe, lambda_client
from vpcprobe_collector.probing.request import build_request

THROTTLED = (
    429,
    {"x-amzn-ErrorType": "TooManyRequestsException"},
    json.dumps({"Reason": "CallerRateLimitExceeded", "message": "Rate exceeded"}).encode(),
)


class _FakeLambda(BaseHTTPRequestHandler):
    """Answers Invoke: TooManyRequestsException first, then a probe report."""

    answers: ClassVar[list[tuple[int, dict[str, str], bytes]]] = []
    seen: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        self.seen.append(self.rfile.read(int(self.headers["Content-Length"])))
        status, headers, body = self.answers.pop(0)
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_lambda() -> Iterator[str]:
    with serving(_FakeLambda, "fake_lambda") as url:
        yield url


def _client(endpoint: str) -> object:
    return lambda_client(
        make_session(region="us-east-1", options=AwsOptions(endpoint_url=endpoint))
    )


def test_a_throttled_invoke_is_retried_and_succeeds(fake_lambda: str) -> None:
    _FakeLambda.seen = []
    _FakeLambda.answers = [
        THROTTLED,
        (200, {"X-Amz-Executed-Version": "$LATEST"}, probe_report().model_dump_json().encode()),
    ]
    client = _client(fake_lambda)
    request = build_request(targets())
    outcome = invoke_probe(client, "vpcprobe-orders-api", request, invocations=1)
    assert len(outcome.reports) == 1 and outcome.failures == []
    assert len(_FakeLambda.seen) == 2  # the same request, sent twice by botocore
    assert _FakeLambda.seen[0] == _FakeLambda.seen[1]


@pytest.mark.parametrize(("attempts", "expected"), [("1", 1), ("2", 2), (None, 3)])
def test_invoke_is_tried_as_often_as_aws_max_attempts_says(
    fake_lambda: str, monkeypatch: pytest.MonkeyPatch, attempts: str | None, expected: int
) -> None:
    """Always throttled: one Invoke is sent AWS_MAX_ATTEMPTS times (botocore's 3 when unset;
    it used to be 7 whatever was set), then the throttling is the outcome."""
    if attempts is None:
        monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    else:
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", attempts)
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")  # no client-side rate limiter waits
    _FakeLambda.seen = []
    _FakeLambda.answers = [THROTTLED] * 10
    outcome = invoke_probe(
        _client(fake_lambda), "vpcprobe-orders-api", build_request(targets()), invocations=1
    )
    assert [f.kind for f in outcome.failures] == [ProbeFailureKind.THROTTLED]
    assert len(_FakeLambda.seen) == expected


def test_the_invoke_client_takes_the_global_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """--cli-read-timeout / --cli-connect-timeout / --endpoint-url and AWS_MAX_ATTEMPTS /
    AWS_RETRY_MODE reach the Invoke client; without them it keeps its long read timeout."""
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    parser = cli.build_parser(only="diagnose")
    plain = lambda_client(session_for(parser.parse_args(["diagnose", "fn"])))
    assert plain.meta.config.read_timeout == 910  # Invoke waits for the probe's deadline
    assert plain.meta.config.connect_timeout == 5
    assert plain.meta.config.retries == {"mode": "adaptive"}  # botocore: 3 attempts

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    argv = ["diagnose", "fn", "--cli-read-timeout", "30", "--cli-connect-timeout", "2"]
    argv += ["--endpoint-url", "http://127.0.0.1:9"]
    made = lambda_client(session_for(parser.parse_args(argv)))
    assert (made.meta.config.read_timeout, made.meta.config.connect_timeout) == (30, 2)
    assert made.meta.config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert made.meta.endpoint_url == "http://127.0.0.1:9"
