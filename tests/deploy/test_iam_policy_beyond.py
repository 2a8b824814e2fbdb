"""docs/iam-policy.json's read-only statement covers every read beyond the VPC: peering (and
--assume-role for another account), transit gateways, VPN, Route 53 Resolver, private hosted
zones and DNS Firewall, recorded against moto (DNS Firewall calls are made and answered 500
by moto 5.2.5, which lacks them; the call is what the policy must allow)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest

from tests.deploy.test_iam_policy import POLICY
from tests.support import beyond_scenarios as bs
from tests.support.moto_server import MotoServer
from vpcprobe_collector.snapshot.build import take_snapshot

pytestmark = pytest.mark.moto


def read_only_actions() -> set[str]:
    document = json.loads(POLICY.read_text(encoding="utf-8"))
    (statement,) = [s for s in document["Statement"] if s["Sid"] == "DiagnoseReadOnly"]
    return set(statement["Action"])


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    seen: set[str] = set()
    real = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: Any) -> Any:
        seen.add(f"{client.meta.service_model.signing_name}:{operation}")
        return real(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    yield seen


def _snapshot_calls(aws: MotoServer, calls: set[str], build: Any, **kwargs: Any) -> set[str]:
    aws.reset()
    scenario = build(aws)
    calls.clear()
    take_snapshot(
        aws.session(), scenario.function_name, target_addresses=scenario.target_addresses, **kwargs
    )
    return set(calls)


def test_every_read_beyond_the_vpc_is_in_the_read_only_statement(
    aws: MotoServer, calls: set[str]
) -> None:
    role = f"arn:aws:iam::{bs.OTHER_ACCOUNT}:role/vpcprobe-reader"
    made: set[str] = set()
    made |= _snapshot_calls(
        aws,
        calls,
        lambda a: bs.build_peering(a.session(), peer_session=bs.other_account_session(a)),
        peer_roles={bs.OTHER_ACCOUNT: role},
    )
    made |= _snapshot_calls(aws, calls, lambda a: bs.build_tgw_healthy(a.session()))
    made |= _snapshot_calls(aws, calls, lambda a: bs.build_vpn(a.session()))
    made |= _snapshot_calls(
        aws,
        calls,
        lambda a: bs.build_forwarding(a.session()),
        target_names=[bs.FORWARDED_NAME],
    )
    made |= _snapshot_calls(
        aws,
        calls,
        lambda a: bs.build_private_zone(a.session(), associated=False),
        target_names=[bs.PRIVATE_NAME],
    )
    expected = {
        "ec2:DescribeVpcPeeringConnections",
        "sts:AssumeRole",
        "ec2:SearchTransitGatewayRoutes",
        "ec2:DescribeVpnConnections",
        "route53resolver:ListResolverRuleAssociations",
        "route53resolver:GetResolverEndpoint",
        "route53:ListHostedZonesByVPC",
        "route53resolver:ListFirewallRuleGroupAssociations",
    }
    assert expected <= made
    # lambda:GetFunction etc. are the base reads; every call must be allowed read-only.
    assert sorted(made - read_only_actions()) == []
