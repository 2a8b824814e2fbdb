"""Every rule passes and fails somewhere; crashes become errors; unread input is skipped."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from tests.scenarios import builder as b
from tests.scenarios.catalog import DB, SCENARIOS, probe
from vpcprobe_collector.findings.model import Finding, FindingStatus, Severity
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import RuleContext
from vpcprobe_collector.rules.engine import judge
from vpcprobe_collector.rules.registry import ALL_RULES
from vpcprobe_collector.snapshot.model import SkippedRead


def _statuses() -> dict[str, set[FindingStatus]]:
    seen: dict[str, set[FindingStatus]] = {}
    for make in SCENARIOS.values():
        sc = make()
        _, findings = judge(sc.snapshot, sc.reports, sc.targets, probe_failures=sc.failures)
        for f in findings:
            seen.setdefault(f.code, set()).add(f.status)
    return seen


STATUSES = _statuses()


# Rules that only say what could not be checked: never a pass or a fail.
SKIP_ONLY = {"TGT003", "PCX007", "VPN003", "R53006"}


@pytest.mark.parametrize("code", [r.code for r in ALL_RULES if r.code not in SKIP_ONLY])
def test_every_rule_fails_in_some_scenario(code: str) -> None:
    assert FindingStatus.FAIL in STATUSES.get(code, set())


@pytest.mark.parametrize("code", sorted(SKIP_ONLY))
def test_skip_only_rules_skip_in_some_scenario_and_never_pass_or_fail(code: str) -> None:
    assert STATUSES.get(code) == {FindingStatus.SKIPPED}


# Rules about failures that only exist when something went wrong have no "pass" result.
NO_PASS = {"PRB001", "PRB003"} | SKIP_ONLY


@pytest.mark.parametrize("code", [r.code for r in ALL_RULES if r.code not in NO_PASS])
def test_every_rule_passes_in_some_scenario(code: str) -> None:
    assert FindingStatus.PASS in STATUSES.get(code, set())


def test_no_rule_errors_on_any_scenario() -> None:
    assert not [c for c, s in STATUSES.items() if FindingStatus.ERROR in s]


class Crashing(Rule):
    code = "TST001"
    name = "test-crash"
    title = "A rule that crashes"
    severity = Severity.HIGH
    summary = why = how_to_fix = "test"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        yield self.passed("first")
        raise KeyError("subnet-0missing")


def test_a_crashing_rule_becomes_an_error_and_the_others_run() -> None:
    rules = (Crashing, *ALL_RULES)
    _, findings = judge(b.healthy(), probe(), [DB], rules=rules)
    errors = [f for f in findings if f.code == "TST001"]
    assert [f.status for f in errors] == [FindingStatus.ERROR]
    assert "KeyError" in errors[0].message
    assert any(f.code == "SGR001" and f.status is FindingStatus.PASS for f in findings)


@pytest.mark.parametrize(
    ("api", "code"),
    [
        ("ec2:DescribeRouteTables", "RTE001"),
        ("ec2:DescribeRouteTables", "SUB002"),
        ("ec2:DescribeSecurityGroups", "SGR001"),
        ("ec2:DescribeNetworkAcls", "ACL001"),
        ("ec2:DescribeVpcAttribute", "DNS001"),
        ("ec2:DescribeDhcpOptions", "DNS002"),
        ("ec2:DescribeVpcEndpoints", "EPT002"),
        ("iam:SimulatePrincipalPolicy", "IAM001"),
        ("service-quotas:GetServiceQuota", "ENI001"),
    ],
)
def test_unread_input_is_skipped_with_the_reason_never_passed(api: str, code: str) -> None:
    snap = b.healthy()
    snap.skipped.append(SkippedRead(api=api, error_code="AccessDenied", message="denied"))
    if api == "ec2:DescribeRouteTables":
        snap.route_tables = []
    if api == "ec2:DescribeVpcAttribute":
        assert snap.vpc is not None
        snap.vpc.enable_dns_support = None
    if api == "ec2:DescribeDhcpOptions":
        snap.dhcp_options = None
    if api == "iam:SimulatePrincipalPolicy":
        snap.role_permissions = None
    if api == "service-quotas:GetServiceQuota":
        snap.eni_quota = None
    if api == "ec2:DescribeNetworkAcls":
        snap.network_acls = []
    _, findings = judge(snap, probe(db="timeout"), [DB])
    mine = [f for f in findings if f.code == code]
    assert mine, f"{code} said nothing"
    assert all(f.status is not FindingStatus.PASS for f in mine)
    skipped = [f for f in mine if f.status is FindingStatus.SKIPPED]
    assert skipped and f"AccessDenied on {api}" in skipped[0].message


def test_fingerprints_are_stable_and_distinct() -> None:
    sc = SCENARIOS["subnets-differ"]()
    first = judge(sc.snapshot, sc.reports, sc.targets)[1]
    again = judge(sc.snapshot, sc.reports, sc.targets)[1]
    assert [f.fingerprint for f in first] == [f.fingerprint for f in again]
    fails = [f.fingerprint for f in first if f.status is FindingStatus.FAIL]
    assert len(fails) == len(set(fails))


def test_nacl_finding_names_the_rule_and_gives_a_runnable_command() -> None:
    sc = SCENARIOS["nacl-denies-request"]()
    joins, findings = judge(sc.snapshot, sc.reports, sc.targets)
    (acl,) = [f for f in findings if f.code == "ACL001" and f.status is FindingStatus.FAIL]
    assert acl.resources[0].id == "acl-0f1a2b3c4d5e6f708" and acl.resources[0].rule == "rule 90"
    assert acl.remediation is not None
    assert acl.remediation.commands == [
        "aws ec2 create-network-acl-entry --network-acl-id acl-0f1a2b3c4d5e6f708 --rule-number 89 "
        "--egress --protocol 6 --port-range From=5432,To=5432 --cidr-block 10.1.1.20/32 "
        "--rule-action allow"
    ]
    db = next(j for j in joins if j.label == "orders-db")
    assert db.conclusion.startswith("Times out: ") and "rule 90" in db.conclusion
    assert db.observed == {"timeout": 3} and db.finding_codes == ["ACL001"]


@pytest.mark.parametrize(
    ("servers", "says"),
    [
        (["10.1.1.10"], "whether 10.1.1.10 answers can only be seen"),
        (["10.1.1.10", "10.1.1.11"], "whether 10.1.1.10 and 10.1.1.11 answer can only be seen"),
        (
            ["10.1.1.10", "10.1.1.11", "10.1.1.12"],
            "whether 10.1.1.10, 10.1.1.11 and 10.1.1.12 answer can only be seen",
        ),
    ],
)
def test_unprobed_custom_dns_servers_are_named_in_plain_english(
    servers: list[str], says: str
) -> None:
    snap = b.healthy()
    assert snap.dhcp_options is not None
    snap.dhcp_options.domain_name_servers = servers
    _, findings = judge(snap, [], [])
    (dns002,) = [f for f in findings if f.code == "DNS002"]
    assert dns002.status is FindingStatus.SKIPPED
    assert says in dns002.message


@pytest.mark.parametrize("state", ["available", "deleted", "pending"])
def test_only_an_endpoint_that_carries_traffic_makes_an_isolated_subnet_medium(
    state: str,
) -> None:
    """RTE001 is medium for a subnet isolated on purpose (its endpoints); a deleted or pending
    endpoint carries nothing, so it is no such purpose: the missing route stays high. No probe
    here, so only the endpoints decide."""
    from tests.scenarios.catalog import isolated_subnet_gateway_endpoint

    sc = isolated_subnet_gateway_endpoint()
    for endpoint in sc.snapshot.vpc_endpoints:
        endpoint.state = state
    _, findings = judge(sc.snapshot, [], sc.targets)
    (rte001,) = [f for f in findings if f.code == "RTE001" and f.status is FindingStatus.FAIL]
    assert rte001.severity is (Severity.MEDIUM if state == "available" else Severity.HIGH)
