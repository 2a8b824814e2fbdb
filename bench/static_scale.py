"""Static path evaluation at scale, measured on the installed package, as interleaved ratios.

Base: 200 subnets, 1,000 security groups of 20 rules, 100 NACLs of 40 entries, 100 route
tables of 50 routes; 1,000 destinations evaluated from 16 function subnets (16,000 paths).
Goals: the base (index build + every path) under 1 s; ten times the entries per NACL, and ten
times the routes per table, cost at most 1.3 times as much per path (precomputed structures:
an interval index per NACL direction, a prefix-length index per route table). The base's NACL
entries hold no path's peers (192.0.x.0/24), so the index passes them by; a second NACL case
("overlapping the peers") has entries in 10.0.0.0/16 from /16 to /28 holding the destinations
and the function subnets, on other ports, the replies' ports, and (one in ten) a destination
port, and measures ten times those (200 per direction: five times the most AWS allows).

What is timed is what `vpcprobe diagnose` runs: a fresh `RuleContext` over the snapshot and
`RuleContext.paths_to(address, port)` once per destination (the rules' entry point: it builds
the context's one `SnapshotIndex` on its first call, then `evaluate_function_paths` with that
index for each target; `vpcprobe path` calls the same function for its one target). The
garbage collector is left as users have it (enabled, nothing frozen, thresholds untouched);
building the synthetic snapshot is not timed. Packages older than `RuleContext.index` are timed
through `evaluate_function_paths` with one shared index, their callers' way then.

- cold (the headline, and the x10 NACL entries / x10 routes ratios): a fresh worker process
  per measurement, which builds the snapshot, then times its first and only run: every cache
  (CIDR and address parsing, compiled NACLs and route tables, shared hops) starts empty.
- warm (secondary): one long-lived worker per package, best of `--repeat` runs after a
  warm-up, each run with a new RuleContext (so a new index) but the module-level caches warm.

The package is built from the committed tree (git HEAD, exported outside the checkout;
uncommitted changes are not measured, and a note says so) and installed (pip, not the source
tree) into a temporary folder, and each figure is measured in a worker process importing that
copy. With `--baseline REF` a second
package is built from git REF (for example `main`), and the two are measured in turn, round
after round, so that a busy machine slows both alike; every ratio is taken between runs of one
round. The load average (/proc/loadavg) is printed beside the figures. Nothing touches the
network.

Also prints the API calls `take_snapshot` makes for a 3-subnet, 5-target function, against a
moto server on 127.0.0.1 (skipped with the reason when moto or the test scenarios are missing).

Run: .venv/bin/python bench/static_scale.py [--rounds N] [--repeat N] [--baseline main]
     [--no-moto] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, emit
from local_aws import isolate_from_aws

from vpcprobe_collector.paths import evaluate
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.snapshot.model import (
    FunctionInfo,
    FunctionVpcConfig,
    InternetGateway,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    PrefixList,
    Route,
    RouteTable,
    RouteTableAssociation,
    RouteTargetType,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
    VpcSnapshot,
)


@dataclass(frozen=True)
class Size:
    """One synthetic snapshot's dimensions."""

    subnets: int = 200
    security_groups: int = 1000
    rules_per_group: int = 20
    nacls: int = 100
    entries_per_nacl: int = 40
    route_tables: int = 100
    routes_per_table: int = 50
    destinations: int = 100
    function_subnets: int = 16
    # NACL entries whose CIDRs hold the peers (the destinations, the function subnets), on
    # other ports or on the replies' ports, not entries that no path's peer is in.
    overlapping: bool = False


def _subnet_cidr(i: int) -> str:
    return f"10.{i // 256}.{i % 256}.0/24"


