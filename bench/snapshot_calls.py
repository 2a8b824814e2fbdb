"""AWS API calls a snapshot makes: 3 function subnets and 5 targets against moto (goal <= 20);
then the same, 1 vs 5 targets, for a peered and a transit-gateway scenario (issue 11: flat in
the number of targets; one read per resource kind per VPC visited).

Starts a moto server on 127.0.0.1, lays out the bench scenario (tests/support/aws_scenarios:
3 function subnets, 5 database ENIs), takes the snapshot with 5 and with 1 target address,
and prints the call count (each page is one call), the count per API and the wall time.
The count must not grow with the number of targets.

Run: .venv/bin/python bench/snapshot_calls.py [--json]
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from local_aws import isolate_from_aws  # noqa: E402

isolate_from_aws()  # before boto3 is imported

from figures import Figure, emit  # noqa: E402

from tests.support import aws_scenarios  # noqa: E402
from tests.support import beyond_scenarios as bs  # noqa: E402
from tests.support.moto_server import run_moto_server  # noqa: E402
from vpcprobe_collector.snapshot.build import take_snapshot  # noqa: E402

GOAL = 20


def main() -> int:
    """Measure and print the figures."""
    with run_moto_server() as server:
        os.environ["AWS_ENDPOINT_URL"] = server.url
        scenario = aws_scenarios.build_bench(server.session())
        assert len(scenario.function_subnet_ids) == 3 and len(scenario.target_addresses) == 5
        started = time.perf_counter()
        five = take_snapshot(
            server.session(), scenario.function_name, target_addresses=scenario.target_addresses
        )
        elapsed = time.perf_counter() - started
        one = take_snapshot(
            server.session(),
            scenario.function_name,
            target_addresses=scenario.target_addresses[:1],
        )
        beyond = {
            "peered": _one_and_five(server, bs.build_peering_healthy, bs.PEER_DB),
            "TGW": _one_and_five(server, bs.build_tgw_healthy, bs.TGW_DB),
        }
    per_api = Counter(call.api for call in five.api_calls)
    failed = sorted({f"{c.api} {c.error_code}" for c in five.api_calls if not c.ok})
    figures = [
        Figure(
            "snapshot API calls, 3 subnets x 5 targets",
            five.api_call_count,
            "calls",
            goal=f"<= {GOAL}",
            met=five.api_call_count <= GOAL,
            note=f"{len(failed)} of them unanswerable by moto" if failed else None,
        ),
        Figure(
            "snapshot API calls, 3 subnets x 1 target",
            one.api_call_count,
            "calls",
            goal="same as with 5 targets",
            met=one.api_call_count == five.api_call_count,
        ),
        Figure("snapshot wall time against moto, 5 targets", round(elapsed, 3), "s"),
    ]
    for name, (calls_one, calls_five) in beyond.items():
        figures.append(
            Figure(f"snapshot API calls, {name}, 3 subnets x 1 target", calls_one, "calls")
        )
        figures.append(
            Figure(
                f"snapshot API calls, {name}, 3 subnets x 5 targets",
                calls_five,
                "calls",
                goal="same as with 1 target",
                met=calls_one == calls_five,
            )
        )
    figures += [Figure(f"  {api}", count, "calls") for api, count in sorted(per_api.items())]
    figures += [Figure(f"  failed under moto: {name}", None, "") for name in failed]
    emit(figures)
    return 0 if five.api_call_count <= GOAL else 1


def _one_and_five(server: Any, build: Any, first: str) -> tuple[int, int]:
    """Calls of a snapshot of `build`'s scenario with 1 and with 5 target addresses (the other
    four next to `first`, in the same far subnet)."""
    server.reset()
    scenario = build(server.session())
    prefix, last = first.rsplit(".", 1)
    five = [first, *(f"{prefix}.{int(last) + i}" for i in range(1, 5))]
    counts = []
    for targets in ([first], five):
        snapshot = take_snapshot(server.session(), scenario.function_name, target_addresses=targets)
        counts.append(snapshot.api_call_count)
    return counts[0], counts[1]


if __name__ == "__main__":
    sys.exit(main())
