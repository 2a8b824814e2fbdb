"""ALL_RULES: the explicit tuple of every rule, in report order; `rule_by_code` looks one up."""

from __future__ import annotations

from vpcprobe_collector.rules.addresses import TargetAddressUnheld
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.beyond_vpc import (
    DirectConnectGatewayUnusable,
    FarSideNotRead,
    PeerDestinationOutside,
    PeeringCidrsOverlap,
    PeeringNotActive,
    PeerNaclDenies,
    PeerRouteBackMissing,
    PeerSecurityGroupDenies,
    TgwAttachmentMissingAz,
    TgwAttachmentUnusable,
    TgwDestinationAttachmentUnusable,
    TgwDestinationFiltered,
    TgwDestinationNoRouteBack,
    TgwReturnRouteMissing,
    TgwRouteMissing,
    VgwDirectConnectNotAssociated,
    VpnConnectionUnusable,
    VpnStatusUnknown,
    VpnTunnelsDown,
)
from vpcprobe_collector.rules.consistency import SubnetsDiffer
from vpcprobe_collector.rules.endpoints import (
    EndpointPrivateDnsOff,
    EndpointSgDenies443,
    LogsApiUnreachable,
    NoPathToAwsService,
    ServiceNameBypassesEndpoint,
)
from vpcprobe_collector.rules.filtering import (
    FunctionEgressDenied,
    NaclDeniesRequest,
    NaclDeniesReturn,
    NaclReturnPortsPartial,
    TargetIngressDenied,
)
from vpcprobe_collector.rules.function_setup import (
    DedicatedTenancy,
    FunctionNotActive,
    FunctionNotInVpc,
    HyperplaneEniQuotaReached,
    RoleLacksEniPermissions,
    SubnetOutOfIps,
    VpcConfigMissingResource,
)
from vpcprobe_collector.rules.name_resolution import (
    CustomDnsBlocked,
    CustomDnsUnreachable,
    DnsProbeDisagreement,
    PrivateNameNotResolved,
    TargetNameNotFound,
    VpcDnsSupportOff,
)
from vpcprobe_collector.rules.observed import ObservedFailureUnexplained
from vpcprobe_collector.rules.placement import SingleAzPlacement
from vpcprobe_collector.rules.probe_outcomes import ProbeDeadlineHit, ProbeInvokeFailed
from vpcprobe_collector.rules.role_services import RoleServiceUnreachable
from vpcprobe_collector.rules.route53 import (
    DnsFirewallBlocksName,
    ForwardedNameFailed,
    ForwarderUnreachable,
    PrivateZoneDnsAttributesOff,
    PrivateZoneNotAssociated,
    Route53NotRead,
)
from vpcprobe_collector.rules.routing import (
    FunctionInPublicSubnet,
    NatGatewayUnusable,
    NoRouteToDestination,
    NoRouteToInternet,
)
from vpcprobe_collector.rules.targets import (
    BlockedOutsideVpcConfig,
    ExpectationViolated,
    Ipv6PathUnavailable,
    NothingListening,
    ProbeConfigDisagreement,
    TargetNotEvaluated,
)

ALL_RULES: tuple[type[Rule], ...] = (
    # setup: the function cannot attach to the VPC at all
    FunctionNotInVpc,
    FunctionNotActive,
    VpcConfigMissingResource,
    RoleLacksEniPermissions,
    SubnetOutOfIps,
    HyperplaneEniQuotaReached,
    DedicatedTenancy,
    SingleAzPlacement,
    # routing
    NoRouteToInternet,
    FunctionInPublicSubnet,
    NatGatewayUnusable,
    RoleServiceUnreachable,
    NoRouteToDestination,
    SubnetsDiffer,
    # filtering
    FunctionEgressDenied,
    TargetIngressDenied,
    NaclDeniesRequest,
    NaclDeniesReturn,
    NaclReturnPortsPartial,
    # beyond the VPC: peering, transit gateways, VPN
    PeeringNotActive,
    PeeringCidrsOverlap,
    PeerDestinationOutside,
    PeerRouteBackMissing,
    PeerSecurityGroupDenies,
    PeerNaclDenies,
    TgwAttachmentUnusable,
    TgwAttachmentMissingAz,
    TgwRouteMissing,
    TgwDestinationAttachmentUnusable,
    TgwReturnRouteMissing,
    TgwDestinationNoRouteBack,
    TgwDestinationFiltered,
    DirectConnectGatewayUnusable,
    VpnConnectionUnusable,
    VpnTunnelsDown,
    VgwDirectConnectNotAssociated,
    VpnStatusUnknown,
    FarSideNotRead,
    # DNS
    VpcDnsSupportOff,
    CustomDnsUnreachable,
    CustomDnsBlocked,
    PrivateNameNotResolved,
    TargetNameNotFound,
    # Route 53 beyond the DHCP options set
    ForwarderUnreachable,
    ForwardedNameFailed,
    PrivateZoneNotAssociated,
    PrivateZoneDnsAttributesOff,
    DnsFirewallBlocksName,
    Route53NotRead,
    # AWS services
    NoPathToAwsService,
    EndpointPrivateDnsOff,
    EndpointSgDenies443,
    ServiceNameBypassesEndpoint,
    LogsApiUnreachable,
    # targets
    Ipv6PathUnavailable,
    NothingListening,
    BlockedOutsideVpcConfig,
    ExpectationViolated,
    TargetNotEvaluated,
    TargetAddressUnheld,
    ObservedFailureUnexplained,
    # the probe itself
    ProbeInvokeFailed,
    ProbeConfigDisagreement,
    DnsProbeDisagreement,
    ProbeDeadlineHit,
)

_BY_CODE = {rule.code: rule for rule in ALL_RULES}


def rule_by_code(code: str) -> type[Rule] | None:
    """The rule with this code (case-insensitive), or None."""
    return _BY_CODE.get(code.strip().upper())
