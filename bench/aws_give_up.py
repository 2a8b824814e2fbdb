"""How long `vpcprobe` waits for an AWS endpoint that accepts connections and never answers.

Runs the installed `vpcprobe snapshot`, `diagnose` (with its probe lookup, no `--no-probe`)
and `audit` (fresh processes, wall-clock seconds) against a
loopback listener that reads each request and never answers: with default settings (goal:
gives up within 60 s, exit 3, naming the endpoint) and with `AWS_MAX_ATTEMPTS=1
--cli-read-timeout 5` (goal: within 15 s). Then a hung `lambda:Invoke`: moto behind a proxy
that never answers the invocations (tests/support/hung_invoke.py), a probe with the 30 s
Timeout `vpcprobe deploy` gives it: within 60 s (its Timeout + 10 s, tried once) by default.
Run: .venv/bin/python bench/aws_give_up.py [--json] [--only-invoke]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import Figure, emit

from tests.support import aws_scenarios
from tests.support.hung_invoke import create_probe, hung_invoke_proxy
from tests.support.moto_server import run_moto_server
from tests.support.network_guard import NetworkGuard
from tests.support.odd_endpoint import odd_endpoint

DEPLOYED_PROBE_TIMEOUT_S = 30  # deploy/probe_function.py's PROBE_TIMEOUT_S

CASES = (
    ("defaults", {}, [], 60.0),
    ("AWS_MAX_ATTEMPTS=1 --cli-read-timeout 5", {"AWS_MAX_ATTEMPTS": "1"},
     ["--cli-read-timeout", "5"], 15.0),
)  # fmt: skip


COMMANDS = (
    ("snapshot", ["snapshot", "orders-api"]),
    ("diagnose", ["diagnose", "orders-api", "--target", "10.0.0.1:80"]),
    ("audit", ["audit"]),
)


def _env(extra_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 (a dummy for the loopback listener)
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        **extra_env,
    )
    return env


def _timed(
    command: list[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], float]:
    """`command` run to its end, and the wall-clock seconds it took."""
    started = time.monotonic()
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    return done, time.monotonic() - started


def hung_invoke(vpcprobe: str) -> list[Figure]:
    """`diagnose` whose probe's Invoke never answers (the probe lookup and GetFunction do)."""
    figures = []
    with run_moto_server() as moto, NetworkGuard().installed():
        # The scenario's clients (this process) talk to moto only, never to a real endpoint.
        os.environ["AWS_ENDPOINT_URL"] = moto.url
        for name, extra_env, options, goal in CASES:
            moto.reset()
            session = moto.session()
            scenario = aws_scenarios.build_healthy(session)
            create_probe(session, scenario, DEPLOYED_PROBE_TIMEOUT_S)
            with hung_invoke_proxy(moto.url) as proxy:
                env = _env(extra_env)
                env["AWS_ENDPOINT_URL"] = proxy.url
                words = ["diagnose", scenario.function_name, "--target", "10.0.0.1:80"]
                done, took = _timed([vpcprobe, *words, *options], env)
                invocations = proxy.invocations
            named = (
                proxy.url in done.stderr and "lambda:Invoke" in done.stderr and done.returncode == 3
            )
            figures.append(
                Figure(
                    f"give-up time, diagnose with a hung lambda:Invoke, {name}",
                    round(took, 1),
                    "s",
                    goal=f"<= {goal:g} s, exit 3 naming the endpoint and lambda:Invoke",
                    met=took <= goal and named,
                    note=f"exit {done.returncode}, {invocations} invocation request(s) "
                    f"(3 invocations at once, each tried once); probe Timeout "
                    f"{DEPLOYED_PROBE_TIMEOUT_S} s",
                )
            )
    return figures


def main() -> int:
    vpcprobe = str(Path(sys.executable).parent / "vpcprobe")
    figures = []
    cases = [] if "--only-invoke" in sys.argv else [
        (case, command) for command in COMMANDS for case in CASES
    ]  # fmt: skip
    for (name, extra_env, options, goal), (command, words) in cases:
        env = _env(extra_env)
        with odd_endpoint("silent") as endpoint:
            env["AWS_ENDPOINT_URL"] = endpoint.url
            done, took = _timed([vpcprobe, *words, *options], env)
            attempts = endpoint.requests
        named = endpoint.url in done.stderr and done.returncode == 3
        figures.append(
            Figure(
                f"give-up time, {command}, {name}",
                round(took, 1),
                "s",
                goal=f"<= {goal:g} s, exit 3 naming the endpoint",
                met=took <= goal and named,
                note=f"exit {done.returncode}, {attempts} attempt(s)",
            )
        )
    figures += hung_invoke(vpcprobe)
    emit(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
