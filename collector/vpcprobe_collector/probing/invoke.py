"""Invoke a probe function (or a suspect in wrapper mode) N times at once and read every outcome."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.config
import botocore.exceptions

from vpcprobe.models import ProbeReport, ProbeRequest
from vpcprobe_collector.aws import CONNECT_TIMEOUT_S, UNREACHABLE, endpoint_of, translate_error
from vpcprobe_collector.errors import AwsAccessError, BadInputError, VpcprobeError
from vpcprobe_collector.findings.model import ProbeFailure, ProbeFailureKind
from vpcprobe_collector.probing.outcome import ProbeOutcome
from vpcprobe_collector.probing.payload import excerpt, parse_report

# Invoke waits for the function to finish: the read timeout is the invoked function's own
# configured Timeout plus a margin (Lambda's 15-minute maximum when it could not be read),
# kept only while no --cli-read-timeout is given. A read timeout is never retried: the request
# reached Lambda and may be running, and Invoke is not idempotent, so an endpoint that does not
# answer ends the command (exit 3) after one wait. Other retries follow AWS_MAX_ATTEMPTS /
# AWS_RETRY_MODE / the profile like every client (aws.Session); with no mode set, Invoke's is
# botocore's adaptive, which retries throttling (TooManyRequestsException,
# EC2ThrottledException) and also slows the client down when several invocations at once are
# throttled. Never a hand-written loop.
INVOKE_MARGIN_S = 10
LAMBDA_MAX_TIMEOUT_S = 900
INVOKE_READ_TIMEOUT_S = LAMBDA_MAX_TIMEOUT_S + INVOKE_MARGIN_S
INVOKE_CONFIG = botocore.config.Config(
    retries={"mode": "adaptive"},
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=INVOKE_READ_TIMEOUT_S,
    user_agent_extra="vpcprobe",
)
MAX_PARALLEL = 10

# Lambda's errors when it cannot start an execution environment in the VPC.
VPC_ERRORS = frozenset(
    {
        "ENILimitReachedException",
        "SubnetIPAddressLimitReachedException",
        "EC2AccessDeniedException",
        "EC2ThrottledException",
        "EC2UnexpectedException",
        "InvalidSubnetIDException",
        "InvalidSecurityGroupIDException",
        "ENINotReadyException",
    }
)
NOT_READY_ERRORS = frozenset(
    {"ResourceNotReadyException", "ResourceConflictException", "SnapStartNotReadyException"}
)
ACCESS_ERRORS = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "ExpiredTokenException",
        "ExpiredToken",
        "InvalidClientTokenId",
    }
)
_TIMED_OUT = re.compile(r"Task timed out after [0-9.]+ seconds")


NO_ANSWER = "NoAnswer"  # a ProbeFailure's error_code: the endpoint did not answer the Invoke


class InvokeUnanswered(botocore.exceptions.BotoCoreError):  # type: ignore[misc]
    """An Invoke whose answer did not come within the read timeout; not retried (botocore
    retries only connection errors and HTTPClientError, and this is neither)."""

    fmt = "{endpoint_url} sent no answer within {seconds:g} s"


def invoke_read_timeout(function_timeout: int | None) -> float:
    """How long to wait for an Invoke's answer: the function's Timeout plus the margin."""
    if not function_timeout or function_timeout <= 0:
        function_timeout = LAMBDA_MAX_TIMEOUT_S
    return float(min(function_timeout, LAMBDA_MAX_TIMEOUT_S) + INVOKE_MARGIN_S)


def lambda_client(session: Any, function_timeout: int | None = None) -> Any:
    """A Lambda client for invoking probes: the session's retry settings and timeouts, with
    adaptive retries and a read timeout of the invoked function's `Timeout` (seconds, as
    GetFunction gives it; None: not known) plus a margin where the user set none."""
    ours = invoke_read_timeout(function_timeout)
    made = session.client(
        "lambda", config=INVOKE_CONFIG.merge(botocore.config.Config(read_timeout=ours))
    )
    _no_retry_after_a_read_timeout(made, ours)
    return made


def _no_retry_after_a_read_timeout(made: Any, ours: float) -> None:
    """Make a read timeout an InvokeUnanswered, which no retry mode retries."""
    endpoint: Any = getattr(made, "_endpoint", None)
    send = getattr(endpoint, "_send", None)
    if send is None:
        return
    seconds = float(made.meta.config.read_timeout)
    # The user's --cli-read-timeout wins over the function's Timeout plus the margin (`ours`).
    bound = "user" if seconds != ours else "function"

    def send_once(request: Any) -> Any:
        try:
            return send(request)
        except botocore.exceptions.ReadTimeoutError as error:
            url = error.kwargs.get("endpoint_url") or getattr(request, "url", None)
            raise InvokeUnanswered(endpoint_url=url, seconds=seconds, bound=bound) from error

    endpoint._send = send_once


def _unanswered(error: Exception, function: str) -> VpcprobeError:
    """The one line for an Invoke the endpoint did not answer (exit 3)."""
    if isinstance(error, InvokeUnanswered):
        endpoint = endpoint_of(error.kwargs.get("endpoint_url"))
        bound = (
            "the --cli-read-timeout given"
            if error.kwargs.get("bound") == "user"
            else f"its own timeout plus {INVOKE_MARGIN_S} s"
        )
        return AwsAccessError(
            f"{endpoint} sent no answer within {error.kwargs['seconds']:g} s "
            f"(lambda:Invoke of {function}: {bound}); an Invoke "
            "is not retried (it is not idempotent); check --endpoint-url / AWS_ENDPOINT_URL and "
            "the network, or change --cli-read-timeout"
        )
    return translate_error(error) or AwsAccessError(f"the Invoke call failed: {error}")


def _function_error(source: str, function_error: str, text: str) -> ProbeFailure:
    """A FunctionError answer: the runtime's {errorType, errorMessage} or a timeout."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    error_type = message = None
    if isinstance(value, dict):
        error_type = value.get("errorType")
        message = value.get("errorMessage")
    message = str(message) if message is not None else text.strip()
    if _TIMED_OUT.search(message) or error_type == "Sandbox.Timedout":
        return ProbeFailure(
            source=source,
            kind=ProbeFailureKind.TIMED_OUT,
            error_code=str(error_type) if error_type else "Task.TimedOut",
            message=f"the function timed out before the probe answered: {excerpt(message)}",
            payload_excerpt=excerpt(text),
        )
    return ProbeFailure(
        source=source,
        kind=ProbeFailureKind.FUNCTION_ERROR,
        error_code=str(error_type) if error_type else function_error,
        message=f"the function failed ({function_error}): {excerpt(message)}",
        payload_excerpt=excerpt(text),
    )


