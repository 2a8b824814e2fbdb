"""Rules judge from the path engine's decisions: an address nobody holds (TGT005), an
endpoint's security groups asked of the engine (EPT003), the exit named (TGT002)."""

from __future__ import annotations

import pytest

from tests.scenarios import builder as b
from tests.scenarios.catalog import API, DB, _endpoint, _endpoint_sg, probe, tcp_rule
from vpcprobe_collector.findings.model import Finding, FindingStatus
from vpcprobe_collector.paths.evaluate import evaluate_function_paths
from vpcprobe_collector.paths.model import HopKind, HopOutcome, Verdict
from vpcprobe_collector.rules.engine import judge
from vpcprobe_collector.snapshot.model import (
    PrefixList,
    SecurityGroupRule,
    SkippedRead,
    VpcSnapshot,
)


def _without_db_eni(snap: VpcSnapshot) -> VpcSnapshot:
    snap.network_interfaces = [
        e for e in snap.network_interfaces if b.DB_ADDRESS not in e.private_ip_addresses
    ]
    return snap


def _by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def test_an_address_nobody_holds_is_named_with_its_subnet_and_other_hops_are_still_judged() -> None:
    snap = _without_db_eni(b.healthy())
    for path in evaluate_function_paths(snap, b.DB_ADDRESS, 5432):
        assert path.verdict is Verdict.BLOCKED
        unheld = path.decided_by
        assert unheld is not None
        assert (unheld.kind, unheld.reason, unheld.outcome) == (
            HopKind.DESTINATION,
            "unheld",
            HopOutcome.DENY,
        )
        assert unheld.subnet_id == "subnet-0data0000000000d1"
        assert "No network interface holds 10.1.1.20, an address in subnet" in unheld.detail
        judged = {h.kind: h.outcome for h in path.hops}
        for kind in (
            HopKind.SECURITY_GROUP_EGRESS,
            HopKind.NACL_OUTBOUND,
            HopKind.ROUTE,
            HopKind.TARGET_NACL_INBOUND,
            HopKind.TARGET_NACL_OUTBOUND_RETURN,
            HopKind.NACL_INBOUND_RETURN,
        ):
            assert judged[kind] is HopOutcome.ALLOW, kind
    _, findings = judge(snap, probe(db="timeout"), [DB])
    (unheld_finding,) = _by_code(findings, "TGT005")
    assert unheld_finding.status is FindingStatus.FAIL
    assert unheld_finding.target == "orders-db"
    assert "Name=addresses.private-ip-address,Values=10.1.1.20" in (
        unheld_finding.remediation.commands[0] if unheld_finding.remediation else ""
    )
    # Nothing says the VPC configuration is fine for it.
    assert not [f for f in _by_code(findings, "TGT002") if f.status is FindingStatus.FAIL]


def test_an_unheld_address_is_reported_beside_an_egress_block_not_instead_of_it() -> None:
    snap = _without_db_eni(b.healthy())
    group = snap.security_group(b.SG_FN)
    assert group is not None
    group.egress = [tcp_rule(443)]
    _, findings = judge(snap, probe(db="timeout"), [DB])
    failing = {f.code for f in findings if f.status is FindingStatus.FAIL}
    assert {"SGR001", "TGT005"} <= failing


def test_an_address_that_was_not_looked_up_or_not_read_is_unknown_not_unheld() -> None:
    snap = _without_db_eni(b.healthy())
    snap.target_addresses = []
    (first, *_) = evaluate_function_paths(snap, b.DB_ADDRESS, 5432)
    assert first.verdict is Verdict.UNKNOWN
    assert first.decided_by is not None and first.decided_by.reason == "destination_eni_not_found"

    denied = _without_db_eni(b.healthy())
    denied.skipped.append(
        SkippedRead(api="ec2:DescribeNetworkInterfaces", error_code="AccessDenied", message="")
    )
    (first, *_) = evaluate_function_paths(denied, b.DB_ADDRESS, 5432)
    assert first.verdict is Verdict.UNKNOWN
    _, findings = judge(denied, probe(db="timeout"), [DB])
    assert not [f for f in _by_code(findings, "TGT005") if f.status is FindingStatus.FAIL]


