"""The probe's pool shrinks when steps start late, and keeps the deadline with the shrunk pool.

On a starved CPU a worker thread picks a step up well after it was handed over. The runner
takes that as the CPU, not the network, being short and halves the number of steps it keeps
running (down to MIN_WORKERS), since more threads would only queue for the CPU. Here the
lateness is made directly: the runner's ThreadPoolExecutor is replaced by one whose workers
wait LATE_S before starting each step (its one seam: the name the runner imports), and every
direct DNS query is a stand-in that takes STEP_S and counts how many run at once. Nothing is
sent anywhere.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import pytest

from vpcprobe import dns_lookup, runner
from vpcprobe import request as probe_request
from vpcprobe.models import DnsResult, DnsStatus, SkipReason, Transport

LATE_S = 0.08  # each step starts this late: above runner.LATE_START_S, a starved CPU's lag
STEP_S = 0.2  # each query's own run time once started
BUDGET_S = 2.0
# It starves the CPU on purpose and then holds the runner to its budget: beside another xdist
# worker the lateness it makes is no longer its own (2.22 s once in CI), so it runs alone.
pytestmark = pytest.mark.alone


class LateExecutor(ThreadPoolExecutor):
    """A pool whose workers start every step LATE_S after it was submitted, and which
    records, at each submission, how many steps the runner has handed it and not yet got
    back: the runner's own limit, whatever the machine's load does to thread start times."""

    made: ClassVar[list[LateExecutor]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock = threading.Lock()
        self.outstanding = 0
        self.handed: list[int] = []  # per submission: steps outstanding including it
        LateExecutor.made.append(self)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        def late() -> Any:
            try:
                time.sleep(LATE_S)
                return fn(*args, **kwargs)
            finally:
                with self.lock:
                    self.outstanding -= 1

        with self.lock:
            self.outstanding += 1
            self.handed.append(self.outstanding)
        return super().submit(late)


class Queries:
    """Stand-in DNS queries that record, as each starts, how many are running."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.starts: list[tuple[float, int]] = []  # (seconds since t0, running including it)
        self.t0 = time.monotonic()

    def query(
        self, name: str, record_type: Any, server: str, transport: Transport, *, timeout: float
    ) -> DnsResult:
        with self.lock:
            self.running += 1
            self.starts.append((time.monotonic() - self.t0, self.running))
        started = time.monotonic()
        time.sleep(min(timeout, STEP_S))
        with self.lock:
            self.running -= 1
        return DnsResult(
            name=name,
            record_type=record_type,
            server=server,
            transport=transport,
            status=DnsStatus.TIMEOUT,
            elapsed_ms=round((time.monotonic() - started) * 1000, 1),
        )

    def most_at_once(self, after_s: float) -> int:
        return max((n for at, n in self.starts if at >= after_s), default=0)


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Queries]:
    conf = tmp_path / "resolv.conf"
    conf.write_text("", encoding="utf-8")
    monkeypatch.setenv("VPCPROBE_RESOLV_CONF", str(conf))
    monkeypatch.setenv("VPCPROBE_FORWARDER", "")
    made = Queries()
    monkeypatch.setattr(dns_lookup, "query", made.query)
    monkeypatch.setattr(runner, "ThreadPoolExecutor", LateExecutor)
    LateExecutor.made.clear()
    yield made
    for executor in LateExecutor.made:  # the steps left behind at the deadline end here
        executor.shutdown(wait=True)


def test_the_pool_shrinks_when_steps_start_late_and_the_deadline_is_kept(
    queries: Queries,
) -> None:
    request = probe_request.read_plain(
        {
            "dns_names": [f"n{i}.late.test" for i in range(64)],
            "nameservers": ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"],
            "record_types": ["A", "AAAA"],
            "dns_transports": ["udp", "tcp"],
            "system_resolver": False,
            "default_names": False,
            "aws": {"logs": False},
        }
    )
    assert request is not None
    started = time.monotonic()
    queries.t0 = started
    report = runner.run_probe(request, budget_s=BUDGET_S)
    took = time.monotonic() - started

    # The first wave is handed to the whole pool; once starts lag, the pool is halved per
    # spell of late starts down to MIN_WORKERS (64 -> 32 -> 16 -> 8), so every step handed
    # over after the first wave finds at most MIN_WORKERS steps out.
    (pool,) = LateExecutor.made
    first_wave = pool.handed[: pool._max_workers]
    later = pool.handed[pool._max_workers :]
    assert max(first_wave) > runner.MIN_WORKERS * 4, pool.handed[:80]
    assert later, "no step was handed over after the first wave"
    assert max(later[-20:]) <= runner.MIN_WORKERS, later[-40:]
    assert queries.starts, "no query ran"
    # ... and with the shrunk pool the probe still returns inside its budget, every query in
    # the report: the ones it ran, the rest cut by the deadline.
    assert took < BUDGET_S, took
    assert report.duration_ms < BUDGET_S * 1000
    assert report.deadline.hit is True
    assert len(report.dns) == 1024
    ran = [d for d in report.dns if d.status == DnsStatus.TIMEOUT]
    cut = [d for d in report.dns if d.skip_reason == SkipReason.DEADLINE]
    assert ran and cut and len(ran) + len(cut) == 1024
