"""diagnose finds a function's probe by its deterministic name and tag: no ListFunctions scan."""

from __future__ import annotations

import re
from collections.abc import Iterator

import boto3
import pytest

from tests.support.counting_proxy import CountingProxy, run_counting_proxy
from tests.support.fleet_seed import LOG_ACTIONS, _zip, make_role
from tests.support.moto_server import MotoServer
from vpcprobe_collector.deploy import find_probe_function

LIST_FUNCTIONS = re.compile(r"^/2015-03-31/functions/?(\?.*)?$")


@pytest.fixture
def proxy(aws: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingProxy]:
    with run_counting_proxy(aws.url) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL", running.url)
        yield running


def test_probe_found_by_name_and_tag_without_listing_functions(
    aws: MotoServer, proxy: CountingProxy
) -> None:
    session = boto3.Session(region_name="us-east-1")
    role = make_role(session, "probe-role", LOG_ACTIONS)
    lam = session.client("lambda")
    for name, like in (("vpcprobe-probe-orders", "orders"), ("hand-named", "billing")):
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="h.h",
            Code={"ZipFile": _zip()},
            Tags={"vpcprobe:like": like},
        )
    proxy.reset()
    assert find_probe_function(session, "orders") == "vpcprobe-probe-orders"
    assert find_probe_function(session, "billing") is None  # not under its name: no scan
    lambda_paths = [s.path for s in proxy.requests if s.service == "lambda"]
    assert len(lambda_paths) == 2
    assert not [p for p in lambda_paths if LIST_FUNCTIONS.match(p)]
