"""A Lambda Invoke that never answers ends `diagnose` in one line naming the endpoint and the
call (exit 3) after the probe function's own Timeout plus a margin, tried once (Invoke is not
idempotent), whatever AWS_MAX_ATTEMPTS and --cli-read-timeout say. The hung Invoke is
tests/support/hung_invoke.py's proxy in front of moto.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import aws_scenarios
from tests.support.hung_invoke import create_probe, hung_invoke_proxy
from tests.support.moto_server import MotoServer
from vpcprobe_collector import cli
from vpcprobe_collector.aws import AwsOptions, make_session
from vpcprobe_collector.deploy.names import probe_function_name
from vpcprobe_collector.probing.invoke import lambda_client

pytestmark = pytest.mark.moto

PROBE_TIMEOUT_S = 1  # the probe function's configured Timeout: the test waits 1 s + margin


@pytest.fixture
def with_probe(moto_server: MotoServer) -> Iterator[aws_scenarios.Scenario]:
    """The healthy suspect and the probe `deploy --like` would make, with a 1 s Timeout."""
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        patch.setenv("AWS_ENDPOINT_URL", moto_server.url)
        scenario = aws_scenarios.build_healthy(moto_server.session())
        create_probe(moto_server.session(), scenario, PROBE_TIMEOUT_S)
        yield scenario


def _diagnose(
    capsys: pytest.CaptureFixture[str], function: str, url: str, *options: str
) -> tuple[int, str, str]:
    argv = ["diagnose", function, "--endpoint-url", url, "--target", "10.0.0.1:80"]
    code = cli.main([*argv, "--invocations", "1", *options])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow  # waits the 1 s Timeout + the 10 s margin
def test_a_hung_invoke_gives_up_after_the_probe_timeout_once_naming_it(
    with_probe: aws_scenarios.Scenario,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Default settings: one wait of the probe's Timeout (1 s) + 10 s, no retry, exit 3.
    (Before: a 910 s read timeout, retried 3 times: about 45 minutes.)"""
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    with hung_invoke_proxy(moto_server.url) as proxy:
        code, out, err = _diagnose(capsys, with_probe.function_name, proxy.url)
        invocations = proxy.invocations
    assert code == 3, err
    assert out == ""
    assert err.count("\n") == 1, err
    assert f"vpcprobe: error: {proxy.url} sent no answer within 11 s (lambda:Invoke of " in err
    assert ": its own timeout plus 10 s)" in err and "not retried" in err
    assert invocations == 1


def test_a_hung_invoke_with_one_attempt_and_a_short_read_timeout_is_exit_3(
    with_probe: aws_scenarios.Scenario,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """AWS_MAX_ATTEMPTS=1 --cli-read-timeout: the user's read timeout wins, and an endpoint
    that did not answer is AWS access (exit 3), not a finding about the function (it used to be
    PRB001, exit 1)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    probe = probe_function_name(with_probe.function_name)
    with hung_invoke_proxy(moto_server.url) as proxy:
        code, out, err = _diagnose(
            capsys, with_probe.function_name, proxy.url,
            "--probe-function", probe, "--cli-read-timeout", "0.5",
        )  # fmt: skip
        invocations = proxy.invocations
    assert code == 3, err
    assert out == ""
    assert err.count("\n") == 1, err
    assert f"{proxy.url} sent no answer within 0.5 s (lambda:Invoke of {probe}" in err
    assert "the --cli-read-timeout given)" in err  # not "its own timeout plus 10 s"
    assert "PRB001" not in out + err
    assert invocations == 1


@pytest.mark.parametrize(
    ("timeout", "option", "expected"),
    [(30, None, 40.0), (3, None, 13.0), (None, None, 910.0), (30, 5.0, 5.0)],
    ids=["probe-30s", "function-3s", "unknown", "cli-read-timeout"],
)
def test_the_invoke_read_timeout_is_the_function_timeout_plus_a_margin(
    timeout: int | None, option: float | None, expected: float
) -> None:
    session = make_session(region="us-east-1", options=AwsOptions(read_timeout=option))
    assert lambda_client(session, timeout).meta.config.read_timeout == expected
