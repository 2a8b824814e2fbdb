"""Probe concurrency in the lab: N dropped targets must cost one timeout, not N.

Builds its own lab (network namespaces, needs root): N = 1, 10, 50 targets whose packets
are all dropped (N hosts behind a security group that drops everything), per-step timeout
1 s, run through the Lambda handler. Prints the probe's own duration (the report's
duration_ms) and its ratio to the timeout; goal: 50 targets within 1.3 s. Then the 50 again
as `python -m vpcprobe`, whole process (interpreter start included). Also times the
healthy scenario's full probe (3 DNS servers x 3 names x A/AAAA x UDP/TCP plus the system
resolver, 2 TCP targets, the Logs call against moto). Exits 0 with a message when not root.

Run: .venv/bin/python bench/probe_concurrency.py [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "layer"))
sys.path.insert(0, str(REPO / "bench"))

from figures import Figure, emit  # noqa: E402

from tests.lab.vpc_lab import Lab, missing_requirements, standard_vpc, sweep_stale  # noqa: E402

TIMEOUT_S = 1.0
GOAL_RATIO = 1.3
SIZES = (1, 10, 50)
DARK_SUBNET = "10.0.90.0/24"  # routed to a host link, every packet dropped at the router


def _dropped_targets(count: int) -> list[str]:
    return [f"10.0.90.{100 + i}:5432" for i in range(count)]


def measure_dropped(lab: Lab, count: int, repeat: int) -> tuple[float, float, list[str]]:
    """Median probe duration (s) and handler time (s) for `count` dropped targets."""
    durations, handler_times, problems = [], [], []
    for _ in range(repeat):
        event = {
            "targets": _dropped_targets(count),
            "timeout_s": TIMEOUT_S,
            "system_resolver": False,
            "default_names": False,
            "aws": {"logs": False},
        }
        run = lab.run_probe_handler(event, remaining_ms=30_000)
        report = run.report
        statuses = {r.status.value for r in report.tcp}
        if statuses != {"timeout"} or len(report.tcp) != count:
            problems.append(
                f"N={count}: TCP statuses {sorted(statuses)}, {len(report.tcp)} results"
            )
        durations.append(report.duration_ms / 1000)
        handler_times.append(run.runner_timing["returned_after_ms"] / 1000)
    return statistics.median(durations), statistics.median(handler_times), problems


def measure_cli(lab: Lab, count: int, repeat: int) -> tuple[float, float]:
    """Median probe duration and whole-process wall time (s) of `python -m vpcprobe`."""
    durations, walls = [], []
    args = [f"--target={t}" for t in _dropped_targets(count)]
    args += [f"--timeout={TIMEOUT_S:g}", "--no-aws", "--no-system-resolver", "--no-default-names"]
    for _ in range(repeat):
        run = lab.run_probe_cli(args)
        durations.append(run.report.duration_ms / 1000)
        walls.append(run.wall_s)
    return statistics.median(durations), statistics.median(walls)


def measure_healthy(repeat: int) -> tuple[float, list[str]]:
    """Median duration (s) of the healthy scenario's full probe."""
    durations, problems = [], []
    with Lab() as lab:
        vpc = standard_vpc(lab)
        for _ in range(repeat):
            run = lab.probe(
                "handler",
                targets=[vpc.db_target, vpc.web_target],
                nameservers=[vpc.resolver.address],
                timeout_s=TIMEOUT_S,
                deadline_s=20.0,
            )
            report = run.report
            bad = [
                f"{r.name} {r.server} {r.transport.value}: {r.status.value}"
                for r in report.dns
                if r.status.value not in {"ok", "no_answer"}
            ]
            bad += [f"{r.label}: {r.status.value}" for r in report.tcp if r.status.value != "open"]
            bad += [f"{r.service}: {r.status.value}" for r in report.aws if r.status.value != "ok"]
            if bad:
                problems.append("healthy probe saw failures: " + "; ".join(bad[:5]))
            durations.append(report.duration_ms / 1000)
    return statistics.median(durations), problems


def main() -> int:
    """Build the lab, measure, print the figures (a table, or JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the median counts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    missing = missing_requirements()
    if missing is not None:
        print(f"probe_concurrency: skipped: {missing}", file=sys.stderr)
        skipped = Figure(
            name="probe concurrency in the lab", value=None, unit="", note=f"skipped: {missing}"
        )
        emit([skipped], ["--json"] if args.json else [])
        return 0
    sweep_stale()
    figures: list[Figure] = []
    problems: list[str] = []
    with Lab() as lab:
        lab.add_host("dark", address="10.0.90.10")
        lab.block(DARK_SUBNET)
        for count in SIZES:
            seconds, handler_s, found = measure_dropped(lab, count, args.repeat)
            problems += found
            ratio = seconds / TIMEOUT_S
            goal = f"<= {GOAL_RATIO:g} x timeout" if count == max(SIZES) else None
            figures.append(
                Figure(
                    name=f"{count} dropped targets, timeout {TIMEOUT_S:g} s: probe duration",
                    value=round(seconds, 3),
                    unit="s",
                    goal=goal,
                    met=(ratio <= GOAL_RATIO) if goal else None,
                    note=f"{ratio:.2f} x timeout; handler returned after {handler_s:.3f} s",
                )
            )
        count = max(SIZES)
        seconds, wall_s = measure_cli(lab, count, args.repeat)
        figures.append(
            Figure(
                name=f"{count} dropped targets, python -m vpcprobe: process wall time",
                value=round(wall_s, 3),
                unit="s",
                note=f"probe duration {seconds:.3f} s; the rest is interpreter and imports",
            )
        )
    healthy_s, found = measure_healthy(args.repeat)
    problems += found
    figures.append(
        Figure(
            name="healthy scenario, full probe (handler)",
            value=round(healthy_s, 3),
            unit="s",
            note="3 servers x 3 names x A/AAAA x UDP/TCP + system, 2 targets, Logs call",
        )
    )
    emit(figures, ["--json"] if args.json else [])
    for problem in problems:
        print(f"probe_concurrency: WARNING: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
