"""docs/iam-policy.json allows every call vpcprobe makes, on the resource it makes it on, no more.

moto does not enforce IAM on these calls, so each recorded call is checked here against a local
evaluation of the policy document: action, resource ARN (wildcards as IAM matches them) and the
two condition operators the policy uses (StringEquals, StringLike). The resource each call
acts on follows the Service Authorization Reference for lambda, iam, logs and events.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.client
import pytest

from tests.deploy.conftest import Suspect
from vpcprobe_collector.deploy.names import BOUNDARY_POLICY_NAME, ROLE_PATH, probe_function_name
from vpcprobe_collector.deploy.role import log_group_arn, probe_policy

DOCS = Path(__file__).resolve().parents[2] / "docs"
POLICY = DOCS / "iam-policy.json"
BOUNDARY = DOCS / "iam-probe-boundary.json"
PLACEHOLDER = "SUSPECT_FUNCTION_NAME"  # the one value an operator fills in
ACCOUNT, REGION = "123456789012", "us-east-1"
READ_ONLY = "DiagnoseReadOnly"
# Statements that may name "*": the read-only one, and ListFunctions (no resource-level scope).
STAR_ALLOWED = {READ_ONLY, "DeployFindsFunctions"}
# API operation names whose IAM action is spelled differently.
ACTION_FOR = {"lambda:Invoke": "lambda:InvokeFunction"}
TAGGING_ACTION = {
    "events": "events:TagResource",
    "iam": "iam:TagRole",
    "lambda": "lambda:TagResource",
    "logs": "logs:TagResource",
}
# Granted for paths this test does not walk, each for a reason.
UNUSED_ON_PURPOSE = {
    "iam:PutRolePermissionsBoundary": "a role made by an older vpcprobe gets the boundary",
    "lambda:UntagResource": "wrap takes its tag back when the update is refused; unwrap",
    "lambda:UpdateFunctionCode": "deploy over a probe whose code changed",
    "lambda:ListTags": "finding a probe that is not under its usual name, by its tag",
    "logs:ListTagsForResource": "destroy on accounts where ListTagsLogGroup is retired",
    "lambda:InvokeFunction@WrapTheSuspect": "diagnose --wrapped (invoke is stubbed elsewhere)",
}


@dataclass(frozen=True)
class Call:
    """One authorisation AWS would make: action, resource and the request's condition keys."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


def _arn(service: str, kind: str, name: str) -> str:
    if service == "iam":
        return f"arn:aws:iam::{ACCOUNT}:{kind}{name}"
    sep = "/" if service == "events" else ":"
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{kind}{sep}{name}"


def _function_arn(name: str) -> str:
    if name.startswith("arn:"):
        return ":".join(name.split(":")[:7])
    return _arn("lambda", "function", name.split(":")[0])


