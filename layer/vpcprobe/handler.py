"""The Lambda entry point: validate the event, run the probe in its deadline, return the report."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from vpcprobe import __version__, environment
from vpcprobe.facts import (
    Deadline,
    DnsResult,
    Environment,
    ProbeError,
    ProbeReport,
    ReportStatus,
    SkipReason,
    TcpResult,
)
from vpcprobe.request import PROBE_EVENT_KEY, parse_event
from vpcprobe.runner import Result, run_probe, safety_margin_ms

__all__ = ["PROBE_EVENT_KEY", "handler", "log_step", "logger", "parse_event"]
SERVICE = "vpcprobe"
# Off Lambda (a context without remaining time), the probe allows itself this long.
DEFAULT_BUDGET_MS = 30_000.0


class _CurrentStdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to sys.stdout as it is when a line is logged, not as it was at set-up.

    A host that swaps stdout (a wrapper, a test runner) would otherwise leave the logger
    writing to a closed stream; in Lambda, stdout never changes, so nothing differs there.
    `setStream(stream)` pins another stream; `setStream(None)` follows sys.stdout again.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pinned: Any = None

    @property
    def stream(self) -> Any:
        return self._pinned if self._pinned is not None else sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        self._pinned = value

    def format(self, record: logging.LogRecord) -> str:
        # A lone surrogate (from an event or a DNS answer) is no UTF-8: written escaped.
        return super().format(record).encode("utf-8", "backslashreplace").decode("utf-8")

    def handleError(self, record: logging.LogRecord) -> None:
        """A line that cannot be written is dropped: never a traceback from the probe."""


@lru_cache(maxsize=1)
def logger() -> Any:
    """The probe's Powertools Logger (JSON lines on stdout; level from POWERTOOLS_LOG_LEVEL)."""
    from aws_lambda_powertools import Logger

    # xray_trace_id=None: Powertools would otherwise copy $_X_AMZN_TRACE_ID into every line,
    # and no environment value outside the allow-list may reach the output.
    return Logger(service=SERVICE, logger_handler=_CurrentStdoutHandler(), xray_trace_id=None)


def _summary(result: Result) -> str:
    status = result.status.value
    if isinstance(result, DnsResult):
        via = f"{result.server}/{result.transport.value}"
        return f"dns {result.name} {result.record_type.value} via {via}: {status}"
    if isinstance(result, TcpResult):
        where = f" ({result.address})" if result.address else ""
        return f"tcp {result.label}{where}: {status}"
    return f"aws {result.service} {result.operation}: {status}"


def log_step(kind: str, result: Result, secrets: list[str] | None = None) -> None:
    """One structured log line per step, with the outcome; secrets scrubbed.

    `secrets`: the values to scrub, read once per invocation (reading the environment for
    each of a thousand lines costs more than the lines themselves on a small CPU share).
    """
    with contextlib.suppress(Exception):  # logging must never cost the report
        raw = json.dumps(result.to_json(exclude_none=True))
        fields = json.loads(environment.redact(raw, secrets))
        logger().info(
            environment.redact(_summary(result), secrets), extra={"step": kind, "result": fields}
        )


def _log_deadline(report: ProbeReport) -> None:
    """One line for every step the deadline cut short (they get no line of their own)."""
    rows: list[Result] = [*report.dns, *report.tcp, *report.aws]
    cut = sum(1 for r in rows if r.skip_reason == SkipReason.DEADLINE)
    if cut:
        with contextlib.suppress(Exception):
            logger().info(f"{cut} steps cut short by the deadline", extra={"step": "deadline"})


def _remaining_ms(context: Any) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    try:
        return float(remaining())
    except Exception:
        return None


def _finish(report: ProbeReport, secrets: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(environment.redact(json.dumps(report.to_json()), secrets))
    return data


def _invalid(errors: list[ProbeError], context: Any, started: float) -> ProbeReport:
    return ProbeReport(
        probe_version=__version__,
        status=ReportStatus.INVALID_REQUEST,
        started_at=datetime.now(UTC),
        duration_ms=round((time.monotonic() - started) * 1000, 1),
        environment=environment.gather(context),
        deadline=Deadline(budget_ms=0, margin_ms=0),
        errors=errors,
    )


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda handler: always returns a ProbeReport as a dict, never raises."""
    started = time.monotonic()
    try:
        request, errors = parse_event(event)
        if request is None:
            report = _invalid(errors, context, started)
            data = _finish(report)
            with contextlib.suppress(Exception):  # logging must never cost the report
                logger().warning("invalid probe request", extra={"errors": data["errors"]})
            return data
        remaining = _remaining_ms(context)
        available = DEFAULT_BUDGET_MS if remaining is None else remaining
        margin = safety_margin_ms(available)
        secrets = environment.secret_values()
        elapsed = (time.monotonic() - started) * 1000
        report = run_probe(
            request,
            budget_s=max(0.0, available - margin - elapsed) / 1000,
            margin_ms=margin,
            remaining_at_start_ms=remaining,
            context=context,
            listener=functools.partial(log_step, secrets=secrets),
        )
        _log_deadline(report)
        return _finish(report, secrets)
    except Exception as exc:
        return _crashed(exc, started)


def _crashed(exc: Exception, started: float) -> dict[str, Any]:
    """The report for a bug in the probe itself: still a report, never an exception."""
    message = environment.clip(f"{type(exc).__name__}: {exc}", 500)
    try:
        report = ProbeReport(
            probe_version=__version__,
            status=ReportStatus.ERROR,
            started_at=datetime.now(UTC),
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            environment=Environment(in_lambda=environment.in_lambda()),
            deadline=Deadline(budget_ms=0, margin_ms=0),
            errors=[ProbeError(step="handler", message=message)],
        )
        return _finish(report)
    except Exception:
        return {
            "schema_version": 1,
            "probe_version": __version__,
            "status": ReportStatus.ERROR.value,
            "errors": [{"step": "handler", "message": message}],
        }
