"""--redact-addresses: stable pseudonyms that keep meaning; no planted secret survives anywhere."""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.report.samples import diagnosis, dns_finding, passed, probe_report, skipped
from vpcprobe_collector import cli
from vpcprobe_collector import diagnosis as pipeline
from vpcprobe_collector.bundle import write_bundle
from vpcprobe_collector.findings.model import DiagnosisReport, TargetJoin
from vpcprobe_collector.report import FORMATS, render
from vpcprobe_collector.report.redact import WELL_KNOWN, Pseudonyms, redact_text


def test_an_address_before_a_full_stop_is_masked() -> None:
    assert redact_text("public address 203.0.113.7.", addresses=True) == "public address x.x.A.1."


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("ip-10-0-10-20.ec2.internal", "ip-10-x-A-1.ec2.internal"),
        ("10.0.10.20.nip.io", "10.x.A.1.nip.io"),
        ("ec2-203-0-113-7.compute-1.amazonaws.com", "ec2-x-x-A-1.compute-1.amazonaws.com"),
    ],
)
def test_addresses_inside_host_names_are_masked(text: str, masked: str) -> None:
    assert redact_text(text, addresses=True) == masked


def test_pseudonyms_are_stable_and_keep_subnets_and_prefixes() -> None:
    names = Pseudonyms.for_vpcs(["10.0.0.0/16"])
    text = (
        "10.0.10.20 talks to 10.0.10.21, then 10.0.10.20 again; subnet 10.0.10.0/24 in "
        "10.0.0.0/16; db 10.0.20.5"
    )
    assert names.text(text) == (
        "10.x.A.1 talks to 10.x.A.2, then 10.x.A.1 again; subnet 10.x.A.0/24 in "
        "10.x.B.0/16; db 10.x.C.1"
    )
    assert names.text("10.0.10.20") == "10.x.A.1"  # the same across calls of one report


def test_well_known_addresses_stay_as_they_are() -> None:
    names = Pseudonyms.for_vpcs(["10.0.0.0/16", "172.31.0.0/16"])
    kept = "169.254.169.253 169.254.78.1 10.0.0.2 172.31.0.2 fd00:ec2::253"
    assert names.text(kept) == kept
    assert names.text("10.0.0.3") == "10.x.A.1"


def test_ipv6_addresses_get_pseudonyms_too() -> None:
    names = Pseudonyms()
    out = names.text("2600:1f18:a:b::5 in 2600:1f18:a:b::/64, 2600:1f18:a:c::5, 12:00:00")
    assert out == "2600:x:A::1 in 2600:x:A::/64, 2600:x:B::1, 12:00:00"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # the first hextet as far as it tells the kind of address; CIDRs keep their length
        ("vpc 2600:1f18:abcd::/56", "vpc 2600:x:A::/56"),
        ("subnet 2600:1f18:abcd:1::/64", "subnet 2600:x:A::/64"),
        ("link-local fe80::1ff:fe23:4567:890a%eth0", "link-local fe80:x:A::1%eth0"),
        ("ula fd12:3456:789a:1::1/64", "ula fdxx:x:A::1/64"),
        ("multicast ff02::fb", "multicast ff02:x:A::1"),
        # written out in full, or with leading zeros, it is the same address
        ("2600:1f18:abcd:0001:0000:0000:0000:0005", "2600:x:A::1"),
        # IPv4-mapped (dotted or in hex) and NAT64: the pseudonym of the IPv4 address
        ("mapped ::ffff:10.0.10.20", "mapped ::ffff:10.x.A.1"),
        ("mapped ::ffff:a00:a14", "mapped ::ffff:10.x.A.1"),
        ("nat64 64:ff9b::203.0.113.7", "nat64 64:ff9b::x.x.A.1"),
        # punctuation after it, brackets around it, a port after them
        ("public address 2600:1f18:abcd:1::5.", "public address 2600:x:A::1."),
        ("url [2600:1f18:abcd:1::5]:443,", "url [2600:x:A::1]:443,"),
        # inside a host name, dashes for colons
        ("host 2600-1f18-abcd-1--5.sslip.io", "host 2600-x-A--1.sslip.io"),
        # well-known addresses and things that only look like addresses stay
        ("resolver fd00:ec2::253, ::1 and ::", "resolver fd00:ec2::253, ::1 and ::"),
        ("at 12:00:00, mac 0a:1b:2c:3d:4e:5f", "at 12:00:00, mac 0a:1b:2c:3d:4e:5f"),
    ],
)
def test_ipv6_pseudonyms_keep_a_readable_hint(text: str, masked: str) -> None:
    assert redact_text(text, addresses=True) == masked


