"""Walk: one path's evaluation in progress, the decisions so far and where the path ended."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.cidr import (
    IPAddress,
    IPNetwork,
    Span,
    host_network,
    network_span,
    parse_address,
)
from vpcprobe_collector.paths.decisions import Decision, EndDecision, Traffic, Unread
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import Hop, HopKind, HopOutcome, PathQuery
from vpcprobe_collector.snapshot.model import NetworkInterface


class Walk:
    """Hop modules append their decisions here in path order; `evaluate` turns them into hops
    and a verdict. Each hop module's `decide` is a pure function; its `follow` (for the hop
    kinds a route leads to) reads this walk and adds to it."""

    __slots__ = (
        "address",
        "decisions",
        "dest_networks",
        "dest_spans",
        "destination",
        "destination_eni",
        "destination_subnet_id",
        "end",
        "groups",
        "index",
        "query",
        "source_networks",
        "source_spans",
        "source_text",
        "subnet_id",
        "traffic",
    )

    def __init__(self, index: SnapshotIndex, query: PathQuery) -> None:
        self.index = index
        self.query = query
        # The query's fields the hops read, copied once: a model's attribute costs more to
        # read than a slot, and the walk reads these at every hop.
        self.subnet_id: str = query.subnet_id
        self.groups: tuple[str, ...] = query.security_group_ids
        found = index.destinations.get((query.destination, query.port, query.protocol))
        if found is None:
            found = _destination(index, query)
        self.destination = found
        self.address: IPAddress = found.address
        self.traffic: Traffic = found.traffic
        self.decisions: list[Decision | Hop] = []
        self.end: EndDecision | None = None
        self.destination_eni: NetworkInterface | None = None  # set by the walk's start
        self.destination_subnet_id: str | None = None
        self.source_networks: Sequence[IPNetwork] = ()
        self.source_spans: tuple[Span, ...] = ()
        self.source_text = ""
        self.dest_networks: tuple[IPNetwork, ...] = found.networks
        self.dest_spans: tuple[Span, ...] = found.spans

    def add(self, *decisions: Decision | Hop) -> None:
        self.decisions.extend(decisions)

    def add_shared(self, key: tuple[object, ...], decide: Callable[[], Decision]) -> Hop:
        """Add the hop for a decision that depends only on `key` (and the snapshot): decided
        and worded once per index, shared by every path that crosses it."""
        found = self.index.shared_hops.get(key)
        if found is None:
            found = self.index.shared_hops[key] = describe.hop(decide())
        self.decisions.append(found)
        return found

    def leave(self, end: EndDecision) -> None:
        """Where the path ends (inside the VPC, or beyond it through a named target)."""
        self.end = end

    def leave_by(self, key: tuple[object, ...], make: Callable[[], EndDecision]) -> None:
        """`leave(make())` for an end that depends only on the destination and `key` (the
        route's target and state): made once per destination for every function subnet
        whose path ends so, whichever route table took it there."""
        ends = self.destination.ends
        found = ends.get(key)
        if found is None:
            found = ends[key] = make()
        self.end = found


@dataclass(slots=True)
class Destination:
    """One destination as every path to it sees it: parsed once per index, whichever function
    subnet the path starts from."""

    address: IPAddress
    traffic: Traffic
    networks: tuple[IPNetwork, ...]  # the destination as a single-address network
    spans: tuple[Span, ...]
    # Filled by hops.destination.locate: the ENI holding the address, the subnet it is (or
    # would be) in, and that ENI's security groups.
    located: tuple[NetworkInterface | None, str | None, frozenset[str] | None] | None = None
    # Filled by Walk.leave_by: where the paths to this destination end, by how they got there.
    ends: dict[tuple[object, ...], EndDecision] = field(default_factory=dict)


def _destination(index: SnapshotIndex, query: PathQuery) -> Destination:
    address = parse_address(query.destination)
    network = host_network(address)
    found = index.destinations[(query.destination, query.port, query.protocol)] = Destination(
        address=address,
        traffic=Traffic(
            protocol=query.protocol,
            destination=str(address),
            port=query.port,
            ipv6=address.version == 6,
        ),
        networks=(network,),
        spans=(network_span(network),),
    )
    return found


def unread(
    index: SnapshotIndex, kind: HopKind, component_id: str, api: str, what: str
) -> Unread | None:
    """An Unread decision when `api` was skipped; None when it was read fine."""
    skipped = index.skipped_for(api)
    if skipped is None:
        return None
    return Unread(
        kind=kind,
        component_id=component_id,
        api=api,
        what=what,
        reason=skipped.reason,
        error_code=skipped.error_code,
        outcome=HopOutcome.UNKNOWN,
    )
