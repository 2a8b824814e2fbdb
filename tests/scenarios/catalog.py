"""The golden scenarios: one per observable cause, each a change to the healthy VPC plus what
the probe would report for it. `make golden` writes them to tests/scenarios/<name>/."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.scenarios import builder as b
from vpcprobe.models import DnsResult, ProbeReport, TcpResult
from vpcprobe_collector.findings.model import ProbeFailure, ProbeFailureKind, TargetSpec
from vpcprobe_collector.snapshot.model import (
    EgressOnlyInternetGateway,
    NaclEntry,
    PermissionDecision,
    PrefixList,
    Route,
    RouteTable,
    RouteTableAssociation,
    RouteTargetType,
    SecurityGroupRule,
    SkippedRead,
    VpcEndpoint,
    VpcSnapshot,
)

DB = TargetSpec(host=b.DB_NAME, port=5432, label="orders-db")
API = TargetSpec(host=b.API_NAME, port=443, label="payments-api")


@dataclass
class Scenario:
    """Inputs of one golden case."""

    snapshot: VpcSnapshot
    reports: list[ProbeReport]
    targets: list[TargetSpec] = field(default_factory=lambda: [DB, API])
    failures: list[ProbeFailure] = field(default_factory=list)
    cause: str = ""
    expect_codes: tuple[str, ...] = ()  # the problem codes this fault must produce


def probe(
    *,
    db: str | list[str] = "open",
    api: str | list[str] = "open",
    logs: str = "ok",
    n: int = 3,
    dns_db: list[DnsResult] | None = None,
    dns_api: list[DnsResult] | None = None,
    configured: list[str] | None = None,
    extra_tcp: list[TcpResult] | None = None,
    sts: str | None = None,
) -> list[ProbeReport]:
    """`n` reports: db/api TCP status (one per report when a list), default DNS answers."""
    dbs = db if isinstance(db, list) else [db] * n
    apis = api if isinstance(api, list) else [api] * n
    out = []
    for i in range(n):
        dns = (b.resolved(b.DB_NAME, b.DB_ADDRESS) if dns_db is None else dns_db) + (
            b.resolved(b.API_NAME, b.PUBLIC_ADDRESS) if dns_api is None else dns_api
        )
        db_addr = None if dbs[i] == "dns_failed" else b.DB_ADDRESS
        api_addr = None if apis[i] == "dns_failed" else b.PUBLIC_ADDRESS
        tcp = [
            b.tcp(b.DB_NAME, 5432, db_addr, dbs[i], "orders-db"),
            b.tcp(b.API_NAME, 443, api_addr, apis[i], "payments-api"),
            *(extra_tcp or []),
        ]
        aws = [b.logs(logs)]
        if sts:
            aws.append(
                b.logs(sts).model_copy(
                    update={
                        "service": "sts",
                        "operation": "GetCallerIdentity",
                        "endpoint": f"https://sts.{b.REGION}.amazonaws.com",
                    }
                )
            )
        out.append(
            b.report(
                i + 1, tcp_results=tcp, dns_results=dns, aws_results=aws, configured=configured
            )
        )
    return out


def _table(snap: VpcSnapshot, rtb: str) -> RouteTable:
    return next(t for t in snap.route_tables if t.route_table_id == rtb)


def _drop_default(table: RouteTable) -> None:
    table.routes = [r for r in table.routes if r.destination_cidr != "0.0.0.0/0"]


def _egress_only(snap: VpcSnapshot, *rules: SecurityGroupRule) -> None:
    group = snap.security_group(b.SG_FN)
    assert group is not None
    group.egress = list(rules)


def tcp_rule(port: int, peer: str = "0.0.0.0/0", proto: str = "tcp") -> SecurityGroupRule:
    return SecurityGroupRule(
        protocol=proto, from_port=port, to_port=port, peer_kind="cidr_ipv4", peer=peer
    )


def _split_acl(
    snap: VpcSnapshot, entries: list[NaclEntry], acl_id: str = "acl-0f1a2b3c4d5e6f708"
) -> None:
    """Give the function subnets their own network ACL with `entries` (+ the default deny)."""
    default = snap.network_acls[0]
    default.subnet_ids = [s for s in default.subnet_ids if s not in b.FUNCTION_SUBNETS]
    entries = [
        *entries,
        *(
            NaclEntry(
                rule_number=32767,
                egress=e,
                protocol="-1",
                rule_action="deny",
                cidr_block="0.0.0.0/0",
            )
            for e in (False, True)
        ),
    ]
    snap.network_acls.append(
        default.model_copy(
            update={
                "network_acl_id": acl_id,
                "is_default": False,
                "entries": entries,
                "subnet_ids": list(b.FUNCTION_SUBNETS),
            }
        )
    )


def allow(
    number: int, egress: bool, lo: int | None = None, hi: int | None = None, proto: str = "-1"
) -> NaclEntry:
    return NaclEntry(
        rule_number=number,
        egress=egress,
        protocol=proto,
        rule_action="allow",
        cidr_block="0.0.0.0/0",
        port_from=lo,
        port_to=hi,
    )


def _custom_dns(snap: VpcSnapshot) -> None:
    assert snap.dhcp_options is not None
    snap.dhcp_options.domain_name_servers = [b.DNS_SERVER]


def _endpoint(service: str, *, private_dns: bool = True, sg: str = b.SG_ENDPOINT) -> VpcEndpoint:
    return VpcEndpoint(
        vpc_endpoint_id=f"vpce-0{service[:4]:0<4}1234567890ab",
        vpc_id=b.VPC,
        service_name=f"com.amazonaws.{b.REGION}.{service}",
        endpoint_type="Interface",
        state="available",
        private_dns_enabled=private_dns,
        subnet_ids=list(b.FUNCTION_SUBNETS),
        security_group_ids=[sg],
    )


def _endpoint_sg(snap: VpcSnapshot, *ingress: SecurityGroupRule) -> None:
    from vpcprobe_collector.snapshot.model import SecurityGroup

    snap.security_groups.append(
        SecurityGroup(
            group_id=b.SG_ENDPOINT,
            group_name="endpoints",
            vpc_id=b.VPC,
            owner_id=b.ACCOUNT,
            ingress=list(ingress),
        )
    )


# ---------------------------------------------------------------------------- scenarios


def healthy() -> Scenario:
    return Scenario(b.healthy(), probe(sts="ok"))


def no_route_to_internet() -> Scenario:
    snap = b.healthy()
    _drop_default(_table(snap, b.RTB_PRIVATE))
    return Scenario(
        snap, probe(api="timeout", logs="timeout"), cause="C01", expect_codes=("RTE001", "API001")
    )


def function_in_public_subnet() -> Scenario:
    snap = b.healthy()
    table = _table(snap, b.RTB_PRIVATE)
    table.routes[1] = Route(
        destination_cidr="0.0.0.0/0", target_type=RouteTargetType.INTERNET_GATEWAY, target_id=b.IGW
    )
    return Scenario(
        snap, probe(api="timeout", logs="timeout"), cause="C02", expect_codes=("RTE002",)
    )


def nat_gateway_blackhole() -> Scenario:
    snap = b.healthy()
    _table(snap, b.RTB_PRIVATE).routes[1].state = "blackhole"
    snap.nat_gateways = []
    return Scenario(
        snap, probe(api="timeout", logs="timeout"), cause="C03", expect_codes=("NAT001",)
    )


def nat_gateway_without_igw_route() -> Scenario:
    snap = b.healthy()
    _drop_default(_table(snap, b.RTB_PUBLIC))
    return Scenario(
        snap, probe(api="timeout", logs="timeout"), cause="C03", expect_codes=("NAT001",)
    )


def function_egress_denied() -> Scenario:
    snap = b.healthy()
    _egress_only(snap, tcp_rule(443))
    return Scenario(snap, probe(db="timeout"), cause="C04", expect_codes=("SGR001",))


def target_ingress_denied() -> Scenario:
    snap = b.healthy()
    group = snap.security_group(b.SG_DB)
    assert group is not None
    group.ingress = [tcp_rule(5432, "10.9.0.0/16")]
    return Scenario(snap, probe(db="timeout"), cause="C05", expect_codes=("SGR002",))


def nacl_denies_request() -> Scenario:
    snap = b.healthy()
    _split_acl(
        snap,
        [
            NaclEntry(
                rule_number=90,
                egress=True,
                protocol="6",
                rule_action="deny",
                cidr_block="10.1.1.0/24",
                port_from=5432,
                port_to=5432,
            ),
            allow(100, True),
            allow(100, False),
        ],
    )
    return Scenario(snap, probe(db="timeout"), cause="C06", expect_codes=("ACL001",))


def nat_subnet_nacl_denies() -> Scenario:
    """The NAT gateway's own subnet has a NACL whose rule 80 denies outbound HTTPS."""
    snap = b.healthy()
    default = snap.network_acls[0]
    default.subnet_ids = [s for s in default.subnet_ids if s != b.SUBNET_PUBLIC]
    snap.network_acls.append(
        default.model_copy(
            update={
                "network_acl_id": "acl-0a7a7a7a7a7a7a7a7",
                "is_default": False,
                "subnet_ids": [b.SUBNET_PUBLIC],
                "entries": [
                    NaclEntry(
                        rule_number=80,
                        egress=True,
                        protocol="6",
                        rule_action="deny",
                        cidr_block="0.0.0.0/0",
                        port_from=443,
                        port_to=443,
                    ),
                    *default.entries,
                ],
            }
        )
    )
    return Scenario(
        snap, probe(api="timeout", logs="timeout"), cause="C06", expect_codes=("ACL001",)
    )


