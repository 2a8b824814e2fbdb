"""Static path evaluation: from a function subnet to an address, hop by hop, with a verdict.

The walk calls one hop module per step (`paths/hops/`); each returns a typed decision. The
decisions become hops (words from `describe.py`) and the first DENY, PARTIAL or UNKNOWN
decides the verdict.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.decisions import (
    Decision,
    DnsDecision,
    EndDecision,
    EndKind,
    EndpointDecision,
    GatewayDecision,
    NaclHopDecision,
    NatDecision,
    RouteDecision,
    SgEgressDecision,
    SgIngressDecision,
    SourceDecision,
)
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
from vpcprobe_collector.paths.model import (
    DENY,
    INFO,
    PARTIAL,
    Hop,
    HopKind,
    HopOutcome,
    PathQuery,
    PathResult,
    Verdict,
)
from vpcprobe_collector.paths.walk import Walk
from vpcprobe_collector.snapshot.model import VpcSnapshot

_VERDICT_ORDER = {
    Verdict.REACHABLE: 0,
    Verdict.LEAVES_VPC: 1,
    Verdict.UNKNOWN: 2,
    Verdict.BLOCKED: 3,
}
_STOPS = (HopOutcome.DENY, HopOutcome.UNKNOWN)
# The members `_walk` and `_result` read per path, as module constants (see model.ALLOW).
_BLOCKED, _UNJUDGED, _LEAVES_VPC, _REACHABLE = (
    Verdict.BLOCKED,
    Verdict.UNKNOWN,
    Verdict.LEAVES_VPC,
    Verdict.REACHABLE,
)
_BEYOND = EndKind.BEYOND
_NACL_OUTBOUND, _NACL_INBOUND_RETURN, _ROUTE = (
    HopKind.NACL_OUTBOUND,
    HopKind.NACL_INBOUND_RETURN,
    HopKind.ROUTE,
)


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
    first = PathQuery(
        subnet_id=config.subnet_ids[0],
        security_group_ids=tuple(config.security_group_ids),
        destination=destination,
        protocol=protocol,
        port=port,
    )
    with batch():  # the callers (rules, `vpcprobe path`) evaluate target after target
        index = index or SnapshotIndex(snapshot)
        # The other subnets' queries differ from the validated first only in the subnet ID,
        # a string the snapshot's model validated already: copied, not validated again.
        return [
            evaluate_path(snapshot, _with_subnet(first, s), index=index) for s in config.subnet_ids
        ]


def _with_subnet(query: PathQuery, subnet_id: str) -> PathQuery:
    if subnet_id == query.subnet_id:
        return query
    copy = PathQuery.__new__(PathQuery)
    setattr_ = object.__setattr__
    setattr_(copy, "__dict__", {**query.__dict__, "subnet_id": subnet_id})
    setattr_(copy, "__pydantic_fields_set__", query.__pydantic_fields_set__)  # frozen: shared
    setattr_(copy, "__pydantic_extra__", None)
    setattr_(copy, "__pydantic_private__", None)
    return copy


@contextmanager
def batch() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while paths are evaluated.

    Evaluation builds no reference cycles, so reference counting frees everything it
    allocates; but on a large snapshot the collector's oldest-generation passes walk the whole
    heap (every route, entry and rule read), and a diagnosis that evaluates target after
    target through `evaluate_function_paths` (the rules, `vpcprobe path`) set off several,
    which cost more than the evaluation. So each call runs in a batch, and what it leaves
    alive (the results) is handed to the collector's oldest generation as it stands: not
    walked by a young-generation pass on the next allocation only to be found alive and
    promoted, and not counted towards the next whole-heap pass either. On CPython 3.11-3.13
    `gc.freeze` and `gc.unfreeze` move whole generation lists (constant time whatever the
    heap holds); 3.14's incremental collector walks the old generation there, so from 3.14
    the batch only pauses the collector. Before the hand-over, the young generations are
    collected (`gc.collect(1)`: they are small, as every batch leaves them empty), so that only
    live objects are handed over, never the caller's garbage. Skipped when the caller froze
    objects itself (`gc.freeze`), whose frozen set it must not disturb. Nested batches act
    once, outermost.
    """
    enabled = gc.isenabled()
    hand_over = enabled and _HAND_OVER and gc.get_freeze_count() == 0
    if hand_over:
        # The caller's own young garbage first: only what survives is handed over below, so a
        # long-running caller (audit over many functions) never piles up uncollected cycles
        # in the oldest generation, where they would wait for a whole-heap pass.
        gc.collect(1)
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if hand_over and gc.get_freeze_count() == 0:
                gc.freeze()  # every tracked object, young or old, set aside ...
                gc.unfreeze()  # ... and back, all in the oldest generation
            gc.enable()


_HAND_OVER = sys.version_info < (3, 14)


def evaluate_many(
    snapshot: VpcSnapshot,
    destinations: Sequence[tuple[str, int]],
    protocol: Literal["tcp", "udp"] = "tcp",
    *,
    index: SnapshotIndex | None = None,
) -> list[list[PathResult]]:
    """`evaluate_function_paths` for each (address, port), with one index, in one batch."""
    with batch():
        index = index or SnapshotIndex(snapshot)
        return [
            evaluate_function_paths(snapshot, address, port, protocol, index=index)
            for address, port in destinations
        ]


def amazon_resolver_hop(index: SnapshotIndex) -> Hop:
    """The Amazon-provided DNS server: never filtered, but silent without enableDnsSupport."""
    return describe.hop(dns_server.decide(index))


