"""`diagnose FN1 FN2 …` shares its reads like audit and reports each function as diagnose does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fleet.conftest import Stand
from vpcprobe_collector.cli import main

TARGET = "10.1.10.53:53=dns"


def verdicts(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((f["code"], f["status"], f["fingerprint"]) for f in report["findings"])


def test_several_functions_share_reads_and_match_one_at_a_time(
    through_proxy: Stand, tmp_path: Path
) -> None:
    names = ["healthy-00", "role-no-eni-00", "subnet-full-00", "healthy-01"]
    out = tmp_path / "several.json"
    args = ["--no-probe", "--target", TARGET, "--format", "json", "-q"]
    code = main(["diagnose", *names, *args, "-o", str(out)])
    several = json.loads(out.read_text())
    shared_calls = through_proxy.proxy.by_service()

    assert code == 1
    assert [r["function_name"] for r in several] == names
    # One VPC read once, two roles once each: not four times everything.
    assert shared_calls["ec2"] <= 15
    assert shared_calls["iam"] <= 5 * 2
    assert shared_calls["servicequotas"] == 1

    for name, report in zip(names, several, strict=True):
        alone = tmp_path / f"{name}.json"
        main(["diagnose", name, *args, "-o", str(alone)])
        single = json.loads(alone.read_text())
        assert verdicts(report) == verdicts(single), name
    problems = {
        r["function_name"]: {f["code"] for f in r["findings"] if f["status"] == "fail"}
        for r in several
    }
    assert "IAM001" in problems["role-no-eni-00"]
    assert "SUB001" in problems["subnet-full-00"]
    assert "IAM001" not in problems["healthy-00"]


def test_several_functions_in_one_sarif_and_refused_for_html(
    through_proxy: Stand, tmp_path: Path
) -> None:
    out = tmp_path / "several.sarif"
    names = ["healthy-00", "role-no-eni-00"]
    args = ["--no-probe", "--target", TARGET, "-q"]
    assert main(["diagnose", *names, *args, "--format", "sarif", "-o", str(out)]) == 1
    log = json.loads(out.read_text())
    assert {r["properties"]["function"] for r in log["runs"][0]["results"]} == {"role-no-eni-00"}
    assert main(["diagnose", *names, *args, "--format", "html"]) == 2
