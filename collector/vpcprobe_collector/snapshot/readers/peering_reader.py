"""Peering readers: the pcx-… connections the function's routes use, and the VPCs beyond them.

A far-side VPC is read in its own account and region: with the collector's own credentials when
it is the function's account, else through the role `--assume-role`/`[peers]` names for that
account. When no role is known or the read is denied, the RemoteVpc says exactly that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vpcprobe_collector.snapshot.model import (
    NO_ROLE,
    NetworkInterface,
    PeeringConnection,
    PeeringSide,
    RemoteVpc,
    SecurityGroup,
    Subnet,
)
from vpcprobe_collector.snapshot.readers import ec2_network as ec2r
from vpcprobe_collector.snapshot.readers.calls import CallRecorder, ReadFailedError

API = "ec2:DescribeVpcPeeringConnections"


def _side(item: dict[str, Any] | None) -> PeeringSide:
    item = item or {}
    cidrs = [c["CidrBlock"] for c in item.get("CidrBlockSet") or [] if c.get("CidrBlock")]
    if not cidrs and item.get("CidrBlock"):
        cidrs = [item["CidrBlock"]]
    return PeeringSide(
        vpc_id=item.get("VpcId"),
        owner_id=item.get("OwnerId"),
        region=item.get("Region"),
        cidr_blocks=cidrs,
        ipv6_cidr_blocks=[
            c["Ipv6CidrBlock"] for c in item.get("Ipv6CidrBlockSet") or [] if c.get("Ipv6CidrBlock")
        ],
    )


def peering_from_aws(item: dict[str, Any]) -> PeeringConnection:
    """Map one DescribeVpcPeeringConnections item."""
    status = item.get("Status") or {}
    return PeeringConnection(
        vpc_peering_connection_id=item["VpcPeeringConnectionId"],
        status=str(status.get("Code") or "unknown"),
        status_message=status.get("Message"),
        requester=_side(item.get("RequesterVpcInfo")),
        accepter=_side(item.get("AccepterVpcInfo")),
    )


def read_peering_connections(
    recorder: CallRecorder, ec2: Any, pcx_ids: Iterable[str]
) -> list[PeeringConnection]:
    """One batched DescribeVpcPeeringConnections for these IDs; missing IDs are recorded."""
    wanted = sorted(set(pcx_ids))
    if not wanted:
        return []
    items = recorder.items(
        ec2,
        "describe_vpc_peering_connections",
        API,
        "VpcPeeringConnections",
        Filters=[{"Name": "vpc-peering-connection-id", "Values": wanted}],
    )
    if items is None:
        return []
    found = [peering_from_aws(i) for i in items]
    recorder.not_found(
        API,
        "InvalidVpcPeeringConnectionID.NotFound",
        set(wanted) - {p.vpc_peering_connection_id for p in found},
    )
    return found


# ---------------------------------------------------------------------------- far-side VPCs


@dataclass(frozen=True)
class FarSide:
    """Where a VPC beyond the function's lives."""

    vpc_id: str
    account_id: str | None
    region: str | None


# client(service, account_id, region) -> (client, role ARN used) or a reason it cannot be had
ClientFactory = Callable[[str, str | None, str | None], "tuple[Any, str | None] | str"]


def read_remote_vpcs(
    recorder: CallRecorder,
    far_sides: Iterable[FarSide],
    clients: ClientFactory,
    addresses: Iterable[str],
) -> list[RemoteVpc]:
    """Each far-side VPC's subnets, route tables, NACLs, security groups and the ENIs holding
    `addresses`: one call per resource kind per VPC, through that VPC's own account/region."""
    wanted = list(addresses)
    found: list[RemoteVpc] = []
    for side in {s.vpc_id: s for s in far_sides}.values():
        remote = RemoteVpc(vpc_id=side.vpc_id, account_id=side.account_id, region=side.region)
        got = clients("ec2", side.account_id, side.region)
        if isinstance(got, str):
            remote.reason = got
            remote.error_code, remote.api = _why_no_client(recorder, side.account_id)
            found.append(remote)
            continue
        ec2, remote.role_arn = got
        _read_one(recorder, ec2, remote, wanted)
        found.append(remote)
    return found


def _why_no_client(recorder: CallRecorder, account_id: str | None) -> tuple[str, str]:
    """No client for `account_id`: its role could not be assumed (the SkippedRead of
    sts:AssumeRole for a role in that account), else no role was given for it."""
    marker = f":{account_id}:"
    for s in recorder.skipped:
        if s.api == "sts:AssumeRole" and any(marker in r for r in s.resource_ids):
            return s.error_code, s.api
    return NO_ROLE, "sts:AssumeRole"


