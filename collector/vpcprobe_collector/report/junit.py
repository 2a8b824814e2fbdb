"""JUnit XML for CI systems: a test suite per function, a test case per check."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from vpcprobe_collector.findings.model import FindingStatus
from vpcprobe_collector.report.subjects import Run

# XML 1.0 cannot carry most control characters; a hostile value must not break the file.
_XML_BAD = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _clean(text: str | None) -> str:
    return (text or "").translate(_XML_BAD)


def render_junit(run: Run) -> str:
    """<testsuites> with one <testsuite> per function: a failed check is a <failure>, a crashed
    one an <error>, one that could not read its input <skipped>; a region or account that could
    not be read is an <error> of its own suite."""
    root = ET.Element("testsuites", name=f"vpcprobe {run.command}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for subject in run.subjects:
        where = " ".join(p for p in (subject.account, subject.region, subject.vpc_id) if p)
        suite = ET.SubElement(
            root, "testsuite", name=_clean(f"{subject.name} ({where})" if where else subject.name)
        )
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for finding in subject.findings:
            label = f"{finding.code} {finding.name}"
            if finding.target:
                label += f" [{finding.target}]"
            if finding.subnet_id:
                label += f" [{finding.subnet_id}]"
            case = ET.SubElement(
                suite, "testcase", classname=_clean(subject.arn or subject.name), name=_clean(label)
            )
            counts["tests"] += 1
            body = finding.message
            if finding.remediation:
                body += "\nTo fix: " + finding.remediation.text
                body += "".join(f"\n  $ {c}" for c in finding.remediation.commands)
            if finding.status is FindingStatus.FAIL:
                counts["failures"] += 1
                failure = ET.SubElement(
                    case, "failure", message=_clean(finding.title), type=finding.severity.value
                )
                failure.text = _clean(body)
            elif finding.status is FindingStatus.ERROR:
                counts["errors"] += 1
                error = ET.SubElement(
                    case, "error", message=_clean(finding.message), type="crashed"
                )
                error.text = _clean(body)
            elif finding.status is FindingStatus.SKIPPED:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_clean(finding.message))
        for item in subject.unjudged:
            if any(
                item.subject.startswith(f.code)
                for f in subject.findings
                if f.status is FindingStatus.SKIPPED
            ):
                continue  # already a <skipped> check above
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_clean(subject.arn or subject.name),
                name=_clean(f"not judged: {item.subject}"),
            )
            counts["tests"] += 1
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=_clean(item.reason))
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    if run.unread:
        suite = ET.SubElement(root, "testsuite", name="scopes not read")
        for where in run.unread:
            case = ET.SubElement(
                suite, "testcase", classname="vpcprobe.scope", name=_clean(where.split(":", 1)[0])
            )
            error = ET.SubElement(case, "error", message=_clean(where), type="not-read")
            error.text = _clean(where)
        count = len(run.unread)
        suite.set("tests", str(count))
        suite.set("errors", str(count))
        suite.set("failures", "0")
        suite.set("skipped", "0")
        totals["tests"] += count
        totals["errors"] += count
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
