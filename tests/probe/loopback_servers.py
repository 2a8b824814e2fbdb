"""Test servers on loopback: a small DNS server (UDP and TCP), silent sockets, a full backlog."""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
from collections.abc import Iterator

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

ZONE_A = {"ok.test.": "192.0.2.10", "www.test.": "192.0.2.10", "v4only.test.": "192.0.2.20"}
ZONE_AAAA = {"ok.test.": "2001:db8::10", "www.test.": "2001:db8::10"}
CNAMES = {"alias.test.": "www.test."}
RCODES = {"fail.test.": dns.rcode.SERVFAIL, "refused.test.": dns.rcode.REFUSED}


def answer(wire: bytes) -> bytes:
    """The reply to one DNS query, from the little zone above (NXDOMAIN for the rest)."""
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    question = query.question[0]
    name = question.name.to_text().lower()
    if name in RCODES:
        response.set_rcode(RCODES[name])
        return response.to_wire()
    target = name
    if name in CNAMES:
        target = CNAMES[name]
        response.answer.append(dns.rrset.from_text(name, 60, "IN", "CNAME", target))
    records = {dns.rdatatype.A: ZONE_A, dns.rdatatype.AAAA: ZONE_AAAA}.get(question.rdtype, {})
    if target in records:
        rdtype = dns.rdatatype.to_text(question.rdtype)
        response.answer.append(dns.rrset.from_text(target, 60, "IN", rdtype, records[target]))
    elif target not in ZONE_A and target not in ZONE_AAAA:
        response.set_rcode(dns.rcode.NXDOMAIN)
    return response.to_wire()


def _bind_53(kind: int, address: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, 53))
    except OSError:
        sock.close()
        raise
    return sock


def free_loopback_address() -> str:
    """A 127.x.y.z address on which port 53 is free for both UDP and TCP right now."""
    rng = random.Random()
    for _ in range(50):
        address = f"127.{rng.randint(60, 250)}.{rng.randint(0, 255)}.{rng.randint(2, 250)}"
        try:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                _bind_53(kind, address).close()
        except PermissionError:
            pytest.skip("binding port 53 on loopback needs root (CAP_NET_BIND_SERVICE)")
        except OSError:
            continue
        return address
    pytest.skip("no free loopback address with port 53 found")


class DnsServer:
    """Answers on <address>:53 over UDP and TCP from a thread each, until closed."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.queries = 0
        self._stop = threading.Event()
        self._udp = _bind_53(socket.SOCK_DGRAM, address)
        self._tcp = _bind_53(socket.SOCK_STREAM, address)
        self._tcp.listen(16)
        self._udp.settimeout(0.1)
        self._tcp.settimeout(0.1)
        self._threads = [
            threading.Thread(target=self._serve_udp, daemon=True),
            threading.Thread(target=self._serve_tcp, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _serve_udp(self) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = self._udp.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.queries += 1
            self._udp.sendto(answer(wire), peer)

    def _serve_tcp(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError, struct.error):
                    (length,) = struct.unpack("!H", _read(conn, 2))
                    reply = answer(_read(conn, length))
                    self.queries += 1
                    conn.sendall(struct.pack("!H", len(reply)) + reply)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._udp.close()
        self._tcp.close()


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("peer closed")
        data += chunk
    return data


@contextlib.contextmanager
def dns_server() -> Iterator[DnsServer]:
    """A running DnsServer on a free loopback address, closed afterwards."""
    server = DnsServer(free_loopback_address())
    try:
        yield server
    finally:
        server.close()


@contextlib.contextmanager
def silent_dns() -> Iterator[str]:
    """<address>:53 that takes UDP queries and TCP connections but never answers."""
    address = free_loopback_address()
    udp = _bind_53(socket.SOCK_DGRAM, address)
    tcp = _bind_53(socket.SOCK_STREAM, address)
    tcp.listen(16)  # the kernel completes handshakes; nobody ever reads
    try:
        yield address
    finally:
        udp.close()
        tcp.close()


@contextlib.contextmanager
def listener(backlog: int = 16) -> Iterator[int]:
    """A TCP listener on 127.0.0.1 that accepts (via the kernel) and never answers; its port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(backlog)
        yield int(sock.getsockname()[1])


def closed_port() -> int:
    """A loopback port nothing listens on (bound and released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A 127.0.0.1 port where new TCP connects time out: a listener whose queue is full.

    Linux drops SYNs to a listener whose accept queue is full, so the client retransmits
    until its own timeout, as with a security group or NACL that drops packets.
    """
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = int(server.getsockname()[1])
        for _ in range(8):  # fill the queue (backlog 0 still admits one or two)
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            fillers.append(filler)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
        yield port
    finally:
        for filler in fillers:
            filler.close()
        server.close()
