"""The transit gateway hop: the function VPC's attachment (state, one subnet per AZ), the TGW
route table associated with it, the route for the destination, the destination attachment, and
for a VPC destination the TGW's route back and that VPC's route, groups and NACLs."""

from __future__ import annotations

from typing import Literal

from vpcprobe_collector.paths.beyond import far_side, vpn
from vpcprobe_collector.paths.beyond.model import Case, Decision, Step
from vpcprobe_collector.paths.cidr import (
    IPAddress,
    IPNetwork,
    contains,
    parse_address,
    parse_network,
)
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.snapshot.model import (
    RouteTargetType,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    VpcSnapshot,
)

ATTACHMENTS_API = "ec2:DescribeTransitGatewayAttachments"
ROUTES_API = "ec2:SearchTransitGatewayRoutes"
TABLES_API = "ec2:DescribeTransitGatewayRouteTables"


def longest_route(
    table: TransitGatewayRouteTable, address: IPAddress
) -> TransitGatewayRoute | None:
    """The most specific route of `table` for `address` (SearchTransitGatewayRoutes' filter is
    not trusted: moto ignores it)."""
    best: tuple[int, TransitGatewayRoute] | None = None
    for route in table.routes:
        if not route.destination_cidr or route.state in ("deleted", "deleting"):
            continue
        network = parse_network(route.destination_cidr)
        if contains(network, address) and (best is None or network.prefixlen > best[0]):
            best = (network.prefixlen, route)
    return best[1] if best else None


def own_attachment(
    snapshot: VpcSnapshot, tgw_id: str, vpc_id: str | None
) -> TransitGatewayAttachment | None:
    return next(
        (
            a
            for a in snapshot.beyond.transit_gateway_attachments
            if a.transit_gateway_id == tgw_id
            and a.resource_type == "vpc"
            and a.resource_id == vpc_id
        ),
        None,
    )


def destination_attachment(snapshot: VpcSnapshot, tgw_id: str, address: IPAddress) -> str | None:
    """The attachment of `tgw_id` whose VPC (as read) holds `address`: where a route for it
    should lead. None when no attached VPC's CIDRs were read to hold it."""
    beyond = snapshot.beyond
    cidrs = dict(beyond.attached_vpc_cidrs)
    for remote in beyond.remote_vpcs:
        if remote.vpc:
            cidrs.setdefault(remote.vpc_id, remote.vpc.cidr_blocks)
    for vpc_id, blocks in sorted(cidrs.items()):
        if any(contains(parse_network(c), address) for c in blocks):
            for a in beyond.transit_gateway_attachments:
                if a.transit_gateway_id == tgw_id and a.resource_id == vpc_id:
                    return a.transit_gateway_attachment_id
    return None


def associated_table(snapshot: VpcSnapshot, attachment: TransitGatewayAttachment) -> str | None:
    if attachment.association_route_table_id and attachment.association_state in (
        None,
        "associated",
    ):
        return attachment.association_route_table_id
    return next(
        (
            t.transit_gateway_route_table_id
            for t in snapshot.beyond.transit_gateway_route_tables
            if attachment.transit_gateway_attachment_id in t.associated_attachment_ids
        ),
        None,
    )


