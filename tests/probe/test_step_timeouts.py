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
