"""Probe rules: invoke outcomes that produced no report, and reports that ran out of time."""

from __future__ import annotations

from collections.abc import Iterable

from vpcprobe_collector.findings.model import (
    Evidence,
    Finding,
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
        for failure in ctx.probe_failures:
            if failure.error_code in CLAIMED or failure.kind is ProbeFailureKind.NOT_READY:
                continue
            what = failure.error_code or failure.kind.value
            yield self.fail(
                f"{failure.source} gave no probe report ({what}): {failure.message.rstrip('.')}.",
                resources=[ResourceRef(id=failure.source)],
                evidence=[failure_evidence(failure)]
                + (
                    [Evidence(source="lambda:Invoke", observed=failure.payload_excerpt)]
                    if failure.payload_excerpt
                    else []
                ),
                remediation=Remediation(text=ADVICE.get(failure.kind, "See the error message.")),
                severity=Severity.HIGH if failure.kind is ProbeFailureKind.VPC_ERROR else None,
                key=(failure.kind.value, failure.error_code or "", failure.message),
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
