"""End-to-end time of `vpcprobe diagnose` against moto: 3 function subnets, 5 targets.

Starts a moto server on 127.0.0.1, lays out the bench scenario (tests/support/aws_scenarios:
3 function subnets, 5 database ENIs), writes one probe report in which all 5 targets
connected, then times `diagnose FUNCTION --probe-result FILE --target ... --format json`:
in-process (snapshot + judgement + rendering; median of --repeat runs) and as a user runs
it, a fresh `vpcprobe` process (median of 3). No goal is set; the figures are tracked.

Run: .venv/bin/python bench/diagnose_e2e.py [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from local_aws import isolate_from_aws  # noqa: E402

# Goals: snapshot, judgement and report well under what a person notices, against a local API
# stand-in (real AWS adds its own latency: about 19 calls, most of them batched).
IN_PROCESS_GOAL_S = 2.0
FRESH_GOAL_S = 5.0

isolate_from_aws()  # before boto3 is imported

from figures import Figure, emit  # noqa: E402

from tests.report.samples import probe_report  # noqa: E402
from tests.support import aws_scenarios  # noqa: E402
from tests.support.moto_server import run_moto_server  # noqa: E402
from vpcprobe.models import TcpResult, TcpStatus  # noqa: E402
from vpcprobe_collector import cli  # noqa: E402


def _probe_file(directory: Path, addresses: list[str]) -> Path:
    report = probe_report(dns_ok=True, dns_server="169.254.78.1")
    report.tcp = [
        TcpResult(label=f"db{i}", host=a, port=5432, address=a, status=TcpStatus.OPEN)
        for i, a in enumerate(addresses)
    ]
    path = directory / "probe.json"
    path.write_text(report.model_dump_json(), encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with run_moto_server() as server, tempfile.TemporaryDirectory() as tmp:
        os.environ["AWS_ENDPOINT_URL"] = server.url
        scenario = aws_scenarios.build_bench(server.session())
        assert len(scenario.function_subnet_ids) == 3 and len(scenario.target_addresses) == 5
        probe = _probe_file(Path(tmp), scenario.target_addresses)
        argv = ["diagnose", scenario.function_name, "--probe-result", str(probe)]
        for i, address in enumerate(scenario.target_addresses):
            argv += ["--target", f"{address}:5432=db{i}"]
        argv += ["--format", "json", "--output", str(Path(tmp) / "report.json"), "--quiet"]

        in_process: list[float] = []
        codes: set[int] = set()
        for _ in range(args.repeat):
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                codes.add(cli.main(argv))
            in_process.append(time.perf_counter() - started)

        fresh: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "vpcprobe_collector", *argv],
                capture_output=True,
                check=False,
            )
            fresh.append(time.perf_counter() - started)
            codes.add(done.returncode)
    note = f"exit codes {sorted(codes)}"
    emit(
        [
            Figure(
                "diagnose in-process, 3 subnets x 5 targets (median)",
                round(statistics.median(in_process), 3),
                "s",
                goal=f"< {IN_PROCESS_GOAL_S:g} s",
                met=statistics.median(in_process) < IN_PROCESS_GOAL_S,
                note=note,
            ),
            Figure("diagnose in-process (min)", round(min(in_process), 3), "s", note="tracked"),
            Figure(
                "vpcprobe diagnose, fresh process (median of 3)",
                round(statistics.median(fresh), 3),
                "s",
                goal=f"< {FRESH_GOAL_S:g} s",
                met=statistics.median(fresh) < FRESH_GOAL_S,
                note="what a user waits for, against moto on loopback",
            ),
        ],
        ["--json"] if args.json else [],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
