"""The probe in the lab: issue 3's scenarios, run as `python -m vpcprobe` and as the handler."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.vpc_lab import FORWARDER, FUNCTION_NAME, Lab, ProbeRun, Vpc, standard_vpc
from vpcprobe.models import (
    AwsStatus,
    DnsResult,
    DnsStatus,
    ProbeReport,
    RecordType,
    SkipReason,
    TcpResult,
    TcpStatus,
    Transport,
)

pytestmark = pytest.mark.lab

TIMEOUT_S = 1.0
# Scheduling slack above a step's timeout on a busy two-core machine: the figures asserted
# are the probe's own elapsed_ms, never the test's wall clock.
SLACK_MS = 600.0
DIRECT = (Transport.UDP, Transport.TCP)


@pytest.fixture(params=["cli", "handler"])
def way(request: pytest.FixtureRequest) -> str:
    """Run the scenario as `python -m vpcprobe` and as the Lambda handler."""
    return str(request.param)


def _report(run: ProbeRun) -> ProbeReport:
    assert run.returncode == 0, run.stderr[-4000:]
    report: ProbeReport = run.report
    assert report.status.value == "ok", report.errors
    return report


def dns(
    report: ProbeReport,
    *,
    name: str | None = None,
    server: str | None = None,
    transport: Transport | Iterable[Transport] | None = None,
    record_type: RecordType | None = None,
) -> list[DnsResult]:
    """The report's DNS results that match every given field (none may be missing)."""
    transports = (
        None
        if transport is None
        else {transport}
        if isinstance(transport, Transport)
        else set(transport)
    )
    found = [
        r
        for r in report.dns
        if (name is None or r.name == name)
        and (server is None or r.server == server)
        and (transports is None or r.transport in transports)
        and (record_type is None or r.record_type == record_type)
    ]
    assert found, f"no DNS result for {name} {server} {transport} {record_type}"
    return found


def tcp(report: ProbeReport, label: str) -> list[TcpResult]:
    """The report's TCP results for one target."""
    found = [r for r in report.tcp if r.label == label]
    assert found, f"no TCP result for {label}: {[r.label for r in report.tcp]}"
    return found


def statuses(results: Iterable[Any]) -> set[str]:
    """The set of status values, for assertions that read like the report."""
    return {r.status.value for r in results}


def assert_statuses(results: Iterable[Any], expected: set[str]) -> None:
    """Every result has one of `expected`'s statuses, and each of them occurs; on failure
    the message lists the results that broke it.
    """
    results = list(results)
    wrong = [r for r in results if r.status.value not in expected]
    assert statuses(results) == expected, wrong or results


def assert_timed_out(results: Iterable[DnsResult | TcpResult], timeout_s: float) -> None:
    """Every result is a timeout that took the step's timeout, not less, not much more."""
    for result in results:
        assert result.status.value == "timeout", result
        assert 0.9 * timeout_s * 1000 <= result.elapsed_ms <= timeout_s * 1000 + SLACK_MS, result


def assert_within_timeout(report: ProbeReport, timeout_s: float) -> None:
    """Every DNS, TCP and AWS step that ran took at most its timeout (plus scheduling slack)."""
    results: list[Any] = [*report.dns, *report.tcp, *report.aws]
    assert results
    for result in results:
        assert 0 <= result.elapsed_ms <= timeout_s * 1000 + SLACK_MS, result


def assert_answers(report: ProbeReport, name: str, server: str, address: str) -> None:
    """`server` answers `name` with exactly `address` (A) over UDP and TCP."""
    results = dns(report, name=name, server=server, transport=DIRECT, record_type=RecordType.A)
    assert [(r.transport.value, r.status.value, r.answers) for r in results] == [
        ("udp", "ok", [address]),
        ("tcp", "ok", [address]),
    ]


def servers_seen(report: ProbeReport) -> set[str]:
    """Every server the probe asked."""
    return {r.server for r in report.dns}


# ---------------------------------------------------------------------------- 1