def nacl_return_ports_partial() -> Scenario:
    snap = b.healthy()
    _split_acl(
        snap,
        [allow(100, True), allow(100, False, 32768, 65535, "6"), allow(110, False, 53, 53, "17")],
    )
    return Scenario(
        snap,
        probe(db=["open", "timeout", "open"], api=["timeout", "open", "open"], logs="ok"),
        cause="C06",
        expect_codes=("ACL003",),
    )


def no_path_to_aws_service() -> Scenario:
    snap = b.healthy()
    _drop_default(_table(snap, b.RTB_PRIVATE))
    snap.vpc_endpoints = [_endpoint("logs")]
    _endpoint_sg(snap, tcp_rule(443, "10.1.0.0/16"))
    reports = probe(api="timeout")
    for report in reports:
        report.aws.append(
            b.logs("timeout").model_copy(
                update={
                    "service": "sts",
                    "operation": "GetCallerIdentity",
                    "endpoint": f"https://sts.{b.REGION}.amazonaws.com",
                }
            )
        )
    return Scenario(snap, reports, targets=[DB], cause="C07", expect_codes=("EPT001",))


def endpoint_private_dns_off() -> Scenario:
    snap = b.healthy()
    _drop_default(_table(snap, b.RTB_PRIVATE))
    snap.vpc_endpoints = [_endpoint("logs", private_dns=False)]
    _endpoint_sg(snap, tcp_rule(443, "10.1.0.0/16"))
    return Scenario(
        snap, probe(logs="timeout"), targets=[DB], cause="C08", expect_codes=("EPT002", "API001")
    )


