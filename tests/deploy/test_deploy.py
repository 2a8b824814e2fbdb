"""`vpcprobe deploy/destroy --like` against moto: what is created, updated and removed."""

from __future__ import annotations

import json
import re
import shlex
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from tests.deploy.conftest import SUSPECT, Suspect, code_zip, write_layer_zip
from vpcprobe_collector.commands import deploy as deploy_command
from vpcprobe_collector.deploy import find_probe_function
from vpcprobe_collector.deploy.names import function_name_from, probe_function_name
from vpcprobe_collector.errors import AwsAccessError

pytestmark = pytest.mark.moto

PROBE = f"vpcprobe-probe-{SUSPECT}"
TAGS = {"vpcprobe:like": SUSPECT, "vpcprobe:managed": "true"}


def layer_versions(suspect: Suspect, name: str = "vpcprobe-python313-arm64") -> list[str]:
    versions = suspect.client("lambda").list_layer_versions(LayerName=name)["LayerVersions"]
    return [version["LayerVersionArn"] for version in versions]


def probe_configuration(suspect: Suspect) -> dict[str, Any]:
    configuration: dict[str, Any] = suspect.client("lambda").get_function(FunctionName=PROBE)[
        "Configuration"
    ]
    return configuration


def inventory(suspect: Suspect) -> dict[str, Any]:
    """Everything in the account a deploy could have touched."""
    lam, iam = suspect.client("lambda"), suspect.client("iam")
    roles = iam.list_roles()["Roles"]
    return {
        "functions": sorted(f["FunctionName"] for f in lam.list_functions()["Functions"]),
        "roles": sorted(r["RoleName"] for r in roles),
        "layers": sorted(
            v["LayerVersionArn"]
            for layer in lam.list_layers()["Layers"]
            for v in lam.list_layer_versions(LayerName=layer["LayerName"])["LayerVersions"]
        ),
        "log_groups": sorted(
            g["logGroupName"] for g in suspect.client("logs").describe_log_groups()["logGroups"]
        ),
        "rules": sorted(r["Name"] for r in suspect.client("events").list_rules()["Rules"]),
    }


def test_deploy_creates_layer_role_and_function_like_the_suspect(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 0, result.err
    lam, iam = suspect.client("lambda"), suspect.client("iam")
    probe = lam.get_function(FunctionName=PROBE)
    configuration = probe["Configuration"]
    assert configuration["VpcConfig"]["SubnetIds"] == suspect.subnet_ids
    assert configuration["VpcConfig"]["SecurityGroupIds"] == suspect.group_ids
    assert configuration["VpcConfig"]["Ipv6AllowedForDualStack"] is True
    assert configuration["Architectures"] == ["arm64"]
    assert configuration["Handler"] == "vpcprobe.handler.handler"
    assert configuration["Runtime"] == "python3.13"
    assert configuration["Timeout"] == 30
    assert probe["Tags"] == TAGS
    # The layer: published for the suspect's architecture, attached to the probe.
    (layer,) = configuration["Layers"]
    assert ":layer:vpcprobe-python313-arm64:1" in layer["Arn"]
    version = lam.get_layer_version(LayerName="vpcprobe-python313-arm64", VersionNumber=1)
    assert version["CompatibleArchitectures"] == ["arm64"]
    assert version["CompatibleRuntimes"] == ["python3.13"]
    # The role: trusted by Lambda only, tagged, least privilege on its own log group.
    role = iam.get_role(RoleName=PROBE)["Role"]
    assert configuration["Role"] == role["Arn"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=PROBE)["Tags"]}
    assert tags == TAGS
    policy = iam.get_role_policy(RoleName=PROBE, PolicyName="vpcprobe-probe")["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    eni, logs = policy["Statement"]
    assert sorted(eni["Action"]) == [
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
    ]
    group = f"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/{PROBE}"
    assert logs["Resource"] == [group, f"{group}:*"]
    assert "logs:CreateLogGroup" not in logs["Action"]
    (log_group,) = suspect.client("logs").describe_log_groups()["logGroups"]
    assert (log_group["logGroupName"], log_group["retentionInDays"]) == (f"/aws/lambda/{PROBE}", 14)
    # What the user reads: each creation, and the probe's ARN.
    assert f"created probe function {PROBE}" in result.out
    assert f"created IAM role {PROBE}" in result.out
    assert "published layer version" in result.out
    assert "waiting for" in result.err
    assert find_probe_function(suspect.server.session(), SUSPECT) == PROBE


def test_second_deploy_changes_nothing(suspect: Suspect, layer_zip: Path, vpcprobe: Any) -> None:
    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    before = probe_configuration(suspect), inventory(suspect)

    again = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))

    assert again.code == 0, again.err
    assert (probe_configuration(suspect), inventory(suspect)) == before
    assert "nothing changed" in again.out


