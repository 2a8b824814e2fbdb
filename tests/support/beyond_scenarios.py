"""moto scenario builders beyond one VPC: peering, transit gateways, VPN, Route 53 Resolver.

Each builds the healthy reference VPC (`aws_scenarios.build_healthy`), adds what the case is
about and records the IDs a test asserts against in `scenario.extra`. Where moto differs from
AWS the builder or `moto_fixes` says so; where moto lacks an API the tests use botocore's
Stubber with the real service model instead.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.validate

from tests.support.aws_scenarios import (
    AZS,
    DB_PORT,
    VPC_CIDR,
    Scenario,
    _allow_in,
    _sg,
    build_healthy,
)

PEER_CIDR = "10.1.0.0/16"
PEER_SUBNET_CIDR = "10.1.1.0/24"
PEER_DB = "10.1.1.20"
TGW_DEST_CIDR = "10.2.0.0/16"
TGW_DEST_SUBNET_CIDR = "10.2.1.0/24"
TGW_DB = "10.2.1.20"
ONPREM_CIDR = "192.168.0.0/16"
ONPREM_HOST = "192.168.10.5"  # data only: never contacted
FORWARD_DOMAIN = "corp.example.com"
FORWARD_TARGET = "10.60.0.2"
FORWARDED_NAME = "db.corp.example.com"
PRIVATE_ZONE = "orders.internal"
PRIVATE_NAME = "db.orders.internal"
OTHER_ACCOUNT = "222233334444"


def _far_vpc(
    ec2: Any, cidr: str, subnet_cidr: str, db: str, *, allow_from: str | None
) -> dict[str, str]:
    """A VPC with one subnet (own route table), a database ENI and its security group."""
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=subnet_cidr, AvailabilityZone=AZS[0])["Subnet"][
        "SubnetId"
    ]
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
    sg = _sg(ec2, vpc, "far-db")
    if allow_from:
        _allow_in(ec2, sg, "tcp", DB_PORT, cidr=allow_from)
    eni = ec2.create_network_interface(
        SubnetId=subnet, Groups=[sg], PrivateIpAddress=db, Description="far-db"
    )["NetworkInterface"]["NetworkInterfaceId"]
    acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][
        0
    ]["NetworkAclId"]
    return {"vpc": vpc, "subnet": subnet, "rtb": rtb, "sg": sg, "eni": eni, "acl": acl}


# ---------------------------------------------------------------------------- peering


def build_peering(
    session: Any,
    *,
    accept: bool = True,
    route_back: bool = True,
    peer_allows: str | None = VPC_CIDR,
    peer_session: Any | None = None,
) -> Scenario:
    """The function's VPC peered with 10.1.0.0/16, where a database listens on 5432.

    `peer_session` builds the peer in another account (moto keys accounts on assumed-role
    credentials)."""
    s = build_healthy(session)
    ec2 = s.ec2()
    peer_ec2 = (peer_session or session).client("ec2")
    far = _far_vpc(peer_ec2, PEER_CIDR, PEER_SUBNET_CIDR, PEER_DB, allow_from=peer_allows)
    params: dict[str, Any] = {"VpcId": s.vpc_id, "PeerVpcId": far["vpc"]}
    if peer_session is not None:
        params["PeerOwnerId"] = OTHER_ACCOUNT
    pcx = ec2.create_vpc_peering_connection(**params)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    if accept:
        peer_ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    # moto differs from AWS: a route to a peering connection that is not active reads
    # `active` here (AWS shows `blackhole`); the rules judge the connection's own state.
    ec2.create_route(
        RouteTableId=s.private_route_table_id,
        DestinationCidrBlock=PEER_CIDR,
        VpcPeeringConnectionId=pcx,
    )
    if route_back:
        peer_ec2.create_route(
            RouteTableId=far["rtb"], DestinationCidrBlock=VPC_CIDR, VpcPeeringConnectionId=pcx
        )
    s.extra.update({"pcx": pcx, **{f"peer_{k}": v for k, v in far.items()}})
    s.target_addresses = [PEER_DB]
    return s


def build_healthy_for_cross_region(session: Any) -> Scenario:
    """The peer VPC in us-west-2 (same account), peered across regions and accepted there."""
    s = build_healthy(session)
    west = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-west-2"
    ).client("ec2")
    far = _far_vpc(west, PEER_CIDR, PEER_SUBNET_CIDR, PEER_DB, allow_from=VPC_CIDR)
    pcx = s.ec2().create_vpc_peering_connection(
        VpcId=s.vpc_id, PeerVpcId=far["vpc"], PeerRegion="us-west-2"
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    west.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    s.ec2().create_route(
        RouteTableId=s.private_route_table_id,
        DestinationCidrBlock=PEER_CIDR,
        VpcPeeringConnectionId=pcx,
    )
    west.create_route(
        RouteTableId=far["rtb"], DestinationCidrBlock=VPC_CIDR, VpcPeeringConnectionId=pcx
    )
    s.extra.update({"pcx": pcx, **{f"peer_{k}": v for k, v in far.items()}})
    s.target_addresses = [PEER_DB]
    return s


def build_peering_healthy(session: Any) -> Scenario:
    return build_peering(session)


def build_peering_no_route_back(session: Any) -> Scenario:
    return build_peering(session, route_back=False)


def build_peering_sg_denies(session: Any) -> Scenario:
    return build_peering(session, peer_allows="10.99.0.0/16")


def build_peering_pending(session: Any) -> Scenario:
    return build_peering(session, accept=False)


def other_account_session(aws: Any, account: str = OTHER_ACCOUNT) -> Any:
    """A session acting in `account` (moto maps assumed-role credentials to the role's account)."""
    sts = aws.session().client("sts")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/vpcprobe-reader", RoleSessionName="setup"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )


# ---------------------------------------------------------------------------- transit gateway


def build_tgw(
    session: Any,
    *,
    own_subnets: int = 3,
    route: str = "static",  # static | blackhole | none
    dest_route_back: bool = True,
    tgw_route_back: bool = True,
) -> Scenario:
    """The function's VPC and 10.2.0.0/16 attached to one transit gateway (default route
    table), static routes both ways, the function's private route table sending 10.2/16 to it."""
    s = build_healthy(session)
    ec2 = s.ec2()
    far = _far_vpc(ec2, TGW_DEST_CIDR, TGW_DEST_SUBNET_CIDR, TGW_DB, allow_from=VPC_CIDR)
    tgw = ec2.create_transit_gateway(Description="core")["TransitGateway"]
    tgw_id = tgw["TransitGatewayId"]
    rtb = tgw["Options"]["AssociationDefaultRouteTableId"]
    own = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id, VpcId=s.vpc_id, SubnetIds=s.function_subnet_ids[:own_subnets]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    dest = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id, VpcId=far["vpc"], SubnetIds=[far["subnet"]]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    # moto differs from AWS: propagation adds no routes, so every TGW route here is static.
    routes = {}
    if route == "static":
        ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=rtb,
            DestinationCidrBlock=TGW_DEST_CIDR,
            TransitGatewayAttachmentId=dest,
        )
        routes[TGW_DEST_CIDR] = dest
    elif route == "blackhole":
        ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=rtb, DestinationCidrBlock=TGW_DEST_CIDR, Blackhole=True
        )
    if tgw_route_back:
        ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=rtb,
            DestinationCidrBlock=VPC_CIDR,
            TransitGatewayAttachmentId=own,
        )
        routes[VPC_CIDR] = own
    ec2.create_route(
        RouteTableId=s.private_route_table_id,
        DestinationCidrBlock=TGW_DEST_CIDR,
        TransitGatewayId=tgw_id,
    )
    if dest_route_back:
        ec2.create_route(
            RouteTableId=far["rtb"], DestinationCidrBlock=VPC_CIDR, TransitGatewayId=tgw_id
        )
    s.extra.update(
        {
            "tgw": tgw_id,
            "tgw_rtb": rtb,
            "own_attachment": own,
            "dest_attachment": dest,
            "tgw_routes": routes,
            **{f"dest_{k}": v for k, v in far.items()},
        }
    )
    s.target_addresses = [TGW_DB]
    return s


