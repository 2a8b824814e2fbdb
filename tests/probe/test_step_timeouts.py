"""A step never runs past its own timeout in the report, even the uncancellable getaddrinfo."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.probe.test_handler import Context
from vpcprobe.handler import handler


@pytest.fixture
def blocked_resolver(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[threading.Event]:
    """getaddrinfo blocks, as glibc's does with Lambda's `options timeout:2 attempts:5` and a
    dead DNS server (up to 10 s); released when the test ends."""
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\noptions timeout:2 attempts:5\n", encoding="utf-8")
    monkeypatch.setenv("VPCPROBE_RESOLV_CONF", str(conf))
    monkeypatch.setenv("VPCPROBE_FORWARDER", "")
    release = threading.Event()
    real = socket.getaddrinfo

    def blocked(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in ("127.0.0.1", "localhost"):
            return real(host, *args, **kwargs)
        release.wait(60)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", blocked)
    yield release
    release.set()


def test_a_blocked_system_lookup_is_a_timeout_at_its_step_timeout(
    blocked_resolver: threading.Event,
) -> None:
    event = {
        "targets": ["db.example:5432"],
        "record_types": ["A"],
        "dns_transports": ["udp"],
        "aws": {"logs": False},
        "timeout_s": 1,
    }
    # 20 s of remaining time: were the probe to wait for getaddrinfo it would hit its deadline.
    report = handler(event, Context(20_000))
    still_blocked = not blocked_resolver.is_set()

    assert still_blocked
    assert report["status"] == "ok"
    assert report["deadline"]["hit"] is False  # it moved on; nothing waited for the deadline
    system = [d for d in report["dns"] if d["transport"] == "system"]
    assert system and {d["status"] for d in system} == {"timeout"}
    assert all("still blocked after 1 s" in d["error"] for d in system)
    (tcp,) = report["tcp"]
    assert tcp["status"] == "dns_failed"
    assert "still blocked after 1 s" in tcp["error"]


def test_a_blocked_endpoint_lookup_is_a_timeout_of_the_aws_step(
    blocked_resolver: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Logs and STS steps resolve their endpoint through the bounded lookup first: a
    blocked getaddrinfo is `timeout` at the step timeout, saying so, and no call is made."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    event = {"targets": [], "aws": {"logs": True, "sts": True}, "timeout_s": 1}
    report = handler(event, Context(20_000))
    still_blocked = not blocked_resolver.is_set()

    assert still_blocked
    assert report["deadline"]["hit"] is False
    calls = {entry["service"]: entry for entry in report["aws"]}
    assert set(calls) == {"logs", "sts"}
    for service, entry in calls.items():
        assert entry["status"] == "timeout", entry
        assert entry["error"].startswith(f"resolving {service}.eu-west-1.amazonaws.com: ")
        assert "getaddrinfo was still blocked after 1 s" in entry["error"]


def test_python_m_vpcprobe_against_a_dead_dns_server_moves_on(tmp_path: Path) -> None:
    """The real glibc resolver, pointed (in a private mount namespace) at a loopback UDP socket
    that never answers, with Lambda's `options timeout:2 attempts:5`: getaddrinfo would block
    10 s; with --timeout 1 and --deadline 5 the probe reports it and finishes in time. The Logs
    and STS steps resolve their endpoint (logs/sts.us-east-1.amazonaws.com, no endpoint
    override) through the same dead server: `timeout` at their step timeout, saying the lookup
    was still blocked (botocore's connect_timeout does not cover getaddrinfo: they used to wait
    the 10 s out and say `dns_failed`). Nothing leaves loopback: the lookups go to the dead
    server on 127.x, and no call is made once the name did not resolve."""
    import json
    import os
    import random
    import shutil
    import subprocess
    import sys

    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to give glibc its own /etc/resolv.conf")
    dead = f"127.{random.randint(64, 250)}.{random.randint(1, 250)}.{random.randint(1, 250)}"
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        silent.bind((dead, 53))  # receives the queries, never answers
    except OSError as exc:
        silent.close()
        pytest.skip(f"cannot bind {dead}:53: {exc}")
    conf = tmp_path / "resolv.conf"
    conf.write_text(f"nameserver {dead}\noptions timeout:2 attempts:5\n", encoding="utf-8")
    layer = Path(__file__).resolve().parents[2] / "layer"
    probe = [sys.executable, "-m", "vpcprobe", "--target", "db.example:5432", "--timeout", "1",
             "--deadline", "5", "--sts", "--no-default-names", "--record-type", "A",
             "--transport", "udp"]  # fmt: skip
    script = f'mount --bind "{conf}" /etc/resolv.conf && exec "$@"'
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(PYTHONPATH=str(layer), VPCPROBE_RESOLV_CONF=str(conf), VPCPROBE_FORWARDER="",
               AWS_REGION="us-east-1")  # fmt: skip
    try:
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", script, "sh", *probe],
            capture_output=True, text=True, timeout=60, check=False, env=env,
        )  # fmt: skip
    finally:
        silent.close()
    start = done.stdout.find("{")
    assert start >= 0, done.stderr
    report = json.loads(done.stdout[start:])
    assert report["deadline"]["hit"] is False  # getaddrinfo's 10 s would pass the 5 s deadline
    system = [d for d in report["dns"] if d["transport"] == "system"]
    assert [d["status"] for d in system] == ["timeout"]
    assert "still blocked after 1 s" in system[0]["error"]
    direct = [d for d in report["dns"] if d["server"] == dead]
    assert direct and {d["status"] for d in direct} == {"timeout"}
    (tcp,) = report["tcp"]
    assert tcp["status"] == "dns_failed" and "still blocked" in tcp["error"]
    calls = {entry["service"]: entry for entry in report["aws"]}
    assert set(calls) == {"logs", "sts"}
    for service, entry in calls.items():
        assert entry["status"] == "timeout", entry
        assert f"resolving {service}.us-east-1.amazonaws.com" in entry["error"]
        assert "still blocked after 1 s" in entry["error"]
