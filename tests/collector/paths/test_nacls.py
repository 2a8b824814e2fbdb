"""Network ACLs: rule order, the default * rule, return ports, both subnets, same subnet."""

from __future__ import annotations

from tests.collector.paths.builder import (
    DB,
    DB_IP,
    FN_A,
    PUBLIC,
    entry,
    healthy,
    own_acl,
    path,
)
from vpcprobe_collector.paths.cidr import parse_network
from vpcprobe_collector.paths.model import HopKind, HopOutcome, Verdict
from vpcprobe_collector.paths.nacls import evaluate_nacl
from vpcprobe_collector.snapshot.model import NetworkAcl, NetworkInterface

ALLOW_ALL_IN = entry(100, "allow", egress=False)
ALLOW_ALL_OUT = entry(100, "allow", egress=True)
DEFAULTS = [entry(32767, "deny", egress=False), entry(32767, "deny", egress=True)]


def _acl(*entries):  # type: ignore[no-untyped-def]
    return NetworkAcl(network_acl_id="acl-0x", vpc_id="vpc-0a", entries=list(entries))


def test_lowest_rule_number_wins_whatever_the_order_listed() -> None:
    acl = _acl(
        entry(100, "allow", egress=True),
        entry(90, "deny", egress=True, cidr="10.0.3.0/24", protocol="6", ports=(5432, 5432)),
    )
    peer = [parse_network("10.0.3.10/32")]
    decision = evaluate_nacl(acl, egress=True, protocol="tcp", peers=peer, ports=(5432, 5432))
    assert (decision.outcome, decision.rule_number) == (HopOutcome.DENY, 90)
    other = evaluate_nacl(acl, egress=True, protocol="tcp", peers=peer, ports=(443, 443))
    assert (other.outcome, other.rule_number) == (HopOutcome.ALLOW, 100)


def test_nothing_matching_falls_to_the_default_rule() -> None:
    acl = _acl(entry(100, "allow", egress=True, cidr="10.0.0.0/16"))
    peer = [parse_network("198.51.100.7/32")]
    decision = evaluate_nacl(acl, egress=True, protocol="tcp", peers=peer, ports=(443, 443))
    assert (decision.outcome, decision.rule_number) == (HopOutcome.DENY, 32767)


def test_partial_return_range_is_partial_with_both_sides_named() -> None:
    acl = _acl(entry(100, "allow", egress=False, protocol="6", ports=(32768, 65535)))
    peer = [parse_network("10.0.3.10/32")]
    decision = evaluate_nacl(acl, egress=False, protocol="tcp", peers=peer, ports=(1024, 65535))
    assert decision.outcome is HopOutcome.PARTIAL
    assert decision.allowed == ((32768, 65535),)
    assert decision.denied == ((1024, 32767),)
    assert (decision.allow_rule_number, decision.deny_rule_number) == (100, 32767)


def test_outbound_deny_rule_90_before_allow_100_blocks_the_path() -> None:
    snapshot = healthy()
    own_acl(
        snapshot,
        "acl-0fn",
        FN_A,
        [
            entry(90, "deny", egress=True, cidr="10.0.3.0/24", protocol="6", ports=(5432, 5432)),
            ALLOW_ALL_OUT,
            ALLOW_ALL_IN,
            *DEFAULTS,
        ],
    )
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.NACL_OUTBOUND
    assert (result.decided_by.component_id, result.decided_by.rule) == ("acl-0fn", "rule 90")
    assert result.decided_by.detail == (
        f"Network ACL acl-0fn rule 90 denies outbound TCP to {DB_IP}:5432."
    )


def test_default_deny_on_the_function_subnet_inbound_return() -> None:
    snapshot = healthy()
    own_acl(snapshot, "acl-0fn", FN_A, [ALLOW_ALL_OUT, *DEFAULTS])
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.NACL_INBOUND_RETURN
    assert (result.decided_by.component_id, result.decided_by.rule) == ("acl-0fn", "rule *")
    assert "default rule *" in result.decided_by.detail