def service_name_bypasses_endpoint() -> Scenario:
    """A logs endpoint with private DNS, but the custom DNS server answers publicly (C08/C10)."""
    snap = b.healthy()
    _drop_default(_table(snap, b.RTB_PRIVATE))
    _custom_dns(snap)
    snap.vpc_endpoints = [_endpoint("logs")]
    _endpoint_sg(snap, tcp_rule(443, "10.1.0.0/16"))
    name = f"logs.{b.REGION}.amazonaws.com"
    dns_db = [*b.resolved(b.DB_NAME, b.DB_ADDRESS), *b.resolved(name, "52.94.0.10")]
    reports = probe(logs="timeout", dns_db=dns_db, configured=[b.DNS_SERVER])
    return Scenario(snap, reports, targets=[DB], cause="C08", expect_codes=("EPT004", "API001"))


def endpoint_sg_denies_443() -> Scenario:
    snap = b.healthy()
    _drop_default(_table(snap, b.RTB_PRIVATE))
    snap.vpc_endpoints = [_endpoint("logs")]
    _endpoint_sg(snap, tcp_rule(80, "10.1.0.0/16"))
    # The name resolves to the endpoint (EPT004 passes); its security group drops 443.
    name = f"logs.{b.REGION}.amazonaws.com"
    dns_db = [*b.resolved(b.DB_NAME, b.DB_ADDRESS), *b.resolved(name, "10.1.32.50")]
    reports = probe(logs="timeout", dns_db=dns_db)
    return Scenario(snap, reports, targets=[DB], cause="C09", expect_codes=("EPT003", "API001"))


def _dns_timeouts(name: str) -> list[DnsResult]:
    return [
        b.dns(name, "system", "system", "timeout"),
        *(
            b.dns(name, server, t, "timeout")
            for server in (b.FORWARDER, b.DNS_SERVER)
            for t in ("udp", "tcp")
        ),
    ]


def custom_dhcp_dns_unreachable() -> Scenario:
    """The brief's headline case: dopt-… names 10.1.1.10, which does not answer."""
    snap = b.healthy()
    _custom_dns(snap)
    reports = probe(
        db="dns_failed",
        api="dns_failed",
        logs="dns_failed",
        dns_db=_dns_timeouts(b.DB_NAME),
        dns_api=_dns_timeouts(b.API_NAME),
        configured=[b.DNS_SERVER],
    )
    return Scenario(snap, reports, cause="C10", expect_codes=("DNS002",))


def custom_dhcp_dns_blocked() -> Scenario:
    snap = b.healthy()
    _custom_dns(snap)
    _egress_only(snap, tcp_rule(443), tcp_rule(5432, "10.1.0.0/16"), tcp_rule(53, "10.1.0.0/16"))
    reports = probe(
        db="dns_failed",
        api="dns_failed",
        logs="dns_failed",
        dns_db=_dns_timeouts(b.DB_NAME),
        dns_api=_dns_timeouts(b.API_NAME),
        configured=[b.DNS_SERVER],
    )
    return Scenario(snap, reports, cause="C11", expect_codes=("DNS003",))


def vpc_dns_support_off() -> Scenario:
    snap = b.healthy()
    assert snap.vpc is not None
    snap.vpc.enable_dns_support = False
    timeouts = [
        b.dns(n, s, t, "timeout")
        for n in (b.DB_NAME, b.API_NAME)
        for s, t in ((b.FORWARDER, "udp"), (b.FORWARDER, "tcp"))
    ]
    reports = probe(
        db="dns_failed",
        api="dns_failed",
        logs="dns_failed",
        dns_db=timeouts[:2],
        dns_api=timeouts[2:],
    )
    return Scenario(snap, reports, cause="C12", expect_codes=("DNS001",))


