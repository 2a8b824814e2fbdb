"""Probe rules: invoke outcomes that produced no report, and reports that ran out of time."""

from __future__ import annotations

from collections.abc import Iterable

from vpcprobe_collector.findings.model import (
    Evidence,
    Finding,
    ProbeFailure,
    ProbeFailureKind,
    Remediation,
    ResourceRef,
    Severity,
)
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import RuleContext
from vpcprobe_collector.rules.function_setup import (
    HyperplaneEniQuotaReached,
    RoleLacksEniPermissions,
    SubnetOutOfIps,
    VpcConfigMissingResource,
    failure_evidence,
)

# Invoke errors that name a setup cause: the setup rules report them, with the snapshot's facts.
CLAIMED = {
    code
    for rule in (
        HyperplaneEniQuotaReached,
        RoleLacksEniPermissions,
        SubnetOutOfIps,
        VpcConfigMissingResource,
    )
    for code in rule.error_codes
} | {"ResourceNotReadyException"}

ADVICE = {
    ProbeFailureKind.THROTTLED: "Lower --invocations, or raise the probe function's concurrency.",
    ProbeFailureKind.FUNCTION_ERROR: "Read the error: the probe (or the wrapped function) raised; "
    "check its layer and handler.",
    ProbeFailureKind.TIMED_OUT: "Give the probe function a longer timeout (at least 15 s) so it "
    "can report.",
    ProbeFailureKind.VPC_ERROR: "Lambda could not attach the function to the VPC; see the error "
    "code.",
    ProbeFailureKind.ACCESS_DENIED: "Allow lambda:InvokeFunction on the probe function for your "
    "identity.",
    ProbeFailureKind.NOT_FOUND: "Deploy the probe with `vpcprobe deploy --like FUNCTION`, or name "
    "it with --probe-function.",
    ProbeFailureKind.BAD_PAYLOAD: "The function did not answer with a probe report: is it the "
    "probe (or wrapped)?",
    ProbeFailureKind.SCHEMA_MISMATCH: "Update the probe layer and the vpcprobe command to the "
    "same version.",
}


class ProbeInvokeFailed(Rule):
    code = "PRB001"
    name = "probe-produced-no-report"
    title = "An attempt to run the probe produced no report"
    severity = Severity.MEDIUM
    causes = ()
    summary = (
        "Each probe invocation that gave no report: throttling, a function error, a timeout, "
        "an access or not-found error, a payload that is not a probe report or of another "
        "version, or a VPC error no setup rule explains."
    )
    why = "Without the probe's observations only the static configuration can be judged."
    how_to_fix = (
        "Follow the advice for the error kind; the other findings still hold for the configuration."
    )
    inputs = ("lambda:Invoke", "--probe-result")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        # Identical failures (every invocation throttled, the same import error in each file)
        # are one finding with their count, not one block per attempt.
        groups: dict[tuple[str, str, str], list[ProbeFailure]] = {}
        for failure in ctx.probe_failures:
            if failure.error_code in CLAIMED or failure.kind is ProbeFailureKind.NOT_READY:
                continue
            key = (failure.kind.value, failure.error_code or "", failure.message)
            groups.setdefault(key, []).append(failure)
        attempts = len(ctx.reports) + len(ctx.probe_failures)
        # No report at all: nothing inside the VPC was observed, and the run must say so.
        none_usable = not ctx.reports
        for key, failures in groups.items():
            first = failures[0]
            what = first.error_code or first.kind.value
            sources = sorted({f.source for f in failures})
            where = (
                sources[0]
                if len(sources) == 1
                else f"{len(sources)} sources ({', '.join(sources[:3])}"
                + (", …)" if len(sources) > 3 else ")")
            )
            count = ""
            if attempts > 1:
                count = (
                    f" {len(failures)} of {attempts} times"
                    if len(failures) > 1 and len(sources) == 1
                    else f" ({len(failures)} of {attempts} attempts)"
                )
            severity = None
            if first.kind is ProbeFailureKind.VPC_ERROR or none_usable:
                severity = Severity.HIGH
            yield self.fail(
                f"{where} gave no probe report{count} ({what}): {first.message.rstrip('.')}"
                + (
                    "; no probe report was usable, so nothing was observed inside the VPC"
                    if none_usable
                    else ""
                )
                + ".",
                resources=[ResourceRef(id=s) for s in sources],
                evidence=[failure_evidence(first)]
                + (
                    [
                        Evidence(
                            source=failure_evidence(first).source, observed=first.payload_excerpt
                        )
                    ]
                    if first.payload_excerpt
                    else []
                )
                + (
                    [
                        Evidence(
                            source=failure_evidence(first).source,
                            observed=f"{len(failures)} of {attempts} attempts failed this way",
                            data={"count": len(failures), "attempts": attempts, "sources": sources},
                        )
                    ]
                    if len(failures) > 1
                    else []
                ),
                remediation=Remediation(text=ADVICE.get(first.kind, "See the error message.")),
                severity=severity,
                key=key,
            )


class ProbeDeadlineHit(Rule):
    code = "PRB003"
    name = "probe-ran-out-of-time"
    title = "The probe ran out of time; some checks were not observed"
    severity = Severity.LOW
    causes = ()
    summary = "Whether a probe report says its deadline was hit or reports its own errors."
    why = "Steps the probe skipped for lack of time are missing from the diagnosis."
    how_to_fix = "Raise the probe function's timeout, or probe fewer targets per run."
    inputs = ("probe.deadline", "probe.errors")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for index, report in enumerate(ctx.reports):
            where = report.environment.request_id or f"report {index + 1}"
            if report.deadline.hit or report.errors:
                yield self.fail(
                    f"Probe run {where} "
                    + ("hit its deadline" if report.deadline.hit else "reported errors")
                    + (
                        f" ({'; '.join(e.step + ': ' + e.message for e in report.errors[:2])})"
                        if report.errors
                        else ""
                    )
                    + ".",
                    evidence=[
                        Evidence(
                            source="probe.deadline",
                            observed=f"budget {report.deadline.budget_ms:.0f} ms, "
                            f"hit={report.deadline.hit}",
                        )
                    ],
                    remediation=Remediation(text=self.how_to_fix),
                    key=(where,),
                )
