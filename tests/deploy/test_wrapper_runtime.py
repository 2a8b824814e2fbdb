"""Wrapper mode as the runtime runs it: the real wrapper script, a fake bootstrap, a sample app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from vpcprobe.models import AwsStatus, ProbeReport, ReportStatus

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layer"
WRAPPER = LAYER / "vpcprobe-wrapper"
RUNTIME = Path(__file__).resolve().parent / "runtime"
BOOTSTRAP = RUNTIME / "fake_bootstrap.py"
# The module path with a slash, as a handler setting may have it.
SAMPLE_HANDLER = "sample_app/handlers.handler"

EVENTS: list[Any] = [
    {"op": "echo", "items": [1, 2, 3]},
    {"op": "context"},
    {"op": "raise", "amount": 42},
    {"op": "key_error"},
    {"op": "none"},
    [1, "two", None],
    "plain string",
    None,
    {"vpcprobe": {}, "order": 7},  # two keys: an application event, not a probe event
    {"op": "context"},
]
# A probe that sends nothing anywhere: no targets, no names, no AWS calls, no resolver.
SAFE_PROBE_REQUEST = {
    "targets": [],
    "dns_names": [],
    "default_names": False,
    "system_resolver": False,
    "aws": {"logs": False, "sts": False},
    "timeout_s": 1,
}


def run_runtime(lines: list[str], *, wrapped: bool, handler: str = SAMPLE_HANDLER) -> list[Any]:
    """Start the fake runtime (through the wrapper script when `wrapped`); return its output."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_LAMBDA_", "VPCPROBE_ORIGINAL")) and key != "_HANDLER"
    }
    env.update(
        _HANDLER=handler,
        # /var/task (the function's code) first, then the layer's python/, as in Lambda.
        PYTHONPATH=os.pathsep.join([str(RUNTIME), str(LAYER)]),
        VPCPROBE_FORWARDER="",
        VPCPROBE_RESOLV_CONF=str(ROOT / "tests" / "data" / "resolv-loopback.conf"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    command = [sys.executable, str(BOOTSTRAP)]
    if wrapped:
        command = [str(WRAPPER), *command]
    completed = subprocess.run(
        command,
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        cwd=RUNTIME,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def test_normal_events_behave_identically_wrapped_and_unwrapped() -> None:
    lines = [json.dumps(event) for event in EVENTS]

    plain = run_runtime(lines, wrapped=False)
    wrapped = run_runtime(lines, wrapped=True)

    assert wrapped == plain
    # The comparison means something only if the sample did all of it:
    assert plain[0] == {"sample": "init"}  # init-phase work ran during init...
    assert plain[1] == {"@": {"bootstrap": "ready"}}  # ...before the runtime was ready
    outcomes = [line["@"] for line in plain[2:]]
    assert outcomes[0] == {"result": {"echo": EVENTS[0], "invocations": 1}}
    assert outcomes[1]["result"]["request"] == "request-1"
    assert outcomes[1]["result"]["remaining_ok"] is True
    assert outcomes[1]["result"]["handler_setting"] == SAMPLE_HANDLER
    assert outcomes[2] == {
        "error": "sample_app.handlers.PaymentDeclinedError",
        "message": "('payment of 42 declined', 42)",
        "args": ["payment of 42 declined", 42],
        "raised_in": "handlers.py:handler",
        "chained": False,
    }
    assert outcomes[3]["error"] == "builtins.KeyError"
    assert outcomes[4] == {"result": None}
    assert outcomes[8]["result"]["echo"] == {"vpcprobe": {}, "order": 7}
    assert outcomes[9]["result"]["invocations"] == 10  # one module, imported once


def test_probe_modules_are_not_imported_for_normal_events() -> None:
    lines = [json.dumps(event) for event in EVENTS] + ["!modules"]

    plain = run_runtime(lines, wrapped=False)
    wrapped = run_runtime(lines, wrapped=True)

    assert plain[-1] == {"@": {"modules": []}}
    assert wrapped[-1] == {"@": {"modules": ["vpcprobe", "vpcprobe.wrapper"]}}


def test_a_probe_event_through_the_wrapper_returns_a_probe_report() -> None:
    lines = [
        json.dumps({"op": "echo"}),
        json.dumps({"vpcprobe": SAFE_PROBE_REQUEST}),
        "!modules",
        json.dumps({"op": "echo"}),
    ]

    output = run_runtime(lines, wrapped=True)

    records = [line["@"] for line in output if "@" in line]
    assert records[0] == {"bootstrap": "ready"}
    records = records[1:]
    assert records[0] == {"result": {"echo": {"op": "echo"}, "invocations": 1}}
    report = ProbeReport.model_validate(records[1]["result"])
    assert report.status == ReportStatus.OK
    assert report.request is not None and report.request.default_names is False
    assert (report.dns, report.tcp) == ([], [])
    assert {result.status for result in report.aws} <= {AwsStatus.SKIPPED}
    assert report.environment.function_name == "sample-fn"  # the function's own context
    assert "vpcprobe.handler" in records[2]["modules"]
    # The probe event did not reach the application: its counter did not move.
    assert records[3] == {"result": {"echo": {"op": "echo"}, "invocations": 2}}


def test_the_wrapper_keeps_the_first_original_handler_when_run_twice() -> None:
    env = {**os.environ, "_HANDLER": SAMPLE_HANDLER}
    env.pop("VPCPROBE_ORIGINAL_HANDLER", None)
    script = 'printf "%s %s" "$_HANDLER" "$VPCPROBE_ORIGINAL_HANDLER"'

    completed = subprocess.run(
        [str(WRAPPER), str(WRAPPER), "sh", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=10,
        check=True,
    )

    assert completed.stdout == f"vpcprobe.wrapper.handler {SAMPLE_HANDLER}"
