"""Security groups: the function's egress (union), the destination's ingress, references."""

from __future__ import annotations

from tests.collector.paths.builder import (
    DB_ENI,
    DB_IP,
    DB_SG,
    FN_SG,
    group,
    healthy,
    path,
    sg_rule,
)
from vpcprobe_collector.paths.model import HopKind, Verdict
from vpcprobe_collector.snapshot.model import NetworkInterface, PrefixList, SecurityGroup


def test_function_egress_that_allows_nothing_to_the_port_blocks() -> None:
    snapshot = healthy()
    group(snapshot, FN_SG).egress = [sg_rule("0.0.0.0/0", "tcp", (443, 443))]
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.SECURITY_GROUP_EGRESS
    assert result.decided_by.component_id == FN_SG
    assert result.decided_by.detail == (
        f"Security group {FN_SG} allows no outbound TCP to {DB_IP}:5432."
    )
    # The same group still allows 443 anywhere.
    assert path(snapshot, "198.51.100.7", 443).verdict is Verdict.LEAVES_VPC


def test_egress_is_the_union_of_the_function_groups() -> None:
    snapshot = healthy()
    group(snapshot, FN_SG).egress = [sg_rule("0.0.0.0/0", "tcp", (443, 443))]
    snapshot.security_groups.append(
        SecurityGroup(group_id="sg-0extra", egress=[sg_rule("10.0.3.0/24", "tcp", (5432, 5432))])
    )
    result = path(snapshot, DB_IP, 5432, groups=(FN_SG, "sg-0extra"))
    assert result.verdict is Verdict.REACHABLE
    hop = next(h for h in result.hops if h.kind is HopKind.SECURITY_GROUP_EGRESS)
    assert (hop.component_id, hop.rule) == ("sg-0extra", "tcp 5432 to 10.0.3.0/24")


def test_udp_rule_does_not_allow_tcp() -> None:
    snapshot = healthy()
    group(snapshot, FN_SG).egress = [sg_rule("0.0.0.0/0", "udp", (53, 53))]
    assert path(snapshot, "198.51.100.7", 53, protocol="udp").verdict is Verdict.LEAVES_VPC
    blocked = path(snapshot, "198.51.100.7", 53, protocol="tcp")
    assert blocked.verdict is Verdict.BLOCKED
    assert blocked.decided_by is not None and blocked.decided_by.component_id == FN_SG


def test_ipv6_egress_needs_an_ipv6_rule() -> None:
    snapshot = healthy()
    group(snapshot, FN_SG).egress = [sg_rule("0.0.0.0/0")]
    result = path(snapshot, "2001:db8::10", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None and result.decided_by.component_id == FN_SG
    group(snapshot, FN_SG).egress.append(sg_rule("2001:db8::/32", "tcp", (443, 443)))
    assert path(snapshot, "2001:db8::10", 443).verdict is Verdict.LEAVES_VPC


def test_egress_to_a_prefix_list() -> None:
    snapshot = healthy()
    snapshot.prefix_lists.append(
        PrefixList(
            prefix_list_id="pl-0s3", name="com.amazonaws.us-east-1.s3", cidrs=["52.216.0.0/15"]
        )
    )
    group(snapshot, FN_SG).egress = [sg_rule("pl-0s3", "tcp", (443, 443))]
    assert path(snapshot, "52.217.1.1", 443).verdict is Verdict.LEAVES_VPC
    blocked = path(snapshot, "52.94.0.10", 443)
    assert blocked.verdict is Verdict.BLOCKED
    assert blocked.decided_by is not None and blocked.decided_by.component_id == FN_SG


def test_egress_to_a_security_group_matches_the_destination_eni() -> None:
    snapshot = healthy()
    group(snapshot, FN_SG).egress = [sg_rule(DB_SG, "tcp", (5432, 5432))]
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.REACHABLE
    egress = next(h for h in result.hops if h.kind is HopKind.SECURITY_GROUP_EGRESS)
    assert egress.rule == f"tcp 5432 to {DB_SG}"


def test_egress_to_a_security_group_with_the_destination_unknown_is_unknown() -> None:
    snapshot = healthy()
    group(snapshot, FN_SG).egress = [sg_rule(DB_SG, "tcp", (5432, 5432))]
    result = path(snapshot, "10.0.3.99", 5432)
    assert result.verdict is Verdict.UNKNOWN
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.SECURITY_GROUP_EGRESS
    assert "not in the snapshot" in result.decided_by.detail


def test_target_ingress_that_does_not_name_the_function_blocks() -> None:
    snapshot = healthy()
    group(snapshot, DB_SG).ingress = [sg_rule("sg-0other", "tcp", (5432, 5432))]
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.TARGET_SECURITY_GROUP_INGRESS
    assert result.decided_by.component_id == DB_SG
    assert DB_ENI in result.decided_by.detail


def test_target_ingress_by_cidr_must_cover_the_whole_function_subnet() -> None:
    snapshot = healthy()
    group(snapshot, DB_SG).ingress = [sg_rule("10.0.0.0/16", "tcp", (5432, 5432))]
    assert path(snapshot, DB_IP, 5432).verdict is Verdict.REACHABLE
    # A /25 covers half of 10.0.1.0/24: it depends on the address Lambda's ENI got.
    group(snapshot, DB_SG).ingress = [sg_rule("10.0.1.0/25", "tcp", (5432, 5432))]
    unknown = path(snapshot, DB_IP, 5432)
    assert unknown.verdict is Verdict.UNKNOWN
    assert unknown.decided_by is not None and unknown.decided_by.component_id == DB_SG
    # ... unless the Hyperplane ENI is known: then its real address decides.
    snapshot.lambda_enis.append(
        NetworkInterface(
            network_interface_id="eni-0lambda",
            subnet_id="subnet-0fa",
            interface_type="lambda",
            private_ip_addresses=["10.0.1.200"],
            security_group_ids=[FN_SG],
        )
    )
    blocked = path(snapshot, DB_IP, 5432)
    assert blocked.verdict is Verdict.BLOCKED
    assert blocked.decided_by is not None
    assert "eni-0lambda (10.0.1.200)" in blocked.decided_by.detail


def test_missing_function_group_blocks_naming_it() -> None:
    snapshot = healthy()
    result = path(snapshot, DB_IP, 5432, groups=("sg-0deleted",))
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert (result.decided_by.component_id, result.decided_by.rule) == (
        "sg-0deleted",
        "security group does not exist",
    )
