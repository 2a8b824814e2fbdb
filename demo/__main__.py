"""`make demo`: vpcprobe's main job on a built-in scenario, with no AWS account.

1. moto (the AWS API stand-in) on 127.0.0.1, seeded with the demo account (demo/scenario.py);
2. the probe, run inside a lab network that mirrors the demo VPC (network namespaces, dnsmasq,
   nft; needs root), or else the ProbeReport recorded from that lab (demo/recorded-probe.json);
3. `vpcprobe diagnose orders-api`, printed here and written as demo-report.md and .html.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from demo.scenario import DB_IP, DNS_SERVER_IP, FUNCTION_NAME, TARGETS, seed
from tests.lab.vpc_lab import Lab, LabError, missing_requirements
from tests.support.moto_server import REGION, run_moto_server

ROOT = Path(__file__).resolve().parents[1]
RECORDED = Path(__file__).resolve().parent / "recorded-probe.json"
PROBE_TARGETS = [target.split("=", 1)[0] for target in TARGETS]


def say(text: str = "") -> None:
    print(text, flush=True)


def probe_in_lab(output: Path) -> None:
    """Run the real probe the Lambda way in a lab that has the demo VPC's DNS problem."""
    with Lab(function_address="10.20.10.25/24") as lab:
        corp_dns = lab.add_host("corp-dns", address=f"{DNS_SERVER_IP}/24")
        for protocol in ("udp", "tcp"):  # the server is there, and drops every query
            lab.block(corp_dns.address, proto=protocol, port=53)
        lab.set_forwarder(corp_dns.address)
        lab.write_resolv_conf(configured=[corp_dns.address])
        lab.add_target("orders-db", ports=[5432], address=f"{DB_IP}/24")
        run = lab.probe("handler", targets=PROBE_TARGETS, timeout_s=1.0, deadline_s=13.0)
        if run.returncode != 0:
            raise LabError(f"the probe exited {run.returncode}: {run.stderr[-2000:]}")
        output.write_text(run.stdout, encoding="utf-8")


def what_was_found(report: Path) -> list[str]:
    """One line per problem the run reported, from its JSON report (what this run found)."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return [f"the JSON report could not be read ({error})"]
    problems = [f for f in data.get("findings", []) if f.get("status") in ("fail", "error")]
    if not problems:
        return ["no problems: the scenario did not show what it was built to show"]
    return [f"{f['code']} {f['title']} ({f['severity']})" for f in problems]


def vpcprobe(args: list[str], env: dict[str, str]) -> int:
    """Run the real `vpcprobe` command, as a user would."""
    command = [sys.executable, "-m", "vpcprobe_collector", *args]
    return subprocess.run(command, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--recorded", action="store_true", help="use the recorded probe report, even as root"
    )
    parser.add_argument(
        "--output-dir", type=Path, default=ROOT, help="where the reports go (default: here)"
    )
    args = parser.parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    probe_file = out / "demo-probe.json"
    started = time.monotonic()
    say("vpcprobe demo: why can't the Lambda function 'orders-api' reach its database?")
    say()
    with run_moto_server() as moto:
        session = moto.session()
        ids = seed(session, moto.url)
        say(f"1. An AWS account stand-in (moto) at {moto.url} now holds VPC {ids.vpc_id}:")
        say(f"   DHCP options set {ids.dhcp_options_id} names one DNS server, {DNS_SERVER_IP};")
        say(f"   function {FUNCTION_NAME} runs in subnets {ids.subnets['private-a']} (routes to")
        say(f"   NAT gateway {ids.nat_gateway_id}) and {ids.subnets['private-b']} (no NAT route).")

        missing = "--recorded was given" if args.recorded else missing_requirements()
        if missing is None:
            say("2. Running the probe inside a lab network built like that VPC (namespaces,")
            say(f"   dnsmasq as Lambda's forwarder 169.254.78.1, {DNS_SERVER_IP} not answering)...")
            try:
                probe_in_lab(probe_file)
            except LabError as error:
                say(f"   the lab failed ({error}); using the recorded report instead.")
                shutil.copyfile(RECORDED, probe_file)
        else:
            say(f"2. The lab cannot run here ({missing}),")
            say(f"   so the demo uses the ProbeReport recorded from it: {RECORDED.name}.")
            shutil.copyfile(RECORDED, probe_file)

        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": moto.url,
            "AWS_ACCESS_KEY_ID": "demo",
            "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_SESSION_TOKEN", None)
        diagnose = ["diagnose", FUNCTION_NAME, "--probe-result", str(probe_file)]
        diagnose += [f"--target={target}" for target in TARGETS]
        say()
        say(f"3. $ vpcprobe {' '.join(diagnose[:2])} --probe-result {probe_file.name} \\")
        say("       " + " ".join(f"--target {t}" for t in TARGETS))
        say()
        code = vpcprobe(diagnose, env)
        for fmt, name in (
            ("markdown", "demo-report.md"),
            ("html", "demo-report.html"),
            ("json", "demo-report.json"),
        ):
            vpcprobe([*diagnose, "--quiet", "--format", fmt, "--output", str(out / name)], env)
    say()
    say(f"What you just saw (in {time.monotonic() - started:.0f} s):")
    for line in what_was_found(out / "demo-report.json"):
        say(f"- {line}")
    meaning = "problems at or above --fail-on (high)" if code == 1 else "see `vpcprobe --help`"
    say(f"`vpcprobe diagnose` exited {code}: {meaning}; 0 means healthy, so CI can gate on it.")
    say(f"The same report is in {out / 'demo-report.md'} (paste it into a ticket),")
    say(f"{out / 'demo-report.html'} and {out / 'demo-report.json'}.")
    say()
    say("Against your own account (AWS credentials in the usual places; `make layer` first,")
    say("for the probe layer that deploy publishes):")
    say("  .venv/bin/vpcprobe deploy --like YOUR_FUNCTION   # a probe with its exact VpcConfig")
    say("  .venv/bin/vpcprobe diagnose YOUR_FUNCTION --target HOST:PORT")
    say("  .venv/bin/vpcprobe destroy --like YOUR_FUNCTION")
    return 0


if __name__ == "__main__":
    sys.exit(main())
