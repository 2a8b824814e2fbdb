"""RTE004 in the stand-in: the services an isolated function's role may call, and their endpoints.

An isolated subnet (its route table has no 0.0.0.0/0 route) in a VPC of its own; each test
seeds the role and endpoints it needs, then runs `vpcprobe audit` (and `diagnose --no-probe`)
and reads what a user reads: the JSON findings, the text and the exit code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.fleet_seed import ENI_ACTIONS, LOG_ACTIONS, make_function, make_role
from tests.support.moto_server import MotoServer, run_moto_server
from vpcprobe_collector.cli import main

REGION = "us-east-1"


@dataclass
class Isolated:
    moto: MotoServer
    vpc: str
    subnet: str
    route_table: str
    function_sg: str
    endpoint_sg: str


@pytest.fixture(scope="module")
def isolated() -> Iterator[Isolated]:
    with run_moto_server() as moto, pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", moto.url)
        ec2 = moto.session().client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        for flag in ("EnableDnsSupport", "EnableDnsHostnames"):
            ec2.modify_vpc_attribute(VpcId=vpc, **{flag: {"Value": True}})
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock="10.7.1.0/24", AvailabilityZone=f"{REGION}a"
        )["Subnet"]["SubnetId"]
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        function_sg = ec2.create_security_group(
            VpcId=vpc, GroupName="functions", Description="functions"
        )["GroupId"]
        endpoint_sg = ec2.create_security_group(
            VpcId=vpc, GroupName="endpoints", Description="endpoints"
        )["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=endpoint_sg,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "UserIdGroupPairs": [{"GroupId": function_sg}],
                }
            ],
        )
        yield Isolated(moto, vpc, subnet, table, function_sg, endpoint_sg)


def _function(stand: Isolated, name: str, actions: list[str]) -> None:
    role = make_role(stand.moto.session(), f"{name}-role", ENI_ACTIONS + actions)
    make_function(stand.moto.session(), name, role, [stand.subnet], [stand.function_sg])


def _endpoint(stand: Isolated, service: str) -> str:
    ec2 = stand.moto.session().client("ec2")
    return str(
        ec2.create_vpc_endpoint(
            VpcId=stand.vpc,
            ServiceName=f"com.amazonaws.{REGION}.{service}",
            VpcEndpointType="Interface",
            SubnetIds=[stand.subnet],
            SecurityGroupIds=[stand.endpoint_sg],
            PrivateDnsEnabled=True,
        )["VpcEndpoint"]["VpcEndpointId"]
    )


def _delete_endpoint(stand: Isolated, endpoint_id: str) -> None:
    stand.moto.session().client("ec2").delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])


def _audit(tmp_path: Path, name: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / f"{name}.json"
    code = main(["audit", "--function", name, "--format", "json", "-o", str(out), "--quiet"])
    (entry,) = json.loads(out.read_text())["functions"]
    return code, entry


# What the isolated subnet always shows, whatever the role: RTE001 (no default route, medium
# as it is isolated on purpose) and SUB003 (one subnet, one AZ).
EXPECTED = {"RTE001", "SUB003"}


def _problems(entry: dict[str, Any]) -> set[str]:
    return {f["code"] for f in entry["findings"] if f["status"] in ("fail", "error", "skipped")}


def _rte004(entry: dict[str, Any], status: str = "fail") -> list[dict[str, Any]]:
    return [f for f in entry["findings"] if f["code"] == "RTE004" and f["status"] == status]


def test_a_role_that_may_call_sqs_with_no_sqs_endpoint_is_named(
    isolated: Isolated, tmp_path: Path
) -> None:
    _function(isolated, "sends-to-sqs", ["sqs:SendMessage"])
    code, entry = _audit(tmp_path, "sends-to-sqs")
    (finding,) = _rte004(entry)
    service = f"com.amazonaws.{REGION}.sqs"
    assert code == 1
    assert finding["severity"] == "high"
    assert "sends-to-sqs" in finding["message"]
    assert isolated.route_table in finding["message"]
    assert {service, isolated.route_table, isolated.subnet} <= {
        r["id"] for r in finding["resources"]
    }
    commands = finding["remediation"]["commands"]
    assert (
        f"aws ec2 create-vpc-endpoint --vpc-id {isolated.vpc} --service-name {service} "
        f"--vpc-endpoint-type Interface --subnet-ids {isolated.subnet}"
    ) in commands[0]
    assert isolated.function_sg in commands[1]
    # Lambda's own logging permissions are not a service the code calls: no logs finding.
    assert [f["message"] for f in _rte004(entry) if "logs" in f["message"]] == []


def test_the_sqs_endpoint_makes_the_same_function_clean(isolated: Isolated, tmp_path: Path) -> None:
    _function(isolated, "sqs-with-endpoint", ["sqs:SendMessage"])
    endpoint = _endpoint(isolated, "sqs")
    try:
        code, entry = _audit(tmp_path, "sqs-with-endpoint")
    finally:
        _delete_endpoint(isolated, endpoint)
    assert _rte004(entry) == [], [f["message"] for f in _rte004(entry)]
    (passed,) = _rte004(entry, "pass")
    assert f"sqs via interface endpoint {endpoint}" in passed["message"]
    assert _problems(entry) == EXPECTED
    assert code == 0


def test_a_role_allowing_only_logs_is_clean_with_a_logs_endpoint_and_named_without(
    isolated: Isolated, tmp_path: Path
) -> None:
    _function(isolated, "reads-logs", ["logs:*"])
    _, without = _audit(tmp_path, "reads-logs")
    assert [f"com.amazonaws.{REGION}.logs" in f["message"] for f in _rte004(without)] == [True]
    endpoint = _endpoint(isolated, "logs")
    try:
        code, entry = _audit(tmp_path, "reads-logs")
    finally:
        _delete_endpoint(isolated, endpoint)
    assert _rte004(entry) == []
    assert _problems(entry) == EXPECTED
    assert entry["unjudged"] == []
    assert code == 0


def test_only_lambdas_own_log_permissions_ask_for_no_endpoint(
    isolated: Isolated, tmp_path: Path
) -> None:
    _function(isolated, "basic-logging", LOG_ACTIONS)
    code, entry = _audit(tmp_path, "basic-logging")
    assert _rte004(entry) == []
    assert "no AWS service" in _rte004(entry, "pass")[0]["message"]
    assert code == 0


def test_a_deny_on_the_whole_service_takes_it_away_and_a_partial_deny_does_not(
    isolated: Isolated, tmp_path: Path
) -> None:
    session = isolated.moto.session()
    iam = session.client("iam")
    for name, denied in (("denies-all-sqs", "sqs:*"), ("denies-some-sqs", "sqs:DeleteQueue")):
        _function(isolated, name, ["sqs:*"])
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": denied, "Resource": "*"}],
        }
        iam.put_role_policy(
            RoleName=f"{name}-role", PolicyName="deny", PolicyDocument=json.dumps(policy)
        )
    _, whole = _audit(tmp_path, "denies-all-sqs")
    _, partial = _audit(tmp_path, "denies-some-sqs")
    assert _rte004(whole) == []
    assert len(_rte004(partial)) == 1


def test_action_star_is_every_service_at_medium(isolated: Isolated, tmp_path: Path) -> None:
    _function(isolated, "does-anything", ["*"])
    code, entry = _audit(tmp_path, "does-anything")
    (finding,) = _rte004(entry)
    assert finding["severity"] == "medium"
    assert "allows every AWS service" in finding["message"]
    assert code == 0  # medium is below the default --fail-on high


def test_a_service_with_no_known_endpoint_is_not_judged_and_the_run_is_incomplete(
    isolated: Isolated, tmp_path: Path
) -> None:
    _function(isolated, "calls-cognito", ["cognito-idp:AdminGetUser"])
    code, entry = _audit(tmp_path, "calls-cognito")
    (skipped,) = _rte004(entry, "skipped")
    assert "cognito-idp" in skipped["message"]
    assert any(u["subject"].startswith("RTE004") for u in entry["unjudged"])
    assert code == 4


def test_diagnose_no_probe_names_the_same_service(
    isolated: Isolated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _function(isolated, "diagnosed-sqs", ["sqs:ReceiveMessage"])
    code = main(["diagnose", "diagnosed-sqs", "--no-probe", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    found = [f for f in report["findings"] if f["code"] == "RTE004" and f["status"] == "fail"]
    assert code == 1
    assert len(found) == 1
    assert f"com.amazonaws.{REGION}.sqs" in found[0]["message"]


def _allow(*actions: str, **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), "Resource": "*", **more}


def test_services_from_policies_handle_wildcards_notaction_and_denies() -> None:
    from vpcprobe_collector.snapshot.readers.iam_reader import allowed_services

    def services(*statements: dict[str, Any]) -> list[str]:
        return allowed_services([{"Statement": list(statements)}])

    assert services(_allow(*ENI_ACTIONS, *LOG_ACTIONS, "iam:PassRole")) == []
    assert services(_allow("sqs:Send*", "S3:GetObject", "dynamodb:*")) == ["dynamodb", "s3", "sqs"]
    assert services(_allow("*")) == ["*"]
    assert services({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}) == ["*"]
    # A Deny narrows only what it certainly covers.
    deny_all_sqs = {"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}
    assert services(_allow("sqs:SendMessage", "kms:Decrypt"), deny_all_sqs) == ["kms"]
    conditional = {**deny_all_sqs, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert services(_allow("sqs:SendMessage"), conditional) == ["sqs"]
    scoped = {**deny_all_sqs, "Resource": "arn:aws:sqs:us-east-1:123456789012:q"}
    assert services(_allow("sqs:SendMessage"), scoped) == ["sqs"]
    only_kms = {"Effect": "Deny", "NotAction": ["kms:*"], "Resource": "*"}
    assert services(_allow("sqs:SendMessage", "kms:Decrypt"), only_kms) == ["kms"]
    assert services(_allow("*"), only_kms) == ["kms"]
    assert (
        services(_allow("sqs:SendMessage"), {"Effect": "Deny", "Action": "*", "Resource": "*"})
        == []
    )


def test_after_a_simulation_the_policies_are_read_and_a_managed_one_only_once() -> None:
    """AWS answers iam:SimulatePrincipalPolicy (moto does not): the role's policies are then
    read too, for RTE004, and a managed policy two roles share costs its two reads once.
    Shapes checked by botocore's Stubber against the IAM service model."""
    import boto3
    from botocore.stub import Stubber

    from vpcprobe_collector.snapshot.readers.calls import CallRecorder
    from vpcprobe_collector.snapshot.readers.iam_reader import PolicyCache, read_role_permissions

    iam = boto3.client("iam", region_name=REGION)
    managed = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    document = {"Version": "2012-10-17", "Statement": [_allow(*ENI_ACTIONS)]}
    inline = {"Version": "2012-10-17", "Statement": [_allow("sqs:SendMessage")]}
    cache = PolicyCache()
    results = []
    with Stubber(iam) as stub:
        for index, name in enumerate(("first", "second")):
            arn = f"arn:aws:iam::123456789012:role/{name}"
            stub.add_response(
                "simulate_principal_policy",
                {
                    "EvaluationResults": [
                        {"EvalActionName": a, "EvalDecision": "allowed"} for a in ENI_ACTIONS
                    ],
                    "IsTruncated": False,
                },
            )
            stub.add_response(
                "list_attached_role_policies",
                {"AttachedPolicies": [{"PolicyArn": managed}], "IsTruncated": False},
            )
            stub.add_response("list_role_policies", {"PolicyNames": ["code"], "IsTruncated": False})
            if index == 0:
                stub.add_response(
                    "get_policy", {"Policy": {"Arn": managed, "DefaultVersionId": "v5"}}
                )
                stub.add_response(
                    "get_policy_version",
                    {"PolicyVersion": {"Document": json.dumps(document), "VersionId": "v5"}},
                )
            stub.add_response(
                "get_role_policy",
                {"RoleName": name, "PolicyName": "code", "PolicyDocument": json.dumps(inline)},
            )
            recorder = CallRecorder()
            results.append(
                (read_role_permissions(recorder, iam, arn, region=REGION, policies=cache), recorder)
            )
        stub.assert_no_pending_responses()
    assert [p.method for p, _ in results] == ["simulate", "simulate"]
    assert [p.services for p, _ in results] == [["sqs"], ["sqs"]]
    assert [len(r.api_calls) for _, r in results] == [6, 4]


def test_s3_needs_a_gateway_endpoint_on_the_subnets_route_table(
    isolated: Isolated, tmp_path: Path
) -> None:
    _function(isolated, "reads-s3", ["s3:GetObject"])
    _, without = _audit(tmp_path, "reads-s3")
    (finding,) = _rte004(without)
    assert finding["remediation"]["commands"] == [
        f"aws ec2 create-vpc-endpoint --vpc-id {isolated.vpc} --service-name "
        f"com.amazonaws.{REGION}.s3 --vpc-endpoint-type Gateway --route-table-ids "
        f"{isolated.route_table}"
    ]
    ec2 = isolated.moto.session().client("ec2")
    endpoint = ec2.create_vpc_endpoint(
        VpcId=isolated.vpc,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[isolated.route_table],
    )["VpcEndpoint"]["VpcEndpointId"]
    try:
        code, entry = _audit(tmp_path, "reads-s3")
    finally:
        _delete_endpoint(isolated, endpoint)
    assert _rte004(entry) == [], [f["message"] for f in _rte004(entry)]
    assert f"s3 via gateway endpoint {endpoint}" in _rte004(entry, "pass")[0]["message"]
    assert code == 0
