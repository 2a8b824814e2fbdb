"""Running the probe on this host (e.g. an EC2 instance in the suspect's subnet) via its own CLI.

`python -m vpcprobe` runs in a child process: it redacts secrets from its report exactly as
in Lambda, and a step abandoned at the deadline (getaddrinfo has no timeout) cannot keep
this process from exiting.
"""

from __future__ import annotations

import subprocess
import sys

from vpcprobe.models import ProbeReport, ProbeRequest
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import ProbeFailure
from vpcprobe_collector.probing.outcome import ProbeOutcome
from vpcprobe_collector.probing.payload import parse_report

DEFAULT_DEADLINE_S = 30.0
GRACE_S = 30.0  # time past the probe's own deadline before the child is given up on


def probe_arguments(request: ProbeRequest, *, deadline_s: float) -> list[str]:
    """The `python -m vpcprobe` arguments that ask for `request`."""
    args: list[str] = []
    for target in request.targets:
        host = f"[{target.host}]" if ":" in target.host else target.host
        args += ["--target", f"{host}:{target.port}"]
    for name in request.dns_names:
        args += ["--dns-name", name]
    for server in request.nameservers:
        args += ["--nameserver", server]
    args += ["--timeout", f"{request.timeout_s:g}", "--deadline", f"{deadline_s:g}"]
    return args


def _relabel(report: ProbeReport, request: ProbeRequest) -> None:
    """Put the user's labels back on the TCP rows (the probe's CLI takes HOST:PORT only)."""
    labels = {(t.host, t.port): t.label for t in request.targets if t.label}
    for row in report.tcp:
        label = labels.get((row.host, row.port))
        if label:
            row.label = label


def run_local(request: ProbeRequest, *, deadline_s: float = DEFAULT_DEADLINE_S) -> ProbeOutcome:
    """Run every probe step here and return the report (or why there is none)."""
    command = [sys.executable, "-m", "vpcprobe", *probe_arguments(request, deadline_s=deadline_s)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=deadline_s + GRACE_S, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise BadInputError(
            f"the probe did not finish within {deadline_s + GRACE_S:g} s"
        ) from error
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise BadInputError(f"the probe could not run here: {lines[-1]}")
    result = parse_report(done.stdout, source="local")
    if isinstance(result, ProbeFailure):
        return ProbeOutcome(source="local", failures=[result])
    _relabel(result, request)
    return ProbeOutcome(source="local", reports=[result])
