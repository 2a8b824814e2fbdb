"""Probe concurrency on loopback: 50 targets that all time out at 1 s cost one timeout, not 50.

Test-only setup, no root needed: each target is a 127.0.0.1 listener whose accept queue is
full, so Linux drops the SYNs and every connect waits for its own timeout, as behind a
security group that drops packets. The probe runs through the Lambda handler with a
15 s context. Also prints the import time of `vpcprobe.handler` (python -X importtime).

Run: .venv/bin/python bench/probe_deadline_local.py [--json]
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layer"))
sys.path.insert(0, str(REPO / "bench"))

from figures import Figure, emit  # noqa: E402

TARGETS = 50
TIMEOUT_S = 1.0
GOAL_S = 1.3


@contextlib.contextmanager
def black_holes(count: int) -> Iterator[list[int]]:
    """`count` loopback ports where connects time out (listeners with a full queue)."""
    sockets: list[socket.socket] = []
    ports: list[int] = []
    try:
        for _ in range(count):
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(server)
            server.bind(("127.0.0.1", 0))
            server.listen(0)
            port = int(server.getsockname()[1])
            ports.append(port)
            for _ in range(4):
                filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                filler.setblocking(False)
                sockets.append(filler)
                with contextlib.suppress(BlockingIOError):
                    filler.connect(("127.0.0.1", port))
        time.sleep(0.2)  # let the fillers' handshakes fill the queues
        yield ports
    finally:
        for sock in sockets:
            sock.close()


class Context:
    def __init__(self, remaining_ms: float) -> None:
        self._end = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return int((self._end - time.monotonic()) * 1000)


def probe_wall_time() -> tuple[float, float, Counter[str]]:
    with tempfile.TemporaryDirectory() as scratch:
        conf = Path(scratch) / "resolv.conf"
        conf.write_text("", encoding="utf-8")
        os.environ.update(
            {
                "VPCPROBE_RESOLV_CONF": str(conf),
                "VPCPROBE_FORWARDER": "",
                "POWERTOOLS_LOG_LEVEL": "WARNING",
            }
        )
        from vpcprobe.handler import handler

        with black_holes(TARGETS) as ports:
            event = {
                "targets": [f"127.0.0.1:{port}" for port in ports],
                "aws": {"logs": False},
                "default_names": False,
                "timeout_s": TIMEOUT_S,
            }
            started = time.monotonic()
            report = handler(event, Context(15_000))
            wall = time.monotonic() - started
    return wall, report["duration_ms"] / 1000, Counter(t["status"] for t in report["tcp"])


def import_time_ms() -> float:
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import vpcprobe.handler"],
        capture_output=True, text=True, check=True, cwd=REPO / "layer",
    )  # fmt: skip
    line = [
        ln for ln in completed.stderr.splitlines() if ln.rstrip().endswith("| vpcprobe.handler")
    ][-1]
    return int(re.split(r"\s*\|\s*", line)[1]) / 1000


IMPORT_GOAL_MS = 300


def main() -> None:
    wall, duration, statuses = probe_wall_time()
    imports = sorted(import_time_ms() for _ in range(5))
    emit(
        [
            Figure(
                f"{TARGETS} dropped targets, {TIMEOUT_S:g} s timeout: handler wall time",
                round(wall, 3),
                "s",
                goal=f"<= {GOAL_S} s, all {TARGETS} timed out",
                # A wall time only counts when every target really timed out (a refused or
                # skipped target would finish early and flatter the figure).
                met=wall <= GOAL_S and statuses == Counter({"timeout": TARGETS}),
                note=", ".join(f"{n} {s}" for s, n in sorted(statuses.items())),
            ),
            Figure(
                "same: report duration_ms",
                round(duration, 3),
                "s",
                goal=f"<= {GOAL_S} s",
                met=duration <= GOAL_S,
            ),
            Figure(
                "import vpcprobe.handler (median of 5)",
                imports[2],
                "ms",
                goal=f"< {IMPORT_GOAL_MS} ms",
                met=imports[2] < IMPORT_GOAL_MS,
                note="python -X importtime; part of every cold start",
            ),
        ]
    )


if __name__ == "__main__":
    main()
