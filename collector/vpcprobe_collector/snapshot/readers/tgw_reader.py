"""Transit gateway and VPN readers: attachments, TGW route tables and the routes that matter.

Per transit gateway: one DescribeTransitGateways, DescribeTransitGatewayAttachments and
DescribeTransitGatewayVpcAttachments (subnets per AZ), DescribeTransitGatewayRouteTables; per
TGW route table one GetTransitGatewayRouteTableAssociations, one ...Propagations and one
SearchTransitGatewayRoutes for all destinations at once. The longest prefix is picked by
`paths`, not by AWS's filter (moto ignores it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vpcprobe_collector.snapshot.model import (
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    VpnConnection,
    VpnGateway,
    VpnTunnel,
)
from vpcprobe_collector.snapshot.readers.calls import CallRecorder


def _tgw_filter(tgw_ids: list[str]) -> list[dict[str, Any]]:
    return [{"Name": "transit-gateway-id", "Values": tgw_ids}]


def read_transit_gateways(
    recorder: CallRecorder, ec2: Any, tgw_ids: Iterable[str]
) -> list[TransitGateway]:
    wanted = sorted(set(tgw_ids))
    if not wanted:
        return []
    items = recorder.items(
        ec2,
        "describe_transit_gateways",
        "ec2:DescribeTransitGateways",
        "TransitGateways",
        TransitGatewayIds=wanted,
    )
    found = [
        TransitGateway(
            transit_gateway_id=i["TransitGatewayId"],
            owner_id=i.get("OwnerId"),
            state=i.get("State"),
            association_default_route_table_id=(i.get("Options") or {}).get(
                "AssociationDefaultRouteTableId"
            ),
            propagation_default_route_table_id=(i.get("Options") or {}).get(
                "PropagationDefaultRouteTableId"
            ),
        )
        for i in items or []
    ]
    if items is not None:
        recorder.not_found(
            "ec2:DescribeTransitGateways",
            "InvalidTransitGatewayID.NotFound",
            set(wanted) - {t.transit_gateway_id for t in found},
        )
    return found


def attachment_from_aws(item: dict[str, Any]) -> TransitGatewayAttachment:
    association = item.get("Association") or {}
    return TransitGatewayAttachment(
        transit_gateway_attachment_id=item["TransitGatewayAttachmentId"],
        transit_gateway_id=item.get("TransitGatewayId", ""),
        resource_type=str(item.get("ResourceType") or "unknown"),
        resource_id=item.get("ResourceId"),
        resource_owner_id=item.get("ResourceOwnerId"),
        state=str(item.get("State") or "unknown"),
        association_route_table_id=association.get("TransitGatewayRouteTableId"),
        association_state=association.get("State"),
    )


def read_attachments(
    recorder: CallRecorder, ec2: Any, tgw_ids: Iterable[str]
) -> list[TransitGatewayAttachment]:
    """Every attachment of these TGWs, VPC attachments with their subnets."""
    wanted = sorted(set(tgw_ids))
    if not wanted:
        return []
    items = recorder.items(
        ec2,
        "describe_transit_gateway_attachments",
        "ec2:DescribeTransitGatewayAttachments",
        "TransitGatewayAttachments",
        Filters=_tgw_filter(wanted),
    )
    attachments = {
        a.transit_gateway_attachment_id: a for a in (attachment_from_aws(i) for i in items or [])
    }
    vpc_items = recorder.items(
        ec2,
        "describe_transit_gateway_vpc_attachments",
        "ec2:DescribeTransitGatewayVpcAttachments",
        "TransitGatewayVpcAttachments",
        Filters=_tgw_filter(wanted),
    )
    for item in vpc_items or []:
        attachment_id = item["TransitGatewayAttachmentId"]
        attachment = attachments.get(attachment_id)
        if attachment is None:  # listed only here: keep what this call says
            attachment = TransitGatewayAttachment(
                transit_gateway_attachment_id=attachment_id,
                transit_gateway_id=item.get("TransitGatewayId", ""),
                resource_type="vpc",
                resource_id=item.get("VpcId"),
                resource_owner_id=item.get("VpcOwnerId"),
                state=str(item.get("State") or "unknown"),
            )
            attachments[attachment_id] = attachment
        attachment.subnet_ids = list(item.get("SubnetIds") or [])
    return list(attachments.values())


def route_from_aws(item: dict[str, Any]) -> TransitGatewayRoute:
    attachments = item.get("TransitGatewayAttachments") or []
    return TransitGatewayRoute(
        destination_cidr=item.get("DestinationCidrBlock"),
        prefix_list_id=item.get("PrefixListId"),
        state=str(item.get("State") or "unknown"),
        route_type=item.get("Type"),
        attachment_ids=[
            a["TransitGatewayAttachmentId"]
            for a in attachments
            if a.get("TransitGatewayAttachmentId")
        ],
        resource_ids=[a["ResourceId"] for a in attachments if a.get("ResourceId")],
        resource_types=[a["ResourceType"] for a in attachments if a.get("ResourceType")],
    )


def read_route_tables(
    recorder: CallRecorder, ec2: Any, tgw_ids: Iterable[str], destinations: Iterable[str]
) -> list[TransitGatewayRouteTable]:
    """The TGWs' route tables, each with its associations, propagations and the routes that
    contain any of `destinations` (addresses or CIDRs)."""
    wanted = sorted(set(tgw_ids))
    if not wanted:
        return []
    items = recorder.items(
        ec2,
        "describe_transit_gateway_route_tables",
        "ec2:DescribeTransitGatewayRouteTables",
        "TransitGatewayRouteTables",
        Filters=_tgw_filter(wanted),
    )
    searched = sorted({d if "/" in d else _host_cidr(d) for d in destinations})
    tables: list[TransitGatewayRouteTable] = []
    for item in items or []:
        table = TransitGatewayRouteTable(
            transit_gateway_route_table_id=item["TransitGatewayRouteTableId"],
            transit_gateway_id=item.get("TransitGatewayId", ""),
            state=item.get("State"),
            default_association=bool(item.get("DefaultAssociationRouteTable", False)),
            default_propagation=bool(item.get("DefaultPropagationRouteTable", False)),
        )
        rtb = table.transit_gateway_route_table_id
        associations = recorder.items(
            ec2,
            "get_transit_gateway_route_table_associations",
            "ec2:GetTransitGatewayRouteTableAssociations",
            "Associations",
            TransitGatewayRouteTableId=rtb,
        )
        if associations is not None:
            table.associations_read = True
            table.associated_attachment_ids = [
                a["TransitGatewayAttachmentId"]
                for a in associations
                if a.get("TransitGatewayAttachmentId")
                and a.get("State", "associated") == "associated"
            ]
        propagations = recorder.items(
            ec2,
            "get_transit_gateway_route_table_propagations",
            "ec2:GetTransitGatewayRouteTablePropagations",
            "TransitGatewayRouteTablePropagations",
            TransitGatewayRouteTableId=rtb,
        )
        if propagations is not None:
            table.propagations_read = True
            table.propagated_attachment_ids = [
                p["TransitGatewayAttachmentId"]
                for p in propagations
                if p.get("TransitGatewayAttachmentId") and p.get("State", "enabled") == "enabled"
            ]
        if searched:
            # supernet-of-match: every route containing a destination; `paths` picks the
            # longest prefix (moto ignores route-search filters altogether).
            answer = recorder.call(
                ec2,
                "search_transit_gateway_routes",
                "ec2:SearchTransitGatewayRoutes",
                TransitGatewayRouteTableId=rtb,
                Filters=[{"Name": "route-search.supernet-of-match", "Values": searched}],
            )  # no MaxResults: moto 5.2.5 answers it with a 500 (it slices a dict)
            if answer is not None:
                # More than one page of matching routes is never complete: judge it unread.
                table.routes_read = not answer.get("AdditionalRoutesAvailable", False)
                table.routes = [route_from_aws(r) for r in answer.get("Routes") or []]
        tables.append(table)
    return tables


def _host_cidr(address: str) -> str:
    return f"{address}/128" if ":" in address else f"{address}/32"


# ---------------------------------------------------------------------------- VPN


def vpn_connection_from_aws(item: dict[str, Any]) -> VpnConnection:
    return VpnConnection(
        vpn_connection_id=item["VpnConnectionId"],
        state=str(item.get("State") or "unknown"),
        vpn_gateway_id=item.get("VpnGatewayId"),
        transit_gateway_id=item.get("TransitGatewayId"),
        customer_gateway_id=item.get("CustomerGatewayId"),
        tunnels=[
            VpnTunnel(
                outside_ip_address=t.get("OutsideIpAddress"),
                status=t.get("Status"),
                status_message=t.get("StatusMessage"),
            )
            for t in item.get("VgwTelemetry") or []
        ],
    )


def read_vpn_connections(
    recorder: CallRecorder, ec2: Any, *, vgw_ids: Iterable[str], vpn_ids: Iterable[str]
) -> list[VpnConnection]:
    """VPN connections behind these virtual private gateways or with these IDs (TGW VPN
    attachments name their vpn-…): at most one call for each kind of key."""
    found: dict[str, VpnConnection] = {}
    for name, values in (("vpn-gateway-id", vgw_ids), ("vpn-connection-id", vpn_ids)):
        wanted = sorted(set(values))
        if not wanted:
            continue
        answer = recorder.call(
            ec2,
            "describe_vpn_connections",
            "ec2:DescribeVpnConnections",
            Filters=[{"Name": name, "Values": wanted}],
        )
        for item in (answer or {}).get("VpnConnections") or []:
            connection = vpn_connection_from_aws(item)
            found.setdefault(connection.vpn_connection_id, connection)
    return list(found.values())


def read_vpn_gateways(recorder: CallRecorder, ec2: Any, vgw_ids: Iterable[str]) -> list[VpnGateway]:
    wanted = sorted(set(vgw_ids))
    if not wanted:
        return []
    answer = recorder.call(
        ec2,
        "describe_vpn_gateways",
        "ec2:DescribeVpnGateways",
        Filters=[{"Name": "vpn-gateway-id", "Values": wanted}],
    )
    if answer is None:
        return []
    found = [
        VpnGateway(
            vpn_gateway_id=i["VpnGatewayId"],
            state=i.get("State"),
            attached_vpc_ids=[
                a["VpcId"]
                for a in i.get("VpcAttachments") or []
                if a.get("VpcId") and a.get("State") == "attached"
            ],
        )
        for i in answer.get("VpnGateways") or []
    ]
    recorder.not_found(
        "ec2:DescribeVpnGateways",
        "InvalidVpnGatewayID.NotFound",
        set(wanted) - {g.vpn_gateway_id for g in found},
    )
    return found
