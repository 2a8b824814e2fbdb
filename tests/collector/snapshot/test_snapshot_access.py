"""Denied reads under real IAM enforcement, missing credentials, the `vpcprobe snapshot` command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support import aws_scenarios as scenarios
from tests.support.moto_server import REGION, MotoServer, run_moto_server
from vpcprobe_collector.cli import main
from vpcprobe_collector.errors import AwsAccessError, BadInputError
from vpcprobe_collector.paths.evaluate import evaluate_function_paths
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import Verdict
from vpcprobe_collector.snapshot.build import take_snapshot

# The users the enforcing server is set up with, each created in the first (unauthenticated)
# actions: create_user, put_user_policy, create_access_key per user.
_USERS = {
    "admin": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    "reader": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:DescribeNetworkAcls", "Resource": "*"},
    ],
    "no-enis": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:DescribeNetworkInterfaces", "Resource": "*"},
    ],
}
_SETUP_ACTIONS = 3 * len(_USERS)


Enforced = tuple[scenarios.Scenario, dict[str, tuple[str, str]], dict[str, str]]


@pytest.fixture(scope="module")
def enforced_world() -> Iterator[Enforced]:
    """The healthy scenario on a moto server that enforces IAM, each user's keys, and the
    endpoint variables that reach it (built once: the tests only read).

    moto differs from AWS here: with IAM enforcement on, moto server rejects Lambda's REST
    requests with SignatureDoesNotMatch whatever the keys. Lambda is therefore served by a
    second, unenforced server (AWS_ENDPOINT_URL_LAMBDA); every other service by the enforcing one.
    """
    extra = {"INITIAL_NO_AUTH_ACTION_COUNT": str(_SETUP_ACTIONS)}
    with run_moto_server(extra_env=extra) as server, run_moto_server() as lambda_server:
        iam = server.client("iam")
        keys: dict[str, tuple[str, str]] = {}
        for user, statements in _USERS.items():
            iam.create_user(UserName=user)
            iam.put_user_policy(
                UserName=user,
                PolicyName="access",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
            )
            key = iam.create_access_key(UserName=user)["AccessKey"]
            keys[user] = (key["AccessKeyId"], key["SecretAccessKey"])
        # moto's Lambda checks that the function's role exists in its own IAM.
        lambda_server.client("iam").create_role(
            RoleName=f"{scenarios.FUNCTION_NAME}-role", AssumeRolePolicyDocument="{}"
        )
        endpoints = {"AWS_ENDPOINT_URL": server.url, "AWS_ENDPOINT_URL_LAMBDA": lambda_server.url}
        with pytest.MonkeyPatch.context() as patch:
            for name, value in endpoints.items():
                patch.setenv(name, value)
            admin = server.session(access_key=keys["admin"][0], secret_key=keys["admin"][1])
            scenario = scenarios.build_healthy(admin)
        yield scenario, keys, endpoints


@pytest.fixture
def enforced(
    enforced_world: Enforced, monkeypatch: pytest.MonkeyPatch
) -> tuple[scenarios.Scenario, dict[str, tuple[str, str]]]:
    """The enforced world, with this test's environment pointed at it."""
    scenario, keys, endpoints = enforced_world
    for name, value in endpoints.items():
        monkeypatch.setenv(name, value)
    return scenario, keys


def _session(keys: tuple[str, str]) -> Any:
    return boto3.Session(
        aws_access_key_id=keys[0], aws_secret_access_key=keys[1], region_name=REGION
    )


def test_denied_read_is_recorded_and_the_rest_is_read(
    enforced: tuple[scenarios.Scenario, dict[str, tuple[str, str]]],
) -> None:
    scenario, keys = enforced
    snapshot = take_snapshot(
        _session(keys["reader"]), scenario.function_name, target_addresses=["10.0.10.20"]
    )
    skipped = snapshot.skipped_for("ec2:DescribeNetworkAcls")
    assert skipped is not None
    # moto answers "AccessDenied" where EC2 itself answers "UnauthorizedOperation".
    assert skipped.error_code in ("AccessDenied", "UnauthorizedOperation")
    assert "ec2:DescribeNetworkAcls" in skipped.message
    assert snapshot.network_acls == []
    # Everything else was read.
    assert snapshot.vpc is not None and snapshot.vpc.vpc_id == scenario.vpc_id
    assert {t.route_table_id for t in snapshot.route_tables} >= {
        scenario.private_route_table_id,
        scenario.public_route_table_id,
    }
    assert snapshot.security_group(scenario.target_sg_id) is not None
    assert SnapshotIndex(snapshot).interface_with_address("10.0.10.20") is not None
    failed = [c for c in snapshot.api_calls if not c.ok]
    assert ("ec2:DescribeNetworkAcls", skipped.error_code) in [
        (c.api, c.error_code) for c in failed
    ]
    # What depends on the NACLs is unknown, never clean.
    results = evaluate_function_paths(snapshot, "10.0.10.20", 5432)
    assert {r.verdict for r in results} == {Verdict.UNKNOWN}
    assert all(
        r.decided_by and r.decided_by.source_api == "ec2:DescribeNetworkAcls" for r in results
    )


