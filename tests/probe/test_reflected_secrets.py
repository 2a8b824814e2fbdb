"""A credential an endpoint echoes back never survives in the report or a log line, cut or not."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.probe.test_handler import Context
from vpcprobe import dns_lookup, environment
from vpcprobe.handler import handler, logger
from vpcprobe.models import DnsStatus

FRAGMENT = 12  # no run this long of a secret may appear anywhere


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler_ = logger().registered_handler
    handler_.setStream(stream)
    try:
        yield stream
    finally:
        handler_.setStream(None)


def fragments(secret: str) -> list[str]:
    return [secret[i : i + FRAGMENT] for i in range(len(secret) - FRAGMENT + 1)]


tokens = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
    min_size=40,
    max_size=600,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(token=tokens, before=st.integers(min_value=0, max_value=400))
def test_an_echoed_session_token_survives_nowhere(
    monkeypatch: pytest.MonkeyPatch, log_lines: io.StringIO, token: str, before: int
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("VPCPROBE_FORWARDER", "")

    def echoing_client(*_args: Any, **_kwargs: Any) -> Any:
        # a proxy or endpoint that reflects the request's X-Amz-Security-Token in its error
        raise RuntimeError("p" * before + f" X-Amz-Security-Token: {token} rejected")

    monkeypatch.setattr("boto3.session.Session.client", echoing_client)
    event = {"default_names": False, "aws": {"logs": True, "sts": True}}
    report = handler(event, Context(8000))
    shown = json.dumps(report) + log_lines.getvalue()
    assert [a["status"] for a in report["aws"]] == ["error", "error"]
    if before < 200:  # the mask itself fits in the 300 characters kept
        assert "[redacted]" in report["aws"][0]["error"]
    for part in fragments(token):
        assert part not in shown


def test_clip_redacts_before_it_cuts(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "S" * 30 + "ecretTail" * 20
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    text = "x" * 180 + secret
    assert environment.clip(text, 300) == "x" * 180 + "[redacted]"
    assert environment.redact(text[:300]) == text[:300]  # why the order matters


def test_a_dns_error_is_clipped_after_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "tok-" + "9" * 200
    monkeypatch.setenv("AWS_SESSION_TOKEN", secret)

    def reflecting(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError("q" * 150 + secret)

    dns_lookup.load_dnspython()
    monkeypatch.setattr("dns.query.udp", reflecting)  # nothing is sent
    result = dns_lookup.query(
        "example.internal", dns_lookup.RecordType.A, "127.0.0.1", dns_lookup.Transport.UDP,
        timeout=0.2,
    )  # fmt: skip
    assert result.status == DnsStatus.ERROR
    assert result.error is not None and "[redacted]" in result.error
    assert secret[:FRAGMENT] not in result.error
