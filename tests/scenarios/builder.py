"""Hand-built VPC snapshots and probe reports for the golden scenarios and rule tests.

`healthy()` is a function in three private subnets routing through a NAT gateway, a database
and a DNS server in a data subnet; scenarios change one thing each. Every ID is fixed so the
expected outputs are stable.
"""

from __future__ import annotations

from datetime import UTC, datetime

from vpcprobe.models import (
    AwsResult,
    AwsStatus,
    Deadline,
    DnsResult,
    DnsStatus,
    Environment,
    ProbeReport,
    RecordType,
    ResolvConf,
    TcpResult,
    TcpStatus,
    Transport,
)
from vpcprobe_collector.snapshot.model import (
    DhcpOptions,
    EniQuota,
    FunctionInfo,
    FunctionVpcConfig,
    InternetGateway,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    PermissionDecision,
    RolePermissions,
    Route,
    RouteTable,
    RouteTableAssociation,
    RouteTargetType,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
    VpcSnapshot,
)

REGION = "eu-west-1"
ACCOUNT = "123456789012"
WHEN = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

VPC = "vpc-0a1b2c3d4e5f60718"
DOPT = "dopt-0aa11bb22cc33dd44"
IGW = "igw-0f1e2d3c4b5a69788"
NAT = "nat-0123456789abcdef0"
RTB_PUBLIC = "rtb-0pub1c2d3e4f50617"
RTB_PRIVATE = "rtb-0priv1a2b3c4d5e6f"
ACL = "acl-0d1e2f3a4b5c6d7e8"
SUBNET_PUBLIC = "subnet-0pub00000000000a1"
SUBNET_DATA = "subnet-0data0000000000d1"
SUBNET_A = "subnet-0aaa1111aaaa1111a"
SUBNET_B = "subnet-0bbb2222bbbb2222b"
SUBNET_C = "subnet-0ccc3333cccc3333c"
FUNCTION_SUBNETS = (SUBNET_A, SUBNET_B, SUBNET_C)
SG_FN = "sg-0f00f00f00f00f001"
SG_DB = "sg-0db0db0db0db0db02"
SG_DNS = "sg-0d15d15d15d15d103"
SG_ENDPOINT = "sg-0e0e0e0e0e0e0e004"
ENI_DB = "eni-0db1234567890abcd"
ENI_DNS = "eni-0d15123456789abcd"
DB_ADDRESS = "10.1.1.20"
DNS_SERVER = "10.1.1.10"
PUBLIC_ADDRESS = "52.94.133.131"  # a public API's address (only data: nothing is sent)
FUNCTION = "orders-api"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/orders-api-role"
FORWARDER = "169.254.78.1"
DB_NAME = "db.orders.internal"
API_NAME = "api.payments.example.com"


def _all_allow() -> list[NaclEntry]:
    return [
        NaclEntry(
            rule_number=100,
            egress=egress,
            protocol="-1",
            rule_action="allow",
            cidr_block="0.0.0.0/0",
        )
        for egress in (False, True)
    ] + [
        NaclEntry(
            rule_number=32767,
            egress=egress,
            protocol="-1",
            rule_action="deny",
            cidr_block="0.0.0.0/0",
        )
        for egress in (False, True)
    ]