def moto_fixes(session: Any, scenario: Scenario) -> None:
    """Register what moto 5.2.5 gets wrong on `session`'s clients, each checked against
    botocore's output shape so the fix is a response AWS could send.

    moto differs from AWS: a static TGW route created with an attachment reads back from
    SearchTransitGatewayRoutes with `TransitGatewayAttachments: []` (it stores one dict, which
    serialises as an empty list); AWS lists the attachment.
    """
    routes: dict[str, str] = scenario.extra.get("tgw_routes", {})
    ec2 = session.client("ec2")
    attachments = {
        a["TransitGatewayAttachmentId"]: a
        for a in ec2.describe_transit_gateway_attachments()["TransitGatewayAttachments"]
    }
    shape = ec2.meta.service_model.operation_model("SearchTransitGatewayRoutes").output_shape

    def fill(parsed: dict[str, Any], **_: Any) -> None:
        for route in parsed.get("Routes") or []:
            attachment_id = routes.get(route.get("DestinationCidrBlock", ""))
            if attachment_id and not route.get("TransitGatewayAttachments"):
                a = attachments[attachment_id]
                route["TransitGatewayAttachments"] = [
                    {
                        "ResourceId": a["ResourceId"],
                        "TransitGatewayAttachmentId": attachment_id,
                        "ResourceType": a["ResourceType"],
                    }
                ]
        _validate(parsed, shape)

    session.events.register("after-call.ec2.SearchTransitGatewayRoutes", fill)


