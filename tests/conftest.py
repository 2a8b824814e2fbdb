"""Shared fixtures: a safe environment, a network tripwire, and a moto server."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.moto_server import REGION, MotoServer, run_moto_server
from tests.support.network_guard import NetworkGuard

TESTS = Path(__file__).parent

# Before anything imports boto3: no real credentials, no real endpoints, no host DNS.
_SAFE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # discard port: nothing answers
    "AWS_EC2_METADATA_DISABLED": "true",
    "VPCPROBE_RESOLV_CONF": str(TESTS / "data" / "resolv-loopback.conf"),
    "VPCPROBE_FORWARDER": "127.0.0.1",
    # A layer cache of this test process's own, never the user's (~/.cache/vpcprobe), which
    # parallel workers or another checkout could be writing at the same moment.
    "VPCPROBE_CACHE_DIR": tempfile.mkdtemp(prefix="vpcprobe-test-cache-"),
}
atexit.register(shutil.rmtree, _SAFE_ENV["VPCPROBE_CACHE_DIR"], ignore_errors=True)
for _name in ("AWS_PROFILE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_EXECUTION_ENV"):
    os.environ.pop(_name, None)
os.environ.update(_SAFE_ENV)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Captured output is written escaped where UTF-8 cannot hold it (a lone surrogate that a
    test logs on purpose): pytest-xdist sends each report to the controller as UTF-8 and would
    otherwise stop the whole run with an INTERNALERROR."""
    outcome = yield
    report = outcome.get_result()
    report.sections = [
        (title, text.encode("utf-8", "backslashreplace").decode("utf-8"))
        for title, text in report.sections
    ]


@pytest.fixture(autouse=True)
def network_guard(request: pytest.FixtureRequest) -> Iterator[NetworkGuard]:
    """Fail any test whose in-process code aims a socket (or a DNS lookup) off loopback."""
    guard = NetworkGuard()
    with guard.installed():
        yield guard
    if guard.violations:
        pytest.fail("traffic off loopback was attempted: " + "; ".join(guard.violations[:5]))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server for the session (state is reset per test by `aws`)."""
    with run_moto_server() as server:
        yield server


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """A clean moto state, with AWS_ENDPOINT_URL pointing every boto3 client at it."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    return moto_server
