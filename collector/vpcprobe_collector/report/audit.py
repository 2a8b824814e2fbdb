"""Render an AuditReport in any audit format."""

from __future__ import annotations

from vpcprobe_collector.fleet.model import AuditReport


def render_audit(report: AuditReport, fmt: str) -> str:
    """`report` as text, json, markdown, html, sarif or junit."""
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "markdown":
        from vpcprobe_collector.report.audit_text import render_audit_markdown

        return render_audit_markdown(report)
    if fmt == "html":
        from vpcprobe_collector.report.audit_html import render_audit_html

        return render_audit_html(report)
    if fmt in ("sarif", "junit"):
        from vpcprobe_collector.report.subjects import from_audit

        if fmt == "sarif":
            from vpcprobe_collector.report.sarif import render_sarif

            return render_sarif(from_audit(report))
        from vpcprobe_collector.report.junit import render_junit

        return render_junit(from_audit(report))
    from vpcprobe_collector.report.audit_text import render_audit_text

    return render_audit_text(report)
