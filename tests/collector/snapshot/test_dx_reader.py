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


def test_a_gateway_the_read_does_not_list_is_not_found_and_its_path_not_judged() -> None:
    # Another account's gateway (common for Direct Connect) or a deleted one: the read
    # succeeds without it. Its state is unknown, so the path ending there is never allowed.
    client = _client()
    stub = Stubber(client)
    other = "00000000-0000-4000-8000-000000000000"
    stub.add_response(
        "describe_direct_connect_gateways",
        {"directConnectGateways": [_gateway(other, "available")]},
        {},
    )
    recorder = CallRecorder()
    with stub:
        assert dx_reader.read_direct_connect_gateways(recorder, client, [DXGW]) == []
    (skipped,) = recorder.skipped
    assert (skipped.api, skipped.error_code, skipped.resource_ids) == (
        dx_reader.API,
        "DirectConnectGatewayNotFound",
        [DXGW],
    )
    snapshot, scenario = _dx_snapshot(None)
    snapshot.skipped = [s for s in snapshot.skipped if s.api != dx_reader.API] + [skipped]
    _, findings = judge(snapshot, scenario.reports, [cb.FAR_TARGET])
    (pcx007,) = [f for f in findings if f.code == "PCX007"]
    assert pcx007.status is FindingStatus.SKIPPED
    assert f"DirectConnectGatewayNotFound on {dx_reader.API}" in pcx007.message
    results = evaluate_function_paths(snapshot, cb.FAR_DB, 5432, "tcp")
    assert results
    for result in results:
        (end,) = [h for h in result.hops if h.component_id == DXGW]
        assert "could not be read (DirectConnectGatewayNotFound" in end.detail, end


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


# ------------------------------------------------ a vgw-… with no VPN: Direct Connect behind it
# moto has no Direct Connect API: the reads are checked against botocore's service model
# (Stubber validates each request's parameters and each answer's shape).

VGW = cb.VGW


def _association(state: str, vgw: str = VGW) -> dict[str, Any]:
    return {
        "directConnectGatewayId": DXGW,
        "directConnectGatewayOwnerAccount": "123456789012",
        "associationState": state,
        "associationId": cb.VGW_DX_ASSOCIATION,
        "virtualGatewayId": vgw,
        "virtualGatewayRegion": "eu-west-1",
        "virtualGatewayOwnerAccount": "123456789012",
        "associatedGateway": {
            "id": vgw,
            "type": "virtualPrivateGateway",
            "ownerAccount": "123456789012",
            "region": "eu-west-1",
        },
    }


def test_a_vgws_associations_are_read_one_call_per_gateway_filtered_by_it() -> None:
    client = _client()
    stub = Stubber(client)
    other = "vgw-0f0f0f0f0f0f0f002"
    stub.add_response(
        "describe_direct_connect_gateway_associations",
        {"directConnectGatewayAssociations": [_association("disassociated")]},
        {"virtualGatewayId": VGW},
    )
    stub.add_response(
        "describe_direct_connect_gateway_associations",
        {"directConnectGatewayAssociations": [_association("associated", other)]},
        {"virtualGatewayId": other},
    )
    recorder = CallRecorder()
    with stub:
        found, read = dx_reader.read_vgw_associations(recorder, client, [VGW, other, VGW])
        stub.assert_no_pending_responses()
    assert sorted(read) == sorted([VGW, other])
    assert {(a.virtual_gateway_id, a.association_state) for a in found} == {
        (VGW, "disassociated"),
        (other, "associated"),
    }
    assert [c.api for c in recorder.api_calls] == [dx_reader.ASSOCIATIONS_API] * 2
    assert not recorder.skipped


def test_a_denied_association_read_names_the_gateway_and_is_not_read() -> None:
    client = _client()
    stub = Stubber(client)
    stub.add_client_error(
        "describe_direct_connect_gateway_associations",
        service_error_code="AccessDeniedException",
        http_status_code=400,
        expected_params={"virtualGatewayId": VGW},
    )
    recorder = CallRecorder()
    with stub:
        assert dx_reader.read_vgw_associations(recorder, client, [VGW]) == ([], [])
    (skipped,) = recorder.skipped
    assert (skipped.api, skipped.error_code, skipped.resource_ids) == (
        dx_reader.ASSOCIATIONS_API,
        "AccessDeniedException",
        [VGW],
    )


