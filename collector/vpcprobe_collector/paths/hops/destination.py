"""The destination inside the VPC: its subnet's NACL both ways and its ENI's security groups,
or, when no network interface holds the address, that fact with the subnet it falls in."""

from __future__ import annotations

from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.decisions import (
    Decision,
    EndDecision,
    EndKind,
    NaclHopDecision,
    SgIngressDecision,
)
from vpcprobe_collector.paths.hops import nacl, security_group_ingress
from vpcprobe_collector.paths.model import ALLOW, UNKNOWN, Hop, HopKind
from vpcprobe_collector.paths.walk import Walk
from vpcprobe_collector.snapshot.model import NetworkInterface, Route

# The members read per path, as module constants (see model.ALLOW).
_TARGET_NACL_INBOUND = HopKind.TARGET_NACL_INBOUND
_TARGET_NACL_OUTBOUND_RETURN = HopKind.TARGET_NACL_OUTBOUND_RETURN
_INSIDE = EndKind.INSIDE


def locate(walk: Walk) -> tuple[NetworkInterface | None, str | None]:
    """The ENI holding the destination address, and the subnet it is (or would be) in."""
    eni, subnet_id, _ = located(walk)
    return eni, subnet_id


def located(walk: Walk) -> tuple[NetworkInterface | None, str | None, frozenset[str] | None]:
    """`locate`, plus the ENI's security groups (None without an ENI); once per destination."""
    found = walk.destination.located
    if found is not None:
        return found
    index = walk.index
    eni = index.interface_with_address(walk.traffic.destination)
    # The ENI's subnet ID is enough for its NACL even when the subnet itself was not read.
    subnet_id = eni.subnet_id if eni is not None else None
    if subnet_id is None and index.in_vpc(walk.address):
        containing = index.subnet_containing(walk.address)
        subnet_id = containing.subnet_id if containing else None
    groups = frozenset(eni.security_group_ids) if eni is not None else None
    found = walk.destination.located = (eni, subnet_id, groups)
    return found


def follow(walk: Walk, route: Route) -> None:
    """A local route: the destination's NACL in, its security groups, its NACL out (replies)."""
    index, traffic = walk.index, walk.traffic
    eni, subnet_id = walk.destination_eni, walk.destination_subnet_id
    same_subnet = subnet_id == walk.subnet_id
    if not same_subnet:
        if subnet_id is None:
            walk.add(
                NaclHopDecision(
                    kind=_TARGET_NACL_INBOUND,
                    subnet_id=index.vpc.vpc_id if index.vpc else traffic.destination,
                    traffic=traffic,
                    ports=(traffic.port, traffic.port),
                    peer=walk.source_text,
                    source_text=walk.source_text,
                    outcome=UNKNOWN,
                    subnet_unknown=True,
                )
            )
        else:
            walk.add(_nacl(walk, _TARGET_NACL_INBOUND, subnet_id))
    groups = walk.groups
    if eni is None:
        walk.add(
            security_group_ingress.no_interface(index, traffic, walk.source_text, groups, subnet_id)
        )
    else:
        walk.add(_ingress(walk, eni))
    if not same_subnet and subnet_id is not None:
        walk.add(_nacl(walk, _TARGET_NACL_OUTBOUND_RETURN, subnet_id))
    walk.leave_by(
        (_INSIDE, route.target_type, route.target_id, route.state),
        lambda: EndDecision(
            end=_INSIDE,
            traffic=traffic,
            eni_id=eni.network_interface_id if eni else None,
            target_type=route.target_type,
            target_id=route.target_id or "local",
            target_state=route.state,
        ),
    )


def _nacl(walk: Walk, kind: HopKind, subnet_id: str) -> Decision | Hop:
    """The destination subnet's NACL, one way. Its decision depends on that subnet, the
    function's side (its addresses, in `source_spans` and `source_text`), the protocol and,
    inbound, the port (the replies are judged on the ephemeral ports, whatever the port);
    so do its words and fields, which never name the destination address. So every
    destination in that subnet shares one hop, decided and worded once per index."""
    traffic = walk.traffic
    port = traffic.port if kind is _TARGET_NACL_INBOUND else None
    key = (
        kind,
        subnet_id,
        traffic.protocol,
        port,
        traffic.ipv6,
        walk.source_text,
        walk.source_spans,
    )
    shared = walk.index.shared_hops
    found: Hop | None = shared.get(key)
    if found is None:
        found = shared[key] = describe.hop(
            nacl.decide(
                walk.index,
                kind,
                subnet_id,
                traffic,
                peers=walk.source_networks,
                spans=walk.source_spans,
                peer=walk.source_text,
                source_text=walk.source_text,
            )
        )
    return found


def _ingress(walk: Walk, eni: NetworkInterface) -> SgIngressDecision | Hop:
    """The destination's security groups. A rule that lets the function in is worded from
    the destination's side alone (its ENI, subnet and group, the rule, the protocol and port;
    not the function's subnet): one hop per index for every function subnet that rule
    admits, found before a decision is made for it."""
    index, traffic = walk.index, walk.traffic
    found = security_group_ingress.judge(
        index, traffic, eni, walk.source_networks, walk.groups, spans=walk.source_spans
    )
    if found is None or found.outcome is not ALLOW or found.rule is None:
        return security_group_ingress.decision(
            index, traffic, eni, walk.source_text, walk.groups, found
        )
    rule = found.rule
    # The rule by identity; the entry keeps the rule itself, so no other object takes its ID.
    key = (
        "sg_ingress_allowed",
        traffic,
        eni.network_interface_id,
        eni.subnet_id,
        found.group_id,
        id(rule),
    )
    shared = index.shared_hops
    cached: tuple[object, Hop] | None = shared.get(key)
    if cached is None or cached[0] is not rule:
        decision = security_group_ingress.decision(
            index, traffic, eni, walk.source_text, walk.groups, found
        )
        cached = shared[key] = (rule, describe.hop(decision))
    return cached[1]
