"""Golden scenarios: each folder's inputs, judged now, must give its expected outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scenarios.catalog import SCENARIOS
from tests.scenarios.golden import expected_json, expected_text, passed_count, run
from vpcprobe_collector.findings.model import FindingStatus

HERE = Path(__file__).parent
FOLDERS = sorted(p.parent.name for p in HERE.glob("*/expected.json"))


def test_every_scenario_has_a_folder() -> None:
    assert sorted(SCENARIOS) == FOLDERS, "run `make golden` and review the diff"


@pytest.mark.parametrize("name", FOLDERS)
def test_expected_json_matches(name: str) -> None:
    folder = HERE / name
    assert expected_json(folder) == (folder / "expected.json").read_text(), (
        f"{name}: the judgement changed; run `make golden` and review the diff"
    )


@pytest.mark.parametrize("name", FOLDERS)
def test_expected_text_matches(name: str) -> None:
    folder = HERE / name
    assert expected_text(folder) == (folder / "expected.txt").read_text()


def test_passed_counts_match() -> None:
    """Passed checks are kept as one count per scenario, all in passed.json."""
    counts = json.loads((HERE / "passed.json").read_text())
    assert counts == {name: passed_count(HERE / name) for name in FOLDERS}, (
        "the number of passed checks changed; run `make golden` and review the diff"
    )


@pytest.mark.parametrize("name", [n for n in FOLDERS if n != "healthy"])
def test_fault_names_its_cause(name: str) -> None:
    """Each fault's problem list holds the codes the scenario is about, with real IDs."""
    _, _, findings = run(HERE / name)
    problems = {f.code: f for f in findings if f.status is FindingStatus.FAIL}
    for code in SCENARIOS[name]().expect_codes:
        assert code in problems, f"{name}: {code} missing from {sorted(problems)}"
        assert problems[code].message.endswith(".")
        assert problems[code].remediation is not None


def test_healthy_has_no_problems() -> None:
    _, joins, findings = run(HERE / "healthy")
    assert [f for f in findings if f.status in (FindingStatus.FAIL, FindingStatus.ERROR)] == []
    assert all(j.conclusion.startswith("Reachable") for j in joins)
    assert "✓" in (HERE / "healthy" / "expected.txt").read_text()


def test_headline_dhcp_case_names_server_and_options_set() -> None:
    data = json.loads((HERE / "custom-dhcp-dns-unreachable" / "expected.json").read_text())
    fails = [f for f in data["findings"] if f["status"] == "fail"]
    assert [f["code"] for f in fails] == ["DNS002"]
    ids = {r["id"] for r in fails[0]["resources"]}
    assert {"dopt-0aa11bb22cc33dd44", "10.1.1.10"} <= ids
    observed = " ".join(e["observed"] for e in fails[0]["evidence"])
    assert "10.1.1.10/udp: timeout" in observed and "10.1.1.10/tcp: timeout" in observed
    assert "; configured nameserver 10.1.1.10" in observed
    assert all("DNS002" in j["finding_codes"] for j in data["joins"])


def test_subnets_differ_names_the_odd_subnet() -> None:
    _, _, findings = run(HERE / "subnets-differ")
    (odd,) = [f for f in findings if f.code == "SUB002" and f.status is FindingStatus.FAIL]
    assert odd.subnet_id == "subnet-0ccc3333cccc3333c"
    assert "rtb-0odd0dd0dd0dd0dd0" in odd.message or any(
        "rtb-0priv1a2b3c4d5e6f" in c for c in (odd.remediation.commands if odd.remediation else [])
    )
