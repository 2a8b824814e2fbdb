"""`make demo` as a newcomer runs it: the main job on the built-in scenario, end to end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.lab.vpc_lab import missing_requirements

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DemoRun:
    """What `python -m demo` printed, and the session it ran in (its own: see `run_demo`)."""

    returncode: int
    stdout: str
    stderr: str
    session: int


def run_demo(tmp_path: Path, *args: str) -> DemoRun:
    """Run the demo in a session of its own, so that what it leaves behind can be told apart
    from the processes of tests running beside it (pytest-xdist workers)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VPCPROBE_"))}
    with subprocess.Popen(
        [sys.executable, "-m", "demo", "--output-dir", str(tmp_path), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    return DemoRun(process.returncode, stdout, stderr, session=process.pid)


def _in_session(session: int) -> set[str]:
    """Processes still in `session` (a demo's own, whatever they are), as "pid N: command"."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, UnicodeDecodeError):
            continue  # gone meanwhile
        if int(fields[3]) == session:  # after "pid (comm)": state, ppid, pgrp, session
            found.add(f"pid {stat.parent.name}: {command.strip()}")
    return found


def lab_leftovers(session: int | None = None) -> set[str]:
    """Namespaces, /etc/netns folders and lab moto servers that exist right now, and every
    process still in the demo's session when one is given (moto for the account, the lab's
    helpers): never the moto servers other tests started meanwhile."""
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    found = {f"netns {line.split()[0]}" for line in names.stdout.splitlines() if line.strip()}
    netns_etc = Path("/etc/netns")
    if netns_etc.is_dir():
        found |= {f"/etc/netns/{entry.name}" for entry in netns_etc.iterdir()}
    motos = subprocess.run(["pgrep", "-f", "moto.server"], capture_output=True, text=True)
    found |= {f"moto pid {pid}" for pid in motos.stdout.split()}
    return found if session is None else found | _in_session(session)


def assert_demo_explains_the_scenario(result: DemoRun, out: Path) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout
    # The brief's case, named with the real DHCP options set and server.
    assert "DNS002 custom-dhcp-dns-unreachable" in text
    assert "DNS server 10.20.1.10, named by DHCP options set dopt-" in text
    # The second subnet's missing NAT route, with the command that fixes it.
    assert "RTE001 no-route-to-internet" in text
    assert "aws ec2 create-route --route-table-id rtb-" in text
    assert "Against your own account" in text
    # The closing summary is what this run found, read back from its JSON report.
    assert "- DNS002 The VPC's custom DNS server does not answer (critical)" in text
    assert "- RTE001 A function subnet has no route to the internet (high)" in text
    report = json.loads((out / "demo-report.json").read_text(encoding="utf-8"))
    assert {"DNS002", "RTE001"} <= {f["code"] for f in report["findings"] if f["status"] == "fail"}
    markdown = (out / "demo-report.md").read_text(encoding="utf-8")
    assert "DNS002" in markdown and "configured nameserver 10.20.1.10" in markdown
    html = (out / "demo-report.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>") and "DNS002" in html


def test_demo_with_the_recorded_probe_report(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "--recorded")
    assert "uses the ProbeReport recorded from it" in result.stdout
    assert_demo_explains_the_scenario(result, tmp_path)
    assert _in_session(result.session) == set()  # its moto for the account is gone too


@pytest.mark.lab
def test_demo_runs_the_probe_in_the_lab(tmp_path: Path) -> None:
    missing = missing_requirements()
    if missing:
        pytest.skip(missing)
    before = lab_leftovers()
    result = run_demo(tmp_path)
    # Namespaces, their /etc/netns, moto, anything else the demo started: all gone.
    assert lab_leftovers(result.session) - before == set()
    assert "Running the probe inside a lab network" in result.stdout
    assert "using the recorded report instead" not in result.stdout
    assert_demo_explains_the_scenario(result, tmp_path)
    probe = (tmp_path / "demo-probe.json").read_text(encoding="utf-8")
    assert '"dns_failed"' in probe  # the application-level lookups failed for real
