"""The terminal report: one line when healthy, otherwise one block per problem with the fix."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from vpcprobe_collector.findings.model import (
    DiagnosisReport,
    Finding,
    FindingStatus,
    Severity,
)
from vpcprobe_collector.report.summary import (
    Counts,
    healthy_line,
    incomplete_line,
    problems_line,
    skip_reason,
)

MAX_EVIDENCE = 6
SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _finding_block(finding: Finding) -> Text:
    out = Text()
    mark = "!" if finding.status == FindingStatus.ERROR else "✗"
    out.append(f"{mark} ", style="bold red")
    out.append(f"{finding.severity.value.upper()}", style=SEVERITY_STYLE[finding.severity])
    out.append("  ")
    out.append(f"{finding.code} {finding.name}", style="bold")
    out.append("\n")
    out.append(f"  {finding.title}\n", style="bold")
    out.append(f"  {finding.message}\n")
    if finding.resources:
        out.append("  Resources: ", style="dim")
        out.append(", ".join(str(r) for r in finding.resources) + "\n")
    if finding.target:
        out.append("  Target: ", style="dim")
        out.append(finding.target + "\n")
    if finding.subnet_id:
        out.append("  Subnet: ", style="dim")
        out.append(finding.subnet_id + "\n")
    if finding.evidence:
        out.append("  Observed:\n", style="dim")
        for evidence in finding.evidence[:MAX_EVIDENCE]:
            line = f"    {evidence.source}"
            if evidence.resource:
                line += f" {evidence.resource}"
            line += f": {evidence.observed}"
            if evidence.expected:
                line += f" (expected: {evidence.expected})"
            out.append(line + "\n")
        more = len(finding.evidence) - MAX_EVIDENCE
        if more > 0:
            out.append(f"    … {more} more (see --format json or markdown)\n", style="dim")
    if finding.remediation:
        out.append("  To fix: ", style="bold green")
        out.append(finding.remediation.text + "\n")
        for command in finding.remediation.commands:
            out.append("    $ ", style="dim")
            out.append(command + "\n", style="green")
    if finding.doc_url:
        out.append("  More: ", style="dim")
        out.append(finding.doc_url + "\n")
    return out


def _unjudged_lines(diagnosis: DiagnosisReport) -> Text:
    """What could not be judged, and why: the reason the run is incomplete."""
    out = Text()
    if diagnosis.unjudged:
        out.append(
            "Not judged (could not be read or decided; nothing here is fine):\n", style="yellow"
        )
        for entry in diagnosis.unjudged:
            out.append(f"  - {entry.subject}: {entry.reason}\n")
    return out


def _skipped_lines(diagnosis: DiagnosisReport) -> Text:
    out = Text()
    if diagnosis.unjudged:
        return _unjudged_lines(diagnosis)
    skipped = [f for f in diagnosis.findings if f.status == FindingStatus.SKIPPED]
    if skipped:
        out.append("Not checked (could not read what the check needs):\n", style="yellow")
        for finding in sorted(skipped, key=lambda f: (f.code, f.message)):
            out.append(f"  - {finding.code} {finding.name}: {skip_reason(finding)}\n")
    return out


def build(diagnosis: DiagnosisReport) -> Text:
    """The whole report as rich Text (styles are dropped when rendered without colour)."""
    counts = Counts.of(diagnosis)
    out = Text()
    if not counts.problems and not diagnosis.complete:
        out.append_text(_unjudged_lines(diagnosis))
        out.append("! ", style="bold yellow")
        out.append(incomplete_line(diagnosis, counts) + "\n", style="bold")
    elif not counts.problems:
        out.append("✓ ", style="bold green")
        out.append(healthy_line(diagnosis, counts) + "\n")
        out.append_text(_skipped_lines(diagnosis))
    else:
        for finding in diagnosis.problems:
            out.append_text(_finding_block(finding))
            out.append("\n")
        out.append_text(_skipped_lines(diagnosis))
        out.append("✗ ", style="bold red")
        out.append(problems_line(diagnosis, counts) + "\n", style="bold")
    for note in diagnosis.notes:
        out.append("Note: ", style="dim")
        out.append(note + "\n")
    return out


def render_text(diagnosis: DiagnosisReport, *, color: bool = False) -> str:
    """Plain text, or text with ANSI colours when `color` (a terminal that wants them)."""
    text = build(diagnosis)
    if not color:
        return text.plain
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=True, color_system="standard", soft_wrap=True, width=200
    )
    console.print(text, end="")
    return buffer.getvalue()
