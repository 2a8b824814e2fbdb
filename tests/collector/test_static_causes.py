"""One test per statically visible failure cause: moto scenario -> snapshot -> verdict + culprit.

Path causes assert the verdict and the ID (and rule) of the component that decided it; setup
causes (C14-C17, C19) assert the snapshot fact the rules will judge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support import aws_scenarios as scenarios
from tests.support.aws_scenarios import (
    DB_PORT,
    DNS_SERVER_IP,
    PUBLIC_ADDRESS,
    PUBLIC_IPV6_ADDRESS,
    Scenario,
)
from tests.support.moto_server import MotoServer
from vpcprobe_collector.paths.dns_servers import evaluate_dns_servers
from vpcprobe_collector.paths.endpoints import service_access
from vpcprobe_collector.paths.evaluate import evaluate_function_paths
from vpcprobe_collector.paths.model import HopKind, PathResult, Verdict
from vpcprobe_collector.snapshot.build import take_snapshot
from vpcprobe_collector.snapshot.model import PermissionDecision, VpcSnapshot

DB = "10.0.10.20"


@pytest.fixture
def build(aws: MotoServer) -> Callable[[Callable[[Any], Scenario]], tuple[Scenario, VpcSnapshot]]:
    """Build a scenario in a clean moto and take the function's snapshot."""

    def run(builder: Callable[[Any], Scenario]) -> tuple[Scenario, VpcSnapshot]:
        scenario = builder(aws.session())
        snapshot = take_snapshot(
            aws.session(), scenario.function_name, target_addresses=scenario.target_addresses
        )
        return scenario, scenarios.with_endpoint_addresses_in_subnets(snapshot)

    return run


Build = Callable[[Callable[[Any], Scenario]], tuple[Scenario, VpcSnapshot]]


def decided(results: list[PathResult]) -> set[tuple[Verdict, str | None, str | None]]:
    """(verdict, deciding component, rule) over every function subnet."""
    return {
        (
            r.verdict,
            r.decided_by.component_id if r.decided_by else None,
            r.decided_by.rule if r.decided_by else None,
        )
        for r in results
    }


def test_healthy_vpc_is_reachable_everywhere(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_healthy)
    database = evaluate_function_paths(snapshot, DB, DB_PORT)
    assert len(database) == 3
    assert decided(database) == {(Verdict.REACHABLE, None, None)}
    internet = evaluate_function_paths(snapshot, PUBLIC_ADDRESS, 443)
    assert {r.verdict for r in internet} == {Verdict.LEAVES_VPC}  # NAT -> IGW: open to the edge
    assert all(
        any(
            h.kind is HopKind.NAT_GATEWAY and h.component_id == scenario.nat_gateway_id
            for h in r.hops
        )
        for r in internet
    )
    [dns] = evaluate_dns_servers(snapshot)
    assert (dns.server, dns.verdict) == ("AmazonProvidedDNS", Verdict.REACHABLE)
    logs = service_access(snapshot, "logs")
    assert (logs.verdict, logs.interface_endpoint_id, logs.resolves_to) == (
        Verdict.REACHABLE,
        scenario.logs_endpoint_id,
        "endpoint",
    )
    assert snapshot.role_permissions is not None
    assert set(snapshot.role_permissions.decisions.values()) == {PermissionDecision.ALLOWED}
    assert [s.api for s in snapshot.skipped] == [
        "iam:SimulatePrincipalPolicy",  # moto: not implemented
        "service-quotas:GetServiceQuota",  # moto: no lambda quotas
    ]


def test_healthy_custom_dns_server_is_reachable(build: Build) -> None:
    _, snapshot = build(scenarios.build_custom_dns)
    [dns] = evaluate_dns_servers(snapshot)
    assert (dns.server, dns.kind, dns.verdict) == (DNS_SERVER_IP, "custom", Verdict.REACHABLE)
    assert len(dns.results) == 6  # UDP and TCP 53 from each of the three subnets


def test_healthy_ipv6_is_open_to_the_edge(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_ipv6)
    results = evaluate_function_paths(snapshot, PUBLIC_IPV6_ADDRESS, 443)
    assert {r.verdict for r in results} == {Verdict.LEAVES_VPC}
    assert all(
        any(h.component_id == scenario.egress_only_gateway_id for h in r.hops) for r in results
    )


def test_c01_no_default_route(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c01_no_default_route)
    assert decided(evaluate_function_paths(snapshot, PUBLIC_ADDRESS, 443)) == {
        (Verdict.BLOCKED, scenario.private_route_table_id, f"no route to {PUBLIC_ADDRESS}")
    }


def test_c02_function_in_public_subnet(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c02_public_subnet)
    results = evaluate_function_paths(snapshot, PUBLIC_ADDRESS, 443)
    assert decided(results) == {
        (
            Verdict.BLOCKED,
            scenario.private_route_table_id,
            f"0.0.0.0/0 -> {scenario.internet_gateway_id}",
        )
    }


