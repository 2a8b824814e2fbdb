"""A target whose far side was read and judged healthy, and one whose far side could not be
read, never read alike: in `vpcprobe path` and in every report format (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.collector.paths.test_path_beyond import run_path
from tests.scenarios import catalog_beyond as cb
from vpcprobe_collector import cli

SCENARIOS = Path(__file__).parents[2] / "scenarios"
READ = f"reaches {cb.FAR_DB} in {cb.FAR_VPC} through {cb.PCX} (both sides read)"
UNREAD = f"beyond {cb.PCX}: {cb.FAR_VPC} not read (no role was given for account {cb.PEER_ACCOUNT})"


def _analyze(capsys: pytest.CaptureFixture[str], folder: str, fmt: str) -> tuple[int, str]:
    base = SCENARIOS / folder
    code = cli.main(
        [
            "analyze",
            "--snapshot",
            str(base / "snapshot.json"),
            "--probe-result",
            str(base / "probe-1.json"),
            "--target",
            f"{cb.FAR_DB}:5432=shared-db",
            "--format",
            fmt,
        ]
    )
    return code, capsys.readouterr().out


def test_path_says_reaches_when_both_sides_were_read() -> None:
    code, out = run_path("peering-healthy")
    assert code == 0
    assert f"(eu-west-1a): REACHES {READ.removeprefix('reaches ')}" in out
    assert "LEAVES THE VPC" not in out


def test_path_says_what_was_not_read_beyond_the_peering_and_exits_4() -> None:
    code, out = run_path("peering-far-side-unreadable")
    assert code == 4
    assert f"(eu-west-1a): LEAVES THE VPC {UNREAD}" in out
    assert "REACHES" not in out and "both sides read" not in out


@pytest.mark.parametrize("fmt", ["json", "markdown", "html"])
def test_every_report_format_tells_read_from_unread(
    capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    healthy_code, healthy = _analyze(capsys, "peering-healthy", fmt)
    unread_code, unread = _analyze(capsys, "peering-far-side-unreadable", fmt)
    assert healthy_code == 0 and READ in healthy
    assert UNREAD in unread and "both sides read" not in unread
    # Unjudged: never the healthy exit (the probe's timeout there is a finding: 1).
    assert unread_code != 0
    assert "✓" not in unread


def test_json_conclusion_of_the_unread_far_side_places_no_block(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = _analyze(capsys, "peering-far-side-unreadable", "json")
    (join,) = json.loads(out)["joins"]
    assert join["conclusion"] == (
        f"Times out; the configuration allows it up to {cb.PCX}; {UNREAD}: where it is "
        "blocked is not known."
    )
    assert json.loads(out)["unjudged"]


def test_text_summary_of_the_unread_far_side_is_not_a_tick(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _analyze(capsys, "peering-far-side-unreadable", "text")
    assert code != 0 and "✓" not in out and "could not be judged" in out
