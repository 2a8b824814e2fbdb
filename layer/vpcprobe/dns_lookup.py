"""DNS facts: the system resolver as application code sees it, and direct queries per server."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from vpcprobe import environment
from vpcprobe.facts import (
    SYSTEM_RESOLVER,
    DnsResult,
    DnsStatus,
    RecordType,
    SkipReason,
    Transport,
)

DNS_PORT = 53
_FAMILIES = {RecordType.A: socket.AF_INET, RecordType.AAAA: socket.AF_INET6}
# getaddrinfo's failures, in the probe's words. EAI_AGAIN is glibc's "temporary failure":
# every server timed out or answered SERVFAIL; the direct queries tell which.
_GAI_STATUS = {
    socket.EAI_NONAME: DnsStatus.NXDOMAIN,
    getattr(socket, "EAI_NODATA", socket.EAI_NONAME): DnsStatus.NO_ANSWER,
    socket.EAI_AGAIN: DnsStatus.TIMEOUT,
}


def _elapsed_ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def system_supports(record_type: RecordType) -> bool:
    """getaddrinfo answers only address records."""
    return record_type in _FAMILIES


def skipped(
    name: str, record_type: RecordType, server: str, transport: Transport, reason: SkipReason
) -> DnsResult:
    """The result for a query that was never sent."""
    return DnsResult(
        name=name,
        record_type=record_type,
        server=server,
        transport=transport,
        status=DnsStatus.SKIPPED,
        skip_reason=reason,
    )


class StillBlockedError(TimeoutError):
    """getaddrinfo had not returned when its step's time was up (it cannot be cancelled)."""

    def __init__(self, timeout: float) -> None:
        super().__init__(
            f"getaddrinfo was still blocked after {timeout:g} s, the step's timeout (the "
            "system resolver cannot be cancelled: resolv.conf's options timeout/attempts rule "
            "it, up to 10 s in Lambda when the DNS server is dead); the probe moved on"
        )
        self.timeout = timeout


def getaddrinfo(
    host: str, port: int | None, family: int, kind: int, *, timeout: float | None
) -> list[Any]:
    """socket.getaddrinfo, given up on after `timeout` seconds (StillBlockedError).

    The lookup runs in a daemon thread that is left behind when it blocks: nothing can
    interrupt it, but the step, and the probe, no longer wait for it.
    """
    if timeout is None:
        return socket.getaddrinfo(host, port, family, kind)
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def lookup() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, family, kind)
        except BaseException as exc:  # handed to the caller, raised there
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=lookup, name="vpcprobe-getaddrinfo", daemon=True).start()
    if not done.wait(timeout):
        raise StillBlockedError(timeout)
    if "error" in outcome:
        raise outcome["error"]
    return list(outcome["infos"])


def system_lookup(name: str, record_type: RecordType, *, timeout: float | None = None) -> DnsResult:
    """Resolve `name` with getaddrinfo for one address family; never raise.

    getaddrinfo has no timeout of its own (resolv.conf's `options timeout/attempts` rule it):
    after `timeout` seconds the result is `timeout`, saying the lookup was still blocked.
    """
    started = time.monotonic()
    result = DnsResult(
        name=name,
        record_type=record_type,
        server=SYSTEM_RESOLVER,
        transport=Transport.SYSTEM,
        status=DnsStatus.ERROR,
    )
    family = _FAMILIES.get(record_type)
    if family is None:
        result.error = f"the system resolver does not look up {record_type} records"
        return result
    try:
        infos = getaddrinfo(name, None, family, socket.SOCK_STREAM, timeout=timeout)
    except StillBlockedError as exc:
        result.status = DnsStatus.TIMEOUT
        result.error = str(exc)
    except socket.gaierror as exc:
        result.status = _GAI_STATUS.get(exc.errno, DnsStatus.ERROR)
        result.error = f"getaddrinfo: {exc.strerror or exc}"
    except (OSError, UnicodeError) as exc:
        result.error = f"getaddrinfo: {type(exc).__name__}: {exc}"
    else:
        answers: list[str] = []
        for info in infos:
            address = str(info[4][0])
            if address not in answers:
                answers.append(address)
        result.answers = answers
        result.status = DnsStatus.OK if answers else DnsStatus.NO_ANSWER
    result.elapsed_ms = _elapsed_ms(started)
    return result


def load_dnspython() -> Any:
    """dnspython, imported on first use: `import vpcprobe.handler` stays fast without it."""
    import dns.exception
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype

    return dns


def _answers(dns: Any, response: Any, name: Any, rdtype: Any) -> list[str]:
    """Texts of the records of the asked type, following CNAMEs through the answer section."""
    target = name
    for _ in range(16):  # a CNAME chain longer than this is a loop
        rrset = response.get_rrset(response.answer, target, dns.rdataclass.IN, rdtype)
        if rrset is not None:
            return [str(rdata.to_text()) for rdata in rrset]
        cname = response.get_rrset(response.answer, target, dns.rdataclass.IN, dns.rdatatype.CNAME)
        if cname is None:
            break
        target = next(iter(cname)).target
    return []


def query(
    name: str,
    record_type: RecordType,
    server: str,
    transport: Transport,
    *,
    timeout: float,
    port: int = DNS_PORT,
) -> DnsResult:
    """Ask one server for one name over one transport and report what happened; never raise."""
    started = time.monotonic()
    result = DnsResult(
        name=name,
        record_type=record_type,
        server=server,
        transport=transport,
        status=DnsStatus.ERROR,
    )
    try:
        dns = load_dnspython()
    except ImportError as exc:
        result.error = f"dnspython is not available: {exc}"
        return result
    try:
        qname = dns.name.from_text(name)
        rdtype = dns.rdatatype.from_text(record_type.value)
        request = dns.message.make_query(qname, rdtype)
        send = dns.query.tcp if transport == Transport.TCP else dns.query.udp
        response = send(request, server, timeout=timeout, port=port)
        rcode = response.rcode()
        result.rcode = str(dns.rcode.to_text(rcode))
        if rcode == dns.rcode.NOERROR:
            result.answers = _answers(dns, response, qname, rdtype)
            result.status = DnsStatus.OK if result.answers else DnsStatus.NO_ANSWER
        elif rcode == dns.rcode.NXDOMAIN:
            result.status = DnsStatus.NXDOMAIN
        elif rcode == dns.rcode.SERVFAIL:
            result.status = DnsStatus.SERVFAIL
        elif rcode == dns.rcode.REFUSED:
            result.status = DnsStatus.REFUSED
        else:
            result.error = f"the server answered {result.rcode}"
    except dns.exception.Timeout:
        result.status = DnsStatus.TIMEOUT
        result.error = f"no answer within {timeout:g} s"
    except OSError as exc:
        result.errno = exc.errno
        result.error = f"{type(exc).__name__}: {exc.strerror or exc}"
    except Exception as exc:  # a malformed answer, a dnspython surprise: still a fact
        result.error = environment.clip(f"{type(exc).__name__}: {exc}", 300)
    result.elapsed_ms = _elapsed_ms(started)
    return result
