"""A rule passes only on what it read (issue 10, invariant 10).

Each read a real snapshot makes (taken from a moto run's `api_calls`, not written here) is
denied in turn over every golden scenario: the read is recorded as skipped and the data it
would have given is gone, as after a real denial. Then:
- no rule that declares the read (without a documented fallback) reports `pass`;
- every failure the golden found for a rule that depends on the read is still `fail`, or
  `skipped`, or the run names it as not judged;
- the run never exits 0 unless the read has a documented fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from tests.scenarios.golden import load
from tests.support import aws_scenarios, beyond_scenarios
from tests.support.moto_server import REGION, MotoServer
from vpcprobe_collector.errors import ExitCode
from vpcprobe_collector.findings.model import (
    DiagnosisReport,
    Finding,
    FindingStatus,
    Severity,
    TargetJoin,
)
from vpcprobe_collector.findings.outcome import diagnosis_exit_code, unjudged_of
from vpcprobe_collector.rules.engine import PATH_READS, fallback_inputs, judge
from vpcprobe_collector.rules.registry import ALL_RULES
from vpcprobe_collector.snapshot.build import take_snapshot
from vpcprobe_collector.snapshot.model import (
    EniQuota,
    PermissionDecision,
    SkippedRead,
    VpcSnapshot,
)
from vpcprobe_collector.snapshot.readers.quotas_reader import ENI_PER_VPC_DEFAULT

SCENARIOS = Path(__file__).parent.parent / "scenarios"
GOLDENS = sorted(p for p in SCENARIOS.iterdir() if (p / "snapshot.json").is_file())
LOCAL_POLICY_READS = (
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRolePolicy",
)


def _no_vpc(s: VpcSnapshot) -> None:
    s.vpc = None
    s.dhcp_options = None


def _no_attributes(s: VpcSnapshot) -> None:
    if s.vpc is not None:
        s.vpc.enable_dns_support = s.vpc.enable_dns_hostnames = None


def _no_enis(s: VpcSnapshot) -> None:
    s.network_interfaces = []
    s.lambda_enis = []
    if s.eni_quota is not None:
        s.eni_quota.in_use = None


def _default_quota(s: VpcSnapshot) -> None:
    in_use = s.eni_quota.in_use if s.eni_quota else None
    s.eni_quota = EniQuota(value=ENI_PER_VPC_DEFAULT, source="default", in_use=in_use)


def _simulation_denied(s: VpcSnapshot) -> None:
    # The fallback (the role's own policies, evaluated locally) gives the same answer here.
    if s.role_permissions is not None:
        s.role_permissions.method = "local"


def _policies_unreadable(s: VpcSnapshot) -> None:
    if s.role_permissions is not None:
        s.role_permissions.method = "unavailable"
        s.role_permissions.decisions = dict.fromkeys(
            s.role_permissions.decisions, PermissionDecision.UNKNOWN
        )


def _clear(field: str) -> Callable[[VpcSnapshot], None]:
    def clear(s: VpcSnapshot) -> None:
        setattr(s, field, [])

    return clear


def _beyond(*fields: str) -> Callable[[VpcSnapshot], None]:
    def clear(s: VpcSnapshot) -> None:
        for field in fields:
            setattr(s.beyond, field, [])

    return clear


def _tgw_route_tables(**unread: str) -> Callable[[VpcSnapshot], None]:
    """A TGW route table read whose associations, propagations or routes were denied."""

    def clear(s: VpcSnapshot) -> None:
        for table in s.beyond.transit_gateway_route_tables:
            for flag, field in unread.items():
                setattr(table, flag, False)
                setattr(table, field, [])

    return clear


# What a denial of each read leaves in the snapshot (build.py's readers on a failed call).
DENIALS: dict[str, Callable[[VpcSnapshot], None]] = {
    "ec2:DescribeSubnets": _clear("subnets"),
    "ec2:DescribeVpcs": _no_vpc,
    "ec2:DescribeVpcAttribute": _no_attributes,
    "ec2:DescribeDhcpOptions": lambda s: setattr(s, "dhcp_options", None),
    "ec2:DescribeRouteTables": _clear("route_tables"),
    "ec2:DescribeNetworkAcls": _clear("network_acls"),
    "ec2:DescribeNatGateways": _clear("nat_gateways"),
    "ec2:DescribeInternetGateways": _clear("internet_gateways"),
    "ec2:DescribeEgressOnlyInternetGateways": _clear("egress_only_internet_gateways"),
    "ec2:DescribeVpcEndpoints": _clear("vpc_endpoints"),
    "ec2:DescribeNetworkInterfaces": _no_enis,
    "ec2:DescribeSecurityGroups": _clear("security_groups"),
    "ec2:DescribeManagedPrefixLists": _clear("prefix_lists"),
    "ec2:GetManagedPrefixListEntries": _clear("prefix_lists"),
    "iam:SimulatePrincipalPolicy": _simulation_denied,
    **dict.fromkeys(LOCAL_POLICY_READS, _policies_unreadable),
    "service-quotas:GetServiceQuota": _default_quota,
    # Beyond the VPC (build.py follows a peering or a TGW only once it is read).
    "ec2:DescribeVpcPeeringConnections": _beyond("peering_connections", "remote_vpcs"),
    "ec2:DescribeTransitGateways": _beyond("transit_gateways"),
    "ec2:DescribeTransitGatewayAttachments": _beyond("transit_gateway_attachments"),
    "ec2:DescribeTransitGatewayVpcAttachments": _beyond("transit_gateway_attachments"),
    "ec2:DescribeTransitGatewayRouteTables": _beyond("transit_gateway_route_tables"),
    "ec2:GetTransitGatewayRouteTableAssociations": _tgw_route_tables(
        associations_read="associated_attachment_ids"
    ),
    "ec2:GetTransitGatewayRouteTablePropagations": _tgw_route_tables(
        propagations_read="propagated_attachment_ids"
    ),
    "ec2:SearchTransitGatewayRoutes": _tgw_route_tables(routes_read="routes"),
}
BEYOND_READS = {api for api in DENIALS if "Peering" in api or "TransitGateway" in api}


def _goes_beyond(snapshot: VpcSnapshot) -> bool:
    beyond = snapshot.beyond
    return bool(beyond.peering_connections or beyond.transit_gateways or beyond.remote_vpcs)


# Without the function nothing is judged: take_snapshot stops with exit 3 (tested elsewhere).
STOPS_THE_RUN = {"lambda:GetFunction"}


@pytest.fixture(scope="module")
def snapshot_reads(moto_server: MotoServer) -> Iterator[list[str]]:
    """Every API a snapshot of a dual-stack, custom-DNS VPC calls against moto."""
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        patch.setenv("AWS_ENDPOINT_URL", moto_server.url)
        s = aws_scenarios.build_healthy(
            moto_server.session(), aws_scenarios.Layout(ipv6=True, custom_dns=True)
        )
        snapshot = take_snapshot(
            boto3.Session(region_name=REGION), s.function_name, target_addresses=s.target_addresses
        )
        calls = [call.api for call in snapshot.api_calls]
        # And the reads beyond the VPC: a peering and a transit gateway scenario.
        for build in (beyond_scenarios.build_peering_healthy, beyond_scenarios.build_tgw_healthy):
            moto_server.reset()
            session = moto_server.session()
            scenario = build(session)
            beyond_scenarios.moto_fixes(session, scenario)
            beyond = take_snapshot(
                session, scenario.function_name, target_addresses=scenario.target_addresses
            )
            calls += [call.api for call in beyond.api_calls]
    yield list(dict.fromkeys(calls))


def test_every_read_the_snapshot_makes_has_a_denial(snapshot_reads: list[str]) -> None:
    assert len(snapshot_reads) >= 15
    assert [a for a in snapshot_reads if a not in DENIALS and a not in STOPS_THE_RUN] == []
    assert "ec2:DescribeVpcPeeringConnections" in snapshot_reads
    assert "ec2:SearchTransitGatewayRoutes" in snapshot_reads


def deny(snapshot: VpcSnapshot, api: str) -> VpcSnapshot | None:
    """`snapshot` as a run with `api` denied would have read it; None when that run would
    never have made the call (the local policy reads follow only a failed simulation)."""
    if api in LOCAL_POLICY_READS and (
        snapshot.role_permissions is None or snapshot.role_permissions.method != "local"
    ):
        return None
    denied = snapshot.model_copy(deep=True)
    DENIALS[api](denied)
    denied.skipped.append(
        SkippedRead(api=api, error_code="UnauthorizedOperation", message="denied by the test")
    )
    return denied


def _depends_on(code: str, api: str) -> bool:
    """Whether the rule declares `api` as an input it needs (no documented fallback)."""
    rule = next(r for r in ALL_RULES if r.code == code)
    if api in {name for name, _ in rule.fallbacks}:
        return False
    return api in rule.inputs or ("path" in rule.inputs and api in PATH_READS)


def _key(f: Finding) -> tuple[str, str]:
    return (f.code, f.target or "")


def _exit(snapshot: VpcSnapshot, findings: list[Finding], joins: list[TargetJoin]) -> ExitCode:
    report = DiagnosisReport(
        vpcprobe_version="test",
        generated_at=snapshot.taken_at,
        function_name="f",
        probe_source="files",
        snapshot=snapshot,
        joins=joins,
        findings=findings,
        unjudged=unjudged_of(snapshot, joins, findings, optional_reads=fallback_inputs()),
    )
    return diagnosis_exit_code(report, Severity.HIGH)


@pytest.mark.parametrize("folder", GOLDENS, ids=[p.name for p in GOLDENS])
def test_no_rule_passes_on_a_denied_read(folder: Path, snapshot_reads: list[str]) -> None:
    loaded = load(folder)
    _, baseline = judge(
        loaded.snapshot, loaded.reports, loaded.targets, probe_failures=loaded.failures
    )
    faults = [f for f in baseline if f.status is FindingStatus.FAIL]
    optional = fallback_inputs()
    problems: list[str] = []
    for api in snapshot_reads:
        if api in STOPS_THE_RUN:
            continue
        if api in BEYOND_READS and not _goes_beyond(loaded.snapshot):
            continue  # nothing there to deny: the same judgement as the baseline
        denied = deny(loaded.snapshot, api)
        if denied is None:
            continue
        joins, findings = judge(
            denied, loaded.reports, loaded.targets, probe_failures=loaded.failures
        )
        passed = [
            f.code for f in findings if f.status is FindingStatus.PASS and _depends_on(f.code, api)
        ]
        if passed:
            problems.append(f"{api} denied: {sorted(set(passed))} still pass")
        kept = {
            _key(f) for f in findings if f.status in (FindingStatus.FAIL, FindingStatus.SKIPPED)
        }
        lost = [f.code for f in faults if _depends_on(f.code, api) and _key(f) not in kept]
        code = _exit(denied, findings, joins)
        if lost and code is ExitCode.OK:
            problems.append(f"{api} denied: {lost} disappeared and the run is complete")
        if api not in optional and code is ExitCode.OK:
            problems.append(f"{api} denied: exit 0")
    assert problems == []