def build(size: Size, seed: int = 7) -> tuple[VpcSnapshot, list[tuple[str, int]]]:
    """A snapshot of `size` and the destinations (address, port) to evaluate."""
    rng = random.Random(seed)
    vpc_id = "vpc-0bench"
    subnets = [
        Subnet(
            subnet_id=f"subnet-{i:05d}",
            vpc_id=vpc_id,
            cidr_block=_subnet_cidr(i),
            availability_zone=f"us-east-1{'abc'[i % 3]}",
        )
        for i in range(size.subnets)
    ]
    public = subnets[0].subnet_id
    prefix_lists = [
        PrefixList(
            prefix_list_id=f"pl-{p:04d}",
            name=f"corp-{p}",
            cidrs=[f"172.{16 + p % 16}.{q}.0/24" for q in range(10)],
        )
        for p in range(20)
    ]
    group_ids = [f"sg-{g:05d}" for g in range(size.security_groups)]

    def rules(egress: bool, count: int) -> list[SecurityGroupRule]:
        out: list[SecurityGroupRule] = []
        for r in range(count):
            port = rng.choice((22, 80, 443, 3306, 5432, 6379, 8080))
            pick = r % 4
            if pick == 0:
                kind, peer = "security_group", rng.choice(group_ids)
            elif pick == 1:
                kind, peer = "prefix_list", rng.choice(prefix_lists).prefix_list_id
            else:
                kind, peer = "cidr_ipv4", f"10.{rng.randrange(4)}.{rng.randrange(256)}.0/24"
            out.append(
                SecurityGroupRule(
                    protocol="tcp", from_port=port, to_port=port, peer_kind=kind, peer=peer
                )
            )
        if not egress and rng.random() < 0.5:  # half the groups admit the function's first SG
            out[0] = SecurityGroupRule(
                protocol="tcp",
                from_port=0,
                to_port=65535,
                peer_kind="security_group",
                peer=group_ids[0],
            )
        if egress:  # the last rule lets most traffic out, as real groups often do
            out[-1] = SecurityGroupRule(
                protocol="tcp", from_port=0, to_port=65535, peer_kind="cidr_ipv4", peer="0.0.0.0/0"
            )
        return out

    half = size.rules_per_group // 2
    groups = [
        SecurityGroup(
            group_id=g, vpc_id=vpc_id, ingress=rules(False, half), egress=rules(True, half)
        )
        for g in group_ids
    ]

    def overlapping(egress: bool, n: int) -> NaclEntry:
        # A CIDR in 10.0.0.0/16 (where the subnets and destinations are) of a length from
        # /16 to /28: many hold each peer. Most deny ports no path uses, so a path's
        # evaluation passes them by; one in three allows the replies' ports; one in ten
        # denies a port the destinations use, in a /28, blocking a few paths.
        length = rng.choice((16, 18, 20, 22, 24, 26, 28))
        start = rng.randrange(1 << 16) >> (32 - length) << (32 - length)
        cidr = f"10.0.{start >> 8}.{start & 255}/{length}"
        protocol, action = "6", "deny"
        if n % 10 == 9:
            start = rng.randrange(1 << 16) >> 4 << 4
            cidr = f"10.0.{start >> 8}.{start & 255}/28"
            ports = (rng.choice((443, 5432, 6379, 3306)),) * 2
        elif n % 3 == 1:
            action, ports = "allow", (1024, 65535)
        else:
            ports = (rng.choice((22, 23, 25, 135, 139, 445)),) * 2
            protocol = rng.choice(("6", "17"))
        return NaclEntry(
            rule_number=10 * (n + 1),
            egress=egress,
            protocol=protocol,
            rule_action=action,
            cidr_block=cidr,
            port_from=ports[0],
            port_to=ports[1],
        )

    def entries(egress: bool, count: int) -> list[NaclEntry]:
        if size.overlapping:
            out = [overlapping(egress, n) for n in range(count - 2)]
        else:
            out = [
                NaclEntry(
                    rule_number=10 * (n + 1),
                    egress=egress,
                    protocol=rng.choice(("6", "17")),
                    rule_action="deny",
                    cidr_block=f"192.0.{rng.randrange(256)}.0/24",
                    port_from=1,
                    port_to=65535,
                )
                for n in range(count - 2)
            ]
        out.append(
            NaclEntry(
                rule_number=30000,
                egress=egress,
                protocol="-1",
                rule_action="allow",
                cidr_block="0.0.0.0/0",
            )
        )
        out.append(
            NaclEntry(
                rule_number=32767,
                egress=egress,
                protocol="-1",
                rule_action="deny",
                cidr_block="0.0.0.0/0",
            )
        )
        return out

    per_side = size.entries_per_nacl // 2
    nacls = [
        NetworkAcl(
            network_acl_id=f"acl-{n:05d}",
            vpc_id=vpc_id,
            entries=entries(True, per_side) + entries(False, per_side),
            subnet_ids=[s.subnet_id for k, s in enumerate(subnets) if k % size.nacls == n],
        )
        for n in range(size.nacls)
    ]

    def table_routes(count: int) -> list[Route]:
        out = [
            Route(
                destination_cidr="10.0.0.0/8", target_type=RouteTargetType.LOCAL, target_id="local"
            ),
            Route(
                destination_cidr="0.0.0.0/0",
                target_type=RouteTargetType.NAT_GATEWAY,
                target_id="nat-0bench",
            ),
            Route(
                destination_prefix_list_id=rng.choice(prefix_lists).prefix_list_id,
                target_type=RouteTargetType.TRANSIT_GATEWAY,
                target_id="tgw-0bench",
            ),
        ]
        out += [
            Route(
                destination_cidr=f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.0/24",
                target_type=RouteTargetType.PEERING,
                target_id=f"pcx-{rng.randrange(1000):04d}",
            )
            for _ in range(count - 3)
        ]
        return out

    tables = [
        RouteTable(
            route_table_id=f"rtb-{t:05d}",
            vpc_id=vpc_id,
            routes=table_routes(size.routes_per_table),
            associations=[
                RouteTableAssociation(subnet_id=s.subnet_id)
                for k, s in enumerate(subnets)
                if k % size.route_tables == t and k != 0
            ]
            + ([RouteTableAssociation(main=True)] if t == 0 else []),
        )
        for t in range(size.route_tables)
    ]
    tables.append(
        RouteTable(
            route_table_id="rtb-public",
            vpc_id=vpc_id,
            routes=[
                Route(
                    destination_cidr="10.0.0.0/8",
                    target_type=RouteTargetType.LOCAL,
                    target_id="local",
                ),
                Route(
                    destination_cidr="0.0.0.0/0",
                    target_type=RouteTargetType.INTERNET_GATEWAY,
                    target_id="igw-0bench",
                ),
            ],
            associations=[RouteTableAssociation(subnet_id=public)],
        )
    )

    destinations: list[tuple[str, int]] = []
    enis: list[NetworkInterface] = []
    for d in range(size.destinations):
        port = rng.choice((443, 5432, 6379, 3306))
        if d % 5 == 4:  # one in five goes out of the VPC
            destinations.append((f"198.51.{d % 256}.{1 + d % 250}", port))
            continue
        subnet_index = rng.randrange(1, size.subnets)
        address = f"10.{subnet_index // 256}.{subnet_index % 256}.{10 + d % 200}"
        enis.append(
            NetworkInterface(
                network_interface_id=f"eni-{d:05d}",
                subnet_id=subnets[subnet_index].subnet_id,
                vpc_id=vpc_id,
                private_ip_addresses=[address],
                security_group_ids=rng.sample(group_ids, 3),
            )
        )
        destinations.append((address, port))

    snapshot = VpcSnapshot(
        collector_version="bench",
        taken_at=datetime(2026, 1, 1, tzinfo=UTC),
        region="us-east-1",
        function=FunctionInfo(
            name="bench",
            arn="arn:aws:lambda:us-east-1:123456789012:function:bench",
            vpc_config=FunctionVpcConfig(
                vpc_id=vpc_id,
                subnet_ids=[s.subnet_id for s in subnets[1 : size.function_subnets + 1]],
                security_group_ids=group_ids[:5],
            ),
        ),
        vpc=Vpc(
            vpc_id=vpc_id,
            cidr_blocks=["10.0.0.0/8"],
            enable_dns_support=True,
            enable_dns_hostnames=True,
        ),
        subnets=subnets,
        route_tables=tables,
        network_acls=nacls,
        security_groups=groups,
        nat_gateways=[
            NatGateway(
                nat_gateway_id="nat-0bench", subnet_id=public, vpc_id=vpc_id, state="available"
            )
        ],
        internet_gateways=[
            InternetGateway(internet_gateway_id="igw-0bench", attached_vpc_ids=[vpc_id])
        ],
        prefix_lists=prefix_lists,
        network_interfaces=enis,
    )
    return snapshot, destinations


