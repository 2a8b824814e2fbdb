"""`vpcprobe diagnose`: snapshot the suspect's VPC, probe from inside it, name the cause, report."""

from __future__ import annotations

import argparse
import importlib
import ipaddress
from pathlib import Path
from typing import Any

from vpcprobe_collector import diagnosis as pipeline
from vpcprobe_collector.aws import make_session
from vpcprobe_collector.contract import Contract
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import TargetSpec
from vpcprobe_collector.peers import add_peer_arguments, peer_roles
from vpcprobe_collector.probing.files import read_probe_files
from vpcprobe_collector.probing.outcome import ProbeOutcome
from vpcprobe_collector.probing.request import build_request

NAME = "diagnose"
HELP = "explain why a VPC-attached Lambda function cannot reach its targets"
DESCRIPTION = """\
Explain why a VPC-attached Lambda function cannot reach its targets.

Reads the function and everything its traffic depends on, gets probe reports from inside
the VPC, joins what was observed with what the configuration allows, and prints one block
per problem with the exact fix (nothing but one line when all is well).

Probe source (one of; default: the probe function `vpcprobe deploy --like FUNCTION` made):
  --probe-function NAME   invoke a probe function configured like the suspect
  --wrapped               invoke the suspect itself in wrapper mode (`vpcprobe wrap`)
  --probe-result FILE...  saved probe reports (python -m vpcprobe on an EC2 instance, ...)
  --local                 run the probe on this host
  --no-probe              configuration only (targets must be IP addresses)

--config FILE, a connectivity contract kept in your repository (TOML, or the same in YAML;
command-line options win over its defaults):
  function = "orders-api"            # optional defaults: function, invocations, fail_on
  fail_on = "medium"
  [[targets]]
  host = "db.orders.internal"
  port = 5432
  label = "orders-db"
  expect = "reachable"               # or "blocked": a violated expectation is a finding

The report goes to stdout (or --output); progress and a summary line go to stderr.
Exit codes: 0 healthy, 1 problems at or above --fail-on, 2 bad input, 3 AWS access problem.
"""

DEFAULT_INVOCATIONS = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """FUNCTION, targets, probe source, invocation and output options."""
    parser.add_argument(
        "function", nargs="?", metavar="FUNCTION", help="the suspect function (name or ARN)"
    )
    pipeline.add_target_arguments(parser)
    add_peer_arguments(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--probe-function", metavar="NAME", help="invoke this probe function")
    source.add_argument(
        "--wrapped", action="store_true", help="invoke the suspect itself in wrapper mode"
    )
    source.add_argument(
        "--probe-result",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="saved probe report JSON files",
    )
    source.add_argument("--local", action="store_true", help="run the probe on this host")
    source.add_argument(
        "--no-probe", action="store_true", help="judge the configuration only (IP targets)"
    )
    parser.add_argument(
        "--invocations",
        type=int,
        metavar="N",
        help=f"concurrent invocations (several environments; default {DEFAULT_INVOCATIONS})",
    )
    parser.add_argument(
        "--timeout", type=float, metavar="S", help="the probe's per-step timeout in seconds"
    )
    parser.add_argument("--region", help="AWS region (default: AWS_REGION or your profile's)")
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE)")
    pipeline.add_output_arguments(parser)


def function_name(function: str) -> str:
    """The name part of a function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])."""
    parts = function.split(":")
    if function.startswith("arn:") and len(parts) >= 7:
        return parts[6]
    return function


def _default_probe_function(session: Any, function: str) -> str | None:
    """The probe `vpcprobe deploy --like FUNCTION` made, when the deploy module is installed."""
    try:
        deploy = importlib.import_module("vpcprobe_collector.deploy")
    except ImportError:
        return None
    finder = getattr(deploy, "find_probe_function", None)
    if finder is None:
        return None
    found = finder(session, function_name(function))
    return str(found) if found else None


def _invocations(args: argparse.Namespace, contract: Contract) -> int:
    count = args.invocations
    if count is None:
        count = contract.invocations or DEFAULT_INVOCATIONS
    if not 1 <= count <= 50:
        raise BadInputError(f"--invocations {count}: must be 1..50")
    return int(count)


def get_probe_reports(
    args: argparse.Namespace,
    session: Any,
    function: str,
    targets: list[TargetSpec],
    invocations: int,
    progress: pipeline.Progress,
) -> ProbeOutcome:
    """Probe reports from the chosen source (files were read before any AWS call)."""
    from vpcprobe_collector.aws import client
    from vpcprobe_collector.probing.invoke import ensure_wrapper_mode, invoke_probe, lambda_client
    from vpcprobe_collector.probing.local import run_local

    if args.no_probe:
        return ProbeOutcome(source="none")
    request = build_request(targets, timeout_s=args.timeout)
    if args.local:
        progress("running the probe on this host…")
        return run_local(request)
    if args.wrapped:
        ensure_wrapper_mode(client(session, "lambda"), function)
        progress(f"invoking {function} (wrapper mode), {invocations} times at once…")
        return invoke_probe(
            lambda_client(session), function, request, invocations=invocations, wrapped=True
        )
    probe = args.probe_function
    if probe is None:
        progress("looking for a probe function…")
        probe = _default_probe_function(session, function)
    if probe is None:
        name = function_name(function)
        return ProbeOutcome(
            source="none",
            notes=[
                f"No probe ran, so only the configuration was judged. For evidence from inside "
                f"the VPC: `vpcprobe deploy --like {name}` then run diagnose again, or pass "
                "--wrapped, --probe-result FILE or --local."
            ],
        )
    progress(f"invoking {probe}, {invocations} times at once…")
    return invoke_probe(lambda_client(session), probe, request, invocations=invocations)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    """Snapshot, probe, judge, report; return the exit code."""
    contract = pipeline.read_contract(args)
    function = args.function or contract.function
    if not function:
        raise BadInputError(
            "name the suspect function: vpcprobe diagnose FUNCTION (or `function` in --config)"
        )
    targets = pipeline.resolve_targets(args.target, contract)
    roles = peer_roles(args.assume_role, contract.peers)
    invocations = _invocations(args, contract)
    threshold = pipeline.fail_on(args, contract)
    if args.timeout is not None and not 0 < args.timeout <= 10:
        raise BadInputError(f"--timeout {args.timeout}: must be more than 0 and at most 10 seconds")
    if args.no_probe:
        pipeline.require_address_targets(targets, "--no-probe")
    files = read_probe_files(args.probe_result) if args.probe_result else None
    notes = pipeline.scope_notes(targets)
    session = make_session(args.profile, args.region)
    from vpcprobe_collector.snapshot.build import take_snapshot

    with pipeline.progress(args.quiet) as progress:
        if files is not None:
            outcome = files
        else:
            outcome = get_probe_reports(args, session, function, targets, invocations, progress)
        addresses = pipeline.resolved_addresses(outcome.reports, targets)
        progress(f"reading {function_name(function)} and its VPC…")
        snapshot = take_snapshot(
            session,
            function,
            target_addresses=addresses,
            target_names=[t.host for t in targets if not _is_address(t.host)],
            peer_roles=roles,
            progress=progress,
        )
        progress("judging…")
        diagnosis = pipeline.build_diagnosis(
            snapshot=snapshot,
            outcome=outcome,
            targets=targets,
            function_name=snapshot.function.name if snapshot.function else function_name(function),
            region=snapshot.region or session.region_name,
            notes=notes,
        )
    return pipeline.emit(diagnosis, args, threshold)