def test_1_healthy_vpc_everything_resolves_connects_and_logs_answers(vpc: Vpc, way: str) -> None:
    lab = vpc.lab
    run = lab.probe(
        way,
        targets=[vpc.db_target, vpc.web_target],
        nameservers=[vpc.resolver.address],
        timeout_s=TIMEOUT_S,
    )
    report = _report(run)

    assert report.resolv_conf is not None
    assert report.resolv_conf.nameservers == [FORWARDER]
    assert report.resolv_conf.configured_nameservers == [vpc.dhcp_dns.address]
    assert servers_seen(report) == {
        "system",
        FORWARDER,
        vpc.dhcp_dns.address,
        vpc.resolver.address,
    }
    # A records answer with the lab's addresses from every server, AAAA with no data.
    expected = {
        vpc.db_name: vpc.db.address,
        vpc.web_name: vpc.web.address,
        lab.logs_hostname: vpc.logs.address,
    }
    for result in report.dns:
        if result.record_type == RecordType.A:
            assert (result.status, result.answers) == (
                DnsStatus.OK,
                [expected[result.name]],
            ), result
        else:
            assert result.status == DnsStatus.NO_ANSWER, result
    assert {r.name for r in report.dns} == set(expected)
    assert [(r.label, r.address, r.status.value) for r in report.tcp] == [
        (vpc.db_target, vpc.db.address, "open"),
        (vpc.web_target, vpc.web.address, "open"),
    ]
    # CLI: no function, so DescribeLogGroups; handler: its own log group's streams.
    operation = "DescribeLogGroups" if way == "cli" else "DescribeLogStreams"
    assert [(a.service, a.operation, a.status.value) for a in report.aws] == [
        ("logs", operation, "ok")
    ]
    assert report.aws[0].endpoint == f"http://{lab.logs_hostname}:80"
    assert report.errors == []
    assert report.deadline.hit is False
    assert_within_timeout(report, TIMEOUT_S)
    env = report.environment
    assert (env.in_lambda, env.region) == (way == "handler", lab.region)
    if way == "handler":
        assert (env.function_name, env.memory_mb, env.log_group) == (
            FUNCTION_NAME,
            256,
            f"/aws/lambda/{FUNCTION_NAME}",
        )
        assert env.request_id
    else:
        assert env.function_name is None


# ---------------------------------------------------------------------------- 2


def test_2_dhcp_dns_server_silent_forwarder_times_out_vpc_resolver_answers(
    vpc_without_logs: Vpc, way: str
) -> None:
    vpc = vpc_without_logs
    lab = vpc.lab
    lab.block(vpc.dhcp_dns.address)  # the custom DNS server answers nothing, to nobody
    run = lab.probe(
        way,
        targets=[vpc.db_target],
        nameservers=[vpc.resolver.address],
        timeout_s=TIMEOUT_S,
        aws=False,
        deadline_s=2.0,
    )
    report = _report(run)

    # What the user must see: the configured server, named in resolv.conf's comment.
    assert report.resolv_conf is not None
    assert report.resolv_conf.configured_nameservers == [vpc.dhcp_dns.address]
    # Through 169.254.78.1 and to the configured server directly: every query times out.
    assert_timed_out(dns(report, server=FORWARDER), TIMEOUT_S)
    assert_timed_out(dns(report, server=vpc.dhcp_dns.address), TIMEOUT_S)
    # A server that works, asked directly, answers: the network to it is fine.
    assert_answers(report, vpc.db_name, vpc.resolver.address, vpc.db.address)
    # getaddrinfo follows resolv.conf (timeout:2 attempts:5): ten seconds per name. It
    # cannot be cancelled, so the probe gives it up at its step timeout, reports `timeout`
    # saying the lookup was still blocked, and moves on (issue 13): the connect to the name
    # is then `dns_failed`, never a wait past the step.
    system = dns(report, server="system")
    assert_statuses(system, {"timeout"})
    assert all("still blocked" in (r.error or "") for r in system), system
    assert all(r.elapsed_ms <= TIMEOUT_S * 1000 + SLACK_MS for r in system), system
    assert [r.status.value for r in tcp(report, vpc.db_target)] == ["dns_failed"]
    assert report.duration_ms <= report.deadline.budget_ms + SLACK_MS


