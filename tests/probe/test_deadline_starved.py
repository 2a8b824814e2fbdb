"""The probe keeps its deadline on a starved CPU: held to 15 % of a core, it still answers in time.

A 256 MB Lambda function gets about a sixth of a core. The handler runs in a subprocess placed
in a child cgroup (cgroup v2 cpu.max, or the v1 CFS quota where that is what the machine has)
with 3 s left, Lambda's default timeout, for the heaviest request the probe accepts (1,024
direct DNS queries to loopback servers that never answer) and for a typical one. Its answer
must be serialised before the remaining time runs out, as Lambda counts it; otherwise Lambda
reports "Task timed out" and nobody sees a report. bench/probe_deadline_starved.py prints the
margins.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback_servers import listener, silent_dns
from tests.support.cpu_limit import CpuLimit, cpu_limited, unavailable
from vpcprobe.runner import _Pace

REPO = Path(__file__).resolve().parents[2]
PROGRAM = Path(__file__).with_name("starved_probe.py")
REMAINING_MS = 3000
CPU_PERCENT = 15

needs_cgroup = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))


def test_the_reserve_grows_with_queued_work_slowdown_and_lateness() -> None:
    pace = _Pace()
    full_core = pace.reserve_s(1024)
    assert pace.reserve_s(10) < full_core  # more results still to write: more kept back
    pace.work_took(wall_s=0.006, cpu_s=0.001)  # six times slower than its own CPU time
    starved = pace.reserve_s(1024)
    assert starved > 3 * full_core
    pace.ran_late(0.08)  # a wake-up 80 ms late
    assert pace.reserve_s(1024) >= starved + 0.16
    for _ in range(50):  # a long spell at full speed brings it back down, slowly
        pace.work_took(wall_s=0.001, cpu_s=0.001)
    assert pace.reserve_s(1024) < starved + 0.16


@pytest.fixture(scope="module")
def limit() -> Iterator[CpuLimit]:
    with cpu_limited(CPU_PERCENT) as made:
        yield made


@pytest.fixture(scope="module")
def silent() -> Iterator[list[str]]:
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(silent_dns()) for _ in range(4)]


def run(limit: CpuLimit, event: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    conf = tmp_path / "resolv.conf"
    conf.write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": f"{REPO / 'layer'}{os.pathsep}{REPO}",
        "VPCPROBE_RESOLV_CONF": str(conf),
        "VPCPROBE_FORWARDER": "",  # never 169.254.78.1: only the loopback servers
        "AWS_REGION": "us-east-1",
    }
    argv = limit.command([sys.executable, str(PROGRAM), json.dumps(event), str(REMAINING_MS)])
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(lines[-1][7:])
    return result


@needs_cgroup
def test_the_heaviest_request_returns_before_the_time_runs_out(
    limit: CpuLimit, silent: list[str], tmp_path: Path
) -> None:
    event = {
        "dns_names": [f"n{i}.starved.test" for i in range(64)],
        "nameservers": silent,
        "record_types": ["A", "AAAA"],
        "dns_transports": ["udp", "tcp"],
        "system_resolver": False,
        "default_names": False,
        "aws": {"logs": False},
    }
    result = run(limit, event, tmp_path)
    assert result["status"] == "ok"
    assert result["dns"] == 1024  # every query is in the report, cut short or not
    assert result["deadline_hit"] is True
    assert result["margin_ms"] > 0, result


@needs_cgroup
def test_a_typical_request_returns_before_the_time_runs_out(
    limit: CpuLimit, silent: list[str], tmp_path: Path
) -> None:
    with listener() as port:
        event = {
            "targets": [f"127.0.0.1:{port}", "127.0.0.1:9"],
            "dns_names": ["db.starved.test", "cache.starved.test"],
            "nameservers": silent[:1],
            "system_resolver": False,
            "default_names": False,
            "aws": {"logs": False},
        }
        result = run(limit, event, tmp_path)
    assert result["status"] == "ok"
    assert result["tcp"] == 2 and result["dns"] == 8
    assert result["margin_ms"] > 0, result
