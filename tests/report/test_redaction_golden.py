"""Redaction on real judgements: every golden scenario, every format, no account ID survives."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vpcprobe.models import is_ip
from vpcprobe_collector import cli
from vpcprobe_collector.report.redact import redact_text

SCENARIOS = Path(__file__).parents[1] / "scenarios"
FOLDERS = sorted(p.parent for p in SCENARIOS.glob("*/snapshot.json"))
ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


def _analyze_args(folder: Path) -> list[str]:
    args = ["analyze", "--snapshot", str(folder / "snapshot.json")]
    probes = sorted(folder.glob("probe-*.json"))
    if probes:
        args += ["--probe-result", *map(str, probes)]
    targets = json.loads((folder / "targets.json").read_text()).get("targets", [])
    for t in targets:
        if not probes and not is_ip(t["host"]):
            continue  # without a probe report analyze refuses name targets
        host = f"[{t['host']}]" if ":" in t["host"] else t["host"]
        label = f"={t['label']}" if t.get("label") else ""
        args += ["--target", f"{host}:{t['port']}{label}"]
    return args


@pytest.mark.skipif(not FOLDERS, reason="no golden scenarios in tests/scenarios")
@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_no_account_id_survives_redaction(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _analyze_args(folder)
    cli.main([*args, "--format", "json"])
    unredacted = capsys.readouterr().out
    assert ACCOUNT_ID.search(unredacted), "the scenario should carry an account ID to mask"
    for fmt in ("text", "json", "markdown", "html"):
        code = cli.main([*args, "--format", fmt, "--redact"])
        out = capsys.readouterr().out
        assert code in (0, 1)
        assert not ACCOUNT_ID.search(out), (fmt, ACCOUNT_ID.findall(out)[:3])


@given(st.text(alphabet="0123456789:/-arnwsx ", max_size=80))
def test_redacted_text_holds_no_twelve_digit_run(text: str) -> None:
    assert not ACCOUNT_ID.search(redact_text(text))
