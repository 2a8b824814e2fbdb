"""Where the probe runs, from a fixed allow-list of facts, and the scrubbing of secrets."""

from __future__ import annotations

import json
import os
import platform
import re
import socket
from typing import Any

from vpcprobe.facts import Environment

_MAX_VALUE = 256
_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
# Variables whose values must never appear in a report or a log line, whatever happens.
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|ACCESS_KEY|API_KEY")
_MIN_SECRET_LENGTH = 6  # shorter values would blank out ordinary words


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value[:_MAX_VALUE] if value else None


def _context_value(context: Any, name: str) -> str | None:
    value = getattr(context, name, None)
    return str(value)[:_MAX_VALUE] if isinstance(value, str | int) and value != "" else None


def region() -> str | None:
    """The AWS region the process runs in (Lambda sets AWS_REGION)."""
    return _env("AWS_REGION") or _env("AWS_DEFAULT_REGION")


def in_lambda() -> bool:
    """True inside a Lambda execution environment."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) or (
        os.environ.get("AWS_EXECUTION_ENV", "").startswith("AWS_Lambda_")
    )


def function_name() -> str | None:
    """The function's name, if running in Lambda."""
    return _env("AWS_LAMBDA_FUNCTION_NAME")


def log_group() -> str | None:
    """The function's log group: the configured one, else Lambda's default name."""
    group = _env("AWS_LAMBDA_LOG_GROUP_NAME")
    if group:
        return group
    name = function_name()
    return f"/aws/lambda/{name}" if name else None


def architecture() -> str:
    """The CPU architecture in Lambda's words (x86_64 or arm64)."""
    machine = platform.machine().lower()
    return _ARCHITECTURES.get(machine, machine)


def gather(context: Any = None) -> Environment:
    """Collect the allow-listed facts; reads no other variable and never raises."""
    memory: int | None = None
    memory_text = _env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or _context_value(
        context, "memory_limit_in_mb"
    )
    if memory_text and memory_text.isdigit():
        memory = int(memory_text)
    try:
        hostname: str | None = socket.gethostname()[:_MAX_VALUE]
    except OSError:
        hostname = None
    return Environment(
        in_lambda=in_lambda(),
        region=region(),
        function_name=function_name() or _context_value(context, "function_name"),
        function_version=_env("AWS_LAMBDA_FUNCTION_VERSION")
        or _context_value(context, "function_version"),
        function_arn=_context_value(context, "invoked_function_arn"),
        request_id=_context_value(context, "aws_request_id"),
        memory_mb=memory,
        runtime=_env("AWS_EXECUTION_ENV"),
        architecture=architecture(),
        log_group=log_group() or _context_value(context, "log_group_name"),
        log_stream=_env("AWS_LAMBDA_LOG_STREAM_NAME") or _context_value(context, "log_stream_name"),
        python_version=platform.python_version(),
        hostname=hostname,
    )


def secret_values() -> list[str]:
    """Values of the environment variables that look like credentials, longest first."""
    values = {
        value
        for name, value in os.environ.items()
        if _SECRET_NAME.search(name.upper()) and len(value) >= _MIN_SECRET_LENGTH
    }
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: list[str] | None = None) -> str:
    """`text` with every secret value (also in its JSON-escaped form) replaced."""
    for secret in secret_values() if secrets is None else secrets:
        text = text.replace(secret, "[redacted]")
        escaped = json.dumps(secret)[1:-1]
        if escaped != secret:
            text = text.replace(escaped, "[redacted]")
    return text


def clip(text: str, limit: int) -> str:
    """`text` with its secrets replaced, then cut to `limit` characters.

    In this order: a secret cut first would no longer match, and its first part would stay.
    """
    return redact(text)[:limit]
