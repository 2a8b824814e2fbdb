"""The call recorder and take_snapshot's error mapping, with botocore's Stubber (no network)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber

from vpcprobe_collector.aws import CLIENT_CONFIG
from vpcprobe_collector.errors import AwsAccessError, BadInputError
from vpcprobe_collector.snapshot.build import take_snapshot
from vpcprobe_collector.snapshot.model import MALFORMED_RESPONSE
from vpcprobe_collector.snapshot.readers import ec2_network as ec2r
from vpcprobe_collector.snapshot.readers.calls import CallRecorder

REGION = "us-east-1"


def _client(service: str) -> Any:
    return boto3.Session(
        aws_access_key_id="a", aws_secret_access_key="b", region_name=REGION
    ).client(service, endpoint_url="http://127.0.0.1:9", config=CLIENT_CONFIG)


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    client = _client("ec2")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_each_page_is_one_call(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    stubber.add_response(
        "describe_subnets", {"Subnets": [{"SubnetId": "subnet-1"}], "NextToken": "t"}
    )
    stubber.add_response("describe_subnets", {"Subnets": [{"SubnetId": "subnet-2"}]})
    recorder = CallRecorder()
    items = recorder.items(client, "describe_subnets", "ec2:DescribeSubnets", "Subnets")
    assert [i["SubnetId"] for i in items or []] == ["subnet-1", "subnet-2"]
    assert [(c.api, c.ok) for c in recorder.api_calls] == [
        ("ec2:DescribeSubnets", True),
        ("ec2:DescribeSubnets", True),
    ]
    assert recorder.skipped == []


@pytest.mark.parametrize(
    "code", ["UnauthorizedOperation", "AccessDenied", "RequestLimitExceeded", "Throttling"]
)
def test_failed_read_becomes_a_skipped_read(ec2: tuple[Any, Stubber], code: str) -> None:
    # Throttling reaches the recorder only after botocore's own retries gave up.
    client, stubber = ec2
    stubber.add_client_error("describe_network_acls", service_error_code=code, service_message="no")
    recorder = CallRecorder()
    assert (
        recorder.items(client, "describe_network_acls", "ec2:DescribeNetworkAcls", "NetworkAcls")
        is None
    )
    [skipped] = recorder.skipped
    assert (skipped.api, skipped.error_code, skipped.message) == (
        "ec2:DescribeNetworkAcls",
        code,
        "no",
    )
    assert skipped.reason == f"{code} on ec2:DescribeNetworkAcls"
    assert [(c.ok, c.error_code) for c in recorder.api_calls] == [(False, code)]


def test_missing_credentials_stop_the_run() -> None:
    class NoKeys:
        def can_paginate(self, operation: str) -> bool:
            return False

        def describe_vpcs(self, **params: Any) -> dict[str, Any]:
            raise botocore.exceptions.NoCredentialsError()

    with pytest.raises(AwsAccessError, match="no AWS credentials found"):
        CallRecorder().call(NoKeys(), "describe_vpcs", "ec2:DescribeVpcs")


def test_clients_retry_in_botocore_standard_mode() -> None:
    client = _client("ec2")
    assert client.meta.config.retries["mode"] in ("standard", "adaptive")


class StubbedSession:
    """A boto3-session stand-in whose clients are stubbed; records which services were asked."""

    region_name = REGION

    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}
        self.stubbers: dict[str, Stubber] = {}

    def stub(self, service: str) -> Stubber:
        client = _client(service)
        self.clients[service] = client
        self.stubbers[service] = Stubber(client)
        self.stubbers[service].activate()
        return self.stubbers[service]

    def client(self, service: str, **_: Any) -> Any:
        return self.clients[service]


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        (
            "ResourceNotFoundException",
            BadInputError,
            "function 'orders-api' not found in us-east-1",
        ),
        (
            "AccessDeniedException",
            AwsAccessError,
            "cannot read function 'orders-api' (AccessDeniedException)",
        ),
        ("UnrecognizedClientException", AwsAccessError, "cannot read function 'orders-api'"),
    ],
)
def test_get_function_failures(code: str, error: type[Exception], message: str) -> None:
    session = StubbedSession()
    session.stub("lambda").add_client_error("get_function", service_error_code=code)
    with pytest.raises(error) as raised:
        take_snapshot(session, "orders-api")
    assert str(raised.value).startswith(message)


def test_region_comes_from_a_function_arn() -> None:
    session = StubbedSession()
    asked: list[str | None] = []
    stubber = session.stub("lambda")
    stubber.add_response(
        "get_function",
        {
            "Configuration": {
                "FunctionName": "fn",
                "FunctionArn": "arn:aws:lambda:eu-west-1:1:function:fn",
            }
        },
        {"FunctionName": "arn:aws:lambda:eu-west-1:111122223333:function:fn"},
    )
    original = session.client

    def client(service: str, **kwargs: Any) -> Any:
        asked.append(kwargs.get("region_name"))
        return original(service)

    session.client = client  # type: ignore[method-assign]
    snapshot = take_snapshot(session, "arn:aws:lambda:eu-west-1:111122223333:function:fn")
    assert snapshot.region == "eu-west-1"
    assert asked == ["eu-west-1"]
    assert snapshot.notes == ["the function is not attached to a VPC"]


def test_an_item_without_its_id_is_a_malformed_answer_not_a_traceback(
    ec2: tuple[Any, Stubber],
) -> None:
    # AWS always sends a subnet's ID; an answer without one must not raise KeyError out of the
    # run, nor make the subnet look deleted (which would be a false CFG001).
    client, stubber = ec2
    stubber.add_response("describe_subnets", {"Subnets": [{"VpcId": "vpc-1"}]})
    recorder = CallRecorder()
    assert ec2r.read_subnets_by_id(recorder, client, ["subnet-1"]) == []
    [skipped] = recorder.skipped
    assert skipped.api == "ec2:DescribeSubnets"
    assert skipped.error_code == MALFORMED_RESPONSE
    assert skipped.message.startswith("malformed response from ec2:DescribeSubnets (KeyError")


def test_security_groups_without_ids_are_not_reported_as_not_found(
    ec2: tuple[Any, Stubber],
) -> None:
    client, stubber = ec2
    stubber.add_response("describe_security_groups", {"SecurityGroups": [{"GroupName": "x"}]})
    recorder = CallRecorder()
    assert ec2r.read_security_groups(recorder, client, ["sg-1"]) == []
    assert [(s.api, s.error_code) for s in recorder.skipped] == [
        ("ec2:DescribeSecurityGroups", MALFORMED_RESPONSE)
    ]
