"""The CloudWatch Logs call: against moto (ok), a closed port, a silent listener, a denial."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from botocore.exceptions import EndpointConnectionError
from urllib3.exceptions import NameResolutionError

from tests.probe.loopback_servers import closed_port, listener
from tests.support.loopback_http import serving
from tests.support.moto_server import REGION, MotoServer
from vpcprobe import aws_call
from vpcprobe.models import AwsStatus

GROUP = "/aws/lambda/suspect"


def _call(log_group: str | None = GROUP, timeout: float = 2.0) -> aws_call.AwsResult:
    return aws_call.call(
        "logs",
        region=REGION,
        log_group=log_group,
        connect_timeout=timeout,
        read_timeout=timeout,
    )


@pytest.mark.moto
def test_ok_against_moto(aws: MotoServer) -> None:
    aws.client("logs").create_log_group(logGroupName=GROUP)
    result = _call()
    assert result.status == AwsStatus.OK
    assert result.operation == "DescribeLogStreams"
    assert result.http_status == 200
    assert result.endpoint == aws.url
    assert result.error is None


@pytest.mark.moto
def test_missing_log_group_still_proves_the_endpoint_answered(aws: MotoServer) -> None:
    result = _call("/aws/lambda/not-created-yet")
    assert result.status == AwsStatus.OK
    assert result.error_code == "ResourceNotFoundException"
    assert result.http_status == 400


@pytest.mark.moto
def test_without_a_log_group_lists_groups(aws: MotoServer) -> None:
    result = _call(None)
    assert result.status == AwsStatus.OK
    assert result.operation == "DescribeLogGroups"


def test_closed_port_is_connect_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_LOGS", url)
    result = _call()
    assert result.status == AwsStatus.CONNECT_FAILED
    assert result.endpoint == url
    assert result.http_status is None


def test_listener_that_never_answers_is_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    with listener() as port:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
        result = _call(timeout=0.5)
    assert result.status == AwsStatus.TIMEOUT
    assert result.error == "no read within 0.5 s"


class _Deny(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"__type": "AccessDeniedException", "message": "not allowed"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def denying_endpoint() -> Iterator[str]:
    with serving(_Deny, "denying_endpoint") as url:
        yield url


def test_access_denied_proves_reachability(
    denying_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LOGS", denying_endpoint)
    result = _call()
    assert result.status == AwsStatus.ACCESS_DENIED
    assert result.error_code == "AccessDeniedException"
    assert result.http_status == 400


def test_name_resolution_failure_is_recognised() -> None:
    cause = NameResolutionError("logs.us-east-1.amazonaws.com", None, socket.gaierror(-2, "x"))  # type: ignore[arg-type]
    wrapped = EndpointConnectionError(endpoint_url="https://logs", error=cause)
    assert aws_call._is_dns_failure(wrapped)
    plain = EndpointConnectionError(endpoint_url="https://logs", error=ConnectionRefusedError())
    assert not aws_call._is_dns_failure(plain)


def test_no_region_is_reported() -> None:
    result = aws_call.call("logs", region=None, log_group=GROUP, connect_timeout=1, read_timeout=1)
    assert result.status == AwsStatus.ERROR
    assert result.error is not None and "AWS_REGION" in result.error


@pytest.mark.parametrize(
    ("env", "host"),
    [
        ({}, "logs.eu-west-1.amazonaws.com"),
        (
            {"AWS_ENDPOINT_URL": "https://vpce-1.logs.example.internal"},
            "vpce-1.logs.example.internal",
        ),
        (
            {
                "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
                "AWS_ENDPOINT_URL_LOGS": "https://logs.local:4566",
            },
            "logs.local",
        ),
    ],
)
def test_endpoint_host_follows_the_overrides(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], host: str
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert aws_call.endpoint_host("logs", "eu-west-1") == host


def test_china_regions_use_their_own_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert aws_call.endpoint_host("sts", "cn-north-1") == "sts.cn-north-1.amazonaws.com.cn"
