"""The far VPC of a peering connection or TGW attachment: its route back, groups and NACLs."""

from __future__ import annotations

from typing import Literal

from vpcprobe_collector.paths import nacls, routes, security_groups
from vpcprobe_collector.paths.beyond.model import Case, Decision, Step
from vpcprobe_collector.paths.cidr import IPNetwork, parse_address, parse_network
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.snapshot.model import RemoteVpc, RouteTargetType, VpcSnapshot

RETURN_PORTS = (1024, 65535)


def remote_index(snapshot: VpcSnapshot, remote: RemoteVpc) -> SnapshotIndex:
    """An index over the far VPC as read, so the same route/SG/NACL matchers judge it."""
    view = VpcSnapshot(
        collector_version=snapshot.collector_version,
        taken_at=snapshot.taken_at,
        region=remote.region or snapshot.region,
        account_id=remote.account_id,
        vpc=remote.vpc,
        subnets=remote.subnets,
        route_tables=remote.route_tables,
        network_acls=remote.network_acls,
        security_groups=remote.security_groups,
        network_interfaces=remote.network_interfaces,
        prefix_lists=snapshot.prefix_lists,
        skipped=[s for s in snapshot.skipped if remote.vpc_id in s.resource_ids],
    )
    return SnapshotIndex(view)


def unread(
    snapshot: VpcSnapshot,
    remote: RemoteVpc | None,
    vpc_id: str,
    account_id: str | None,
    up_to: str,
) -> Decision:
    """The far VPC could not be read: say what was verified and why the rest was not."""
    reason = (remote.reason if remote else None) or "it was not read"
    error_code, api = (remote.error_code, remote.api) if remote else (None, None)
    if error_code is None:
        # A bundle from before RemoteVpc carried the code: the SkippedRead names the VPC.
        read = next((s for s in snapshot.skipped if vpc_id in s.resource_ids), None)
        if read is not None:
            error_code, api = read.error_code, read.api
    return Decision(
        Step.FAR_SIDE,
        HopOutcome.UNKNOWN,
        vpc_id,
        source_api="ec2:DescribeVpcs",
        case=Case.UNREAD,
        up_to=up_to,
        vpc_id=vpc_id,
        account_id=account_id,
        reason=reason,
        error_code=error_code,
        api=api,
    )


def far_vpc(
    snapshot: VpcSnapshot,
    vpc_id: str,
    account_id: str | None,
    up_to: str,
    *,
    destination: str,
    port: int,
    protocol: Literal["tcp", "udp"],
    source: IPNetwork,
    source_groups: frozenset[str],
    back_kind: RouteTargetType,
    back_via: str,
) -> list[Decision]:
    """The VPC a peering connection or transit gateway leads to: `unread` when it could not
    be read, else its route back, security groups and NACLs (`judge_far_side`)."""
    remote = snapshot.beyond.remote_vpc(vpc_id)
    if remote is None or not remote.read:
        return [unread(snapshot, remote, vpc_id, account_id, up_to)]
    return judge_far_side(
        snapshot,
        remote,
        destination=destination,
        port=port,
        protocol=protocol,
        source=source,
        source_groups=source_groups,
        back_kind=back_kind,
        back_via=back_via,
    )


def judge_far_side(
    snapshot: VpcSnapshot,
    remote: RemoteVpc,
    *,
    destination: str,
    port: int,
    protocol: Literal["tcp", "udp"],
    source: IPNetwork,
    source_groups: frozenset[str],
    back_kind: RouteTargetType,
    back_via: str,
) -> list[Decision]:
    """Route back to `source` through `back_via`, then the destination's groups and NACLs."""
    index = remote_index(snapshot, remote)
    vpc_id = remote.vpc_id
    address = parse_address(destination)
    subnet = index.subnet_containing(address)
    if subnet is None:
        return [
            Decision(
                Step.ROUTE_BACK,
                HopOutcome.UNKNOWN,
                vpc_id,
                source_api="ec2:DescribeSubnets",
                case=Case.NO_SUBNET,
                vpc_id=vpc_id,
                destination=destination,
                reason=f"no subnet of {vpc_id} holds {destination}",
            )
        ]
    out = [_route_back(index, remote, subnet.subnet_id, source, back_kind, back_via)]
    out += _nacls(index, subnet.subnet_id, vpc_id, destination, port, protocol, source)
    out.append(_groups(index, vpc_id, destination, port, protocol, source, source_groups))
    return out