def private_name_not_resolved() -> Scenario:
    snap = b.healthy()
    _custom_dns(snap)
    dns_db = [
        b.dns(b.DB_NAME, "system", "system", "nxdomain"),
        b.dns(b.DB_NAME, b.FORWARDER, "udp", "nxdomain"),
        b.dns(b.DB_NAME, b.FORWARDER, "tcp", "nxdomain"),
        b.dns(b.DB_NAME, "10.1.0.2", "udp", "ok", [b.DB_ADDRESS]),
    ]
    reports = probe(
        db="dns_failed",
        dns_db=dns_db,
        dns_api=b.resolved(b.API_NAME, b.PUBLIC_ADDRESS, (b.FORWARDER, b.DNS_SERVER)),
        configured=[b.DNS_SERVER],
    )
    return Scenario(snap, reports, cause="C13", expect_codes=("DNS004",))


def target_name_not_found() -> Scenario:
    snap = b.healthy()
    dns_db = [
        b.dns(b.DB_NAME, s, t, "nxdomain")
        for s, t in (("system", "system"), (b.FORWARDER, "udp"), (b.FORWARDER, "tcp"))
    ]
    return Scenario(
        snap, probe(db="dns_failed", dns_db=dns_db), cause="C13", expect_codes=("DNS005",)
    )


def role_lacks_eni_permissions() -> Scenario:
    snap = b.healthy()
    assert snap.role_permissions is not None and snap.function is not None
    snap.role_permissions.decisions["ec2:CreateNetworkInterface"] = PermissionDecision.IMPLICIT_DENY
    snap.role_permissions.decisions["ec2:DeleteNetworkInterface"] = PermissionDecision.IMPLICIT_DENY
    snap.function.state = "Failed"
    snap.function.state_reason_code = "InsufficientRolePermissions"
    snap.function.state_reason = (
        "The function's execution role does not have permissions to call "
        "CreateNetworkInterface on EC2"
    )
    failures = [
        ProbeFailure(
            source="function:vpcprobe-orders-api",
            kind=ProbeFailureKind.VPC_ERROR,
            error_code="EC2AccessDeniedException",
            message="Lambda was unable to configure access to your environment variables because "
            "the KMS key is invalid",
        )
    ]
    failures[
        0
    ].message = "Lambda needs permissions to create network interfaces (EC2AccessDeniedException)."
    return Scenario(snap, [], failures=failures, cause="C14", expect_codes=("IAM001", "LFC001"))


def subnet_out_of_ips() -> Scenario:
    snap = b.healthy()
    subnet = snap.subnet(b.SUBNET_B)
    assert subnet is not None
    subnet.available_ip_address_count = 0
    failures = [
        ProbeFailure(
            source="function:vpcprobe-orders-api",
            kind=ProbeFailureKind.VPC_ERROR,
            error_code="SubnetIPAddressLimitReachedException",
            message="Lambda was not able to set up VPC access: the subnet has no free IP "
            "addresses.",
        )
    ]
    return Scenario(snap, probe(n=2), failures=failures, cause="C15", expect_codes=("SUB001",))


def eni_quota_reached() -> Scenario:
    snap = b.healthy()
    assert snap.eni_quota is not None
    snap.eni_quota.in_use = 250
    failures = [
        ProbeFailure(
            source="function:vpcprobe-orders-api",
            kind=ProbeFailureKind.VPC_ERROR,
            error_code="ENILimitReachedException",
            message="Lambda was not able to create an ENI in the VPC of the Lambda function "
            "because the limit for Network Interfaces has been reached.",
        )
    ]
    return Scenario(snap, [], failures=failures, cause="C16", expect_codes=("ENI001",))


def vpc_config_missing_subnet() -> Scenario:
    snap = b.healthy()
    snap.subnets = [s for s in snap.subnets if s.subnet_id != b.SUBNET_C]
    snap.route_tables[1].associations = [
        a for a in snap.route_tables[1].associations if a.subnet_id != b.SUBNET_C
    ]
    assert snap.function is not None
    snap.function.state = "Failed"
    snap.function.state_reason_code = "InvalidSubnet"
    snap.function.state_reason = f"The subnet ID '{b.SUBNET_C}' does not exist"
    return Scenario(snap, [], cause="C17", expect_codes=("CFG001", "LFC001"))


def function_inactive() -> Scenario:
    snap = b.healthy()
    assert snap.function is not None
    snap.function.state = "Inactive"
    snap.function.state_reason_code = "Idle"
    snap.function.state_reason = "The function has been idle for a long time."
    failures = [
        ProbeFailure(
            source="wrapped:orders-api",
            kind=ProbeFailureKind.NOT_READY,
            error_code="ResourceNotReadyException",
            message="The function is inactive and its VPC connection is being restored.",
        )
    ]
    return Scenario(snap, [], failures=failures, cause="C18", expect_codes=("LFC001",))


