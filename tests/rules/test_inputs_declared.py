"""A rule declares every input it reads (issue 10, invariant 10): each rule runs over every
golden scenario while the snapshot and the probe reports record which of their fields the
rule touches, and every AWS read or probe field behind those fields must be in the rule's
`inputs` (the engine voids a rule's `pass` only for a declared input that was not read).

Who reads a field is the nearest rules/ frame on the stack. A rule's own read must be
declared by name, including what it reads through a RuleContext lookup (`ctx.route_table`,
`ctx.index...`: paths/ code called from rules/context.py reads for the rule). Reads the path
engine makes for an evaluation (`ctx.paths_to`, `ctx.beyond_paths`, `ctx.service`, or a
paths/ function a rule calls) are not traced here: the path engine turns an unread input
into an unknown hop itself. `RuleContext.vpc_id` falls back to the function's VpcConfig, so
what it reads is no input.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar

import pytest

from tests.scenarios.golden import load
from vpcprobe.models import ProbeReport
from vpcprobe_collector import paths as paths_package
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.rules import registry
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import RuleContext
from vpcprobe_collector.rules.engine import PATH_READS
from vpcprobe_collector.rules.join import build_facts
from vpcprobe_collector.rules.registry import ALL_RULES
from vpcprobe_collector.snapshot.model import BeyondVpc, Vpc, VpcSnapshot

SCENARIOS = Path(__file__).parent.parent / "scenarios"
GOLDENS = sorted(p for p in SCENARIOS.iterdir() if (p / "snapshot.json").is_file())
RULES_DIR = str(Path(registry.__file__).parent)
PATHS_DIR = str(Path(paths_package.__file__).parent)

TGW = (
    "ec2:DescribeTransitGateways",
    "ec2:DescribeTransitGatewayAttachments",
    "ec2:DescribeTransitGatewayVpcAttachments",
    "ec2:DescribeTransitGatewayRouteTables",
    "ec2:SearchTransitGatewayRoutes",
    "ec2:GetTransitGatewayRouteTableAssociations",
    "ec2:GetTransitGatewayRouteTablePropagations",
)
# Each traced field and the reads that give it (declaring any one of them covers it).
SNAPSHOT_FIELDS: dict[str, tuple[str, ...]] = {
    "vpc": ("ec2:DescribeVpcs",),
    "dhcp_options": ("ec2:DescribeDhcpOptions",),
    "subnets": ("ec2:DescribeSubnets",),
    "route_tables": ("ec2:DescribeRouteTables",),
    "network_acls": ("ec2:DescribeNetworkAcls",),
    "security_groups": ("ec2:DescribeSecurityGroups",),
    "nat_gateways": ("ec2:DescribeNatGateways",),
    "internet_gateways": ("ec2:DescribeInternetGateways",),
    "egress_only_internet_gateways": ("ec2:DescribeEgressOnlyInternetGateways",),
    "vpc_endpoints": ("ec2:DescribeVpcEndpoints",),
    "prefix_lists": ("ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries"),
    "network_interfaces": ("ec2:DescribeNetworkInterfaces",),
    "lambda_enis": ("ec2:DescribeNetworkInterfaces",),
    "role_permissions": ("iam:SimulatePrincipalPolicy",),
    "eni_quota": ("service-quotas:GetServiceQuota",),
}
VPC_FIELDS: dict[str, tuple[str, ...]] = {
    "enable_dns_support": ("ec2:DescribeVpcAttribute",),
    "enable_dns_hostnames": ("ec2:DescribeVpcAttribute",),
}
BEYOND_FIELDS: dict[str, tuple[str, ...]] = {
    "peering_connections": ("ec2:DescribeVpcPeeringConnections",),
    "transit_gateways": TGW,
    "transit_gateway_attachments": TGW,
    "transit_gateway_route_tables": TGW,
    "vpn_connections": ("ec2:DescribeVpnConnections",),
    "vpn_gateways": ("ec2:DescribeVpnGateways",),
    "resolver_rules": (
        "route53resolver:ListResolverRuleAssociations",
        "route53resolver:ListResolverRules",
    ),
    "resolver_endpoints": ("route53resolver:GetResolverEndpoint",),
    "hosted_zones": ("route53:ListHostedZonesByVPC", "route53:ListHostedZones"),
    "firewall_associations": ("route53resolver:ListFirewallRuleGroupAssociations",),
    # The far side is read only behind a peering or a TGW attachment found; what of it could
    # not be read is typed inside each RemoteVpc (its own error_code and api).
    "remote_vpcs": ("ec2:DescribeVpcPeeringConnections", *TGW),
    "attached_vpc_cidrs": ("ec2:DescribeVpcs", *TGW),
    "direct_connect_gateways": ("directconnect:DescribeDirectConnectGateways",),
    "dns_read": (
        "route53resolver:ListResolverRuleAssociations",
        "route53resolver:ListResolverRules",
        "route53:ListHostedZonesByVPC",
        "route53:ListHostedZones",
        "route53resolver:ListFirewallRuleGroupAssociations",
    ),
}
# The path engine's index, when a rule reads it itself (`ctx.index.subnets`,
# `ctx.route_table(...)` -> `index.route_table_for`): its lookups and the reads behind them.
INDEX_FIELDS: dict[str, tuple[str, ...]] = {
    "vpc": ("ec2:DescribeVpcs",),
    "subnets": ("ec2:DescribeSubnets",),
    "subnet_containing": ("ec2:DescribeSubnets",),
    "subnet_networks": ("ec2:DescribeSubnets",),
    "security_groups": ("ec2:DescribeSecurityGroups",),
    "prefix_lists": ("ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries"),
    "prefix_index": ("ec2:DescribeRouteTables",),
    "nat_gateways": ("ec2:DescribeNatGateways",),
    "internet_gateways": ("ec2:DescribeInternetGateways",),
    "egress_only_gateways": ("ec2:DescribeEgressOnlyInternetGateways",),
    "endpoints": ("ec2:DescribeVpcEndpoints",),
    "route_table_for": ("ec2:DescribeRouteTables",),
    "routes": ("ec2:DescribeRouteTables",),
    "network_acl_for": ("ec2:DescribeNetworkAcls",),
    "nacl_direction": ("ec2:DescribeNetworkAcls",),
    "nacl_entries": ("ec2:DescribeNetworkAcls",),
    "interface_with_address": ("ec2:DescribeNetworkInterfaces",),
    "eni_by_address": ("ec2:DescribeNetworkInterfaces",),
    "enis": ("ec2:DescribeNetworkInterfaces",),
}
PROBE_FIELDS = ("dns", "tcp", "aws", "resolv_conf", "environment", "errors", "deadline")
TRACED: dict[type, dict[str, tuple[str, ...]]] = {
    VpcSnapshot: SNAPSHOT_FIELDS,
    Vpc: VPC_FIELDS,
    BeyondVpc: BEYOND_FIELDS,
    SnapshotIndex: INDEX_FIELDS,
    ProbeReport: {f: (f"probe.{f}",) for f in PROBE_FIELDS},
}


class Recorder:
    """The reads one rule made itself: (the reads that give the field, the field)."""

    def __init__(self) -> None:
        self.active = False
        self.reads: set[tuple[tuple[str, ...], str]] = set()

    def note(self, model: type, name: str) -> None:
        apis = TRACED[model].get(name)
        if not self.active or apis is None:
            return
        if _reader(sys._getframe(2)) == "rule":
            self.reads.add((apis, f"{model.__name__}.{name}"))


CONTEXT_FILE = str(Path(RULES_DIR) / "context.py")
THIS_FILE = __file__  # the rules the tests below define are rules too
# RuleContext methods that hand a question to the path engine (which turns an unread input
# into an unknown hop itself) or build its index: what runs under them is the engine's read.
PATH_METHODS = {"paths_to", "beyond_paths", "service", "index", "all_paths"}


def _reader(frame: FrameType | None) -> str | None:
    """ "rule" or "path" for who made a read; None for no input.

    The nearest frame in rules/ decides, with paths/ frames on the way noted: paths/ code a
    RuleContext lookup calls (`ctx.route_table` -> `index.route_table_for`) reads for the
    rule; under a path evaluation (`ctx.paths_to`), or called from a rule module directly,
    it is the path engine's read.
    """
    in_paths = False
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(PATHS_DIR):
            in_paths = True
        elif filename.startswith(RULES_DIR) or filename == THIS_FILE:
            name = frame.f_code.co_name
            if filename == CONTEXT_FILE:
                if name in PATH_METHODS:
                    return "path"
                return None if name == "vpc_id" else "rule"
            if in_paths:
                return "path"
            return None if name == "vpc_id" else "rule"
        frame = frame.f_back
    return None


RECORDER = Recorder()

# Reads that only shape a `fail` (its wording, severity or the IDs in its fix), never a
# `pass`: declaring them would void a good pass when, say, a remediation ID is unread.
# Each was re-checked: an exempt read must never change a verdict or a severity, or make a
# fix harmful. Reads that did (DNS001's DHCP options: the claim and the severity; RTE002's
# NAT gateways: an in-place edit of a NAT subnet's table) are declared as `fallbacks` with
# the honest unread behaviour instead (tests/rules/test_fallback_reads.py).
PRESENTATION_ONLY: dict[str, set[str]] = {
    "DNS001": {"ProbeReport.dns"},  # failed lookups quoted as evidence only
    "DNS004": {"VpcSnapshot.dhcp_options"},  # the dopt-… among the resources
    "NAT001": {"VpcSnapshot.internet_gateways"},  # the igw-… (placeholder when unread)
    "V6001": {"VpcSnapshot.egress_only_internet_gateways"},  # the eigw-… in the fix
    "PRB003": {"ProbeReport.environment"},  # the request ID that names a failed report
}


@pytest.fixture(scope="module")
def traced() -> Iterator[Recorder]:
    originals = {model: model.__getattribute__ for model in TRACED}

    def tracer(model: type) -> Any:
        original = originals[model]

        def __getattribute__(self: object, name: str) -> object:
            RECORDER.note(model, name)
            return original(self, name)

        return __getattribute__

    with pytest.MonkeyPatch.context() as patch:
        for model in TRACED:
            patch.setattr(model, "__getattribute__", tracer(model))
        yield RECORDER


@contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    recorder.reads = set()
    recorder.active = True
    try:
        yield
    finally:
        recorder.active = False


def undeclared(rule: type[Rule], reads: set[tuple[tuple[str, ...], str]]) -> set[str]:
    """The fields a rule read whose reads it does not declare."""
    declared = set(rule.inputs) | {name for name, _ in rule.fallbacks}
    if "path" in declared:
        declared |= set(PATH_READS)
    exempt = PRESENTATION_ONLY.get(rule.code, set())
    missing: set[str] = set()
    for apis, field in reads:
        if declared & set(apis) or field in exempt:
            continue
        missing.add(f"{field} ({' or '.join(apis)})")
    return missing


def trace_rules(folder: Path, recorder: Recorder) -> dict[str, set[str]]:
    """code -> undeclared reads, for every rule judged over one golden scenario."""
    loaded = load(folder)
    ctx = RuleContext(
        snapshot=loaded.snapshot,
        reports=list(loaded.reports),
        targets=list(loaded.targets),
        probe_failures=list(loaded.failures),
    )
    ctx.facts = build_facts(ctx)
    found: dict[str, set[str]] = {}
    for rule in ALL_RULES:
        with recording(recorder):
            list(rule().check(ctx))
        if missing := undeclared(rule, recorder.reads):
            found[rule.code] = missing
    return found


def test_the_tracer_sees_a_rule_read(traced: Recorder) -> None:
    """Without its declaration a rule that reads subnets is caught (the check can fail)."""

    class ReadsSubnets(Rule):
        code = "ZZZ999"
        inputs: ClassVar[tuple[str, ...]] = ("probe.tcp",)

        def check(self, ctx: RuleContext) -> Iterator[Any]:
            _ = [s.available_ip_address_count for s in ctx.function_subnets()]
            _ = [r.tcp for r in ctx.reports]
            yield from ()

    folder = next(p for p in GOLDENS if p.name == "healthy")
    loaded = load(folder)
    ctx = RuleContext(snapshot=loaded.snapshot, reports=list(loaded.reports))
    with recording(traced):
        list(ReadsSubnets().check(ctx))
    assert undeclared(ReadsSubnets, traced.reads) == {"VpcSnapshot.subnets (ec2:DescribeSubnets)"}

    class DeclaresSubnets(ReadsSubnets):
        inputs = ("probe.tcp", "ec2:DescribeSubnets")

    assert undeclared(DeclaresSubnets, traced.reads) == set()


def test_the_tracer_sees_reads_through_rule_context_helpers(traced: Recorder) -> None:
    """A read a rule makes through a RuleContext lookup (`ctx.route_table`, `ctx.index`) or
    a beyond-the-VPC field is the rule's; a path evaluation's reads stay the engine's."""

    class ReadsThroughHelpers(Rule):
        code = "ZZZ998"
        inputs: ClassVar[tuple[str, ...]] = ("probe.tcp",)

        def check(self, ctx: RuleContext) -> Iterator[Any]:
            _ = [ctx.route_table(s) for s in ctx.function_subnet_ids]
            _ = [ctx.index.security_groups.get(g) for g in ctx.function_sg_ids]
            _ = ctx.snapshot.beyond.direct_connect_gateways
            _ = ctx.paths_to("10.1.1.20", 5432)
            yield from ()

    folder = next(p for p in GOLDENS if p.name == "healthy")
    loaded = load(folder)
    ctx = RuleContext(snapshot=loaded.snapshot, reports=list(loaded.reports))
    with recording(traced):
        list(ReadsThroughHelpers().check(ctx))
    assert undeclared(ReadsThroughHelpers, traced.reads) == {
        "SnapshotIndex.route_table_for (ec2:DescribeRouteTables)",
        "SnapshotIndex.security_groups (ec2:DescribeSecurityGroups)",
        "BeyondVpc.direct_connect_gateways (directconnect:DescribeDirectConnectGateways)",
    }


@pytest.mark.parametrize("folder", GOLDENS, ids=[p.name for p in GOLDENS])
def test_every_read_a_rule_makes_is_declared(folder: Path, traced: Recorder) -> None:
    assert trace_rules(folder, traced) == {}