def _logs_endpoint_behind(snap: VpcSnapshot, *ingress: SecurityGroupRule) -> VpcSnapshot:
    snap.vpc_endpoints.append(_endpoint("logs"))
    _endpoint_sg(snap, *ingress)
    return snap


def test_endpoint_security_group_allowing_the_function_through_a_prefix_list_passes() -> None:
    """The old EPT003 matcher ignored prefix lists and failed here, while the path engine
    (and so EPT001/API001) allowed it: one judgement now."""
    cidrs = [s.cidr_block for s in b.healthy().subnets if s.subnet_id in b.FUNCTION_SUBNETS]
    snap = b.healthy()
    snap.prefix_lists.append(
        PrefixList(prefix_list_id="pl-0fn", name="function-subnets", cidrs=[c for c in cidrs if c])
    )
    rule = SecurityGroupRule(
        protocol="tcp", from_port=443, to_port=443, peer_kind="prefix_list", peer="pl-0fn"
    )
    _logs_endpoint_behind(snap, rule)
    _, findings = judge(snap, probe(), [DB])
    (ept003,) = _by_code(findings, "EPT003")
    assert ept003.status is FindingStatus.PASS


def test_endpoint_security_group_without_443_from_the_function_fails() -> None:
    snap = _logs_endpoint_behind(b.healthy(), tcp_rule(443, "192.168.0.0/16"))
    _, findings = judge(snap, probe(), [DB])
    (ept003,) = _by_code(findings, "EPT003")
    assert ept003.status is FindingStatus.FAIL
    assert ept003.remediation is not None
    assert (
        "authorize-security-group-ingress --group-id sg-0e0e0e0e0e0e0e004"
        in (ept003.remediation.commands[0])
    )


def test_endpoint_security_group_with_an_unread_prefix_list_is_skipped_not_failed() -> None:
    snap = _logs_endpoint_behind(
        b.healthy(),
        SecurityGroupRule(
            protocol="tcp", from_port=443, to_port=443, peer_kind="prefix_list", peer="pl-0gone"
        ),
    )
    _, findings = judge(snap, probe(), [DB])
    (ept003,) = _by_code(findings, "EPT003")
    assert ept003.status is FindingStatus.SKIPPED
    assert "pl-0gone" in ept003.message


def test_timeout_beyond_an_internet_gateway_names_it_as_one() -> None:
    _, findings = judge(b.healthy(), probe(api="timeout"), [DB, API])
    (tgt002,) = [f for f in _by_code(findings, "TGT002") if f.status is FindingStatus.FAIL]
    assert "beyond internet gateway igw-" in tgt002.message
    assert ", attached to the VPC (the internet, or the target host)" in tgt002.message
    assert "the network on the far side" not in tgt002.message


@pytest.mark.parametrize("state", ["available", "pending", "pendingAcceptance", "deleted", None])
def test_one_predicate_says_whether_an_endpoint_is_used(state: str | None) -> None:
    """The path engine and the EPT rules agree on which endpoint carries the service's traffic
    (before, the engine took any endpoint not gone and the rules only available ones)."""
    from vpcprobe_collector.paths.endpoints import service_access
    from vpcprobe_collector.rules.context import RuleContext
    from vpcprobe_collector.rules.endpoints import endpoint_for

    snap = b.healthy()
    endpoint = _endpoint("logs")
    endpoint.state = state
    snap.vpc_endpoints.append(endpoint)
    _endpoint_sg(snap, tcp_rule(443, "10.1.0.0/16"))
    used = state in ("available", None)
    access = service_access(snap, "logs")
    ctx = RuleContext(snapshot=snap, reports=[], targets=[])
    found = endpoint_for(ctx, "logs")
    assert (access.interface_endpoint_id == endpoint.vpc_endpoint_id) is used
    assert (found is not None) is used
    if not used:
        assert any(
            f"{endpoint.vpc_endpoint_id} is {state}, not available" in n for n in access.notes
        )
