"""Every Invoke outcome a user meets becomes a report, a ProbeFailure or a clear error.

moto's Lambda needs docker to run code, so outcomes come from botocore's Stubber, which
checks each response and error against botocore's own Lambda model.
"""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from tests.report.samples import probe_report, targets
from vpcprobe_collector.errors import AwsAccessError, BadInputError
from vpcprobe_collector.findings.model import ProbeFailureKind
from vpcprobe_collector.probing.invoke import (
    INVOKE_CONFIG,
    VPC_ERRORS,
    InvokeUnanswered,
    invoke_probe,
)
from vpcprobe_collector.probing.request import build_request

REQUEST = build_request(targets(), timeout_s=1.5)
PROBE = "vpcprobe-orders-api"


def _client() -> Any:
    return boto3.client("lambda", region_name="us-east-1", config=INVOKE_CONFIG)


def _body(payload: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(payload), len(payload))


def _ok(payload: bytes, function_error: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"StatusCode": 200, "Payload": _body(payload)}
    if function_error:
        response["FunctionError"] = function_error
    return response


def _expected(wrapped: bool = False, function: str = PROBE) -> dict[str, Any]:
    event: dict[str, Any] = REQUEST.model_dump(mode="json", exclude_defaults=True)
    if wrapped:
        event = {"vpcprobe": event}
    return {
        "FunctionName": function,
        "InvocationType": "RequestResponse",
        "Payload": json.dumps(event).encode(),
    }


def _invoke(responses: list[dict[str, Any] | tuple[str, int]], **kwargs: Any) -> Any:
    client = _client()
    wrapped = bool(kwargs.get("wrapped"))
    function = kwargs.pop("function", PROBE)
    with Stubber(client) as stub:
        for response in responses:
            if isinstance(response, tuple):
                code, status = response
                stub.add_client_error(
                    "invoke",
                    service_error_code=code,
                    service_message=f"{code} message",
                    http_status_code=status,
                    expected_params=_expected(wrapped, function),
                )
            else:
                stub.add_response("invoke", response, _expected(wrapped, function))
        outcome = invoke_probe(client, function, REQUEST, invocations=len(responses), **kwargs)
        stub.assert_no_pending_responses()
    return outcome


def test_the_request_carries_the_targets_and_timeout() -> None:
    event = _expected()["Payload"]
    assert json.loads(event) == {
        "targets": [{"host": "db.orders.internal", "port": 5432, "label": "orders-db"}],
        "timeout_s": 1.5,
    }


def test_reports_from_every_invocation() -> None:
    report = probe_report().model_dump_json().encode()
    outcome = _invoke([_ok(report), _ok(report), _ok(report)])
    assert outcome.source == f"function:{PROBE}"
    assert len(outcome.reports) == 3 and outcome.failures == []


def test_a_runtime_error_keeps_its_type_and_message() -> None:
    payload = json.dumps(
        {
            "errorType": "Runtime.ImportModuleError",
            "errorMessage": "Unable to import module 'app': No module named 'vpcprobe'",
            "stackTrace": [],
        }
    ).encode()
    outcome = _invoke([_ok(payload, "Unhandled")])
    (failure,) = outcome.failures
    assert failure.kind == ProbeFailureKind.FUNCTION_ERROR
    assert failure.error_code == "Runtime.ImportModuleError"
    assert "No module named 'vpcprobe'" in failure.message
    assert failure.payload_excerpt and "stackTrace" in failure.payload_excerpt


@pytest.mark.parametrize(
    "payload",
    [
        {"errorMessage": "2026-11-24T12:00:03.000Z 5d9c Task timed out after 3.00 seconds"},
        {
            "errorType": "Sandbox.Timedout",
            "errorMessage": "RequestId: 5d9c Error: Task timed out after 3.00 seconds",
        },
    ],
)
def test_task_timed_out(payload: dict[str, str]) -> None:
    outcome = _invoke([_ok(json.dumps(payload).encode(), "Unhandled")])
    (failure,) = outcome.failures
    assert failure.kind == ProbeFailureKind.TIMED_OUT
    assert "Task timed out after 3.00 seconds" in failure.message


