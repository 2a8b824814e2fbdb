"""The HTML report: one self-contained file (inline CSS, no scripts or URLs), values escaped."""

from __future__ import annotations

import jinja2

from vpcprobe_collector.findings.model import DiagnosisReport, FindingStatus
from vpcprobe_collector.report.evidence import (
    AWS_HEADER,
    DNS_HEADER,
    TCP_HEADER,
    environment_rows,
    excerpts,
    grouped_failures,
)
from vpcprobe_collector.report.summary import Counts, observed_phrase, skip_reason, summary_line

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("vpcprobe_collector.report", "templates"),
    autoescape=True,  # every value is data: a "<script>" in a name stays text
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(diagnosis: DiagnosisReport) -> str:
    """The whole report as one HTML document."""
    template = _ENV.get_template("report.html.j2")
    return template.render(
        d=diagnosis,
        counts=Counts.of(diagnosis),
        summary=summary_line(diagnosis),
        problems=diagnosis.problems,
        skipped=[f for f in diagnosis.findings if f.status == FindingStatus.SKIPPED],
        environment=environment_rows(diagnosis),
        excerpts=excerpts(diagnosis),
        failures=grouped_failures(diagnosis),
        observed_phrase=observed_phrase,
        skip_reason=skip_reason,
        dns_header=DNS_HEADER,
        tcp_header=TCP_HEADER,
        aws_header=AWS_HEADER,
    )
