"""A gateway endpoint (S3, DynamoDB) a route names through its prefix list."""

from __future__ import annotations

from vpcprobe_collector.paths.decisions import (
    EndDecision,
    EndKind,
    EndpointDecision,
    EndpointProblem,
)
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopKind, HopOutcome
from vpcprobe_collector.paths.walk import Walk, unread
from vpcprobe_collector.snapshot.model import Route, VpcEndpoint

API = "ec2:DescribeVpcEndpoints"


def state_of(endpoint: VpcEndpoint) -> str:
    """The endpoint's state, lower case; "available" when the read left it out."""
    return (endpoint.state or "available").lower()


def usable(endpoint: VpcEndpoint) -> bool:
    """The one test of "this endpoint carries traffic": its state is available (pending,
    pendingAcceptance, deleting, deleted, rejected, failed and expired endpoints carry none)."""
    return state_of(endpoint) == "available"


def decide(index: SnapshotIndex, endpoint_id: str) -> EndpointDecision | None:
    """Whether the gateway endpoint exists and is available; None when its read failed."""
    endpoint = index.endpoints.get(endpoint_id)
    if endpoint is None:
        if index.skipped_for(API):
            return None
        return EndpointDecision(
            endpoint_id, HopOutcome.DENY, "Gateway", problem=EndpointProblem.MISSING
        )
    state = state_of(endpoint)
    return EndpointDecision(
        endpoint_id,
        HopOutcome.ALLOW if usable(endpoint) else HopOutcome.DENY,
        "Gateway",
        service_name=endpoint.service_name,
        state=state,
        problem=None if usable(endpoint) else EndpointProblem.NOT_AVAILABLE,
    )


def follow(walk: Walk, route: Route) -> None:
    """A route to a gateway endpoint: available, then on to the service."""
    endpoint_id = route.target_id or ""
    decision = decide(walk.index, endpoint_id)
    if decision is None:
        missing = unread(walk.index, HopKind.VPC_ENDPOINT, endpoint_id, API, "VPC endpoints")
        if missing is not None:
            walk.add(missing)
        return
    walk.add(decision)
    if decision.outcome is HopOutcome.ALLOW:
        walk.leave(
            EndDecision(
                end=EndKind.BEYOND,
                traffic=walk.traffic,
                target_type=route.target_type,
                target_id=endpoint_id,
                target_state=decision.state,
                service_name=decision.service_name,
            )
        )