@pytest.mark.parametrize("code", sorted(VPC_ERRORS))
def test_vpc_errors_are_recorded_with_their_code(code: str) -> None:
    outcome = _invoke([(code, 502)])
    (failure,) = outcome.failures
    assert (failure.kind, failure.error_code) == (ProbeFailureKind.VPC_ERROR, code)
    assert failure.message == f"{code} message"  # Lambda's own words, the code kept apart
    assert outcome.reports == []


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("ResourceNotReadyException", 502, ProbeFailureKind.NOT_READY),
        ("TooManyRequestsException", 429, ProbeFailureKind.THROTTLED),
        ("ServiceException", 500, ProbeFailureKind.OTHER),
    ],
)
def test_other_invoke_errors(code: str, status: int, kind: ProbeFailureKind) -> None:
    (failure,) = _invoke([(code, status)]).failures
    assert (failure.kind, failure.error_code) == (kind, code)


def test_access_denied_stops_the_run_with_exit_3() -> None:
    with pytest.raises(AwsAccessError, match="cannot invoke vpcprobe-orders-api"):
        _invoke([("AccessDeniedException", 403)])


def test_a_missing_probe_function_is_bad_input() -> None:
    with pytest.raises(BadInputError, match=r"vpcprobe-orders-api was not found.*deploy"):
        _invoke([("ResourceNotFoundException", 404)])


@pytest.mark.parametrize(
    ("payload", "kind", "says"),
    [
        (b"<html>502 Bad Gateway</html>", ProbeFailureKind.BAD_PAYLOAD, "not JSON"),
        (b'{"ok": true}', ProbeFailureKind.BAD_PAYLOAD, "not a vpcprobe probe report"),
        (
            json.dumps(
                {**json.loads(probe_report().model_dump_json()), "schema_version": 2}
            ).encode(),
            ProbeFailureKind.SCHEMA_MISMATCH,
            "schema_version 2",
        ),
        (
            json.dumps({**json.loads(probe_report().model_dump_json()), "tcp": "nope"}).encode(),
            ProbeFailureKind.BAD_PAYLOAD,
            "tcp:",
        ),
    ],
)
def test_payloads_that_are_not_a_probe_report(
    payload: bytes, kind: ProbeFailureKind, says: str
) -> None:
    (failure,) = _invoke([_ok(payload)]).failures
    assert failure.kind == kind
    assert says in failure.message
    assert failure.payload_excerpt == payload.decode()[:300] or failure.payload_excerpt.endswith(
        "…"
    )


def test_wrapped_suspect_gets_the_request_under_vpcprobe_and_a_hint_when_not_wrapped() -> None:
    payload = json.dumps({"statusCode": 200, "body": "hello from orders-api"}).encode()
    outcome = _invoke([_ok(payload)], wrapped=True, function="orders-api")
    assert outcome.source == "wrapped:orders-api"
    (failure,) = outcome.failures
    assert failure.kind == ProbeFailureKind.BAD_PAYLOAD
    assert "vpcprobe wrap" in failure.message


def test_mixed_outcomes_keep_every_report_and_every_failure() -> None:
    report = probe_report().model_dump_json().encode()
    outcome = _invoke([_ok(report), ("ENILimitReachedException", 502), _ok(report)])
    assert len(outcome.reports) == 2
    assert [f.error_code for f in outcome.failures] == ["ENILimitReachedException"]


class _OneUnanswered:
    """A Lambda client whose first Invoke gets no answer and whose others answer a report
    (the Stubber cannot stand for an endpoint that stays silent)."""

    def __init__(self, payload: bytes, answered: int) -> None:
        self.payload, self.answered = payload, answered
        self.lock = threading.Lock()
        self.calls = 0

    def invoke(self, **_kwargs: Any) -> dict[str, Any]:
        with self.lock:
            self.calls += 1
            silent = self.calls > self.answered
        if silent:
            raise InvokeUnanswered(endpoint_url="http://127.0.0.1:9", seconds=40.0)
        return _ok(self.payload)


def test_some_invocations_unanswered_the_answered_reports_are_judged() -> None:
    report = probe_report().model_dump_json().encode()
    outcome = invoke_probe(_OneUnanswered(report, answered=2), PROBE, REQUEST, invocations=3)
    assert len(outcome.reports) == 2
    [failure] = outcome.failures
    assert failure.error_code == "NoAnswer"
    assert "sent no answer within 40 s" in failure.message


def test_no_invocation_answered_is_exit_3_naming_the_endpoint() -> None:
    report = probe_report().model_dump_json().encode()
    with pytest.raises(AwsAccessError, match=r"127\.0\.0\.1:9 sent no answer within 40 s"):
        invoke_probe(_OneUnanswered(report, answered=0), PROBE, REQUEST, invocations=3)