def test_redeploy_follows_the_suspects_current_network_and_nothing_else(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    before = probe_configuration(suspect)
    lam = suspect.client("lambda")
    new_network = {
        "SubnetIds": suspect.subnet_ids[1:],
        "SecurityGroupIds": [suspect.other_group_id],
        "Ipv6AllowedForDualStack": False,
    }
    lam.update_function_configuration(FunctionName=SUSPECT, VpcConfig=new_network)

    again = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))

    assert again.code == 0, again.err
    after = probe_configuration(suspect)
    assert {k: after["VpcConfig"][k] for k in new_network} == new_network
    # LastModified/RevisionId record the update itself; everything else must be unchanged.
    volatile = {"VpcConfig", "LastModified", "RevisionId"}
    assert {k: v for k, v in after.items() if k not in volatile} == {
        k: v for k, v in before.items() if k not in volatile
    }
    assert "updated the VpcConfig" in again.out


def test_print_sam_parameters_matches_what_deploy_creates(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    printed = vpcprobe("deploy", "--like", SUSPECT, "--print-sam-parameters")
    assert printed.code == 0, printed.err
    assert inventory(suspect)["functions"] == [SUSPECT]  # printing deploys nothing
    parameters = dict(pair.split("=", 1) for pair in printed.out.split())

    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    vpc = probe_configuration(suspect)["VpcConfig"]

    assert parameters == {
        "SubnetIds": ",".join(vpc["SubnetIds"]),
        "SecurityGroupIds": ",".join(vpc["SecurityGroupIds"]),
        "Ipv6AllowedForDualStack": "true",
        "Architecture": "arm64",
    }


def test_destroy_removes_exactly_what_deploy_created(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    lam = suspect.client("lambda")
    users_layer = lam.publish_layer_version(
        LayerName="orders-deps", Content={"ZipFile": layer_zip.read_bytes()}
    )["LayerVersionArn"]
    before = inventory(suspect)
    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    assert inventory(suspect) != before

    result = vpcprobe("destroy", "--like", SUSPECT)

    assert result.code == 0, result.err
    assert inventory(suspect) == before
    assert users_layer in before["layers"]
    lines = result.out.splitlines()
    assert f"removed Lambda function {PROBE}" in lines
    assert f"removed IAM role {PROBE}" in lines
    assert f"removed inline policy vpcprobe-probe of IAM role {PROBE}" in lines
    assert f"removed log group /aws/lambda/{PROBE}" in lines
    assert any(line.startswith("removed layer version") for line in lines)


def test_destroy_keeps_a_layer_version_another_function_still_uses(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    layer = probe_configuration(suspect)["Layers"][0]["Arn"]
    lam = suspect.client("lambda")
    lam.update_function_configuration(FunctionName=SUSPECT, Layers=[layer])

    result = vpcprobe("destroy", "--like", SUSPECT)

    assert result.code == 0, result.err
    assert layer in inventory(suspect)["layers"]
    assert "removed layer version" not in result.out


def test_destroy_with_nothing_deployed_says_so(suspect: Suspect, vpcprobe: Any) -> None:
    before = inventory(suspect)

    result = vpcprobe("destroy", "--like", SUSPECT)

    assert (result.code, result.out.strip()) == (
        0,
        f"nothing to remove: no probe deployed by vpcprobe for {SUSPECT}",
    )
    assert inventory(suspect) == before


def test_deploy_with_role_creates_no_role(suspect: Suspect, layer_zip: Path, vpcprobe: Any) -> None:
    result = vpcprobe(
        "deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip), "--role", suspect.role_arn
    )

    assert result.code == 0, result.err
    assert probe_configuration(suspect)["Role"] == suspect.role_arn
    assert inventory(suspect)["roles"] == ["orders-api-role"]
    # destroy must leave the user's role alone.
    assert vpcprobe("destroy", "--like", SUSPECT).code == 0
    assert inventory(suspect)["roles"] == ["orders-api-role"]


def test_deploy_schedule_creates_a_tagged_rule_with_the_stored_request(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    result = vpcprobe(
        "deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip),
        "--schedule", "rate(5 minutes)", "--target", "db.internal:5432",
    )  # fmt: skip

    assert result.code == 0, result.err
    events = suspect.client("events")
    rule_name = f"vpcprobe-canary-{SUSPECT}"
    rule = events.describe_rule(Name=rule_name)
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    tags = {
        t["Key"]: t["Value"] for t in events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]
    }
    assert tags == TAGS
    (target,) = events.list_targets_by_rule(Rule=rule_name)["Targets"]
    configuration = probe_configuration(suspect)
    assert target["Arn"] == configuration["FunctionArn"]
    assert json.loads(target["Input"]) == {
        "vpcprobe_canary": {"targets": [{"host": "db.internal", "port": 5432}]}
    }
    assert configuration["Handler"] == "vpcprobe.canary.handler"
    policy = json.loads(suspect.client("lambda").get_policy(FunctionName=PROBE)["Policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}

    before = probe_configuration(suspect), inventory(suspect)
    again = vpcprobe(
        "deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip),
        "--schedule", "rate(5 minutes)", "--target", "db.internal:5432",
    )  # fmt: skip
    assert "nothing changed" in again.out
    assert (probe_configuration(suspect), inventory(suspect)) == before

    removed = vpcprobe("destroy", "--like", SUSPECT)
    assert f"removed EventBridge rule {rule_name} (rate(5 minutes))" in removed.out
    assert events.list_rules()["Rules"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--schedule", "every 5 minutes"], "use an EventBridge expression such as"),
        (["--target", "db.internal:5432"], "--target is the canary's stored request"),
        (["--schedule", "rate(5 minutes)", "--target", "db:99999"], "port must be a number"),
    ],
)
def test_bad_schedule_arguments_are_refused(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, argv: list[str], message: str
) -> None:
    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip), *argv)

    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert inventory(suspect)["functions"] == [SUSPECT]


@pytest.mark.parametrize(
    "given",
    [
        "orders-api",
        "orders-api:7",
        "orders-api:live",
        "123456789012:function:orders-api",
        "arn:aws:lambda:us-east-1:123456789012:function:orders-api",
        "arn:aws:lambda:us-east-1:123456789012:function:orders-api:live",
    ],
)
def test_every_way_to_name_the_suspect_gives_the_same_probe(given: str) -> None:
    assert probe_function_name(function_name_from(given)) == PROBE


def test_long_suspect_names_give_valid_distinct_names() -> None:
    long_a, long_b = "a" * 64, "a" * 63 + "b"
    assert len(probe_function_name(long_a)) <= 64
    assert probe_function_name(long_a) != probe_function_name(long_b)
    assert probe_function_name("short") == "vpcprobe-probe-short"


def test_redeploy_follows_an_architecture_change_with_the_matching_layer(
    suspect: Suspect,
    layer_zip: Path,
    vpcprobe: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    before = probe_configuration(suspect)
    # The suspect is rebuilt for x86_64 (moto ignores Architectures in UpdateFunctionCode,
    # so the suspect is recreated, and the probe's own change is checked on the request).
    lam = suspect.client("lambda")
    old = lam.get_function(FunctionName=SUSPECT)["Configuration"]
    lam.delete_function(FunctionName=SUSPECT)
    lam.create_function(
        FunctionName=SUSPECT,
        Runtime=old["Runtime"],
        Role=old["Role"],
        Handler=old["Handler"],
        Code={"ZipFile": code_zip()},
        VpcConfig={k: old["VpcConfig"][k] for k in ("SubnetIds", "SecurityGroupIds")},
        Architectures=["x86_64"],
    )
    session = boto3.Session(region_name="us-east-1")
    code_updates: list[dict[str, Any]] = []
    session.events.register(
        "provide-client-params.lambda.UpdateFunctionCode",
        lambda params, **_: code_updates.append(params),
    )
    monkeypatch.setattr(deploy_command, "session_for", lambda *_args: session)
    x86_zip = write_layer_zip(tmp_path / "vpcprobe-layer-python3.13-x86_64.zip")

    again = vpcprobe("deploy", "--like", suspect.arn, "--layer-zip", str(x86_zip))

    assert again.code == 0, again.err
    assert [update["Architectures"] for update in code_updates] == [["x86_64"]]
    after = probe_configuration(suspect)
    (layer,) = after["Layers"]
    assert ":layer:vpcprobe-python313-x86_64:" in layer["Arn"]
    assert after["VpcConfig"]["Ipv6AllowedForDualStack"] is False  # the recreated suspect's
    assert after["Role"] == before["Role"]
    assert "changed the architecture of vpcprobe-probe-orders-api from arm64 to x86_64" in (
        again.out
    )
    assert layer_versions(suspect, "vpcprobe-python313-arm64") == []  # the replaced one


def test_find_probe_function_without_a_probe_or_permission_is_none(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    session = suspect.server.session()
    assert find_probe_function(session, SUSPECT) is None
    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    assert find_probe_function(session, suspect.arn) == PROBE

    def denied(**_: Any) -> Any:
        body = {"Error": {"Code": "AccessDeniedException", "Message": "no"}}
        return AWSResponse("http://127.0.0.1/", 403, {}, None), body

    session.events.register("before-call.lambda.GetFunction", denied)
    session.events.register("before-call.lambda.ListFunctions", denied)
    assert find_probe_function(session, SUSPECT) is None


def test_find_probe_function_throttled_is_an_error_not_no_probe(suspect: Suspect) -> None:
    """Only "not found" and "denied" mean no probe; throttling is no answer about it."""
    session = suspect.server.session()

    def throttled(**_: Any) -> Any:
        body = {"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}
        return AWSResponse("http://127.0.0.1/", 429, {}, None), body

    session.events.register("before-call.lambda.GetFunction", throttled)
    with pytest.raises(AwsAccessError, match="lambda:GetFunction failed: TooManyRequests"):
        find_probe_function(session, SUSPECT)


def test_a_same_named_function_the_user_owns_is_never_touched(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    suspect.client("lambda").create_function(
        FunctionName=PROBE,
        Runtime="python3.12",
        Role=suspect.role_arn,
        Handler="app.handler",
        Code={"ZipFile": code_zip()},
    )
    before = inventory(suspect)

    deployed = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))
    destroyed = vpcprobe("destroy", "--like", SUSPECT)

    assert deployed.code == 2
    assert deployed.err == (
        f"vpcprobe: error: a function named {PROBE} exists and was not created by vpcprobe: "
        "vpcprobe will not change it\n"
    )
    assert destroyed.code == 0
    assert destroyed.out.startswith("nothing to remove")
    assert inventory(suspect) == before


def test_a_new_layer_build_replaces_the_old_version_and_destroy_leaves_none(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, tmp_path: Path
) -> None:
    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    (first,) = layer_versions(suspect)
    rebuilt = write_layer_zip(tmp_path / "rebuilt.zip")
    with zipfile.ZipFile(rebuilt, "a") as archive:  # a new build: other content
        archive.writestr("python/vpcprobe/build.txt", "second build\n")

    again = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(rebuilt))

    assert again.code == 0, again.err
    (second,) = [layer["Arn"] for layer in probe_configuration(suspect)["Layers"]]
    assert second != first
    assert f"deleted the replaced layer version {first}" in again.out.splitlines()
    assert layer_versions(suspect) == [second]

    destroyed = vpcprobe("destroy", "--like", SUSPECT)

    assert destroyed.code == 0, destroyed.err
    assert layer_versions(suspect) == []


def test_a_replaced_layer_version_another_function_uses_is_kept(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, tmp_path: Path
) -> None:
    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    (first,) = layer_versions(suspect)
    suspect.client("lambda").update_function_configuration(FunctionName=SUSPECT, Layers=[first])
    rebuilt = write_layer_zip(tmp_path / "rebuilt.zip")
    with zipfile.ZipFile(rebuilt, "a") as archive:
        archive.writestr("python/vpcprobe/build.txt", "second build\n")

    again = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(rebuilt))

    assert again.code == 0, again.err
    assert first in layer_versions(suspect)
    assert "deleted the replaced" not in again.out


def test_print_sam_parameters_with_a_schedule_gives_the_canary_deploy_stores(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    canary = ["--schedule", "rate(5 minutes)", "--target", "db.internal:5432"]
    printed = vpcprobe("deploy", "--like", SUSPECT, *canary, "--print-sam-parameters")
    assert printed.code == 0, printed.err
    assert inventory(suspect)["rules"] == []  # printing deploys nothing
    line = printed.out.strip()
    assert "\n" not in line
    assert " ScheduleExpression='rate(5 minutes)' " in f" {line} "
    # sam deploy splits on spaces outside quotes and strips a value's wrapping quotes.
    parameters = dict(pair.split("=", 1) for pair in shlex.split(line))
    assert set(parameters) == {
        "SubnetIds", "SecurityGroupIds", "Ipv6AllowedForDualStack", "Architecture",
        "ScheduleExpression", "CanaryRequest",
    }  # fmt: skip
    assert parameters["ScheduleExpression"] == "rate(5 minutes)"

    deployed = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip), *canary)
    assert deployed.code == 0, deployed.err
    (target,) = suspect.client("events").list_targets_by_rule(Rule=f"vpcprobe-canary-{SUSPECT}")[
        "Targets"
    ]
    # The event the template's rule sends is the one deploy's rule sends.
    template = (Path(__file__).resolve().parents[2] / "template.yaml").read_text()
    match = re.search(r"Input: !Sub '(.*)'", template)
    assert match is not None
    event = match[1].replace("${CanaryRequest}", parameters["CanaryRequest"])
    assert json.loads(event) == json.loads(target["Input"])
