"""Throttling is retried by botocore (adaptive mode), not by a loop of ours: a loopback Lambda."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import boto3
import pytest

from tests.report.samples import probe_report, targets
from vpcprobe_collector.probing.invoke import INVOKE_CONFIG, invoke_probe
from vpcprobe_collector.probing.request import build_request


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
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeLambda)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_throttled_invoke_is_retried_and_succeeds(fake_lambda: str) -> None:
    throttled = json.dumps({"Reason": "CallerRateLimitExceeded", "message": "Rate exceeded"})
    _FakeLambda.seen = []
    _FakeLambda.answers = [
        (429, {"x-amzn-ErrorType": "TooManyRequestsException"}, throttled.encode()),
        (200, {"X-Amz-Executed-Version": "$LATEST"}, probe_report().model_dump_json().encode()),
    ]
    client = boto3.client(
        "lambda", region_name="us-east-1", endpoint_url=fake_lambda, config=INVOKE_CONFIG
    )
    request = build_request(targets())
    outcome = invoke_probe(client, "vpcprobe-orders-api", request, invocations=1)
    assert len(outcome.reports) == 1 and outcome.failures == []
    assert len(_FakeLambda.seen) == 2  # the same request, sent twice by botocore
    assert _FakeLambda.seen[0] == _FakeLambda.seen[1]