def dedicated_tenancy() -> Scenario:
    snap = b.healthy()
    assert snap.vpc is not None
    snap.vpc.instance_tenancy = "dedicated"
    return Scenario(snap, [], cause="C19", expect_codes=("VPC001",))


def single_az_placement() -> Scenario:
    """Every function subnet is in the first one's Availability Zone."""
    snap = b.healthy()
    assert snap.function and snap.function.vpc_config
    subnets = [snap.subnet(s) for s in snap.function.vpc_config.subnet_ids]
    first = subnets[0]
    assert first is not None
    for subnet in subnets:
        assert subnet is not None
        subnet.availability_zone = first.availability_zone
        subnet.availability_zone_id = first.availability_zone_id
    return Scenario(snap, [], expect_codes=("SUB003",))


def ipv6_path_unavailable() -> Scenario:
    snap = b.healthy()
    snap.egress_only_internet_gateways = [
        EgressOnlyInternetGateway(
            egress_only_internet_gateway_id="eigw-0a1b2c3d4e5f60718", attached_vpc_ids=[b.VPC]
        )
    ]
    v6 = "2600:1f18:4a3:6902::10"
    dns_api = [
        *b.resolved(b.API_NAME, b.PUBLIC_ADDRESS),
        b.dns(b.API_NAME, b.FORWARDER, "udp", "ok", [v6], rtype="AAAA"),
    ]
    extra = [b.tcp(b.API_NAME, 443, v6, "unreachable", "payments-api")]
    return Scenario(
        snap,
        probe(api="open", dns_api=dns_api, extra_tcp=extra),
        cause="C20",
        expect_codes=("V6001",),
    )


def target_address_unheld() -> Scenario:
    """C26: orders-db's DNS record still points at 10.1.1.20, but the database was deleted:
    no network interface holds the address, and every connection times out."""
    snap = b.healthy()
    snap.network_interfaces = [
        e for e in snap.network_interfaces if b.DB_ADDRESS not in e.private_ip_addresses
    ]
    return Scenario(snap, probe(db="timeout"), cause="C26", expect_codes=("TGT005",))


def nothing_listening() -> Scenario:
    return Scenario(b.healthy(), probe(db="refused"), cause="C21", expect_codes=("TGT001",))


def blocked_outside_vpc_config() -> Scenario:
    # The probe also asked the VPC resolver directly: both answers agree (DNS004 passes).
    dns_api = b.resolved(b.API_NAME, b.PUBLIC_ADDRESS, (b.FORWARDER, "10.1.0.2"))
    return Scenario(
        b.healthy(), probe(api="timeout", dns_api=dns_api), cause="C22", expect_codes=("TGT002",)
    )


def no_route_to_private_network() -> Scenario:
    """An on-premises database at 10.50.0.10 whose transit gateway attachment was deleted."""
    snap = b.healthy()
    _table(snap, b.RTB_PRIVATE).routes.append(
        Route(
            destination_cidr="10.50.0.0/16",
            target_type=RouteTargetType.TRANSIT_GATEWAY,
            target_id="tgw-0a1b2c3d4e5f60718",
            state="blackhole",
        )
    )
    target = TargetSpec(host="10.50.0.10", port=1521, label="onprem-oracle")
    extra = [b.tcp("10.50.0.10", 1521, "10.50.0.10", "timeout", "onprem-oracle")]
    return Scenario(
        snap, probe(extra_tcp=extra), targets=[DB, target], cause="C01", expect_codes=("RTE003",)
    )


def nacl_denies_return_traffic() -> Scenario:
    snap = b.healthy()
    _split_acl(snap, [allow(100, True), allow(100, False, 53, 53, "17")])
    return Scenario(
        snap,
        probe(db="timeout", api="timeout", logs="timeout"),
        cause="C06",
        expect_codes=("ACL002",),
    )


def probe_ran_out_of_time() -> Scenario:
    from vpcprobe.models import ProbeError

    reports = probe()
    reports[1].deadline.hit = True
    reports[1].errors.append(ProbeError(step="dns", message="2 lookups skipped: deadline"))
    return Scenario(b.healthy(), reports, expect_codes=("PRB003",))


