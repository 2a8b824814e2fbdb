"""`vpcprobe path` beyond the VPC, hop by hop: golden outputs for the peering and TGW cases.

The goldens in golden/ are the real CLI's output on the scenarios of
tests/scenarios/catalog_beyond.py; regenerate them with
`.venv/bin/python -m tests.collector.paths.test_path_beyond` and review the diff.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from pathlib import Path

import pytest

from tests.scenarios import catalog_beyond as cb
from vpcprobe_collector.cli import main

GOLDEN = Path(__file__).parent / "golden"

# scenario -> (destination, exit code the user gets)
CASES: dict[str, tuple[str, int]] = {
    "peering-healthy": (f"{cb.FAR_DB}:5432", 0),
    "peering-no-route-back": (f"{cb.FAR_DB}:5432", 1),
    "peering-not-active": (f"{cb.FAR_DB}:5432", 1),
    # Not read beyond the peering: incomplete, never a clean 0.
    "peering-far-side-unreadable": (f"{cb.FAR_DB}:5432", 4),
    "tgw-healthy": (f"{cb.FAR_DB}:5432", 0),
    "tgw-route-blackhole": (f"{cb.FAR_DB}:5432", 1),
    "tgw-attachment-missing-az": (f"{cb.FAR_DB}:5432", 1),
    "tgw-return-route-missing": (f"{cb.FAR_DB}:5432", 1),
}


def run_path(name: str) -> tuple[int, str]:
    """The exit code and stdout of `vpcprobe path orders-api --to … --snapshot FILE`."""
    destination, _ = CASES[name]
    snapshot = cb.SCENARIOS[name]().snapshot
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "snapshot.json"
        file.write_text(snapshot.model_dump_json(), encoding="utf-8")
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(["path", "orders-api", "--to", destination, "--snapshot", str(file)])
    return code, out.getvalue()


def test_a_pending_peering_behind_a_blackhole_route_is_named_as_pending(
    tmp_path: Path,
) -> None:
    """AWS shows the route to a peering connection that is not active as `blackhole` (moto
    says `active`): the path must still name the connection's state, not a dead route."""
    snapshot = cb.SCENARIOS["peering-not-active"]().snapshot
    for table in snapshot.route_tables:
        for route in table.routes:
            if route.target_id and route.target_id.startswith("pcx-"):
                route.state = "blackhole"
    file = tmp_path / "snapshot.json"
    file.write_text(snapshot.model_dump_json(), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["path", "orders-api", "--to", f"{cb.FAR_DB}:5432", "--snapshot", str(file)])
    assert code == 1
    assert "pending-acceptance" in out.getvalue(), out.getvalue()
    assert "the route is a blackhole" not in out.getvalue()


@pytest.mark.parametrize("name", sorted(CASES))
def test_path_shows_the_hops_beyond_the_vpc(name: str) -> None:
    code, out = run_path(name)
    assert out == (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")
    assert code == CASES[name][1]


def test_blocked_beyond_the_vpc_names_the_deciding_component() -> None:
    _, out = run_path("peering-no-route-back")
    assert f"BLOCKED by {cb.FAR_RTB}" in out
    _, out = run_path("tgw-route-blackhole")
    assert f"BLOCKED by {cb.TGW_RTB} (blackhole 10.2.0.0/16)" in out
    _, out = run_path("tgw-attachment-missing-az")
    assert "subnet-0ccc3333cccc3333c (eu-west-1c): BLOCKED by tgw-attach-0aaa00000000001" in out
    assert out.count(": REACHES 10.2.1.20 in vpc-0fa20000000000001 through tgw-") == 2


def main_regenerate() -> int:
    GOLDEN.mkdir(exist_ok=True)
    for name in CASES:
        (GOLDEN / f"{name}.txt").write_text(run_path(name)[1], encoding="utf-8")
    print(f"{len(CASES)} path golden(s) written under {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main_regenerate())
