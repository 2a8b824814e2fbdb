"""`vpcprobe analyze` on hostile bundles: exit code, wall time and peak memory of each.

Builds every hostile bundle of tests/diagnose/test_bundle_hostile.py (zip bombs whose header
under-states or states 1 GB, ten 50 MB probe members, 200,000-deep JSON, bad CRC, encrypted,
unknown method, ...) and runs the installed collector's CLI on each in its own process; the
peak resident memory is that process's VmHWM, its own alone. The floor is the same CLI
on a good bundle, measured in the same run.

Run: .venv/bin/python bench/bundle_hostile.py [--json]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from figures import Figure, emit  # noqa: E402

from tests.diagnose.test_bundle_hostile import CASES, MEASURE, good_bundle  # noqa: E402

PEAK_GOAL_MB = 400


def measure(path: Path) -> tuple[int, float, float, str]:
    """Exit code, seconds, peak RSS in MB and the first stderr line of `vpcprobe analyze`."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=600
    )
    seconds = time.monotonic() - started
    *lines, figures = done.stderr.strip().splitlines()
    peak, code = (int(x) for x in figures.split())
    return code, seconds, float(peak), (lines or [""])[0]


def main() -> None:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        code, seconds, floor, _ = measure(good_bundle(base / "good.zip"))
        figures.append(Figure("good bundle (floor)", round(floor), "MB", note=f"exit {code}"))
        for name in sorted(CASES):
            build, says = CASES[name]
            path = build(base / f"{len(figures)}.zip")
            code, seconds, peak, line = measure(path)
            figures.append(
                Figure(
                    name,
                    round(peak),
                    "MB",
                    goal=f"exit 2, < {PEAK_GOAL_MB} MB",
                    met=code == 2 and says in line and peak < PEAK_GOAL_MB,
                    note=f"exit {code}, {seconds:.2f} s, {peak / floor:.2f}x the floor",
                )
            )
            path.unlink()
    emit(figures)


if __name__ == "__main__":
    main()
