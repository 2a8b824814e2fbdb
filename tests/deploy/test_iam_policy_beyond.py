"""docs/iam-policy.json's read-only statement covers every read beyond the VPC: peering (and
--assume-role for another account), transit gateways, VPN, Route 53 Resolver, private hosted
zones and DNS Firewall, recorded against moto (DNS Firewall calls are made and answered 500
by moto 5.2.5, which lacks them; the call is what the policy must allow)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.client
import pytest
from botocore.stub import Stubber

from tests.deploy.test_iam_policy import POLICY
from tests.support import beyond_scenarios as bs
from tests.support.moto_server import MotoServer
from vpcprobe_collector.snapshot.build import take_snapshot
from vpcprobe_collector.snapshot.readers import dx_reader, resolver_reader
from vpcprobe_collector.snapshot.readers.calls import CallRecorder

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


def beyond_actions() -> set[str]:
    """The read-only statement's grants for reads beyond the VPC."""
    words = ("VpcPeering", "TransitGateway", "Vpn", "DirectConnect")
    return {
        a
        for a in read_only_actions()
        if a.split(":")[0] in ("route53resolver", "route53", "sts", "directconnect")
        or any(w in a for w in words)
    }


_MADE: dict[int, set[str]] = {}  # per stand-in: both tests below read the same scenarios


def _beyond_calls(aws: MotoServer, calls: set[str]) -> set[str]:
    if id(aws) not in _MADE:
        _MADE[id(aws)] = _read_beyond_scenarios(aws, calls)
    return set(_MADE[id(aws)])


def _read_beyond_scenarios(aws: MotoServer, calls: set[str]) -> set[str]:
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
    return made


def test_every_read_beyond_the_vpc_is_in_the_read_only_statement(
    aws: MotoServer, calls: set[str]
) -> None:
    made = _beyond_calls(aws, calls)
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


def _stubbed_calls(calls: set[str]) -> set[str]:
    """The reads moto cannot answer, made against botocore's Stubber (which checks each
    answer's shape): DNS Firewall and Direct Connect (moto lacks both), and GetResolverRule
    for an associated rule that ListResolverRules did not list (shared from another account)."""
    calls.clear()
    client = boto3.client(
        "route53resolver", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(client)
    group, domains = {"FirewallRuleGroupId": "rslvr-frg-0abc"}, "rslvr-fdl-0abc"
    stub.add_response(
        "list_firewall_rule_group_associations",
        {"FirewallRuleGroupAssociations": [{"Id": "rslvr-frgassoc-0abc", **group}]},
    )
    stub.add_response(
        "list_firewall_rules",
        {"FirewallRules": [{**group, "FirewallDomainListId": domains, "Action": "BLOCK"}]},
    )
    stub.add_response("list_firewall_domains", {"Domains": ["db.internal."]})
    rule = {"ResolverRuleId": "rslvr-rr-0abc", "VPCId": "vpc-0abc"}
    stub.add_response("list_resolver_rule_associations", {"ResolverRuleAssociations": [rule]})
    stub.add_response("list_resolver_rules", {"ResolverRules": []})
    stub.add_response(
        "get_resolver_rule", {"ResolverRule": {"Id": "rslvr-rr-0abc", "RuleType": "FORWARD"}}
    )
    recorder = CallRecorder()
    with stub:
        resolver_reader.read_firewall(recorder, client, "vpc-0abc")
        resolver_reader.read_resolver_rules(recorder, client, "vpc-0abc")
        stub.assert_no_pending_responses()
    # Direct Connect: moto has none; read when a TGW attachment leads to a DX gateway.
    dx = boto3.client(
        "directconnect", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    dx_stub = Stubber(dx)
    gateway = "5f7a2b0c-1234-4cde-9f00-0123"
    dx_stub.add_response(
        "describe_direct_connect_gateways",
        {"directConnectGateways": [{"directConnectGatewayId": gateway}]},
    )
    with dx_stub:
        dx_reader.read_direct_connect_gateways(recorder, dx, [gateway])
    # ... and a vgw-… with no VPN connection: its Direct Connect gateway associations.
    dx_stub.add_response(
        "describe_direct_connect_gateway_associations",
        {"directConnectGatewayAssociations": []},
        {"virtualGatewayId": "vgw-0abc"},
    )
    with dx_stub:
        dx_reader.read_vgw_associations(recorder, dx, ["vgw-0abc"])
        dx_stub.assert_no_pending_responses()
    assert not recorder.skipped
    return set(calls)


def test_every_beyond_grant_is_used_by_some_read(aws: MotoServer, calls: set[str]) -> None:
    """The other direction: a grant beyond the VPC that no scenario's reads make is unused."""
    made = _beyond_calls(aws, calls) | _stubbed_calls(calls)
    assert sorted(beyond_actions() - made) == []
