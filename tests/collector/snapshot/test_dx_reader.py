"""Direct Connect gateways a TGW attachment leads to: read in one batched call, tested against
botocore's Stubber (moto has no Direct Connect API), and judged by name and state (TGW008)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tests.scenarios import catalog_beyond as cb
from vpcprobe_collector.findings.model import FindingStatus
from vpcprobe_collector.paths.evaluate import evaluate_function_paths
from vpcprobe_collector.paths.model import Verdict
from vpcprobe_collector.rules.engine import judge
from vpcprobe_collector.snapshot.model import DirectConnectGateway, SkippedRead, VpcSnapshot
from vpcprobe_collector.snapshot.readers import dx_reader
from vpcprobe_collector.snapshot.readers.calls import CallRecorder

DXGW = "5f7a2b0c-1234-4cde-9f00-0123456789ab"  # AWS's DX gateway IDs are UUIDs


def _client() -> Any:
    return boto3.client(
        "directconnect", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _gateway(gateway_id: str, state: str) -> dict[str, Any]:
    return {
        "directConnectGatewayId": gateway_id,
        "directConnectGatewayName": "onprem",
        "amazonSideAsn": 64512,
        "ownerAccount": "123456789012",
        "directConnectGatewayState": state,
    }


def test_the_wanted_gateways_are_read_in_one_call_across_pages() -> None:
    client = _client()
    stub = Stubber(client)
    other = "00000000-0000-4000-8000-000000000000"
    stub.add_response(
        "describe_direct_connect_gateways",
        {"directConnectGateways": [_gateway(other, "available")], "nextToken": "t"},
        {},
    )
    stub.add_response(
        "describe_direct_connect_gateways",
        {"directConnectGateways": [_gateway(DXGW, "deleting")]},
        {"nextToken": "t"},
    )
    recorder = CallRecorder()
    with stub:
        (gateway,) = dx_reader.read_direct_connect_gateways(recorder, client, [DXGW])
        stub.assert_no_pending_responses()
    assert (gateway.direct_connect_gateway_id, gateway.state) == (DXGW, "deleting")
    assert [c.api for c in recorder.api_calls] == [dx_reader.API, dx_reader.API]  # two pages
    assert not recorder.skipped


def test_a_denied_read_is_a_skipped_read() -> None:
    client = _client()
    stub = Stubber(client)
    stub.add_client_error(
        "describe_direct_connect_gateways",
        service_error_code="AccessDeniedException",
        http_status_code=400,
    )
    recorder = CallRecorder()
    with stub:
        assert dx_reader.read_direct_connect_gateways(recorder, client, [DXGW]) == []
    (skipped,) = recorder.skipped
    assert (skipped.api, skipped.error_code) == (dx_reader.API, "AccessDeniedException")


def test_no_gateway_wanted_makes_no_call() -> None:
    recorder = CallRecorder()
    assert dx_reader.read_direct_connect_gateways(recorder, object(), []) == []
    assert recorder.api_calls == []


def _dx_snapshot(state: str | None) -> tuple[VpcSnapshot, Any]:
    """tgw-healthy, its destination attachment a Direct Connect gateway in `state` (None: the
    gateway's read was denied)."""
    scenario = cb.SCENARIOS["tgw-healthy"]()
    snapshot = scenario.snapshot
    attachment = snapshot.beyond.attachment(cb.ATT_FAR)
    assert attachment is not None
    attachment.resource_type, attachment.resource_id = "direct-connect-gateway", DXGW
    if state is None:
        snapshot.skipped.append(
            SkippedRead(api=dx_reader.API, error_code="AccessDeniedException", message="denied")
        )
    else:
        snapshot.beyond.direct_connect_gateways = [
            DirectConnectGateway(direct_connect_gateway_id=DXGW, state=state)
        ]
    return snapshot, scenario


def _findings(state: str | None) -> list[Any]:
    snapshot, scenario = _dx_snapshot(state)
    return judge(snapshot, scenario.reports, [cb.FAR_TARGET])[1]


@pytest.mark.parametrize("state", ["deleting", "deleted", "pending"])
def test_a_direct_connect_gateway_not_available_is_a_finding_naming_it(state: str) -> None:
    findings = _findings(state)
    (finding,) = [f for f in findings if f.code == "TGW008" and f.status is FindingStatus.FAIL]
    assert finding.resources[0].id == DXGW
    assert f"Direct Connect gateway {DXGW} ({cb.ATT_FAR}) is {state}" in finding.message
    assert finding.remediation is not None
    assert f"--direct-connect-gateway-id {DXGW}" in finding.remediation.commands[0]


def test_an_available_direct_connect_gateway_ends_the_path_named_with_its_state() -> None:
    snapshot, _ = _dx_snapshot("available")
    results = evaluate_function_paths(snapshot, cb.FAR_DB, 5432, "tcp")
    assert results and all(r.verdict is Verdict.LEAVES_VPC for r in results)
    details = [h.detail for h in results[0].hops]
    assert any(
        f"Direct Connect gateway {DXGW} ({cb.ATT_FAR}), which is available" in d for d in details
    )
    assert not [
        f for f in _findings("available") if f.code == "TGW008" and f.status is FindingStatus.FAIL
    ]


def test_a_direct_connect_gateway_not_read_is_not_judged() -> None:
    findings = _findings(None)
    assert not [f for f in findings if f.code == "TGW008" and f.status is FindingStatus.FAIL]
    (skipped,) = [f for f in findings if f.code == "PCX007"]
    assert skipped.status is FindingStatus.SKIPPED
    assert f"AccessDeniedException on {dx_reader.API}" in skipped.message
