"""What could not be read is unknown, never clean; and what the source subnet itself decides."""

from __future__ import annotations

from tests.collector.paths.builder import DB_IP, DB_SG, FN_A, FN_SG, healthy, path, skip
from vpcprobe_collector.paths.evaluate import evaluate_function_paths
from vpcprobe_collector.paths.model import HopKind, HopOutcome, Verdict


def test_unread_nacls_make_the_path_unknown_naming_the_api() -> None:
    snapshot = healthy()
    snapshot.network_acls.clear()
    skip(snapshot, "ec2:DescribeNetworkAcls")
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.UNKNOWN
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.NACL_OUTBOUND
    assert result.decided_by.component_id == FN_A
    assert result.decided_by.rule == "ec2:DescribeNetworkAcls UnauthorizedOperation"
    assert "UnauthorizedOperation on ec2:DescribeNetworkAcls" in result.decided_by.detail


def test_a_deny_elsewhere_still_blocks_when_a_read_was_skipped() -> None:
    snapshot = healthy()
    snapshot.network_acls.clear()
    skip(snapshot, "ec2:DescribeNetworkAcls")
    snapshot.security_groups[0].egress.clear()
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None and result.decided_by.component_id == FN_SG


def test_unread_security_groups_are_unknown() -> None:
    snapshot = healthy()
    snapshot.security_groups.clear()
    skip(snapshot, "ec2:DescribeSecurityGroups", "AccessDenied")
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.UNKNOWN
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.SECURITY_GROUP_EGRESS
    assert result.decided_by.rule == "ec2:DescribeSecurityGroups AccessDenied"
    target = next(h for h in result.hops if h.kind is HopKind.TARGET_SECURITY_GROUP_INGRESS)
    assert (target.component_id, target.outcome) == (DB_SG, HopOutcome.UNKNOWN)


def test_unread_route_tables_are_unknown() -> None:
    snapshot = healthy()
    snapshot.route_tables.clear()
    skip(snapshot, "ec2:DescribeRouteTables")
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.UNKNOWN
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.ROUTE
    assert result.decided_by.source_api == "ec2:DescribeRouteTables"


def test_unread_nat_gateways_are_unknown() -> None:
    snapshot = healthy()
    snapshot.nat_gateways.clear()
    skip(snapshot, "ec2:DescribeNatGateways")
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.UNKNOWN
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (
        "nat-0a",
        "ec2:DescribeNatGateways UnauthorizedOperation",
    )


def test_destination_eni_not_in_the_snapshot_is_unknown_and_says_so() -> None:
    result = path(healthy(), "10.0.3.99", 5432)
    assert result.verdict is Verdict.UNKNOWN
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.TARGET_SECURITY_GROUP_INGRESS
    assert result.decided_by.component_id == "subnet-0db"
    assert "No network interface with address 10.0.3.99" in result.decided_by.detail


def test_deleted_function_subnet_blocks() -> None:
    result = path(healthy(), DB_IP, 5432, subnet="subnet-0gone")
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (
        "subnet-0gone",
        "subnet does not exist",
    )


def test_dedicated_tenancy_blocks_at_the_vpc() -> None:
    snapshot = healthy()
    assert snapshot.vpc is not None
    snapshot.vpc.instance_tenancy = "dedicated"
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (
        "vpc-0a",
        "instanceTenancy=dedicated",
    )


def test_ipv6_needs_dual_stack_allowed_on_the_function() -> None:
    snapshot = healthy()
    assert snapshot.function and snapshot.function.vpc_config
    snapshot.function.vpc_config.ipv6_allowed_for_dual_stack = False
    result = path(snapshot, "2001:db8::10", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (
        "orders",
        "Ipv6AllowedForDualStack=false",
    )
    # IPv4 is not affected.
    assert path(snapshot, "198.51.100.7", 443).verdict is Verdict.LEAVES_VPC


def test_ipv6_needs_an_ipv6_cidr_on_the_subnet() -> None:
    snapshot = healthy()
    snapshot.subnets[0].ipv6_cidr_blocks = []
    result = path(snapshot, "2001:db8::10", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (FN_A, "no IPv6 CIDR")


def test_function_paths_one_per_subnet_and_none_outside_a_vpc() -> None:
    snapshot = healthy()
    results = evaluate_function_paths(snapshot, DB_IP, 5432)
    assert [r.query.subnet_id for r in results] == ["subnet-0fa", "subnet-0fb"]
    assert all(r.query.security_group_ids == (FN_SG,) for r in results)
    assert snapshot.function is not None
    snapshot.function.vpc_config = None
    assert evaluate_function_paths(snapshot, DB_IP, 5432) == []


def test_one_subnet_that_differs_is_named() -> None:
    snapshot = healthy()
    snapshot.route_tables[0].associations.pop()  # subnet-0fb falls back to the main table
    results = evaluate_function_paths(snapshot, "198.51.100.7", 443)
    assert [r.verdict for r in results] == [Verdict.LEAVES_VPC, Verdict.BLOCKED]
    assert results[1].decided_by is not None
    assert results[1].decided_by.component_id == "rtb-0main"


def test_destination_subnet_not_read_still_gets_its_nacl_checked() -> None:
    snapshot = healthy()
    snapshot.subnets = [s for s in snapshot.subnets if s.subnet_id != "subnet-0db"]
    acl = snapshot.network_acls[0]
    snapshot.network_acls.append(
        acl.model_copy(
            update={
                "network_acl_id": "acl-0db",
                "subnet_ids": ["subnet-0db"],
                "entries": [e for e in acl.entries if e.egress],  # nothing allowed inbound
            }
        )
    )
    acl.subnet_ids.remove("subnet-0db")
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.TARGET_NACL_INBOUND
    assert (result.decided_by.component_id, result.decided_by.rule) == ("acl-0db", "rule *")


def test_destination_group_not_in_the_snapshot_is_unknown_not_blocked() -> None:
    snapshot = healthy()
    snapshot.security_groups = [g for g in snapshot.security_groups if g.group_id != DB_SG]
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.UNKNOWN
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.TARGET_SECURITY_GROUP_INGRESS
    assert result.decided_by.component_id == DB_SG
    assert "perhaps another account's" in result.decided_by.detail
