"""Static path evaluation: from a function subnet to an address, hop by hop, with a verdict.

The walk calls one hop module per step (`paths/hops/`); each returns a typed decision. The
decisions become hops (words from `describe.py`) and the first DENY, PARTIAL or UNKNOWN
decides the verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.cidr import IPNetwork, host_network
from vpcprobe_collector.paths.decisions import Decision, EndDecision, EndKind
from vpcprobe_collector.paths.hops import (
    destination,
    dns_server,
    nacl,
    next_hop,
    route,
    security_group_egress,
    source,
)
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import Hop, HopKind, HopOutcome, PathQuery, PathResult, Verdict
from vpcprobe_collector.paths.walk import Walk
from vpcprobe_collector.snapshot.model import VpcSnapshot

_VERDICT_ORDER = {
    Verdict.REACHABLE: 0,
    Verdict.LEAVES_VPC: 1,
    Verdict.UNKNOWN: 2,
    Verdict.BLOCKED: 3,
}
_STOPS = (HopOutcome.DENY, HopOutcome.UNKNOWN)


def worst_verdict(verdicts: Sequence[Verdict]) -> Verdict:
    """The most serious of `verdicts` (blocked > unknown > leaves_vpc > reachable)."""
    return max(verdicts, key=_VERDICT_ORDER.__getitem__, default=Verdict.UNKNOWN)


def evaluate_path(
    snapshot: VpcSnapshot, query: PathQuery, *, index: SnapshotIndex | None = None
) -> PathResult:
    """The verdict and hops for one path; pass `index` to reuse one across many paths.

    Raises ValueError when `query.destination` is not an IP address.
    """
    walk = Walk(index or SnapshotIndex(snapshot), query)
    _walk(walk)
    return _result(walk)


def evaluate_function_paths(
    snapshot: VpcSnapshot,
    destination: str,
    port: int,
    protocol: Literal["tcp", "udp"] = "tcp",
    *,
    index: SnapshotIndex | None = None,
) -> list[PathResult]:
    """One PathResult per function subnet, with the function's security groups.

    Returns [] when the snapshot has no function or the function is not in a VPC.
    """
    function = snapshot.function
    config = function.vpc_config if function else None
    if config is None or not config.vpc_id or not config.subnet_ids:
        return []
    index = index or SnapshotIndex(snapshot)
    groups = tuple(config.security_group_ids)
    return [
        evaluate_path(
            snapshot,
            PathQuery(
                subnet_id=subnet_id,
                security_group_ids=groups,
                destination=destination,
                protocol=protocol,
                port=port,
            ),
            index=index,
        )
        for subnet_id in config.subnet_ids
    ]


def amazon_resolver_hop(index: SnapshotIndex) -> Hop:
    """The Amazon-provided DNS server: never filtered, but silent without enableDnsSupport."""
    return describe.hop(dns_server.decide(index))


def _walk(walk: Walk) -> None:
    index, query, traffic = walk.index, walk.query, walk.traffic
    starts = source.decide(index, query, traffic)
    walk.add(*starts)
    subnet = index.subnets.get(query.subnet_id)
    if subnet is None or starts[0].outcome in _STOPS:
        return
    if query.port == 53 and dns_server.is_amazon_resolver(index, walk.address):
        walk.add(dns_server.decide(index))
        walk.leave(EndDecision(end=EndKind.AMAZON_DNS, traffic=traffic))
        return
    eni, dest_subnet = destination.locate(walk)
    same_subnet = dest_subnet == subnet.subnet_id
    walk.source_networks, walk.source_text = source.sources(
        index, subnet, query.security_group_ids, walk.address.version
    )
    walk.add(
        security_group_egress.decide(
            index,
            traffic,
            walk.address,
            subnet.subnet_id,
            query.security_group_ids,
            frozenset(eni.security_group_ids) if eni else None,
        )
    )
    toward = [host_network(walk.address)]
    if same_subnet:
        walk.add(nacl.same_subnet(subnet.subnet_id, traffic, walk.source_text))
    else:
        walk.add(_function_nacl(walk, HopKind.NACL_OUTBOUND, toward))
    decisions, chosen = route.decide(index, HopKind.ROUTE, subnet.subnet_id, traffic, walk.address)
    walk.add(*decisions)
    if chosen is not None:
        next_hop.follow(walk, chosen)
    if not same_subnet:
        walk.add(_function_nacl(walk, HopKind.NACL_INBOUND_RETURN, toward))


def _function_nacl(walk: Walk, kind: HopKind, toward: list[IPNetwork]) -> Decision:
    return nacl.decide(
        walk.index,
        kind,
        walk.query.subnet_id,
        walk.traffic,
        peers=toward,
        peer=walk.traffic.destination,
        source_text=walk.source_text,
    )


def _result(walk: Walk) -> PathResult:
    hops = [describe.hop(d) for d in walk.decisions]
    deny = next((h for h in hops if h.outcome is HopOutcome.DENY), None)
    partial = next((h for h in hops if h.outcome is HopOutcome.PARTIAL), None)
    unknown = next((h for h in hops if h.outcome is HopOutcome.UNKNOWN), None)
    end = walk.end
    terminal = None
    if end is not None:
        terminal = Verdict.LEAVES_VPC if end.end is EndKind.BEYOND else Verdict.REACHABLE
    intermittent = False
    decided_by: Hop | None
    if deny is not None:
        verdict, decided_by = Verdict.BLOCKED, deny
    elif partial is not None:
        verdict, decided_by, intermittent = Verdict.BLOCKED, partial, True
    elif unknown is not None:
        verdict, decided_by = Verdict.UNKNOWN, unknown
    elif terminal is not None:
        verdict, decided_by = terminal, None
    else:
        verdict, decided_by = Verdict.UNKNOWN, None
    if end is not None:
        hops.append(describe.hop(end))
    return PathResult(
        query=walk.query,
        verdict=verdict,
        hops=hops,
        decided_by=decided_by,
        intermittent=intermittent,
    )
