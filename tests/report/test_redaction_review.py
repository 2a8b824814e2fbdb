"""Redaction defects found in review: IPv6 beside `:`, one set of pseudonyms per output, dashed
host names that are no addresses, public first octets, line separators."""

from __future__ import annotations

import argparse
import re

import pytest

from tests.report.samples import diagnosis, dns_finding, passed, probe_report, skipped
from tests.scenarios.catalog import SCENARIOS
from vpcprobe_collector import diagnosis as pipeline
from vpcprobe_collector.commands.diagnose import emit_several
from vpcprobe_collector.findings.model import Severity, TargetSpec
from vpcprobe_collector.report import FORMATS, render
from vpcprobe_collector.report.redact import redact_text
from vpcprobe_collector.report.safe_text import json_safe, safe_text
from vpcprobe_collector.rules.engine import judge

V6 = "2600:1f18:abcd:1::5"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # our own messages: a `:` right after the address
        ("on 2600:1f18:abcd:1::5: is it running", "on 2600:x:A::1: is it running"),
        # an SPF answer and a mail header: the address right after `word:`
        ("v=spf1 ip6:2600:1f18:abcd::/48 -all", "v=spf1 ip6:2600:x:A::/48 -all"),
        ("IPv6:2600:1f18:abcd:1::5", "IPv6:2600:x:A::1"),
        # all eight groups, then a `:`
        ("(2600:1f18:abcd:1:0:0:0:5:)", "(2600:x:A::1:)"),
        (" :::ffff:10.0.10.20 ", " :::ffff:10.x.A.1 "),
    ],
)
def test_ipv6_beside_a_colon_gets_its_pseudonym(text: str, masked: str) -> None:
    assert redact_text(text, addresses=True) == masked


@pytest.mark.parametrize("text", ["std::abc", "at 12:30:45", "mac 0a:1b:2c:3d:4e:5f"])
def test_colon_words_that_are_no_addresses_stay(text: str) -> None:
    assert redact_text(text, addresses=True) == text


def test_an_ipv6_target_is_bracketed_before_its_port() -> None:
    spec = TargetSpec(host="2600:1f18:abcd:1::5", port=5432)
    [unjudged] = pipeline.uncovered_targets([probe_report()], [spec])
    assert "[2600:1f18:abcd:1::5]:5432: probe it" in unjudged.reason
    # bracketed, the port stays a port once the address is masked
    assert "[2600:x:A::1]:5432: probe it" in redact_text(unjudged.reason, addresses=True)
    # IPv4 text is as it was
    [four] = pipeline.uncovered_targets([probe_report()], [TargetSpec(host="10.0.9.9", port=80)])
    assert "connection to 10.0.9.9:80: probe it" in four.reason


