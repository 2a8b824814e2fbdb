"""The probe observations worth showing a person: the failing DNS, TCP and AWS rows."""

from __future__ import annotations

from dataclasses import dataclass

from vpcprobe.models import AwsStatus, DnsStatus, ProbeReport, TcpStatus
from vpcprobe_collector.findings.model import DiagnosisReport, ProbeFailure


@dataclass(frozen=True)
class ReportExcerpt:
    """One probe report's failing rows (and its resolv.conf), labelled for the reader."""

    label: str  # "probe report 1 (lambda, request 1234…)"
    report: ProbeReport
    dns_rows: list[list[str]]
    tcp_rows: list[list[str]]
    aws_rows: list[list[str]]
    resolv_conf: str | None


DNS_HEADER = ["name", "type", "server", "transport", "status", "ms", "detail"]
TCP_HEADER = ["target", "address", "port", "status", "ms", "detail"]
AWS_HEADER = ["service", "operation", "endpoint", "status", "ms", "detail"]


def _ms(value: float) -> str:
    return f"{value:.0f}"


def excerpts(diagnosis: DiagnosisReport) -> list[ReportExcerpt]:
    """The failing rows of every probe report (skipped rows count as failing: unobserved)."""
    out: list[ReportExcerpt] = []
    for index, report in enumerate(diagnosis.probe_reports, start=1):
        env = report.environment
        where = "lambda" if env.in_lambda else (env.hostname or "a host")
        label = f"Probe report {index} ({where}"
        if env.request_id:
            label += f", request {env.request_id}"
        label += f", {report.started_at.isoformat(timespec='seconds')})"
        dns_rows = [
            [
                r.name,
                r.record_type.value,
                r.server,
                r.transport.value,
                r.status.value,
                _ms(r.elapsed_ms),
                r.error or r.rcode or (r.skip_reason.value if r.skip_reason else ""),
            ]
            for r in report.dns
            if r.status not in (DnsStatus.OK, DnsStatus.NO_ANSWER)
        ]
        tcp_rows = [
            [
                r.label,
                r.address or "",
                str(r.port),
                r.status.value,
                _ms(r.elapsed_ms),
                r.error
                or (f"errno {r.errno}" if r.errno else "")
                or (r.skip_reason.value if r.skip_reason else ""),
            ]
            for r in report.tcp
            if r.status != TcpStatus.OPEN
        ]
        aws_rows = [
            [
                r.service,
                r.operation,
                r.endpoint or "",
                r.status.value,
                _ms(r.elapsed_ms),
                r.error or r.error_code or (r.skip_reason.value if r.skip_reason else ""),
            ]
            for r in report.aws
            if r.status not in (AwsStatus.OK, AwsStatus.ACCESS_DENIED)
        ]
        resolv = report.resolv_conf.raw if report.resolv_conf and report.resolv_conf.raw else None
        out.append(ReportExcerpt(label, report, dns_rows, tcp_rows, aws_rows, resolv))
    return out


def environment_rows(diagnosis: DiagnosisReport) -> list[tuple[str, str]]:
    """(what, value) pairs describing the function, its VPC and where the probe ran."""
    snap = diagnosis.snapshot
    rows: list[tuple[str, str]] = [("Function", diagnosis.function_name)]
    function = snap.function
    if function:
        rows.append(("Function ARN", function.arn))
        details = [
            x
            for x in (
                function.runtime,
                f"{function.memory_mb} MB" if function.memory_mb else None,
                f"timeout {function.timeout_s} s" if function.timeout_s else None,
                f"state {function.state}" if function.state else None,
            )
            if x
        ]
        if details:
            rows.append(("Function settings", ", ".join(details)))
        if function.role_arn:
            rows.append(("Execution role", function.role_arn))
    rows.append(("Region", diagnosis.region or snap.region))
    if snap.account_id:
        rows.append(("Account", snap.account_id))
    if snap.vpc:
        cidrs = ", ".join(snap.vpc.cidr_blocks + snap.vpc.ipv6_cidr_blocks)
        rows.append(("VPC", f"{snap.vpc.vpc_id} ({cidrs})" if cidrs else snap.vpc.vpc_id))
    if function and function.vpc_config:
        for subnet_id in function.vpc_config.subnet_ids:
            subnet = snap.subnet(subnet_id)
            if subnet:
                bits = [
                    b
                    for b in (
                        subnet.cidr_block,
                        subnet.availability_zone,
                        f"{subnet.available_ip_address_count} free IPs"
                        if subnet.available_ip_address_count is not None
                        else None,
                    )
                    if b
                ]
                rows.append(("Subnet", f"{subnet_id} ({', '.join(bits)})"))
            else:
                rows.append(("Subnet", f"{subnet_id} (not read)"))
        if function.vpc_config.security_group_ids:
            rows.append(("Security groups", ", ".join(function.vpc_config.security_group_ids)))
    if snap.dhcp_options:
        servers = ", ".join(snap.dhcp_options.domain_name_servers) or "none"
        rows.append(("DHCP options", f"{snap.dhcp_options.dhcp_options_id} (DNS: {servers})"))
    rows.append(("Probe source", diagnosis.probe_source))
    for index, report in enumerate(diagnosis.probe_reports, start=1):
        env = report.environment
        about: list[str | None] = [
            "in Lambda" if env.in_lambda else f"on {env.hostname or 'a host'}",
            env.runtime or (f"Python {env.python_version}" if env.python_version else None),
            env.architecture,
            f"{env.memory_mb} MB" if env.memory_mb else None,
            env.region,
            f"probe {report.probe_version}",
        ]
        rows.append((f"Probe {index}", ", ".join(b for b in about if b)))
    rows.append(("Snapshot taken", snap.taken_at.isoformat(timespec="seconds")))
    rows.append(("vpcprobe", diagnosis.vpcprobe_version))
    return rows


def grouped_failures(diagnosis: DiagnosisReport) -> list[tuple[ProbeFailure, int]]:
    """Each distinct probe failure once, with how many attempts failed that way."""
    groups: dict[tuple[str, str, str, str], list[ProbeFailure]] = {}
    for f in diagnosis.probe_failures:
        groups.setdefault((f.source, f.kind.value, f.error_code or "", f.message), []).append(f)
    return [(same[0], len(same)) for same in groups.values()]
