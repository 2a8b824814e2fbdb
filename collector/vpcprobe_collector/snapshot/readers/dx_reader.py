"""Direct Connect: the gateways a transit gateway's attachments lead to.

One DescribeDirectConnectGateways (all pages) per snapshot, and only when a TGW attachment of
type `direct-connect-gateway` was read: the API takes at most one gateway ID, so listing the
account's gateways and keeping the wanted ones is the batched read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vpcprobe_collector.snapshot.model import DirectConnectGateway
from vpcprobe_collector.snapshot.readers.calls import CallRecorder

API = "directconnect:DescribeDirectConnectGateways"


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
    gateways = recorder.parse(API, items, gateway_from_aws)
    return [g for g in gateways if g.direct_connect_gateway_id in wanted]
