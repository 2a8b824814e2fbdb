"""SARIF (schema-validated), JUnit (read back by junitparser) and the HTML page, for audit and
diagnose alike."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import junitparser

from tests.fleet.conftest import Stand
from tests.report.samples import diagnosis
from vpcprobe_collector.cli import main
from vpcprobe_collector.report import render

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)


def validate_sarif(text: str) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def test_audit_sarif_is_valid_and_has_one_result_per_problem(
    through_proxy: Stand, tmp_path: Path
) -> None:
    out = tmp_path / "audit.sarif"
    assert main(["audit", "--format", "sarif", "-o", str(out), "--quiet"]) == 1
    log = validate_sarif(out.read_text())
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["tool"]["driver"]["name"] == "vpcprobe"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {"DNS001", "DNS003", "IAM001", "RTE001", "SUB001", "SUB003"} <= set(rule_ids)
    iam = [r for r in run["results"] if r["ruleId"] == "IAM001"]
    assert sorted(r["properties"]["function"] for r in iam) == [
        f"role-no-eni-{i:02d}" for i in range(4)
    ]
    assert all(r["level"] == "error" for r in iam)
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    names = {r["properties"]["function"] for r in run["results"]}
    assert not any(n.startswith("healthy-") for n in names)


def test_diagnose_sarif_and_junit_formats() -> None:
    report = diagnosis()
    log = validate_sarif(render(report, "sarif"))
    codes = [r["ruleId"] for r in log["runs"][0]["results"]]
    assert codes == [f.code for f in report.findings if f.status.value in ("fail", "error")]
    xml = junitparser.JUnitXml.fromstring(render(report, "junit"))
    suites = list(xml)
    assert len(suites) == 1
    cases = list(suites[0])
    assert len(cases) == len(report.findings)
    failed = [c.name for c in cases if any(isinstance(r, junitparser.Failure) for r in c.result)]
    assert failed == [
        f"{f.code} {f.name}"
        + (f" [{f.target}]" if f.target else "")
        + (f" [{f.subnet_id}]" if f.subnet_id else "")
        for f in report.findings
        if f.status.value == "fail"
    ]


def test_diagnose_accepts_the_ci_formats() -> None:
    from vpcprobe_collector.cli import build_parser

    for fmt in ("sarif", "junit"):
        args = build_parser().parse_args(["diagnose", "fn", "--format", fmt])
        assert args.format == fmt


def test_audit_junit_reads_back_with_a_suite_per_function(
    through_proxy: Stand, tmp_path: Path
) -> None:
    out = tmp_path / "audit.xml"
    assert main(["audit", "--format", "junit", "-o", str(out), "--quiet"]) == 1
    xml = junitparser.JUnitXml.fromfile(str(out))
    suites = {s.name.split(" ")[0]: s for s in xml}
    assert len(suites) == 40
    assert suites["healthy-00"].failures == 0
    assert suites["healthy-00"].tests > 10
    full = suites["subnet-full-00"]
    failures = [
        (c.name, r.type) for c in full for r in c.result if isinstance(r, junitparser.Failure)
    ]
    subnet = through_proxy.fleet.subnets["b4"]
    assert (f"SUB001 subnet-out-of-ips [{subnet}]", "high") in failures


def test_audit_junit_reports_an_unread_region_as_an_error(
    through_proxy: Stand, tmp_path: Path
) -> None:
    through_proxy.proxy.refuse = lambda seen: (
        (403, "AccessDeniedException", "denied") if seen.region == "ap-south-2" else None
    )
    out = tmp_path / "audit.xml"
    args = ["--region", "ap-south-2", "--region", "us-east-1", "--function", "healthy-01"]
    assert main(["audit", "--format", "junit", "-o", str(out), "--quiet", *args]) == 4
    xml = junitparser.JUnitXml.fromfile(str(out))
    unread = next(s for s in xml if s.name == "scopes not read")
    assert unread.errors == 1
    sarif = tmp_path / "audit.sarif"
    assert main(["audit", "--format", "sarif", "-o", str(sarif), "--quiet", *args]) == 4
    log = validate_sarif(sarif.read_text())
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error"]
    assert "ap-south-2: AccessDeniedException" in notes[0]["message"]["text"]


def test_audit_html_is_one_self_contained_page(through_proxy: Stand, tmp_path: Path) -> None:
    out = tmp_path / "audit.html"
    assert main(["audit", "--format", "html", "-o", str(out), "--quiet"]) == 1
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    # no CDN, no external script, style, image or font
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script>" in page and "addEventListener('click'" in page
    assert page.count('<tr data-severity="') == 40
    assert page.count('data-state="ok"') == 14
    assert "critical: 18" in page
    assert "<details><summary>1 problem(s)</summary>" in page
    assert 'id="filter"' in page and 'id="severity"' in page


def test_html_escapes_hostile_names(through_proxy: Stand) -> None:
    from datetime import UTC, datetime

    from vpcprobe_collector.fleet.model import AuditedFunction, AuditReport
    from vpcprobe_collector.report.audit_html import render_audit_html

    report = AuditReport(
        vpcprobe_version="0",
        generated_at=datetime.now(UTC),
        functions=[
            AuditedFunction(function="<script>alert(1)</script>", arn="x", region="us-east-1")
        ],
    )
    page = render_audit_html(report)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
