"""`vpcprobe audit` against moto: 40 functions in 2 VPCs with planted faults, calls counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fleet.conftest import Stand
from tests.support.counting_proxy import Seen
from vpcprobe_collector.cli import main

FUNCTIONS = 40
VPCS = 2
ROLES = 2


def audit(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "audit.json"
    code = main(["audit", "--format", "json", "--output", str(out), "--quiet", *args])
    return code, json.loads(out.read_text())


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["function"]: f for f in report["functions"]}


def problems(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in entry["findings"] if f["status"] in ("fail", "error")]


def resource_ids(finding: dict[str, Any]) -> set[str]:
    return {r["id"] for r in finding["resources"]}


def test_every_planted_fault_is_named_for_its_function_within_the_call_budget(
    through_proxy: Stand, tmp_path: Path
) -> None:
    fleet = through_proxy.fleet
    code, report = audit(tmp_path)
    calls = through_proxy.proxy.total

    assert code == 1
    assert report["schema_version"] == 1
    functions = by_name(report)
    assert sorted(functions) == sorted(fleet.all_functions)
    for entry in report["functions"]:
        assert {"function", "arn", "region", "account", "vpc_id", "findings"} <= set(entry)

    def codes(name: str) -> dict[str, dict[str, Any]]:
        return {f["code"]: f for f in problems(functions[name])}

    for name in fleet.functions["dns-support-off"] + fleet.functions["single-az"]:
        assert functions[name]["vpc_id"] == fleet.vpcs["A"]
        assert fleet.vpcs["A"] in resource_ids(codes(name)["DNS001"])
    for name in fleet.functions["single-az"]:
        assert fleet.subnets["a1"] in resource_ids(codes(name)["SUB003"])
    for name in fleet.functions["dns-support-off"]:
        assert "SUB003" not in codes(name)
    for name in fleet.functions["no-nat-route"]:
        found = resource_ids(codes(name)["RTE001"])
        assert {fleet.route_tables["no-nat"], fleet.subnets["b3"]} & found
        assert fleet.subnets["b1"] not in found
    for name in fleet.functions["subnet-full"]:
        assert fleet.subnets["b4"] in resource_ids(codes(name)["SUB001"])
    for name in fleet.functions["dns-udp-blocked"]:
        dns003 = codes(name)["DNS003"]
        assert fleet.acls["dns-deny"] in resource_ids(dns003)
        assert "udp" in dns003["message"].lower()
    for name in fleet.functions["role-no-eni"]:
        assert fleet.roles["no-eni"] in resource_ids(codes(name)["IAM001"])
    for name in fleet.functions["healthy"]:
        assert functions[name]["vpc_id"] == fleet.vpcs["B"]
        assert problems(functions[name]) == [], name
        assert functions[name]["unjudged"] == [], name
    # Nothing else is blamed: every problem is one of the planted ones.
    planted = {"DNS001", "SUB003", "RTE001", "SUB002", "SUB001", "DNS003", "IAM001"}
    assert {f["code"] for e in report["functions"] for f in problems(e)} <= planted

    # Calls grow with VPCs and roles, not functions: counted at the stand-in.
    assert calls <= 15 * VPCS + 3 * FUNCTIONS + 5 * ROLES + 10, through_proxy.proxy.by_service()
    per_service = through_proxy.proxy.by_service()
    assert per_service["ec2"] <= 15 * VPCS
    assert per_service["iam"] <= 5 * ROLES
    assert per_service["servicequotas"] <= 1
    assert per_service["lambda"] <= 3 * FUNCTIONS
    assert report["summary"]["api_calls"] == calls
    assert report["summary"]["functions"] == FUNCTIONS
    assert report["summary"]["vpcs"] == VPCS


def test_text_report_has_a_section_per_vpc_and_a_line_per_function(
    through_proxy: Stand, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = through_proxy.fleet
    code = main(["audit", "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count(f"{fleet.vpcs['A']} (account 123456789012, us-east-1): 10 function(s)") == 1
    assert f"{fleet.vpcs['B']} (account 123456789012, us-east-1): 30 function(s)" in out
    assert "  ✓ healthy-00\n" in out
    assert "  ✗ role-no-eni-00  CRITICAL IAM001 role-lacks-eni-permissions" in out
    assert f"aws ec2 modify-vpc-attribute --vpc-id {fleet.vpcs['A']} --enable-dns-support" in out
    assert out.rstrip().splitlines()[-1].startswith("✗ 40 function(s) in 2 VPC(s)")


def test_healthy_functions_alone_are_clean_and_exit_0(
    through_proxy: Stand, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["audit", "--function", "healthy-00", "--function", "healthy-01"])
    out = capsys.readouterr().out
    assert code == 0
    assert "✓ 2 function(s) in 1 VPC(s)" in out
    assert out.rstrip().endswith("no problems found.") or "no problems found." in out
    assert "38 function(s)" not in out


def test_a_denied_region_is_reported_as_not_read_and_never_clean(
    through_proxy: Stand, tmp_path: Path
) -> None:
    def deny_paris(seen: Seen) -> tuple[int, str, str] | None:
        if seen.region == "eu-west-3":
            return 403, "AccessDeniedException", "explicit deny in a service control policy"
        return None

    through_proxy.proxy.refuse = deny_paris
    args = ["--region", "us-east-1", "--region", "eu-west-3", "--function", "healthy-00"]
    code, report = audit(tmp_path, *args)
    assert code == 4
    assert [u["region"] for u in report["scopes_unread"]] == ["eu-west-3"]
    assert report["scopes_unread"][0]["error_code"] == "AccessDeniedException"
    assert report["scopes_unread"][0]["api"] == "lambda:ListFunctions"
    assert [f["function"] for f in report["functions"]] == ["healthy-00"]
    assert main(["audit", "--quiet", "--output", str(tmp_path / "t"), *args]) == 4
    text = (tmp_path / "t").read_text()
    assert "Not read (no verdict for these):\n  - eu-west-3: AccessDeniedException" in text
    assert "no problems found" not in text
    assert main(["audit", "--quiet", "--allow-incomplete", "-o", str(tmp_path / "u"), *args]) == 0


def test_a_function_whose_role_cannot_be_read_is_not_judged_clean(
    through_proxy: Stand, tmp_path: Path
) -> None:
    def deny_role(seen: Seen) -> tuple[int, str, str] | None:
        if seen.service == "iam" and b"fleet-good" in seen.body:
            return 403, "AccessDenied", "not authorized to read fleet-good"
        return None

    through_proxy.proxy.refuse = deny_role
    code, report = audit(tmp_path, "--function", "healthy-00")
    entry = by_name(report)["healthy-00"]
    assert code == 4
    assert problems(entry) == []
    iam = [f for f in entry["findings"] if f["code"] == "IAM001"]
    assert [f["status"] for f in iam] == ["skipped"]
    assert any(u["subject"].startswith("IAM001") for u in entry["unjudged"])


def test_targets_from_the_tag_are_judged_like_diagnose_no_probe(
    through_proxy: Stand, tmp_path: Path
) -> None:
    stand = through_proxy
    lam = stand.moto.session().client("lambda", endpoint_url=stand.moto.url)
    arn = lam.get_function(FunctionName="healthy-13")["Configuration"]["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"vpcprobe:targets": "10.1.10.53:53,db.internal:5432"})
    try:
        code, report = audit(tmp_path, "--function", "healthy-13")
    finally:
        lam.untag_resource(Resource=arn, TagKeys=["vpcprobe:targets"])
    entry = by_name(report)["healthy-13"]
    assert [t["host"] for t in entry["targets"]] == ["10.1.10.53", "db.internal"]
    assert any("db.internal:5432" in u["subject"] for u in entry["unjudged"])
    assert code == 4


def test_bad_input_is_one_line_and_exit_2(
    through_proxy: Stand, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--tag", "no-equals-sign"]) == 2
    assert main(["audit", "--accounts", str(tmp_path / "missing.txt"), "--role-name", "r"]) == 2
    bad = tmp_path / "accounts.txt"
    bad.write_text("123456789012\nnot-an-account\n")
    assert main(["audit", "--accounts", str(bad), "--role-name", "r"]) == 2
    assert main(["audit", "--max-concurrency", "0"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{bad}:2: 'not-an-account' is not a 12-digit account ID" in err


def test_throttled_reads_are_retried_by_botocore_and_the_verdict_holds(
    through_proxy: Stand, tmp_path: Path
) -> None:
    throttled: list[Seen] = []

    def throttle_first_ec2_calls(seen: Seen) -> tuple[int, str, str] | None:
        if seen.service == "ec2" and len(throttled) < 2:
            throttled.append(seen)
            return 503, "RequestLimitExceeded", "Request limit exceeded."
        return None

    through_proxy.proxy.refuse = throttle_first_ec2_calls
    code, report = audit(tmp_path, "--function", "healthy-02", "--function", "subnet-full-02")
    assert len(throttled) == 2  # each retried within the default 3 attempts
    assert code == 1
    assert report["scopes_unread"] == []
    entries = by_name(report)
    assert problems(entries["healthy-02"]) == [] and entries["healthy-02"]["unjudged"] == []
    assert [f["code"] for f in problems(entries["subnet-full-02"])] == ["SUB001"]


def test_a_function_that_cannot_be_read_is_listed_as_not_judged(
    through_proxy: Stand, tmp_path: Path
) -> None:
    def deny_one(seen: Seen) -> tuple[int, str, str] | None:
        if seen.service == "lambda" and "healthy-03" in seen.path:
            return 403, "AccessDeniedException", "no lambda:GetFunction on healthy-03"
        return None

    through_proxy.proxy.refuse = deny_one
    code, report = audit(tmp_path, "--function", "healthy-03", "--function", "healthy-04")
    entries = by_name(report)
    assert code == 4
    assert entries["healthy-03"]["findings"] == []
    assert entries["healthy-03"]["unjudged"][0]["api"] == "lambda:GetFunction"
    assert "AccessDeniedException" in entries["healthy-03"]["unjudged"][0]["reason"]
    assert entries["healthy-04"]["unjudged"] == []


def test_all_regions_reads_every_enabled_region(through_proxy: Stand, tmp_path: Path) -> None:
    code, report = audit(tmp_path, "--all-regions", "--function", "healthy-05")
    regions = {s["region"] for s in report["scopes_read"]}
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= regions
    assert [f["function"] for f in report["functions"]] == ["healthy-05"]
    assert code == 0
    assert main(["audit", "--all-regions", "--region", "us-east-1"]) == 2


def test_config_file_targets_are_judged_without_a_probe(
    through_proxy: Stand, tmp_path: Path
) -> None:
    config = tmp_path / "targets.toml"
    config.write_text(
        '[functions.healthy-06]\ntargets = ["10.1.10.53:53=dns", "10.1.10.53:5432"]\n'
    )
    code, report = audit(tmp_path, "--config", str(config), "--function", "healthy-06")
    entry = by_name(report)["healthy-06"]
    assert [t["label"] for t in entry["targets"]] == ["dns", None]
    # Nothing listens is not knowable without a probe; the DNS server's group allows only 53.
    assert code == 1
    blocked = [f for f in problems(entry) if f.get("target") == "10.1.10.53:5432"]
    assert blocked and through_proxy.fleet.dns_sg in resource_ids(blocked[0])
    bad = tmp_path / "bad.toml"
    bad.write_text("[functions.x]\ntargets = [5432]\n")
    assert main(["audit", "--config", str(bad)]) == 2


def test_progress_is_silent_when_piped(
    through_proxy: Stand, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--function", "healthy-07"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "✓ healthy-07" in captured.out


def test_a_region_that_is_not_enabled_is_not_read(through_proxy: Stand, tmp_path: Path) -> None:
    # An opt-in region the account has not enabled rejects the credentials themselves.
    through_proxy.proxy.refuse = lambda seen: (
        (
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
        if seen.region == "ap-east-1"
        else None
    )
    code, report = audit(tmp_path, "--region", "ap-east-1", "--function", "healthy-08")
    assert code == 4
    assert report["functions"] == []
    (unread,) = report["scopes_unread"]
    assert (unread["region"], unread["error_code"]) == ("ap-east-1", "UnrecognizedClientException")


def test_the_global_region_before_the_command_is_the_region_audited(
    through_proxy: Stand, tmp_path: Path
) -> None:
    """`vpcprobe --region R audit` (the AWS CLI's order) audits R, not the default region:
    the fleet lives in us-east-1, so eu-west-1 holds none of its functions."""
    out = tmp_path / "eu.json"
    code = main(["--region", "eu-west-1", "audit", "--format", "json", "-o", str(out), "--quiet"])
    report = json.loads(out.read_text())
    assert code == 0
    assert report["functions"] == []
    seen = {r.region for r in through_proxy.proxy.requests if r.service == "lambda"}
    assert seen == {"eu-west-1"}
    code, report = audit(tmp_path, "--function", "healthy-00")  # and after it: us-east-1
    assert [f["region"] for f in report["functions"]] == ["us-east-1"]
    assert main(["audit", "--region", " ", "--quiet"]) == 2


def test_a_named_function_that_is_not_found_is_never_clean(
    through_proxy: Stand, tmp_path: Path
) -> None:
    code, report = audit(tmp_path, "--function", "no-such-function")
    assert code == 4
    assert any("no-such-function" in u["message"] for u in report["scopes_unread"]), report


def test_unread_subnets_never_make_existing_groups_deleted(
    through_proxy: Stand, tmp_path: Path
) -> None:
    """With ec2:DescribeSubnets denied the function's VPC is unknown, so its security groups
    are not read: CFG001 must not call them deleted (a false critical), and the run is
    incomplete, never clean."""

    def deny_subnets(seen: Seen) -> tuple[int, str, str] | None:
        if b"Action=DescribeSubnets" in seen.body:
            return 403, "UnauthorizedOperation", "You are not authorized."
        return None

    through_proxy.proxy.refuse = deny_subnets
    code, report = audit(tmp_path, "--function", "healthy-00")
    (entry,) = report["functions"]
    assert [f for f in problems(entry) if f["code"] == "CFG001"] == [], problems(entry)
    assert code == 4, [f["code"] for f in problems(entry)]


def test_a_denied_service_quotas_read_is_said_in_every_format_and_never_clean(
    through_proxy: Stand, tmp_path: Path
) -> None:
    def deny_quotas(seen: Seen) -> tuple[int, str, str] | None:
        if seen.service == "servicequotas":
            return 400, "AccessDeniedException", "not authorized to perform GetServiceQuota"
        return None

    through_proxy.proxy.refuse = deny_quotas
    code, report = audit(tmp_path, "--function", "healthy-00")
    (entry,) = report["functions"]
    assert code == 4
    eni = [f for f in entry["findings"] if f["code"] == "ENI001"]
    assert [f["status"] for f in eni] == ["skipped"]
    (unjudged,) = [u for u in entry["unjudged"] if u["subject"].startswith("ENI001")]
    assert "Hyperplane ENI quota could not be read" in unjudged["reason"]
    assert "AccessDeniedException on service-quotas:GetServiceQuota" in unjudged["reason"]
    for fmt in ("text", "markdown", "html", "sarif", "junit"):
        out = tmp_path / f"audit.{fmt}"
        args = ["audit", "--function", "healthy-00", "--format", fmt, "-o", str(out), "-q"]
        assert main(args) == 4, fmt
        text = out.read_text()
        assert "Hyperplane ENI quota could not be read" in text, fmt
        assert "no problems found" not in text, fmt
    assert main(["audit", "--function", "healthy-00", "-q", "--allow-incomplete"]) == 0