def ipv6_dual_stack() -> Scenario:
    """IPv6 set up end to end: the function reaches the API over IPv6 (V6001 passes)."""
    snap = b.healthy()
    assert (
        snap.function is not None and snap.function.vpc_config is not None and snap.vpc is not None
    )
    snap.function.vpc_config.ipv6_allowed_for_dual_stack = True
    snap.vpc.ipv6_cidr_blocks = ["2600:1f18:4a3:6900::/56"]
    for i, sid in enumerate(b.FUNCTION_SUBNETS):
        subnet = snap.subnet(sid)
        assert subnet is not None
        subnet.ipv6_cidr_blocks = [f"2600:1f18:4a3:69{i + 1:02x}::/64"]
    eigw = "eigw-0a1b2c3d4e5f60718"
    snap.egress_only_internet_gateways = [
        EgressOnlyInternetGateway(egress_only_internet_gateway_id=eigw, attached_vpc_ids=[b.VPC])
    ]
    _table(snap, b.RTB_PRIVATE).routes.append(
        Route(
            destination_ipv6_cidr="::/0",
            target_type=RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY,
            target_id=eigw,
        )
    )
    group = snap.security_group(b.SG_FN)
    assert group is not None
    group.egress.append(SecurityGroupRule(protocol="-1", peer_kind="cidr_ipv6", peer="::/0"))
    acl = snap.network_acls[0]
    acl.entries += [
        NaclEntry(
            rule_number=101, egress=e, protocol="-1", rule_action="allow", ipv6_cidr_block="::/0"
        )
        for e in (False, True)
    ]
    v6 = "2600:9000:2000::10"
    dns_api = [b.dns(b.API_NAME, b.FORWARDER, "udp", "ok", [v6], rtype="AAAA")]
    reports = probe(api="open", dns_api=dns_api)
    for report in reports:
        report.tcp[1].address = v6
    return Scenario(snap, reports)


def logs_api_unreachable() -> Scenario:
    snap = b.healthy()
    _drop_default(_table(snap, b.RTB_PRIVATE))
    snap.vpc_endpoints = [_endpoint("sts")]
    _endpoint_sg(snap, tcp_rule(443, "10.1.0.0/16"))
    return Scenario(
        snap, probe(logs="timeout"), targets=[DB], cause="C23", expect_codes=("API001",)
    )


def subnets_differ() -> Scenario:
    """C24: subnet C has its own route table without the NAT route; one of three fails."""
    snap = b.healthy()
    private = _table(snap, b.RTB_PRIVATE)
    private.associations = [a for a in private.associations if a.subnet_id != b.SUBNET_C]
    snap.route_tables.append(
        RouteTable(
            route_table_id="rtb-0odd0dd0dd0dd0dd0",
            vpc_id=b.VPC,
            routes=[
                Route(
                    destination_cidr="10.1.0.0/16",
                    target_type=RouteTargetType.LOCAL,
                    target_id="local",
                )
            ],
            associations=[
                RouteTableAssociation(
                    association_id="rtbassoc-0odd00000000000c", subnet_id=b.SUBNET_C
                )
            ],
        )
    )
    return Scenario(
        snap, probe(api=["open", "timeout", "open"]), cause="C24", expect_codes=("SUB002", "RTE001")
    )


def probe_contradicts_configuration() -> Scenario:
    snap = b.healthy()
    _egress_only(snap, tcp_rule(443))
    return Scenario(snap, probe(db="open"), expect_codes=("PRB002",))


def expectation_violated() -> Scenario:
    snap = b.healthy()
    targets = [
        DB.model_copy(update={"expect": "reachable"}),
        API.model_copy(update={"expect": "blocked"}),
    ]
    return Scenario(snap, probe(), targets=targets, expect_codes=("CON001",))


def expectation_blocked_holds() -> Scenario:
    """`expect = "blocked"` on a target the database's security group keeps out: the contract
    holds, so nothing fails (SGR002 and CON001 pass); the address target is judged statically."""
    snap = b.healthy()
    group = snap.security_group(b.SG_DB)
    assert group is not None
    group.ingress = [tcp_rule(5432, "10.9.0.0/16")]
    targets = [
        DB.model_copy(update={"expect": "blocked"}),
        TargetSpec(host=b.DB_ADDRESS, port=5432, label="orders-db-ip", expect="blocked"),
        API,
    ]
    return Scenario(snap, probe(db="timeout"), targets=targets)


def probe_function_error() -> Scenario:
    failures = [
        ProbeFailure(
            source="function:vpcprobe-orders-api",
            kind=ProbeFailureKind.FUNCTION_ERROR,
            error_code="Runtime.ImportModuleError",
            message="Unable to import module 'vpcprobe.handler': No module named 'pydantic_core'",
        )
    ]
    return Scenario(b.healthy(), [], failures=failures, expect_codes=("PRB001",))


# ---------------------------------------------------------------------------- invariants
# (issue 10 §2): each scenario below is a case today's judgement got wrong.


def observed_failure_unexplained() -> Scenario:
    """Invariant 1: DescribeSecurityGroups denied and the database times out: no rule can name
    the cause, so TGT004 says so (what was read, what was not), never a ✓."""
    snap = b.healthy()
    snap.security_groups = []
    snap.skipped.append(
        SkippedRead(
            api="ec2:DescribeSecurityGroups",
            error_code="UnauthorizedOperation",
            message="You are not authorized to perform this operation.",
        )
    )
    return Scenario(snap, probe(db="timeout"), expect_codes=("TGT004",))


