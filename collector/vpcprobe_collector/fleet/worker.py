"""The scheduled organisation-wide audit: Lambda handlers a Step Functions Distributed Map runs.

`plan` lists (account, region) items; `handler` audits one item with the same code as
`vpcprobe audit` and writes JSON Lines to S3, partitioned for Athena:

    s3://BUCKET/vpcprobe-audit/dt=YYYY-MM-DD/account=ACCOUNT/region=REGION/part.jsonl

and adds its counts to a few dimension-light CloudWatch metrics (namespace vpcprobe/audit).
Configuration comes from the environment the SAM template sets: RESULTS_BUCKET, ROLE_NAME,
EXTERNAL_ID (optional), REGIONS (comma-separated, for `plan`), MAX_CONCURRENCY.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from typing import Any

import boto3

from vpcprobe_collector.aws import CLIENT_CONFIG
from vpcprobe_collector.findings.model import Severity
from vpcprobe_collector.fleet.accounts import assume, organization_accounts, partition_of
from vpcprobe_collector.fleet.model import AuditedFunction, ScopeUnread
from vpcprobe_collector.fleet.region import DEFAULT_CONCURRENCY, RegionResult, audit_region
from vpcprobe_collector.fleet.scope import Scope

PREFIX = "vpcprobe-audit"
NAMESPACE = "vpcprobe/audit"
_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def object_key(date: str, account: str, region: str) -> str:
    """Where one (account, region) result goes (Hive-style partitions Athena can project)."""
    return f"{PREFIX}/dt={date}/account={account}/region={region}/part.jsonl"


def plan(event: dict[str, Any], _context: Any = None) -> dict[str, Any]:
    """The Map's items: every active organisation account times every region in REGIONS (or the
    event's `accounts` / `regions` lists), and the run's date."""
    regions = event.get("regions") or [
        r.strip() for r in os.environ.get("REGIONS", "").split(",") if r.strip()
    ]
    accounts = event.get("accounts") or organization_accounts(boto3.Session())
    bad = [a for a in accounts if not isinstance(a, str) or not _ACCOUNT.fullmatch(a)]
    bad += [r for r in regions if not isinstance(r, str) or not _REGION.fullmatch(r)]
    if bad or not regions:
        return {"status": "invalid_request", "error": f"bad accounts or regions: {bad[:5]}"}
    date = _run_date(event)
    return {
        "status": "ok",
        "date": date,
        "max_concurrency": int(os.environ.get("MAP_CONCURRENCY") or 40),
        "items": [{"account": a, "region": r, "date": date} for a in accounts for r in regions],
    }


def handler(event: dict[str, Any], _context: Any = None) -> dict[str, Any]:
    """Audit one {account, region} item; write its JSON Lines and metrics; return the counts.

    An account or region that cannot be read is a result (a `scope_unread` line), not a
    failure; only a bad item or a failed S3 write makes the item fail (so the Map retries)."""
    account, region = event.get("account"), event.get("region")
    if not (isinstance(account, str) and _ACCOUNT.fullmatch(account)) or not (
        isinstance(region, str) and _REGION.fullmatch(region)
    ):
        return {"status": "invalid_request", "error": "item needs account (12 digits) and region"}
    bucket = os.environ["RESULTS_BUCKET"]
    role_name = os.environ["ROLE_NAME"]
    date = _run_date(event)
    concurrency = int(os.environ.get("MAX_CONCURRENCY") or DEFAULT_CONCURRENCY)
    base = boto3.Session(region_name=region)
    role_arn = f"arn:{partition_of(region)}:iam::{account}:role/{role_name}"
    entry = assume(base, role_arn, external_id=os.environ.get("EXTERNAL_ID") or None, region=region)
    if entry.session is None:
        result = RegionResult(unread=entry.failure)
    else:
        result = audit_region(
            entry.session, region, account=account, scope=Scope(), max_concurrency=concurrency
        )
    lines = [_function_line(f, date) for f in result.functions]
    if result.unread:
        lines.append(_unread_line(result.unread, account, region, date))
    key = object_key(date, account, region)
    body = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)
    # Results and metrics live in the worker's own region (the stack's), not the audited one.
    home = boto3.Session()
    home.client("s3", config=CLIENT_CONFIG).put_object(
        Bucket=bucket, Key=key, Body=body.encode(), ContentType="application/x-ndjson"
    )
    counts = _counts(result)
    _put_metrics(home.client("cloudwatch", config=CLIENT_CONFIG), counts)
    return {"status": "ok", "account": account, "region": region, "key": key, **counts}


def _run_date(event: dict[str, Any]) -> str:
    date = event.get("date")
    if isinstance(date, str) and _DATE.fullmatch(date):
        return date
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _function_line(function: AuditedFunction, date: str) -> dict[str, Any]:
    problems = function.problems
    worst = problems[0] if problems else None
    return {
        "record": "function",
        "dt": date,
        "account": function.account,
        "region": function.region,
        "function": function.function,
        "arn": function.arn,
        "vpc_id": function.vpc_id,
        "worst_severity": worst.severity.value if worst else None,
        "worst_code": worst.code if worst else None,
        "problem_codes": sorted({f.code for f in problems}),
        "complete": not function.unjudged,
        "findings": [f.model_dump(mode="json") for f in function.findings if f.status != "pass"],
        "checks_passed": function.passed,
        "unjudged": [u.model_dump(mode="json") for u in function.unjudged],
    }


def _unread_line(unread: ScopeUnread, account: str, region: str, date: str) -> dict[str, Any]:
    return {
        "record": "scope_unread",
        "dt": date,
        "account": account,
        "region": region,
        "api": unread.api,
        "error_code": unread.error_code,
        "message": unread.message,
        "complete": False,
    }


def _counts(result: RegionResult) -> dict[str, Any]:
    by_severity = {s.value: 0 for s in Severity}
    for function in result.functions:
        for finding in function.problems:
            by_severity[finding.severity.value] += 1
    return {
        "functions": len(result.functions),
        "functions_with_problems": sum(1 for f in result.functions if f.problems),
        "functions_incomplete": sum(1 for f in result.functions if f.unjudged),
        "scopes_unread": 1 if result.unread else 0,
        "problems_by_severity": by_severity,
    }


def _put_metrics(cloudwatch: Any, counts: dict[str, Any]) -> None:
    """Few series on purpose (custom metrics are billed per series): no account or region
    dimension; CloudWatch sums the workers' values."""
    data: list[dict[str, Any]] = [
        {"MetricName": "FunctionsAudited", "Value": counts["functions"], "Unit": "Count"},
        {
            "MetricName": "FunctionsWithProblems",
            "Value": counts["functions_with_problems"],
            "Unit": "Count",
        },
        {
            "MetricName": "FunctionsIncomplete",
            "Value": counts["functions_incomplete"],
            "Unit": "Count",
        },
        {"MetricName": "ScopesUnread", "Value": counts["scopes_unread"], "Unit": "Count"},
    ]
    data += [
        {
            "MetricName": "Problems",
            "Dimensions": [{"Name": "Severity", "Value": severity}],
            "Value": count,
            "Unit": "Count",
        }
        for severity, count in counts["problems_by_severity"].items()
    ]
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
