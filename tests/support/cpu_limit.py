"""A child cgroup that holds a process to a share of one CPU (cgroup v2 cpu.max, or v1 CFS quota).

Used by the starved-CPU deadline test and bench/probe_deadline_starved.py: the probe is run as
a subprocess placed in the cgroup before it starts (`command()` wraps its argv), so everything
it does, imports included, gets only that share. The cgroup is removed on exit.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


@dataclass(frozen=True)
class CpuLimit:
    """A cgroup directory and the way to put a process in it."""

    path: Path
    percent: int
    version: int

    def command(self, argv: list[str]) -> list[str]:
        """`argv` run inside the cgroup: the shell joins it, then execs the program."""
        procs = self.path / "cgroup.procs"
        return ["sh", "-c", f'echo $$ > "{procs}" && exec "$@"', "sh", *argv]


def _v2_parent() -> Path | None:
    for root in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        controllers = root / "cgroup.controllers"
        if controllers.exists() and "cpu" in controllers.read_text().split():
            return root
    return None


def unavailable() -> str | None:
    """Why a CPU limit cannot be set here, or None when it can."""
    if os.geteuid() != 0:
        return "a CPU limit needs root to create a cgroup"
    if _v2_parent() is not None:
        return None
    v1 = CGROUP_ROOT / "cpu" / "cpu.cfs_quota_us"
    if v1.exists() and os.access(v1.parent, os.W_OK):
        return None
    return "no writable cgroup with the cpu controller (cgroup v2 cpu.max or v1 cpu.cfs_quota_us)"


@contextlib.contextmanager
def cpu_limited(percent: int) -> Iterator[CpuLimit]:
    """A fresh child cgroup limited to `percent` % of one CPU; removed afterwards."""
    name = f"vpcprobe-test-{uuid.uuid4().hex[:8]}"
    quota = PERIOD_US * percent // 100
    parent = _v2_parent()
    if parent is not None:
        path, version = parent / name, 2
        path.mkdir()
        (path / "cpu.max").write_text(f"{quota} {PERIOD_US}\n")
    else:
        path, version = CGROUP_ROOT / "cpu" / name, 1
        path.mkdir()
        (path / "cpu.cfs_period_us").write_text(f"{PERIOD_US}\n")
        (path / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    try:
        yield CpuLimit(path, percent, version)
    finally:
        for _ in range(50):  # the processes in it must have exited before it can go
            try:
                path.rmdir()
                break
            except OSError:
                time.sleep(0.1)
