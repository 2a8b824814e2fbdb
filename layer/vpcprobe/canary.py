"""The canary: a scheduled probe run whose report becomes CloudWatch metrics (EMF)."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Any

from vpcprobe.models import AwsStatus, DnsStatus, ProbeReport, ReportStatus, TcpStatus

NAMESPACE = "vpcprobe"
CANARY_EVENT_KEY = "vpcprobe_canary"
FUNCTION_DIMENSION = "function"
TARGET_DIMENSION = "target"

# A name that exists but has no record of one type (AAAA, typically) is not a failure.
DNS_FAILURES = frozenset(
    {DnsStatus.NXDOMAIN, DnsStatus.SERVFAIL, DnsStatus.REFUSED, DnsStatus.TIMEOUT, DnsStatus.ERROR}
)
TCP_NOT_FAILED = frozenset({TcpStatus.OPEN, TcpStatus.SKIPPED})
# AccessDenied is an answer from the endpoint: the Logs API was reached.
LOGS_REACHED = frozenset({AwsStatus.OK, AwsStatus.ACCESS_DENIED, AwsStatus.SKIPPED})


@dataclass
class TargetMetrics:
    """The metric values for one target label."""

    target: str
    dns_failures: int = 0
    tcp_failures: int = 0
    connect_latency_ms: list[float] = field(default_factory=list)


@dataclass
class CanaryMetrics:
    """Everything one report contributes: per-target values and the Logs API failures."""

    function: str
    targets: list[TargetMetrics]
    logs_api_failures: int
    probe_errors: int = 0


def _host_key(name: str) -> str:
    return name.rstrip(".").lower()


def compute_metrics(report: ProbeReport, function_name: str | None = None) -> CanaryMetrics:
    """Count failures per target label (its TCP connects and the DNS lookups of its host)."""
    function = (
        function_name
        or report.environment.function_name
        or os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        or "local"
    )
    request = report.request
    by_label: dict[str, TargetMetrics] = {}
    hosts: dict[str, list[TargetMetrics]] = {}
    for target in request.targets if request else []:
        entry = by_label.setdefault(target.display, TargetMetrics(target.display))
        hosts.setdefault(_host_key(target.host), []).append(entry)
    for name in request.dns_names if request else []:
        if _host_key(name) not in hosts:
            entry = by_label.setdefault(name, TargetMetrics(name))
            hosts[_host_key(name)] = [entry]
    for tcp in report.tcp:
        entry = by_label.setdefault(tcp.label, TargetMetrics(tcp.label))
        if tcp.status == TcpStatus.OPEN:
            entry.connect_latency_ms.append(tcp.elapsed_ms)
        elif tcp.status not in TCP_NOT_FAILED:
            entry.tcp_failures += 1
    for dns in report.dns:
        if dns.status in DNS_FAILURES:
            for entry in hosts.get(_host_key(dns.name), []):
                entry.dns_failures += 1
    logs_failures = sum(
        1 for result in report.aws if result.service == "logs" and result.status not in LOGS_REACHED
    )
    # An invalid stored request or a probe bug would otherwise read as "no failures".
    probe_errors = len(report.errors) or int(report.status != ReportStatus.OK)
    return CanaryMetrics(function, list(by_label.values()), logs_failures, probe_errors)


def publish(report: ProbeReport, function_name: str | None = None) -> CanaryMetrics:
    """Print the report's metrics as EMF lines on stdout (CloudWatch Logs turns them into metrics).

    Failure counts are published as 0 when nothing failed so an alarm sees data, not gaps.
    """
    # Imported here: Powertools is needed only by the canary, never by a plain probe run.
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    values = compute_metrics(report, function_name)
    metrics = EphemeralMetrics(namespace=NAMESPACE)
    for target in values.targets:
        metrics.add_dimension(name=FUNCTION_DIMENSION, value=values.function)
        metrics.add_dimension(name=TARGET_DIMENSION, value=target.target)
        metrics.add_metric(name="DnsFailures", unit=MetricUnit.Count, value=target.dns_failures)
        metrics.add_metric(name="TcpFailures", unit=MetricUnit.Count, value=target.tcp_failures)
        for latency in target.connect_latency_ms:
            metrics.add_metric(
                name="ConnectLatency", unit=MetricUnit.Milliseconds, value=round(latency, 3)
            )
        metrics.flush_metrics()
    metrics.add_dimension(name=FUNCTION_DIMENSION, value=values.function)
    metrics.add_metric(
        name="LogsApiFailures", unit=MetricUnit.Count, value=values.logs_api_failures
    )
    metrics.add_metric(name="ProbeErrors", unit=MetricUnit.Count, value=values.probe_errors)
    metrics.flush_metrics()
    return values


def is_canary_event(event: object) -> bool:
    """True for the scheduled event's stored input: `{"vpcprobe_canary": {...request}}`."""
    return isinstance(event, dict) and len(event) == 1 and CANARY_EVENT_KEY in event


def handler(event: Any, context: Any) -> Any:
    """The probe function's handler when it runs on a schedule.

    A canary event runs the probe with the stored request and publishes its metrics; any
    other event (a `vpcprobe diagnose` invocation) goes to the probe handler unchanged.
    """
    probe_handler = importlib.import_module("vpcprobe.handler")
    if not is_canary_event(event):
        return probe_handler.handler(event, context)
    result = probe_handler.handler(event[CANARY_EVENT_KEY], context)
    report = result if isinstance(result, ProbeReport) else ProbeReport.model_validate(result)
    publish(report, getattr(context, "function_name", None))
    return result