def intermittent_failure_unexplained() -> Scenario:
    """Invariant 1: one connect in three times out and the configuration allows every path."""
    return Scenario(
        b.healthy(), probe(db=["open", "timeout", "open"]), cause="C22", expect_codes=("TGT004",)
    )


def function_not_in_vpc() -> Scenario:
    """Invariant 2: no VpcConfig; the private database times out, the public API answers."""
    snap = b.healthy()
    assert snap.function is not None
    snap.function.vpc_config = None
    for attr in ("subnets", "route_tables", "network_acls", "security_groups", "nat_gateways"):
        setattr(snap, attr, [])
    snap.internet_gateways = []
    snap.vpc = None
    snap.dhcp_options = None
    snap.network_interfaces = []
    return Scenario(snap, probe(db="timeout"), cause="C25", expect_codes=("CFG002",))


def probe_refused_where_configuration_blocks() -> Scenario:
    """Invariant 4: the function's security group allows only 443 out, yet the database host
    refused the probe's connects (so the packets got there): one disagreement (PRB002), not
    "the security group blocks it" beside "the VPC configuration is not the problem"."""
    snap = b.healthy()
    _egress_only(snap, tcp_rule(443))
    return Scenario(snap, probe(db="refused"), expect_codes=("PRB002", "TGT001"))


def dns_answered_where_configuration_blocks() -> Scenario:
    """Invariant 5: the security group allows only TCP 53 to the custom DNS server, yet the
    server answered the probe over UDP: PRB004 with both sides, not DNS003 "is dropped"."""
    snap = b.healthy()
    _custom_dns(snap)
    _egress_only(snap, tcp_rule(443), tcp_rule(5432, "10.1.0.0/16"), tcp_rule(53, "10.1.0.0/16"))
    dns_db = [
        *b.resolved(b.DB_NAME, b.DB_ADDRESS),
        b.dns(b.DB_NAME, b.DNS_SERVER, "udp", "ok", [b.DB_ADDRESS]),
        b.dns(b.DB_NAME, b.DNS_SERVER, "tcp", "ok", [b.DB_ADDRESS]),
    ]
    reports = probe(dns_db=dns_db, configured=[b.DNS_SERVER])
    return Scenario(snap, reports, expect_codes=("PRB004",))


def _invoke_error(n: int) -> list[ProbeFailure]:
    return [
        ProbeFailure(
            source="function:vpcprobe-orders-api",
            kind=ProbeFailureKind.FUNCTION_ERROR,
            error_code="Runtime.ImportModuleError",
            message="Unable to import module 'vpcprobe.handler': No module named 'pydantic_core'",
        )
        for _ in range(n)
    ]


def probe_failed_every_invocation() -> Scenario:
    """Invariant 6: three invocations, the same import error each time: one PRB001 with the
    count, at high (nothing was observed), not three identical blocks and exit 0."""
    return Scenario(b.healthy(), [], failures=_invoke_error(3), expect_codes=("PRB001",))


def probe_files_partly_failed() -> Scenario:
    """Invariant 6: two good --probe-result files and one that is not a probe report: the
    diagnosis comes from the good two, the bad one is reported once."""
    failures = [
        ProbeFailure(
            source="file:probe-3.json",
            kind=ProbeFailureKind.BAD_PAYLOAD,
            message="the answer is not a vpcprobe probe report (no probe_version field)",
            payload_excerpt='{"errorMessage": "Task timed out after 3.00 seconds"}',
        )
    ]
    return Scenario(b.healthy(), probe(n=2), failures=failures, expect_codes=("PRB001",))


S3_ADDRESS = "52.218.0.10"
S3_PREFIX_LIST = "pl-6da54004"


def isolated_subnet_gateway_endpoint() -> Scenario:
    """Invariant 7: no route to the internet, S3 through a gateway endpoint; every target is
    reachable, so RTE001 is medium (like an isolated subnet with interface endpoints)."""
    snap = b.healthy()
    table = _table(snap, b.RTB_PRIVATE)
    _drop_default(table)
    endpoint = f"vpce-0{'s3':0<4}1234567890ab"
    table.routes.append(
        Route(
            destination_prefix_list_id=S3_PREFIX_LIST,
            target_type=RouteTargetType.GATEWAY_ENDPOINT,
            target_id=endpoint,
        )
    )
    snap.prefix_lists.append(
        PrefixList(
            prefix_list_id=S3_PREFIX_LIST,
            name=f"com.amazonaws.{b.REGION}.s3",
            address_family="IPv4",
            cidrs=["52.218.0.0/17"],
        )
    )
    snap.vpc_endpoints = [
        VpcEndpoint(
            vpc_endpoint_id=endpoint,
            vpc_id=b.VPC,
            service_name=f"com.amazonaws.{b.REGION}.s3",
            endpoint_type="Gateway",
            state="available",
            route_table_ids=[b.RTB_PRIVATE],
        )
    ]
    s3 = TargetSpec(host=f"s3.{b.REGION}.amazonaws.com", port=443, label="s3")
    reports = probe(
        dns_api=b.resolved(s3.host, S3_ADDRESS),
        extra_tcp=[b.tcp(s3.host, 443, S3_ADDRESS, "open", "s3")],
    )
    for report in reports:
        report.tcp = [t for t in report.tcp if t.label != "payments-api"]
        report.aws = []  # the probe ran with its CloudWatch Logs call off
    assert snap.role_permissions is not None
    snap.role_permissions.services = ["s3"]  # RTE004: the gateway endpoint serves it
    return Scenario(snap, reports, targets=[DB, s3], expect_codes=("RTE001",))