def test_c03_nat_gateway_deleted(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c03_nat_deleted)
    results = evaluate_function_paths(snapshot, PUBLIC_ADDRESS, 443)
    assert decided(results) == {(Verdict.BLOCKED, scenario.nat_gateway_id, "state deleted")}
    assert all(r.decided_by and r.decided_by.kind is HopKind.NAT_GATEWAY for r in results)


def test_c03_nat_gateway_subnet_has_no_route_to_the_igw(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c03_nat_subnet_without_igw)
    assert decided(evaluate_function_paths(snapshot, PUBLIC_ADDRESS, 443)) == {
        (Verdict.BLOCKED, scenario.public_route_table_id, f"no route to {PUBLIC_ADDRESS}")
    }


def test_c04_function_sg_egress(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c04_function_egress)
    results = evaluate_function_paths(snapshot, DB, DB_PORT)
    assert {(r.verdict, r.decided_by.component_id) for r in results if r.decided_by} == {
        (Verdict.BLOCKED, scenario.function_sg_id)
    }
    assert all(r.decided_by and r.decided_by.kind is HopKind.SECURITY_GROUP_EGRESS for r in results)
    # 443 is still allowed out.
    assert {r.verdict for r in evaluate_function_paths(snapshot, PUBLIC_ADDRESS, 443)} == {
        Verdict.LEAVES_VPC
    }


def test_c05_target_sg_ingress(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c05_target_ingress)
    results = evaluate_function_paths(snapshot, DB, DB_PORT)
    assert {(r.verdict, r.decided_by.component_id) for r in results if r.decided_by} == {
        (Verdict.BLOCKED, scenario.target_sg_id)
    }
    assert all(
        r.decided_by and r.decided_by.kind is HopKind.TARGET_SECURITY_GROUP_INGRESS for r in results
    )


def test_c06_nacl_deny_rule_90(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c06_nacl_deny)
    assert decided(evaluate_function_paths(snapshot, DB, DB_PORT)) == {
        (Verdict.BLOCKED, scenario.extra["acl_id"], "rule 90")
    }


def test_c06_partial_return_ports_are_intermittent(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c06_partial_return)
    results = evaluate_function_paths(snapshot, DB, DB_PORT)
    assert {(r.verdict, r.intermittent) for r in results} == {(Verdict.BLOCKED, True)}
    assert {r.decided_by.component_id for r in results if r.decided_by} == {
        scenario.extra["acl_id"]
    }
    assert all(r.decided_by and r.decided_by.kind is HopKind.NACL_INBOUND_RETURN for r in results)
    assert all(r.decided_by and "32768-65535" in r.decided_by.detail for r in results)


def test_c09_endpoint_sg_blocks_443(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c09_endpoint_sg)
    logs = service_access(snapshot, "logs")
    assert logs.verdict is Verdict.BLOCKED
    assert logs.interface_endpoint_id == scenario.logs_endpoint_id
    assert logs.decided_by is not None
    assert (logs.decided_by.kind, logs.decided_by.component_id) == (
        HopKind.TARGET_SECURITY_GROUP_INGRESS,
        scenario.endpoint_sg_id,
    )


def test_c10_custom_dns_server_unreachable(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c10_dns_server_blocked)
    [dns] = evaluate_dns_servers(snapshot)
    assert (dns.server, dns.verdict, dns.dhcp_options_id) == (
        DNS_SERVER_IP,
        Verdict.BLOCKED,
        scenario.dhcp_options_id,
    )
    assert dns.decided_by is not None
    assert dns.decided_by.component_id == scenario.dns_server_sg_id
    assert {r.verdict for r in dns.results} == {Verdict.BLOCKED}


def test_c11_function_sg_blocks_dns(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c11_dns_egress_sg)
    [dns] = evaluate_dns_servers(snapshot)
    assert dns.verdict is Verdict.BLOCKED
    assert dns.decided_by is not None
    assert (dns.decided_by.kind, dns.decided_by.component_id) == (
        HopKind.SECURITY_GROUP_EGRESS,
        scenario.function_sg_id,
    )


def test_c11_nacl_blocks_udp_dns(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c11_dns_nacl)
    [dns] = evaluate_dns_servers(snapshot)
    assert dns.verdict is Verdict.BLOCKED
    assert dns.decided_by is not None
    assert (dns.decided_by.component_id, dns.decided_by.rule) == (
        scenario.extra["acl_id"],
        "rule 80",
    )
    by_protocol = {(r.query.protocol, r.verdict) for r in dns.results}
    assert by_protocol == {("udp", Verdict.BLOCKED), ("tcp", Verdict.REACHABLE)}


def test_c12_dns_support_off(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c12_dns_support_off)
    assert snapshot.vpc is not None and snapshot.vpc.enable_dns_support is False
    [dns] = evaluate_dns_servers(snapshot)
    assert (dns.server, dns.verdict) == ("AmazonProvidedDNS", Verdict.BLOCKED)
    assert dns.decided_by is not None
    assert (dns.decided_by.component_id, dns.decided_by.rule) == (
        scenario.vpc_id,
        "enableDnsSupport=false",
    )