def _client_error(source: str, error: botocore.exceptions.ClientError) -> ProbeFailure:
    code = str(error.response.get("Error", {}).get("Code", "Unknown"))
    message = str(error.response.get("Error", {}).get("Message", "")).strip()
    message = message or f"Lambda answered the Invoke call with {code}"
    if code in ACCESS_ERRORS:
        kind = ProbeFailureKind.ACCESS_DENIED
    elif code == "ResourceNotFoundException":
        kind = ProbeFailureKind.NOT_FOUND
    elif code == "TooManyRequestsException":
        kind = ProbeFailureKind.THROTTLED
    elif code in VPC_ERRORS:
        kind = ProbeFailureKind.VPC_ERROR
    elif code in NOT_READY_ERRORS:
        kind = ProbeFailureKind.NOT_READY
    else:
        kind = ProbeFailureKind.OTHER
    return ProbeFailure(source=source, kind=kind, error_code=code, message=message)


def invoke_once(
    client: Any, function: str, body: bytes, *, source: str
) -> ProbeReport | ProbeFailure:
    """One synchronous Invoke; every outcome becomes a report or a ProbeFailure. An endpoint
    that does not answer (no connection, no answer in time) is a NO_ANSWER failure:
    `invoke_probe` ends the run with exit 3 when no invocation was answered at all."""
    try:
        response = client.invoke(
            FunctionName=function, InvocationType="RequestResponse", Payload=body
        )
        raw = response["Payload"].read()
    except botocore.exceptions.ClientError as error:
        return _client_error(source, error)
    except (InvokeUnanswered, *UNREACHABLE) as error:
        return ProbeFailure(
            source=source,
            kind=ProbeFailureKind.OTHER,
            error_code=NO_ANSWER,
            message=_unanswered(error, function).message,
        )
    except botocore.exceptions.NoCredentialsError as error:
        return ProbeFailure(
            source=source,
            kind=ProbeFailureKind.ACCESS_DENIED,
            error_code="NoCredentials",
            message=str(error),
        )
    except botocore.exceptions.BotoCoreError as error:
        return ProbeFailure(
            source=source,
            kind=ProbeFailureKind.OTHER,
            error_code=type(error).__name__,
            message=f"the Invoke call failed: {error}",
        )
    text = raw.decode("utf-8", errors="replace")
    if response.get("FunctionError"):
        return _function_error(source, str(response["FunctionError"]), text)
    result = parse_report(text, source=source)
    if isinstance(result, ProbeFailure) and source.startswith("wrapped:"):
        result.message += (
            " — is wrapper mode on? Run `vpcprobe wrap FUNCTION` (the vpcprobe layer plus "
            'AWS_LAMBDA_EXEC_WRAPPER) so the function answers {"vpcprobe": ...} events'
        )
    return result