def role_service_unreachable() -> Scenario:
    """RTE004: the isolated subnet above, and the role may also call SQS, which has no
    endpoint: named with the route table and the interface endpoint to create."""
    scenario = isolated_subnet_gateway_endpoint()
    assert scenario.snapshot.role_permissions is not None
    scenario.snapshot.role_permissions.services = ["s3", "sqs"]
    scenario.expect_codes = ("RTE001", "RTE004")
    return scenario


def dns_split_explains_timeout() -> Scenario:
    """Invariant 12: the function's resolver gives the API's public address, the VPC resolver a
    private one, and connects to the public address time out: DNS004 leads, above TGT002."""
    private = "10.1.1.50"
    dns_api = [
        *b.resolved(b.API_NAME, b.PUBLIC_ADDRESS),
        b.dns(b.API_NAME, "10.1.0.2", "udp", "ok", [private]),
    ]
    return Scenario(
        b.healthy(), probe(api="timeout", dns_api=dns_api), cause="C13", expect_codes=("DNS004",)
    )


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "healthy": healthy,
    "no-route-to-internet": no_route_to_internet,
    "function-in-public-subnet": function_in_public_subnet,
    "nat-gateway-blackhole": nat_gateway_blackhole,
    "nat-gateway-without-igw-route": nat_gateway_without_igw_route,
    "function-egress-denied": function_egress_denied,
    "target-ingress-denied": target_ingress_denied,
    "nacl-denies-request": nacl_denies_request,
    "nacl-return-ports-partial": nacl_return_ports_partial,
    "nat-subnet-nacl-denies": nat_subnet_nacl_denies,
    "no-path-to-aws-service": no_path_to_aws_service,
    "endpoint-private-dns-off": endpoint_private_dns_off,
    "endpoint-sg-denies-443": endpoint_sg_denies_443,
    "service-name-bypasses-endpoint": service_name_bypasses_endpoint,
    "custom-dhcp-dns-unreachable": custom_dhcp_dns_unreachable,
    "custom-dhcp-dns-blocked": custom_dhcp_dns_blocked,
    "vpc-dns-support-off": vpc_dns_support_off,
    "private-name-not-resolved": private_name_not_resolved,
    "target-name-not-found": target_name_not_found,
    "role-lacks-eni-permissions": role_lacks_eni_permissions,
    "subnet-out-of-ips": subnet_out_of_ips,
    "eni-quota-reached": eni_quota_reached,
    "vpc-config-missing-subnet": vpc_config_missing_subnet,
    "function-inactive": function_inactive,
    "dedicated-tenancy": dedicated_tenancy,
    "single-az-placement": single_az_placement,
    "ipv6-path-unavailable": ipv6_path_unavailable,
    "nothing-listening": nothing_listening,
    "target-address-unheld": target_address_unheld,
    "blocked-outside-vpc-config": blocked_outside_vpc_config,
    "logs-api-unreachable": logs_api_unreachable,
    "subnets-differ": subnets_differ,
    "probe-contradicts-configuration": probe_contradicts_configuration,
    "expectation-violated": expectation_violated,
    "expectation-blocked-holds": expectation_blocked_holds,
    "probe-function-error": probe_function_error,
    "no-route-to-private-network": no_route_to_private_network,
    "nacl-denies-return-traffic": nacl_denies_return_traffic,
    "probe-ran-out-of-time": probe_ran_out_of_time,
    "ipv6-dual-stack": ipv6_dual_stack,
    "observed-failure-unexplained": observed_failure_unexplained,
    "intermittent-failure-unexplained": intermittent_failure_unexplained,
    "function-not-in-vpc": function_not_in_vpc,
    "probe-refused-where-configuration-blocks": probe_refused_where_configuration_blocks,
    "dns-answered-where-configuration-blocks": dns_answered_where_configuration_blocks,
    "probe-failed-every-invocation": probe_failed_every_invocation,
    "probe-files-partly-failed": probe_files_partly_failed,
    "isolated-subnet-gateway-endpoint": isolated_subnet_gateway_endpoint,
    "role-service-unreachable": role_service_unreachable,
    "dns-split-explains-timeout": dns_split_explains_timeout,
}

# Beyond the VPC (peering, transit gateways, VPN, Route 53): tests/scenarios/catalog_beyond.py.
from tests.scenarios.catalog_beyond import SCENARIOS as _BEYOND  # noqa: E402

SCENARIOS.update(_BEYOND)