def follow(
    snapshot: VpcSnapshot,
    tgw_id: str,
    *,
    subnet_id: str,
    destination: str,
    port: int,
    protocol: Literal["tcp", "udp"],
    source: IPNetwork,
    source_groups: frozenset[str],
) -> list[Decision]:
    """The decisions after the function's route to `tgw_id`, in order; stops at the first deny."""
    vpc_id = snapshot.vpc.vpc_id if snapshot.vpc else None
    attachment = own_attachment(snapshot, tgw_id, vpc_id)
    if attachment is None:
        read = snapshot.skipped_for(ATTACHMENTS_API)
        if read is not None:
            return [
                Decision(
                    Step.TGW_ATTACHMENT,
                    HopOutcome.UNKNOWN,
                    tgw_id,
                    source_api=ATTACHMENTS_API,
                    case=Case.UNREAD,
                    reason=read.reason,
                    error_code=read.error_code,
                    api=read.api,
                )
            ]
        return [
            Decision(
                Step.TGW_ATTACHMENT,
                HopOutcome.DENY,
                tgw_id,
                source_api=ATTACHMENTS_API,
                case=Case.NO_ATTACHMENT,
                state="none",
                vpc_id=vpc_id,
            )
        ]
    attachment_id = attachment.transit_gateway_attachment_id
    if attachment.state != "available":
        return [
            Decision(
                Step.TGW_ATTACHMENT,
                HopOutcome.DENY,
                attachment_id,
                source_api=ATTACHMENTS_API,
                case=Case.NOT_AVAILABLE,
                near_vpc_id=vpc_id,
                state=attachment.state,
            )
        ]
    out = [
        Decision(
            Step.TGW_ATTACHMENT,
            HopOutcome.ALLOW,
            attachment_id,
            source_api=ATTACHMENTS_API,
            near_vpc_id=vpc_id,
            transit_gateway_id=tgw_id,
            state=attachment.state,
        )
    ]
    az = _az_decision(snapshot, attachment, subnet_id)
    out.append(az)
    if az.outcome is not HopOutcome.ALLOW:
        return out
    rtb_id = associated_table(snapshot, attachment)
    if rtb_id is None:
        out.append(
            Decision(
                Step.TGW_ROUTE,
                HopOutcome.DENY,
                attachment_id,
                source_api=ATTACHMENTS_API,
                case=Case.NO_ASSOCIATION,
                destination=destination,
            )
        )
        return out
    address = parse_address(destination)
    route_decision, route = _route(
        snapshot, rtb_id, address, destination, destination_attachment(snapshot, tgw_id, address)
    )
    out.append(route_decision)
    if route is None or route_decision.outcome is not HopOutcome.ALLOW:
        return out
    out += _destination(
        snapshot,
        route,
        tgw_id=tgw_id,
        own=attachment,
        destination=destination,
        port=port,
        protocol=protocol,
        source=source,
        source_groups=source_groups,
    )
    return out


def _az_decision(
    snapshot: VpcSnapshot, attachment: TransitGatewayAttachment, subnet_id: str
) -> Decision:
    attachment_id = attachment.transit_gateway_attachment_id
    subnet = snapshot.subnet(subnet_id)
    zone = subnet.availability_zone if subnet else None
    zones = {s.availability_zone for sid in attachment.subnet_ids if (s := snapshot.subnet(sid))}
    unread = [sid for sid in attachment.subnet_ids if snapshot.subnet(sid) is None]
    if zone is None or (unread and zone not in zones) or not attachment.subnet_ids:
        reason = (
            "the attachment's subnets were not read"
            if attachment.subnet_ids
            else "DescribeTransitGatewayVpcAttachments gave no subnets"
        )
        return Decision(
            Step.TGW_ATTACHMENT_AZ,
            HopOutcome.UNKNOWN,
            attachment_id,
            source_api="ec2:DescribeTransitGatewayVpcAttachments",
            case=Case.UNREAD,
            subnet_id=subnet_id,
            availability_zone=zone,
            reason=reason,
        )
    if zone not in zones:
        return Decision(
            Step.TGW_ATTACHMENT_AZ,
            HopOutcome.DENY,
            attachment_id,
            source_api="ec2:DescribeTransitGatewayVpcAttachments",
            zones=tuple(sorted(z for z in zones if z)),
            subnet_id=subnet_id,
            availability_zone=zone,
        )
    return Decision(
        Step.TGW_ATTACHMENT_AZ,
        HopOutcome.ALLOW,
        attachment_id,
        source_api="ec2:DescribeTransitGatewayVpcAttachments",
        subnet_id=subnet_id,
        availability_zone=zone,
    )


