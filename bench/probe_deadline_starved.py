"""The probe's deadline on a starved CPU: margin left when the handler's answer is ready.

The handler runs in a subprocess held to a share of one CPU by a cgroup (cgroup v2 cpu.max or
v1 CFS quota; root needed), as a 256 MB Lambda function gets about a sixth of a core. Two
requests: the heaviest allowed (1,024 direct DNS queries to loopback servers that never
answer) and a typical one (a few names and targets). Each is run a few times; the figure is
the smallest margin, in ms, between the answer being serialised and the remaining time
running out, and the same unlimited for comparison. Nothing leaves loopback.

Run (as root): .venv/bin/python bench/probe_deadline_starved.py [--json] [--runs N] [--percent P]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from figures import Figure, emit  # noqa: E402

from tests.probe.loopback_servers import listener, silent_dns  # noqa: E402
from tests.support.cpu_limit import cpu_limited, unavailable  # noqa: E402

PROGRAM = REPO / "tests" / "probe" / "starved_probe.py"
REMAINING_MS = (3_000, 10_000)  # Lambda's default timeout, and a probe given more time


@contextlib.contextmanager
def servers(count: int) -> Iterator[list[str]]:
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(silent_dns()) for _ in range(count)]


def heaviest(silent: list[str]) -> dict[str, Any]:
    """64 names x A, AAAA x 4 servers x UDP, TCP = 1,024 direct queries, none answered."""
    return {
        "dns_names": [f"n{i}.starved.test" for i in range(64)],
        "nameservers": silent[:4],
        "record_types": ["A", "AAAA"],
        "dns_transports": ["udp", "tcp"],
        "system_resolver": False,
        "default_names": False,
        "aws": {"logs": False},
    }


def typical(silent: list[str], port: int) -> dict[str, Any]:
    return {
        "targets": [f"127.0.0.1:{port}", "127.0.0.1:9"],
        "dns_names": ["db.starved.test", "cache.starved.test"],
        "nameservers": silent[:1],
        "system_resolver": False,
        "default_names": False,
        "aws": {"logs": False},
    }


def run(
    event: dict[str, Any], command: Any, env: dict[str, str], remaining_ms: int
) -> dict[str, Any]:
    argv = command([sys.executable, str(PROGRAM), json.dumps(event), str(remaining_ms)])
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("RESULT ")]
    if not line:
        raise SystemExit(f"the probe run failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(line[-1][7:])
    return result


def environment(scratch: str) -> dict[str, str]:
    conf = Path(scratch) / "resolv.conf"
    conf.write_text("", encoding="utf-8")
    return {
        **os.environ,
        "PYTHONPATH": f"{REPO / 'layer'}:{REPO}",
        "VPCPROBE_RESOLV_CONF": str(conf),
        "VPCPROBE_FORWARDER": "",
        "AWS_REGION": "us-east-1",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--percent", type=int, default=15)
    args = parser.parse_args()
    reason = unavailable()
    if reason:
        raise SystemExit(f"skipped: {reason}")
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as scratch, servers(4) as silent, listener() as port:
        env = environment(scratch)
        events = {
            "heaviest (1,024 DNS queries)": heaviest(silent),
            "typical": typical(silent, port),
        }
        with cpu_limited(args.percent) as limit:
            for (label, event), remaining in itertools.product(events.items(), REMAINING_MS):
                starved = [run(event, limit.command, env, remaining) for _ in range(args.runs)]
                free = run(event, lambda argv: argv, env, remaining)
                worst = min(r["margin_ms"] for r in starved)
                figures.append(
                    Figure(
                        f"{label}, {remaining} ms left, {args.percent} % of a CPU: "
                        f"smallest margin of {args.runs}",
                        worst,
                        "ms",
                        goal="> 0 ms",
                        met=worst > 0,
                        note=f"margins {[r['margin_ms'] for r in starved]}; unlimited "
                        f"{free['margin_ms']} ms; {starved[0]['skipped']} steps cut by the "
                        f"deadline; {starved[0]['bytes']} bytes",
                    )
                )
    emit(figures)


if __name__ == "__main__":
    main()
