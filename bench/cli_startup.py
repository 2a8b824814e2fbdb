"""`vpcprobe --help` and `vpcprobe rules` start-up cost against `python -c "import argparse"`.

Measures the installed command (the venv's `vpcprobe` entry point, as users run it), in
fresh processes, CPU seconds (user + system, from the children's rusage), paired and
interleaved with the floor measured in the same run; the figure is the ratio of medians.
Run: .venv/bin/python bench/cli_startup.py [--rounds N] [--json]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, emit

GOAL = 3.0


def cpu_seconds(command: list[str]) -> float:
    """CPU time (user + system) of one fresh process running `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    vpcprobe = str(bin_dir / "vpcprobe")
    if not os.access(vpcprobe, os.X_OK):
        print(f"cli_startup: no installed vpcprobe in {bin_dir}", file=sys.stderr)
        return 1
    commands = {
        "floor": [sys.executable, "-c", "import argparse"],
        "--help": [vpcprobe, "--help"],
        "rules": [vpcprobe, "rules"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm the page cache once
        cpu_seconds(command)
    for _ in range(args.rounds):
        for name, command in commands.items():  # interleaved: floor, --help, rules, floor...
            times[name].append(cpu_seconds(command))
    floor = statistics.median(times["floor"])
    figures = [Figure("import argparse (floor)", round(floor * 1000, 1), "ms CPU")]
    for name in ("--help", "rules"):
        ratio = statistics.median(times[name]) / floor
        figures.append(
            Figure(
                f"vpcprobe {name} / floor",
                round(ratio, 2),
                "x",
                goal=f"<= {GOAL:g}x",
                met=ratio <= GOAL,
                note=f"{statistics.median(times[name]) * 1000:.0f} ms CPU",
            )
        )
    emit(figures, ["--json"] if args.json else [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