@dataclass
class Recorder:
    """Every AWS call made in-process, as the authorisations AWS makes for it."""

    calls: list[Call] = field(default_factory=list)
    role_paths: dict[str, str] = field(default_factory=dict)
    role_boundaries: dict[str, str] = field(default_factory=dict)

    def _role(self, name: str) -> str:
        # A role that does not exist yet is authorised without its path.
        return _arn("iam", "role", self.role_paths.get(name, "/") + name)

    def resources(self, service: str, operation: str, params: dict[str, Any]) -> list[Call]:
        action = ACTION_FOR.get(f"{service}:{operation}", f"{service}:{operation}")
        out: list[Call] = []
        if service == "lambda":
            if "LayerName" in params:
                layer = _arn("lambda", "layer", params["LayerName"])
                if "VersionNumber" in params:
                    layer += f":{params['VersionNumber']}"
                resource = layer
            elif "FunctionName" in params or "Resource" in params:
                resource = _function_arn(params.get("FunctionName") or params["Resource"])
            else:
                resource = "*"
            if params.get("Role"):
                role = params["Role"]
                out.append(Call("iam:PassRole", role, (("iam:PassedToService", LAMBDA),)))
            for layer_arn in params.get("Layers") or []:
                out.append(Call("lambda:GetLayerVersion", layer_arn))
            if operation == "AddPermission":  # who may invoke: the condition key AWS checks
                out.append(Call(action, resource, (("lambda:Principal", params["Principal"]),)))
                return out
        elif service == "iam" and "RoleName" in params:
            name = params["RoleName"]
            if operation == "CreateRole":
                self.role_paths[name] = params.get("Path", "/")
                boundary = params.get("PermissionsBoundary")
            else:
                boundary = self.role_boundaries.get(name)
            if operation in ("CreateRole", "PutRolePermissionsBoundary"):
                self.role_boundaries[name] = params.get("PermissionsBoundary", "")
            resource = self._role(name)
            if boundary:
                out.append(Call(action, resource, (("iam:PermissionsBoundary", boundary),)))
                if params.get("Tags"):
                    out.append(Call("iam:TagRole", resource))
                return out
        elif service == "logs" and ("logGroupName" in params or "resourceArn" in params):
            resource = params.get("resourceArn") or _arn(
                "logs", "log-group", params["logGroupName"]
            )
        elif service == "events" and ("Name" in params or "Rule" in params):
            resource = _arn("events", "rule", params.get("Name") or params["Rule"])
        elif service == "events" and "ResourceARN" in params:
            resource = params["ResourceARN"]
        else:
            resource = "*"
        out.append(Call(action, resource))
        if params.get("Tags") or params.get("tags"):
            out.append(Call(TAGGING_ACTION.get(service, f"{service}:TagResource"), resource))
        return out


