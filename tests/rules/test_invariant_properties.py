"""Property tests (hypothesis) over generated snapshots and probe reports (issue 10 §3):
no observed failure ever yields exit 0 or a ✓, and no two findings for one target contradict
each other or the target's conclusion."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scenarios import builder as b
from tests.scenarios import catalog as c
from vpcprobe.models import ProbeReport
from vpcprobe_collector.diagnosis import exit_code
from vpcprobe_collector.findings.model import (
    DiagnosisReport,
    Finding,
    FindingStatus,
    ProbeFailure,
    ProbeFailureKind,
    Severity,
    TargetJoin,
)
from vpcprobe_collector.report.summary import summary_line
from vpcprobe_collector.rules.engine import judge
from vpcprobe_collector.snapshot.model import SkippedRead, VpcSnapshot

# What the probe can see fail (written out, not imported, so this file runs on old code too).
OBSERVED_FAILURES = ("timeout", "unreachable", "error", "refused", "dns_failed")

# Findings that say "the configuration blocks this target" ...
BLOCKS = frozenset({"SGR001", "SGR002", "ACL001", "ACL002", "RTE003"})
# ... and findings that say "the configuration lets it through".
ALLOWS = frozenset({"TGT002", "PRB002"})


def _no_default_route(snap: VpcSnapshot) -> None:
    c._drop_default(c._table(snap, b.RTB_PRIVATE))


def _egress_443_only(snap: VpcSnapshot) -> None:
    c._egress_only(snap, c.tcp_rule(443))


def _db_ingress_closed(snap: VpcSnapshot) -> None:
    group = snap.security_group(b.SG_DB)
    assert group is not None
    group.ingress = [c.tcp_rule(5432, "10.9.0.0/16")]


def _acl_partial_return(snap: VpcSnapshot) -> None:
    c._split_acl(
        snap,
        [c.allow(100, True), c.allow(100, False, 32768, 65535, "6"), c.allow(110, False, 53, 53)],
    )


def _unreadable(api: str, attr: str) -> Callable[[VpcSnapshot], None]:
    def mutate(snap: VpcSnapshot) -> None:
        setattr(snap, attr, [])
        snap.skipped.append(SkippedRead(api=api, error_code="AccessDenied", message="denied"))

    return mutate


def _not_in_vpc(snap: VpcSnapshot) -> None:
    assert snap.function is not None
    snap.function.vpc_config = None


def _nat_blackhole(snap: VpcSnapshot) -> None:
    for route in c._table(snap, b.RTB_PRIVATE).routes:
        if route.destination_cidr == "0.0.0.0/0":
            route.state = "blackhole"


MUTATIONS: dict[str, Callable[[VpcSnapshot], None]] = {
    "no-default-route": _no_default_route,
    "egress-443-only": _egress_443_only,
    "db-ingress-closed": _db_ingress_closed,
    "acl-partial-return": _acl_partial_return,
    "sgs-unreadable": _unreadable("ec2:DescribeSecurityGroups", "security_groups"),
    "nacls-unreadable": _unreadable("ec2:DescribeNetworkAcls", "network_acls"),
    "not-in-vpc": _not_in_vpc,
    "nat-blackhole": _nat_blackhole,
    "custom-dns": c._custom_dns,
}

STATUSES = ("open", "timeout", "refused", "unreachable", "dns_failed", "error", "open")

snapshots = st.lists(st.sampled_from(sorted(MUTATIONS)), unique=True, max_size=3)
runs = st.lists(st.tuples(st.sampled_from(STATUSES), st.sampled_from(STATUSES)), max_size=3)
failures = st.integers(min_value=0, max_value=2)
# What the probe's DNS lookups saw: the default answers, a public/private split for the API,
# every server timing out for the database's name, or the custom server answering.
lookups = st.sampled_from(["default", "split", "db-timeouts", "custom-answers"])


def _build(mutations: list[str], statuses: list[tuple[str, str]]) -> VpcSnapshot:
    snap = b.healthy()
    # Faults first, then reads that failed (an unread part cannot also be changed).
    for name in sorted(mutations, key=lambda m: m.endswith("-unreadable")):
        MUTATIONS[name](snap)
    return snap


def _reports(statuses: list[tuple[str, str]], dns: str) -> list[ProbeReport]:
    if not statuses:
        return []
    extra: dict[str, object] = {}
    if dns == "split":
        extra["dns_api"] = [
            *b.resolved(b.API_NAME, b.PUBLIC_ADDRESS),
            b.dns(b.API_NAME, "10.1.0.2", "udp", "ok", ["10.1.1.50"]),
        ]
    elif dns == "db-timeouts":
        extra["dns_db"] = c._dns_timeouts(b.DB_NAME)
        extra["configured"] = [b.DNS_SERVER]
    elif dns == "custom-answers":
        extra["dns_db"] = b.resolved(b.DB_NAME, b.DB_ADDRESS, (b.FORWARDER, b.DNS_SERVER))
        extra["configured"] = [b.DNS_SERVER]
    return c.probe(
        db=[s for s, _ in statuses],
        api=[s for _, s in statuses],
        n=len(statuses),
        **extra,  # type: ignore[arg-type]
    )


def _diagnose(
    mutations: list[str], statuses: list[tuple[str, str]], failed: int, dns: str
) -> tuple[DiagnosisReport, list[TargetJoin], list[Finding]]:
    snap = _build(mutations, statuses)
    reports = _reports(statuses, dns)
    probe_failures = [
        ProbeFailure(
            source="function:vpcprobe-orders-api",
            kind=ProbeFailureKind.THROTTLED,
            error_code="TooManyRequestsException",
            message="Rate exceeded",
        )
    ] * failed
    targets = [c.DB, c.API]
    joins, findings = judge(snap, reports, targets, probe_failures=probe_failures)
    diagnosis = DiagnosisReport(
        vpcprobe_version="test",
        generated_at=b.WHEN,
        function_name="orders-api",
        probe_source="files",
        snapshot=snap,
        probe_reports=reports,
        probe_failures=probe_failures,
        targets=targets,
        joins=joins,
        findings=findings,
    )
    return diagnosis, joins, findings


PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@PROPERTY
@given(snapshots, runs, failures, lookups)
def test_no_observed_failure_is_ever_a_tick_or_exit_0(
    mutations: list[str], statuses: list[tuple[str, str]], failed: int, dns: str
) -> None:
    diagnosis, _, _ = _diagnose(mutations, statuses, failed, dns)
    seen = {s for pair in statuses for s in pair}
    if seen & set(OBSERVED_FAILURES):
        assert exit_code(diagnosis, Severity.HIGH) != 0, summary_line(diagnosis)
        assert not summary_line(diagnosis).startswith("✓")
        assert diagnosis.problems, "an observed failure with no problem listed"


@PROPERTY
@given(snapshots, runs, failures, lookups)
def test_no_two_findings_for_one_target_contradict(
    mutations: list[str], statuses: list[tuple[str, str]], failed: int, dns: str
) -> None:
    _, joins, findings = _diagnose(mutations, statuses, failed, dns)
    for join in joins:
        mine = [f for f in findings if f.status is FindingStatus.FAIL and f.target == join.label]
        codes = {f.code for f in mine}
        assert not (codes & BLOCKS and codes & ALLOWS), (join.label, sorted(codes))
        fine = [
            f
            for f in mine
            if f.remediation and "The VPC configuration is not the problem" in f.remediation.text
        ]
        assert not (fine and codes & (BLOCKS | {"PRB002"})), (join.label, sorted(codes))
        # The conclusion agrees with its findings.
        if "PRB002" in codes:
            assert "disagree" in join.conclusion, join.conclusion
        if "TGT002" in codes and "DNS004" not in codes:  # a DNS split is the likelier cause
            assert "although every part of the VPC configuration allows it" in join.conclusion
        if codes & BLOCKS:
            assert "disagree" not in join.conclusion and "although every part" not in (
                join.conclusion
            ), (join.conclusion, sorted(codes))
        if "TGT004" in codes:
            assert codes <= {"TGT004", "CON001"} or not (
                {f.code for f in mine if f.severity.rank >= Severity.HIGH.rank} - {"TGT004"}
            ), sorted(codes)
