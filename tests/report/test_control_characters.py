"""Control characters, bidi overrides and newlines from data never act on a terminal or a ticket."""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.report.samples import diagnosis, dns_finding, passed, probe_report, skipped, targets
from vpcprobe.models import DnsStatus
from vpcprobe_collector.findings.model import DiagnosisReport, TargetJoin
from vpcprobe_collector.report import FORMATS, render
from vpcprobe_collector.report.safe_text import safe_text

# What must never reach the output raw (newline and tab are checked separately).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SGR = re.compile("\x1b\\[[0-9;]*m")  # the colours the text report itself adds


def planted(label: str, answer: str, resolv: str) -> DiagnosisReport:
    """The sample diagnosis with values from outside in a label, a DNS answer and resolv.conf."""
    report = probe_report(label="orders-db" + label)
    report.environment.in_lambda = False
    report.environment.hostname = "host" + label
    for row in report.dns:
        row.status = DnsStatus.SERVFAIL
        row.answers = ["10.0.0.1" + answer]
        row.error = "answered " + answer
    assert report.resolv_conf is not None
    report.resolv_conf.raw = "nameserver 169.254.78.1\n" + resolv
    join = TargetJoin(
        label="orders-db" + label,
        host="db.orders.internal" + answer,
        port=5432,
        addresses=["10.0.10.5" + answer],
        observed={"dns_failed": 3},
        conclusion="The name did not resolve: " + answer,
        finding_codes=["DNS002"],
    )
    return diagnosis(
        findings=[dns_finding(label), passed(), skipped()],
        targets=targets(label),
        joins=[join],
        probe_reports=[report],
    )


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """The block structure a Markdown renderer sees: token types, heading levels, table rows."""
    parser = MarkdownIt("commonmark").enable("table")
    return [
        (token.type, token.tag)
        for token in parser.parse(text)
        if token.type != "inline" and token.level <= 3
    ]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1


def html_tags(text: str) -> Counter[str]:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser.tags


hostile_text = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "\x1b[2J",
                "\x1b]0;pwned\x07",
                "\n",
                "\r",
                "\n# forged heading\n",
                "\n| forged | row |\n",
                "\n```\n",
                "\u202e",
                "\u2066",
                "\x9b",
                "\x00",
                "<b>",
                "</table>",
                "|",
                "`",
                "[x](y)",
            ]
        ),
        st.characters(codec="utf-8"),
    ),
    min_size=1,
    max_size=12,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=hostile_text, answer=hostile_text, resolv=hostile_text)
def test_no_format_lets_data_change_its_structure(label: str, answer: str, resolv: str) -> None:
    plain = planted("plain", "plain", "plain")
    fuzzed = planted(label, answer, resolv)
    for fmt in FORMATS:
        out = render(fuzzed, fmt)
        assert not RAW.search(out), (fmt, RAW.search(out))
    # text: no value starts a line of its own; colour adds only colours
    for color in (False, True):
        out = render(fuzzed, "text", color=color)
        assert not RAW.search(SGR.sub("", out))
        assert out.count("\n") == render(plain, "text", color=color).count("\n")
        assert "\r" not in out
    # Markdown: the same headings, table rows and blocks as with plain values
    assert markdown_blocks(render(fuzzed, "markdown")) == markdown_blocks(render(plain, "markdown"))
    # HTML: no element that the template did not put there
    assert html_tags(render(fuzzed, "html")) == html_tags(render(plain, "html"))
    # JSON keeps every value exactly
    data = json.loads(render(fuzzed, "json"))
    assert data["joins"][0]["label"] == "orders-db" + label
    assert data["probe_reports"][0]["resolv_conf"]["raw"].endswith(resolv)


def test_a_label_that_clears_the_screen_is_shown_escaped() -> None:
    out = render(planted("\x1b[2J\x1b]0;pwned\x07", "x", "x"), "text")
    assert "\x1b" not in out and "\x07" not in out
    assert "orders-db\\x1b[2J\\x1b]0;pwned\\x07" in out


def test_a_newline_in_a_label_forges_no_markdown_heading() -> None:
    out = render(planted("\n# Everything is fine\n", "x", "x"), "markdown")
    assert "\n# Everything is fine" not in out
    assert r"orders-db\\x0a# Everything is fine\\x0a" in out  # "\" itself escaped for Markdown
    assert [line for line in out.splitlines() if line.startswith("# ")] == [
        "# vpcprobe diagnosis: orders-api"
    ]


def test_resolv_conf_keeps_its_lines_but_not_its_escapes() -> None:
    out = render(planted("x", "x", "search a\n\x1b[31mnameserver 6.6.6.6\u202e\n"), "markdown")
    assert "search a\n\\x1b[31mnameserver 6.6.6.6\\u202e\n" in out


def test_safe_text_escapes_controls_and_bidi_only() -> None:
    assert safe_text("a\x1bb\nc\td\u202ee\u00e9\u4e2d") == "a\\x1bb\\x0ac\\x09d\\u202ee\u00e9\u4e2d"
    assert safe_text("l1\nl2\t\x85", block=True) == "l1\nl2\t\\x85"
