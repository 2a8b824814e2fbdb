"""`vpcprobe probe`: run the probe on this host and write its report (for --probe-result later)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vpcprobe_collector.contract import parse_target
from vpcprobe_collector.diagnosis import write_file
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.probing.local import DEFAULT_DEADLINE_S, run_local
from vpcprobe_collector.probing.request import build_request

NAME = "probe"
HELP = "run the probe on this host and write its report (JSON)"
DESCRIPTION = """\
Run the probe on this host (for example an EC2 instance in the suspect's subnet and
security group: the classic way to tell a Lambda problem from a network problem) and
write the ProbeReport JSON, for `vpcprobe diagnose --probe-result FILE` later.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Targets, extra names and servers, timeout, output file."""
    parser.add_argument(
        "--target", action="append", default=[], metavar="HOST:PORT[=LABEL]", help="connect here"
    )
    parser.add_argument(
        "--dns-name", action="append", default=[], metavar="NAME", help="also resolve this name"
    )
    parser.add_argument(
        "--nameserver", action="append", default=[], metavar="IP", help="also ask this server"
    )
    parser.add_argument("--timeout", type=float, metavar="S", help="per-step timeout in seconds")
    parser.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_DEADLINE_S,
        metavar="S",
        help=f"the whole probe ends after S seconds (default {DEFAULT_DEADLINE_S:g})",
    )
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report here")


def run(args: argparse.Namespace) -> int:
    """Probe, print or write the report; 0 unless the input was bad."""
    from vpcprobe.facts import url_label, url_target

    targets = []
    notes = []
    for text in args.target:
        try:
            targets.append(parse_target(text))
            from_url = url_target(url_label(text)[0])
        except ValueError as error:
            raise BadInputError(f"--target {error}") from error
        if from_url is not None:
            notes.append(from_url[1])
    if args.timeout is not None and not 0 < args.timeout <= 10:
        raise BadInputError(f"--timeout {args.timeout}: must be more than 0 and at most 10 seconds")
    request = build_request(
        targets, timeout_s=args.timeout, dns_names=args.dns_name, nameservers=args.nameserver
    )
    if not 0 < args.deadline <= 900:
        raise BadInputError(f"--deadline {args.deadline}: must be more than 0 and at most 900")
    for note in notes:  # the report holds facts only: how a URL was read goes to stderr
        print(f"vpcprobe: note: {note}", file=sys.stderr)
    outcome = run_local(request, deadline_s=args.deadline)
    if not outcome.reports:
        raise BadInputError(f"the probe gave no report: {outcome.failures[0].message}")
    report = outcome.reports[0]
    text = report.model_dump_json(indent=2) + "\n"
    if args.output is not None:
        write_file(args.output, text)
        print(f"probe report written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
