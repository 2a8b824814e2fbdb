"""`vpcprobe diagnose`: snapshot the suspect's VPC, probe from inside it, name the cause, report."""

from __future__ import annotations

import argparse
import ipaddress
from pathlib import Path
from typing import Any

from vpcprobe_collector import diagnosis as pipeline
from vpcprobe_collector.aws import session_for
from vpcprobe_collector.contract import Contract
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import TargetSpec
from vpcprobe_collector.peers import add_peer_arguments, peer_roles
from vpcprobe_collector.probing.files import read_probe_files
from vpcprobe_collector.probing.outcome import ProbeOutcome
from vpcprobe_collector.probing.request import build_request

NAME = "diagnose"
HELP = "explain why a VPC-attached Lambda function cannot reach its targets"
DESCRIPTION = (
    """\
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

Several functions (`diagnose FN1 FN2 … --target …`) share their VPC, role and quota reads;
each gets its own report (text and Markdown one after another, JSON a list, SARIF and JUnit
one combined file).

The report goes to stdout (or --output); progress and a summary line go to stderr.

"""
    + pipeline.EXIT_CODES_HELP
)

DEFAULT_INVOCATIONS = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """FUNCTION, targets, probe source, invocation and output options."""
    parser.add_argument(
        "function",
        nargs="*",
        metavar="FUNCTION",
        help="the suspect function (name or ARN); several share their VPC reads",
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
    pipeline.add_output_arguments(parser)


def function_name(function: str) -> str:
    """The name part of a function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])."""
    parts = function.split(":")
    if function.startswith("arn:") and len(parts) >= 7:
        return parts[6]
    return function


def _default_probe_function(session: Any, function: str) -> tuple[str, int | None] | None:
    """The probe `vpcprobe deploy --like FUNCTION` made and its Timeout, or None."""
    from vpcprobe_collector.deploy import find_probe_configuration  # only when no probe named
    from vpcprobe_collector.probing.invoke import configured_timeout

    found = find_probe_configuration(session, function_name(function))
    if found is None:
        return None
    return str(found["FunctionName"]), configured_timeout(found)


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
    from vpcprobe_collector.probing.invoke import (
        ensure_wrapper_mode,
        function_timeout,
        invoke_probe,
        lambda_client,
    )
    from vpcprobe_collector.probing.local import run_local

    if args.no_probe:
        return ProbeOutcome(source="none")
    request = build_request(targets, timeout_s=args.timeout)
    if args.local:
        progress("running the probe on this host…")
        return run_local(request)
    if args.wrapped:
        own_timeout = ensure_wrapper_mode(client(session, "lambda"), function)
        progress(f"invoking {function} (wrapper mode), {invocations} times at once…")
        return invoke_probe(
            lambda_client(session, own_timeout),
            function,
            request,
            invocations=invocations,
            wrapped=True,
        )
    probe: str | None = args.probe_function
    timeout: int | None = None
    if probe is not None:
        timeout = function_timeout(client(session, "lambda"), probe)
    else:
        progress("looking for a probe function…")
        found = _default_probe_function(session, function)
        if found is not None:
            probe, timeout = found
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
    return invoke_probe(lambda_client(session, timeout), probe, request, invocations=invocations)


def _function_after_probe_results(args: argparse.Namespace) -> None:
    """`diagnose --probe-result a.json FN`: --probe-result takes every word after it, so a
    last word that is no file and no .json name is the function."""
    files = args.probe_result
    if not args.function and files and len(files) > 1:
        last = files[-1]
        if not last.exists() and last.suffix.lower() != ".json":
            args.function = [str(last)]
            args.probe_result = files[:-1]


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    """Snapshot, probe, judge, report; return the exit code."""
    contract = pipeline.read_contract(args)
    _function_after_probe_results(args)
    if len(args.function) > 1:
        return run_several(args, contract)
    function = args.function[0] if args.function else contract.function
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
    notes = pipeline.scope_notes(targets, args.target)
    session = session_for(args, function)
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


def run_several(args: argparse.Namespace, contract: Contract) -> int:
    """`diagnose FN1 FN2 …`: the same targets for each, each probed by its own probe, the
    functions' VPCs, roles and quota read once. One report per function, in the order given
    (text and Markdown one after another, JSON a list), or one combined SARIF or JUnit file."""
    functions = list(dict.fromkeys(args.function))
    if args.bundle is not None:
        raise BadInputError("--bundle takes one function; run diagnose once per bundle")
    if args.format == "html":
        raise BadInputError(
            "--format html shows one function; for several use `vpcprobe audit --format html`"
        )
    targets = pipeline.resolve_targets(args.target, contract)
    invocations = _invocations(args, contract)
    threshold = pipeline.fail_on(args, contract)
    if args.timeout is not None and not 0 < args.timeout <= 10:
        raise BadInputError(f"--timeout {args.timeout}: must be more than 0 and at most 10 seconds")
    if args.no_probe:
        pipeline.require_address_targets(targets, "--no-probe")
    if args.probe_result:
        raise BadInputError("--probe-result files belong to one function; name one function")
    notes = pipeline.scope_notes(targets)
    session = session_for(args, args.function[0])
    from vpcprobe_collector.snapshot.build import take_snapshots

    with pipeline.progress(args.quiet) as progress:
        outcomes = [
            get_probe_reports(args, session, f, targets, invocations, progress) for f in functions
        ]
        addresses = pipeline.resolved_addresses(
            [r for outcome in outcomes for r in outcome.reports], targets
        )
        progress(f"reading {len(functions)} functions and their VPCs…")
        snapshots = take_snapshots(
            session, functions, target_addresses=addresses, progress=progress
        )
        progress("judging…")
        diagnoses = [
            pipeline.build_diagnosis(
                snapshot=snapshot,
                outcome=outcome,
                targets=targets,
                function_name=snapshot.function.name if snapshot.function else function_name(f),
                region=snapshot.region or session.region_name,
                notes=notes,
            )
            for f, snapshot, outcome in zip(functions, snapshots, outcomes, strict=True)
        ]
    return emit_several(diagnoses, args, threshold)


def emit_several(diagnoses: list[Any], args: argparse.Namespace, threshold: Any) -> int:
    """Render several diagnoses; exit 1 when any has a problem at or above `threshold`, else
    the worst of their own exit codes."""
    import json
    import sys

    from vpcprobe_collector.report import render
    from vpcprobe_collector.report.redact import Pseudonyms, vpc_cidrs

    redact = bool(args.redact or args.redact_addresses)
    # One set of pseudonyms for the whole output: an address reads the same in every
    # diagnosis and summary line of it, and two addresses never share a pseudonym.
    names = Pseudonyms.for_vpcs([c for d in diagnoses for c in vpc_cidrs(d)])
    options: dict[str, Any] = {
        "redact": redact,
        "redact_addresses": bool(args.redact_addresses),
        "pseudonyms": names,
    }
    if args.format in ("sarif", "junit"):
        from vpcprobe_collector.report.redact import redact as redact_model
        from vpcprobe_collector.report.subjects import Run, from_diagnosis

        shown = [
            redact_model(d, addresses=bool(args.redact_addresses), pseudonyms=names)
            if redact
            else d
            for d in diagnoses
        ]
        runs = [from_diagnosis(d) for d in shown]
        combined = Run(
            command="diagnose",
            version=runs[0].version,
            subjects=[s for r in runs for s in r.subjects],
        )
        if args.format == "sarif":
            from vpcprobe_collector.report.sarif import render_sarif

            text = render_sarif(combined)
        else:
            from vpcprobe_collector.report.junit import render_junit

            text = render_junit(combined)
    elif args.format == "json":
        parts = [json.loads(render(d, "json", **options)) for d in diagnoses]
        text = json.dumps(parts, indent=2) + "\n"
    else:
        rule = "\n---\n\n" if args.format == "markdown" else "\n"
        text = rule.join(render(d, args.format, **options) for d in diagnoses)
    if args.output is not None:
        pipeline.write_file(args.output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if not args.quiet and (args.format != "text" or args.output is not None):
        for diagnosis in diagnoses:
            line = pipeline.render_summary(
                diagnosis, redact=redact, addresses=bool(args.redact_addresses), pseudonyms=names
            )
            print(("✓ " if not diagnosis.problems else "✗ ") + line, file=sys.stderr)
    codes = [pipeline.exit_code(d, threshold) for d in diagnoses]
    return 1 if 1 in codes else max(codes)
