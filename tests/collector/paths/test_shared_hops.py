"""Hops the walk shares between paths (a destination subnet's NACL hops, shared by every
destination in it; a security group rule that admits the function, shared by every function
subnet it admits) answer exactly as a fresh evaluation of each path alone would: over random
snapshots, the results through one index (the rules' `RuleContext.paths_to`, the batch
`evaluate_many`) equal those of each path evaluated alone with a new index, field for field
and in order."""

from __future__ import annotations

from typing import Literal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.collector.paths.builder import (
    DB,
    DB_SG,
    FN_A,
    FN_SG,
    entry,
    group,
    healthy,
    own_acl,
    sg_rule,
)
from vpcprobe_collector.paths.evaluate import evaluate_many, evaluate_path
from vpcprobe_collector.paths.model import HopKind, PathQuery, PathResult
from vpcprobe_collector.rules.context import RuleContext
from vpcprobe_collector.snapshot.model import NaclEntry, NetworkInterface, VpcSnapshot

Protocol = Literal["tcp", "udp"]
PORTS = (22, 53, 443, 5432, 6379)
# Peers a rule or entry may name: the function subnets, the database subnet, parts of them.
CIDRS = ("0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24", "10.0.1.0/25")
EXTRA_SG = "sg-0extra"

ports = st.sampled_from(PORTS)
port_ranges = st.one_of(st.none(), st.tuples(ports, ports).map(lambda p: (min(p), max(p))))
protocols = st.sampled_from(("-1", "6", "17"))
nacl_entries = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=200),
        st.sampled_from(("allow", "deny")),
        st.booleans(),
        st.sampled_from(CIDRS),
        protocols,
        port_ranges,
    ),
    max_size=6,
)
sg_rules = st.lists(
    st.tuples(
        st.sampled_from((*CIDRS[1:], FN_SG)), st.sampled_from(("tcp", "udp", "-1")), port_ranges
    ),
    max_size=4,
)
# Destinations: database-subnet addresses (some held by an ENI), the NAT's way out, ports.
hosts = st.sampled_from(("10.0.3.10", "10.0.3.11", "10.0.3.12", "10.0.3.13", "198.51.100.7"))
targets = st.lists(st.tuples(hosts, ports, st.sampled_from(("tcp", "udp"))), min_size=1, max_size=8)


def _entries(raw: list[tuple[int, str, bool, str, str, tuple[int, int] | None]]) -> list[NaclEntry]:
    found = [
        entry(
            number,
            "allow" if action == "allow" else "deny",
            egress=egress,
            cidr=cidr,
            protocol=protocol,
            ports=None if protocol == "-1" else span,
        )
        for number, action, egress, cidr, protocol, span in raw
    ]
    unique = {(e.rule_number, e.egress): e for e in found}  # AWS: one entry per number
    return [
        *unique.values(),
        entry(300, "allow", egress=True),
        entry(300, "allow", egress=False),
        entry(32767, "deny", egress=True),
        entry(32767, "deny", egress=False),
    ]


def _snapshot(
    db_acl: list[tuple[int, str, bool, str, str, tuple[int, int] | None]],
    fn_acl: list[tuple[int, str, bool, str, str, tuple[int, int] | None]],
    rules: list[tuple[str, str, tuple[int, int] | None]],
    extra_groups: list[bool],
) -> VpcSnapshot:
    snapshot = healthy()
    own_acl(snapshot, "acl-0db", DB, _entries(db_acl))
    own_acl(snapshot, "acl-0fa", FN_A, _entries(fn_acl))
    db = group(snapshot, DB_SG)
    db.ingress += [sg_rule(peer, protocol, span) for peer, protocol, span in rules]
    extra = group(snapshot, DB_SG).model_copy(update={"group_id": EXTRA_SG, "ingress": []})
    snapshot.security_groups.append(extra)
    for n, with_extra in enumerate(extra_groups):  # more ENIs in the database subnet
        snapshot.network_interfaces.append(
            NetworkInterface(
                network_interface_id=f"eni-0db{n}",
                subnet_id=DB,
                vpc_id="vpc-0a",
                interface_type="interface",
                private_ip_addresses=[f"10.0.3.{11 + n}"],
                security_group_ids=[EXTRA_SG, DB_SG] if with_extra else [DB_SG],
            )
        )
    return snapshot


