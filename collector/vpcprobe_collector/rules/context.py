"""RuleContext: what every rule reads — the snapshot, probe reports, targets and their joins."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from vpcprobe.models import DnsResult, ProbeReport, TcpResult, is_ip
from vpcprobe_collector.aws_errors import is_not_found
from vpcprobe_collector.findings.model import ProbeFailure, TargetJoin, TargetSpec
from vpcprobe_collector.paths.beyond.follow import follow_function_paths
from vpcprobe_collector.paths.beyond.model import BeyondPath
from vpcprobe_collector.paths.endpoints import service_access
from vpcprobe_collector.paths.evaluate import evaluate_function_paths
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import PathResult, ServiceAccess
from vpcprobe_collector.snapshot.model import (
    RouteTable,
    SecurityGroup,
    Subnet,
    VpcSnapshot,
)

__all__ = ["is_ip"]  # re-exported for the rules: vpcprobe.models.is_ip

Protocol = Literal["tcp", "udp"]
PathFunction = Callable[..., list[PathResult]]

# What each kind of fact is read with; a rule names these to find its skipped reads.
EC2_SUBNETS = "ec2:DescribeSubnets"
EC2_ROUTES = "ec2:DescribeRouteTables"
EC2_NACLS = "ec2:DescribeNetworkAcls"
EC2_SGS = "ec2:DescribeSecurityGroups"
EC2_NATS = "ec2:DescribeNatGateways"
EC2_ENDPOINTS = "ec2:DescribeVpcEndpoints"
EC2_DHCP = "ec2:DescribeDhcpOptions"
EC2_VPCS = "ec2:DescribeVpcs"
EC2_VPC_ATTR = "ec2:DescribeVpcAttribute"
EC2_ENIS = "ec2:DescribeNetworkInterfaces"
IAM_SIMULATE = "iam:SimulatePrincipalPolicy"
QUOTAS = "service-quotas:GetServiceQuota"


@dataclass
class TargetFacts:
    """One target: the user's spec, the probe's observations, the static paths."""

    spec: TargetSpec
    addresses: list[str]
    tcp: list[TcpResult]  # every probe TCP result for this host and port
    dns: list[DnsResult]  # every probe DNS result for this host
    paths: dict[str, list[PathResult]]  # address -> one result per function subnet
    join: TargetJoin

    @property
    def label(self) -> str:
        return self.spec.display

    @property
    def probed(self) -> bool:
        return bool(self.tcp)

    def statuses(self, address: str | None = None) -> list[str]:
        """Observed TCP statuses (skipped steps left out), optionally for one address."""
        return [
            r.status.value
            for r in self.tcp
            if r.status.value != "skipped" and (address is None or r.address == address)
        ]

    def all_paths(self) -> list[PathResult]:
        return [p for results in self.paths.values() for p in results]


@dataclass
class RuleContext:
    """The facts one diagnosis is judged on, with small lookups the rules share."""

    snapshot: VpcSnapshot
    reports: Sequence[ProbeReport] = ()
    targets: Sequence[TargetSpec] = ()
    probe_failures: Sequence[ProbeFailure] = ()
    facts: list[TargetFacts] = field(default_factory=list)
    # The path evaluator; replaceable so a test can judge with a stand-in.
    path_function: PathFunction = evaluate_function_paths
    _path_cache: dict[tuple[str, int, str], list[PathResult]] = field(default_factory=dict)
    _service_cache: dict[str, ServiceAccess] = field(default_factory=dict)
    _beyond_cache: dict[tuple[str, int, str], list[BeyondPath]] = field(default_factory=dict)
    _index: SnapshotIndex | None = None

    @property
    def index(self) -> SnapshotIndex:
        """The snapshot indexed once for every path evaluation of this diagnosis."""
        if self._index is None:
            self._index = SnapshotIndex(self.snapshot)
        return self._index

    # ------------------------------------------------------------------ function

    @property
    def function_name(self) -> str:
        fn = self.snapshot.function
        return fn.name if fn else "FUNCTION"

    @property
    def function_subnet_ids(self) -> list[str]:
        fn = self.snapshot.function
        return list(fn.vpc_config.subnet_ids) if fn and fn.vpc_config else []

    @property
    def function_sg_ids(self) -> list[str]:
        fn = self.snapshot.function
        return list(fn.vpc_config.security_group_ids) if fn and fn.vpc_config else []

    @property
    def in_vpc(self) -> bool:
        return bool(self.function_subnet_ids)

    @property
    def vpc_id(self) -> str | None:
        if self.snapshot.vpc:
            return self.snapshot.vpc.vpc_id
        fn = self.snapshot.function
        return fn.vpc_config.vpc_id if fn and fn.vpc_config else None

    def function_subnets(self) -> list[Subnet]:
        return [s for sid in self.function_subnet_ids if (s := self.snapshot.subnet(sid))]

    def function_groups(self) -> list[SecurityGroup]:
        return [g for gid in self.function_sg_ids if (g := self.snapshot.security_group(gid))]

    def route_table(self, subnet_id: str) -> RouteTable | None:
        return self.index.route_table_for(subnet_id)

    # ------------------------------------------------------------------ reads

    def skipped_reason(self, *apis: str) -> str | None:
        """ "AccessDenied on ec2:DescribeNetworkAcls" when one of `apis` could not be read.

        A "not found" answer is a fact (the resource does not exist), not a failed read.
        """
        for api in apis:
            for read in self.snapshot.skipped:
                if read.api == api and not is_not_found(read.error_code):
                    return read.reason
        return None

    def not_found(self, api: str) -> set[str]:
        """IDs that `api` answered do not exist (InvalidSubnetID.NotFound, ...)."""
        return {
            rid
            for read in self.snapshot.skipped
            if read.api == api and is_not_found(read.error_code)
            for rid in read.resource_ids
        }

    # ------------------------------------------------------------------ paths

    def paths_to(self, address: str, port: int, protocol: Protocol = "tcp") -> list[PathResult]:
        """Static verdicts from every function subnet to address:port (cached)."""
        key = (address, port, protocol)
        if key not in self._path_cache:
            self._path_cache[key] = self.path_function(
                self.snapshot, address, port, protocol, index=self.index
            )
        return self._path_cache[key]

    def beyond_paths(self, address: str, port: int, protocol: Protocol = "tcp") -> list[BeyondPath]:
        """The hops beyond the VPC (peering, TGW, VPN) per function subnet whose route to
        address:port leaves the VPC that way (cached); [] for anything else."""
        key = (address, port, protocol)
        if key not in self._beyond_cache:
            try:
                found = follow_function_paths(
                    self.snapshot, address, port, protocol, index=self.index
                )
            except ValueError:  # not an IP address
                found = []
            self._beyond_cache[key] = found
        return self._beyond_cache[key]

    def service(self, service: str) -> ServiceAccess:
        """How each function subnet reaches an AWS service ("logs"), per the configuration."""
        if service not in self._service_cache:
            self._service_cache[service] = service_access(self.snapshot, service, index=self.index)
        return self._service_cache[service]

    # ------------------------------------------------------------------ probe

    @property
    def probed(self) -> bool:
        return bool(self.reports)

    def dns_results(self) -> list[DnsResult]:
        return [r for report in self.reports for r in report.dns]


def is_public(address: str) -> bool:
    """True for an address routed on the internet (not private, link-local, loopback, ...)."""
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


INTERNAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def is_internal(address: str) -> bool:
    """True for the ranges private networks use (RFC 1918, CGNAT, IPv6 ULA)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in INTERNAL_NETWORKS)


def is_ipv6(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).version == 6
    except ValueError:
        return False