def test_partial_ephemeral_range_is_intermittent() -> None:
    snapshot = healthy()
    own_acl(
        snapshot,
        "acl-0fn",
        FN_A,
        [
            ALLOW_ALL_OUT,
            entry(110, "allow", egress=False, protocol="6", ports=(32768, 65535)),
            *DEFAULTS,
        ],
    )
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.intermittent is True
    assert result.decided_by is not None
    assert result.decided_by.outcome is HopOutcome.PARTIAL
    assert (result.decided_by.component_id, result.decided_by.rule) == ("acl-0fn", "rule *")
    assert result.decided_by.detail == (
        f"Network ACL acl-0fn allows inbound return TCP from {DB_IP} only on ports 32768-65535 "
        "(rule 110); ports 1024-32767 are denied by rule *, so some connections fail and "
        "others work."
    )


def test_full_deny_elsewhere_is_not_intermittent() -> None:
    snapshot = healthy()
    own_acl(
        snapshot,
        "acl-0fn",
        FN_A,
        [
            entry(90, "deny", egress=True, protocol="6", ports=(5432, 5432)),
            ALLOW_ALL_OUT,
            entry(110, "allow", egress=False, protocol="6", ports=(32768, 65535)),
            *DEFAULTS,
        ],
    )
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.intermittent is False
    assert result.decided_by is not None and result.decided_by.rule == "rule 90"


def test_destination_subnet_inbound_is_checked_against_the_function_subnet() -> None:
    snapshot = healthy()
    own_acl(
        snapshot,
        "acl-0db",
        DB,
        [
            entry(100, "allow", egress=False, cidr="10.0.2.0/24", protocol="6", ports=(5432, 5432)),
            ALLOW_ALL_OUT,
            *DEFAULTS,
        ],
    )
    from_b = path(snapshot, DB_IP, 5432, subnet="subnet-0fb")
    assert from_b.verdict is Verdict.REACHABLE
    from_a = path(snapshot, DB_IP, 5432)
    assert from_a.verdict is Verdict.BLOCKED
    assert from_a.decided_by is not None
    assert from_a.decided_by.kind is HopKind.TARGET_NACL_INBOUND
    assert (from_a.decided_by.component_id, from_a.decided_by.rule) == ("acl-0db", "rule *")


def test_destination_subnet_outbound_return() -> None:
    snapshot = healthy()
    own_acl(
        snapshot,
        "acl-0db",
        DB,
        [
            ALLOW_ALL_IN,
            entry(100, "allow", egress=True, cidr="10.0.1.0/24", protocol="6", ports=(443, 443)),
            *DEFAULTS,
        ],
    )
    result = path(snapshot, DB_IP, 5432)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    assert result.decided_by.kind is HopKind.TARGET_NACL_OUTBOUND_RETURN
    assert (result.decided_by.component_id, result.decided_by.rule) == ("acl-0db", "rule *")


def test_no_nacl_within_one_subnet() -> None:
    snapshot = healthy()
    own_acl(snapshot, "acl-0fn", FN_A, list(DEFAULTS))  # denies everything
    snapshot.network_interfaces.append(
        NetworkInterface(
            network_interface_id="eni-0cache",
            subnet_id=FN_A,
            private_ip_addresses=["10.0.1.77"],
            security_group_ids=["sg-0db"],
        )
    )
    snapshot.security_groups[1].ingress.append(
        snapshot.security_groups[1]
        .ingress[0]
        .model_copy(update={"from_port": 6379, "to_port": 6379})
    )
    result = path(snapshot, "10.0.1.77", 6379)
    assert result.verdict is Verdict.REACHABLE
    assert not [h for h in result.hops if h.component_id == "acl-0fn"]
    # The same NACL blocks the way out of the subnet.
    assert path(snapshot, DB_IP, 5432).verdict is Verdict.BLOCKED


def test_nat_subnet_nacl_is_checked_both_ways() -> None:
    snapshot = healthy()
    own_acl(
        snapshot,
        "acl-0pub",
        PUBLIC,
        [
            ALLOW_ALL_IN,
            entry(100, "allow", egress=True, cidr="0.0.0.0/0", protocol="6", ports=(443, 443)),
            *DEFAULTS,
        ],
    )
    result = path(snapshot, "198.51.100.7", 443)
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None
    # 443 out is allowed; the return to the function on 1024-65535 is not.
    assert result.decided_by.kind is HopKind.NAT_NACL_OUTBOUND_RETURN
    assert (result.decided_by.component_id, result.decided_by.rule) == ("acl-0pub", "rule *")
