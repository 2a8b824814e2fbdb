"""The Markdown report: a support-ticket body with environment, findings and probe evidence."""

from __future__ import annotations

import re
from collections.abc import Sequence

from vpcprobe_collector.findings.model import DiagnosisReport, Finding, FindingStatus
from vpcprobe_collector.report.evidence import (
    AWS_HEADER,
    DNS_HEADER,
    TCP_HEADER,
    environment_rows,
    excerpts,
    grouped_failures,
)
from vpcprobe_collector.report.summary import observed_phrase, skip_reason, summary_line

# What GitHub Markdown would act on inside a line; "(", "#", "+" matter only after "]" or at
# a line start, which values never reach (they follow a label or sit in a table cell).
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def escape(text: str) -> str:
    """Inline Markdown: HTML characters as entities, Markdown punctuation backslash-escaped."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def cell(text: str) -> str:
    """A table cell: escaped, newlines as <br> so the row stays one line."""
    return escape(text).replace("\r", "").replace("\n", "<br>")


def code_block(text: str, language: str = "") -> str:
    """A fenced block whose fence is longer than any backtick run inside `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table with every cell escaped."""
    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "|".join(" --- " for _ in header) + "|")
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


def _finding(finding: Finding) -> list[str]:
    mark = "Error in rule" if finding.status == FindingStatus.ERROR else "Problem"
    out = [
        f"### {escape(finding.code)} {escape(finding.name)}: {escape(finding.title)}",
        "",
        f"**{mark}, severity {finding.severity.value}.** {escape(finding.message)}",
        "",
    ]
    facts: list[tuple[str, str]] = []
    if finding.resources:
        facts.append(("Resources", ", ".join(str(r) for r in finding.resources)))
    if finding.target:
        facts.append(("Target", finding.target))
    if finding.subnet_id:
        facts.append(("Subnet", finding.subnet_id))
    if finding.causes:
        facts.append(("Causes", ", ".join(finding.causes)))
    facts.append(("Fingerprint", finding.fingerprint))
    out += [f"- {name}: {escape(value)}" for name, value in facts]
    out.append("")
    if finding.evidence:
        rows = [
            [e.source, e.resource or "", e.observed, e.expected or ""] for e in finding.evidence
        ]
        out += [table(["source", "resource", "observed", "expected"], rows), ""]
    if finding.remediation:
        out += [f"**To fix:** {escape(finding.remediation.text)}", ""]
        if finding.remediation.commands:
            out += [code_block("\n".join(finding.remediation.commands), "sh"), ""]
    if finding.doc_url:
        out += [f"Documentation: {escape(finding.doc_url)}", ""]
    return out


def render_markdown(diagnosis: DiagnosisReport) -> str:
    """The whole report as Markdown (GitHub flavour), every value escaped."""
    out = [
        f"# vpcprobe diagnosis: {escape(diagnosis.function_name)}",
        "",
        f"**Summary:** {escape(summary_line(diagnosis))}",
        "",
        "## Environment",
        "",
        table(["", ""], environment_rows(diagnosis)),
        "",
    ]
    problems = diagnosis.problems
    out += ["## Findings", ""]
    if not problems and diagnosis.complete:
        out += ["No problems found.", ""]
    elif not problems:
        out += ["No problem found in what could be judged; the run is incomplete (below).", ""]
    for finding in problems:
        out += _finding(finding)
    if diagnosis.unjudged:
        out += [
            "## Not judged",
            "",
            "What could not be read or decided is not reported as fine:",
            "",
        ]
        rows = [[u.subject, u.reason, u.api or ""] for u in diagnosis.unjudged]
        out += [table(["what", "why", "read"], rows), ""]
    skipped = [f for f in diagnosis.findings if f.status == FindingStatus.SKIPPED]
    if skipped and not diagnosis.unjudged:
        out += ["## Not checked", "", "What could not be read is not reported as fine:", ""]
        rows = [[f.code, f.name, skip_reason(f)] for f in skipped]
        out += [table(["code", "check", "reason"], rows), ""]
    if diagnosis.joins:
        out += ["## Targets", ""]
        rows = [
            [
                j.label,
                ", ".join(j.addresses),
                observed_phrase(j),
                j.expect or "",
                j.conclusion,
            ]
            for j in diagnosis.joins
        ]
        out += [table(["target", "addresses", "observed", "expect", "conclusion"], rows), ""]
    if diagnosis.probe_failures:
        out += ["## Probe invocations that gave no report", ""]
        rows = [
            [f.source, str(n), f.kind.value, f.error_code or "", f.message, f.payload_excerpt or ""]
            for f, n in grouped_failures(diagnosis)
        ]
        out += [table(["source", "times", "kind", "error", "message", "payload"], rows), ""]
    parts = excerpts(diagnosis)
    if parts:
        out += ["## Probe evidence", ""]
    for part in parts:
        out += [f"### {escape(part.label)}", ""]
        if not (part.dns_rows or part.tcp_rows or part.aws_rows):
            out += ["Every DNS lookup, TCP connect and AWS call succeeded.", ""]
        if part.dns_rows:
            out += ["Failing DNS lookups:", "", table(DNS_HEADER, part.dns_rows), ""]
        if part.tcp_rows:
            out += ["Failing TCP connects:", "", table(TCP_HEADER, part.tcp_rows), ""]
        if part.aws_rows:
            out += ["AWS API calls that did not reach the service:", ""]
            out += [table(AWS_HEADER, part.aws_rows), ""]
        if part.resolv_conf is not None:
            path = part.report.resolv_conf.path if part.report.resolv_conf else "resolv.conf"
            out += [f"{escape(path)} as the probe read it:", "", code_block(part.resolv_conf), ""]
    if diagnosis.notes:
        out += ["## Notes", ""]
        out += [f"- {escape(n)}" for n in diagnosis.notes]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