def ensure_wrapper_mode(client: Any, function: str) -> int | None:
    """Refuse --wrapped on a function not in wrapper mode: its own handler would get the events.

    Returns the function's configured Timeout (seconds; None when its configuration could not
    be read). Raises BadInputError when the function is not wrapped (or does not exist); when
    its configuration cannot be read (denied, variables under a key we cannot use), it says
    nothing and lets the invoke answer.
    """
    from vpcprobe_collector.deploy.wrap import (
        WRAPPER_PATH,
        WRAPPER_VARIABLE,
        routes_through_wrapper,
    )

    try:
        config = client.get_function(FunctionName=function)["Configuration"]
    except botocore.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise BadInputError(
                f"the function {function} was not found (check the name and region)"
            ) from error
        return None
    timeout = configured_timeout(config)
    if (config.get("Environment") or {}).get("Error"):
        return timeout  # variables under a key we cannot use: let the invoke answer
    if not routes_through_wrapper(config):
        name = config.get("FunctionName", function)
        raise BadInputError(
            f"{name} is not in wrapper mode ({WRAPPER_VARIABLE} is not {WRAPPER_PATH}), so its "
            f"own handler would receive the probe events; nothing was invoked. Run "
            f"`vpcprobe wrap {name}` first, or probe beside it with "
            f"`vpcprobe deploy --like {name}`."
        )
    return timeout


def function_timeout(client: Any, function: str) -> int | None:
    """A function's configured Timeout from GetFunction; None when it cannot be read (denied,
    not found: the Invoke then says so). An endpoint that does not answer ends the run."""
    try:
        config = client.get_function(FunctionName=function)["Configuration"]
    except botocore.exceptions.ClientError:
        return None
    return configured_timeout(config)


def configured_timeout(config: Mapping[str, Any]) -> int | None:
    """A function configuration's `Timeout` (seconds), None when it has no whole number there."""
    timeout = config.get("Timeout")
    return timeout if isinstance(timeout, int) else None


def invoke_probe(
    client: Any,
    function: str,
    request: ProbeRequest,
    *,
    invocations: int = 3,
    wrapped: bool = False,
) -> ProbeOutcome:
    """Invoke `function` `invocations` times concurrently to sample several execution environments.

    Raises AwsAccessError when the caller may not invoke it (or has no credentials) or the
    endpoint answered none of the invocations, and BadInputError when the function does not
    exist; every other outcome is a report or a ProbeFailure in the result.
    """
    event: dict[str, Any] = request.model_dump(mode="json", exclude_defaults=True)
    if wrapped:
        event = {"vpcprobe": event}
    body = json.dumps(event).encode()
    source = f"{'wrapped' if wrapped else 'function'}:{function}"
    with ThreadPoolExecutor(max_workers=max(1, min(invocations, MAX_PARALLEL))) as pool:
        results = list(
            pool.map(
                lambda _: invoke_once(client, function, body, source=source), range(invocations)
            )
        )
    failures = [r for r in results if isinstance(r, ProbeFailure)]
    unanswered = [f for f in failures if f.error_code == NO_ANSWER]
    if unanswered and len(unanswered) == len(results):
        # Nothing answered: the endpoint, not the function (exit 3, as for every AWS call).
        # Where some invocations did answer, their reports are judged and these are failures.
        raise AwsAccessError(unanswered[0].message)
    for failure in failures:
        if failure.kind == ProbeFailureKind.ACCESS_DENIED:
            raise AwsAccessError(
                f"cannot invoke {function}: {failure.error_code}: {failure.message}"
            )
    for failure in failures:
        if failure.kind == ProbeFailureKind.NOT_FOUND:
            hint = (
                "check the name and region"
                if wrapped
                else "deploy one with `vpcprobe deploy --like SUSPECT` or check the name"
            )
            raise BadInputError(f"the function {function} was not found ({hint})")
    return ProbeOutcome(
        source=source,
        reports=[r for r in results if isinstance(r, ProbeReport)],
        failures=failures,
    )
