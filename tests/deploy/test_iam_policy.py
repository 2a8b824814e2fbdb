"""docs/iam-policy.json, the policy the README tells users to grant, covers every call we make."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.client
import pytest

from tests.deploy.conftest import Suspect

POLICY = Path(__file__).resolve().parents[2] / "docs" / "iam-policy.json"
# API operation names whose IAM action is spelled differently.
ACTION_FOR = {"lambda:Invoke": "lambda:InvokeFunction"}
# Creating a resource with tags (PutRule Tags=, CreateRole Tags=...) also needs the service's
# tagging action, which no separate call shows.
TAGGING_ACTION = {
    "events": "events:TagResource",
    "iam": "iam:TagRole",
    "lambda": "lambda:TagResource",
    "logs": "logs:TagResource",
}


def policy_actions() -> set[str]:
    document = json.loads(POLICY.read_text(encoding="utf-8"))
    actions: set[str] = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        listed = statement["Action"]
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Every AWS operation made in-process, as an IAM action ("ec2:DescribeSubnets")."""
    seen: set[str] = set()
    real = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: Any) -> Any:
        service = client.meta.service_model.signing_name
        action = f"{service}:{operation}"
        seen.add(ACTION_FOR.get(action, action))
        if isinstance(params, dict) and (params.get("Tags") or params.get("tags")):
            seen.add(TAGGING_ACTION.get(service, f"{service}:TagResource"))
        return real(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    yield seen


def test_the_documented_policy_covers_diagnose_deploy_wrap_and_destroy(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, calls: set[str]
) -> None:
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
    assert {"ec2:DescribeSubnets", "lambda:CreateFunction", "events:PutRule"} <= calls
    assert sorted(calls - policy_actions()) == []


def test_the_policy_names_real_services_only() -> None:
    prefixes = {action.split(":", 1)[0] for action in policy_actions()}
    assert prefixes <= {
        *("lambda", "ec2", "iam", "servicequotas", "logs", "events"),
        *("route53", "route53resolver", "sts"),  # beyond the VPC: Resolver, zones, --assume-role
    }