def _route_back(
    index: SnapshotIndex,
    remote: RemoteVpc,
    subnet_id: str,
    source: IPNetwork,
    back_kind: RouteTargetType,
    back_via: str,
) -> Decision:
    table = index.route_table_for(subnet_id)
    cidr = str(source)
    if table is None:
        return Decision(
            Step.ROUTE_BACK,
            HopOutcome.UNKNOWN,
            subnet_id,
            source_api=routes.API,
            case=Case.NO_TABLE,
            vpc_id=remote.vpc_id,
            subnet_id=subnet_id,
            destination=cidr,
            target=back_via,
            reason="route table not read",
        )
    rtb = table.route_table_id
    # Any address of the function subnet may hold Lambda's ENI: both ends must route back.
    for probe_address in (source.network_address, source.broadcast_address):
        match = routes.longest_match(index, table, probe_address)
        route = match.route
        good = (
            route is not None
            and route.target_type is back_kind
            and route.target_id == back_via
            and route.state == "active"
        )
        if not good:
            return Decision(
                Step.ROUTE_BACK,
                HopOutcome.DENY,
                rtb,
                source_api=routes.API,
                route_state=route.state if route else None,
                route_table_id=rtb,
                destination=cidr,
                target=back_via,
                vpc_id=remote.vpc_id,
                subnet_id=subnet_id,
                rule=routes.route_text(route) if route else None,
            )
    return Decision(
        Step.ROUTE_BACK,
        HopOutcome.ALLOW,
        rtb,
        source_api=routes.API,
        route_table_id=rtb,
        destination=cidr,
        target=back_via,
        vpc_id=remote.vpc_id,
        subnet_id=subnet_id,
    )


def _nacls(
    index: SnapshotIndex,
    subnet_id: str,
    vpc_id: str,
    destination: str,
    port: int,
    protocol: str,
    source: IPNetwork,
) -> list[Decision]:
    acl = index.network_acl_for(subnet_id)
    if acl is None:
        return [
            Decision(
                Step.FAR_NACL_INBOUND,
                HopOutcome.UNKNOWN,
                subnet_id,
                source_api=nacls.API,
                case=Case.NO_TABLE,
                vpc_id=vpc_id,
                subnet_id=subnet_id,
                reason="network ACL not read",
            )
        ]
    out: list[Decision] = []
    for step, egress, ports in (
        (Step.FAR_NACL_INBOUND, False, (port, port)),
        (Step.FAR_NACL_OUTBOUND_RETURN, True, RETURN_PORTS),
    ):
        decision = nacls.evaluate_nacl(
            acl, egress=egress, protocol=protocol, peers=[source], ports=ports
        )
        outcome = decision.outcome
        label = nacls.rule_label(decision.rule_number) if decision.rule_number else None
        out.append(
            Decision(
                step,
                HopOutcome.DENY if outcome is HopOutcome.PARTIAL else outcome,
                acl.network_acl_id,
                source_api=nacls.API,
                nacl_outcome=outcome,
                port=port,
                protocol=protocol,
                source_cidr=str(source),
                vpc_id=vpc_id,
                subnet_id=subnet_id,
                rule=label,
                rule_number=decision.rule_number,
                destination=destination,
            )
        )
    return out


def _groups(
    index: SnapshotIndex,
    vpc_id: str,
    destination: str,
    port: int,
    protocol: str,
    source: IPNetwork,
    source_groups: frozenset[str],
) -> Decision:
    eni = index.interface_with_address(parse_address(destination))
    if eni is None:
        return Decision(
            Step.FAR_SG_INGRESS,
            HopOutcome.UNKNOWN,
            vpc_id,
            source_api="ec2:DescribeNetworkInterfaces",
            case=Case.NO_INTERFACE,
            vpc_id=vpc_id,
            destination=destination,
            reason=f"no network interface holds {destination}",
        )
    decision = security_groups.ingress(
        index, eni.security_group_ids, protocol, port, [source], source_groups
    )
    case: Case | None = None
    if decision.outcome is HopOutcome.ALLOW and decision.rule and decision.group_id:
        rule: str | None = security_groups.rule_text(decision.rule, "from")
        component = decision.group_id
    else:
        rule = None
        component = (
            eni.security_group_ids[0] if eni.security_group_ids else eni.network_interface_id
        )
        if decision.outcome is not HopOutcome.DENY:
            case = Case.UNCERTAIN
    return Decision(
        Step.FAR_SG_INGRESS,
        decision.outcome,
        component,
        source_api=security_groups.API,
        case=case,
        group_ids=tuple(eni.security_group_ids),
        uncertain=tuple(decision.uncertain),
        missing=tuple(decision.missing),
        port=port,
        protocol=protocol,
        source_cidr=str(source),
        vpc_id=vpc_id,
        destination=destination,
        rule=rule,
        subnet_id=eni.subnet_id,
    )


def source_network(cidr: str) -> IPNetwork:
    return parse_network(cidr)
