"""The probe's plain records and request reader hold to the pydantic contract (vpcprobe.models).

The probe builds `vpcprobe.facts` records and reads the usual request without pydantic (a
cold start cannot afford it); the collector validates every report with the pydantic
`ProbeReport`. These tests hold the two together:
- every report the handler writes (ok, invalid request, deadline cut, crashed, redacted)
  validates against `ProbeReport` and is exactly what the contract writes back;
- every event gets the request, or the errors, that reading it with the contract alone
  gives (the behaviour before the plain reader existed), field by field and word by word;
- a cold start with a valid request imports neither pydantic, nor dnspython, nor boto3.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.probe.loopback_servers import closed_port, listener
from vpcprobe import environment, facts, request, tcp_connect
from vpcprobe.handler import handler
from vpcprobe.models import ProbeReport, ProbeRequest

REPO = Path(__file__).resolve().parents[2]


class Context:
    function_name = "suspect"
    aws_request_id = "req-1"
    memory_limit_in_mb = 256

    def __init__(self, remaining_ms: float) -> None:
        self._end = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - time.monotonic()) * 1000))


def contract_parse(event: Any) -> tuple[dict[str, Any] | None, list[tuple[str | None, str]]]:
    """How the handler read an event before the plain reader: the pydantic contract alone."""
    if event is None:
        event = {}
    if isinstance(event, dict) and len(event) == 1 and "vpcprobe" in event:
        event = event["vpcprobe"] if event["vpcprobe"] is not None else {}
    try:
        return ProbeRequest.model_validate(event).model_dump(mode="json"), []
    except ValidationError as exc:
        return None, [
            (
                ".".join(str(p) for p in e.get("loc", ())) or None,
                environment.clip(str(e["msg"]).removeprefix("Value error, "), 500),
            )
            for e in exc.errors(include_url=False, include_input=False)
        ]


def assert_same_reading(event: Any) -> None:
    expected_request, expected_errors = contract_parse(event)
    got, errors = request.parse_event(event)
    assert [(e.location, e.message) for e in errors] == expected_errors
    assert all(e.step == "request" for e in errors)
    assert (None if got is None else got.to_json()) == expected_request


def assert_contract_round_trip(report: dict[str, Any]) -> ProbeReport:
    parsed = ProbeReport.model_validate(report)
    assert parsed.model_dump(mode="json") == report  # nothing lost, added, or retyped
    return parsed


# ------------------------------------------------------------------------------ requests

hosts: st.SearchStrategy[Any] = st.sampled_from(
    [
        "db",
        " db.internal ",
        "10.0.0.5",
        "10.0.0.256",
        "010.0.0.5",
        "1.2.3",
        "::1",
        "2001:db8::10",
        "fe80::1%eth0",
        "_",
        "-bad-.example",
        "ok.test.",
        "",
        "a" * 64,
        "x\n",
        "1.2.3.4\n",
        "\u0661.\u0662.\u0663.\u0664",  # Arabic-Indic digits: no IPv4 address
        "\ud800",  # a lone surrogate: a Python str, but no UTF-8 text
        "db\udcff.example",
    ]
)
ports: st.SearchStrategy[Any] = st.sampled_from(
    [0, 1, 80, 65535, 65536, -1, True, False, "6379", "x", 80.0, 80.5, None, 10**400]
)
numbers: st.SearchStrategy[Any] = st.sampled_from(
    [
        0,
        0.0,
        0.001,
        1,
        2.5,
        10,
        10.0,
        10.0001,
        -1,
        True,
        "1.5",
        "x",
        None,
        math.inf,
        math.nan,
        10**400,
        -(10**400),
        "1" + "0" * 400,
    ]  # fmt: skip (the last three: no float holds them)
)
junk: st.SearchStrategy[Any] = st.sampled_from([None, 1, "x", [], {}, True, 1.5])
target_strings: st.SearchStrategy[Any] = st.builds(
    lambda h, p: f"{h}:{p}", hosts, ports
) | st.sampled_from(
    ["db", "[::1]:443", "[::1]443", "2001:db8::1:443", "db:", "db:0080", ":80", "[::1]:"]
)
target_dicts: st.SearchStrategy[Any] = st.fixed_dictionaries(
    {},
    optional={
        "host": hosts | junk,
        "port": ports,
        "label": st.sampled_from([None, "", "api", "x" * 64, "x" * 65, 5, "\ud800", "a\udfff"]),
        "extra": junk,
    },
)


def lists_of(items: st.SearchStrategy[Any], most: int) -> st.SearchStrategy[Any]:
    return st.lists(items, max_size=most) | junk


events: st.SearchStrategy[Any] = st.fixed_dictionaries(
    {},
    optional={
        "targets": lists_of(target_strings | target_dicts | junk, 4)
        | st.just([f"10.0.0.1:{p}" for p in range(1, 66)])
        | st.just([f"10.0.0.1:{p}" for p in range(1, 65)]),
        "dns_names": lists_of(hosts | junk, 3),
        "nameservers": lists_of(hosts | junk, 3) | st.just(["10.0.0.2"] * 17),
        "record_types": lists_of(st.sampled_from(["A", "AAAA", "MX", "a", "PTR", 1, None]), 7),
        "dns_transports": lists_of(st.sampled_from(["udp", "tcp", "system", "UDP", 0]), 3),
        "system_resolver": st.sampled_from([True, False, 1, 0, "true", "no", None, 2]),
        "default_names": st.sampled_from([True, False, "yes", None]),
        "aws": st.fixed_dictionaries(
            {},
            optional={
                "logs": st.sampled_from([True, False, "maybe", 0]),
                "sts": st.sampled_from([True, False, None]),
                "log_group": st.sampled_from(
                    [None, "/aws/lambda/x", "g" * 513, 3, "/aws/lambda/\udcff"]
                ),
                "region": junk,
            },
        )
        | junk,
        "timeout_s": numbers,
        "surprise": junk,
    },
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events | junk | st.fixed_dictionaries({"vpcprobe": events | st.none()}))
def test_every_event_is_read_as_the_contract_reads_it(event: Any) -> None:
    assert_same_reading(event)


valid_targets: st.SearchStrategy[Any] = st.sampled_from(
    ["db:5432", "10.0.0.5:22", "[::1]:443", {"host": "db", "port": 80}, {"host": "h", "port": 1}]
)
valid_events: st.SearchStrategy[Any] = st.fixed_dictionaries(
    {},
    optional={
        "targets": st.lists(valid_targets, max_size=2),
        "dns_names": st.lists(st.sampled_from(["api.example.com", "ok.test."]), max_size=2),
        "nameservers": st.lists(st.sampled_from(["10.0.0.2", "fd00::2"]), max_size=2),
        "record_types": st.lists(st.sampled_from(["A", "AAAA", "SRV"]), min_size=1, max_size=3),
        "dns_transports": st.lists(st.sampled_from(["udp", "tcp"]), min_size=1, max_size=2),
        "system_resolver": st.booleans(),
        "aws": st.fixed_dictionaries({}, optional={"logs": st.booleans(), "sts": st.booleans()}),
        "timeout_s": st.sampled_from([0.5, 1, 2.0, 10]),
    },
)
one_odd_value: dict[str, st.SearchStrategy[Any]] = {
    "targets": st.tuples(
        st.sampled_from(
            [
                {"host": "db", "port": p, "label": label}
                for p in (0, 1, 65535, 65536, True, "80", 80.0, None)
                for label in (None, "x" * 64, "x" * 65, "\ud800")
            ]
        )
        | target_strings
        | target_dicts
    ).map(list),
    "dns_names": st.tuples(hosts | junk).map(list),
    "nameservers": st.tuples(hosts | junk).map(list),
    "record_types": st.sampled_from([[], ["A"] * 6, ["A"] * 7, ["a"], [None], "A"]),
    "dns_transports": st.sampled_from([[], ["udp"] * 2, ["udp"] * 3, ["system"], "udp"]),
    "default_names": st.sampled_from([0, 1, "true", None]),
    "aws": st.sampled_from(
        [
            {"log_group": "g" * 512},
            {"log_group": "g" * 513},
            {"log_group": "/aws/lambda/\udcff"},
            {"logs": 1},
            {"region": "x"},
            [],
        ]
    ),
    "timeout_s": numbers,
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_events, st.data())
def test_a_usual_event_with_one_odd_value_is_read_as_the_contract_reads_it(
    event: dict[str, Any], data: st.DataObject
) -> None:
    """The plain reader's limits sit exactly where the contract's do: one value beyond one."""
    assert_same_reading(event)
    field = data.draw(st.sampled_from(sorted(one_odd_value)))
    assert_same_reading(event | {field: data.draw(one_odd_value[field])})


@pytest.mark.parametrize(
    "event",
    [
        {},
        None,
        {"targets": ["db.internal.example:5432", "[2001:db8::10]:443", "10.0.0.5:22"]},
        {"targets": [{"host": "db", "port": "6379"}], "timeout_s": 1},  # the contract's lax int
        {"targets": [{"host": "db", "port": 80.0}]},
        {"timeout_s": "1.5"},
        {"system_resolver": "false", "aws": {"logs": 0}},
        {"record_types": ["PTR"]},
        {"dns_transports": ["system"]},
        {"targets": ["db:0", {"host": "_", "port": True}], "timeout_s": 11, "x": 1},
        {"nameservers": ["dns.example", "10.0.0.2"]},
        {"dns_names": ["10.0.0.256", "ok.test"]},
        {"targets": [f"10.0.0.1:{p}" for p in range(1, 66)]},
        # every limit, at it and one beyond it
        {"targets": [{"host": "db", "port": 80, "label": "x" * 64}]},
        {"targets": [{"host": "db", "port": 80, "label": "x" * 65}]},
        {"targets": [{"host": "db", "port": 65535}, {"host": "db", "port": 65536}]},
        {"targets": [{"host": "db", "port": 1}, {"host": "db", "port": 0}]},
        {"aws": {"log_group": "g" * 512}},
        {"aws": {"log_group": "g" * 513}},
        {"timeout_s": 10},
        {"timeout_s": 10.000001},
        {"timeout_s": 0},
        {"timeout_s": 1e-9},
        {"record_types": ["A"] * 6},
        {"record_types": ["A"] * 7},
        {"record_types": []},
        {"dns_transports": ["udp", "tcp"]},
        {"dns_transports": ["udp", "tcp", "udp"]},
        {"dns_names": [f"n{i}.example" for i in range(64)]},
        {"dns_names": [f"n{i}.example" for i in range(65)]},
        {"nameservers": ["10.0.0.2"] * 16},
        {"nameservers": ["10.0.0.2"] * 17},
        {"targets": [f"10.0.0.1:{p}" for p in range(1, 65)]},
        {"vpcprobe": {"targets": ["10.0.0.5:22"]}},
        {"vpcprobe": None},
        {"vpcprobe": 7},
        [],
        "targets",
        42,
    ],
)
def test_known_events_read_as_before(event: Any) -> None:
    assert_same_reading(event)


def test_the_plain_reader_accepts_the_usual_shape_itself() -> None:
    """The usual requests never reach the contract (that is what keeps pydantic out)."""
    usual = [
        {},
        {"targets": ["db:5432", {"host": "10.0.0.5", "port": 22, "label": "ssh"}]},
        {"dns_names": ["api.example.com"], "nameservers": ["10.0.0.2", "fd00::2"]},
        {"record_types": ["A"], "dns_transports": ["tcp"], "timeout_s": 1},
        {"aws": {"logs": False, "sts": True, "log_group": "/aws/lambda/f"}},
        {"system_resolver": False, "default_names": False},
    ]
    for event in usual:
        assert request.read_plain(event) is not None, event


# ------------------------------------------------------------------------------ reports


@pytest.fixture(autouse=True)
def _quiet_probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1 rotate\n")
    monkeypatch.setenv("VPCPROBE_RESOLV_CONF", str(conf))
    monkeypatch.setenv("VPCPROBE_FORWARDER", "")
    # No POWERTOOLS_LOG_LEVEL here: the probe's logger is made once per process, and one made
    # at WARNING would silence the log lines other tests read.


def test_a_probe_report_is_the_contracts_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    with listener() as port:
        event = {
            "targets": [f"127.0.0.1:{port}", {"host": "127.0.0.1", "port": closed_port()}],
            "dns_names": ["ok.test"],
            "record_types": ["A", "MX"],
            "dns_transports": ["udp"],
            "system_resolver": False,
            "default_names": False,
            "aws": {"logs": False},
            "timeout_s": 1,
        }
        report = handler(event, Context(10_000))
    parsed = assert_contract_round_trip(report)
    assert parsed.status == "ok"
    assert [t.status for t in parsed.tcp] == ["open", "refused"]
    assert parsed.resolv_conf is not None and parsed.resolv_conf.options == {
        "timeout": 1,
        "attempts": 1,
        "rotate": True,
    }
    assert report["request"]["timeout_s"] == 1.0 and isinstance(
        report["request"]["timeout_s"], float
    )
    assert report["aws"][0]["skip_reason"] == "disabled"
    assert report["started_at"].endswith("Z")


@pytest.mark.parametrize(
    "event",
    [
        {"targets": ["db:0"], "timeout_s": True},
        {"vpcprobe": 7},
        {"targets": [{"host": "db", "port": 80, "extra": 1}]},
        {"targets": [{"host": "127.0.0.1", "port": 9, "label": "\ud800"}]},
        {"aws": {"log_group": "/aws/lambda/\udcff"}},
        json.loads('{"timeout_s": 1' + "0" * 400 + "}"),
    ],
    ids=["bool-timeout", "not-a-dict", "extra-field", "surrogate-label", "surrogate-group",
         "huge-timeout"],
)  # fmt: skip
def test_an_invalid_request_report_is_the_contracts_json(
    event: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    report = handler(event, Context(10_000))
    parsed = assert_contract_round_trip(report)
    assert parsed.status == "invalid_request"
    _, expected = contract_parse(event)
    assert [(e.location, e.message) for e in parsed.errors] == expected
    assert "Traceback" not in capsys.readouterr().err


def test_the_probes_log_never_prints_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    """A value no UTF-8 stream can write (a lone surrogate) is logged escaped, not dropped
    with a "--- Logging error ---" traceback on stderr."""
    from vpcprobe.handler import log_step

    log_step("tcp", facts.TcpResult(label="\ud800", host="h\udcff", port=1))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Logging error" not in captured.err
    assert "\\ud800" in captured.out or "\\\\ud800" in captured.out, captured.out


def test_a_deadline_cut_report_is_the_contracts_json(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(target: Any, address: str, *, timeout: float) -> Any:
        time.sleep(timeout + 1)  # a connect stuck past its own timeout
        return facts.TcpResult(label="late", host=target.host, port=target.port)

    monkeypatch.setattr(tcp_connect, "connect", slow)
    event: dict[str, Any] = {"targets": ["127.0.0.1:9", "127.0.0.1:10"], "aws": {"logs": False}}
    event |= {"default_names": False, "system_resolver": False, "timeout_s": 5}
    report = handler(event, Context(700))
    parsed = assert_contract_round_trip(report)
    assert parsed.deadline.hit is True
    assert [t.skip_reason for t in parsed.tcp] == ["deadline", "deadline"]
    assert all("still running after" in (t.error or "") for t in parsed.tcp)


def test_a_crashed_probe_report_is_the_contracts_json(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("vpcprobe.handler.run_probe", broken)
    report = handler({}, Context(10_000))
    parsed = assert_contract_round_trip(report)
    assert parsed.status == "error"
    assert parsed.errors[0].message == "RuntimeError: boom"


def test_a_redacted_report_is_the_contracts_json(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = 's3cr3t-Valu\u00e9-"quoted"'
    monkeypatch.setenv("APP_DB_PASSWORD", secret)
    event: dict[str, Any] = {
        "targets": [{"host": "127.0.0.1", "port": closed_port(), "label": secret[:64]}]
    }
    event |= {"aws": {"logs": False}, "default_names": False, "system_resolver": False}
    report = handler(event, Context(10_000))
    assert_contract_round_trip(report)
    assert secret not in json.dumps(report, ensure_ascii=False)
    assert report["tcp"][0]["label"] == "[redacted]"


@given(
    st.integers(min_value=-1, max_value=70000),
    st.floats(allow_nan=False, allow_infinity=False, width=32) | st.integers(-5, 5),
    st.none() | st.text(max_size=8),
    st.sampled_from([None, facts.SkipReason.DEADLINE, facts.SkipReason.DISABLED]),
)
def test_result_records_write_what_the_contract_writes(
    number: int, elapsed: float, text: str | None, skip: facts.SkipReason | None
) -> None:
    from vpcprobe import models

    dns = facts.DnsResult(
        name="n",
        record_type=facts.RecordType.MX,
        server="system",
        transport=facts.Transport.SYSTEM,
        status=facts.DnsStatus.SERVFAIL,
        answers=[text or ""],
        rcode=text,
        errno=number,
        elapsed_ms=elapsed,
        error=text,
        skip_reason=skip,
    )
    tcp = facts.TcpResult(
        label="l", host="h", port=number, address=text, errno=number, elapsed_ms=elapsed
    )
    aws = facts.AwsResult(
        service="logs", operation="o", http_status=number, elapsed_ms=elapsed, skip_reason=skip
    )
    for record, model in (
        (dns, models.DnsResult),
        (tcp, models.TcpResult),
        (aws, models.AwsResult),
    ):
        written = record.to_json()
        assert model.model_validate(written).model_dump(mode="json") == written
        assert record.to_json(exclude_none=True) == model.model_validate(written).model_dump(
            mode="json", exclude_none=True
        )


# ------------------------------------------------------------------------------ cold start

COLD_START = """
import json, sys
from vpcprobe.handler import handler
event = {"targets": ["127.0.0.1:%d"], "aws": {"logs": False}, "record_types": ["A"],
         "default_names": False, "system_resolver": False, "timeout_s": 1}
report = handler(event, None)
# botocore's bare package is imported by Powertools (its user agent); a client is not.
heavy = {"pydantic", "pydantic_core", "dns", "boto3", "botocore.session", "botocore.client"}
heavy = sorted(set(sys.modules) & heavy)
print(json.dumps({"status": [t["status"] for t in report["tcp"]], "heavy": heavy}))
"""


def test_a_cold_start_with_a_valid_request_imports_no_pydantic_dnspython_or_boto3() -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO / "layer"),
        "VPCPROBE_RESOLV_CONF": os.devnull,
        "VPCPROBE_FORWARDER": "",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    port = closed_port()
    completed = subprocess.run(
        [sys.executable, "-c", COLD_START % port],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    assert answer == {"status": ["refused"], "heavy": []}