def test_a_mapped_address_reads_as_its_ipv4_address() -> None:
    names = Pseudonyms.for_vpcs(["10.0.0.0/16"])
    out = names.text("10.0.10.20, ::ffff:10.0.10.20, ::ffff:10.0.10.21, 2600:1f18:a:b::5, 10.0.0.2")
    assert out == "10.x.A.1, ::ffff:10.x.A.1, ::ffff:10.x.A.2, 2600:x:B::1, 10.0.0.2"
    assert names.text("::FFFF:10.0.10.20 and 2600:1F18:A:B::5") == "::ffff:10.x.A.1 and 2600:x:B::1"


def test_version_strings_and_times_are_no_addresses() -> None:
    text = "vpcprobe 0.1.0 at 12:00:00, build 1.2.3.4.5"
    assert redact_text(text, addresses=True) == text


def test_the_same_address_reads_the_same_in_every_format() -> None:
    for fmt in FORMATS:
        out = render(diagnosis(), fmt, redact_addresses=True)
        assert "10.1.1.10" not in out, fmt
        # The text report shows no environment or probe rows; SARIF and JUnit carry the
        # findings only (no snapshot), so only the first assertion applies to those.
        if fmt in ("json", "markdown", "html"):
            assert "169.254.78.1" in out, fmt  # the Lambda forwarder is no secret
            assert re.search(r"10\.x\.[A-Z]+\.0/16", out), fmt  # the VPC keeps its prefix
    text = render(diagnosis(), "json", redact_addresses=True)
    dns = set(re.findall(r"DNS to (10\.x\.[A-Z]+\.\d+)", text))
    assert len(dns) == 1, dns  # the custom DNS server has one pseudonym throughout


# ---------------------------------------------------------------- planted values, every output

PRIVATE_NETWORKS = [
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16")
]
# What the report may keep as it is: the well-known addresses and VPC+2 of the sample VPC.
KEPT = WELL_KNOWN | {"10.0.0.2"}


def _in(network: ipaddress.IPv4Network, offset: int) -> str:
    return str(network.network_address + offset % network.num_addresses)


# every private, shared (100.64/10) and link-local range; public from the whole address space
private = st.builds(_in, st.sampled_from(PRIVATE_NETWORKS), st.integers(min_value=0)).filter(
    lambda a: a not in KEPT and a.split(".")[3] not in ("0", "255")
)
public = (
    st.integers(min_value=0, max_value=2**32 - 1)
    .map(lambda v: ipaddress.IPv4Address(v))
    .filter(lambda a: a.is_global and not a.is_multicast and a.packed[3] not in (0, 255))
    .map(str)
)
# what stands before and after a planted value: punctuation, `word:` (an SPF `ip6:`, `IPv6:`),
# nothing, a newline
before = st.sampled_from([":", "word:", "(", ")", "=", ",", '"', "", "\n"])
after = st.sampled_from([":", ": word", "(", ")", "=", ",", '"', "", "\n"])
separators = st.lists(st.tuples(before, after), min_size=16, max_size=16)
accounts = st.from_regex(r"\A[1-9][0-9]{11}\Z")
key_ids = st.from_regex(r"\A(?:AKIA|ASIA)[A-Z0-9]{16}\Z")
# 40 characters of base64 that mix upper and lower case with a digit: what a secret key is
secrets = st.from_regex(r"\A[A-Za-z0-9/+]{40}\Z").filter(
    lambda v: (
        any(c.isupper() for c in v)
        and any(c.islower() for c in v)
        and any(c.isdigit() or c in "/+" for c in v)
    )
)
# STS session tokens: `IQoJb3JpZ2lu...` (or the older `FwoGZXIvYXdz...`), hundreds of base64
# characters with '/', '+' and '=' padding
tokens = st.builds(
    lambda prefix, raw: prefix + base64.b64encode(raw).decode(),
    st.sampled_from(["IQoJb3JpZ2luX2VjE", "FwoGZXIvYXdzE"]),
    st.binary(min_size=150, max_size=600),
)
# the three hextets after the first, four digits each so that a survivor is unmistakable
hextet = st.integers(min_value=0x1000, max_value=0xFFFE).map(lambda v: f"{v:x}")  # not ffff
ipv6_parts = st.tuples(st.sampled_from(["2600", "2a05", "fd12", "fe80"]), hextet, hextet, hextet)


