"""Reports: one DiagnosisReport rendered as terminal text, JSON, Markdown, HTML, SARIF or JUnit."""

from __future__ import annotations

from typing import Literal

from vpcprobe_collector.findings.model import DiagnosisReport
from vpcprobe_collector.report.redact import Pseudonyms
from vpcprobe_collector.report.redact import redact as redact_model
from vpcprobe_collector.report.safe_text import json_safe, made_safe

Format = Literal["text", "json", "markdown", "html", "sarif", "junit"]
FORMATS: tuple[Format, ...] = ("text", "json", "markdown", "html", "sarif", "junit")


def render(
    diagnosis: DiagnosisReport,
    fmt: Format,
    *,
    redact: bool = False,
    redact_addresses: bool = False,
    color: bool = False,
    pseudonyms: Pseudonyms | None = None,
) -> str:
    """`diagnosis` in format `fmt`; masked first (on the model) so every format is covered.

    Data comes from networks and people the user does not control: for the formats a person
    reads, every string is made safe here, once (control and bidi characters escaped, no
    newline inside a value); JSON keeps every value and escapes those characters as JSON does.
    An output holding several reports passes one `pseudonyms` to every render of it.
    """
    if redact or redact_addresses:
        diagnosis = redact_model(diagnosis, addresses=redact_addresses, pseudonyms=pseudonyms)
    if fmt == "json":
        from vpcprobe_collector.report.json_report import render_json

        return json_safe(render_json(diagnosis))
    diagnosis = made_safe(diagnosis)
    if fmt == "text":
        from vpcprobe_collector.report.text import render_text

        return render_text(diagnosis, color=color)
    if fmt == "markdown":
        from vpcprobe_collector.report.markdown import render_markdown

        return render_markdown(diagnosis)
    if fmt in ("sarif", "junit"):
        from vpcprobe_collector.report.subjects import from_diagnosis

        if fmt == "sarif":
            from vpcprobe_collector.report.sarif import render_sarif

            return render_sarif(from_diagnosis(diagnosis))
        from vpcprobe_collector.report.junit import render_junit

        return render_junit(from_diagnosis(diagnosis))
    if fmt == "html":
        from vpcprobe_collector.report.html import render_html

        return render_html(diagnosis)
    raise ValueError(f"unknown report format {fmt!r}")
