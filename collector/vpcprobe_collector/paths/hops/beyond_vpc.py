"""Routes to a VPC peering connection, a transit gateway or a virtual private gateway: the walk
goes on beyond the VPC through `paths/beyond` (peering, transit, vpn), whose typed decisions
become this path's hops."""

from __future__ import annotations

from dataclasses import replace

from vpcprobe_collector.paths.beyond.follow import follow_route
from vpcprobe_collector.paths.decisions import EndDecision, EndKind
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.paths.walk import Walk
from vpcprobe_collector.snapshot.model import Route


def follow(walk: Walk, route: Route) -> None:
    """Add the hops beyond `route`'s target; the path ends beyond the last one that allows it
    (the target host and whatever was not read stay unseen)."""
    path = follow_route(
        walk.index.snapshot,
        walk.query.subnet_id,
        route,
        walk.traffic.destination,
        walk.query.port,
        walk.query.protocol,
        security_group_ids=walk.query.security_group_ids,
        index=walk.index,
    )
    unverified: tuple[str, ...] = ()
    far_vpc_read = path.far_vpc_read if path is not None else None
    if path is not None:
        decided = path.decided_by
        if decided is not None and decided.outcome is HopOutcome.DENY:
            walk.add(*path.decisions)
            return
        # What could not be read beyond (a far VPC in another account, a VPN's tunnels) is
        # neither cleared nor blamed: the path leaves the VPC after the last verified hop,
        # and the beyond rules (PCX007, VPN003) say what was not read.
        # It stays on the path as information, so `vpcprobe path` shows where checking stopped.
        unverified = tuple(d.component for d in path.decisions if d.outcome is HopOutcome.UNKNOWN)
        walk.add(
            *(
                replace(d, outcome=HopOutcome.INFO) if d.outcome is HopOutcome.UNKNOWN else d
                for d in path.decisions
            )
        )
    walk.leave(
        EndDecision(
            end=EndKind.BEYOND,
            traffic=walk.traffic,
            target_type=route.target_type,
            target_id=route.target_id or route.target_type.value,
            target_state=route.state,
            unverified=unverified,
            far_vpc_read=far_vpc_read,
        )
    )