def _alone(
    snapshot: VpcSnapshot, wanted: list[tuple[str, int, Protocol]]
) -> list[list[PathResult]]:
    """Each path (target and function subnet) evaluated on its own, with a new index:
    nothing shared, not even between the function subnets of one target."""
    config = snapshot.function.vpc_config if snapshot.function else None
    assert config is not None
    return [
        [
            evaluate_path(
                snapshot,
                PathQuery(
                    subnet_id=subnet_id,
                    security_group_ids=tuple(config.security_group_ids),
                    destination=address,
                    protocol=protocol,
                    port=port,
                ),
            )
            for subnet_id in config.subnet_ids
        ]
        for address, port, protocol in wanted
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nacl_entries,
    nacl_entries,
    sg_rules,
    st.lists(st.booleans(), max_size=2),
    targets,
)
def test_shared_hops_answer_as_each_path_alone(
    db_acl: list[tuple[int, str, bool, str, str, tuple[int, int] | None]],
    fn_acl: list[tuple[int, str, bool, str, str, tuple[int, int] | None]],
    rules: list[tuple[str, str, tuple[int, int] | None]],
    extra_groups: list[bool],
    wanted: list[tuple[str, int, Protocol]],
) -> None:
    _check(_snapshot(db_acl, fn_acl, rules, extra_groups), wanted)


def test_each_function_subnet_keeps_the_rule_that_admits_it() -> None:
    """FN_A is let in by a rule for its own CIDR, FN_B by a later rule for the whole VPC:
    one group and one ENI, two rules, two hops."""
    rules: list[tuple[str, str, tuple[int, int] | None]] = [
        ("10.0.1.0/24", "tcp", (443, 443)),
        ("10.0.0.0/16", "tcp", (443, 443)),
    ]
    snapshot = _snapshot([], [], rules, [])
    from_a, from_b = RuleContext(snapshot=snapshot).paths_to("10.0.3.10", 443)
    rules_seen = [
        next(h.rule for h in r.hops if h.kind is HopKind.TARGET_SECURITY_GROUP_INGRESS)
        for r in (from_a, from_b)
    ]
    assert rules_seen == ["tcp 443 from 10.0.1.0/24", "tcp 443 from 10.0.0.0/16"]
    _check(snapshot, [("10.0.3.10", 443, "tcp")])


def _check(snapshot: VpcSnapshot, wanted: list[tuple[str, int, Protocol]]) -> None:
    alone = [[r.model_dump(mode="json") for r in rs] for rs in _alone(snapshot, wanted)]

    ctx = RuleContext(snapshot=snapshot)
    through_rules = [ctx.paths_to(a, p, protocol) for a, p, protocol in wanted]
    assert [[r.model_dump(mode="json") for r in rs] for rs in through_rules] == alone

    for protocol in ("tcp", "udp"):
        picked = [(a, p) for a, p, proto in wanted if proto == protocol]
        batch = evaluate_many(snapshot, picked, protocol)
        assert [[r.model_dump(mode="json") for r in rs] for rs in batch] == [
            [r.model_dump(mode="json") for r in rs]
            for rs in _alone(snapshot, [(a, p, protocol) for a, p in picked])
        ]


def test_destinations_of_one_subnet_share_its_nacl_hops_and_keep_their_own_words() -> None:
    """Two databases in one subnet: the NACL hops of that subnet are one object for both, the
    function's own NACL hops (which name each address) are not; a rule admitting the function
    is one hop for both function subnets."""
    snapshot = _snapshot([], [], [], [False])
    ctx = RuleContext(snapshot=snapshot)
    first, second = ctx.paths_to("10.0.3.10", 5432), ctx.paths_to("10.0.3.11", 5432)

    def hop(result: PathResult, kind: HopKind) -> object:
        return next(h for h in result.hops if h.kind is kind)

    for a, b in zip(first, second, strict=True):
        assert hop(a, HopKind.TARGET_NACL_INBOUND) is hop(b, HopKind.TARGET_NACL_INBOUND)
        assert hop(a, HopKind.TARGET_NACL_OUTBOUND_RETURN) is hop(
            b, HopKind.TARGET_NACL_OUTBOUND_RETURN
        )
        outbound_a, outbound_b = hop(a, HopKind.NACL_OUTBOUND), hop(b, HopKind.NACL_OUTBOUND)
        assert outbound_a is not outbound_b
        assert "10.0.3.10:5432" in getattr(outbound_a, "detail", "")
        assert "10.0.3.11:5432" in getattr(outbound_b, "detail", "")
    from_a, from_b = first
    ingress_a = hop(from_a, HopKind.TARGET_SECURITY_GROUP_INGRESS)
    assert ingress_a is hop(from_b, HopKind.TARGET_SECURITY_GROUP_INGRESS)
    assert getattr(ingress_a, "outcome", None) == "allow"
