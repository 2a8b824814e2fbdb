"""The call budget with roles of several policies: AWS-managed, customer-managed and inline.

Issue 12's budget is 15 calls per VPC + 3 per function + 5 per distinct role + 10, counted at
the stand-in. A role's policy documents cost one or two calls each; past the budget a role's
policies are not read further and RTE004 says "not checked" for it (exit 4), never a pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.counting_proxy import run_counting_proxy
from tests.support.fleet_seed import ENI_ACTIONS, make_function, make_role
from tests.support.moto_server import run_moto_server
from vpcprobe_collector.cli import main

REGION = "us-east-1"
ROLES = 6
# AWSLambdaVPCAccessExecutionRole's actions (AWS Managed Policy reference). moto does not load
# AWS's managed policies by default (arn:aws:iam::aws:policy/... is NoSuchEntity), so the
# test creates it once in the account and attaches it to every role, as AWS's would be.
VPC_ACCESS_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)


def _document(*actions: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
    )


def test_roles_with_many_policies_stay_inside_the_budget_and_are_never_passed_past_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with run_moto_server() as moto:
        monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
        session = moto.session()
        ec2, iam = session.client("ec2"), session.client("iam")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock="10.9.1.0/24", AvailabilityZone=f"{REGION}a"
        )["Subnet"]["SubnetId"]
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)  # isolated: no NAT
        group = ec2.create_security_group(VpcId=vpc, GroupName="f", Description="f")["GroupId"]
        vpc_access = iam.create_policy(
            PolicyName="AWSLambdaVPCAccessExecutionRole",
            Path="/service-role/",
            PolicyDocument=_document(*VPC_ACCESS_ACTIONS),
        )["Policy"]["Arn"]
        for i in range(ROLES):
            role = make_role(session, f"many-{i}", ENI_ACTIONS)
            iam.attach_role_policy(RoleName=f"many-{i}", PolicyArn=vpc_access)
            for j in range(2):
                arn = iam.create_policy(
                    PolicyName=f"team-{i}-{j}", PolicyDocument=_document("logs:PutLogEvents")
                )["Policy"]["Arn"]
                iam.attach_role_policy(RoleName=f"many-{i}", PolicyArn=arn)
            for j, action in enumerate(("sqs:SendMessage", "kms:Decrypt")):
                iam.put_role_policy(
                    RoleName=f"many-{i}", PolicyName=f"inline-{j}", PolicyDocument=_document(action)
                )
            make_function(session, f"many-fn-{i}", role, [subnet], [group])
        with run_counting_proxy(moto.url) as proxy:
            monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
            out = tmp_path / "audit.json"
            code = main(["audit", "--format", "json", "--output", str(out), "--quiet"])
    report = json.loads(out.read_text())
    budget = 15 * 1 + 3 * ROLES + 5 * ROLES + 10
    assert proxy.total <= budget, proxy.by_service()
    # The budget is the total: policy reads may use what EC2, Lambda and quotas left of it.
    assert report["summary"]["api_calls"] == proxy.total

    judged, cut = [], []
    for entry in report["functions"]:
        rte004 = [f for f in entry["findings"] if f["code"] == "RTE004"]
        assert [f for f in rte004 if f["status"] == "pass"] == [], entry["function"]
        if any(f["status"] == "skipped" and "budget" in f["message"] for f in rte004):
            cut.append(entry["function"])
            assert any(u["subject"].startswith("RTE004") for u in entry["unjudged"])
        else:
            judged.append(entry["function"])
            failed = [f for f in rte004 if f["status"] == "fail"]
            named = {f["message"].split(" may call ")[1].split(",")[0] for f in failed}
            assert named == {"sqs", "kms"}, [f["message"] for f in rte004]
    assert cut, "every role's policies fit: the test no longer exercises the cap"
    assert judged, "no role was judged at all"
    assert code == 1  # the judged roles' sqs and kms have no endpoint (high)
