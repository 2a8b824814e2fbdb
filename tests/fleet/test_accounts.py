"""Several accounts through assumed roles (moto keeps one state per account ID), and the
organisation's account list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.counting_proxy import CountingProxy, Seen, run_counting_proxy
from tests.support.fleet_seed import (
    AZS,
    ENI_ACTIONS,
    LOG_ACTIONS,
    make_function,
    make_role,
    make_vpc,
    private_subnet,
)
from tests.support.moto_server import MotoServer
from vpcprobe_collector.cli import main

ROLE = "vpcprobe-auditor"


def in_account(account: str, external_id: str | None = None) -> Any:
    """A session in `account`, as moto gives one: AssumeRole into a role ARN of that account."""
    params: dict[str, Any] = {
        "RoleArn": f"arn:aws:iam::{account}:role/{ROLE}",
        "RoleSessionName": "seed",
    }
    if external_id:
        params["ExternalId"] = external_id
    credentials = boto3.client("sts").assume_role(**params)["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )


def seed_account(account: str, prefix: str) -> None:
    """One VPC, two subnets in two zones; a healthy function and one whose role lacks ENI
    permissions."""
    session = in_account(account)
    good = make_role(session, f"{prefix}-good", ENI_ACTIONS + LOG_ACTIONS)
    bad = make_role(session, f"{prefix}-bad", LOG_ACTIONS)
    vpc = make_vpc(session, "10.5")
    subnets = [
        private_subnet(session, vpc, "10.5.1.0/24", AZS[0]),
        private_subnet(session, vpc, "10.5.2.0/24", AZS[1]),
    ]
    make_function(session, f"{prefix}-ok", good, subnets, [vpc["function_sg"]])
    make_function(session, f"{prefix}-no-eni", bad, subnets, [vpc["function_sg"]])


@pytest.fixture
def proxy(aws: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingProxy]:
    with run_counting_proxy(aws.url) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL", running.url)
        yield running


def test_accounts_file_audits_each_account_through_its_role(
    aws: MotoServer, proxy: CountingProxy, tmp_path: Path
) -> None:
    seed_account("111111111111", "alpha")
    seed_account("222222222222", "beta")

    def refuse_third(seen: Seen) -> tuple[int, str, str] | None:
        if seen.service == "sts" and b"333333333333" in seen.body:
            return 403, "AccessDenied", "not authorized to perform sts:AssumeRole"
        return None

    proxy.refuse = refuse_third
    proxy.reset()
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("# the fleet\n111111111111\n222222222222  # beta\n333333333333\n")
    out = tmp_path / "audit.json"
    code = main(
        [
            "audit",
            "--accounts",
            str(accounts),
            "--role-name",
            ROLE,
            "--external-id",
            "ext-7",
            "--format",
            "json",
            "-o",
            str(out),
            "--quiet",
        ]
    )
    report = json.loads(out.read_text())
    assert code == 1
    found = {(f["account"], f["function"]) for f in report["functions"]}
    assert found == {
        ("111111111111", "alpha-ok"),
        ("111111111111", "alpha-no-eni"),
        ("222222222222", "beta-ok"),
        ("222222222222", "beta-no-eni"),
    }
    for entry in report["functions"]:
        codes = {f["code"] for f in entry["findings"] if f["status"] == "fail"}
        assert codes == ({"IAM001"} if entry["function"].endswith("no-eni") else set())
        assert entry["arn"].split(":")[4] == entry["account"]
    assert [(u["account"], u["api"], u["error_code"]) for u in report["scopes_unread"]] == [
        ("333333333333", "sts:AssumeRole", "AccessDenied")
    ]
    assume = [s for s in proxy.requests if s.service == "sts"]
    assert len(assume) == 3
    assert all(b"ExternalId=ext-7" in s.body for s in assume)
    assert all(b"RoleSessionName=vpcprobe-audit" in s.body for s in assume)


def test_healthy_accounts_with_one_unreadable_account_exit_4(
    aws: MotoServer, proxy: CountingProxy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account("111111111111", "alpha")
    proxy.refuse = lambda seen: (
        (403, "AccessDenied", "denied") if b"444444444444" in seen.body else None
    )
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("111111111111\n444444444444\n")
    args = ["audit", "--accounts", str(accounts), "--role-name", ROLE, "--function", "alpha-ok"]
    assert main(args) == 4
    out = capsys.readouterr().out
    assert "  ✓ alpha-ok\n" in out
    assert "account 444444444444, every region: AccessDenied on sts:AssumeRole" in out
    assert "no problems found" not in out


def test_organization_lists_active_accounts(
    aws: MotoServer, proxy: CountingProxy, tmp_path: Path
) -> None:
    org = boto3.client("organizations")
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="gamma", Email="gamma@example.com")
    members = [a["Id"] for a in org.list_accounts()["Accounts"] if a["Id"] != "123456789012"]
    assert len(members) == 1
    seed_account(members[0], "gamma")
    out = tmp_path / "audit.json"
    code = main(
        ["audit", "--organization", "--role-name", ROLE, "--format", "json", "-o", str(out), "-q"]
    )
    report = json.loads(out.read_text())
    assert code == 1
    assert {f["function"] for f in report["functions"]} == {"gamma-ok", "gamma-no-eni"}
    assert {s["account"] for s in report["scopes_read"]} == {"123456789012", members[0]}


def test_assume_role_audits_that_account(
    aws: MotoServer, proxy: CountingProxy, tmp_path: Path
) -> None:
    seed_account("111111111111", "alpha")
    out = tmp_path / "audit.json"
    role = f"arn:aws:iam::111111111111:role/{ROLE}"
    assert main(["audit", "--assume-role", role, "--format", "json", "-o", str(out), "-q"]) == 1
    report = json.loads(out.read_text())
    assert {f["account"] for f in report["functions"]} == {"111111111111"}
    assert main(["audit", "--assume-role", "not-an-arn"]) == 2