def _vgw_report(snapshot: VpcSnapshot, scenario: Any) -> tuple[list[Any], list[Any]]:
    from vpcprobe_collector.findings.outcome import unjudged_of
    from vpcprobe_collector.rules.engine import fallback_inputs

    joins, findings = judge(snapshot, scenario.reports, [cb.ONPREM_TARGET])
    return findings, unjudged_of(snapshot, joins, findings, optional_reads=fallback_inputs())


def test_a_vgw_associated_with_a_dx_gateway_ends_the_path_there_allowed() -> None:
    scenario = cb.SCENARIOS["vpn-gateway-direct-connect-associated"]()
    results = evaluate_function_paths(scenario.snapshot, cb.ONPREM, 443, "tcp")
    assert results and all(r.verdict is Verdict.LEAVES_VPC for r in results)
    details = [h.detail for h in results[0].hops]
    assert any(
        f"Direct Connect gateway {DXGW}, associated with virtual private gateway {VGW} "
        f"(association {cb.VGW_DX_ASSOCIATION}, associated)" in d
        for d in details
    ), details
    findings, unjudged = _vgw_report(scenario.snapshot, scenario)
    bad = [f for f in findings if f.status is not FindingStatus.PASS]
    assert bad == [] and unjudged == []


@pytest.mark.parametrize("state", ["disassociated", "associating", "disassociating"])
def test_a_vgw_dx_association_not_associated_is_a_finding_with_a_command(state: str) -> None:
    scenario = cb.SCENARIOS["vpn-gateway-direct-connect-disassociated"]()
    scenario.snapshot.beyond.dx_gateway_associations[0].association_state = state
    findings, _ = _vgw_report(scenario.snapshot, scenario)
    (finding,) = [f for f in findings if f.status is FindingStatus.FAIL]
    assert finding.code == "VPN004"
    assert finding.resources[0].id == DXGW
    assert f"with Direct Connect gateway {DXGW} is {state}, not associated" in finding.message
    assert finding.remediation is not None
    commands = finding.remediation.commands
    assert commands[0] == (
        f"aws directconnect describe-direct-connect-gateway-associations --virtual-gateway-id {VGW}"
    )
    create = (
        f"aws directconnect create-direct-connect-gateway-association "
        f"--direct-connect-gateway-id {DXGW} --virtual-gateway-id {VGW}"
    )
    assert (create in commands) is state.startswith("disassociat")


def test_a_vgw_dx_association_read_denied_is_unjudged_never_a_tick() -> None:
    scenario = cb.SCENARIOS["vpn-gateway-direct-connect-associated"]()
    snapshot = scenario.snapshot
    snapshot.beyond.dx_associations_read, snapshot.beyond.dx_gateway_associations = [], []
    snapshot.skipped.append(
        SkippedRead(
            api=dx_reader.ASSOCIATIONS_API,
            error_code="AccessDeniedException",
            message="denied",
            resource_ids=[VGW],
        )
    )
    findings, unjudged = _vgw_report(snapshot, scenario)
    assert not [f for f in findings if f.status is FindingStatus.FAIL]
    (skipped,) = [f for f in findings if f.code == "PCX007"]
    assert skipped.status is FindingStatus.SKIPPED
    assert f"AccessDeniedException on {dx_reader.ASSOCIATIONS_API}" in skipped.message
    assert VGW in skipped.message
    assert unjudged, "a denied read the verdict depends on is never a ✓"


def test_a_vgw_with_neither_vpn_nor_dx_association_is_not_judged() -> None:
    """No association read back: a private virtual interface straight on the vgw is not read,
    so the path is not cleared (VPN003 says so)."""
    scenario = cb.SCENARIOS["vpn-gateway-direct-connect-associated"]()
    scenario.snapshot.beyond.dx_gateway_associations = []
    findings, unjudged = _vgw_report(scenario.snapshot, scenario)
    (skipped,) = [f for f in findings if f.code == "VPN003"]
    assert "no VPN connection and no Direct Connect gateway association" in skipped.message
    assert unjudged
