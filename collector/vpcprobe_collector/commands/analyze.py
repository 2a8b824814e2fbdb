"""`vpcprobe analyze`: judge a saved snapshot and probe reports again, offline, no AWS access."""

from __future__ import annotations

import argparse
from pathlib import Path

from vpcprobe_collector import diagnosis as pipeline
from vpcprobe_collector.bundle import LIMITS_TEXT, read_bundle, read_snapshot_file
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.probing.files import read_probe_files
from vpcprobe_collector.probing.outcome import ProbeOutcome

NAME = "analyze"
HELP = "re-run the analysis offline on a --bundle zip or a saved snapshot and probe reports"
DESCRIPTION = (
    f"""\
Re-run the analysis offline, with no AWS access: on a bundle written by
`vpcprobe diagnose --bundle FILE.zip`, or on a snapshot plus probe reports:

  vpcprobe analyze FILE.zip
  vpcprobe analyze --snapshot snapshot.json --probe-result probe-1.json --target db:5432

Targets come from --target/--config, else from the bundle; without --probe-result they
must be IP addresses (nothing else says what a name resolves to inside the VPC). Output
options and exit codes are those of `vpcprobe diagnose`.

{LIMITS_TEXT} A bundle past a limit, damaged
or not vpcprobe's is refused in one line (exit 2) naming the member and the reason.
"""
    + pipeline.EXIT_CODES_HELP
)

NO_PROBE_NOTE = (
    "No probe report was given, so only the configuration was judged; add --probe-result "
    "FILE for what the function observes from inside the VPC."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """BUNDLE or --snapshot (+ --probe-result), targets and output options."""
    parser.add_argument("bundle_file", nargs="?", type=Path, metavar="BUNDLE.zip")
    parser.add_argument("--snapshot", type=Path, metavar="FILE", help="a saved VPC snapshot")
    parser.add_argument(
        "--probe-result", nargs="+", type=Path, default=[], metavar="FILE", help="probe reports"
    )
    pipeline.add_target_arguments(parser)
    pipeline.add_output_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Judge the saved facts and report them like diagnose does."""
    if (args.bundle_file is None) == (args.snapshot is None):
        raise BadInputError("give either a bundle (vpcprobe analyze FILE.zip) or --snapshot FILE")
    contract = pipeline.read_contract(args)
    targets = pipeline.resolve_targets(args.target, contract)
    threshold = pipeline.fail_on(args, contract)
    if args.bundle_file is not None:
        if args.probe_result:
            raise BadInputError("--probe-result goes with --snapshot, not with a bundle")
        bundle = read_bundle(args.bundle_file)
        snapshot = bundle.snapshot
        manifest = bundle.manifest
        outcome = ProbeOutcome(
            source=manifest.probe_source,
            reports=bundle.reports,
            failures=list(manifest.probe_failures),
        )
        targets = targets or list(manifest.targets)
        name = manifest.function_name
        region = manifest.region or snapshot.region
        notes = [n for n in manifest.notes if not n.startswith("No probe ran")]
    else:
        if not args.probe_result:
            pipeline.require_address_targets(targets, "analyze without --probe-result")
        snapshot = read_snapshot_file(args.snapshot)
        notes = []
        if args.probe_result:
            outcome = read_probe_files(args.probe_result)
        else:
            outcome = ProbeOutcome(source="none")
            notes.append(NO_PROBE_NOTE)
        name = snapshot.function.name if snapshot.function else "(function not read)"
        region = snapshot.region
    notes = list(dict.fromkeys([*pipeline.scope_notes(targets, args.target), *notes]))
    diagnosis = pipeline.build_diagnosis(
        snapshot=snapshot,
        outcome=outcome,
        targets=targets,
        function_name=name,
        region=region,
        notes=notes,
    )
    return pipeline.emit(diagnosis, args, threshold)
