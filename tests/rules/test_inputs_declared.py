"""A rule declares every input it reads (issue 10, invariant 10): each rule runs over every
golden scenario while the snapshot and the probe reports record which of their fields the
rule touches, and every AWS read or probe field behind those fields must be in the rule's
`inputs` (the engine voids a rule's `pass` only for a declared input that was not read).

Who reads a field is the nearest rules/ or paths/ frame on the stack. A rule's own read
must be declared by name. Reads the path engine makes (paths/, including the evaluations a
rule asks for) are not traced here: the path engine turns an unread input into an unknown
hop itself. `RuleContext.vpc_id` falls back to the function's VpcConfig, so what it reads
is no input.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from tests.scenarios.golden import load
from vpcprobe.models import ProbeReport
from vpcprobe_collector import paths as paths_package
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
}
PROBE_FIELDS = ("dns", "tcp", "aws", "resolv_conf", "environment", "errors", "deadline")
TRACED: dict[type[BaseModel], dict[str, tuple[str, ...]]] = {
    VpcSnapshot: SNAPSHOT_FIELDS,
    Vpc: VPC_FIELDS,
    BeyondVpc: BEYOND_FIELDS,
    ProbeReport: {f: (f"probe.{f}",) for f in PROBE_FIELDS},
}


class Recorder:
    """The reads one rule made itself: (the reads that give the field, the field)."""

    def __init__(self) -> None:
        self.active = False
        self.reads: set[tuple[tuple[str, ...], str]] = set()

    def note(self, model: type[BaseModel], name: str) -> None:
        apis = TRACED[model].get(name)
        if not self.active or apis is None:
            return
        if _reader(sys._getframe(2)) == "rule":
            self.reads.add((apis, f"{model.__name__}.{name}"))


def _reader(frame: FrameType | None) -> str | None:
    """ "rule" or "path" for the nearest frame in rules/ or paths/; None for no input."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(PATHS_DIR):
            return "path"
        if filename.startswith(RULES_DIR):
            return None if frame.f_code.co_name == "vpc_id" else "rule"
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

    def tracer(model: type[BaseModel]) -> Any:
        original = originals[model]

        def __getattribute__(self: BaseModel, name: str) -> object:
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


@pytest.mark.parametrize("folder", GOLDENS, ids=[p.name for p in GOLDENS])
def test_every_read_a_rule_makes_is_declared(folder: Path, traced: Recorder) -> None:
    assert trace_rules(folder, traced) == {}