def _read_one(recorder: CallRecorder, ec2: Any, remote: RemoteVpc, addresses: list[str]) -> None:
    before = len(recorder.skipped)
    # DescribeVpcs alone: the far VPC's DNS attributes decide nothing about this path.
    items = recorder.items(
        ec2, "describe_vpcs", "ec2:DescribeVpcs", "Vpcs", Filters=ec2r.vpc_filter(remote.vpc_id)
    )
    if items is not None and not items:
        recorder.not_found("ec2:DescribeVpcs", "InvalidVpcID.NotFound", [remote.vpc_id])
    remote.vpc = ec2r.vpc_from_aws(items[0]) if items else None
    if remote.vpc is None:
        skipped = recorder.skipped[before:]
        for s in skipped:
            s.resource_ids = sorted({*s.resource_ids, remote.vpc_id})
        remote.reason = skipped[0].reason if skipped else f"{remote.vpc_id} was not found"
        if skipped:
            remote.error_code, remote.api = skipped[0].error_code, skipped[0].api
        return
    remote.subnets = _subnets_in(recorder, ec2, remote.vpc_id)
    remote.route_tables = ec2r.read_route_tables(recorder, ec2, remote.vpc_id)
    remote.network_acls = ec2r.read_network_acls(recorder, ec2, remote.vpc_id)
    remote.security_groups = _groups_in(recorder, ec2, remote.vpc_id)
    enis: dict[str, NetworkInterface] = {}
    for filters in ec2r.address_filters(addresses):
        for eni in ec2r.read_network_interfaces(recorder, ec2, filters) or []:
            if eni.vpc_id == remote.vpc_id:
                enis.setdefault(eni.network_interface_id, eni)
    remote.network_interfaces = list(enis.values())
    for s in recorder.skipped[before:]:
        s.resource_ids = sorted({*s.resource_ids, remote.vpc_id})
    remote.read = True


def _subnets_in(recorder: CallRecorder, ec2: Any, vpc_id: str) -> list[Subnet]:
    items = recorder.items(
        ec2, "describe_subnets", "ec2:DescribeSubnets", "Subnets", Filters=ec2r.vpc_filter(vpc_id)
    )
    return [ec2r.subnet_from_aws(i) for i in items or []]


def _groups_in(recorder: CallRecorder, ec2: Any, vpc_id: str) -> list[SecurityGroup]:
    items = recorder.items(
        ec2,
        "describe_security_groups",
        "ec2:DescribeSecurityGroups",
        "SecurityGroups",
        Filters=ec2r.vpc_filter(vpc_id),
    )
    return [ec2r.security_group_from_aws(i) for i in items or []]


# ---------------------------------------------------------------------------- sessions


class RemoteClients:
    """Clients for other accounts and regions: the collector's own session for its account,
    an assumed role (one sts:AssumeRole per account) for the others."""

    def __init__(
        self,
        recorder: CallRecorder,
        session: Any,
        *,
        own_account: str | None,
        own_region: str,
        roles: Mapping[str, str],
        make_client: Callable[..., Any],
    ) -> None:
        self._recorder = recorder
        self._session = session
        self._own_account = own_account
        self._own_region = own_region
        self._roles = dict(roles)
        self._make_client = make_client
        self._credentials: dict[str, dict[str, str] | str] = {}

    def __call__(
        self, service: str, account_id: str | None, region: str | None
    ) -> tuple[Any, str | None] | str:
        region = region or self._own_region
        if account_id is None or account_id == self._own_account:
            role = self._roles.get(account_id or "")
            if role is None:
                return self._make_client(self._session, service, region), None
        role = self._roles.get(account_id or "")
        if role is None:
            return (
                f"it is in account {account_id}, and no role was given for that account "
                f"(pass --assume-role arn:aws:iam::{account_id}:role/ROLE_NAME, or map "
                f"{account_id} to a role in the [peers] table of --config)"
            )
        credentials = self._assume(role)
        if isinstance(credentials, str):
            return credentials
        return self._make_client(self._session, service, region, credentials), role

    def _assume(self, role: str) -> dict[str, str] | str:
        if role not in self._credentials:
            sts = self._make_client(self._session, "sts", self._own_region)
            try:
                answer = self._recorder.call_or_raise(
                    sts, "assume_role", "sts:AssumeRole", RoleArn=role, RoleSessionName="vpcprobe"
                )
            except ReadFailedError as failure:
                self._recorder.skip(failure, [role])
                self._credentials[role] = f"{failure.code} on sts:AssumeRole for {role}"
            else:
                c = answer.get("Credentials") or {}
                self._credentials[role] = {
                    "aws_access_key_id": str(c.get("AccessKeyId", "")),
                    "aws_secret_access_key": str(c.get("SecretAccessKey", "")),
                    "aws_session_token": str(c.get("SessionToken", "")),
                }
        return self._credentials[role]
