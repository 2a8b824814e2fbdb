"""TCP facts on 127.0.0.1: open, refused, timed out, and how a target's name is resolved."""

from __future__ import annotations

import errno
import socket

import pytest

from tests.probe.loopback_servers import black_hole, closed_port, listener
from vpcprobe import tcp_connect
from vpcprobe.facts import Target, TcpStatus


def test_open_port() -> None:
    with listener() as port:
        target = Target(host="127.0.0.1", port=port)
        result = tcp_connect.connect(target, "127.0.0.1", timeout=2)
    assert result.status == TcpStatus.OPEN
    assert result.errno is None
    assert result.label == f"127.0.0.1:{port}"
    assert result.address == "127.0.0.1"


def test_refused_port_keeps_errno() -> None:
    port = closed_port()
    result = tcp_connect.connect(Target(host="127.0.0.1", port=port), "127.0.0.1", timeout=2)
    assert result.status == TcpStatus.REFUSED
    assert result.errno == errno.ECONNREFUSED


def test_dropped_syn_times_out() -> None:
    with black_hole() as port:
        result = tcp_connect.connect(Target(host="127.0.0.1", port=port), "127.0.0.1", timeout=0.3)
    assert result.status == TcpStatus.TIMEOUT
    assert result.error == "no answer within 0.3 s"


def test_ipv6_loopback() -> None:
    try:
        server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        server.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this host")
    with server:
        server.listen(4)
        port = server.getsockname()[1]
        target = Target(host="::1", port=port)
        assert tcp_connect.resolve(target) == ["::1"]
        result = tcp_connect.connect(target, "::1", timeout=2)
    assert result.status == TcpStatus.OPEN
    assert result.label == f"[::1]:{port}"


def test_ip_literal_skips_dns() -> None:
    assert tcp_connect.resolve(Target(host="10.0.0.5", port=22)) == ["10.0.0.5"]


def test_name_resolved_like_an_application() -> None:
    addresses = tcp_connect.resolve(Target(host="localhost", port=80))
    assert isinstance(addresses, list)
    assert "127.0.0.1" in addresses


def test_name_that_does_not_resolve_is_dns_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    def nxdomain(*_args: object, **_kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nxdomain)
    result = tcp_connect.resolve(Target(host="db.internal.example", port=5432, label="db"))
    assert not isinstance(result, list)
    assert result.status == TcpStatus.DNS_FAILED
    assert result.errno == socket.EAI_NONAME
    assert result.label == "db"
    assert result.address is None