def _walk(walk: Walk) -> None:
    index, query, traffic = walk.index, walk.query, walk.traffic
    subnet_id, groups = walk.subnet_id, walk.groups
    # Where nothing is wrong at the source, its one hop is the same for every destination.
    start_key = ("source", subnet_id, groups, traffic.ipv6)
    starts: tuple[Decision | Hop, ...] | None = index.shared_starts.get(start_key)
    if starts is None:
        starts = source.decide(index, query, traffic)
        if len(starts) == 1 and starts[0].outcome is INFO:
            starts = index.shared_starts[start_key] = (describe.hop(starts[0]),)
    walk.add(*starts)
    subnet = index.subnets.get(subnet_id)
    if subnet is None or starts[0].outcome in _STOPS:
        return
    if traffic.port == 53 and dns_server.is_amazon_resolver(index, walk.address):
        walk.add(dns_server.decide(index))
        walk.leave(EndDecision(end=EndKind.AMAZON_DNS, traffic=traffic))
        return
    eni, dest_subnet, dest_groups = destination.located(walk)
    walk.destination_eni, walk.destination_subnet_id = eni, dest_subnet
    same_subnet = dest_subnet == subnet_id
    walk.source_networks, walk.source_spans, walk.source_text = source.sources(
        index, subnet, groups, walk.address.version
    )
    key = ("sg_egress", groups or subnet_id, traffic, dest_groups)
    walk.add_shared(
        key,
        lambda: security_group_egress.decide(
            index, traffic, walk.address, subnet_id, groups, dest_groups
        ),
    )
    if same_subnet:
        walk.add(nacl.same_subnet(subnet_id, traffic, walk.source_text))
    else:
        walk.add(_function_nacl(walk, _NACL_OUTBOUND))
    decisions, chosen = route.decide(index, _ROUTE, subnet_id, traffic, walk.address)
    walk.add(*decisions)
    if chosen is not None:
        next_hop.follow(walk, chosen)
    if not same_subnet:
        walk.add(_function_nacl(walk, _NACL_INBOUND_RETURN))


def _function_nacl(walk: Walk, kind: HopKind) -> Decision:
    return nacl.decide(
        walk.index,
        kind,
        walk.subnet_id,
        walk.traffic,
        peers=walk.dest_networks,
        spans=walk.dest_spans,
        peer=walk.traffic.destination,
        source_text=walk.source_text,
    )


def _result(walk: Walk) -> PathResult:
    words = describe.hop
    hops: list[Hop] = []
    deny = partial = unknown = None
    copied, unclear = _OUTCOME_COPIED, _UNCLEAR
    append = hops.append
    for decision in walk.decisions:
        if type(decision) is Hop:  # shared by the walk: worded already
            hop = decision
            outcome = hop.outcome
        else:
            hop = words(decision)
            # These decisions' hops take their outcome as it is: read from the decision (a
            # slot), not from the hop (a model's field, dearer to read).
            outcome = decision.outcome if type(decision) in copied else hop.outcome
        append(hop)
        if outcome in unclear:  # most hops allow (or inform): one test for them
            if outcome is DENY:
                if deny is None:
                    deny = hop
            elif outcome is PARTIAL:
                if partial is None:
                    partial = hop
            elif unknown is None:
                unknown = hop
    end = walk.end
    intermittent = False
    decided_by: Hop | None
    if deny is not None:
        verdict, decided_by = _BLOCKED, deny
    elif partial is not None:
        verdict, decided_by, intermittent = _BLOCKED, partial, True
    elif unknown is not None:
        verdict, decided_by = _UNJUDGED, unknown
    elif end is not None:
        verdict = _LEAVES_VPC if end.end is _BEYOND else _REACHABLE
        decided_by = None
    else:
        verdict, decided_by = _UNJUDGED, None
    if end is not None:  # the same end for every function subnet: worded once
        hops.append(walk.index.shared_hops.get(("end", end)) or _end_hop(walk, end))
    # Every field is built here from validated parts: no second validation per path.
    result = PathResult.__new__(PathResult)
    setattr_ = object.__setattr__
    setattr_(
        result,
        "__dict__",
        {
            "query": walk.query,
            "verdict": verdict,
            "hops": hops,
            "decided_by": decided_by,
            "intermittent": intermittent,
            "notes": [],
        },
    )
    # One set for every result: it names every field, so pydantic's assignment (which adds
    # the field's name) never changes it, and `model_copy` copies it.
    setattr_(result, "__pydantic_fields_set__", _RESULT_FIELDS)
    setattr_(result, "__pydantic_extra__", None)
    setattr_(result, "__pydantic_private__", None)
    return result


# The outcomes that may decide a verdict other than "reachable" (or "leaves_vpc").
_UNCLEAR = frozenset((HopOutcome.DENY, HopOutcome.PARTIAL, HopOutcome.UNKNOWN))
# The decisions whose words (`describe.py`) give the hop the decision's own outcome.
_OUTCOME_COPIED = frozenset(
    (
        SourceDecision,
        SgEgressDecision,
        SgIngressDecision,
        NaclHopDecision,
        RouteDecision,
        NatDecision,
        GatewayDecision,
        EndpointDecision,
        DnsDecision,
    )
)
_RESULT_FIELDS = {"query", "verdict", "hops", "decided_by", "intermittent", "notes"}


def _end_hop(walk: Walk, end: EndDecision) -> Hop:
    hop = walk.index.shared_hops[("end", end)] = describe.hop(end)
    return hop