@pytest.mark.parametrize("fmt", FORMATS)
def test_several_diagnoses_in_one_output_share_one_set_of_pseudonyms(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = diagnosis(findings=[dns_finding(" peer 10.0.10.20"), passed(), skipped()])
    second = diagnosis(findings=[dns_finding(" peer 10.9.99.99"), passed(), skipped()])
    args = argparse.Namespace(
        redact=False, redact_addresses=True, format=fmt, output=None, quiet=False
    )
    emit_several([first, second], args, Severity.MEDIUM)
    seen = capsys.readouterr()
    names = set(re.findall(r"peer (10\.x\.[A-Z]+\.\d+)", seen.out))
    assert len(names) == 2, names  # two addresses, two pseudonyms, in one document
    assert "10.0.10.20" not in seen.out + seen.err and "10.9.99.99" not in seen.out + seen.err
    if fmt != "text":
        assert seen.err.count("orders-api") == 2  # one summary line per diagnosis


def test_the_summary_lines_use_the_pseudonyms_of_the_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = diagnosis(findings=[dns_finding(" peer 10.0.10.20"), passed(), skipped()])
    second = diagnosis(findings=[dns_finding(" peer 10.9.99.99"), passed(), skipped()])
    first.function_name = "fn-10.0.10.20"
    second.function_name = "fn-10.9.99.99"
    args = argparse.Namespace(
        redact=False, redact_addresses=True, format="markdown", output=None, quiet=False
    )
    emit_several([first, second], args, Severity.MEDIUM)
    seen = capsys.readouterr()
    in_report = re.findall(r"peer (10\.x\.[A-Z]+\.\d+)", seen.out)
    in_summary = re.findall(r"fn-(10\.x\.[A-Z]+\.\d+)", seen.err)
    assert len(set(in_summary)) == 2, seen.err
    assert set(in_summary) <= set(in_report) | set(re.findall(r"10\.x\.[A-Z]+\.\d+", seen.out))


@pytest.mark.parametrize(
    "text", ["ab--cd.example.com", "be--1.internal", "a-b-c-d-e-f-0-1.example.com"]
)
def test_host_names_with_dashes_that_are_no_addresses_stay(text: str) -> None:
    assert redact_text(text, addresses=True) == text


def test_a_dashed_mapped_address_stays_one_host_label() -> None:
    out = redact_text("0--ffff-a00-a14.sslip.io", addresses=True)
    assert out == "--ffff-10-x-A-1.sslip.io"
    assert redact_text("2600-1f18-a-1--5.sslip.io", addresses=True) == "2600-x-A--1.sslip.io"


@pytest.mark.parametrize(
    ("address", "first"),
    [
        ("10.1.2.3", "10"),
        ("172.16.2.3", "172"),
        ("172.31.2.3", "172"),
        ("192.168.2.3", "192"),
        ("100.64.2.3", "100"),
        ("169.254.2.3", "169"),
        ("172.99.2.3", "x"),  # public, though it begins like a private range
        ("192.0.2.3", "x"),
        ("100.1.2.3", "x"),
        ("169.1.2.3", "x"),
        ("203.0.113.7", "x"),
    ],
)
def test_a_public_address_keeps_no_first_octet(address: str, first: str) -> None:
    assert redact_text(address, addresses=True).split(".")[0] == first


@pytest.mark.parametrize("char", ["\u2028", "\u2029"])
def test_line_and_paragraph_separators_are_escaped(char: str) -> None:
    label = f"db{char}# forged heading"
    assert safe_text(label) == f"db\\u{ord(char):04x}# forged heading"
    assert char not in json_safe(f'{{"label": "{label}"}}')
    report = diagnosis(findings=[dns_finding(label), passed(), skipped()])
    for fmt in FORMATS:
        assert char not in render(report, fmt), fmt


def test_a_refused_ipv6_target_is_bracketed_in_the_finding_and_its_remedy() -> None:
    sc = SCENARIOS["nothing-listening"]()
    old = next(t.host for t in sc.targets if t.label == "orders-db")
    targets = [
        t.model_copy(update={"host": V6}) if t.label == "orders-db" else t for t in sc.targets
    ]
    for report in sc.reports:
        for tcp in report.tcp:
            if tcp.host == old:
                tcp.host, tcp.address = V6, V6
    _, findings = judge(sc.snapshot, sc.reports, targets, probe_failures=sc.failures)
    [refused] = [f for f in findings if f.code == "TGT001" and f.status.value == "fail"]
    assert refused.message.startswith(f"[{V6}]:5432 ({V6}) refused the connection")
    assert refused.remediation is not None
    assert refused.remediation.text.startswith(f"Check the service on [{V6}]: is it running")
    masked = redact_text(refused.message + " " + refused.remediation.text, addresses=True)
    assert "1f18" not in masked and "[2600:x:A::1]:5432" in masked


def test_a_hop_shared_by_several_paths_is_masked_once() -> None:
    """The path engine shares one Hop between the paths it holds for (the same destination
    subnet's NACL, the same start): the redacted copy keeps it shared, and it must read as the
    same hop masked once, never masked again ("2600:x:D::/64" -> "2600:x:x:x:J::/64")."""
    from vpcprobe_collector.paths.model import (
        Hop,
        HopKind,
        HopOutcome,
        PathQuery,
        PathResult,
        Verdict,
    )
    from vpcprobe_collector.report.redact import Pseudonyms, redact, redact_text

    shared = Hop(
        kind=HopKind.SOURCE,
        component_id="subnet-0aaa",
        outcome=HopOutcome.INFO,
        detail="From 2600:1f18:ab:3::/64 and 10.0.1.0/24 of subnet-0aaa.",
    )
    paths = [
        PathResult(
            query=PathQuery(
                subnet_id="subnet-0aaa",
                security_group_ids=("sg-0aaa",),
                destination=address,
                port=5432,
            ),
            verdict=Verdict.REACHABLE,
            hops=[shared],
        )
        for address in ("2600:1f18:ab:3::10", "2600:1f18:ab:3::11")
    ]
    names = Pseudonyms()
    once = redact_text(shared.detail, addresses=True, pseudonyms=names)
    masked = [redact(p, addresses=True, pseudonyms=names) for p in paths]
    holder = PathResult(query=paths[0].query, verdict=Verdict.REACHABLE, hops=[shared, shared])
    both = redact(holder, addresses=True, pseudonyms=names)
    assert [p.hops[0].detail for p in masked] == [once, once]
    assert [h.detail for h in both.hops] == [once, once]
    assert "x:x" not in once and "2600:1f18" not in once