def test_admin_reads_everything(
    enforced: tuple[scenarios.Scenario, dict[str, tuple[str, str]]],
) -> None:
    # The same server and scenario, unrestricted keys: no NACL skip (so the test above can fail).
    scenario, keys = enforced
    snapshot = take_snapshot(_session(keys["admin"]), scenario.function_name)
    assert snapshot.skipped_for("ec2:DescribeNetworkAcls") is None
    assert snapshot.network_acl_for(scenario.function_subnet_ids[0]) is not None


def test_denied_eni_read_leaves_the_lambda_eni_count_unknown(
    enforced: tuple[scenarios.Scenario, dict[str, tuple[str, str]]],
) -> None:
    scenario, keys = enforced
    snapshot = take_snapshot(
        _session(keys["no-enis"]), scenario.function_name, target_addresses=["10.0.10.20"]
    )
    skipped = snapshot.skipped_for("ec2:DescribeNetworkInterfaces")
    assert skipped is not None and skipped.error_code in ("AccessDenied", "UnauthorizedOperation")
    assert snapshot.eni_quota is not None
    assert (snapshot.eni_quota.in_use, snapshot.eni_quota.value) == (None, 500)
    assert SnapshotIndex(snapshot).interface_with_address("10.0.10.20") is None
    assert snapshot.network_acl_for(scenario.function_subnet_ids[0]) is not None


def test_snapshot_command_exits_0_and_names_the_skip(
    enforced: tuple[scenarios.Scenario, dict[str, tuple[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    scenario, keys = enforced
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys["reader"][0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys["reader"][1])
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    output = tmp_path / "snapshot.json"
    code = main(
        ["snapshot", scenario.function_name, "-o", str(output), "--target-address", "10.0.10.20"]
    )
    err = capsys.readouterr().err
    assert code == 0
    assert "AccessDenied on ec2:DescribeNetworkAcls" in err
    assert f"snapshot of orders-api ({scenario.vpc_id}, us-east-1)" in err
    written = json.loads(output.read_text(encoding="utf-8"))
    assert written["vpc"]["vpc_id"] == scenario.vpc_id
    assert written["target_addresses"] == ["10.0.10.20"]
    assert any(s["api"] == "ec2:DescribeNetworkAcls" for s in written["skipped"])


def test_snapshot_command_writes_json_to_stdout(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = scenarios.build_healthy(aws.session())
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)  # the ARN names the region
    code = main(["snapshot", scenario.function_arn])
    captured = capsys.readouterr()
    assert code == 0
    assert json.loads(captured.out)["function"]["arn"] == scenario.function_arn
    assert captured.err.count("\n") == 1
    assert " API calls" in captured.err


def test_unknown_function_is_bad_input(aws: MotoServer, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(BadInputError, match="function 'missing-fn' not found in us-east-1"):
        take_snapshot(aws.session(), "missing-fn")
    assert main(["snapshot", "missing-fn"]) == 2
    assert capsys.readouterr().err == (
        "vpcprobe: error: function 'missing-fn' not found in us-east-1\n"
    )


def test_bad_target_address_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "fn", "--target-address", "db.internal"]) == 2
    assert "'db.internal' is not an IPv4 or IPv6 address" in capsys.readouterr().err


def test_missing_credentials_is_an_aws_access_error(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(AwsAccessError, match="no AWS credentials found"):
        take_snapshot(boto3.Session(region_name=REGION), "orders-api")
    assert main(["snapshot", "orders-api"]) == 3
    assert "no AWS credentials found" in capsys.readouterr().err


def test_output_into_a_missing_directory_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "nowhere" / "snapshot.json"
    assert main(["snapshot", "orders-api", "-o", str(target)]) == 2
    assert f"directory {target.parent} does not exist" in capsys.readouterr().err
