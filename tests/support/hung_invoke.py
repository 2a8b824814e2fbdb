"""A loopback proxy in front of moto that forwards every request but Lambda's invocations
(POST /2015-03-31/functions/NAME/invocations), which it reads and never answers: a hung Invoke.
moto (no Docker here) cannot run a function anyway. Also the probe function `vpcprobe deploy
--like` would make, created in moto with a chosen Timeout. Loopback only.
"""

from __future__ import annotations

import contextlib
import re
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support import aws_scenarios
from tests.support.loopback_http import relay, serving
from vpcprobe_collector.deploy.names import TAG_LIKE, probe_function_name

_INVOCATIONS = re.compile(r"^/2015-03-31/functions/[^/]+/invocations")


@dataclass
class HungInvokeProxy:
    url: str
    invocations: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextlib.contextmanager
def hung_invoke_proxy(upstream: str) -> Iterator[HungInvokeProxy]:
    target = urllib.parse.urlsplit(upstream)
    proxy = HungInvokeProxy(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if _INVOCATIONS.match(self.path):
                with proxy.lock:
                    proxy.invocations += 1
                proxy.released.wait(60)  # never answers while the test runs
                self.close_connection = True
                return
            relay(self, target, body, timeout=30)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

    with serving(Handler, "hung-invoke-proxy") as url:
        proxy.url = url
        try:
            yield proxy
        finally:
            proxy.released.set()  # the held invocations end before the server stops


def create_probe(session: Any, scenario: aws_scenarios.Scenario, timeout: int) -> str:
    """The probe `deploy --like` would make for the scenario's function (found by its name and
    tag), with `timeout` as its configured Timeout; its name."""
    lam = session.client("lambda")
    suspect = lam.get_function(FunctionName=scenario.function_name)["Configuration"]
    name = probe_function_name(scenario.function_name)
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=scenario.role_arn,
        Handler="vpcprobe.handler.handler",
        Code={"ZipFile": aws_scenarios._zip()},
        Timeout=timeout,
        VpcConfig={
            "SubnetIds": suspect["VpcConfig"]["SubnetIds"],
            "SecurityGroupIds": suspect["VpcConfig"]["SecurityGroupIds"],
        },
        Tags={TAG_LIKE: scenario.function_name},
    )
    return name
