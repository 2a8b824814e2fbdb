"""The audit as terminal text or Markdown: a section per VPC, a line per function, then details."""

from __future__ import annotations

from collections.abc import Iterator

from vpcprobe_collector.fleet.model import AuditedFunction, AuditReport
from vpcprobe_collector.report.text import _finding_block


def _groups(report: AuditReport) -> Iterator[tuple[str, list[AuditedFunction]]]:
    groups: dict[tuple[str, str, str], list[AuditedFunction]] = {}
    for function in report.functions:
        key = (function.account or "", function.region, function.vpc_id or "")
        groups.setdefault(key, []).append(function)
    for (account, region, vpc_id), functions in groups.items():
        where = ", ".join(p for p in (f"account {account}" if account else "", region) if p)
        yield f"{vpc_id or 'VPC unknown'} ({where})", functions


def _line(function: AuditedFunction) -> str:
    worst = function.worst
    if worst is not None:
        more = len(function.problems) - 1
        extra = f" (+{more} more)" if more else ""
        severity = worst.severity.value.upper()
        return f"✗ {function.function}  {severity} {worst.code} {worst.name}{extra}"
    if function.unjudged:
        first = function.unjudged[0]
        return f"? {function.function}  incomplete: {first.subject}: {first.reason}"
    return f"✓ {function.function}"


def summary_line(report: AuditReport) -> str:
    """One line over the whole audit; "no problems found" only when it is complete."""
    summary = report.summary or report.summarise()
    scope = (
        f"{summary.functions} function(s) in {summary.vpcs} VPC(s) "
        f"({summary.accounts or 1} account(s), {summary.regions} region(s))"
    )
    worst = [f"{n} {s}" for s, n in summary.problems_by_severity.items() if n]
    parts = [scope]
    if summary.functions_with_problems:
        parts.append(f"{summary.functions_with_problems} with problems ({', '.join(worst)})")
    if summary.functions_incomplete:
        parts.append(f"{summary.functions_incomplete} not judged in full")
    if summary.scopes_unread:
        parts.append(f"{summary.scopes_unread} account/region scope(s) not read")
    parts.append(f"{summary.api_calls} AWS calls")
    if summary.functions_with_problems:
        return "✗ " + "; ".join(parts) + "."
    if not report.complete:
        return "? " + "; ".join(parts) + " — incomplete, so no verdict for what was not read."
    return "✓ " + "; ".join(parts) + ": no problems found."


def render_audit_text(report: AuditReport) -> str:
    """Plain text: VPC sections, the full findings below, what was not read, the summary."""
    out: list[str] = []
    for title, functions in _groups(report):
        bad = sum(1 for f in functions if f.problems)
        out.append(f"{title}: {len(functions)} function(s), {bad} with problems")
        out += [f"  {_line(f)}" for f in functions]
        out.append("")
    for function in report.functions:
        if not (function.problems or function.unjudged):
            continue
        out.append(f"── {function.function}  {function.arn}")
        for finding in function.problems:
            out += [_finding_block(finding).plain.rstrip("\n"), ""]
        out += [f"  Not judged: {item.subject}: {item.reason}" for item in function.unjudged]
        if function.unjudged:
            out.append("")
    if report.scopes_unread:
        out.append("Not read (no verdict for these):")
        out += [f"  - {u.where}: {u.reason}" for u in report.scopes_unread]
        out.append("")
    out.append(summary_line(report))
    out += [f"Note: {n}" for n in report.notes]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_audit_markdown(report: AuditReport) -> str:
    """Markdown: a table per VPC, then each function's problems."""
    out = ["# vpcprobe audit", "", _md(summary_line(report)), ""]
    for title, functions in _groups(report):
        out += [
            f"## {_md(title)}",
            "",
            "| function | worst problem | problems |",
            "| --- | --- | --- |",
        ]
        for function in functions:
            worst = function.worst
            text = (
                f"{worst.severity.value} {worst.code} {worst.name}"
                if worst
                else ("incomplete" if function.unjudged else "none")
            )
            out.append(f"| {_md(function.function)} | {_md(text)} | {len(function.problems)} |")
        out.append("")
    for function in report.functions:
        if not (function.problems or function.unjudged):
            continue
        out += [f"### {_md(function.function)}", "", f"`{function.arn}`", ""]
        for finding in function.problems:
            out.append(
                f"- **{finding.severity.value.upper()} {finding.code} {finding.name}**: "
                f"{_md(finding.message)}"
            )
            if finding.remediation:
                out.append(f"  - To fix: {_md(finding.remediation.text)}")
                out += [f"    - `{c}`" for c in finding.remediation.commands]
        out += [f"- Not judged: {_md(u.subject)}: {_md(u.reason)}" for u in function.unjudged]
        out.append("")
    if report.scopes_unread:
        out += ["## Not read", ""]
        out += [f"- {_md(u.where)}: {_md(u.reason)}" for u in report.scopes_unread]
        out.append("")
    out += [f"> {_md(n)}" for n in report.notes]
    return "\n".join(out) + "\n"
