"""Golden scenarios beyond the VPC: peering, transit gateways, VPN and Route 53 Resolver.

Each is the healthy reference VPC (10.1.0.0/16, builder.healthy) plus what lies beyond it, with
the probe reports such a network would produce. IDs are fixed so the expected outputs are
stable; `catalog.SCENARIOS` includes these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.scenarios import builder as b
from vpcprobe.models import DnsResult, ProbeReport, TcpResult
from vpcprobe_collector.findings.model import TargetSpec
from vpcprobe_collector.snapshot.model import (
    NO_ROLE,
    DirectConnectGateway,
    DirectConnectGatewayAssociation,
    FirewallRule,
    FirewallRuleGroupAssociation,
    HostedZone,
    NaclEntry,
    NetworkAcl,
    NetworkInterface,
    PeeringConnection,
    PeeringSide,
    RemoteVpc,
    ResolverEndpoint,
    ResolverEndpointAddress,
    ResolverRule,
    Route,
    RouteTable,
    RouteTableAssociation,
    RouteTargetType,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    Vpc,
    VpcSnapshot,
    VpnConnection,
    VpnGateway,
    VpnTunnel,
)

if TYPE_CHECKING:
    from tests.scenarios.catalog import Scenario

# catalog.py includes these scenarios at its end, so this module reaches back into it only when
# a scenario is built (never at import time).
API = TargetSpec(host=b.API_NAME, port=443, label="payments-api")


def _scenario(*args: Any, **kwargs: Any) -> Scenario:
    from tests.scenarios import catalog

    return catalog.Scenario(*args, **kwargs)


PEER_ACCOUNT = "210987654321"
FAR_VPC = "vpc-0fa20000000000001"
FAR_CIDR = "10.2.0.0/16"
FAR_SUBNET = "subnet-0fa2000000000001a"
FAR_RTB = "rtb-0fa20000000000001"
FAR_ACL = "acl-0fa20000000000001"
FAR_SG = "sg-0fa20000000000001"
FAR_ENI = "eni-0fa20000000000001"
FAR_DB = "10.2.1.20"
PCX = "pcx-0a1b2c3d4e5f60001"
TGW = "tgw-0c0de0000000000001"
TGW_RTB = "tgw-rtb-0c0de00000000001"
ATT_OWN = "tgw-attach-0aaa00000000001"
ATT_FAR = "tgw-attach-0fa200000000001"
ATT_VPN = "tgw-attach-0f0000000000001"
VGW = "vgw-0e0e0e0e0e0e0e001"
VPN = "vpn-0e0e0e0e0e0e0e001"
ONPREM = "192.168.10.5"
RULE = "rslvr-rr-0c0c0c0c0c0c00001"
ENDPOINT = "rslvr-out-0c0c0c0c0c0c0001"
SG_RESOLVER = "sg-0c0c0c0c0c0c0c001"
FORWARD_TARGET = "172.20.0.2"
CORP_NAME = "db.corp.example.com"
ZONE = "Z0ORDERS00000000000001"
FIREWALL_GROUP = "rslvr-frg-0f0f0f0f0f0f0001"
DOMAIN_LIST = "rslvr-fdl-0f0f0f0f0f0f0001"

FAR_TARGET = TargetSpec(host=FAR_DB, port=5432, label="shared-db")
ONPREM_TARGET = TargetSpec(host=ONPREM, port=443, label="onprem-api")
CORP_TARGET = TargetSpec(host=CORP_NAME, port=5432, label="corp-db")
ZONE_TARGET = TargetSpec(host=b.DB_NAME, port=5432, label="orders-db")


def _far_vpc(
    *,
    route_back: Route | None,
    sg_rules: list[SecurityGroupRule] | None = None,
    nacl_deny_port: int | None = None,
    account: str = b.ACCOUNT,
) -> RemoteVpc:
    routes = [
        Route(destination_cidr=FAR_CIDR, target_type=RouteTargetType.LOCAL, target_id="local")
    ]
    if route_back:
        routes.append(route_back)
    entries = [
        NaclEntry(
            rule_number=n,
            egress=egress,
            protocol="-1",
            rule_action="allow" if n == 100 else "deny",
            cidr_block="0.0.0.0/0",
        )
        for egress in (False, True)
        for n in (100, 32767)
    ]
    if nacl_deny_port:
        entries.insert(
            0,
            NaclEntry(
                rule_number=90,
                egress=False,
                protocol="6",
                rule_action="deny",
                cidr_block="10.1.0.0/16",
                port_from=nacl_deny_port,
                port_to=nacl_deny_port,
            ),
        )
    return RemoteVpc(
        vpc_id=FAR_VPC,
        account_id=account,
        region=b.REGION,
        read=True,
        vpc=Vpc(vpc_id=FAR_VPC, cidr_blocks=[FAR_CIDR], owner_id=account),
        subnets=[
            Subnet(
                subnet_id=FAR_SUBNET,
                vpc_id=FAR_VPC,
                cidr_block="10.2.1.0/24",
                availability_zone="eu-west-1a",
            )
        ],
        route_tables=[
            RouteTable(
                route_table_id=FAR_RTB,
                vpc_id=FAR_VPC,
                routes=routes,
                associations=[
                    RouteTableAssociation(subnet_id=FAR_SUBNET),
                    RouteTableAssociation(main=True),
                ],
            )
        ],
        network_acls=[
            NetworkAcl(
                network_acl_id=FAR_ACL, vpc_id=FAR_VPC, entries=entries, subnet_ids=[FAR_SUBNET]
            )
        ],
        security_groups=[
            SecurityGroup(
                group_id=FAR_SG,
                group_name="shared-db",
                vpc_id=FAR_VPC,
                owner_id=account,
                ingress=sg_rules
                if sg_rules is not None
                else [
                    SecurityGroupRule(
                        protocol="tcp",
                        from_port=5432,
                        to_port=5432,
                        peer_kind="cidr_ipv4",
                        peer="10.1.0.0/16",
                    )
                ],
            )
        ],
        network_interfaces=[
            NetworkInterface(
                network_interface_id=FAR_ENI,
                subnet_id=FAR_SUBNET,
                vpc_id=FAR_VPC,
                private_ip_addresses=[FAR_DB],
                security_group_ids=[FAR_SG],
            )
        ],
    )


def _route(snap: VpcSnapshot, cidr: str, kind: RouteTargetType, target: str) -> None:
    table = next(t for t in snap.route_tables if t.route_table_id == b.RTB_PRIVATE)
    table.routes.append(Route(destination_cidr=cidr, target_type=kind, target_id=target))


def _reports(
    statuses: list[str], target: TargetSpec, *, dns: list[DnsResult] | None = None
) -> list[ProbeReport]:
    """One report per status: TCP to `target` (by address) and the API, the usual DNS."""
    out = []
    for i, status in enumerate(statuses):
        tcp: list[TcpResult] = [
            b.tcp(target.host, target.port, target.host, status, target.label),
            b.tcp(b.API_NAME, 443, b.PUBLIC_ADDRESS, "open", "payments-api"),
        ]
        names = b.resolved(b.API_NAME, b.PUBLIC_ADDRESS) + list(dns or [])
        out.append(b.report(i + 1, tcp_results=tcp, dns_results=names))
    return out


# ---------------------------------------------------------------------------- peering


def _peered(
    *,
    status: str = "active",
    far: RemoteVpc | None = None,
    accepter_cidrs: list[str] | None = None,
    routed: str = FAR_CIDR,
) -> VpcSnapshot:
    snap = b.healthy()
    _route(snap, routed, RouteTargetType.PEERING, PCX)
    snap.target_addresses = [FAR_DB, b.PUBLIC_ADDRESS]
    snap.beyond.followed = [PCX]
    snap.beyond.peering_connections = [
        PeeringConnection(
            vpc_peering_connection_id=PCX,
            status=status,
            status_message="Pending Acceptance by 123456789012"
            if status == "pending-acceptance"
            else None,
            requester=PeeringSide(
                vpc_id=b.VPC, owner_id=b.ACCOUNT, region=b.REGION, cidr_blocks=["10.1.0.0/16"]
            ),
            accepter=PeeringSide(
                vpc_id=FAR_VPC,
                owner_id=far.account_id if far else b.ACCOUNT,
                region=b.REGION,
                cidr_blocks=accepter_cidrs or [FAR_CIDR],
            ),
        )
    ]
    back = Route(destination_cidr="10.1.0.0/16", target_type=RouteTargetType.PEERING, target_id=PCX)
    snap.beyond.remote_vpcs = [far if far is not None else _far_vpc(route_back=back)]
    return snap


def _pcx_back() -> Route:
    return Route(destination_cidr="10.1.0.0/16", target_type=RouteTargetType.PEERING, target_id=PCX)


def peering_healthy() -> Scenario:
    return _scenario(_peered(), _reports(["open"] * 3, FAR_TARGET), targets=[FAR_TARGET, API])


def peering_not_active() -> Scenario:
    snap = _peered(status="pending-acceptance")
    return _scenario(
        snap,
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("PCX001",),
    )


def peering_no_route_back() -> Scenario:
    snap = _peered(far=_far_vpc(route_back=None))
    return _scenario(
        snap,
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("PCX002",),
    )


def peering_sg_denies() -> Scenario:
    rules = [
        SecurityGroupRule(
            protocol="tcp", from_port=5432, to_port=5432, peer_kind="cidr_ipv4", peer="10.9.0.0/16"
        )
    ]
    snap = _peered(far=_far_vpc(route_back=_pcx_back(), sg_rules=rules))
    return _scenario(
        snap,
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("PCX003",),
    )


def peering_nacl_denies() -> Scenario:
    snap = _peered(far=_far_vpc(route_back=_pcx_back(), nacl_deny_port=5432))
    return _scenario(
        snap,
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("PCX004",),
    )


def peering_cidrs_overlap() -> Scenario:
    snap = _peered(accepter_cidrs=[FAR_CIDR, "10.1.32.0/20"])
    return _scenario(
        snap,
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("PCX005",),
    )


def peering_destination_not_in_peer() -> Scenario:
    target = TargetSpec(host="10.3.0.5", port=5432, label="beyond-peer")
    snap = _peered(routed="10.3.0.0/16")
    snap.target_addresses = ["10.3.0.5", b.PUBLIC_ADDRESS]
    return _scenario(
        snap,
        _reports(["timeout"] * 3, target),
        targets=[target, API],
        cause="C22",
        expect_codes=("PCX006",),
    )


def peering_far_side_unreadable() -> Scenario:
    """The peer is in another account and no role was given: verified up to pcx-…, not beyond."""
    far = RemoteVpc(
        vpc_id=FAR_VPC,
        account_id=PEER_ACCOUNT,
        region=b.REGION,
        reason=(
            f"it is in account {PEER_ACCOUNT}, and no role was given for that account (pass "
            f"--assume-role arn:aws:iam::{PEER_ACCOUNT}:role/ROLE_NAME, or map {PEER_ACCOUNT} to a "
            "role in the [peers] table of --config)"
        ),
        error_code=NO_ROLE,
        api="sts:AssumeRole",
    )
    snap = _peered(far=far)
    return _scenario(
        snap, _reports(["timeout"] * 3, FAR_TARGET), targets=[FAR_TARGET, API], cause="C22"
    )


# ---------------------------------------------------------------------------- transit gateway


def _tgw(
    *,
    own_subnets: tuple[str, ...] = b.FUNCTION_SUBNETS,
    own: bool = True,
    route_state: str = "active",
    far_state: str = "available",
    return_route: bool = True,
    far: RemoteVpc | None = None,
    far_kind: str = "vpc",
) -> VpcSnapshot:
    snap = b.healthy()
    _route(snap, FAR_CIDR, RouteTargetType.TRANSIT_GATEWAY, TGW)
    snap.target_addresses = [FAR_DB, b.PUBLIC_ADDRESS]
    beyond = snap.beyond
    beyond.followed = [TGW]
    beyond.attached_vpc_cidrs = {FAR_VPC: [FAR_CIDR]} if far_kind == "vpc" else {}
    beyond.transit_gateways = [
        TransitGateway(
            transit_gateway_id=TGW,
            owner_id=b.ACCOUNT,
            state="available",
            association_default_route_table_id=TGW_RTB,
            propagation_default_route_table_id=TGW_RTB,
        )
    ]
    attachments = [
        TransitGatewayAttachment(
            transit_gateway_attachment_id=ATT_FAR if far_kind == "vpc" else ATT_VPN,
            transit_gateway_id=TGW,
            resource_type=far_kind,
            resource_id=FAR_VPC if far_kind == "vpc" else VPN,
            resource_owner_id=b.ACCOUNT,
            state=far_state,
            association_route_table_id=TGW_RTB,
            association_state="associated",
            subnet_ids=[FAR_SUBNET] if far_kind == "vpc" else [],
        )
    ]
    if own:
        attachments.insert(
            0,
            TransitGatewayAttachment(
                transit_gateway_attachment_id=ATT_OWN,
                transit_gateway_id=TGW,
                resource_type="vpc",
                resource_id=b.VPC,
                resource_owner_id=b.ACCOUNT,
                state="available",
                association_route_table_id=TGW_RTB,
                association_state="associated",
                subnet_ids=list(own_subnets),
            ),
        )
    beyond.transit_gateway_attachments = attachments
    far_att = attachments[-1]
    routes = [
        TransitGatewayRoute(
            destination_cidr=FAR_CIDR if far_kind == "vpc" else "192.168.0.0/16",
            state=route_state,
            route_type="static",
            attachment_ids=[]
            if route_state == "blackhole"
            else [far_att.transit_gateway_attachment_id],
            resource_ids=[] if route_state == "blackhole" else [far_att.resource_id or ""],
            resource_types=[] if route_state == "blackhole" else [far_kind],
        )
    ]
    if return_route:
        routes.append(
            TransitGatewayRoute(
                destination_cidr="10.1.0.0/16",
                state="active",
                route_type="propagated",
                attachment_ids=[ATT_OWN],
                resource_ids=[b.VPC],
                resource_types=["vpc"],
            )
        )
    beyond.transit_gateway_route_tables = [
        TransitGatewayRouteTable(
            transit_gateway_route_table_id=TGW_RTB,
            transit_gateway_id=TGW,
            state="available",
            default_association=True,
            default_propagation=True,
            associated_attachment_ids=[a.transit_gateway_attachment_id for a in attachments],
            propagated_attachment_ids=[ATT_OWN] if return_route else [],
            routes=routes,
            routes_read=True,
            associations_read=True,
            propagations_read=True,
        )
    ]
    beyond.tgw_searched_destinations = [
        FAR_DB,
        b.PUBLIC_ADDRESS,
        *(f"10.1.{32 + i}.0/24" for i in range(3)),
    ]
    if far_kind == "vpc":
        back = Route(
            destination_cidr="10.1.0.0/16",
            target_type=RouteTargetType.TRANSIT_GATEWAY,
            target_id=TGW,
        )
        beyond.remote_vpcs = [far if far is not None else _far_vpc(route_back=back)]
    return snap


def _tgw_back() -> Route:
    return Route(
        destination_cidr="10.1.0.0/16", target_type=RouteTargetType.TRANSIT_GATEWAY, target_id=TGW
    )


def tgw_healthy() -> Scenario:
    return _scenario(_tgw(), _reports(["open"] * 3, FAR_TARGET), targets=[FAR_TARGET, API])


def tgw_not_attached() -> Scenario:
    return _scenario(
        _tgw(own=False),
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("TGW001",),
    )


def tgw_attachment_missing_az() -> Scenario:
    """The attachment has no subnet in eu-west-1c: only invocations there time out."""
    snap = _tgw(own_subnets=(b.SUBNET_A, b.SUBNET_B))
    return _scenario(
        snap,
        _reports(["open", "open", "timeout"], FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C24",
        expect_codes=("TGW002",),
    )


def tgw_route_blackhole() -> Scenario:
    return _scenario(
        _tgw(route_state="blackhole"),
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("TGW003",),
    )


def tgw_destination_attachment_pending() -> Scenario:
    return _scenario(
        _tgw(far_state="pendingAcceptance"),
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("TGW006",),
    )


DXGW = "5f7a2b0c-1234-4cde-9f00-0123456789ab"


def tgw_direct_connect_gateway_deleting() -> Scenario:
    """The TGW routes the destination to a Direct Connect gateway attachment whose gateway is
    being deleted (moto has no Direct Connect: the gateway is as DescribeDirectConnectGateways
    answers, shape per botocore's model)."""
    snap = _tgw()
    attachment = snap.beyond.attachment(ATT_FAR)
    assert attachment is not None
    attachment.resource_type, attachment.resource_id = "direct-connect-gateway", DXGW
    snap.beyond.direct_connect_gateways = [
        DirectConnectGateway(
            direct_connect_gateway_id=DXGW,
            name="onprem",
            state="deleting",
            owner_account=snap.account_id,
        )
    ]
    return _scenario(
        snap,
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("TGW008",),
    )


def tgw_return_route_missing() -> Scenario:
    return _scenario(
        _tgw(return_route=False),
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("TGW005",),
    )


def tgw_destination_no_route_back() -> Scenario:
    return _scenario(
        _tgw(far=_far_vpc(route_back=None)),
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("TGW004",),
    )


def tgw_destination_sg_denies() -> Scenario:
    rules = [
        SecurityGroupRule(
            protocol="tcp", from_port=443, to_port=443, peer_kind="cidr_ipv4", peer="10.1.0.0/16"
        )
    ]
    return _scenario(
        _tgw(far=_far_vpc(route_back=_tgw_back(), sg_rules=rules)),
        _reports(["timeout"] * 3, FAR_TARGET),
        targets=[FAR_TARGET, API],
        cause="C22",
        expect_codes=("TGW007",),
    )


# ---------------------------------------------------------------------------- VPN


def _vpn(tunnels: list[str] | None, *, connection: bool = True) -> VpcSnapshot:
    snap = b.healthy()
    _route(snap, "192.168.0.0/16", RouteTargetType.VIRTUAL_PRIVATE_GATEWAY, VGW)
    snap.target_addresses = [ONPREM, b.PUBLIC_ADDRESS]
    snap.beyond.followed = [VGW]
    snap.beyond.vpn_gateways = [
        VpnGateway(vpn_gateway_id=VGW, state="available", attached_vpc_ids=[b.VPC])
    ]
    if connection:
        snap.beyond.vpn_connections = [
            VpnConnection(
                vpn_connection_id=VPN,
                state="available",
                vpn_gateway_id=VGW,
                customer_gateway_id="cgw-0e0e0e0e0e0e0e001",
                tunnels=[
                    VpnTunnel(
                        outside_ip_address=ip,
                        status=status,
                        status_message="IPSEC IS DOWN" if status == "DOWN" else "",
                    )
                    for ip, status in zip(
                        ("203.0.113.1", "203.0.113.2"), tunnels or [], strict=False
                    )
                ],
            )
        ]
    return snap


def vpn_healthy() -> Scenario:
    return _scenario(
        _vpn(["UP", "DOWN"]), _reports(["open"] * 3, ONPREM_TARGET), targets=[ONPREM_TARGET, API]
    )


def vpn_tunnels_down() -> Scenario:
    return _scenario(
        _vpn(["DOWN", "DOWN"]),
        _reports(["timeout"] * 3, ONPREM_TARGET),
        targets=[ONPREM_TARGET, API],
        cause="C22",
        expect_codes=("VPN001",),
    )


def vpn_connection_deleted() -> Scenario:
    snap = _vpn(["DOWN", "DOWN"])
    snap.beyond.vpn_connections[0].state = "deleted"
    return _scenario(
        snap,
        _reports(["timeout"] * 3, ONPREM_TARGET),
        targets=[ONPREM_TARGET, API],
        cause="C22",
        expect_codes=("VPN002",),
    )


def vpn_gateway_without_vpn_connection() -> Scenario:
    """No VPN connection on the vgw: it may carry Direct Connect, which is not read."""
    return _scenario(
        _vpn(None, connection=False),
        _reports(["timeout"] * 3, ONPREM_TARGET),
        targets=[ONPREM_TARGET, API],
        cause="C22",
    )


VGW_DX_ASSOCIATION = "0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d"  # AWS's association IDs are UUIDs


def _vgw_direct_connect(state: str) -> VpcSnapshot:
    """The vgw has no VPN connection; its Direct Connect gateway association is in `state`
    (moto has no Direct Connect: the association is as DescribeDirectConnectGatewayAssociations
    answers, shape per botocore's model)."""
    snap = _vpn(None, connection=False)
    snap.beyond.dx_associations_read = [VGW]
    snap.beyond.dx_gateway_associations = [
        DirectConnectGatewayAssociation(
            association_id=VGW_DX_ASSOCIATION,
            direct_connect_gateway_id=DXGW,
            virtual_gateway_id=VGW,
            association_state=state,
        )
    ]
    return snap


def vpn_gateway_direct_connect_associated() -> Scenario:
    """No VPN connection on the vgw, but a Direct Connect gateway is associated: the path ends
    there, allowed as far as read (no VPN finding, no "not read")."""
    return _scenario(
        _vgw_direct_connect("associated"),
        _reports(["open"] * 3, ONPREM_TARGET),
        targets=[ONPREM_TARGET, API],
    )


def vpn_gateway_direct_connect_disassociated() -> Scenario:
    return _scenario(
        _vgw_direct_connect("disassociated"),
        _reports(["timeout"] * 3, ONPREM_TARGET),
        targets=[ONPREM_TARGET, API],
        cause="C22",
        expect_codes=("VPN004",),
    )


def vpn_tunnel_status_unknown() -> Scenario:
    return _scenario(
        _vpn([]),
        _reports(["timeout"] * 3, ONPREM_TARGET),
        targets=[ONPREM_TARGET, API],
        cause="C22",
    )


# ---------------------------------------------------------------------------- Route 53


def _route53(
    snap: VpcSnapshot,
    *,
    rule: bool = False,
    resolver_egress: list[SecurityGroupRule] | None = None,
    zone_associated: bool | None = None,
    firewall_action: str | None = None,
) -> VpcSnapshot:
    beyond = snap.beyond
    beyond.dns_read = True
    snap.target_names = [CORP_NAME if rule else b.DB_NAME, b.API_NAME]
    if rule:
        beyond.resolver_rules = [
            ResolverRule(
                resolver_rule_id=RULE,
                domain_name="corp.example.com.",
                rule_type="FORWARD",
                name="corp",
                status="COMPLETE",
                resolver_endpoint_id=ENDPOINT,
                target_ips=[f"{FORWARD_TARGET}:53"],
                association_id="rslvr-rrassoc-0c0c0c0c0c0001",
                association_status="COMPLETE",
            )
        ]
        beyond.resolver_endpoints = [
            ResolverEndpoint(
                resolver_endpoint_id=ENDPOINT,
                direction="OUTBOUND",
                status="OPERATIONAL",
                host_vpc_id=b.VPC,
                security_group_ids=[SG_RESOLVER],
                addresses=[
                    ResolverEndpointAddress(
                        ip="10.1.32.10", subnet_id=b.SUBNET_A, status="ATTACHED"
                    ),
                    ResolverEndpointAddress(
                        ip="10.1.33.10", subnet_id=b.SUBNET_B, status="ATTACHED"
                    ),
                ],
            )
        ]
        snap.security_groups.append(
            SecurityGroup(
                group_id=SG_RESOLVER,
                group_name="resolver-outbound",
                vpc_id=b.VPC,
                owner_id=b.ACCOUNT,
                egress=resolver_egress
                if resolver_egress is not None
                else [SecurityGroupRule(protocol="-1", peer_kind="cidr_ipv4", peer="0.0.0.0/0")],
            )
        )
        # On-premises DNS behind the VPN.
        _route(snap, "172.20.0.0/16", RouteTargetType.VIRTUAL_PRIVATE_GATEWAY, VGW)
        beyond.followed = [VGW]
        beyond.vpn_gateways = [
            VpnGateway(vpn_gateway_id=VGW, state="available", attached_vpc_ids=[b.VPC])
        ]
        beyond.vpn_connections = [
            VpnConnection(
                vpn_connection_id=VPN,
                state="available",
                vpn_gateway_id=VGW,
                tunnels=[VpnTunnel(outside_ip_address="203.0.113.1", status="UP")],
            )
        ]
    if zone_associated is not None:
        beyond.hosted_zones = [
            HostedZone(hosted_zone_id=ZONE, name="orders.internal.", associated=zone_associated)
        ]
    if firewall_action:
        beyond.firewall_associations = [
            FirewallRuleGroupAssociation(
                association_id="rslvr-frgassoc-0f0f0f0f0f0001",
                firewall_rule_group_id=FIREWALL_GROUP,
                name="egress-policy",
                priority=101,
                status="COMPLETE",
                rules_read=True,
                rules=[
                    FirewallRule(
                        name="block-internal-db",
                        priority=1,
                        action=firewall_action,
                        block_response="NXDOMAIN" if firewall_action == "BLOCK" else None,
                        firewall_domain_list_id=DOMAIN_LIST,
                        domains=["*.orders.internal."],
                        domains_read=True,
                    )
                ],
            )
        ]
    return snap


def _corp_dns(status: str) -> list[DnsResult]:
    if status == "ok":
        return b.resolved(CORP_NAME, "172.20.5.5")
    return [
        b.dns(CORP_NAME, "system", "system", status),
        *(b.dns(CORP_NAME, b.FORWARDER, t, status) for t in ("udp", "tcp")),
    ]


def _corp_reports(status: str) -> list[ProbeReport]:
    tcp_status = "open" if status == "ok" else "dns_failed"
    out = []
    for i in range(3):
        tcp = [
            b.tcp(CORP_NAME, 5432, "172.20.5.5" if status == "ok" else None, tcp_status, "corp-db"),
            b.tcp(b.API_NAME, 443, b.PUBLIC_ADDRESS, "open", "payments-api"),
        ]
        dns = b.resolved(b.API_NAME, b.PUBLIC_ADDRESS) + _corp_dns(status)
        out.append(b.report(i + 1, tcp_results=tcp, dns_results=dns))
    return out


def resolver_forwarding_healthy() -> Scenario:
    snap = _route53(b.healthy(), rule=True)
    snap.target_addresses = [b.PUBLIC_ADDRESS]
    return _scenario(snap, _corp_reports("ok"), targets=[CORP_TARGET, API])


def resolver_forwarder_blocked() -> Scenario:
    """The outbound endpoint's group allows only TCP 443 out; the probe's lookups of the
    forwarded name time out while every other name resolves."""
    egress = [
        SecurityGroupRule(
            protocol="tcp", from_port=443, to_port=443, peer_kind="cidr_ipv4", peer="0.0.0.0/0"
        )
    ]
    snap = _route53(b.healthy(), rule=True, resolver_egress=egress)
    snap.target_addresses = [b.PUBLIC_ADDRESS]
    return _scenario(
        snap,
        _corp_reports("servfail"),
        targets=[CORP_TARGET, API],
        cause="C13",
        expect_codes=("R53001", "R53002"),
    )


def _zone_reports(status: str) -> list[ProbeReport]:
    out = []
    for i in range(3):
        ok = status == "ok"
        tcp = [
            b.tcp(
                b.DB_NAME,
                5432,
                b.DB_ADDRESS if ok else None,
                "open" if ok else "dns_failed",
                "orders-db",
            ),
            b.tcp(b.API_NAME, 443, b.PUBLIC_ADDRESS, "open", "payments-api"),
        ]
        dns = b.resolved(b.API_NAME, b.PUBLIC_ADDRESS) + (
            b.resolved(b.DB_NAME, b.DB_ADDRESS)
            if ok
            else [
                b.dns(b.DB_NAME, s, t, status)
                for s, t in (("system", "system"), (b.FORWARDER, "udp"), (b.FORWARDER, "tcp"))
            ]
        )
        out.append(b.report(i + 1, tcp_results=tcp, dns_results=dns))
    return out


def private_zone_associated() -> Scenario:
    snap = _route53(b.healthy(), zone_associated=True)
    return _scenario(snap, _zone_reports("ok"), targets=[ZONE_TARGET, API])


def private_zone_not_associated() -> Scenario:
    snap = _route53(b.healthy(), zone_associated=False)
    return _scenario(
        snap,
        _zone_reports("nxdomain"),
        targets=[ZONE_TARGET, API],
        cause="C13",
        expect_codes=("R53003",),
    )


def private_zone_dns_hostnames_off() -> Scenario:
    snap = _route53(b.healthy(), zone_associated=True)
    assert snap.vpc is not None
    snap.vpc.enable_dns_hostnames = False
    return _scenario(
        snap,
        _zone_reports("nxdomain"),
        targets=[ZONE_TARGET, API],
        cause="C13",
        expect_codes=("R53004",),
    )


def dns_firewall_blocks_name() -> Scenario:
    snap = _route53(b.healthy(), zone_associated=True, firewall_action="BLOCK")
    return _scenario(
        snap,
        _zone_reports("nxdomain"),
        targets=[ZONE_TARGET, API],
        cause="C13",
        expect_codes=("R53005",),
    )


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "peering-healthy": peering_healthy,
    "peering-not-active": peering_not_active,
    "peering-no-route-back": peering_no_route_back,
    "peering-sg-denies": peering_sg_denies,
    "peering-nacl-denies": peering_nacl_denies,
    "peering-cidrs-overlap": peering_cidrs_overlap,
    "peering-destination-not-in-peer": peering_destination_not_in_peer,
    "peering-far-side-unreadable": peering_far_side_unreadable,
    "tgw-healthy": tgw_healthy,
    "tgw-not-attached": tgw_not_attached,
    "tgw-attachment-missing-az": tgw_attachment_missing_az,
    "tgw-route-blackhole": tgw_route_blackhole,
    "tgw-destination-attachment-pending": tgw_destination_attachment_pending,
    "tgw-return-route-missing": tgw_return_route_missing,
    "tgw-direct-connect-gateway-deleting": tgw_direct_connect_gateway_deleting,
    "tgw-destination-no-route-back": tgw_destination_no_route_back,
    "tgw-destination-sg-denies": tgw_destination_sg_denies,
    "vpn-healthy": vpn_healthy,
    "vpn-tunnels-down": vpn_tunnels_down,
    "vpn-connection-deleted": vpn_connection_deleted,
    "vpn-gateway-without-vpn-connection": vpn_gateway_without_vpn_connection,
    "vpn-gateway-direct-connect-associated": vpn_gateway_direct_connect_associated,
    "vpn-gateway-direct-connect-disassociated": vpn_gateway_direct_connect_disassociated,
    "vpn-tunnel-status-unknown": vpn_tunnel_status_unknown,
    "resolver-forwarding-healthy": resolver_forwarding_healthy,
    "resolver-forwarder-blocked": resolver_forwarder_blocked,
    "private-zone-associated": private_zone_associated,
    "private-zone-not-associated": private_zone_not_associated,
    "private-zone-dns-hostnames-off": private_zone_dns_hostnames_off,
    "dns-firewall-blocks-name": dns_firewall_blocks_name,
}