def evaluate_all(snapshot: VpcSnapshot, destinations: list[tuple[str, int]]) -> dict[str, int]:
    """Every destination from every function subnet, as `vpcprobe diagnose` evaluates them:
    `RuleContext.paths_to` once per destination, over one fresh context (its index built on
    the first call). Earlier packages: `evaluate_function_paths` with one shared index."""
    context = _rule_context()
    if context is not None:
        ctx = context(snapshot=snapshot)
        results = [ctx.paths_to(address, port) for address, port in destinations]
    else:
        index = SnapshotIndex(snapshot)
        results = [
            evaluate.evaluate_function_paths(snapshot, address, port, index=index)
            for address, port in destinations
        ]
    counts: dict[str, int] = {}
    for per_subnet in results:
        for result in per_subnet:
            counts[result.verdict.value] = counts.get(result.verdict.value, 0) + 1
    return counts


def _rule_context() -> Any:
    """The package's RuleContext when it has the shared index and `paths_to`, else None."""
    try:
        module: Any = importlib.import_module("vpcprobe_collector.rules.context")
    except ImportError:
        return None
    context = getattr(module, "RuleContext", None)
    if context is None or not hasattr(context, "paths_to") or not hasattr(context, "index"):
        return None
    return context


def measure(size: Size, repeat: int) -> tuple[float, int, dict[str, int]]:
    """Best wall time of `repeat` runs (seconds), the path count, and the verdict tally."""
    snapshot, destinations = _built(size)
    best = float("inf")
    counts: dict[str, int] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        counts = evaluate_all(snapshot, destinations)
        best = min(best, time.perf_counter() - started)
    return best, sum(counts.values()), counts


