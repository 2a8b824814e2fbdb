"""Schedule an audit over accounts and regions, bounded, and gather one AuditReport."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from vpcprobe import __version__
from vpcprobe_collector.findings.model import Severity
from vpcprobe_collector.fleet.accounts import AccountSession
from vpcprobe_collector.fleet.model import AuditReport, ScopeUnread
from vpcprobe_collector.fleet.region import (
    DEFAULT_CONCURRENCY,
    Progress,
    RegionResult,
    audit_config,
    audit_region,
)
from vpcprobe_collector.fleet.scope import Scope
from vpcprobe_collector.snapshot.readers.calls import CallRecorder, ReadFailedError


def enabled_regions(session: Any, account: str | None) -> tuple[list[str], ScopeUnread | None]:
    """The regions enabled in the account (ec2:DescribeRegions lists only those by default)."""
    recorder = CallRecorder()
    ec2 = session.client("ec2", config=audit_config(1))
    try:
        response = recorder.call_or_raise(ec2, "describe_regions", "ec2:DescribeRegions")
    except ReadFailedError as failure:
        return [], ScopeUnread(
            account=account, api=failure.api, error_code=failure.code, message=failure.message
        )
    return sorted(str(r["RegionName"]) for r in response.get("Regions") or []), None


def run_audit(
    accounts: Sequence[AccountSession],
    *,
    regions: Sequence[str],
    all_regions: bool = False,
    scope: Scope | None = None,
    fail_on: Severity = Severity.HIGH,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit every (account, region): at most `max_concurrency` pairs at once, and within each
    pair at most `max_concurrency` reads at once. What could not be read is in
    `scopes_unread`, never judged clean."""
    tick = progress or (lambda _what, _n: None)
    report = AuditReport(
        vpcprobe_version=__version__, generated_at=datetime.now(UTC), fail_on=fail_on
    )
    pairs: list[tuple[AccountSession, str]] = []
    for entry in accounts:
        if entry.session is None:
            if entry.failure:
                report.scopes_unread.append(entry.failure)
            continue
        wanted = list(regions)
        if all_regions:
            wanted, failure = enabled_regions(entry.session, entry.account)
            if failure:
                report.scopes_unread.append(failure)
        pairs += [(entry, region) for region in dict.fromkeys(wanted)]
    tick("regions-total", len(pairs))

    def one(pair: tuple[AccountSession, str]) -> RegionResult:
        entry, region = pair
        result = audit_region(
            entry.session,
            region,
            account=entry.account,
            scope=scope or Scope(),
            max_concurrency=max_concurrency,
            progress=tick,
        )
        tick("regions", 1)
        return result

    if len(pairs) > 1 and max_concurrency > 1:
        with ThreadPoolExecutor(max_workers=min(max_concurrency, len(pairs))) as pool:
            results = list(pool.map(one, pairs))
    else:
        results = [one(pair) for pair in pairs]
    for result in results:
        if result.read:
            report.scopes_read.append(result.read)
        if result.unread:
            report.scopes_unread.append(result.unread)
        report.functions += result.functions
        report.notes += result.notes
    found = {f.function for f in report.functions}
    # Where a scope could not be read, that entry already says why; else a name asked for and
    # not audited is listed, never a clean verdict.
    missing = set() if report.scopes_unread else (scope.names if scope else frozenset()) - found
    for name in sorted(missing):
        report.scopes_unread.append(
            ScopeUnread(
                api="lambda:ListFunctions",
                error_code="NotFound",
                message=f"--function {name}: no VPC-attached function of that name in the "
                "accounts and regions read (not found, or not attached to a VPC)",
            )
        )
    report.functions.sort(key=lambda f: (f.account or "", f.region, f.vpc_id or "", f.function))
    report.summarise()
    if report.summary and report.summary.not_in_vpc:
        report.notes.append(
            f"{report.summary.not_in_vpc} function(s) in scope are not attached to a VPC "
            "and were not audited."
        )
    return report
