"""TCP facts: resolve a target as application code would, then connect to each address."""

from __future__ import annotations

import errno
import socket
import time

from vpcprobe.dns_lookup import StillBlockedError, getaddrinfo
from vpcprobe.facts import SkipReason, Target, TcpResult, TcpStatus, is_ip

# The kernel's answers that mean "no path" rather than "a host said no".
_UNREACHABLE = {
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.EADDRNOTAVAIL,
    errno.EAFNOSUPPORT,
    errno.ENETDOWN,
    errno.EHOSTDOWN,
}


def _elapsed_ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _result(target: Target, **fields: object) -> TcpResult:
    return TcpResult(label=target.display, host=target.host, port=target.port, **fields)  # type: ignore[arg-type]


def skipped(target: Target, reason: SkipReason, address: str | None = None) -> TcpResult:
    """The result for a connect (or a resolution) that never ran."""
    return _result(target, address=address, status=TcpStatus.SKIPPED, skip_reason=reason)


def resolve(target: Target, *, timeout: float | None = None) -> list[str] | TcpResult:
    """Every address getaddrinfo gives for the target (IPv4 and IPv6), or a dns_failed result
    (also when getaddrinfo is still blocked after `timeout` seconds)."""
    if is_ip(target.host):
        return [target.host]
    started = time.monotonic()
    try:
        infos = getaddrinfo(target.host, target.port, 0, socket.SOCK_STREAM, timeout=timeout)
    except StillBlockedError as exc:
        return _result(
            target, status=TcpStatus.DNS_FAILED, error=str(exc), elapsed_ms=_elapsed_ms(started)
        )
    except socket.gaierror as exc:
        return _result(
            target,
            status=TcpStatus.DNS_FAILED,
            errno=exc.errno,
            error=f"getaddrinfo: {exc.strerror or exc}",
            elapsed_ms=_elapsed_ms(started),
        )
    except (OSError, UnicodeError) as exc:
        return _result(
            target,
            status=TcpStatus.DNS_FAILED,
            error=f"getaddrinfo: {type(exc).__name__}: {exc}",
            elapsed_ms=_elapsed_ms(started),
        )
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        return _result(
            target,
            status=TcpStatus.DNS_FAILED,
            error="getaddrinfo returned no address",
            elapsed_ms=_elapsed_ms(started),
        )
    return addresses


def connect(target: Target, address: str, *, timeout: float) -> TcpResult:
    """Open (and close) one TCP connection to `address`; report what happened, never raise."""
    started = time.monotonic()
    result = _result(target, address=address, status=TcpStatus.ERROR)
    host, _, scope = address.partition("%")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockaddr: tuple[str, int] | tuple[str, int, int, int]
    try:
        if family == socket.AF_INET6:
            scope_id = socket.if_nametoindex(scope) if scope and not scope.isdigit() else 0
            sockaddr = (host, target.port, 0, int(scope) if scope.isdigit() else scope_id)
        else:
            sockaddr = (host, target.port)
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
        result.status = TcpStatus.OPEN
    except TimeoutError as exc:
        # Python's own timeout carries no errno; the kernel's ETIMEDOUT does.
        result.status = TcpStatus.TIMEOUT
        result.errno = exc.errno
        result.error = f"no answer within {timeout:g} s" if exc.errno is None else str(exc)
    except ConnectionRefusedError as exc:
        result.status = TcpStatus.REFUSED
        result.errno = exc.errno
        result.error = exc.strerror
    except OSError as exc:
        result.errno = exc.errno
        result.error = exc.strerror or str(exc)
        if exc.errno in _UNREACHABLE:
            result.status = TcpStatus.UNREACHABLE
    result.elapsed_ms = _elapsed_ms(started)
    return result
