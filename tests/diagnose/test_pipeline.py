"""The pure parts of the pipeline: which addresses get read, exit codes, target merging."""

from __future__ import annotations

import pytest

from tests.report.samples import DNS_SERVER, diagnosis, dns_finding, passed, probe_report
from vpcprobe_collector.contract import Contract, ContractTarget
from vpcprobe_collector.diagnosis import exit_code, resolve_targets, resolved_addresses
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import FindingStatus, Severity, TargetSpec


def test_addresses_read_are_ip_targets_resolved_ones_and_dns_servers() -> None:
    reports = [probe_report(dns_ok=True, address="10.0.10.5"), probe_report(address="10.0.10.6")]
    specs = [TargetSpec(host="db.orders.internal", port=5432), TargetSpec(host="10.9.9.9", port=22)]
    # link-local 169.254.78.1 (Lambda's forwarder) has no ENI to read, so it is left out
    assert resolved_addresses(reports, specs) == ["10.9.9.9", "10.0.10.5", DNS_SERVER]


def test_addresses_of_other_names_are_not_read() -> None:
    report = probe_report(dns_ok=True, host="other.internal", address="10.0.99.1")
    assert "10.0.99.1" not in resolved_addresses([report], [TargetSpec(host="db.x", port=1)])


@pytest.mark.parametrize(
    ("threshold", "code"),
    [(Severity.INFO, 1), (Severity.HIGH, 1), (Severity.CRITICAL, 0)],
)
def test_exit_code_follows_fail_on(threshold: Severity, code: int) -> None:
    assert exit_code(diagnosis(), threshold) == code  # the sample's one problem is high


def test_a_crashed_rule_counts_a_passed_one_does_not() -> None:
    crashed = dns_finding().model_copy(update={"status": FindingStatus.ERROR})
    assert exit_code(diagnosis(healthy=True, findings=[crashed]), Severity.HIGH) == 1
    assert exit_code(diagnosis(healthy=True, findings=[passed()]), Severity.INFO) == 0


def test_targets_merge_contract_first_and_keep_the_first_of_a_repeat() -> None:
    contract = Contract(
        targets=[ContractTarget(host="db.internal", port=5432, label="db", expect="reachable")]
    )
    specs = resolve_targets(["DB.internal.:5432=other", "10.0.0.1:443"], contract)
    assert [(s.display, s.expect) for s in specs] == [("db", "reachable"), ("10.0.0.1:443", None)]


def test_a_bad_cli_target_names_the_option() -> None:
    with pytest.raises(BadInputError, match=r"^--target 'db': expected host:port$"):
        resolve_targets(["db"], Contract())