_BUILT: dict[Size, tuple[VpcSnapshot, list[tuple[str, int]]]] = {}


def _built(size: Size) -> tuple[VpcSnapshot, list[tuple[str, int]]]:
    if size not in _BUILT:
        _BUILT[size] = build(size)
    return _BUILT[size]


def load_average() -> str:
    """The 1-minute load average, "1.23", or "?" where /proc/loadavg is missing."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except (OSError, IndexError):
        return "?"


# ---------------------------------------------------------------------------- workers

BASE = Size(destinations=1000)  # 16,000 paths: the 1,600-path case of earlier rounds x10
# Per-path cost when one dimension grows, against the same-shaped 1,600-path case: (name,
# field, factor, goal, the 1,600-path case).
SCALED = Size()
OVERLAPPING = replace(SCALED, overlapping=True)
GROWTH: tuple[tuple[str, str, int, float | None, Size], ...] = (
    ("entries_per_nacl", "entries_per_nacl", 10, 1.3, SCALED),
    # The same, with entries that hold the peers: each path's NACL hops then meet ten times
    # as many entries for their addresses (200 per direction is 5x the most AWS allows).
    ("entries_per_nacl overlapping the peers", "entries_per_nacl", 10, 1.3, OVERLAPPING),
    ("routes_per_table", "routes_per_table", 10, 1.3, SCALED),
    ("rules_per_group", "rules_per_group", 2, None, SCALED),
    ("security_groups", "security_groups", 2, None, SCALED),
    ("subnets", "subnets", 2, None, SCALED),
    ("nacls", "nacls", 2, None, SCALED),
    ("route_tables", "route_tables", 2, None, SCALED),
)


def _check_installed() -> str | None:
    """None when this process imports the installed copy it was given, else why not."""
    installed = os.environ.get("VPCPROBE_BENCH_INSTALLED", "")
    where = Path(importlib.import_module("vpcprobe_collector").__file__ or "").resolve()
    if installed and not where.is_relative_to(Path(installed).resolve()):
        return f"imported {where}, not the copy in {installed}"
    return None


def worker() -> int:
    """Answer one JSON request per line: {"size": {...}, "repeat": n} -> the timing (warm)."""
    wrong = _check_installed()
    if wrong is not None:
        print(json.dumps({"error": wrong}), flush=True)
        return 1
    _rule_context()  # imported before any timing, as the CLI has it
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        seconds, paths, counts = measure(Size(**request["size"]), request["repeat"])
        print(json.dumps({"seconds": seconds, "paths": paths, "counts": counts}), flush=True)
    return 0


def cold_worker(size_json: str) -> int:
    """Build the snapshot of one size, then time the first and only run (caches empty)."""
    wrong = _check_installed()
    if wrong is not None:
        print(json.dumps({"error": wrong}), flush=True)
        return 1
    _rule_context()  # imports are not part of the figure (bench/cli_startup.py has them)
    snapshot, destinations = build(Size(**json.loads(size_json)))
    started = time.perf_counter()
    counts = evaluate_all(snapshot, destinations)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "paths": sum(counts.values()), "counts": counts}))
    return 0


def _worker_env(installed: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(installed),
        "VPCPROBE_BENCH_INSTALLED": str(installed),
    }


def measure_cold(label: str, installed: Path, size: Size) -> tuple[float, int, dict[str, int]]:
    """One cold run of `size` in a fresh process importing the copy in `installed`."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--cold-worker", json.dumps(asdict(size))],
        stdout=subprocess.PIPE,
        text=True,
        env=_worker_env(installed),
        cwd=str(installed),
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    answer: dict[str, Any] = (
        json.loads(lines[-1]) if lines else {"error": f"exit {done.returncode}"}
    )
    if "error" in answer:
        raise SystemExit(f"{label}: {answer['error']}")
    return answer["seconds"], answer["paths"], answer["counts"]


