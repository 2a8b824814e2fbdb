"""Assumed-role sessions keep the global options: --endpoint-url, timeouts, retries.

Each run sends its calls to a counting proxy named only by --endpoint-url (AWS_ENDPOINT_URL
unset), so a client made with the assumed role's credentials that forgot the option would
go to AWS itself, which the network guard refuses: the run would not read the far side.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import beyond_scenarios as bs
from tests.support.counting_proxy import CountingProxy, run_counting_proxy
from tests.support.fleet_seed import (
    AZS,
    ENI_ACTIONS,
    LOG_ACTIONS,
    make_function,
    make_role,
    make_vpc,
    private_subnet,
)
from tests.support.moto_server import REGION, MotoServer
from vpcprobe_collector import cli
from vpcprobe_collector.aws import AwsOptions, make_session

pytestmark = pytest.mark.moto

CALLER_KEY = "testing"  # tests/conftest.py's AWS_ACCESS_KEY_ID


@pytest.fixture
def only_endpoint_url(aws: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingProxy]:
    """A counting proxy in front of moto that only --endpoint-url names."""
    with run_counting_proxy(aws.url) as proxy:
        monkeypatch.delenv("AWS_ENDPOINT_URL")
        yield proxy


def _assumed(proxy: CountingProxy) -> list[str]:
    """The `service` of each request the proxy saw signed by someone other than the caller."""
    return [s.service for s in proxy.requests if s.access_key and s.access_key != CALLER_KEY]


def test_diagnose_over_a_peering_reads_the_far_account_through_the_endpoint_url(
    aws: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    scenario = bs.build_peering(aws.session(), peer_session=bs.other_account_session(aws))
    role = f"arn:aws:iam::{bs.OTHER_ACCOUNT}:role/vpcprobe-reader"
    with run_counting_proxy(aws.url) as proxy:
        monkeypatch.delenv("AWS_ENDPOINT_URL")
        code = cli.main(
            [
                "diagnose",
                scenario.function_name,
                "--no-probe",
                "--target",
                f"{bs.PEER_DB}:5432",
                "--assume-role",
                role,
                "--endpoint-url",
                proxy.url,
                "--format",
                "json",
            ]
        )
    out, err = capsys.readouterr()
    assert code in (0, 1, 4), err
    remote = json.loads(out)["snapshot"]["beyond"]["remote_vpcs"]
    assert [(r["vpc_id"], r["read"], r["role_arn"]) for r in remote] == [
        (scenario.extra["peer_vpc"], True, role)
    ]
    far = _assumed(proxy)
    assert far and set(far) == {"ec2"}  # the far VPC's reads, with the role's credentials
    assert any(s.service == "sts" and s.access_key == CALLER_KEY for s in proxy.requests)


def _seed(aws: MotoServer, account: str, prefix: str) -> None:
    """One healthy function in `account` (moto keeps one state per assumed account)."""
    session = bs.other_account_session(aws, account)
    role = make_role(session, f"{prefix}-good", ENI_ACTIONS + LOG_ACTIONS)
    vpc = make_vpc(session, "10.5")
    subnets = [
        private_subnet(session, vpc, "10.5.1.0/24", AZS[0]),
        private_subnet(session, vpc, "10.5.2.0/24", AZS[1]),
    ]
    make_function(session, f"{prefix}-ok", role, subnets, [vpc["function_sg"]])


def test_audit_accounts_sends_each_assumed_roles_calls_to_the_endpoint_url(
    aws: MotoServer, only_endpoint_url: CountingProxy, tmp_path: Path
) -> None:
    proxy = only_endpoint_url
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", aws.url)  # seeding goes to moto directly
        _seed(aws, "111111111111", "alpha")
        _seed(aws, "222222222222", "beta")
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("111111111111\n222222222222\n")
    out = tmp_path / "audit.json"
    code = cli.main(
        [
            "audit",
            "--accounts",
            str(accounts),
            "--role-name",
            "vpcprobe-auditor",
            "--endpoint-url",
            proxy.url,
            "--format",
            "json",
            "-o",
            str(out),
            "-q",
        ]
    )
    report = json.loads(out.read_text())
    assert code == 0, report.get("scopes_unread")
    assert {(f["account"], f["function"]) for f in report["functions"]} == {
        ("111111111111", "alpha-ok"),
        ("222222222222", "beta-ok"),
    }
    far = _assumed(proxy)
    assert {"lambda", "ec2"} <= set(far)
    keys = {s.access_key for s in proxy.requests if s.access_key != CALLER_KEY}
    assert len(keys) == 2  # one assumed role per account, both through the endpoint URL


def test_an_assumed_role_client_keeps_timeouts_retries_and_endpoint(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vpcprobe_collector.fleet.accounts import assume
    from vpcprobe_collector.snapshot.build import remote_client

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    options = AwsOptions(endpoint_url=aws.url, connect_timeout=3.0, read_timeout=7.0)
    session = make_session(region=REGION, options=options)
    credentials = {
        "aws_access_key_id": "ASIAEXAMPLE",
        "aws_secret_access_key": "secret",
        "aws_session_token": "token",
    }
    role = f"arn:aws:iam::{bs.OTHER_ACCOUNT}:role/vpcprobe-reader"
    audited = assume(session, role, external_id=None, region=REGION).session
    assert audited is not None
    clients = {
        "peering": remote_client(session, "ec2", "eu-west-1", credentials),
        "audit": audited.client("lambda"),
    }
    for made in clients.values():
        config = made.meta.config
        assert made.meta.endpoint_url == aws.url
        assert (config.connect_timeout, config.read_timeout) == (3.0, 7.0)
        assert config.retries["total_max_attempts"] == 2
        assert config.retries["mode"] == "adaptive"
    assert clients["peering"].meta.region_name == "eu-west-1"
    assert clients["peering"]._request_signer._credentials.access_key == "ASIAEXAMPLE"


def test_debug_masks_the_assumed_roles_credentials(
    aws: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """--debug logs the sts:AssumeRole answer and the assumed role's signed requests: its
    key, secret and session token are masked there like the caller's own."""
    sts = aws.session().client("sts")
    role = f"arn:aws:iam::{bs.OTHER_ACCOUNT}:role/vpcprobe-auditor"
    code = cli.main(["--debug", "audit", "--assume-role", role, "--format", "json", "-q"])
    err = capsys.readouterr().err
    assert code in (0, 4), err[-2000:]
    assert "<SecretAccessKey>****</SecretAccessKey>" in err  # the answer was logged, masked
    assert "<SessionToken>****</SessionToken>" in err
    # What moto hands out to the same role: none of it may be in the log.
    again = sts.assume_role(RoleArn=role, RoleSessionName="check")["Credentials"]
    assert again["SecretAccessKey"] not in err
    leaked = [
        line
        for line in err.splitlines()
        if "Security-Token" in line
        and "Security-Token': b'****" not in line
        and "Security-Token': '****" not in line
    ]
    assert not leaked, leaked[:2]
