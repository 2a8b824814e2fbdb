"""A tripwire for in-process tests: any socket aimed off loopback is blocked and recorded.

Tests must never send a packet except to loopback or into namespaces they built (lab tests
run the probe in a subprocess inside its own namespace, out of this guard's reach).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _hosts_file_names() -> set[str]:
    names = {"localhost"}
    try:
        text = Path("/etc/hosts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return names
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and _is_loopback(fields[0]):
            names.update(f.lower() for f in fields[1:])
    return names


def _is_loopback(host: Any) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_ip(host: Any) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


class NetworkGuard:
    """Patches socket so only loopback destinations get through; records the rest."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self._local_names = _hosts_file_names()

    def _check_address(self, family: int, address: Any, what: str) -> None:
        if family == getattr(socket, "AF_UNIX", -1) or not isinstance(address, tuple):
            return
        if not _is_loopback(address[0]):
            self.violations.append(f"{what} to {address!r}")
            raise OSError(101, f"blocked by the test network guard: {what} to {address!r}")

    @contextmanager
    def installed(self) -> Iterator[NetworkGuard]:
        guard = self
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_sendto = socket.socket.sendto
        real_getaddrinfo = socket.getaddrinfo

        def connect(sock: socket.socket, address: Any) -> None:
            guard._check_address(sock.family, address, "connect")
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            guard._check_address(sock.family, address, "connect")
            return real_connect_ex(sock, address)

        def sendto(sock: socket.socket, data: Any, *args: Any) -> int:
            address = args[-1]
            guard._check_address(sock.family, address, "sendto")
            return real_sendto(sock, data, *args)  # type: ignore[arg-type]

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name is None or _is_ip(name) or str(name).lower() in guard._local_names:
                return real_getaddrinfo(host, *args, **kwargs)
            guard.violations.append(f"getaddrinfo({name!r}) would ask the host's DNS")
            raise socket.gaierror(socket.EAI_NONAME, "blocked by the test network guard")

        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
        socket.socket.sendto = sendto  # type: ignore[method-assign,assignment]
        socket.getaddrinfo = getaddrinfo
        try:
            yield self
        finally:
            socket.socket.connect = real_connect  # type: ignore[method-assign]
            socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
            socket.socket.sendto = real_sendto  # type: ignore[method-assign]
            socket.getaddrinfo = real_getaddrinfo
