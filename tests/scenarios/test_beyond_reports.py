"""Beyond the VPC in every report format, and through a bundle: `analyze` replays the peering,
TGW and Route 53 facts the snapshot carries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scenarios import catalog_beyond as cb
from vpcprobe_collector import cli
from vpcprobe_collector.bundle import read_bundle

HERE = Path(__file__).parent


def _analyze(capsys: pytest.CaptureFixture[str], folder: str, *args: str) -> tuple[int, str]:
    base = HERE / folder
    code = cli.main(
        [
            "analyze",
            "--snapshot",
            str(base / "snapshot.json"),
            "--probe-result",
            str(base / "probe-1.json"),
            "--target",
            f"{cb.FAR_DB}:5432=shared-db",
            *args,
        ]
    )
    out, _ = capsys.readouterr()
    return code, out


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
@pytest.mark.parametrize(
    ("folder", "code", "resource"),
    [
        ("peering-no-route-back", "PCX002", cb.FAR_RTB),
        ("tgw-route-blackhole", "TGW003", cb.TGW_RTB),
        ("tgw-attachment-missing-az", "TGW002", cb.ATT_OWN),
    ],
)
def test_every_format_names_the_hop_beyond_the_vpc(
    capsys: pytest.CaptureFixture[str], fmt: str, folder: str, code: str, resource: str
) -> None:
    exit_code, out = _analyze(capsys, folder, "--format", fmt)
    assert exit_code == 1
    assert code in out and resource in out


def test_json_report_carries_the_typed_hops_beyond(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = _analyze(capsys, "peering-no-route-back", "--format", "json")
    (finding,) = [f for f in json.loads(out)["findings"] if f["code"] == "PCX002"]
    data = finding["evidence"][0]["data"]
    assert (data["step"], data["route_table_id"], data["via"]) == (
        "route_back",
        cb.FAR_RTB,
        cb.PCX,
    )


def test_a_bundle_carries_the_facts_beyond_and_analyze_replays_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.zip"
    first, _ = _analyze(capsys, "peering-no-route-back", "--bundle", str(bundle))
    snapshot = read_bundle(bundle).snapshot
    assert snapshot.beyond.peering(cb.PCX) is not None
    assert snapshot.beyond.remote_vpc(cb.FAR_VPC) is not None
    code = cli.main(["analyze", str(bundle), "--format", "json"])
    out, _ = capsys.readouterr()
    assert (first, code) == (1, 1)
    assert [f["code"] for f in json.loads(out)["findings"] if f["status"] == "fail"] == ["PCX002"]