def ipv6_forms(parts: tuple[str, str, str, str], host: int, mapped: str) -> list[str]:
    """One IPv6 address written every way a report may hold it."""
    first, b, c, d = parts
    full = f"{first}:{b}:{c}:{d}:0000:0000:0000:{host:04x}"
    compressed = str(ipaddress.IPv6Address(full))
    return [
        full,
        compressed,
        f"{first}:{b}:{c}:{d}::/64",
        f"{compressed}%eth0",
        f"[{compressed}]:443",
        compressed.replace(":", "-") + ".sslip.io",
        f"::ffff:{mapped}",
        f"::ffff:{ipaddress.IPv6Address('::ffff:' + mapped).exploded[-9:]}",  # hex: ::ffff:a00:a14
    ]


@dataclass(frozen=True)
class Planted:
    address: str
    other: str
    ipv6: list[str]
    account: str
    key_id: str
    secret: str
    token: str
    separators: list[tuple[str, str]]

    def text(self) -> str:
        dashed = "ip-" + self.address.replace(".", "-") + ".ec2.internal"
        ipv6 = ", ".join(self.ipv6)
        each = [self.address, self.other, *self.ipv6, self.account, self.key_id]
        each += [self.secret, self.token, dashed]
        wrapped = "".join(f" {b}{v}{a} " for v, (b, a) in zip(each, self.separators, strict=False))
        return wrapped + (
            f" seen from {self.address}. and {self.other}, host {dashed} / {self.address}.nip.io,"
            f" v6 {ipv6}. account {self.account}, role arn:aws:iam::{self.account}:role/app,"
            f" key {self.key_id}, aws_secret_access_key={self.secret}, echoed {self.secret}."
            f" aws_session_token={self.token} X-Amz-Security-Token: {self.token}; bare {self.token}"
        )

    def values(self) -> list[str]:
        """Everything that must not survive, and the parts that identify an IPv6 address."""
        dashed = self.address.replace(".", "-")
        parts = [p for v in self.ipv6[:1] for p in v.split(":")[1:4]]
        token = [self.token[i : i + 24] for i in (12, len(self.token) // 2, len(self.token) - 24)]
        return [
            self.address,
            self.other,
            dashed,
            self.account,
            self.key_id,
            self.secret,
            *self.ipv6,
            *parts,
            *token,
        ]


def planted(values: Planted) -> DiagnosisReport:
    text = values.text()
    dashed = "ip-" + values.address.replace(".", "-") + ".ec2.internal"
    report = probe_report(label="db" + text, address=values.address)
    report.environment.hostname = dashed
    for row in report.dns:
        row.error = "answer" + text
    assert report.resolv_conf is not None
    report.resolv_conf.raw += (
        f"nameserver {values.other}\nnameserver {values.ipv6[1]}\nsearch {dashed}\n; {text}\n"
    )
    join = TargetJoin(
        label="db" + text,
        host=dashed,
        port=5432,
        addresses=[values.address, values.other, values.ipv6[1]],
        observed={"timeout": 3},
        conclusion="Blocked" + text,
        finding_codes=["DNS002"],
    )
    return diagnosis(
        findings=[dns_finding(text), passed(), skipped()], joins=[join], probe_reports=[report]
    )


def survivors(out: str, values: list[str]) -> list[str]:
    # a newline shown escaped (`\\n` in JSON, `\\x0a` in text) is no letter before a value
    out = out.replace("\\n", " ").replace("\\x0a", " ")
    return [
        v
        for v in values
        if re.search(rf"(?<![0-9A-Za-z.]){re.escape(v)}(?![0-9A-Za-z])", out, re.IGNORECASE)
        or (len(v) > 12 and v.lower() in out.lower())
    ]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    address=private,
    other=public,
    v6=ipv6_parts,
    v6_host=st.integers(min_value=0x1000, max_value=0xFFFF),
    account=accounts,
    key_id=key_ids,
    secret=secrets,
    token=tokens,
    around=separators,
)
def test_no_planted_value_survives_in_any_output(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    address: str,
    other: str,
    v6: tuple[str, str, str, str],
    v6_host: int,
    account: str,
    key_id: str,
    secret: str,
    token: str,
    around: list[tuple[str, str]],
) -> None:
    values = Planted(
        address, other, ipv6_forms(v6, v6_host, address), account, key_id, secret, token, around
    )
    report = planted(values)
    # unredacted, every planted value is there to be found: the check below can see them
    assert survivors(render(report, "json"), values.values()) == values.values()
    outputs: dict[str, str] = {fmt: render(report, fmt, redact_addresses=True) for fmt in FORMATS}
    outputs["summary line"] = pipeline.render_summary(report, redact=True, addresses=True)
    bundle = tmp_path / "b.zip"
    write_bundle(bundle, report, redact=True, redact_addresses=True)
    with zipfile.ZipFile(bundle) as archive:
        for name in archive.namelist():
            outputs[name] = archive.read(name).decode()
    # what a user sees of a `--redact-addresses` run: the report, the summary and notes on
    # stderr, and every log record (the collector's and botocore's, at every level)
    whole = tmp_path / "whole.zip"
    write_bundle(whole, report)
    caplog.set_level(logging.DEBUG)
    for fmt in ("text", "markdown"):
        capsys.readouterr()
        caplog.clear()
        code = cli.main(["analyze", str(whole), "--redact-addresses", "--format", fmt])
        seen = capsys.readouterr()
        assert code in (0, 1, 4), seen.err
        outputs[f"analyze {fmt}: stdout"] = seen.out
        outputs[f"analyze {fmt}: stderr"] = seen.err
        outputs[f"analyze {fmt}: log"] = "\n".join(r.getMessage() for r in caplog.records)
    assert "✗" in outputs["analyze markdown: stderr"]  # the summary line was written, and read
    for where, out in outputs.items():
        assert survivors(out, values.values()) == [], where
    # with account redaction alone the addresses stay, the rest goes
    plain = render(report, "json", redact=True)
    assert survivors(plain, [account, key_id, secret, *values.values()[-3:]]) == []
    assert address in plain


def test_a_secret_access_key_without_its_name_is_masked_too() -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    digest = "0123456789abcdef0123456789abcdef01234567"  # a commit or hash: no mixed case
    out = redact_text(f"echoed back: {secret} (build {digest})")
    assert secret not in out and "[redacted]" in out
    assert digest in out


def test_a_session_token_without_its_name_is_masked_even_cut_short() -> None:
    token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD" + "aB3+/x9Q" * 40 + "=="
    cut = token[:60]  # what a length limit left of it
    legacy = "FwoGZXIvYXdzEBYaDHhBTkNv" + "Zk9qR1Yz" * 20
    text = f"echoed {token}; cut {cut}… legacy {legacy}."
    assert redact_text(text) == "echoed [redacted]; cut [redacted]… legacy [redacted]."
    kept = "log group /aws/lambda/orders-api, digest 0123456789abcdef" * 3
    assert redact_text(kept) == kept
