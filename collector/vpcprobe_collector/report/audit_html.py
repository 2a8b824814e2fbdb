"""The audit as one self-contained HTML page: a sortable, filterable table of functions."""

from __future__ import annotations

from html import escape

from vpcprobe_collector.findings.model import Severity
from vpcprobe_collector.fleet.model import AuditedFunction, AuditReport
from vpcprobe_collector.report.audit_text import summary_line

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.35em .5em;
text-align:left;vertical-align:top}th{cursor:pointer;background:#f4f4f4;user-select:none}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
.sev-critical{color:#fff;background:#b00020;padding:0 .3em}.sev-high{color:#b00020;font-weight:bold}
.sev-medium{color:#a15c00}.sev-low{color:#006a80}.ok{color:#17723a}.incomplete{color:#a15c00}
.counts span{margin-right:1.2em}details{margin:.2em 0}code{font-size:12px}pre{white-space:pre-wrap}
"""

# Plain JavaScript, inlined: sort by a column (numbers as numbers), filter by text and severity.
_JS = """
(function(){
var table=document.getElementById('functions'),body=table.tBodies[0];
var rows=Array.prototype.slice.call(body.rows);
function key(row,i){var c=row.cells[i];var v=c.getAttribute('data-sort');
 return v===null?c.textContent.trim().toLowerCase():v;}
Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
 th.addEventListener('click',function(){
  var asc=th.getAttribute('aria-sort')!=='ascending';
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(o){o.removeAttribute('aria-sort');});
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  rows.sort(function(a,b){var x=key(a,i),y=key(b,i);var nx=parseFloat(x),ny=parseFloat(y);
   var r=(!isNaN(nx)&&!isNaN(ny))?nx-ny:(x<y?-1:x>y?1:0);return asc?r:-r;});
  rows.forEach(function(r){body.appendChild(r);});
 });
});
var text=document.getElementById('filter'),sev=document.getElementById('severity');
function apply(){var q=text.value.toLowerCase(),s=sev.value;var shown=0;
 rows.forEach(function(r){var ok=(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&
  (!s||r.getAttribute('data-severity')===s);
  r.style.display=ok?'':'none';if(ok)shown++;});
 document.getElementById('shown').textContent=shown;}
text.addEventListener('input',apply);sev.addEventListener('change',apply);apply();
})();
"""


def _row(function: AuditedFunction) -> str:
    worst = function.worst
    if worst is not None:
        state = "problems"
        severity = worst.severity.value
        cell = (
            f'<span class="sev-{severity}">{escape(severity.upper())}</span> '
            f"{escape(worst.code)} {escape(worst.name)}"
        )
        rank = worst.severity.rank + 1
    elif function.unjudged:
        state, severity, rank = "incomplete", "incomplete", 0
        cell = '<span class="incomplete">incomplete</span>'
    else:
        state, severity, rank = "ok", "none", -1
        cell = '<span class="ok">✓ none</span>'
    details = ""
    if function.problems or function.unjudged:
        items = []
        for finding in function.problems:
            fix = ""
            if finding.remediation:
                commands = "".join(
                    f"<pre><code>$ {escape(c)}</code></pre>" for c in finding.remediation.commands
                )
                fix = f"<p>To fix: {escape(finding.remediation.text)}</p>{commands}"
            resources = ", ".join(escape(str(r)) for r in finding.resources)
            items.append(
                f'<li><b class="sev-{finding.severity.value}">'
                f"{escape(finding.severity.value.upper())}</b> <b>{escape(finding.code)} "
                f"{escape(finding.name)}</b>: {escape(finding.message)}"
                f"{f'<br>Resources: {resources}' if resources else ''}{fix}</li>"
            )
        items += [
            f"<li>Not judged: {escape(u.subject)}: {escape(u.reason)}</li>"
            for u in function.unjudged
        ]
        details = (
            f"<details><summary>{len(function.problems)} problem(s)</summary>"
            f"<ul>{''.join(items)}</ul></details>"
        )
    return (
        f'<tr data-severity="{escape(severity)}" data-state="{state}">'
        f"<td>{escape(function.function)}<br><code>{escape(function.arn)}</code></td>"
        f"<td>{escape(function.account or '')}</td><td>{escape(function.region)}</td>"
        f"<td>{escape(function.vpc_id or '')}</td>"
        f'<td data-sort="{rank}">{cell}</td>'
        f'<td data-sort="{len(function.problems)}">{len(function.problems)}{details}</td></tr>'
    )


def render_audit_html(report: AuditReport) -> str:
    """One page, no external resources: counts per severity, the table, what was not read."""
    summary = report.summary or report.summarise()
    counts = "".join(
        f'<span class="sev-{s.value}">{escape(s.value)}: '
        f"{summary.problems_by_severity[s.value]}</span>"
        for s in Severity
    )
    options = "".join(
        f'<option value="{v}">{escape(t)}</option>'
        for v, t in [
            ("", "all"),
            *[(s.value, s.value) for s in Severity],
            ("incomplete", "incomplete"),
            ("none", "no problems"),
        ]
    )
    unread = ""
    if report.scopes_unread:
        unread = (
            "<h2>Not read (no verdict for these)</h2><ul>"
            + "".join(
                f"<li>{escape(u.where)}: {escape(u.reason)}</li>" for u in report.scopes_unread
            )
            + "</ul>"
        )
    notes = "".join(f"<p><i>{escape(n)}</i></p>" for n in report.notes)
    rows = "".join(_row(f) for f in report.functions)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>vpcprobe audit</title><style>{_CSS}</style></head><body>
<h1>vpcprobe audit</h1>
<p>{escape(summary_line(report))}</p>
<p class="counts">Problems by severity: {counts}</p>
<p><label>Filter <input id="filter" type="search" placeholder="function, VPC, code…"></label>
<label>Severity <select id="severity">{options}</select></label>
<span id="shown">{len(report.functions)}</span> of {len(report.functions)} shown</p>
<table id="functions"><thead><tr><th>Function</th><th>Account</th><th>Region</th><th>VPC</th>
<th>Worst problem</th><th>Problems</th></tr></thead><tbody>{rows}</tbody></table>
{unread}{notes}
<p><small>vpcprobe {escape(report.vpcprobe_version)},
 {escape(report.generated_at.isoformat())}</small></p>
<script>{_JS}</script></body></html>
"""
