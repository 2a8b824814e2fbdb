"""Saved probe reports and --config contracts: good files load, bad ones get one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.report.samples import probe_report
from vpcprobe.models import ProbeError, ReportStatus
from vpcprobe_collector.contract import load_contract, parse_target
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import Severity, TargetSpec
from vpcprobe_collector.probing.files import read_probe_files


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_probe_files_load_in_order_including_a_console_paste(tmp_path: Path) -> None:
    plain = _write(tmp_path / "a.json", probe_report().model_dump_json())
    wrapped = json.dumps({"statusCode": 200, "body": probe_report(dns_ok=True).model_dump_json()})
    pasted = _write(tmp_path / "b.json", wrapped)
    outcome = read_probe_files([plain, pasted])
    assert outcome.source == "files"
    assert [r.tcp[0].status.value for r in outcome.reports] == ["dns_failed", "open"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "the answer is not JSON"),
        ('{"hello": 1}', "not a vpcprobe probe report"),
        (
            json.dumps({**json.loads(probe_report().model_dump_json()), "schema_version": 7}),
            "schema_version 7; this vpcprobe reads schema_version 1",
        ),
        ("", "the answer was empty"),
    ],
)
def test_bad_probe_files_name_the_file_and_the_problem(
    tmp_path: Path, text: str, says: str
) -> None:
    path = _write(tmp_path / "probe.json", text)
    with pytest.raises(BadInputError) as error:
        read_probe_files([path])
    assert error.value.message.startswith(f"{path}: ")
    assert says in error.value.message
    assert "\n" not in error.value.message


@pytest.mark.parametrize(
    ("status", "error", "says"),
    [
        (ReportStatus.ERROR, "RuntimeError: bug", "the probe failed while running: RuntimeError"),
        (
            ReportStatus.INVALID_REQUEST,
            "Input should be a valid number",
            "the probe rejected the request: Input should be a valid number",
        ),
    ],
)
def test_a_report_without_observations_is_not_judged_as_observations(
    tmp_path: Path, status: ReportStatus, error: str, says: str
) -> None:
    report = probe_report().model_copy(update={"status": status, "tcp": []})
    report.errors.append(ProbeError(step="handler", message=error))
    path = _write(tmp_path / "probe.json", report.model_dump_json())
    with pytest.raises(BadInputError) as raised:
        read_probe_files([path])
    assert raised.value.message.startswith(f"{path}: ")
    assert says in raised.value.message


def test_a_missing_probe_file(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match=r"missing.json: cannot read the probe report: No such"):
        read_probe_files([tmp_path / "missing.json"])


TOML = """
function = "orders-api"
invocations = 5
fail_on = "medium"

[[targets]]
host = "db.orders.internal"
port = 5432
label = "orders-db"
expect = "reachable"

[[targets]]
host = "10.0.20.9"
port = 22
expect = "blocked"
"""

YAML = """
function: orders-api
targets:
  - {host: db.orders.internal, port: 5432, label: orders-db, expect: reachable}
  - host: 10.0.20.9
    port: 22
    expect: blocked
  - "cache.internal:6379=cache"
"""


def test_toml_contract(tmp_path: Path) -> None:
    contract = load_contract(_write(tmp_path / "vpcprobe.toml", TOML))
    assert (contract.function, contract.invocations, contract.fail_on) == (
        "orders-api",
        5,
        Severity.MEDIUM,
    )
    assert contract.target_specs() == [
        TargetSpec(host="db.orders.internal", port=5432, label="orders-db", expect="reachable"),
        TargetSpec(host="10.0.20.9", port=22, expect="blocked"),
    ]


def test_yaml_contract_with_a_string_target(tmp_path: Path) -> None:
    contract = load_contract(_write(tmp_path / "vpcprobe.yaml", YAML))
    specs = contract.target_specs()
    assert [s.display for s in specs] == ["orders-db", "10.0.20.9:22", "cache"]
    assert specs[1].expect == "blocked"


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        (
            "c.yaml",
            "targets:\n  - {host: a.internal, port: 1}\n  - {host: b.internal, port: 2}\n"
            "  - {host: c.internal, port: 70000}\n",
            "targets[2].port: must be 1..65535",
        ),
        (
            "c.yaml",
            "targets:\n  - {host: a.internal, port: 1, expect: maybe}\n",
            "targets[0].expect",
        ),
        ("c.yaml", "targets:\n  - {host: 'bad host', port: 1}\n", "targets[0].host"),
        ("c.yaml", "targets:\n  - {port: 1}\n", "targets[0].host: required"),
        ("c.yaml", "targets:\n  - {host: a.internal, port: true}\n", "targets[0].port"),
        ("c.yaml", "target: []\n", "target: unknown field"),
        ("c.yaml", "targets: [\n", "not valid YAML"),
        ("c.toml", "targets = [\n", "not valid TOML"),
        ("c.yaml", "- just a list\n", "expected a table of settings"),
        ("c.ini", "x=1\n", "unknown config format"),
    ],
)
def test_bad_contracts_say_where_and_what(tmp_path: Path, name: str, text: str, says: str) -> None:
    path = _write(tmp_path / name, text)
    with pytest.raises(BadInputError) as error:
        load_contract(path)
    message = error.value.message
    assert message.startswith(f"{path}: ") and says in message, message
    assert "\n" not in message


def test_unreadable_contract(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="cannot read the config file"):
        load_contract(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("db.internal:5432", TargetSpec(host="db.internal", port=5432)),
        ("10.0.0.5:443=api", TargetSpec(host="10.0.0.5", port=443, label="api")),
        ("[2001:db8::1]:443", TargetSpec(host="2001:db8::1", port=443)),
    ],
)
def test_target_syntax(text: str, spec: TargetSpec) -> None:
    assert parse_target(text) == spec


@pytest.mark.parametrize(
    "text", ["db.internal", "db.internal:99999", "db:5432=", "2001:db8::1:443"]
)
def test_bad_target_syntax(text: str) -> None:
    with pytest.raises(ValueError):
        parse_target(text)