def test_2_dhcp_dns_server_silent_with_short_resolver_options_system_times_out(
    vpc_without_logs: Vpc, way: str
) -> None:
    vpc = vpc_without_logs
    # The same fault with `options timeout:1 attempts:1`: getaddrinfo gives up in time and
    # the application's view (EAI_AGAIN) is reported as a timeout and a failed resolution.
    lab = vpc.lab
    lab.write_resolv_conf(configured=[vpc.dhcp_dns.address], options="timeout:1 attempts:1")
    lab.block(vpc.dhcp_dns.address)
    run = lab.probe(way, targets=[vpc.db_target], timeout_s=TIMEOUT_S, aws=False, deadline_s=4.0)
    report = _report(run)

    assert_statuses(dns(report, server="system"), {"timeout"})
    [result] = tcp(report, vpc.db_target)
    assert result.status == TcpStatus.DNS_FAILED, result
    assert report.deadline.hit is False


# ---------------------------------------------------------------------------- 3


def test_3_dhcp_dns_server_answers_nxdomain_for_the_private_zone(lab: Lab, way: str) -> None:
    vpc = standard_vpc(lab, dhcp_dns="nxdomain-private", logs=False)
    run = lab.probe(
        way,
        targets=[vpc.db_target],
        nameservers=[vpc.resolver.address],
        timeout_s=TIMEOUT_S,
        aws=False,
    )
    report = _report(run)

    for server in ("system", FORWARDER, vpc.dhcp_dns.address):
        assert_statuses(dns(report, name=vpc.db_name, server=server), {"nxdomain"})
    assert_answers(report, vpc.db_name, vpc.resolver.address, vpc.db.address)
    [result] = tcp(report, vpc.db_target)
    assert result.status == TcpStatus.DNS_FAILED, result
    # Public names still resolve through the custom server: only the private zone is lost.
    for server in ("system", FORWARDER, vpc.dhcp_dns.address, vpc.resolver.address):
        results = dns(report, name=lab.logs_hostname, server=server, record_type=RecordType.A)
        assert_statuses(results, {"ok"})
    assert report.deadline.hit is False
    assert_within_timeout(report, TIMEOUT_S)


# ---------------------------------------------------------------------------- 4


def test_4_udp_53_dropped_tcp_53_allowed(vpc_without_logs: Vpc, way: str) -> None:
    vpc = vpc_without_logs
    lab = vpc.lab
    lab.block(vpc.dhcp_dns.address, proto="udp", port=53)
    db_by_address = f"{vpc.db.address}:{vpc.db_port}"
    run = lab.probe(
        way,
        targets=[db_by_address],
        dns_names=[vpc.db_name],
        nameservers=[vpc.resolver.address],
        timeout_s=TIMEOUT_S,
        aws=False,
        deadline_s=2.0,
    )
    report = _report(run)

    for server in (FORWARDER, vpc.dhcp_dns.address):
        assert_timed_out(dns(report, server=server, transport=Transport.UDP), TIMEOUT_S)
        for result in dns(report, server=server, transport=Transport.TCP):
            assert result.status in {DnsStatus.OK, DnsStatus.NO_ANSWER}, result
        over_tcp = dns(
            report,
            name=vpc.db_name,
            server=server,
            transport=Transport.TCP,
            record_type=RecordType.A,
        )
        assert [r.answers for r in over_tcp] == [[vpc.db.address]]
    # The VPC resolver is not behind the block: both transports answer.
    assert_answers(report, vpc.db_name, vpc.resolver.address, vpc.db.address)
    # glibc asks over UDP only (no TCP fallback without truncation): it never returns, so
    # the probe gives it up at its step timeout.
    assert {(r.status.value, r.skip_reason) for r in dns(report, server="system")} == {
        ("timeout", None)
    }
    assert_statuses(tcp(report, db_by_address), {"open"})


# ---------------------------------------------------------------------------- 5


def test_5_security_group_drops_the_database_port(vpc_without_logs: Vpc, way: str) -> None:
    vpc = vpc_without_logs
    lab = vpc.lab
    lab.block(vpc.db.address, proto="tcp", port=vpc.db_port)
    run = lab.probe(way, targets=[vpc.db_target, vpc.web_target], timeout_s=TIMEOUT_S, aws=False)
    report = _report(run)

    assert_timed_out(tcp(report, vpc.db_target), TIMEOUT_S)
    assert_statuses(tcp(report, vpc.web_target), {"open"})
    # DNS is not the problem here: every A lookup answers.
    assert_statuses([r for r in report.dns if r.record_type == RecordType.A], {"ok"})
    assert [(a.status, a.skip_reason) for a in report.aws] == [
        (AwsStatus.SKIPPED, SkipReason.DISABLED)
    ]
    assert report.deadline.hit is False