def _validate(parsed: dict[str, Any], shape: Any) -> None:
    report = botocore.validate.ParamValidator().validate(
        {k: v for k, v in parsed.items() if k != "ResponseMetadata"}, shape
    )
    if report.has_errors():
        raise AssertionError(report.generate_report())


def build_tgw_healthy(session: Any) -> Scenario:
    return build_tgw(session)


def build_tgw_blackhole(session: Any) -> Scenario:
    return build_tgw(session, route="blackhole")


def build_tgw_no_route(session: Any) -> Scenario:
    return build_tgw(session, route="none")


def build_tgw_missing_az(session: Any) -> Scenario:
    """The attachment has subnets in the first two function AZs only."""
    return build_tgw(session, own_subnets=2)


def build_tgw_dest_no_route_back(session: Any) -> Scenario:
    return build_tgw(session, dest_route_back=False)


# ---------------------------------------------------------------------------- VPN


def build_vpn(session: Any) -> Scenario:
    """A virtual private gateway on the function's VPC, 192.168.0.0/16 routed to it, one VPN."""
    s = build_healthy(session)
    ec2 = s.ec2()
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=s.vpc_id, VpnGatewayId=vgw)
    cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="198.51.100.1", BgpAsn=65000)[
        "CustomerGateway"
    ]["CustomerGatewayId"]
    vpn = ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw, VpnGatewayId=vgw)[
        "VpnConnection"
    ]["VpnConnectionId"]
    ec2.create_route(
        RouteTableId=s.private_route_table_id, DestinationCidrBlock=ONPREM_CIDR, GatewayId=vgw
    )
    s.extra.update({"vgw": vgw, "vpn": vpn, "cgw": cgw})
    s.target_addresses = [ONPREM_HOST]
    return s


# ---------------------------------------------------------------------------- Route 53


def build_forwarding(session: Any, *, endpoint_allows_dns: bool = True) -> Scenario:
    """An outbound Resolver endpoint in two function subnets and a FORWARD rule for
    corp.example.com to 10.60.0.2, associated with the function's VPC. Without
    `endpoint_allows_dns`, the endpoint's security group allows only TCP 443 out."""
    s = build_healthy(session)
    ec2 = s.ec2()
    sg = _sg(ec2, s.vpc_id, "resolver-outbound")
    if not endpoint_allows_dns:
        ec2.revoke_security_group_egress(
            GroupId=sg,
            IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
        ec2.authorize_security_group_egress(
            GroupId=sg,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            ],
        )
    resolver = session.client("route53resolver")
    endpoint = resolver.create_resolver_endpoint(
        CreatorRequestId="out",
        Name="corp-out",
        SecurityGroupIds=[sg],
        Direction="OUTBOUND",
        IpAddresses=[{"SubnetId": subnet} for subnet in s.function_subnet_ids[:2]],
    )["ResolverEndpoint"]["Id"]
    rule = resolver.create_resolver_rule(
        CreatorRequestId="corp",
        Name="corp",
        RuleType="FORWARD",
        DomainName=FORWARD_DOMAIN,
        TargetIps=[{"Ip": FORWARD_TARGET, "Port": 53}],
        ResolverEndpointId=endpoint,
    )["ResolverRule"]["Id"]
    resolver.associate_resolver_rule(ResolverRuleId=rule, VPCId=s.vpc_id)
    s.extra.update({"resolver_sg": sg, "endpoint": endpoint, "rule": rule})
    return s


def build_forwarding_blocked(session: Any) -> Scenario:
    return build_forwarding(session, endpoint_allows_dns=False)


def build_private_zone(session: Any, *, associated: bool) -> Scenario:
    """A private zone orders.internal: associated with the function's VPC, or only with another."""
    s = build_healthy(session)
    ec2 = s.ec2()
    vpc = s.vpc_id
    if not associated:
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    zone = (
        session.client("route53")
        .create_hosted_zone(
            Name=PRIVATE_ZONE,
            CallerReference=f"zone-{associated}",
            HostedZoneConfig={"PrivateZone": True, "Comment": "orders"},
            VPC={"VPCRegion": "us-east-1", "VPCId": vpc},
        )["HostedZone"]["Id"]
        .rsplit("/", 1)[-1]
    )
    s.extra.update({"zone": zone, "zone_vpc": vpc})
    return s
