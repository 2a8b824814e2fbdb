"""Every figure the project tracks, in one table with its goal (`make bench`).

Runs each benchmark script in its own interpreter with --json and gathers the figures.
Run: .venv/bin/python bench/run_all.py [--json] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, emit, format_table

BENCH = Path(__file__).resolve().parent

# (script, extra arguments, what it measures)
SCRIPTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("probe_concurrency", (), "probe concurrency in the lab: N dropped targets at 1 s"),
    ("probe_deadline_local", (), "loopback: 50 silent targets at 1 s; handler import time"),
    ("layer_size", (), "layer size, zipped and unzipped, per architecture"),
    ("snapshot_calls", (), "API calls per diagnosis snapshot (3 subnets, 5 targets)"),
    ("static_scale", ("--no-moto",), "static evaluation at scale"),
    ("diagnose_e2e", (), "end-to-end diagnose against moto"),
    ("cold_start", (), "first invocation and import of the built layer, extracted read-only"),
    ("cli_startup", (), "vpcprobe --help and rules against `python -c 'import argparse'`"),
    ("aws_give_up", (), "give-up time against an endpoint that accepts and never answers"),
    ("audit_scale", (), "audit calls and wall time: 1-500 functions, 2-20 VPCs, 100 accounts"),
)


def run_script(name: str, extra: tuple[str, ...]) -> list[Figure]:
    """The figures one script reports; a failure becomes a figure that says so."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), *extra, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.monotonic() - started
    try:
        start = result.stdout.index("{")
        data = json.loads(result.stdout[start:])
        figures = [Figure(**item) for item in data["figures"]]
    except (ValueError, KeyError, TypeError):
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return [Figure(f"{name}: did not report", None, "", met=False, note=last[0][:200])]
    if result.returncode != 0:
        figures.append(Figure(f"{name}: exit code", result.returncode, "", met=False))
    print(f"  {name}: {len(figures)} figures in {took:.1f} s", file=sys.stderr)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--only", nargs="*", help="run only these scripts (by name)")
    args = parser.parse_args()
    figures: list[Figure] = []
    for name, extra, what in SCRIPTS:
        if args.only and name not in args.only:
            continue
        print(f"bench: {what} ({name}.py)...", file=sys.stderr)
        figures += run_script(name, extra)
    if args.json:
        emit(figures, ["--json"])
    else:
        print(format_table(figures))
    missed = [f.name for f in figures if f.met is False]
    if missed:
        print(f"bench: {len(missed)} figure(s) missed their goal or failed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
