"""No credential and no other environment value ever reaches the report or the log output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.probe.loopback_servers import closed_port, listener
from tests.support.moto_server import MotoServer

MARKERS = {
    "AWS_SECRET_ACCESS_KEY": "MARKER-secret-3f9a",
    "AWS_SESSION_TOKEN": "MARKER-token-77c1",
    "DATABASE_PASSWORD": "MARKER-dbpass-0b2e",
    "APP_SETTING": "MARKER-setting-51d4",  # not secret-looking: the allow-list keeps it out
    # Set by Lambda in every invocation; Powertools would copy its Root into every log line.
    "_X_AMZN_TRACE_ID": "Root=1-MARKER-trace-6e1f;Parent=53995c3f42cd8ad8;Sampled=1",
}

PROGRAM = """
import json, sys
from vpcprobe.handler import handler

class Context:
    function_name = "suspect"
    aws_request_id = "req-1"
    def get_remaining_time_in_millis(self):
        return 8000

events = json.loads(sys.argv[1])
for event in events:
    print("REPORT " + json.dumps(handler(event, Context())))
"""


@pytest.mark.moto
def test_markers_never_appear(aws: MotoServer, tmp_path: Path) -> None:
    aws.client("logs").create_log_group(logGroupName="/aws/lambda/suspect")
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\n", encoding="utf-8")
    env = {
        **os.environ,
        **MARKERS,
        "AWS_ENDPOINT_URL": aws.url,  # a real signed request carries the session token
        "AWS_LAMBDA_FUNCTION_NAME": "suspect",
        "VPCPROBE_RESOLV_CONF": str(conf),
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
    }
    with listener() as port:
        events = [
            {
                "targets": [f"127.0.0.1:{port}", f"127.0.0.1:{closed_port()}"],
                "dns_names": ["localhost"],
                "dns_transports": ["tcp"],
                "aws": {"sts": True},
                "timeout_s": 1,
            },
            {"targets": "not a list", "timeout_s": -1},
        ]
        completed = subprocess.run(
            [sys.executable, "-c", PROGRAM, json.dumps(events)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    reports = [
        json.loads(line[7:]) for line in completed.stdout.splitlines() if line.startswith("REPORT ")
    ]
    assert [r["status"] for r in reports] == ["ok", "invalid_request"]
    # The probe really ran: the Logs call went through with those credentials.
    assert {(a["service"], a["status"]) for a in reports[0]["aws"]} == {
        ("logs", "ok"),
        ("sts", "ok"),
    }
    assert '"step":"tcp"' in completed.stdout  # and it logged its steps
    for name, marker in MARKERS.items():
        assert marker not in output, f"{name}'s value leaked"
        assert marker[7:] not in output, f"part of {name}'s value leaked"
    assert "MARKER" not in output, "part of an environment value leaked"


def test_redact_scrubs_secret_values_also_json_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    from vpcprobe import environment

    monkeypatch.setenv("AWS_SESSION_TOKEN", 'tok"en/with\\escapes')
    monkeypatch.setenv("HOME_REGION", "eu-west-1")
    text = json.dumps({"error": 'header tok"en/with\\escapes sent', "region": "eu-west-1"})
    assert environment.redact(text) == json.dumps(
        {"error": "header [redacted] sent", "region": "eu-west-1"}
    )


def test_environment_facts_come_from_the_allow_list_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from vpcprobe import environment

    for name, value in MARKERS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "suspect")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
    facts = json.dumps(environment.gather().to_json(), separators=(",", ":"))
    assert "MARKER" not in facts
    assert '"memory_mb":512' in facts
    assert '"log_group":"/aws/lambda/suspect"' in facts
