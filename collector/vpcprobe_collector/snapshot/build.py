"""take_snapshot: read one Lambda function's VPC through the AWS APIs into a VpcSnapshot."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from vpcprobe import __version__
from vpcprobe_collector.aws import CLIENT_CONFIG
from vpcprobe_collector.aws_errors import is_denied
from vpcprobe_collector.errors import AwsAccessError, BadInputError
from vpcprobe_collector.snapshot.model import (
    DhcpOptions,
    EgressOnlyInternetGateway,
    EniQuota,
    FunctionInfo,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    PrefixList,
    RolePermissions,
    RouteTable,
    RouteTargetType,
    SecurityGroup,
    SkippedRead,
    Subnet,
    Vpc,
    VpcEndpoint,
    VpcSnapshot,
)
from vpcprobe_collector.snapshot.readers import (
    dx_reader,
    peering_reader,
    resolver_reader,
    tgw_reader,
)
from vpcprobe_collector.snapshot.readers import ec2_network as ec2r
from vpcprobe_collector.snapshot.readers.calls import (
    CallRecorder,
    ReadFailedError,
)
from vpcprobe_collector.snapshot.readers.iam_reader import read_role_permissions
from vpcprobe_collector.snapshot.readers.lambda_reader import read_function
from vpcprobe_collector.snapshot.readers.quotas_reader import read_eni_quota

# Lambda's Hyperplane ENIs have interface type "lambda"; their description is
# "AWS Lambda VPC ENI-<function>" (the only mark moto gives them).
LAMBDA_ENI_DESCRIPTION_PREFIX = "AWS Lambda VPC ENI"


def is_lambda_eni(eni: NetworkInterface) -> bool:
    """A Lambda Hyperplane ENI, by interface type or (as moto shows it) by description."""
    return eni.interface_type == "lambda" or (eni.description or "").startswith(
        LAMBDA_ENI_DESCRIPTION_PREFIX
    )


def function_region(function: str, default: str | None) -> str | None:
    """The region of a function ARN, else `default`."""
    parts = function.split(":")
    if function.startswith("arn:") and len(parts) >= 7 and parts[3]:
        return parts[3]
    return default


def take_snapshot(
    session: Any,
    function: str,
    *,
    target_addresses: Sequence[str] = (),
    target_names: Sequence[str] = (),
    peer_roles: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> VpcSnapshot:
    """Read `function` (name or ARN) and everything its traffic depends on.

    Raises BadInputError when the function does not exist, AwsAccessError when credentials
    are missing or lambda:GetFunction itself is denied; any other failed read is recorded in
    `snapshot.skipped` and the run goes on. `target_names` are the host names judged against
    Route 53 (Resolver rules, private zones, DNS Firewall); `peer_roles` maps account IDs to
    the role that reads a peer or TGW destination VPC in that account.
    """
    say = progress or (lambda _message: None)
    region = function_region(function, session.region_name)
    if not region:
        raise AwsAccessError("no AWS region set: pass --region or set AWS_REGION")

    def client(service: str) -> Any:
        return session.client(service, region_name=region, config=CLIENT_CONFIG)

    recorder = CallRecorder()
    snapshot = VpcSnapshot(
        collector_version=__version__,
        taken_at=datetime.now(UTC),
        region=region,
        target_addresses=list(dict.fromkeys(target_addresses)),
        target_names=list(dict.fromkeys(target_names)),
    )
    say(f"reading function {function}")
    snapshot.function = _read_function_or_raise(recorder, client("lambda"), function, region)
    arn_parts = snapshot.function.arn.split(":")
    snapshot.account_id = arn_parts[4] if len(arn_parts) > 4 and arn_parts[4] else None
    config = snapshot.function.vpc_config
    if config is None or not (config.subnet_ids or config.vpc_id):
        snapshot.notes.append("the function is not attached to a VPC")
        return _finish(snapshot, recorder)

    ec2 = client("ec2")
    say("reading subnets and VPC")
    subnets = ec2r.read_subnets_by_id(recorder, ec2, config.subnet_ids)
    snapshot.subnets = subnets
    vpc_id = _vpc_id(snapshot, config.vpc_id)
    # The subnets' VPC is where the function's ENIs live; consumers key on VpcConfig.VpcId.
    config.vpc_id = vpc_id or config.vpc_id
    if vpc_id is None:
        snapshot.notes.append("no subnet of the function's VpcConfig could be read")
        return _finish(snapshot, recorder)
    network = read_vpc_network(
        recorder,
        ec2,
        vpc_id,
        subnet_ids=config.subnet_ids,
        security_group_ids=config.security_group_ids,
        target_addresses=snapshot.target_addresses,
        subnets=subnets,
        progress=say,
    )
    network.apply_to(snapshot)
    lambda_enis_read = network.lambda_enis_read

    _read_beyond(snapshot, recorder, session, ec2, client, dict(peer_roles or {}), say)

    if snapshot.function.role_arn:
        say("checking the execution role's ENI permissions")
        snapshot.role_permissions = read_role_permissions(
            recorder, client("iam"), snapshot.function.role_arn, region=snapshot.region
        )
    say("reading the ENI quota")
    in_use = len(snapshot.lambda_enis) if lambda_enis_read else None
    snapshot.eni_quota = read_eni_quota(recorder, client("service-quotas"), in_use)
    return _finish(snapshot, recorder)


@dataclass
class VpcNetwork:
    """One VPC's network as read once: what every function attached to it shares.

    The fields are VpcSnapshot's network fields under the same names; `apply_to` copies them
    into one function's snapshot (the reads themselves were counted by the caller's recorder).
    """

    vpc_id: str
    target_addresses: list[str] = field(default_factory=list)
    vpc: Vpc | None = None
    dhcp_options: DhcpOptions | None = None
    subnets: list[Subnet] = field(default_factory=list)
    route_tables: list[RouteTable] = field(default_factory=list)
    network_acls: list[NetworkAcl] = field(default_factory=list)
    security_groups: list[SecurityGroup] = field(default_factory=list)
    nat_gateways: list[NatGateway] = field(default_factory=list)
    internet_gateways: list[InternetGateway] = field(default_factory=list)
    egress_only_internet_gateways: list[EgressOnlyInternetGateway] = field(default_factory=list)
    vpc_endpoints: list[VpcEndpoint] = field(default_factory=list)
    prefix_lists: list[PrefixList] = field(default_factory=list)
    network_interfaces: list[NetworkInterface] = field(default_factory=list)
    lambda_enis: list[NetworkInterface] = field(default_factory=list)
    lambda_enis_read: bool = False
    notes: list[str] = field(default_factory=list)

    def apply_to(self, snapshot: VpcSnapshot) -> None:
        """Put this network into `snapshot` (copies: a rule may not change another's view)."""
        snapshot.vpc = self.vpc.model_copy(deep=True) if self.vpc else None
        snapshot.dhcp_options = (
            self.dhcp_options.model_copy(deep=True) if self.dhcp_options else None
        )
        for name in _NETWORK_LISTS:
            setattr(snapshot, name, [item.model_copy(deep=True) for item in getattr(self, name)])
        snapshot.notes.extend(self.notes)


_NETWORK_LISTS = (
    "subnets",
    "route_tables",
    "network_acls",
    "security_groups",
    "nat_gateways",
    "internet_gateways",
    "egress_only_internet_gateways",
    "vpc_endpoints",
    "prefix_lists",
    "network_interfaces",
    "lambda_enis",
)


def read_vpc_network(
    recorder: CallRecorder,
    ec2: Any,
    vpc_id: str,
    *,
    subnet_ids: Iterable[str],
    security_group_ids: Iterable[str],
    target_addresses: Iterable[str] = (),
    subnets: Sequence[Subnet] | None = None,
    progress: Callable[[str], None] | None = None,
) -> VpcNetwork:
    """Read VPC `vpc_id` once: every EC2 read batched by IDs and paginated.

    `subnet_ids` and `security_group_ids` are the union of the VpcConfigs of the functions
    that share the VPC; `target_addresses` (targets' and DNS servers' addresses) are looked
    up for their ENIs. `subnets` are those subnets when the caller already read them.
    Every call and failure goes into `recorder`.
    """
    say = progress or (lambda _message: None)
    network = VpcNetwork(vpc_id=vpc_id, target_addresses=list(dict.fromkeys(target_addresses)))
    wanted_subnets = list(dict.fromkeys(subnet_ids))
    if subnets is None:
        say("reading subnets and VPC")
        subnets = ec2r.read_subnets_by_id(recorder, ec2, wanted_subnets)
    network.subnets = list(subnets)
    network.vpc = ec2r.read_vpc(recorder, ec2, vpc_id)
    if network.vpc and network.vpc.dhcp_options_id:
        network.dhcp_options = ec2r.read_dhcp_options(recorder, ec2, network.vpc.dhcp_options_id)

    say("reading route tables, network ACLs, gateways and endpoints")
    network.route_tables = ec2r.read_route_tables(recorder, ec2, vpc_id)
    network.network_acls = ec2r.read_network_acls(recorder, ec2, vpc_id)
    network.nat_gateways = ec2r.read_nat_gateways(recorder, ec2, vpc_id)
    network.internet_gateways = ec2r.read_internet_gateways(recorder, ec2, vpc_id)
    network.egress_only_internet_gateways = ec2r.read_egress_only_gateways(
        recorder,
        ec2,
        (
            r.target_id
            for t in network.route_tables
            for r in t.routes
            if r.target_type is RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY and r.target_id
        ),
    )
    network.vpc_endpoints = ec2r.read_vpc_endpoints(recorder, ec2, vpc_id)

    say("reading network interfaces")
    network.lambda_enis_read = _read_interfaces(network, recorder, ec2, vpc_id)
    known = {s.subnet_id for s in network.subnets} | set(wanted_subnets)
    more = {eni.subnet_id for eni in network.network_interfaces if eni.subnet_id}
    more |= {n.subnet_id for n in network.nat_gateways if n.subnet_id}
    more |= {s for e in network.vpc_endpoints for s in e.subnet_ids}
    network.subnets += ec2r.read_subnets_by_id(recorder, ec2, more - known)
    network.subnets += _subnets_of_unheld(network, recorder, ec2, vpc_id)

    say("reading security groups and prefix lists")
    _read_security_groups(network, recorder, ec2, security_group_ids)
    prefix_lists = {
        r.destination_prefix_list_id
        for t in network.route_tables
        for r in t.routes
        if r.destination_prefix_list_id
    } | {
        rule.peer
        for g in network.security_groups
        for rule in (*g.ingress, *g.egress)
        if rule.peer_kind == "prefix_list"
    }
    network.prefix_lists = ec2r.read_prefix_lists(recorder, ec2, prefix_lists)
    return network


def assemble_snapshot(
    function: FunctionInfo,
    *,
    region: str,
    network: VpcNetwork | None,
    role_permissions: RolePermissions | None,
    eni_quota: EniQuota | None,
    recorders: Sequence[CallRecorder],
    target_addresses: Sequence[str] = (),
    foreign_ids: Iterable[str] = (),
) -> VpcSnapshot:
    """One function's snapshot from reads shared with other functions (a VPC's network, a
    role's permissions, a region's quota). `recorders` hold the calls behind them; a shared
    "not found" loses the IDs in `foreign_ids` (other functions' VpcConfig entries)."""
    arn_parts = function.arn.split(":")
    snapshot = VpcSnapshot(
        collector_version=__version__,
        taken_at=datetime.now(UTC),
        region=region,
        account_id=arn_parts[4] if len(arn_parts) > 4 and arn_parts[4] else None,
        function=function.model_copy(deep=True),
        target_addresses=list(dict.fromkeys(target_addresses)),
    )
    if network is not None:
        network.apply_to(snapshot)
        if snapshot.function and snapshot.function.vpc_config:
            snapshot.function.vpc_config.vpc_id = network.vpc_id
    elif function.vpc_config and function.vpc_config.subnet_ids:
        snapshot.notes.append("no subnet of the function's VpcConfig could be read")
    else:
        snapshot.notes.append("the function is not attached to a VPC")
    snapshot.role_permissions = role_permissions
    if eni_quota is not None:
        in_use = len(network.lambda_enis) if network and network.lambda_enis_read else None
        snapshot.eni_quota = eni_quota.model_copy(update={"in_use": in_use})
    foreign = set(foreign_ids)
    for recorder in recorders:
        snapshot.api_calls += recorder.api_calls
        for read in recorder.skipped:
            kept = _without_foreign(read, foreign)
            if kept is not None:
                snapshot.skipped.append(kept)
    return snapshot


def _without_foreign(read: SkippedRead, foreign: set[str]) -> SkippedRead | None:
    """A shared "not found" without the IDs only other functions name; None when none is left."""
    if "NotFound" not in read.error_code or not read.resource_ids:
        return read
    kept = [r for r in read.resource_ids if r not in foreign]
    if not kept:
        return None
    if len(kept) == len(read.resource_ids):
        return read
    return read.model_copy(
        update={"resource_ids": kept, "message": f"not found: {', '.join(kept)}"}
    )


def vpc_of(function: FunctionInfo, subnets: dict[str, Subnet]) -> str | None:
    """The VPC most of the function's subnets are in (where its ENIs live)."""
    config = function.vpc_config
    found = Counter(
        subnets[s].vpc_id for s in (config.subnet_ids if config else []) if s in subnets
    )
    return found.most_common(1)[0][0] if found else None


def take_snapshots(
    session: Any,
    functions: Sequence[str],
    *,
    target_addresses: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> list[VpcSnapshot]:
    """Snapshots of several functions (names or ARNs), in order, sharing reads: one
    DescribeSubnets per region, each VPC's network once, each role once, the quota once per
    region. Raises like `take_snapshot` for a function that cannot be read."""
    say = progress or (lambda _message: None)
    regions = [function_region(f, session.region_name) for f in functions]
    if not all(regions):
        raise AwsAccessError("no AWS region set: pass --region or set AWS_REGION")
    snapshots: dict[int, VpcSnapshot] = {}
    for region in dict.fromkeys(r for r in regions if r):
        wanted = [i for i, r in enumerate(regions) if r == region]

        def client(service: str, region: str = region) -> Any:
            return session.client(service, region_name=region, config=CLIENT_CONFIG)

        lam, ec2 = client("lambda"), client("ec2")
        own: dict[int, CallRecorder] = {}
        infos: dict[int, FunctionInfo] = {}
        for i in wanted:
            say(f"reading function {functions[i]}")
            own[i] = CallRecorder()
            infos[i] = _read_function_or_raise(own[i], lam, functions[i], region)
        subnets_recorder = CallRecorder()
        ids = sorted(
            {s for info in infos.values() if info.vpc_config for s in info.vpc_config.subnet_ids}
        )
        by_id = {s.subnet_id: s for s in ec2r.read_subnets_by_id(subnets_recorder, ec2, ids)}
        groups: dict[str, list[int]] = {}
        for i, info in infos.items():
            vpc_id = vpc_of(info, by_id)
            if vpc_id:
                groups.setdefault(vpc_id, []).append(i)
        networks: dict[str, tuple[VpcNetwork, CallRecorder]] = {}
        for vpc_id, members in groups.items():
            say(f"reading {vpc_id}")
            recorder = CallRecorder()
            configs = [c for c in (infos[i].vpc_config for i in members) if c]
            subnet_ids = list(dict.fromkeys(s for c in configs for s in c.subnet_ids))
            networks[vpc_id] = (
                read_vpc_network(
                    recorder,
                    ec2,
                    vpc_id,
                    subnet_ids=subnet_ids,
                    security_group_ids=[g for c in configs for g in c.security_group_ids],
                    target_addresses=target_addresses,
                    subnets=[by_id[s] for s in subnet_ids if s in by_id],
                ),
                recorder,
            )
        roles: dict[str, tuple[RolePermissions, CallRecorder]] = {}
        iam = client("iam")
        for info in infos.values():
            if info.role_arn and info.role_arn not in roles:
                say("checking the execution role's ENI permissions")
                recorder = CallRecorder()
                roles[info.role_arn] = (
                    read_role_permissions(recorder, iam, info.role_arn, region=region),
                    recorder,
                )
        quota_recorder = CallRecorder()
        quota = read_eni_quota(quota_recorder, client("service-quotas"), None) if groups else None
        configured = {x for info in infos.values() if info.vpc_config for x in _config_ids(info)}
        for i, info in infos.items():
            vpc_id = vpc_of(info, by_id)
            network, network_recorder = networks[vpc_id] if vpc_id else (None, None)
            role = roles.get(info.role_arn or "")
            in_vpc = bool(info.vpc_config and info.vpc_config.subnet_ids)
            recorders = [own[i]]
            if in_vpc:
                recorders += [subnets_recorder, quota_recorder]
                recorders += [r for r in (network_recorder, role[1] if role else None) if r]
            snapshots[i] = assemble_snapshot(
                info,
                region=region,
                network=network,
                role_permissions=role[0] if role and in_vpc else None,
                eni_quota=quota if in_vpc else None,
                recorders=recorders,
                target_addresses=target_addresses,
                foreign_ids=configured - set(_config_ids(info)),
            )
    return [snapshots[i] for i in range(len(functions))]


def _config_ids(info: FunctionInfo) -> list[str]:
    config = info.vpc_config
    return [*config.subnet_ids, *config.security_group_ids] if config else []


def _read_function_or_raise(
    recorder: CallRecorder, lambda_client: Any, function: str, region: str
) -> FunctionInfo:
    try:
        return read_function(recorder, lambda_client, function)
    except ReadFailedError as failure:
        if failure.code == "ResourceNotFoundException":
            raise BadInputError(f"function '{function}' not found in {region}") from failure
        if failure.code in ("ValidationException", "InvalidParameterValueException"):
            raise BadInputError(
                f"'{function}' is not a valid function name or ARN: {failure.message}"
            ) from failure
        if is_denied(failure.code):
            raise AwsAccessError(
                f"cannot read function '{function}' ({failure.code}): {failure.message}"
            ) from failure
        raise AwsAccessError(
            f"cannot read function '{function}' in {region} ({failure.code}): {failure.message}"
        ) from failure


def _vpc_id(snapshot: VpcSnapshot, configured: str | None) -> str | None:
    """The VPC the function's subnets are in; VpcConfig.VpcId when no subnet could be read."""
    found = Counter(s.vpc_id for s in snapshot.subnets)
    if not found:
        return configured
    vpc_id = found.most_common(1)[0][0]
    if configured and configured != vpc_id:
        snapshot.notes.append(
            f"VpcConfig names VPC {configured} but the function's subnets are in {vpc_id}; "
            f"read {vpc_id} and recorded it as the function's VPC"
        )
    return vpc_id


def _read_interfaces(snapshot: VpcNetwork, recorder: CallRecorder, ec2: Any, vpc_id: str) -> bool:
    """One whole-VPC read classifies Lambda, endpoint and target ENIs (custom DNS servers count
    as targets); targets outside the VPC are then looked up by address (one batched call per
    address family). Returns whether the whole-VPC read (and so the Lambda ENI count) worked."""
    wanted = set(snapshot.target_addresses) | set(_custom_dns_servers(snapshot))
    endpoint_enis = {i for e in snapshot.vpc_endpoints for i in e.network_interface_ids}
    in_vpc = ec2r.read_network_interfaces(recorder, ec2, ec2r.vpc_filter(vpc_id))
    kept: dict[str, NetworkInterface] = {}
    for eni in in_vpc or []:
        if is_lambda_eni(eni):
            snapshot.lambda_enis.append(eni)
        addresses = {*eni.private_ip_addresses, *eni.ipv6_addresses}
        if eni.network_interface_id in endpoint_enis or addresses & wanted:
            kept[eni.network_interface_id] = eni
    by_description = [e for e in snapshot.lambda_enis if e.interface_type != "lambda"]
    if by_description:
        snapshot.notes.append(
            f"{len(by_description)} Lambda ENI(s) recognised by their description "
            f"'{LAMBDA_ENI_DESCRIPTION_PREFIX}...' (interface type "
            f"'{by_description[0].interface_type}', not 'lambda')"
        )
    resolved = {
        a for eni in kept.values() for a in (*eni.private_ip_addresses, *eni.ipv6_addresses)
    }
    missing = sorted(wanted - resolved)
    for filters in ec2r.address_filters(missing):
        for eni in ec2r.read_network_interfaces(recorder, ec2, filters) or []:
            kept.setdefault(eni.network_interface_id, eni)
    snapshot.network_interfaces = list(kept.values())
    return in_vpc is not None


def _unheld_addresses(network: VpcNetwork) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Targets (and custom DNS servers) inside the VPC's CIDRs that no ENI read holds and no
    subnet read contains: a stale DNS record or a deleted instance, whose subnet is unknown."""
    if network.vpc is None:
        return []
    vpc_networks = _networks([*network.vpc.cidr_blocks, *network.vpc.ipv6_cidr_blocks])
    subnet_networks = _networks(
        c for s in network.subnets for c in (s.cidr_block, *s.ipv6_cidr_blocks) if c
    )
    held = {
        a
        for eni in network.network_interfaces
        for a in _addresses([*eni.private_ip_addresses, *eni.ipv6_addresses])
    }
    wanted = _addresses([*network.target_addresses, *_custom_dns_servers(network)])
    return [
        a
        for a in dict.fromkeys(wanted)
        if a not in held
        and any(_holds(n, a) for n in vpc_networks)
        and not any(_holds(n, a) for n in subnet_networks)
    ]


def _subnets_of_unheld(
    network: VpcNetwork, recorder: CallRecorder, ec2: Any, vpc_id: str
) -> list[Subnet]:
    """The subnets an address nobody holds would be in: ONE whole-VPC DescribeSubnets, made
    only when such an address exists (its ENI read subnets cannot name it)."""
    unheld = _unheld_addresses(network)
    if not unheld:
        return []
    items = recorder.items(
        ec2, "describe_subnets", "ec2:DescribeSubnets", "Subnets", Filters=ec2r.vpc_filter(vpc_id)
    )
    if items is None:
        return []
    subnets = recorder.parse("ec2:DescribeSubnets", items, ec2r.subnet_from_aws)
    known = {s.subnet_id for s in network.subnets}
    return [
        s
        for s in subnets
        if s.subnet_id not in known
        and s.vpc_id == vpc_id
        and any(
            _holds(n, a)
            for n in _networks([c for c in (s.cidr_block, *s.ipv6_cidr_blocks) if c])
            for a in unheld
        )
    ]


def _addresses(values: Iterable[str]) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    found = []
    for value in values:
        try:
            found.append(ipaddress.ip_address(value))
        except ValueError:
            continue
    return found


def _networks(values: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    found = []
    for value in values:
        try:
            found.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            continue
    return found


def _holds(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network,
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> bool:
    return network.version == address.version and address in network


def _custom_dns_servers(snapshot: VpcNetwork) -> list[str]:
    """The DHCP options set's server addresses: destinations like any target (UDP/TCP 53)."""
    servers = snapshot.dhcp_options.domain_name_servers if snapshot.dhcp_options else []
    found: list[str] = []
    for server in servers:
        try:
            found.append(str(ipaddress.ip_address(server)))
        except ValueError:
            continue  # AmazonProvidedDNS
    return found


def _read_security_groups(
    snapshot: VpcNetwork, recorder: CallRecorder, ec2: Any, function_groups: Iterable[str]
) -> None:
    """The function's, target ENIs' and endpoints' groups, then (one more call) the groups
    their rules reference."""
    wanted = set(function_groups)
    wanted |= {g for eni in snapshot.network_interfaces for g in eni.security_group_ids}
    wanted |= {g for e in snapshot.vpc_endpoints for g in e.security_group_ids}
    groups: list[SecurityGroup] = ec2r.read_security_groups(recorder, ec2, wanted)
    referenced = {
        rule.peer
        for g in groups
        for rule in (*g.ingress, *g.egress)
        if rule.peer_kind == "security_group"
    }
    groups += ec2r.read_security_groups(recorder, ec2, referenced - wanted)
    snapshot.security_groups = groups


def remote_client(
    session: Any, service: str, region: str, credentials: dict[str, str] | None = None
) -> Any:
    """A client in `region`, with assumed-role `credentials` when given (the session's
    options, retries and progress kept either way)."""
    if credentials:
        assumed = getattr(session, "assumed", None)
        if assumed is not None:
            session = assumed(credentials, region=region)
        else:  # a plain boto3 session (a Lambda worker): nothing of ours to keep
            session = boto3.Session(region_name=region, **credentials)
    return session.client(service, region_name=region, config=CLIENT_CONFIG)


def _read_beyond(
    snapshot: VpcSnapshot,
    recorder: CallRecorder,
    session: Any,
    ec2: Any,
    client: Callable[[str], Any],
    peer_roles: dict[str, str],
    say: Callable[[str], None],
) -> None:
    """Peering, transit gateways, VPN and Route 53: read only where routes or names lead."""
    beyond = snapshot.beyond
    vpc_id = snapshot.vpc.vpc_id if snapshot.vpc else None
    if vpc_id is None:
        return
    if snapshot.target_names:
        say("reading Route 53 Resolver rules, private hosted zones and DNS Firewall")
        resolver_reader.read_dns_beyond(
            recorder, client("route53resolver"), client("route53"), vpc_id, snapshot.region, beyond
        )
        _read_resolver_endpoint_network(snapshot, recorder, ec2)

    def targets(kind: RouteTargetType) -> set[str]:
        return {
            r.target_id
            for t in snapshot.route_tables
            if t.vpc_id == vpc_id
            for r in t.routes
            if r.target_type is kind and r.target_id
        }

    pcx_ids, tgw_ids = targets(RouteTargetType.PEERING), targets(RouteTargetType.TRANSIT_GATEWAY)
    vgw_ids = targets(RouteTargetType.VIRTUAL_PRIVATE_GATEWAY)
    beyond.followed = sorted(pcx_ids | tgw_ids | vgw_ids)
    far: list[peering_reader.FarSide] = []
    if pcx_ids:
        say("reading VPC peering connections")
        beyond.peering_connections = peering_reader.read_peering_connections(recorder, ec2, pcx_ids)
        for pcx in beyond.peering_connections:
            side = pcx.far_side(vpc_id)
            if side.vpc_id:
                far.append(peering_reader.FarSide(side.vpc_id, side.owner_id, side.region))
    vpn_ids: set[str] = set()
    if tgw_ids:
        say("reading transit gateways, attachments and TGW route tables")
        beyond.transit_gateways = tgw_reader.read_transit_gateways(recorder, ec2, tgw_ids)
        beyond.transit_gateway_attachments = tgw_reader.read_attachments(recorder, ec2, tgw_ids)
        # The attachment's own subnets say which AZs it serves.
        known = {s.subnet_id for s in snapshot.subnets}
        attachment_subnets = {
            subnet_id
            for a in beyond.transit_gateway_attachments
            if a.resource_id == vpc_id
            for subnet_id in a.subnet_ids
        }
        snapshot.subnets += ec2r.read_subnets_by_id(recorder, ec2, attachment_subnets - known)
        own_cidrs = [s.cidr_block for s in snapshot.subnets if s.vpc_id == vpc_id and s.cidr_block]
        forwarders = [ip.rsplit(":", 1)[0] for r in beyond.resolver_rules for ip in r.target_ips]
        others = {
            a.resource_id
            for a in beyond.transit_gateway_attachments
            if a.resource_type == "vpc"
            and a.resource_id
            and a.resource_id != vpc_id
            and a.resource_owner_id in (None, snapshot.account_id)
        }
        if others:
            described = recorder.items(
                ec2,
                "describe_vpcs",
                "ec2:DescribeVpcs",
                "Vpcs",
                Filters=[{"Name": "vpc-id", "Values": sorted(others)}],
            )
            beyond.attached_vpc_cidrs = {
                v.vpc_id: v.cidr_blocks for v in (ec2r.vpc_from_aws(i) for i in described or [])
            }
        beyond.tgw_searched_destinations = list(
            dict.fromkeys([*snapshot.target_addresses, *forwarders, *own_cidrs])
        )
        beyond.transit_gateway_route_tables = tgw_reader.read_route_tables(
            recorder, ec2, tgw_ids, beyond.tgw_searched_destinations
        )
        routed = {
            a
            for t in beyond.transit_gateway_route_tables
            for r in t.routes
            for a in r.attachment_ids
        }
        for attachment in beyond.transit_gateway_attachments:
            if attachment.resource_type == "vpn" and attachment.resource_id:
                vpn_ids.add(attachment.resource_id)
            if (
                attachment.resource_type == "vpc"
                and attachment.resource_id
                and attachment.resource_id != vpc_id
                and attachment.transit_gateway_attachment_id in routed
            ):
                far.append(
                    peering_reader.FarSide(
                        attachment.resource_id, attachment.resource_owner_id, snapshot.region
                    )
                )
    dx_ids = {
        a.resource_id
        for a in beyond.transit_gateway_attachments
        if a.resource_type == "direct-connect-gateway" and a.resource_id
    }
    if dx_ids:
        say("reading Direct Connect gateways")
        beyond.direct_connect_gateways = dx_reader.read_direct_connect_gateways(
            recorder, client("directconnect"), dx_ids
        )
    if vgw_ids or vpn_ids:
        say("reading VPN gateways and connections")
        beyond.vpn_gateways = tgw_reader.read_vpn_gateways(recorder, ec2, vgw_ids)
        beyond.vpn_connections = tgw_reader.read_vpn_connections(
            recorder, ec2, vgw_ids=vgw_ids, vpn_ids=vpn_ids
        )
        # A vgw-… with no VPN connection may carry the traffic to Direct Connect: read its
        # Direct Connect gateway associations (one call per such gateway), when the VPN
        # connections were read (else whether it has one is unknown, and the path says so).
        with_vpn = {c.vpn_gateway_id for c in beyond.vpn_connections}
        bare = vgw_ids - with_vpn
        vpn_unread = any(s.api == "ec2:DescribeVpnConnections" for s in recorder.skipped)
        if bare and not vpn_unread:
            say("reading the Direct Connect gateway associations of VPN gateways")
            associations, read = dx_reader.read_vgw_associations(
                recorder, client("directconnect"), bare
            )
            beyond.dx_gateway_associations, beyond.dx_associations_read = associations, read
    if far:
        say("reading the VPCs beyond peering and transit gateways")
        clients = peering_reader.RemoteClients(
            recorder,
            session,
            own_account=snapshot.account_id,
            own_region=snapshot.region,
            roles=peer_roles,
            make_client=remote_client,
        )
        beyond.remote_vpcs = peering_reader.read_remote_vpcs(
            recorder, far, clients, snapshot.target_addresses
        )


def _read_resolver_endpoint_network(
    snapshot: VpcSnapshot, recorder: CallRecorder, ec2: Any
) -> None:
    """An outbound endpoint in the function's VPC is a source like the function: its subnets
    and security groups join the snapshot so its paths to the forwarding targets are judged."""
    vpc_id = snapshot.vpc.vpc_id if snapshot.vpc else None
    mine = [e for e in snapshot.beyond.resolver_endpoints if e.host_vpc_id in (None, vpc_id)]
    known_subnets = {s.subnet_id for s in snapshot.subnets}
    wanted_subnets = {a.subnet_id for e in mine for a in e.addresses if a.subnet_id}
    snapshot.subnets += ec2r.read_subnets_by_id(recorder, ec2, wanted_subnets - known_subnets)
    known_groups = {g.group_id for g in snapshot.security_groups}
    wanted_groups = {g for e in mine for g in e.security_group_ids}
    snapshot.security_groups += ec2r.read_security_groups(
        recorder, ec2, wanted_groups - known_groups
    )


def _finish(snapshot: VpcSnapshot, recorder: CallRecorder) -> VpcSnapshot:
    snapshot.api_calls = recorder.api_calls
    snapshot.skipped = recorder.skipped
    return snapshot
