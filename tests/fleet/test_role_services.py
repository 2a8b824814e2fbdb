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
        # Isolated on purpose in every test, whatever ran before it on this worker: one
        # standing interface endpoint (a service none of the roles here calls).
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{REGION}.ssm",
            VpcEndpointType="Interface",
            SubnetIds=[subnet],
            SecurityGroupIds=[endpoint_sg],
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
    _function(isolated, "diagnosed-sqs", ["sqs:SendMessage"])
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


# ------------------------------------------------------------- review defects (issue 12)


def test_a_dynamodb_gateway_endpoint_does_not_make_other_services_reachable(
    isolated: Isolated, tmp_path: Path
) -> None:
    """The stand-in address for a service with no endpoint was inside DynamoDB's prefix list:
    every service then counted as reached "via gateway endpoint" of DynamoDB (exit 0)."""
    _function(
        isolated,
        "ddb-and-sqs",
        ["dynamodb:GetItem", "sqs:SendMessage", "secretsmanager:GetSecretValue"],
    )
    ec2 = isolated.moto.session().client("ec2")
    gateway = ec2.create_vpc_endpoint(
        VpcId=isolated.vpc,
        ServiceName=f"com.amazonaws.{REGION}.dynamodb",
        VpcEndpointType="Gateway",
        RouteTableIds=[isolated.route_table],
    )["VpcEndpoint"]["VpcEndpointId"]
    try:
        code, entry = _audit(tmp_path, "ddb-and-sqs")
    finally:
        _delete_endpoint(isolated, gateway)
    failed = {f["message"].split(" may call ")[1].split(",")[0] for f in _rte004(entry)}
    assert failed == {"sqs", "secretsmanager"}
    assert all(gateway not in f["message"] for f in _rte004(entry))
    (passed,) = _rte004(entry, "pass")
    assert f"dynamodb via gateway endpoint {gateway}" in passed["message"]
    assert "sqs via" not in passed["message"]
    assert code == 1


# AWS managed policies, as AWS documents them (AWS Managed Policy reference), written here.
_LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
AWS_LAMBDA_SQS_QUEUE_EXECUTION_ROLE = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    *_LOGS,
]
AWS_LAMBDA_DYNAMODB_EXECUTION_ROLE = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
    *_LOGS,
]
AWS_LAMBDA_KINESIS_EXECUTION_ROLE = [
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
    "kinesis:ListStreams",
    "kinesis:SubscribeToShard",
    *_LOGS,
]
AWS_LAMBDA_MSK_EXECUTION_ROLE = [
    "kafka:DescribeCluster",
    "kafka:DescribeClusterV2",
    "kafka:GetBootstrapBrokers",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    *_LOGS,
]


def test_event_source_mapping_policies_are_what_lambda_polls_not_the_code() -> None:
    from vpcprobe_collector.snapshot.readers.iam_reader import (
        allowed_services,
        event_source_services,
    )

    for actions, service in (
        (AWS_LAMBDA_SQS_QUEUE_EXECUTION_ROLE, "sqs"),
        (AWS_LAMBDA_DYNAMODB_EXECUTION_ROLE, "dynamodb"),
        (AWS_LAMBDA_KINESIS_EXECUTION_ROLE, "kinesis"),
    ):
        documents = [{"Statement": [_allow(*actions)]}]
        assert allowed_services(documents) == [service]
        assert event_source_services(documents) == [service]
    msk = [{"Statement": [_allow(*AWS_LAMBDA_MSK_EXECUTION_ROLE)]}]
    assert event_source_services(msk) == sorted(allowed_services(msk)) == ["ec2", "kafka"]
    # The code's own call of the same service, or a wildcard, is judged as before.
    mixed = [{"Statement": [_allow(*AWS_LAMBDA_SQS_QUEUE_EXECUTION_ROLE, "sqs:SendMessage")]}]
    assert event_source_services(mixed) == []
    assert event_source_services([{"Statement": [_allow("sqs:*")]}]) == []
    # EFS mounts and active tracing are Lambda's own, like rds-db:connect.
    own = [
        "elasticfilesystem:ClientMount",
        "elasticfilesystem:ClientWrite",
        "elasticfilesystem:ClientRootAccess",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    ]
    assert allowed_services([{"Statement": [_allow(*own, *_LOGS)]}]) == []


