"""Fuzzed events never make the handler raise; it always answers with a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcprobe import aws_call, dns_lookup, tcp_connect
from vpcprobe.facts import AwsResult, AwsStatus, DnsResult, DnsStatus, TcpResult, TcpStatus
from vpcprobe.handler import handler
from vpcprobe.models import ProbeReport

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
hostish = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["db.example", "10.0.0.5", "[2001:db8::1]", "::1", "a" * 64, "x.-y", ""]),
)
targets = st.one_of(
    st.builds(lambda h, p: f"{h}:{p}", hostish, st.integers(-5, 70000)),
    st.fixed_dictionaries(
        {"host": hostish, "port": st.integers(-5, 70000)}, optional={"label": json_values}
    ),
    json_values,
)
fields = {
    "targets": st.lists(targets, max_size=5) | json_values,
    "dns_names": st.lists(hostish, max_size=3) | json_values,
    "nameservers": st.lists(
        st.sampled_from(["10.0.0.2", "fd00::2", "bad", "169.254.78.1"]), max_size=3
    ),
    "record_types": st.lists(
        st.sampled_from(["A", "AAAA", "TXT", "MX", "SRV", "CNAME", "PTR", 1]), max_size=7
    ),
    "dns_transports": st.lists(st.sampled_from(["udp", "tcp", "system", None]), max_size=3),
    "system_resolver": json_values,
    "default_names": st.booleans(),
    "aws": st.fixed_dictionaries(
        {}, optional={"logs": json_values, "sts": st.booleans(), "log_group": json_values}
    ),
    "timeout_s": st.one_of(
        st.floats(allow_nan=True, allow_infinity=True), st.integers(-1, 20), json_values
    ),
}
events = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional=fields),
    st.fixed_dictionaries({"vpcprobe": st.fixed_dictionaries({}, optional=fields)}),
)


class Context:
    def get_remaining_time_in_millis(self) -> int:
        return 5000


def test_fuzzed_events_never_raise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fuzzed targets may be real names and addresses: the network primitives are replaced by
    # fakes so nothing leaves the process; planning, running, deadline and reporting are real.
    def fake_query(name: str, record_type: Any, server: str, transport: Any, **_: Any) -> DnsResult:
        return DnsResult(
            name=name,
            record_type=record_type,
            server=server,
            transport=transport,
            status=DnsStatus.TIMEOUT,
        )

    def fake_system(name: str, record_type: Any) -> DnsResult:
        return DnsResult(
            name=name,
            record_type=record_type,
            server="system",
            transport="system",
            status=DnsStatus.NXDOMAIN,
        )

    def fake_connect(target: Any, address: str, **_: Any) -> TcpResult:
        return TcpResult(
            label=target.display,
            host=target.host,
            port=target.port,
            address=address,
            status=TcpStatus.TIMEOUT,
        )

    def fake_call(service: str, **kwargs: Any) -> AwsResult:
        return AwsResult(service=service, operation="X", status=AwsStatus.TIMEOUT)

    monkeypatch.setattr(dns_lookup, "query", fake_query)
    monkeypatch.setattr(dns_lookup, "system_lookup", fake_system)
    monkeypatch.setattr(tcp_connect, "connect", fake_connect)
    monkeypatch.setattr(tcp_connect, "resolve", lambda target: ["192.0.2.1", "2001:db8::1"])
    monkeypatch.setattr(aws_call, "call", fake_call)
    conf = tmp_path / "resolv.conf"
    conf.write_text(
        "; configured nameserver 10.1.1.10\nnameserver 169.254.78.1\n", encoding="utf-8"
    )
    monkeypatch.setenv("VPCPROBE_RESOLV_CONF", str(conf))
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(events)
    def check(event: Any) -> None:
        report = handler(event, Context())
        parsed = ProbeReport.model_validate(report)
        assert (
            parsed.errors == []
            or parsed.status == "invalid_request"
            or parsed.errors[0].step == "dns"
        )
        assert not any(e.step == "handler" for e in parsed.errors), parsed.errors
        seen.add(parsed.status.value)

    check()
    assert seen == {"ok", "invalid_request"}  # both paths were exercised