def healthy() -> VpcSnapshot:
    """A function in three private subnets with a NAT path; database and DNS server reachable."""
    subnets = [
        Subnet(
            subnet_id=SUBNET_PUBLIC,
            vpc_id=VPC,
            cidr_block="10.1.0.0/24",
            availability_zone="eu-west-1a",
            available_ip_address_count=240,
        ),
        Subnet(
            subnet_id=SUBNET_DATA,
            vpc_id=VPC,
            cidr_block="10.1.1.0/24",
            availability_zone="eu-west-1a",
            available_ip_address_count=240,
        ),
        *(
            Subnet(
                subnet_id=sid,
                vpc_id=VPC,
                cidr_block=f"10.1.{32 + i}.0/24",
                availability_zone=f"eu-west-1{'abc'[i]}",
                available_ip_address_count=250,
            )
            for i, sid in enumerate(FUNCTION_SUBNETS)
        ),
    ]
    return VpcSnapshot(
        collector_version="test",
        taken_at=WHEN,
        region=REGION,
        account_id=ACCOUNT,
        function=FunctionInfo(
            name=FUNCTION,
            arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}",
            role_arn=ROLE,
            runtime="python3.13",
            state="Active",
            last_update_status="Successful",
            vpc_config=FunctionVpcConfig(
                vpc_id=VPC, subnet_ids=list(FUNCTION_SUBNETS), security_group_ids=[SG_FN]
            ),
        ),
        vpc=Vpc(
            vpc_id=VPC,
            cidr_blocks=["10.1.0.0/16"],
            instance_tenancy="default",
            enable_dns_support=True,
            enable_dns_hostnames=True,
            dhcp_options_id=DOPT,
            owner_id=ACCOUNT,
        ),
        dhcp_options=DhcpOptions(
            dhcp_options_id=DOPT,
            domain_name_servers=["AmazonProvidedDNS"],
            domain_name=f"{REGION}.compute.internal",
        ),
        subnets=subnets,
        route_tables=[
            RouteTable(
                route_table_id=RTB_PUBLIC,
                vpc_id=VPC,
                routes=[
                    Route(
                        destination_cidr="10.1.0.0/16",
                        target_type=RouteTargetType.LOCAL,
                        target_id="local",
                    ),
                    Route(
                        destination_cidr="0.0.0.0/0",
                        target_type=RouteTargetType.INTERNET_GATEWAY,
                        target_id=IGW,
                    ),
                ],
                associations=[
                    RouteTableAssociation(
                        association_id="rtbassoc-0pub0000000000001", subnet_id=SUBNET_PUBLIC
                    )
                ],
            ),
            RouteTable(
                route_table_id=RTB_PRIVATE,
                vpc_id=VPC,
                routes=[
                    Route(
                        destination_cidr="10.1.0.0/16",
                        target_type=RouteTargetType.LOCAL,
                        target_id="local",
                    ),
                    Route(
                        destination_cidr="0.0.0.0/0",
                        target_type=RouteTargetType.NAT_GATEWAY,
                        target_id=NAT,
                    ),
                ],
                associations=[
                    RouteTableAssociation(association_id="rtbassoc-0main000000000001", main=True),
                    *(
                        RouteTableAssociation(
                            association_id=f"rtbassoc-0fn{i}00000000000{i}", subnet_id=sid
                        )
                        for i, sid in enumerate(FUNCTION_SUBNETS)
                    ),
                ],
            ),
        ],
        network_acls=[
            NetworkAcl(
                network_acl_id=ACL,
                vpc_id=VPC,
                is_default=True,
                entries=_all_allow(),
                subnet_ids=[s.subnet_id for s in subnets],
            )
        ],
        security_groups=[
            SecurityGroup(
                group_id=SG_FN,
                group_name="orders-api",
                vpc_id=VPC,
                owner_id=ACCOUNT,
                egress=[SecurityGroupRule(protocol="-1", peer_kind="cidr_ipv4", peer="0.0.0.0/0")],
            ),
            SecurityGroup(
                group_id=SG_DB,
                group_name="orders-db",
                vpc_id=VPC,
                owner_id=ACCOUNT,
                ingress=[
                    SecurityGroupRule(
                        protocol="tcp",
                        from_port=5432,
                        to_port=5432,
                        peer_kind="security_group",
                        peer=SG_FN,
                    )
                ],
                egress=[SecurityGroupRule(protocol="-1", peer_kind="cidr_ipv4", peer="0.0.0.0/0")],
            ),
            SecurityGroup(
                group_id=SG_DNS,
                group_name="dns",
                vpc_id=VPC,
                owner_id=ACCOUNT,
                ingress=[
                    SecurityGroupRule(
                        protocol=p,
                        from_port=53,
                        to_port=53,
                        peer_kind="cidr_ipv4",
                        peer="10.1.0.0/16",
                    )
                    for p in ("udp", "tcp")
                ],
                egress=[SecurityGroupRule(protocol="-1", peer_kind="cidr_ipv4", peer="0.0.0.0/0")],
            ),
        ],
        nat_gateways=[
            NatGateway(
                nat_gateway_id=NAT,
                subnet_id=SUBNET_PUBLIC,
                vpc_id=VPC,
                state="available",
                private_ips=["10.1.0.50"],
                public_ips=["54.170.1.2"],
            )
        ],
        internet_gateways=[InternetGateway(internet_gateway_id=IGW, attached_vpc_ids=[VPC])],
        network_interfaces=[
            NetworkInterface(
                network_interface_id=ENI_DB,
                subnet_id=SUBNET_DATA,
                vpc_id=VPC,
                interface_type="interface",
                status="in-use",
                private_ip_addresses=[DB_ADDRESS],
                security_group_ids=[SG_DB],
            ),
            NetworkInterface(
                network_interface_id=ENI_DNS,
                subnet_id=SUBNET_DATA,
                vpc_id=VPC,
                interface_type="interface",
                status="in-use",
                private_ip_addresses=[DNS_SERVER],
                security_group_ids=[SG_DNS],
            ),
        ],
        role_permissions=RolePermissions(
            role_arn=ROLE,
            method="simulate",
            decisions={
                a: PermissionDecision.ALLOWED
                for a in (
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                )
            },
            services=[],  # nothing beyond what Lambda itself does with the role
        ),
        eni_quota=EniQuota(value=250, source="service-quotas", quota_code="L-9FEE3D26", in_use=3),
        target_addresses=[DB_ADDRESS, PUBLIC_ADDRESS],
    )


