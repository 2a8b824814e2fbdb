"""DNS facts against a real DNS server on a loopback address, over UDP and TCP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.probe.loopback_servers import DnsServer, closed_port, dns_server, silent_dns
from vpcprobe import dns_lookup
from vpcprobe.models import DnsStatus, RecordType, Transport

TRANSPORTS = [Transport.UDP, Transport.TCP]


@pytest.fixture(scope="module")
def server() -> Iterator[DnsServer]:
    with dns_server() as running:
        yield running


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_ok_with_answers(server: DnsServer, transport: Transport) -> None:
    result = dns_lookup.query("ok.test", RecordType.A, server.address, transport, timeout=2)
    assert result.status == DnsStatus.OK
    assert result.answers == ["192.0.2.10"]
    assert result.rcode == "NOERROR"
    assert result.server == server.address
    assert result.transport == transport
    aaaa = dns_lookup.query("ok.test", RecordType.AAAA, server.address, transport, timeout=2)
    assert aaaa.answers == ["2001:db8::10"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_cname_is_followed(server: DnsServer, transport: Transport) -> None:
    result = dns_lookup.query("alias.test", RecordType.A, server.address, transport, timeout=2)
    assert result.status == DnsStatus.OK
    assert result.answers == ["192.0.2.10"]


@pytest.mark.parametrize(
    ("name", "record_type", "status", "rcode"),
    [
        ("missing.test", RecordType.A, DnsStatus.NXDOMAIN, "NXDOMAIN"),
        ("fail.test", RecordType.A, DnsStatus.SERVFAIL, "SERVFAIL"),
        ("refused.test", RecordType.A, DnsStatus.REFUSED, "REFUSED"),
        ("v4only.test", RecordType.AAAA, DnsStatus.NO_ANSWER, "NOERROR"),
    ],
)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_failures_by_rcode(
    server: DnsServer,
    transport: Transport,
    name: str,
    record_type: RecordType,
    status: DnsStatus,
    rcode: str,
) -> None:
    result = dns_lookup.query(name, record_type, server.address, transport, timeout=2)
    assert result.status == status
    assert result.rcode == rcode
    assert result.answers == []


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_server_that_never_answers_times_out(transport: Transport) -> None:
    with silent_dns() as address:
        result = dns_lookup.query("ok.test", RecordType.A, address, transport, timeout=0.3)
    assert result.status == DnsStatus.TIMEOUT
    assert result.error == "no answer within 0.3 s"
    assert result.elapsed_ms >= 250


def test_tcp_to_a_closed_port_is_an_error_with_errno() -> None:
    result = dns_lookup.query(
        "ok.test", RecordType.A, "127.0.0.1", Transport.TCP, timeout=1, port=closed_port()
    )
    assert result.status == DnsStatus.ERROR
    assert result.errno == 111
    assert result.error is not None and "refused" in result.error.lower()


def test_system_resolver_on_a_hosts_file_name() -> None:
    result = dns_lookup.system_lookup("localhost", RecordType.A)
    assert result.server == "system"
    assert result.transport == Transport.SYSTEM
    assert result.status == DnsStatus.OK
    assert "127.0.0.1" in result.answers


def test_system_resolver_failure_is_data(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    result = dns_lookup.system_lookup("db.internal.example", RecordType.A)
    assert result.status == DnsStatus.TIMEOUT
    assert result.error == "getaddrinfo: Temporary failure in name resolution"


def test_system_resolver_does_not_do_other_record_types() -> None:
    assert not dns_lookup.system_supports(RecordType.TXT)
    result = dns_lookup.system_lookup("localhost", RecordType.TXT)
    assert result.status == DnsStatus.ERROR
