"""SARIF 2.1.0 for code-scanning and CI systems: one result per problem, per function."""

from __future__ import annotations

import json
from typing import Any

from vpcprobe_collector.findings.model import Finding, FindingStatus, Severity
from vpcprobe_collector.report.subjects import Run, Subject

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/vpcprobe/vpcprobe"
# SARIF has three problem levels; GitHub code scanning reads `security-severity` (0-10).
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _rule(finding: Finding) -> dict[str, Any]:
    from vpcprobe_collector.rules.registry import rule_by_code

    rule = rule_by_code(finding.code)
    descriptor: dict[str, Any] = {
        "id": finding.code,
        "name": finding.name,
        "shortDescription": {"text": finding.title},
        "defaultConfiguration": {"level": LEVEL[rule.severity if rule else finding.severity]},
    }
    if rule is not None:
        descriptor["fullDescription"] = {"text": rule.summary}
        descriptor["help"] = {"text": f"{rule.why}\n\nHow to fix: {rule.how_to_fix}"}
        descriptor["properties"] = {"security-severity": SECURITY_SEVERITY[rule.severity]}
    if finding.doc_url:
        descriptor["helpUri"] = finding.doc_url
    return descriptor


def _locations(subject: Subject, finding: Finding) -> list[dict[str, Any]]:
    logical: list[dict[str, Any]] = [
        {
            "name": subject.name,
            "fullyQualifiedName": subject.arn or subject.name,
            "kind": "function",
        }
    ]
    logical += [
        {"name": str(r), "fullyQualifiedName": r.id, "kind": "resource"} for r in finding.resources
    ]
    return [{"logicalLocations": logical}]


def _result(subject: Subject, finding: Finding, rule_index: int) -> dict[str, Any]:
    text = finding.message
    if finding.remediation:
        text += " To fix: " + finding.remediation.text
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": LEVEL[finding.severity],
        "message": {"text": f"{subject.name}: {text}"},
        "locations": _locations(subject, finding),
        "partialFingerprints": {"vpcprobeFingerprint/v1": finding.fingerprint},
        "properties": {
            "function": subject.name,
            "arn": subject.arn,
            "region": subject.region,
            "account": subject.account,
            "vpc_id": subject.vpc_id,
            "severity": finding.severity.value,
            "status": finding.status.value,
            "target": finding.target,
            "subnet_id": finding.subnet_id,
            "commands": list(finding.remediation.commands) if finding.remediation else [],
        },
    }
    return result


def render_sarif(run: Run) -> str:
    """The run as a SARIF 2.1.0 log (one run, tool `vpcprobe`)."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for subject in run.subjects:
        for finding in subject.findings:
            if finding.status not in (FindingStatus.FAIL, FindingStatus.ERROR):
                continue
            if finding.code not in index:
                index[finding.code] = len(rules)
                rules.append(_rule(finding))
            results.append(_result(subject, finding, index[finding.code]))
        for item in subject.unjudged:
            notifications.append(
                {
                    "level": "warning",
                    "message": {
                        "text": f"{subject.name}: not judged: {item.subject}: {item.reason}"
                    },
                }
            )
    notifications += [
        {"level": "error", "message": {"text": f"not read: {where}"}} for where in run.unread
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vpcprobe",
                        "version": run.version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "commandLine": f"vpcprobe {run.command}",
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
                "properties": {"complete": not notifications},
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
