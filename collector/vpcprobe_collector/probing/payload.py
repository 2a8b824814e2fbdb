"""A probe answer (from Invoke, a file, a console paste) read as a ProbeReport, or why not."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from vpcprobe.models import SCHEMA_VERSION, ProbeReport, ReportStatus
from vpcprobe_collector.findings.model import ProbeFailure, ProbeFailureKind
from vpcprobe_collector.validation_text import describe

EXCERPT_CHARS = 300


# Reports that carry no observations: the probe refused the request, or failed while running.
_NOT_OBSERVATIONS = {
    ReportStatus.INVALID_REQUEST: ("invalid_request", "the probe rejected the request"),
    ReportStatus.ERROR: ("probe_error", "the probe failed while running"),
}


def excerpt(text: str) -> str:
    """At most EXCERPT_CHARS characters of `text`, marked when cut."""
    text = text.strip()
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


def _failure(source: str, kind: ProbeFailureKind, message: str, raw: str) -> ProbeFailure:
    return ProbeFailure(source=source, kind=kind, message=message, payload_excerpt=excerpt(raw))


def _unwrap_console_paste(value: Any) -> Any:
    """A report wrapped as {"statusCode": 200, "body": "<report JSON>"} (API-style or pasted)."""
    if isinstance(value, dict) and "statusCode" in value and isinstance(value.get("body"), str):
        try:
            return json.loads(value["body"])
        except (ValueError, RecursionError):
            return value
    return value


def parse_report(raw: bytes | str, *, source: str) -> ProbeReport | ProbeFailure:
    """Read `raw` as a ProbeReport of this schema version; anything else is a ProbeFailure."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    if not text.strip():
        return _failure(source, ProbeFailureKind.BAD_PAYLOAD, "the answer was empty", text)
    try:
        value = json.loads(text)
    except ValueError as error:
        return _failure(
            source, ProbeFailureKind.BAD_PAYLOAD, f"the answer is not JSON ({error})", text
        )
    except RecursionError:  # hostile input: a file nested thousands of levels deep
        return _failure(
            source, ProbeFailureKind.BAD_PAYLOAD, "the answer is JSON nested too deep", text
        )
    value = _unwrap_console_paste(value)
    if not isinstance(value, dict) or "probe_version" not in value:
        return _failure(
            source,
            ProbeFailureKind.BAD_PAYLOAD,
            "the answer is not a vpcprobe probe report (no probe_version field)",
            text,
        )
    version = value.get("schema_version")
    if version != SCHEMA_VERSION:
        return _failure(
            source,
            ProbeFailureKind.SCHEMA_MISMATCH,
            f"the probe report has schema_version {version!r}; this vpcprobe reads "
            f"schema_version {SCHEMA_VERSION} (use the same vpcprobe version on both sides)",
            text,
        )
    try:
        report = ProbeReport.model_validate(value)
    except ValidationError as error:
        return _failure(
            source,
            ProbeFailureKind.BAD_PAYLOAD,
            f"the probe report is not valid: {describe(error)}",
            text,
        )
    if report.status in _NOT_OBSERVATIONS:
        error_code, lead = _NOT_OBSERVATIONS[report.status]
        reasons = "; ".join(e.message for e in report.errors[:3]) or "no reason given"
        return ProbeFailure(
            source=source,
            kind=ProbeFailureKind.OTHER,
            error_code=error_code,
            message=f"{lead}: {reasons}",
            payload_excerpt=excerpt(text),
        )
    return report