# ---------------------------------------------------------------------------- 6


def test_6_nothing_listening_is_refused(vpc_without_logs: Vpc, way: str) -> None:
    vpc = vpc_without_logs
    lab = vpc.lab
    closed = f"{vpc.web_name}:8443"
    run = lab.probe(way, targets=[closed, vpc.db_target], timeout_s=TIMEOUT_S, aws=False)
    report = _report(run)

    [result] = tcp(report, closed)
    assert (result.status, result.address, result.errno) == (
        TcpStatus.REFUSED,
        vpc.web.address,
        111,
    )
    assert result.elapsed_ms < TIMEOUT_S * 1000  # a reset comes back, nothing waits
    assert_statuses(tcp(report, vpc.db_target), {"open"})
    assert_statuses([r for r in report.dns if r.record_type == RecordType.A], {"ok"})


# ---------------------------------------------------------------------------- 7


def test_7_nacl_drops_return_traffic_on_ephemeral_ports(vpc_without_logs: Vpc, way: str) -> None:
    vpc = vpc_without_logs
    lab = vpc.lab
    lab.block_return_traffic()
    run = lab.probe(
        way,
        targets=[vpc.db_target, vpc.web_target],
        nameservers=[vpc.resolver.address],
        timeout_s=TIMEOUT_S,
        aws=False,
    )
    report = _report(run)

    assert_timed_out(tcp(report, vpc.db_target) + tcp(report, vpc.web_target), TIMEOUT_S)
    # Servers inside the VPC answer to an ephemeral port: their replies are dropped too.
    for server in (vpc.dhcp_dns.address, vpc.resolver.address):
        assert_timed_out(dns(report, server=server), TIMEOUT_S)
    # 169.254.78.1 is not behind the NACL: names still resolve, for the system too.
    for server in (FORWARDER, "system"):
        results = dns(report, server=server, record_type=RecordType.A)
        assert_statuses(results, {"ok"})


# ---------------------------------------------------------------------------- 8


@pytest.mark.parametrize(
    ("action", "expected"),
    [("drop", AwsStatus.TIMEOUT), ("reject", AwsStatus.CONNECT_FAILED)],
    ids=["dropped", "rejected"],
)
def test_8_logs_endpoint_unreachable_while_dns_and_targets_are_fine(
    vpc: Vpc, way: str, action: str, expected: AwsStatus
) -> None:
    lab = vpc.lab
    lab.block(vpc.logs.address, proto="tcp", port=80, action=action)  # type: ignore[arg-type]
    run = lab.probe(way, targets=[vpc.db_target, vpc.web_target], timeout_s=TIMEOUT_S)
    report = _report(run)

    [result] = report.aws
    assert (result.service, result.status) == ("logs", expected), result
    if expected == AwsStatus.TIMEOUT:
        assert 0.9 * TIMEOUT_S * 1000 <= result.elapsed_ms <= TIMEOUT_S * 1000 + SLACK_MS, result
    # The endpoint's name resolves; the targets answer: only the endpoint is cut off.
    for result_dns in dns(report, name=lab.logs_hostname, record_type=RecordType.A):
        assert result_dns.answers == [vpc.logs.address], result_dns
    assert_statuses(report.tcp, {"open"})


# ---------------------------------------------------------------------------- 9


