"""The rules on real snapshot shapes: moto scenario -> take_snapshot -> judge -> the finding.

No probe reports here: these are the causes the configuration alone shows, judged for the
targets by address (as `diagnose --no-probe` would).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support import aws_scenarios as scenarios
from tests.support.aws_scenarios import DB_PORT, PUBLIC_ADDRESS, PUBLIC_IPV6_ADDRESS, Scenario
from tests.support.moto_server import MotoServer
from vpcprobe_collector.findings.model import Finding, FindingStatus, TargetSpec
from vpcprobe_collector.rules.engine import judge
from vpcprobe_collector.snapshot.build import take_snapshot

pytestmark = pytest.mark.moto


def _judge(
    aws: MotoServer, builder: Callable[[Any], Scenario], *, ipv6: bool = False
) -> tuple[Scenario, list[Finding]]:
    scenario = builder(aws.session())
    targets = [TargetSpec(host=a, port=DB_PORT) for a in scenario.target_addresses]
    targets.append(TargetSpec(host=PUBLIC_ADDRESS, port=443))
    if ipv6:
        targets.append(TargetSpec(host=PUBLIC_IPV6_ADDRESS, port=443))
    snapshot = take_snapshot(
        aws.session(),
        scenario.function_name,
        target_addresses=[t.host for t in targets],
    )
    snapshot = scenarios.with_endpoint_addresses_in_subnets(snapshot)
    _, findings = judge(snapshot, [], targets)
    return scenario, findings


def _problems(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.status in (FindingStatus.FAIL, FindingStatus.ERROR)]


CASES: list[tuple[str, str, Callable[[Scenario], str]]] = [
    ("build_c01_no_default_route", "RTE001", lambda s: s.private_route_table_id),
    ("build_c02_public_subnet", "RTE002", lambda s: s.internet_gateway_id),
    ("build_c03_nat_deleted", "NAT001", lambda s: s.nat_gateway_id),
    ("build_c03_nat_subnet_without_igw", "NAT001", lambda s: s.nat_gateway_id),
    ("build_c04_function_egress", "SGR001", lambda s: s.function_sg_id),
    ("build_c05_target_ingress", "SGR002", lambda s: s.target_sg_id),
    ("build_c06_nacl_deny", "ACL001", lambda s: "acl-"),
    ("build_c06_partial_return", "ACL003", lambda s: "acl-"),
    ("build_c09_endpoint_sg", "EPT003", lambda s: s.endpoint_sg_id),
    ("build_c11_dns_egress_sg", "DNS003", lambda s: s.function_sg_id),
    ("build_c11_dns_nacl", "DNS003", lambda s: "acl-"),
    ("build_c12_dns_support_off", "DNS001", lambda s: s.vpc_id),
    ("build_c14_role_without_eni_actions", "IAM001", lambda s: s.role_arn),
    ("build_c14_role_denies_eni_actions", "IAM001", lambda s: s.role_arn),
    ("build_c15_subnet_full", "SUB001", lambda s: "subnet-"),
    ("build_c17_deleted_subnet_and_sg", "CFG001", lambda s: "subnet-"),
    ("build_c19_dedicated_tenancy", "VPC001", lambda s: s.vpc_id),
    ("build_c20_dual_stack_off", "V6001", lambda s: s.function_arn),
    ("build_c20_no_ipv6_route", "V6001", lambda s: "rtb-"),
    ("build_c24_one_subnet_differs", "SUB002", lambda s: "subnet-"),
]


@pytest.mark.parametrize(("builder", "code", "resource"), CASES, ids=[c[0][6:] for c in CASES])
def test_static_cause_gives_its_finding_with_the_real_id(
    aws: MotoServer, builder: str, code: str, resource: Callable[[Scenario], str]
) -> None:
    scenario, findings = _judge(aws, getattr(scenarios, builder), ipv6=code == "V6001")
    mine = [f for f in _problems(findings) if f.code == code]
    assert mine, f"{code} missing; problems: {sorted({f.code for f in _problems(findings)})}"
    wanted = resource(scenario)
    refs = [str(r) for f in mine for r in f.resources]  # "rtb-… 0.0.0.0/0 -> igw-…"
    assert any(wanted in r for r in refs), f"{wanted} not in {refs}"
    assert all(f.remediation and f.message.endswith(".") for f in mine)


@pytest.mark.parametrize(
    ("builder", "ipv6"), [("build_healthy", False), ("build_ipv6", True)], ids=["v4", "dual-stack"]
)
def test_healthy_moto_vpc_has_no_problems(aws: MotoServer, builder: str, ipv6: bool) -> None:
    _, findings = _judge(aws, getattr(scenarios, builder), ipv6=ipv6)
    assert [(f.code, f.message) for f in _problems(findings)] == []
    if ipv6:
        assert any(f.code == "V6001" and f.status is FindingStatus.PASS for f in findings)
