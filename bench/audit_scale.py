"""`vpcprobe audit` at scale against moto: AWS calls and wall time for 1, 50 and 500 functions
in 2 and 20 VPCs, and 100 accounts x 4 regions through assumed roles.

Seeds moto directly, then runs the installed `vpcprobe` command (the console script next to
this interpreter, or --vpcprobe PATH, e.g. one installed from the wheel into another venv)
through a loopback proxy that counts every request the stand-in receives. The call budget is
15 per VPC + 3 per function + 5 per distinct role + 10 (per account and region for the
multi-account case). Wall time is relative to one `vpcprobe --version` measured in the same
run (start-up cost), so the figures compare across machines.

Run: .venv/bin/python bench/audit_scale.py [--json] [--quick] [--vpcprobe PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from local_aws import isolate_from_aws  # noqa: E402

isolate_from_aws()  # before boto3 is imported

import boto3  # noqa: E402
from figures import Figure, emit  # noqa: E402

from tests.support.counting_proxy import run_counting_proxy  # noqa: E402
from tests.support.fleet_seed import (  # noqa: E402
    AZS,
    ENI_ACTIONS,
    LOG_ACTIONS,
    build_scaled,
    make_function,
    make_role,
    make_vpc,
    private_subnet,
)
from tests.support.moto_server import run_moto_server  # noqa: E402

SIZES = ((1, 1), (50, 2), (50, 20), (500, 2), (500, 20))
QUICK_SIZES = ((1, 1), (50, 2), (50, 20))
ACCOUNTS, REGIONS = 100, ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1")
ROLE = "vpcprobe-auditor"


def run_audit(vpcprobe: str, env: dict[str, str], *args: str) -> tuple[float, int, dict]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "audit.json"
        started = time.perf_counter()
        result = subprocess.run(
            [vpcprobe, "audit", "--format", "json", "-o", str(out), "-q", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.perf_counter() - started
        if not out.exists():
            raise SystemExit(f"audit failed ({result.returncode}): {result.stderr[-400:]}")
        return took, result.returncode, json.loads(out.read_text())


def startup(vpcprobe: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([vpcprobe, "--version"], env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def in_account(account: str) -> boto3.Session:
    credentials = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench-seed"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )


def seed_accounts(count: int) -> list[str]:
    accounts = [f"{200000000000 + i:012d}" for i in range(count)]
    for account in accounts:
        session = in_account(account)
        role = make_role(session, "fn-role", ENI_ACTIONS + LOG_ACTIONS)
        vpc = make_vpc(session, "10.7")
        subnets = [
            private_subnet(session, vpc, "10.7.1.0/24", AZS[0]),
            private_subnet(session, vpc, "10.7.2.0/24", AZS[1]),
        ]
        for n in range(2):
            make_function(session, f"fn-{n}", role, subnets, [vpc["function_sg"]])
    return accounts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="skip the 500-function sizes")
    parser.add_argument("--accounts", type=int, default=ACCOUNTS)
    parser.add_argument("--accounts-only", action="store_true", help="only the accounts case")
    parser.add_argument(
        "--vpcprobe", default=str(Path(sys.executable).with_name("vpcprobe")), help="the command"
    )
    args = parser.parse_args()
    figures: list[Figure] = []
    ok = True
    sizes = () if args.accounts_only else QUICK_SIZES if args.quick else SIZES
    for functions, vpcs in sizes:
        with run_moto_server() as moto:
            os.environ["AWS_ENDPOINT_URL"] = moto.url
            build_scaled(moto.session(), functions, vpcs)
            with run_counting_proxy(moto.url) as proxy:
                env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url}
                base = startup(args.vpcprobe, env)
                proxy.reset()
                took, code, report = run_audit(args.vpcprobe, env)
                calls = proxy.total
        budget = 15 * vpcs + 3 * functions + 5 * 1 + 10
        met = calls <= budget and report["summary"]["functions"] == functions and code == 0
        ok &= met
        figures.append(
            Figure(
                f"audit calls, {functions} functions in {vpcs} VPCs",
                calls,
                "calls",
                goal=f"<= {budget}",
                met=met,
                note=f"{calls / functions:.2f} per function",
            )
        )
        figures.append(
            Figure(
                f"audit wall time, {functions} functions in {vpcs} VPCs",
                round(took, 2),
                "s",
                note=f"{took / base:.1f}x one `vpcprobe --version` ({base:.2f} s)",
            )
        )
    with run_moto_server() as moto:
        os.environ["AWS_ENDPOINT_URL"] = moto.url
        accounts = seed_accounts(args.accounts)
        with tempfile.TemporaryDirectory() as scratch:
            listing = Path(scratch) / "accounts.txt"
            listing.write_text("\n".join(accounts) + "\n")
            with run_counting_proxy(moto.url) as proxy:
                env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url}
                base = startup(args.vpcprobe, env)
                proxy.reset()
                region_args = [a for r in REGIONS for a in ("--region", r)]
                took, code, report = run_audit(
                    args.vpcprobe,
                    env,
                    "--accounts",
                    str(listing),
                    "--role-name",
                    ROLE,
                    *region_args,
                )
                calls = proxy.total
    pairs = args.accounts * len(REGIONS)
    budget = args.accounts * (15 + 3 * 2 + 5 + 10) + pairs * 10
    met = (
        calls <= budget
        and report["summary"]["functions"] == 2 * args.accounts
        and not report["scopes_unread"]
        and code == 0
    )
    ok &= met
    figures.append(
        Figure(
            f"audit calls, {args.accounts} accounts x {len(REGIONS)} regions (2 functions each)",
            calls,
            "calls",
            goal=f"<= {budget}",
            met=met,
        )
    )
    figures.append(
        Figure(
            f"audit wall time, {args.accounts} accounts x {len(REGIONS)} regions",
            round(took, 2),
            "s",
            note=f"{took / base:.1f}x one `vpcprobe --version` ({base:.2f} s)",
        )
    )
    emit(figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