def test_9_deadline_many_unreachable_targets_report_comes_back_in_time(
    vpc_without_logs: Vpc, way: str
) -> None:
    vpc = vpc_without_logs
    lab = vpc.lab
    lab.block(vpc.dhcp_dns.address)  # names never resolve: getaddrinfo waits 10 s
    lab.block(vpc.db.address)  # every port of the database host is dropped
    by_address = [f"{vpc.db.address}:{port}" for port in range(6000, 6030)]
    by_name = [f"app{n}.corp.internal:443" for n in range(10)]
    timeout_s = 5.0  # longer than the whole budget: the deadline must cut the steps
    budget_s = 1.5
    run = lab.probe(
        way,
        targets=by_address + by_name,
        timeout_s=timeout_s,
        aws=False,
        deadline_s=budget_s,
    )
    report = _report(run)

    assert report.deadline.hit is True
    assert abs(report.deadline.budget_ms - budget_s * 1000) <= 50
    assert report.duration_ms <= report.deadline.budget_ms + SLACK_MS
    if way == "handler":
        timing = run.runner_timing
        # Lambda would have stopped the function at remaining_ms: the report came before.
        assert timing["returned_after_ms"] < timing["remaining_ms"]
        # The budget was carved from the context's remaining time, not from a default.
        remaining = report.deadline.remaining_at_start_ms
        assert remaining is not None
        assert timing["remaining_ms"] - 200 <= remaining <= timing["remaining_ms"]
    # Each connect had at most the time left, not its 5 s: cut short or skipped.
    for label in by_address:
        [result] = tcp(report, label)
        assert result.status in {TcpStatus.TIMEOUT, TcpStatus.SKIPPED}, result
        assert result.elapsed_ms <= budget_s * 1000 + SLACK_MS, result
        if result.status == TcpStatus.SKIPPED:
            assert result.skip_reason == SkipReason.DEADLINE
    # Targets whose names never resolved: skipped for the deadline, or given up as
    # `dns_failed` when their lookup's step (capped by the time left) ran out first.
    for label in by_name:
        [result] = tcp(report, label)
        assert (result.status, result.skip_reason) in {
            (TcpStatus.SKIPPED, SkipReason.DEADLINE),
            (TcpStatus.DNS_FAILED, None),
        }, result


# ---------------------------------------------------------------------------- beyond 1-9


@pytest.fixture
def dual_stack_vpc(lab_host: None) -> Iterator[Vpc]:
    """The usual VPC with IPv6 everywhere (skipped where the kernel has no IPv6)."""
    if not Path("/proc/net/if_inet6").exists():
        pytest.skip("the kernel has no IPv6: the dual-stack lab cannot be built")
    with Lab(ipv6=True) as built:
        yield standard_vpc(built, logs=False)


def test_10_dual_stack_target_with_only_its_ipv6_path_dropped(dual_stack_vpc: Vpc) -> None:
    # One way only: how addresses are tried does not depend on the entry point.
    way = "handler"
    vpc = dual_stack_vpc
    lab = vpc.lab
    assert vpc.db.address6 is not None and vpc.resolver.address6 is not None
    lab.block(vpc.db.address6, proto="tcp", port=vpc.db_port)
    run = lab.probe(
        way,
        targets=[vpc.db_target],
        nameservers=[vpc.resolver.address6],
        timeout_s=TIMEOUT_S,
        aws=False,
    )
    report = _report(run)

    by_address = {r.address: r for r in tcp(report, vpc.db_target)}
    assert set(by_address) == {vpc.db.address, vpc.db.address6}
    assert by_address[vpc.db.address].status == TcpStatus.OPEN
    assert_timed_out([by_address[vpc.db.address6]], TIMEOUT_S)
    # Every server, the IPv6 one asked over IPv6 included, gives both addresses.
    for record_type, address in (
        (RecordType.A, vpc.db.address),
        (RecordType.AAAA, vpc.db.address6),
    ):
        results = dns(report, name=vpc.db_name, record_type=record_type)
        assert {(r.status.value, tuple(r.answers)) for r in results} == {("ok", (address,))}
    assert vpc.resolver.address6 in servers_seen(report)


def test_11_second_subnet_without_a_route_out_times_out_where_the_first_connects(
    vpc_without_logs: Vpc,
) -> None:
    way = "cli"  # one way only: the subnet, not the entry point, is under test
    vpc = vpc_without_logs
    lab = vpc.lab
    internet = lab.add_target("payments", ports=[443], address="203.0.113.10/24")
    other = lab.add_function("10.0.2.25/24")
    lab.block(internet.address, source="10.0.2.0/24")  # that subnet's route table: no NAT
    target = f"{internet.address}:443"

    first = _report(lab.probe(way, targets=[target], timeout_s=TIMEOUT_S, aws=False))
    second = _report(
        lab.probe(way, targets=[target], timeout_s=TIMEOUT_S, aws=False, function=other)
    )

    assert_statuses(tcp(first, target), {"open"})
    assert_timed_out(tcp(second, target), TIMEOUT_S)
    # Both subnets share the VPC's DNS: the same resolv.conf, the same answers.
    assert second.resolv_conf is not None
    assert second.resolv_conf.configured_nameservers == [vpc.dhcp_dns.address]
    assert_statuses([r for r in second.dns if r.record_type == RecordType.A], {"ok"})