LAMBDA = "lambda.amazonaws.com"


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    seen = Recorder()
    real = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: Any) -> Any:
        service = client.meta.service_model.signing_name
        seen.calls.extend(seen.resources(service, operation, dict(params or {})))
        return real(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    yield seen


# ------------------------------------------------------------------- the local policy evaluator


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _condition_holds(condition: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    for operator, tests in condition.items():
        for key, wanted in tests.items():
            if key not in context:
                return False
            value = context[key]
            if operator == "StringEquals":
                ok = value in _listed(wanted)
            elif operator == "StringLike":
                ok = any(fnmatch.fnmatchcase(value, w) for w in _listed(wanted))
            else:
                raise AssertionError(f"the evaluator does not know {operator}")
            if not ok:
                return False
    return True


def allowing(document: dict[str, Any], call: Call) -> list[str]:
    """The Sids of the statements that allow `call` (empty: denied)."""
    context = dict(call.context)
    out = []
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = [a.lower() for a in _listed(statement["Action"])]
        if not any(fnmatch.fnmatchcase(call.action.lower(), a) for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(call.resource, r) for r in _listed(statement["Resource"])):
            continue
        if not _condition_holds(statement.get("Condition", {}), context):
            continue
        out.append(statement["Sid"])
    return out


def load(path: Path, suspect: str | None = None) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if suspect is not None:
        text = text.replace(PLACEHOLDER, suspect)
    # IAM fills this policy variable with the caller's own account.
    text = text.replace("${aws:PrincipalAccount}", ACCOUNT)
    document: dict[str, Any] = json.loads(text)
    return document


# ------------------------------------------------------------------------------------- tests


def test_every_call_is_allowed_on_its_resource_and_every_grant_is_used(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, recorder: Recorder
) -> None:
    iam = suspect.client("iam")
    iam.create_policy(
        PolicyName=BOUNDARY_POLICY_NAME,
        Path=ROLE_PATH,
        PolicyDocument=BOUNDARY.read_text(encoding="utf-8"),
    )
    recorder.calls.clear()
    runs = [
        vpcprobe("diagnose", suspect.name, "--no-probe", "--target", "10.0.1.50:5432"),
        vpcprobe("deploy", "--like", suspect.name, "--layer-zip", str(layer_zip)),
        vpcprobe("diagnose", suspect.name, "--target", "10.0.1.50:5432"),  # finds the probe
        vpcprobe("wrap", suspect.name, "--layer-zip", str(layer_zip)),
        vpcprobe("unwrap", suspect.name),
        vpcprobe(
            "deploy",
            "--like",
            suspect.name,
            "--layer-zip",
            str(layer_zip),
            "--schedule",
            "rate(5 minutes)",
            "--target",
            "10.0.1.50:5432",
        ),
        vpcprobe("destroy", "--like", suspect.name),
    ]
    assert [r.code for r in runs if r.code >= 2] == [], [r.err for r in runs]
    assert f"removed EventBridge rule vpcprobe-canary-{suspect.name}" in runs[-1].out
    document = load(POLICY, suspect.name)
    denied = sorted({c for c in recorder.calls if not allowing(document, c)}, key=str)
    assert denied == []
    # too wide: every action of every scoped statement is used by some call
    used = {(sid, c.action) for c in recorder.calls for sid in allowing(document, c)}
    for statement in document["Statement"]:
        if statement["Sid"] == READ_ONLY:
            continue  # reads of what a diagnosis needs; this scenario has no NAT, IGW, ...
        for action in _listed(statement["Action"]):
            key = f"{action}@{statement['Sid']}"
            if action in UNUSED_ON_PURPOSE or key in UNUSED_ON_PURPOSE:
                continue
            assert (statement["Sid"], action) in used, f"{key} is granted but never used"
    # the probe's role was asked for under vpcprobe's path, with the boundary
    created = [c for c in recorder.calls if c.action == "iam:CreateRole"]
    assert [c.resource for c in created] == [
        f"arn:aws:iam::{ACCOUNT}:role{ROLE_PATH}{probe_function_name(suspect.name)}"
    ]
    assert dict(created[0].context)["iam:PermissionsBoundary"] == (
        f"arn:aws:iam::{ACCOUNT}:policy{ROLE_PATH}{BOUNDARY_POLICY_NAME}"
    )


def test_deploy_creates_the_role_with_the_boundary(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    run = vpcprobe("deploy", "--like", suspect.name, "--layer-zip", str(layer_zip))
    assert run.code == 0, run.err
    role = suspect.client("iam").get_role(RoleName=probe_function_name(suspect.name))["Role"]
    assert role["Path"] == ROLE_PATH
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == (
        f"arn:aws:iam::{ACCOUNT}:policy{ROLE_PATH}{BOUNDARY_POLICY_NAME}"
    )


PROBE_FN = _function_arn("vpcprobe-probe-orders-api")
PROBE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/vpcprobe/vpcprobe-probe-orders-api"
OUR_BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/vpcprobe/{BOUNDARY_POLICY_NAME}"


@pytest.mark.parametrize(
    "call",
    [
        Call("lambda:UpdateFunctionConfiguration", _function_arn("payments")),
        Call("lambda:AddPermission", _function_arn("payments")),
        # A resource policy on the probe for anyone but the schedule (a public invoke).
        Call("lambda:AddPermission", PROBE_FN, (("lambda:Principal", "*"),)),
        Call("lambda:AddPermission", PROBE_FN),
        Call("lambda:CreateFunction", _function_arn("payments")),
        Call("lambda:DeleteFunction", _function_arn("orders-api")),
        Call("lambda:InvokeFunction", _function_arn("payments")),
        Call("lambda:PublishLayerVersion", _arn("lambda", "layer", "other-layer")),
        # A layer of the same name shared from another account is never attached or read.
        Call(
            "lambda:GetLayerVersion",
            "arn:aws:lambda:us-east-1:999999999999:layer:vpcprobe-python3-13-x86_64:1",
        ),
        Call(
            "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin", (("iam:PassedToService", LAMBDA),)
        ),
        Call("iam:PassRole", PROBE_ROLE, (("iam:PassedToService", "ec2.amazonaws.com"),)),
        Call("iam:PassRole", PROBE_ROLE),
        Call("iam:CreateRole", PROBE_ROLE),  # without a boundary
        Call(
            "iam:CreateRole",
            PROBE_ROLE,
            (("iam:PermissionsBoundary", "arn:aws:iam::aws:policy/AdministratorAccess"),),
        ),
        Call(
            "iam:CreateRole",
            f"arn:aws:iam::{ACCOUNT}:role/admin",
            (("iam:PermissionsBoundary", OUR_BOUNDARY),),
        ),
        Call("iam:PutRolePolicy", PROBE_ROLE),  # a role without the boundary
        Call("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/orders-api-role"),
        Call("iam:AttachRolePolicy", PROBE_ROLE, (("iam:PermissionsBoundary", OUR_BOUNDARY),)),
        Call("iam:DeleteRolePermissionsBoundary", PROBE_ROLE),
        Call("iam:CreatePolicyVersion", OUR_BOUNDARY),
        Call("iam:DeleteRole", f"arn:aws:iam::{ACCOUNT}:role/orders-api-role"),
        Call("logs:DeleteLogGroup", _arn("logs", "log-group", "/aws/lambda/payments")),
        Call("events:PutRule", _arn("events", "rule", "nightly-billing")),
        Call("events:PutTargets", _arn("events", "rule", "nightly-billing")),
        Call("lambda:CreateFunctionUrlConfig", PROBE_FN),
    ],
    ids=str,
)
def test_what_the_policy_never_allows(call: Call) -> None:
    assert allowing(load(POLICY, "orders-api"), call) == []


def test_the_suspect_is_the_one_place_to_fill_in() -> None:
    text = POLICY.read_text(encoding="utf-8")
    assert text.count(PLACEHOLDER) == 1
    wrap = Call("lambda:UpdateFunctionConfiguration", _function_arn("orders-api"))
    assert allowing(load(POLICY), wrap) == []  # unfilled, it allows no function
    assert allowing(load(POLICY, "orders-api"), wrap) == ["WrapTheSuspect"]


def test_only_reads_name_every_resource_and_the_read_only_statement_is_a_plain_list() -> None:
    document = load(POLICY)
    for statement in document["Statement"]:
        if "*" in _listed(statement["Resource"]):
            assert statement["Sid"] in STAR_ALLOWED, statement["Sid"]
    read_only = next(s for s in document["Statement"] if s["Sid"] == READ_ONLY)
    assert isinstance(read_only["Action"], list) and "Condition" not in read_only
    assert not any(
        a.split(":")[1].startswith(("Create", "Put", "Update", "Delete", "Add", "Tag"))
        for a in read_only["Action"]
    )
    deploy_only = {"lambda:ListFunctions", "lambda:ListTags", "iam:GetRole", "iam:ListRoleTags"}
    assert deploy_only.isdisjoint(read_only["Action"])


def test_the_boundary_allows_what_the_probe_role_holds_and_nothing_more() -> None:
    boundary = load(BOUNDARY)
    group = log_group_arn(REGION, ACCOUNT, "vpcprobe-probe-orders-api")
    for statement in probe_policy(group)["Statement"]:
        for action in _listed(statement["Action"]):
            for resource in _listed(statement["Resource"]):
                assert allowing(boundary, Call(action, resource)), (action, resource)
    for action, resource in [
        ("iam:PassRole", "*"),
        ("lambda:InvokeFunction", "*"),
        ("s3:GetObject", "*"),
        ("logs:PutLogEvents", _arn("logs", "log-group", "/aws/lambda/payments:*")),
        ("secretsmanager:GetSecretValue", "*"),
    ]:
        assert allowing(boundary, Call(action, resource)) == [], (action, resource)


def test_the_policy_names_real_services_only() -> None:
    prefixes = {
        action.split(":", 1)[0]
        for statement in load(POLICY)["Statement"]
        for action in _listed(statement["Action"])
    }
    assert prefixes <= {
        *("lambda", "ec2", "iam", "servicequotas", "logs", "events"),
        *("route53", "route53resolver", "sts"),  # beyond the VPC: Resolver, zones, --assume-role
        "directconnect",  # beyond a TGW: the Direct Connect gateway an attachment leads to
    }
