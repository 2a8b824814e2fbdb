"""A read a rule treats as a fallback (it only shapes a failure) never changes the verdict,
raises the severity, claims what depends on it, or makes the fix harmful (issue 10).

Each test denies the read over a golden scenario as `test_inputs_enforced.deny` does (the
data is gone, the read is recorded as skipped) and compares with the run that read it.
"""

from __future__ import annotations

from pathlib import Path

from tests.rules.test_inputs_enforced import deny
from tests.scenarios.golden import load
from vpcprobe_collector.findings.model import Finding, FindingStatus, Severity
from vpcprobe_collector.rules.engine import fallback_inputs, judge
from vpcprobe_collector.snapshot.model import VpcSnapshot

SCENARIOS = Path(__file__).parent.parent / "scenarios"
PUBLIC = "subnet-0pub00000000000a1"


def _findings(folder: str, snapshot: VpcSnapshot | None = None) -> list[Finding]:
    loaded = load(SCENARIOS / folder)
    _, findings = judge(
        snapshot or loaded.snapshot,
        loaded.reports,
        loaded.targets,
        probe_failures=loaded.failures,
    )
    return findings


def _one(findings: list[Finding], code: str) -> Finding:
    (found,) = [f for f in findings if f.code == code and f.status is FindingStatus.FAIL]
    return found


def test_dns_support_off_with_dhcp_options_denied_claims_only_what_holds() -> None:
    """DNS001: with the DHCP options unread the fault is still reported (DNS support off is
    real), but not "every lookup fails" at critical: that depends on the servers in use.
    It says what holds for any server, at the severity of the custom-server case, and
    names the read that failed."""
    snapshot = load(SCENARIOS / "vpc-dns-support-off").snapshot
    custom = snapshot.model_copy(deep=True)
    assert custom.dhcp_options is not None
    custom.dhcp_options.domain_name_servers = ["10.0.0.53"]
    denied = deny(snapshot, "ec2:DescribeDhcpOptions")
    assert denied is not None

    amazon = _one(_findings("vpc-dns-support-off"), "DNS001")
    with_custom = _one(_findings("vpc-dns-support-off", custom), "DNS001")
    unread = _one(_findings("vpc-dns-support-off", denied), "DNS001")

    assert amazon.severity is Severity.CRITICAL
    # (the probe's failed lookups may raise the custom case above medium: the same for both)
    assert unread.severity is with_custom.severity
    assert with_custom.severity is not Severity.CRITICAL
    assert not unread.message.endswith("every DNS lookup from the function fails.")
    assert "if the VPC uses the Amazon resolver every DNS lookup" in unread.message
    assert "DHCP options could not be read: UnauthorizedOperation on ec2:DescribeDhcpOptions" in (
        unread.message
    )
    # Still a required read elsewhere (DNS002-DNS005, the path engine): no ✓ from the fallback.
    assert "ec2:DescribeDhcpOptions" not in fallback_inputs()


def test_public_subnet_fix_with_nat_gateways_denied_never_edits_the_table_in_place() -> None:
    """RTE002: the function's public subnet holds the VPC's NAT gateway. With the NAT
    gateways read, the fix is a new route table for the function subnet; with them denied
    the rule cannot know, so it must give that same safe fix, never `replace-route` on the
    table every private subnet's NAT traffic leaves through."""
    folder = "function-in-public-subnet"
    snapshot = load(SCENARIOS / folder).snapshot
    # The function moved into the public subnet that holds the NAT gateway (own table).
    assert snapshot.function.vpc_config is not None
    snapshot.function.vpc_config.subnet_ids = [PUBLIC]
    assert [n.subnet_id for n in snapshot.nat_gateways] == [PUBLIC]
    denied = deny(snapshot, "ec2:DescribeNatGateways")
    assert denied is not None

    read = _one(_findings(folder, snapshot), "RTE002")
    unread = _one(_findings(folder, denied), "RTE002")

    assert read.severity is unread.severity is Severity.HIGH
    for finding in (read, unread):
        assert finding.remediation is not None
        commands = finding.remediation.commands
        assert not any("replace-route" in c for c in commands), commands
        assert commands[0].startswith("aws ec2 create-route-table ")
    assert unread.remediation is not None
    assert "NAT gateways could not be read" in unread.remediation.text
    assert "ec2:DescribeNatGateways" not in fallback_inputs()