def _managed(stand: Isolated, role: str, name: str, actions: list[str]) -> None:
    iam = stand.moto.session().client("iam")
    document = {"Version": "2012-10-17", "Statement": [_allow(*actions)]}
    arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)


def test_an_sqs_triggered_function_is_low_not_high_with_the_reason(
    isolated: Isolated, tmp_path: Path
) -> None:
    _function(isolated, "sqs-triggered", [])
    _managed(
        isolated, "sqs-triggered-role", "SqsQueueExecution", AWS_LAMBDA_SQS_QUEUE_EXECUTION_ROLE
    )
    code, entry = _audit(tmp_path, "sqs-triggered")
    (finding,) = _rte004(entry)
    assert finding["severity"] == "low"
    assert "event source mapping" in finding["message"]
    assert "outside the VPC" in finding["message"]
    assert code == 0  # low is below the default --fail-on high


def test_efs_and_xray_permissions_ask_for_no_endpoint(isolated: Isolated, tmp_path: Path) -> None:
    _function(
        isolated,
        "mounts-efs",
        [
            "elasticfilesystem:ClientMount",
            "elasticfilesystem:ClientWrite",
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
        ],
    )
    code, entry = _audit(tmp_path, "mounts-efs")
    assert _rte004(entry) == []
    assert "no AWS service" in _rte004(entry, "pass")[0]["message"]
    assert code == 0


def test_denied_endpoint_reads_are_not_judged_never_no_endpoint(
    isolated: Isolated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.counting_proxy import run_counting_proxy

    _function(isolated, "endpoints-denied", ["sqs:SendMessage"])
    with run_counting_proxy(isolated.moto.url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        proxy.refuse = lambda seen: (
            (403, "AccessDenied", "denied") if b"Action=DescribeVpcEndpoints" in seen.body else None
        )
        code, entry = _audit(tmp_path, "endpoints-denied")
    assert _rte004(entry) == []
    (skipped,) = _rte004(entry, "skipped")
    assert "VPC endpoints could not be read" in skipped["message"]
    assert all(
        "no endpoint" not in f["message"] for f in entry["findings"] if f["code"] == "RTE004"
    )
    assert any(u["subject"].startswith("RTE004") for u in entry["unjudged"])
    assert code in (1, 4)  # never 0; 1 only if another rule fails at high


def test_bedrock_is_not_judged_as_it_answers_on_several_endpoints(
    isolated: Isolated, tmp_path: Path
) -> None:
    _function(isolated, "lists-models", ["bedrock:ListFoundationModels"])
    _endpoint_id = _endpoint(isolated, "bedrock-runtime")
    try:
        code, entry = _audit(tmp_path, "lists-models")
    finally:
        _delete_endpoint(isolated, _endpoint_id)
    assert _rte004(entry, "pass") == []  # bedrock-runtime is not bedrock's control plane
    (skipped,) = _rte004(entry, "skipped")
    assert "bedrock" in skipped["message"] and "several endpoints" in skipped["message"]
    assert code == 4


def test_a_pending_endpoint_is_named_with_its_state_not_no_endpoint() -> None:
    """moto makes every endpoint available at once, so this is the rule on a built snapshot."""
    from tests.scenarios import builder as b
    from vpcprobe_collector.findings.model import FindingStatus
    from vpcprobe_collector.rules.context import RuleContext
    from vpcprobe_collector.rules.engine import run_rules
    from vpcprobe_collector.rules.role_services import RoleServiceUnreachable
    from vpcprobe_collector.snapshot.model import VpcEndpoint

    snap = b.healthy()
    for table in snap.route_tables:
        table.routes = [r for r in table.routes if r.destination_cidr != "0.0.0.0/0"]
    assert snap.role_permissions is not None
    snap.role_permissions.services = ["sqs"]
    name = f"com.amazonaws.{b.REGION}.sqs"
    snap.vpc_endpoints.append(
        VpcEndpoint(
            vpc_endpoint_id="vpce-0pending000000001",
            vpc_id=b.VPC,
            service_name=name,
            endpoint_type="Interface",
            state="pending",
            private_dns_enabled=True,
        )
    )
    found = run_rules(RuleContext(snapshot=snap, reports=[], targets=[]), [RoleServiceUnreachable])
    failed = [f for f in found if f.status is FindingStatus.FAIL]
    assert failed, [f.message for f in found]
    for finding in failed:
        assert "vpce-0pending000000001 is pending, not available" in finding.message
        assert "has no endpoint" not in finding.message