def _route(
    snapshot: VpcSnapshot,
    rtb_id: str,
    address: IPAddress,
    destination: str,
    expected: str | None = None,
) -> tuple[Decision, TransitGatewayRoute | None]:
    """The route of TGW route table `rtb_id` for `address`; `expected` is the attachment it
    should lead to, when known (its propagation decides the fix for a missing route)."""
    table = snapshot.beyond.tgw_route_table(rtb_id)
    if table is None or not table.routes_read:
        read = snapshot.skipped_for(ROUTES_API) or snapshot.skipped_for(TABLES_API)
        reason = read.reason if read else "its routes were not read"
        return (
            Decision(
                Step.TGW_ROUTE,
                HopOutcome.UNKNOWN,
                rtb_id,
                source_api=ROUTES_API,
                case=Case.UNREAD,
                route_table_id=rtb_id,
                destination=destination,
                reason=reason,
                error_code=read.error_code if read else None,
                api=read.api if read else None,
            ),
            None,
        )
    route = longest_route(table, address)
    if route is None:
        return _no_route(table, destination, expected), None
    if route.state == "blackhole":
        return (
            Decision(
                Step.TGW_ROUTE,
                HopOutcome.DENY,
                rtb_id,
                source_api=ROUTES_API,
                case=Case.BLACKHOLE,
                route_cidr=route.destination_cidr,
                address=destination,
                route_table_id=rtb_id,
                destination=route.destination_cidr,
                state="blackhole",
                rule=f"blackhole {route.destination_cidr}",
            ),
            None,
        )
    target = route.attachment_ids[0] if route.attachment_ids else None
    if target is None:
        return (
            Decision(
                Step.TGW_ROUTE,
                HopOutcome.UNKNOWN,
                rtb_id,
                source_api=ROUTES_API,
                case=Case.NO_ATTACHMENT,
                route_cidr=route.destination_cidr,
                route_table_id=rtb_id,
                destination=route.destination_cidr,
                reason="the route names no attachment",
            ),
            None,
        )
    return (
        Decision(
            Step.TGW_ROUTE,
            HopOutcome.ALLOW,
            rtb_id,
            source_api=ROUTES_API,
            route_cidr=route.destination_cidr,
            route_type=route.route_type,
            route_targets=tuple(route.attachment_ids),
            route_table_id=rtb_id,
            destination=route.destination_cidr,
            target=target,
            state=route.state,
            rule=f"{route.destination_cidr} -> {target}",
        ),
        route,
    )


def _no_route(table: TransitGatewayRouteTable, destination: str, expected: str | None) -> Decision:
    """No route for `destination`: whether `expected` propagates into the table decides.

    Not propagated: the fix is to enable its propagation (or add a static route). Propagated:
    AWS would show its propagated route, so the routes as read contradict the propagations
    (a propagation still being enabled, or a stand-in that adds no propagated routes): not
    judged rather than blamed on a route that AWS says is there.
    """
    rtb_id = table.transit_gateway_route_table_id
    propagated = (
        expected in table.propagated_attachment_ids
        if expected is not None and table.propagations_read
        else None
    )
    if propagated:
        return Decision(
            Step.TGW_ROUTE,
            HopOutcome.UNKNOWN,
            rtb_id,
            source_api=ROUTES_API,
            case=Case.PROPAGATED_MISSING,
            route_table_id=rtb_id,
            destination=destination,
            target=expected,
            state="none",
            propagated=True,
            reason=f"{expected} propagates into {rtb_id}, yet no propagated route was read",
        )
    return Decision(
        Step.TGW_ROUTE,
        HopOutcome.DENY,
        rtb_id,
        source_api=ROUTES_API,
        case=Case.NO_ROUTE,
        route_table_id=rtb_id,
        destination=destination,
        target=expected,
        state="none",
        propagated=propagated,
    )


def _destination(
    snapshot: VpcSnapshot,
    route: TransitGatewayRoute,
    *,
    tgw_id: str,
    own: TransitGatewayAttachment,
    destination: str,
    port: int,
    protocol: Literal["tcp", "udp"],
    source: IPNetwork,
    source_groups: frozenset[str],
) -> list[Decision]:
    target_id = route.attachment_ids[0]
    target = snapshot.beyond.attachment(target_id)
    if target is None:
        return [
            Decision(
                Step.TGW_DESTINATION,
                HopOutcome.UNKNOWN,
                target_id,
                source_api=ATTACHMENTS_API,
                case=Case.UNREAD,
                reason="attachment not read",
            )
        ]
    kind = target.resource_type
    if target.state != "available":
        return [
            Decision(
                Step.TGW_DESTINATION,
                HopOutcome.DENY,
                target_id,
                source_api=ATTACHMENTS_API,
                case=Case.NOT_AVAILABLE,
                resource_type=kind,
                state=target.state,
                target=target.resource_id,
            )
        ]
    here = Decision(
        Step.TGW_DESTINATION,
        HopOutcome.ALLOW,
        target_id,
        source_api=ATTACHMENTS_API,
        resource_type=kind,
        state=target.state,
        target=target.resource_id,
    )
    if kind == "vpn":
        connection = next(
            (
                c
                for c in snapshot.beyond.vpn_connections
                if c.vpn_connection_id == target.resource_id
            ),
            None,
        )
        if connection is None:
            return [
                here,
                Decision(
                    Step.VPN,
                    HopOutcome.UNKNOWN,
                    target.resource_id or target_id,
                    source_api=vpn.API,
                    case=Case.NOT_READ,
                    reason="VPN connection not read",
                ),
            ]
        return [here, vpn.connection_decision(connection)]
    if kind == "direct-connect-gateway" and target.resource_id:
        dx = _direct_connect(snapshot, target_id, target.resource_id)
        if dx is not None:
            return [here, dx]
    if kind != "vpc":
        return [
            here,
            Decision(
                Step.END,
                HopOutcome.INFO,
                target.resource_id or target_id,
                source_api=ATTACHMENTS_API,
                resource_type=kind,
                attachment_id=target_id,
                state=target.state,
                target=target.resource_id,
            ),
        ]
    out = [here, _return_route(snapshot, target, own, source)]
    if out[-1].outcome is not HopOutcome.ALLOW:
        return out
    out += far_side.far_vpc(
        snapshot,
        target.resource_id or "?",
        target.resource_owner_id,
        target_id,
        destination=destination,
        port=port,
        protocol=protocol,
        source=source,
        source_groups=source_groups,
        back_kind=RouteTargetType.TRANSIT_GATEWAY,
        back_via=tgw_id,
    )
    return out