def test_c14_role_lacks_eni_actions(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c14_role_without_eni_actions)
    permissions = snapshot.role_permissions
    assert permissions is not None
    assert (permissions.role_arn, permissions.method) == (scenario.role_arn, "local")
    assert permissions.decisions == {
        "ec2:CreateNetworkInterface": PermissionDecision.IMPLICIT_DENY,
        "ec2:DescribeNetworkInterfaces": PermissionDecision.IMPLICIT_DENY,
        "ec2:DeleteNetworkInterface": PermissionDecision.IMPLICIT_DENY,
    }


def test_c14_role_explicitly_denies_create(build: Build) -> None:
    _, snapshot = build(scenarios.build_c14_role_denies_eni_actions)
    assert snapshot.role_permissions is not None
    assert snapshot.role_permissions.decisions == {
        "ec2:CreateNetworkInterface": PermissionDecision.EXPLICIT_DENY,
        "ec2:DescribeNetworkInterfaces": PermissionDecision.ALLOWED,
        "ec2:DeleteNetworkInterface": PermissionDecision.ALLOWED,
    }


def test_c15_subnet_without_free_addresses(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c15_subnet_full)
    full = snapshot.subnet(scenario.extra["full_subnet_id"])
    assert full is not None
    assert (full.cidr_block, full.available_ip_address_count) == ("10.0.20.0/28", 0)
    assert snapshot.function and snapshot.function.vpc_config
    assert full.subnet_id in snapshot.function.vpc_config.subnet_ids
    others = [snapshot.subnet(s) for s in scenario.function_subnet_ids[:2]]
    assert all(s is not None and (s.available_ip_address_count or 0) > 200 for s in others)


def test_c16_lambda_enis_against_the_quota(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c16_many_lambda_enis)
    quota = snapshot.eni_quota
    assert quota is not None
    assert quota.in_use == scenario.extra["lambda_eni_count"] == 24
    assert (quota.value, quota.source) == (500, "default")
    assert {e.subnet_id for e in snapshot.lambda_enis} == set(scenario.function_subnet_ids)


def test_c17_vpc_config_names_deleted_subnet_and_sg(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c17_deleted_subnet_and_sg)
    subnet_skip = snapshot.skipped_for("ec2:DescribeSubnets")
    assert subnet_skip is not None
    assert subnet_skip.error_code == "InvalidSubnetID.NotFound"
    assert subnet_skip.resource_ids == [scenario.extra["deleted_subnet_id"]]
    sg_skip = snapshot.skipped_for("ec2:DescribeSecurityGroups")
    assert sg_skip is not None
    assert (sg_skip.error_code, sg_skip.resource_ids) == (
        "InvalidGroup.NotFound",
        [scenario.extra["deleted_sg_id"]],
    )
    # The existing subnets are still read and evaluated; the deleted one is unknown.
    results = {r.query.subnet_id: r for r in evaluate_function_paths(snapshot, DB, DB_PORT)}
    assert results[scenario.extra["deleted_subnet_id"]].verdict is Verdict.UNKNOWN
    assert snapshot.subnet(scenario.function_subnet_ids[0]) is not None


def test_c19_dedicated_tenancy(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c19_dedicated_tenancy)
    assert snapshot.vpc is not None
    assert (snapshot.vpc.vpc_id, snapshot.vpc.instance_tenancy) == (scenario.vpc_id, "dedicated")


def test_c20_dual_stack_off(build: Build) -> None:
    _, snapshot = build(scenarios.build_c20_dual_stack_off)
    results = evaluate_function_paths(snapshot, PUBLIC_IPV6_ADDRESS, 443)
    assert decided(results) == {(Verdict.BLOCKED, "orders-api", "Ipv6AllowedForDualStack=false")}


def test_c20_no_ipv6_default_route(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c20_no_ipv6_route)
    assert decided(evaluate_function_paths(snapshot, PUBLIC_IPV6_ADDRESS, 443)) == {
        (Verdict.BLOCKED, scenario.private_route_table_id, f"no route to {PUBLIC_IPV6_ADDRESS}")
    }


def test_c24_one_subnet_of_three_differs(build: Build) -> None:
    scenario, snapshot = build(scenarios.build_c24_one_subnet_differs)
    results = {r.query.subnet_id: r for r in evaluate_function_paths(snapshot, PUBLIC_ADDRESS, 443)}
    odd = scenario.extra["odd_subnet_id"]
    assert results[odd].verdict is Verdict.BLOCKED
    assert results[odd].decided_by is not None
    assert results[odd].decided_by.component_id == scenario.extra["odd_route_table_id"]
    assert {r.verdict for s, r in results.items() if s != odd} == {Verdict.LEAVES_VPC}