class Worker:
    """A worker process importing one installed copy of the package."""

    def __init__(self, label: str, installed: Path) -> None:
        self.label = label
        self.installed = installed
        env = _worker_env(installed)
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(installed),
        )
        first = json.loads(self._line())
        if "error" in first:
            raise SystemExit(f"{label}: {first['error']}")

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{self.label}: the worker stopped")
        return line

    def measure(self, size: Size, repeat: int) -> tuple[float, int, dict[str, int]]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"size": asdict(size), "repeat": repeat}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self._line())
        return answer["seconds"], answer["paths"], answer["counts"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def install(source: Path, into: Path) -> Path:
    """pip-install the package at `source` (an exported tree, outside this checkout, so that
    its build folder is not this checkout's) into `into`, as users get it."""
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile"]
    subprocess.run([*pip, "--target", str(into), str(source)], check=True)
    return into


def checkout(ref: str, into: Path) -> Path:
    """The tree of git `ref` of this repository, exported into `into` (no work tree change)."""
    repo = Path(__file__).resolve().parents[1]
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(repo), "archive", ref], stdout=out, check=True)
    tree = into / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def moto_api_calls() -> str:
    """API calls of take_snapshot for 3 function subnets and 5 targets, against moto."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support
    try:
        scenarios: Any = importlib.import_module("tests.support.aws_scenarios")
        moto_server: Any = importlib.import_module("tests.support.moto_server")
        build: Any = importlib.import_module("vpcprobe_collector.snapshot.build")
    except ImportError as error:
        return f"skipped ({error})"
    isolate_from_aws()
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(moto_server.run_moto_server())
        os.environ["AWS_ENDPOINT_URL"] = server.url  # loopback only
        layout = scenarios.Layout(function_subnets=3, targets=5)
        scenario = scenarios.build_healthy(server.session(), layout)
        snapshot = build.take_snapshot(
            server.session(), scenario.function_name, target_addresses=scenario.target_addresses
        )
    per_api: dict[str, int] = {}
    for call in snapshot.api_calls:
        per_api[call.api] = per_api.get(call.api, 0) + 1
    detail = ", ".join(f"{api} {n}" for api, n in sorted(per_api.items()))
    goal = "met" if snapshot.api_call_count <= 20 else "MISSED"
    skipped = ", ".join(s.reason for s in snapshot.skipped) or "none"
    return (
        f"{snapshot.api_call_count} calls for 3 subnets and 5 targets (goal <= 20: {goal}); "
        f"skipped: {skipped}; {detail}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians count")
    parser.add_argument("--repeat", type=int, default=2, help="warm runs per measurement; best")
    parser.add_argument("--baseline", metavar="REF", help="also measure the package at git REF")
    parser.add_argument("--no-moto", action="store_true", help="skip the moto API-call count")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cold-worker", metavar="SIZE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker()
    if args.cold_worker:
        return cold_worker(args.cold_worker)

    repo = Path(__file__).resolve().parents[1]
    loads = [load_average()]
    with tempfile.TemporaryDirectory(prefix="vpcprobe-bench-") as tmp:
        root = Path(tmp)
        # What ships: the committed tree (HEAD), built and installed outside the checkout.
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if dirty:
            print(
                "static_scale: note: uncommitted changes are not measured (HEAD is)",
                file=sys.stderr,
            )
        (root / "head").mkdir()
        workers = [Worker("this tree", install(checkout("HEAD", root / "head"), root / "this"))]
        if args.baseline:
            tree = checkout(args.baseline, root)
            workers.append(Worker(args.baseline, install(tree, root / "baseline")))
        grown = [replace(base, **{f: getattr(base, f) * k}) for _, f, k, _, base in GROWTH]
        sizes = [BASE, SCALED, OVERLAPPING, *grown]
        for w in workers:  # warm-up: caches, allocator, each snapshot built once
            for size in sizes:
                w.measure(size, 1)
        # Per round, cold: the 16,000-path base, the packages taking turns, each run in a
        # fresh process; then per goal dimension the 1,600-path case and the grown case as
        # A B B A, so that a machine growing busier or quieter during the four slows both
        # sides alike. Then the same, warm, in the long-lived workers, for every dimension.
        cold_base: list[list[float]] = [[] for _ in workers]
        cold_ratios: list[list[list[float]]] = [[[] for _ in GROWTH] for _ in workers]
        base_times: list[list[float]] = [[] for _ in workers]
        ratios: list[list[list[float]]] = [[[] for _ in GROWTH] for _ in workers]
        paths = [0, 0]  # the 16,000-path case's count, the 1,600-path cases' count
        tally: dict[str, int] = {}
        for _ in range(args.rounds):
            for k, w in enumerate(workers):
                seconds, paths[0], tally = measure_cold(w.label, w.installed, BASE)
                cold_base[k].append(seconds)
            for n, (_name, _field, _factor, goal, base) in enumerate(GROWTH):
                if goal is None:
                    continue
                for k, w in enumerate(workers):
                    a1, paths[1], _ = measure_cold(w.label, w.installed, base)
                    b1, grown_paths, _ = measure_cold(w.label, w.installed, grown[n])
                    b2, _, _ = measure_cold(w.label, w.installed, grown[n])
                    a2, _, _ = measure_cold(w.label, w.installed, base)
                    cold_ratios[k][n].append(((b1 + b2) / grown_paths) / ((a1 + a2) / paths[1]))
            loads.append(load_average())
            for k, w in enumerate(workers):
                seconds, paths[0], tally = w.measure(BASE, args.repeat)
                base_times[k].append(seconds)
            for n, (_name, _field, _factor, _goal, base) in enumerate(GROWTH):
                for k, w in enumerate(workers):
                    a1, paths[1], _ = w.measure(base, args.repeat)
                    b1, grown_paths, _ = w.measure(grown[n], args.repeat)
                    b2, _, _ = w.measure(grown[n], args.repeat)
                    a2, _, _ = w.measure(base, args.repeat)
                    ratios[k][n].append(((b1 + b2) / grown_paths) / ((a1 + a2) / paths[1]))
            loads.append(load_average())
        for w in workers:
            w.close()

    load = f"load average {min(loads)}-{max(loads)} during the run"
    figures: list[Figure] = []
    for k, w in enumerate(workers):
        mine = k == 0
        label = f" [{w.label}]"
        cold = statistics.median(cold_base[k])
        warm = statistics.median(base_times[k])
        verdicts = ", ".join(f"{n} {v}" for v, n in sorted(tally.items()))
        figures.append(
            Figure(
                f"static evaluation, {paths[0]} paths, cold{label}",
                round(cold, 3),
                "s",
                goal="< 1 s" if mine else None,
                met=cold < 1 if mine else None,
                note=f"median of {args.rounds} fresh processes, first run: index build + "
                f"RuleContext.paths_to per destination, gc as users have it; "
                f"{cold / paths[0] * 1e6:.0f} us/path; per round: "
                + ", ".join(f"{t:.3f}" for t in cold_base[k])
                + f"; {BASE.destinations} destinations x {BASE.function_subnets} subnets; "
                f"{verdicts}; {load}",
            )
        )
        for n, (name, _field, factor, goal, _base) in enumerate(GROWTH):
            if goal is None:
                continue
            ratio = statistics.median(cold_ratios[k][n])
            figures.append(
                Figure(
                    f"  x{factor} {name}, cold: time per path vs the {paths[1]}-path case{label}",
                    round(ratio, 2),
                    "x",
                    goal=f"<= {goal}" if mine else None,
                    met=ratio <= goal if mine else None,
                    note="per round (A B B A, fresh processes): "
                    + ", ".join(f"{r:.2f}" for r in cold_ratios[k][n]),
                )
            )
        figures.append(
            Figure(
                f"  {paths[0]} paths, warm{label}",
                round(warm, 3),
                "s",
                note=f"median of {args.rounds} rounds of the best of {args.repeat} runs in one "
                f"long-lived worker (module caches warm, a new RuleContext each run); "
                f"{warm / paths[0] * 1e6:.0f} us/path",
            )
        )
        for n, (name, _field, factor, _goal, _base) in enumerate(GROWTH):
            ratio = statistics.median(ratios[k][n])
            figures.append(
                Figure(
                    f"  x{factor} {name}, warm: time per path vs the {paths[1]}-path case{label}",
                    round(ratio, 2),
                    "x",
                    note="per round: " + ", ".join(f"{r:.2f}" for r in ratios[k][n]),
                )
            )
    if len(workers) == 2:
        for what, times in (("cold", cold_base), ("warm", base_times)):
            speedups = [old / new for new, old in zip(times[0], times[1], strict=True)]
            figures.append(
                Figure(
                    f"  {paths[0]} paths, {what}: time of {workers[1].label} / time of this tree",
                    round(statistics.median(speedups), 2),
                    "x",
                    note="per round: " + ", ".join(f"{r:.2f}" for r in speedups),
                )
            )
    if not args.no_moto:
        figures.append(Figure("  snapshot api calls (moto)", None, "", note=moto_api_calls()))
    emit(figures, ["--json"] if args.json else [])
    if not args.json:
        print()
        print(headline(paths[0], statistics.median(cold_base[0]), cold_ratios[0], load))
    return 0


def headline(paths: int, seconds: float, ratios: list[list[float]], load: str) -> str:
    """The goals of issue 10 in three lines: the installed package, this tree's cold figures."""
    met = "met" if seconds < 1 else "NOT MET"
    lines = [f"{paths} paths, cold: {seconds:.2f} s (goal < 1 s: {met}; {load})"]
    for n, (name, _field, factor, goal, _base) in enumerate(GROWTH):
        if goal is None:
            continue
        ratio = statistics.median(ratios[n])
        verdict = "met" if ratio <= goal else "NOT MET"
        lines.append(
            f"x{factor} {name}, cold: {ratio:.2f}x the time per path (goal <= {goal}x: {verdict})"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
