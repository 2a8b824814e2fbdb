"""The audit page in headless Chromium: its inlined script sorts and filters the table."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.report.samples import dns_finding, passed
from tests.report.test_html_browser import CHROMIUM, chromium
from vpcprobe_collector.findings.model import Severity, Unjudged
from vpcprobe_collector.fleet.model import AuditedFunction, AuditReport
from vpcprobe_collector.report.audit_html import render_audit_html

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

# Runs after the page's own script: sort by "Worst problem" twice (descending), then filter.
DRIVER = """<script>
var th = document.querySelectorAll('#functions thead th')[4];
th.click(); th.click();
var order = Array.prototype.map.call(document.querySelectorAll('#functions tbody tr'),
  function (r) { return r.cells[0].firstChild.textContent; }).join(',');
document.body.setAttribute('data-order', order);
var f = document.getElementById('filter'); f.value = 'beta';
f.dispatchEvent(new Event('input'));
</script></body>"""


def report() -> AuditReport:
    low = dns_finding().model_copy(update={"severity": Severity.LOW, "code": "SUB003"})
    critical = dns_finding().model_copy(update={"severity": Severity.CRITICAL})
    functions = [
        AuditedFunction(function="alpha-ok", arn="arn:a", region="us-east-1", findings=[passed()]),
        AuditedFunction(function="beta-low", arn="arn:b", region="us-east-1", findings=[low]),
        AuditedFunction(
            function="gamma-critical", arn="arn:c", region="us-east-1", findings=[critical]
        ),
        AuditedFunction(
            function="beta-incomplete",
            arn="arn:d",
            region="us-east-1",
            unjudged=[Unjudged(subject="IAM001", reason="AccessDenied")],
        ),
    ]
    audit = AuditReport(vpcprobe_version="0", generated_at=datetime.now(UTC), functions=functions)
    audit.summarise()
    return audit


def test_the_table_sorts_by_severity_and_filters_by_text(tmp_path: Path) -> None:
    page = tmp_path / "audit.html"
    page.write_text(render_audit_html(report()).replace("</body>", DRIVER), encoding="utf-8")

    result = chromium(tmp_path, "--dump-dom", page.as_uri())

    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    order = re.search(r'data-order="([^"]*)"', dom)
    assert order is not None, dom[:2000]
    assert order.group(1) == "gamma-critical,beta-low,beta-incomplete,alpha-ok"
    assert 'aria-sort="descending"' in dom
    hidden = re.findall(
        r'<tr data-severity="[^"]+" data-state="\w+" style="display: none;">'
        r"<td>([\w-]+)",
        dom,
    )
    assert sorted(hidden) == ["alpha-ok", "gamma-critical"]
    assert '<span id="shown">2</span>' in dom
    for complaint in ("Uncaught", "Content Security Policy", "Failed to load resource"):
        assert complaint not in result.stderr, result.stderr[-2000:]
