"""AWS API facts: one cheap call per service proves (or disproves) its endpoint is reachable."""

from __future__ import annotations

import os
import socket
import time
from typing import Any
from urllib.parse import urlsplit

from vpcprobe import environment
from vpcprobe.facts import AwsResult, AwsStatus, SkipReason

LOGS = "logs"
STS = "sts"
# Error codes that come back only after the request reached the service and was judged.
_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
}
# The request was authorised and answered; the resource just is not there (yet).
_REACHED = {"ResourceNotFoundException"}


def _elapsed_ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


# botocore's service-specific variables follow the service ID ("CloudWatch Logs");
# the short AWS_ENDPOINT_URL_LOGS is accepted too, as people (and our docs) write it.
_ENDPOINT_VARIABLES = {
    LOGS: ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL_LOGS"),
    STS: ("AWS_ENDPOINT_URL_STS",),
}


def endpoint_url(service: str) -> str | None:
    """The endpoint override for `service` (specific variable first, then AWS_ENDPOINT_URL)."""
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    for name in (*_ENDPOINT_VARIABLES.get(service, ()), "AWS_ENDPOINT_URL"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def endpoint_host(service: str, region: str | None) -> str | None:
    """The host name the SDK will resolve for `service`: the override's, else the regional one."""
    override = endpoint_url(service)
    if override:
        try:
            return urlsplit(override).hostname or None
        except ValueError:
            return None
    if not region:
        return None
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{service}.{region}.{suffix}"


def skipped(service: str, operation: str, reason: SkipReason) -> AwsResult:
    """The result for a call that was never made."""
    return AwsResult(
        service=service, operation=operation, status=AwsStatus.SKIPPED, skip_reason=reason
    )


def operation_for(service: str, log_group: str | None) -> str:
    """The API operation the probe uses for `service`."""
    if service == STS:
        return "GetCallerIdentity"
    return "DescribeLogStreams" if log_group else "DescribeLogGroups"


def _is_dns_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror) or type(current).__name__ == (
            "NameResolutionError"
        ):
            return True
        kwargs = getattr(current, "kwargs", None)
        wrapped = kwargs.get("error") if isinstance(kwargs, dict) else None
        if isinstance(wrapped, BaseException):
            pending.append(wrapped)
        pending += [current.__cause__, current.__context__]
    return False


def call(
    service: str,
    *,
    region: str | None,
    log_group: str | None,
    connect_timeout: float,
    read_timeout: float,
) -> AwsResult:
    """Make the service's probe call once, no retries, and classify the outcome; never raise.

    `ok` and `access_denied` both prove the endpoint answered; `timeout`, `dns_failed` and
    `connect_failed` prove it did not. Nothing from the response body is reported.
    """
    started = time.monotonic()
    operation = operation_for(service, log_group)
    result = AwsResult(service=service, operation=operation, status=AwsStatus.ERROR)
    if not region:
        result.error = "no AWS region: set AWS_REGION (Lambda always does)"
        return result
    try:
        # boto3 is imported here only: the rest of the probe (and its import time) needs none.
        import boto3
        import botocore.config
        import botocore.exceptions as bce
    except ImportError as exc:
        result.error = f"boto3 is not available: {exc}"
        return result
    try:
        config = botocore.config.Config(
            region_name=region,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"total_max_attempts": 1},
        )
        client: Any = boto3.session.Session().client(
            service, config=config, endpoint_url=endpoint_url(service)
        )
        result.endpoint = str(client.meta.endpoint_url)
        # elapsed_ms is the call itself: importing boto3 and building the client (hundreds
        # of ms on a cold start) say nothing about the network.
        started = time.monotonic()
        if service == STS:
            client.get_caller_identity()
        elif log_group:
            client.describe_log_streams(logGroupName=log_group, limit=1)
        else:
            client.describe_log_groups(limit=1)
        result.status = AwsStatus.OK
        result.http_status = 200
    except bce.ClientError as exc:
        response = exc.response if isinstance(exc.response, dict) else {}
        code = str(response.get("Error", {}).get("Code", "") or "") or None
        result.error_code = code
        result.http_status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _DENIED:
            result.status = AwsStatus.ACCESS_DENIED
        elif code in _REACHED:
            result.status = AwsStatus.OK
        result.error = f"the service answered {code}"
    except (bce.ConnectTimeoutError, bce.ReadTimeoutError) as exc:
        result.status = AwsStatus.TIMEOUT
        phase = "connect" if isinstance(exc, bce.ConnectTimeoutError) else "read"
        limit = connect_timeout if phase == "connect" else read_timeout
        result.error = f"no {phase} within {limit:g} s"
    except bce.EndpointConnectionError as exc:
        if _is_dns_failure(exc):
            result.status = AwsStatus.DNS_FAILED
            result.error = "the endpoint's name did not resolve"
        else:
            result.status = AwsStatus.CONNECT_FAILED
            result.error = environment.clip(str(exc), 300)
    except bce.NoCredentialsError:
        result.error = "no AWS credentials available"
    except Exception as exc:  # a botocore surprise is still a fact about this call
        result.error = environment.clip(f"{type(exc).__name__}: {exc}", 300)
    result.elapsed_ms = _elapsed_ms(started)
    return result
