"""Direct Connect: the gateways a transit gateway's attachments lead to, and the Direct
Connect gateway associations of a virtual private gateway.

One DescribeDirectConnectGateways (all pages) per snapshot, and only when a TGW attachment of
type `direct-connect-gateway` was read: the API takes at most one gateway ID, so listing the
account's gateways and keeping the wanted ones is the batched read.

One DescribeDirectConnectGatewayAssociations (virtualGatewayId=vgw-…, all pages) per
virtual private gateway a route leads to that has no VPN connection: the API filters by one
gateway, and such gateways are few.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vpcprobe_collector.snapshot.model import DirectConnectGateway, DirectConnectGatewayAssociation
from vpcprobe_collector.snapshot.readers.calls import CallRecorder, ReadFailedError

API = "directconnect:DescribeDirectConnectGateways"
ASSOCIATIONS_API = "directconnect:DescribeDirectConnectGatewayAssociations"


def gateway_from_aws(item: dict[str, Any]) -> DirectConnectGateway:
    return DirectConnectGateway(
        direct_connect_gateway_id=str(item["directConnectGatewayId"]),
        name=item.get("directConnectGatewayName"),
        state=item.get("directConnectGatewayState"),
        owner_account=item.get("ownerAccount"),
        state_change_error=item.get("stateChangeError"),
    )


def read_direct_connect_gateways(
    recorder: CallRecorder, client: Any, gateway_ids: Iterable[str]
) -> list[DirectConnectGateway]:
    """The wanted gateways as read; [] and a SkippedRead when the read fails."""
    wanted = set(gateway_ids)
    if not wanted:
        return []
    items = recorder.items(client, "describe_direct_connect_gateways", API, "directConnectGateways")
    gateways = [
        g
        for g in recorder.parse(API, items, gateway_from_aws)
        if g.direct_connect_gateway_id in wanted
    ]
    if items is not None:
        # Read, but not listed: another account's gateway, or one deleted. Its state is not
        # known, so a path ending there is not judged (never "allowed").
        recorder.not_found(
            API,
            "DirectConnectGatewayNotFound",
            wanted - {g.direct_connect_gateway_id for g in gateways},
        )
    return gateways


def association_from_aws(item: dict[str, Any]) -> DirectConnectGatewayAssociation:
    return DirectConnectGatewayAssociation(
        association_id=item.get("associationId"),
        direct_connect_gateway_id=str(item["directConnectGatewayId"]),
        virtual_gateway_id=item.get("virtualGatewayId"),
        association_state=item.get("associationState"),
        state_change_error=item.get("stateChangeError"),
    )


def read_vgw_associations(
    recorder: CallRecorder, client: Any, vgw_ids: Iterable[str]
) -> tuple[list[DirectConnectGatewayAssociation], list[str]]:
    """The Direct Connect gateway associations of each vgw-…, and the vgw-… whose read
    succeeded (a failed one leaves a SkippedRead and is not listed)."""
    found: list[DirectConnectGatewayAssociation] = []
    read: list[str] = []
    for vgw_id in sorted(set(vgw_ids)):
        try:
            pages = recorder.pages_or_raise(
                client,
                "describe_direct_connect_gateway_associations",
                ASSOCIATIONS_API,
                virtualGatewayId=vgw_id,
            )
        except ReadFailedError as failure:
            recorder.skip(failure, [vgw_id])
            continue
        items = [i for page in pages for i in page.get("directConnectGatewayAssociations") or []]
        skipped = len(recorder.skipped)
        parsed = recorder.parse(ASSOCIATIONS_API, items, association_from_aws)
        if len(recorder.skipped) == skipped:
            read.append(vgw_id)
            found += [a for a in parsed if a.virtual_gateway_id in (None, vgw_id)]
    return found, read