DX_API = "directconnect:DescribeDirectConnectGateways"


def _direct_connect(snapshot: VpcSnapshot, attachment_id: str, dxgw_id: str) -> Decision | None:
    """The path ends at Direct Connect gateway `dxgw_id`, named with its state: not
    `available` is a finding; not read (a SkippedRead) is unknown. None when the snapshot
    holds nothing either way (taken before vpcprobe read Direct Connect)."""
    gateway = snapshot.beyond.direct_connect_gateway(dxgw_id)
    if gateway is None:
        read = snapshot.skipped_for(DX_API)
        if read is None:
            return None
        return Decision(
            Step.END,
            HopOutcome.UNKNOWN,
            dxgw_id,
            source_api=DX_API,
            case=Case.UNREAD,
            resource_type="direct-connect-gateway",
            target=attachment_id,
            reason=read.reason,
            error_code=read.error_code,
            api=read.api,
        )
    state = gateway.state or "unknown"
    if state != "available":
        return Decision(
            Step.END,
            HopOutcome.DENY,
            dxgw_id,
            source_api=DX_API,
            case=Case.NOT_AVAILABLE,
            resource_type="direct-connect-gateway",
            state=state,
            target=attachment_id,
        )
    return Decision(
        Step.END,
        HopOutcome.INFO,
        dxgw_id,
        source_api=DX_API,
        case=Case.DIRECT_CONNECT,
        resource_type="direct-connect-gateway",
        state=state,
        target=attachment_id,
    )


def _return_route(
    snapshot: VpcSnapshot,
    target: TransitGatewayAttachment,
    own: TransitGatewayAttachment,
    source: IPNetwork,
) -> Decision:
    """The destination attachment's TGW route table must route the function subnet back."""
    target_id = target.transit_gateway_attachment_id
    rtb_id = associated_table(snapshot, target)
    cidr = str(source)
    if rtb_id is None:
        return Decision(
            Step.TGW_RETURN_ROUTE,
            HopOutcome.DENY,
            target_id,
            source_api=ATTACHMENTS_API,
            case=Case.NO_ASSOCIATION,
            destination=cidr,
            target=own.transit_gateway_attachment_id,
        )
    own_id = own.transit_gateway_attachment_id
    decision, route = _route(snapshot, rtb_id, source.network_address, cidr, own_id)
    if decision.outcome is HopOutcome.UNKNOWN:
        return Decision(
            Step.TGW_RETURN_ROUTE,
            HopOutcome.UNKNOWN,
            rtb_id,
            source_api=ROUTES_API,
            case=decision.case,
            route_cidr=decision.route_cidr,
            route_table_id=rtb_id,
            destination=cidr,
            reason=decision.reason,
            error_code=decision.error_code,
            api=decision.api,
            target=decision.target,
            propagated=decision.propagated,
        )
    if route is None or own_id not in route.attachment_ids:
        return Decision(
            Step.TGW_RETURN_ROUTE,
            HopOutcome.DENY,
            rtb_id,
            source_api=ROUTES_API,
            case=Case.ROUTED_ELSEWHERE if route is not None else decision.case,
            attachment_id=target_id,
            route_targets=tuple(route.attachment_ids) if route is not None else (),
            route_table_id=rtb_id,
            destination=cidr,
            target=own_id,
            state=decision.state,
            propagated=decision.propagated,
        )
    return Decision(
        Step.TGW_RETURN_ROUTE,
        HopOutcome.ALLOW,
        rtb_id,
        source_api=ROUTES_API,
        route_table_id=rtb_id,
        destination=cidr,
        target=own_id,
    )