# ---------------------------------------------------------------------------- probe reports


def dns(
    name: str,
    server: str,
    transport: str,
    status: str = "ok",
    answers: list[str] | None = None,
    *,
    rtype: str = "A",
    ms: float = 3.0,
) -> DnsResult:
    """One DNS observation."""
    st = DnsStatus(status)
    return DnsResult(
        name=name,
        record_type=RecordType(rtype),
        server=server,
        transport=Transport(transport),
        status=st,
        answers=answers or [],
        rcode={"ok": "NOERROR", "nxdomain": "NXDOMAIN", "servfail": "SERVFAIL"}.get(status),
        elapsed_ms=2000.0 if st is DnsStatus.TIMEOUT else ms,
        error="The DNS operation timed out." if st is DnsStatus.TIMEOUT else None,
    )


def resolved(name: str, address: str, servers: tuple[str, ...] = (FORWARDER,)) -> list[DnsResult]:
    """A name that resolves through getaddrinfo and each server over UDP and TCP."""
    out = [dns(name, "system", "system", "ok", [address])]
    out += [dns(name, server, t, "ok", [address]) for server in servers for t in ("udp", "tcp")]
    return out


def tcp(
    host: str, port: int, address: str | None, status: str, label: str | None = None
) -> TcpResult:
    """One TCP observation."""
    st = TcpStatus(status)
    return TcpResult(
        label=label or f"{host}:{port}",
        host=host,
        port=port,
        address=address,
        status=st,
        errno={"refused": 111, "timeout": 110}.get(status),
        elapsed_ms={"timeout": 2000.0, "open": 1.5, "refused": 0.8}.get(status, 1.0),
        error={"timeout": "timed out", "refused": "Connection refused"}.get(status),
    )


def logs(status: str = "ok") -> AwsResult:
    """The probe's CloudWatch Logs API call."""
    st = AwsStatus(status)
    return AwsResult(
        service="logs",
        operation="DescribeLogStreams",
        endpoint=f"https://logs.{REGION}.amazonaws.com",
        status=st,
        http_status=200 if st is AwsStatus.OK else None,
        elapsed_ms=2000.0 if st is AwsStatus.TIMEOUT else 40.0,
        error="Connect timeout" if st is AwsStatus.TIMEOUT else None,
    )


def resolv(configured: list[str] | None = None) -> ResolvConf:
    """Lambda's /etc/resolv.conf as the probe parses it."""
    configured = configured or []
    raw = (
        "".join(f"; configured nameserver {c}\n" for c in configured) + f"nameserver {FORWARDER}\n"
    )
    return ResolvConf(
        path="/etc/resolv.conf",
        found=True,
        nameservers=[FORWARDER],
        configured_nameservers=configured,
        options={"timeout": 2, "attempts": 5},
        raw=raw,
    )


def report(
    n: int,
    *,
    tcp_results: list[TcpResult] = (),  # type: ignore[assignment]
    dns_results: list[DnsResult] = (),  # type: ignore[assignment]
    aws_results: list[AwsResult] | None = None,
    configured: list[str] | None = None,
) -> ProbeReport:
    """One probe invocation's report (execution environment number `n`)."""
    return ProbeReport(
        probe_version="test",
        started_at=WHEN,
        duration_ms=2500.0,
        environment=Environment(
            in_lambda=True,
            region=REGION,
            function_name="vpcprobe-orders-api",
            request_id=f"00000000-0000-4000-8000-00000000000{n}",
            memory_mb=256,
            runtime="python3.13",
            architecture="x86_64",
        ),
        resolv_conf=resolv(configured),
        dns=list(dns_results),
        tcp=list(tcp_results),
        aws=[logs()] if aws_results is None else aws_results,
        deadline=Deadline(budget_ms=12000.0, margin_ms=500.0),
    )
