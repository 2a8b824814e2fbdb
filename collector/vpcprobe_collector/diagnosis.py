"""The pipeline `diagnose` and `analyze` share: targets in, judgement, one DiagnosisReport out.

Output streams (pip-audit's split): the report goes to stdout (or --output FILE); progress
and, when the report is not terminal text on stdout, a one-line summary go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from vpcprobe import __version__
from vpcprobe.facts import url_target
from vpcprobe.models import ProbeReport, RecordType, is_ip, target_display
from vpcprobe_collector.contract import Contract, load_contract, parse_target
from vpcprobe_collector.errors import BadInputError, ExitCode
from vpcprobe_collector.findings.model import (
    DiagnosisReport,
    Finding,
    ProbeFailure,
    Severity,
    TargetJoin,
    TargetSpec,
    Unjudged,
)
from vpcprobe_collector.findings.outcome import diagnosis_exit_code, unjudged_of
from vpcprobe_collector.probing.outcome import ProbeOutcome
from vpcprobe_collector.report import FORMATS, Format, render
from vpcprobe_collector.report.redact import Pseudonyms
from vpcprobe_collector.report.summary import summary_line
from vpcprobe_collector.rules import engine
from vpcprobe_collector.snapshot.model import VpcSnapshot

Progress = Callable[[str], None]


# ---------------------------------------------------------------------------- arguments


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """--target and --config, shared by diagnose and analyze."""
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="HOST:PORT[=LABEL]",
        help="a place the function should reach (repeatable); IPv6 as [ADDR]:PORT",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a connectivity contract (TOML or YAML): targets with labels and expectations",
    )


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Report format, destination, redaction, bundle and exit-code threshold."""
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format")
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report here")
    parser.add_argument(
        "--redact", action="store_true", help="mask account IDs (also inside ARNs) in the report"
    )
    parser.add_argument(
        "--redact-addresses",
        action="store_true",
        help="also replace IP addresses with stable pseudonyms (10.x.A.1; implies --redact)",
    )
    parser.add_argument(
        "--bundle",
        type=Path,
        metavar="FILE.zip",
        help="also write snapshot, probe reports and the JSON and Markdown reports into a zip",
    )
    parser.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        default=None,
        help="exit 1 when a problem of this severity or worse is found (default: high)",
    )
    add_allow_incomplete_argument(parser)
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress or summary on stderr; nothing on stdout when healthy (text format)",
    )


EXIT_CODES_HELP = """\
Exit codes (the same for every command that judges):
  0  healthy and complete: everything the verdict depends on was read and judged
  1  a problem at or above --fail-on was found (takes precedence over 4)
  2  bad input (arguments, files, names)
  3  AWS credentials, or a read the whole run cannot do without (lambda:GetFunction)
  4  incomplete: nothing at or above --fail-on failed, but something a verdict depends on
     could not be read or judged (a denied or malformed read, a path left unknown);
     --allow-incomplete turns 4 into 0
"""


def add_allow_incomplete_argument(parser: argparse.ArgumentParser) -> None:
    """--allow-incomplete, for every command that judges."""
    parser.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="exit 0 instead of 4 when nothing failed but not everything could be judged",
    )


def read_contract(args: argparse.Namespace) -> Contract:
    """The --config file, or an empty contract."""
    return load_contract(args.config) if args.config else Contract()


def resolve_targets(cli_targets: Sequence[str], contract: Contract) -> list[TargetSpec]:
    """Targets from the contract, then --target ones (a repeated host:port keeps the first)."""
    specs = contract.target_specs()
    for text in cli_targets:
        try:
            specs.append(parse_target(text))
        except ValueError as error:
            raise BadInputError(f"--target {error}") from error
    unique: dict[tuple[str, int, str], TargetSpec] = {}
    for spec in specs:
        unique.setdefault((spec.host.lower().rstrip("."), spec.port, spec.protocol), spec)
    return list(unique.values())


def fail_on(args: argparse.Namespace, contract: Contract) -> Severity:
    """--fail-on, else the contract's fail_on, else high."""
    if args.fail_on:
        return Severity(args.fail_on)
    return contract.fail_on or Severity.HIGH


def require_address_targets(targets: Sequence[TargetSpec], without_probe: str) -> None:
    """Refuse name targets when no probe report will come: nothing would resolve them as the
    function would, so they could not be checked. `without_probe` names the situation
    ("--no-probe", "analyze without --probe-result")."""
    names = [t.host for t in targets if not is_ip(t.host)]
    if names:
        raise BadInputError(
            f"{without_probe} needs IP address targets, but {names[0]} is a name "
            "(without a probe nothing resolves it as the function would)"
        )


NO_TARGETS_NOTE = (
    "No targets were given, so only the function's own setup was checked; "
    "add --target HOST:PORT (or a --config file) to check a connection."
)


def scope_notes(targets: Sequence[TargetSpec], cli_targets: Sequence[str] = ()) -> list[str]:
    """Notes on what the run did not cover: no targets means no connection was checked; a
    URL target is checked as its host and port only."""
    notes = [] if targets else [NO_TARGETS_NOTE]
    for text in cli_targets:
        from_url = url_target(text)
        if from_url is not None:
            notes.append(from_url[1])
    return notes


# ---------------------------------------------------------------------------- progress


@contextlib.contextmanager
def progress(quiet: bool) -> Iterator[Progress]:
    """Each step on the terminal's progress line (vpcprobe_collector.progress, which also
    names every AWS call waited for); nothing when quiet or when stderr is not a terminal."""
    if quiet:
        yield lambda _message: None
        return
    from vpcprobe_collector import progress as line

    try:
        yield line.status
    finally:
        line.status("")


# ---------------------------------------------------------------------------- judgement


def resolved_addresses(reports: Sequence[ProbeReport], targets: Sequence[TargetSpec]) -> list[str]:
    """Addresses whose ENIs the snapshot should read: IP targets, what the probe resolved for
    them, and the DNS servers the probe used (first-seen order)."""
    hosts = {t.host.lower().rstrip(".") for t in targets}
    found: list[str] = [t.host for t in targets if is_ip(t.host)]
    for report in reports:
        for tcp in report.tcp:
            if tcp.address and tcp.host.lower().rstrip(".") in hosts:
                found.append(tcp.address)
        for dns in report.dns:
            if dns.record_type in (RecordType.A, RecordType.AAAA) and (
                dns.name.lower().rstrip(".") in hosts
            ):
                found.extend(a for a in dns.answers if is_ip(a))
        # The DNS servers the probe was told about, so their ENIs (and security groups) are read.
        servers = [d.server for d in report.dns]
        if report.resolv_conf:
            servers += report.resolv_conf.nameservers + report.resolv_conf.configured_nameservers
        found.extend(s for s in servers if is_ip(s) and not _link_local(s))
    return list(dict.fromkeys(found))


def _link_local(address: str) -> bool:
    """169.254.78.1 (Lambda's forwarder) and loopback have no ENI to read."""
    ip = ipaddress.ip_address(address)
    return ip.is_link_local or ip.is_loopback


def judge_facts(
    snapshot: VpcSnapshot,
    reports: Sequence[ProbeReport],
    targets: Sequence[TargetSpec],
    failures: Sequence[ProbeFailure],
) -> tuple[list[TargetJoin], list[Finding]]:
    """The rules' verdict (rules.engine.judge)."""
    return engine.judge(snapshot, reports, targets, probe_failures=failures)


def build_diagnosis(
    *,
    snapshot: VpcSnapshot,
    outcome: ProbeOutcome,
    targets: Sequence[TargetSpec],
    function_name: str,
    region: str | None,
    notes: Sequence[str] = (),
    judge: Callable[..., tuple[list[TargetJoin], list[Finding]]] | None = None,
) -> DiagnosisReport:
    """Judge the facts and gather everything into one DiagnosisReport (stable ordering)."""
    joins, findings = (judge or judge_facts)(snapshot, outcome.reports, targets, outcome.failures)
    findings = engine.sort_findings(list(findings))
    uncovered = uncovered_targets(outcome.reports, targets)
    return DiagnosisReport(
        vpcprobe_version=__version__,
        generated_at=datetime.now(UTC),
        function_name=function_name,
        region=region,
        probe_source=outcome.source,
        snapshot=snapshot,
        probe_reports=list(outcome.reports),
        probe_failures=list(outcome.failures),
        targets=list(targets),
        joins=list(joins),
        findings=findings,
        unjudged=[
            *unjudged_of(snapshot, joins, findings, optional_reads=engine.fallback_inputs()),
            *uncovered,
        ],
        notes=[*outcome.notes, *notes],
    )


def uncovered_targets(
    reports: Sequence[ProbeReport], targets: Sequence[TargetSpec]
) -> list[Unjudged]:
    """TCP targets that probe reports exist for but none of them tried: said so (the run is
    incomplete), never judged from the configuration alone as if the probe had looked."""
    if not reports:
        return []
    tried = {(tcp.host.lower().rstrip("."), tcp.port) for report in reports for tcp in report.tcp}
    return [
        Unjudged(
            subject=target.display,
            reason=(
                f"the probe {'reports given hold' if len(reports) > 1 else 'report given holds'} "
                f"no connection to "
                f"{target_display(target.host, target.port)}: probe it (diagnose, or "
                "--probe-result with a report that has this target) to judge it"
            ),
            api="probe.tcp",
        )
        for target in targets
        if target.protocol == "tcp" and (target.host.lower().rstrip("."), target.port) not in tried
    ]


def exit_code(
    diagnosis: DiagnosisReport, threshold: Severity, *, allow_incomplete: bool = False
) -> ExitCode:
    """1 for a problem at or above `threshold`, else 4 when incomplete (0 with
    `allow_incomplete`), else 0 (findings.outcome.decide_exit)."""
    return diagnosis_exit_code(diagnosis, threshold, allow_incomplete=allow_incomplete)


# ---------------------------------------------------------------------------- output


def _use_color(args: argparse.Namespace) -> bool:
    """--color always|never; auto (the default): a terminal on stdout and no NO_COLOR."""
    if args.format != "text" or args.output is not None:
        return False
    choice = getattr(args, "color", "auto")
    if choice != "auto":
        return bool(choice == "always")
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def write_file(path: Path, text: str) -> None:
    """Write `text` to `path`; a path that cannot be written is bad input, not a traceback."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"{path}: cannot write: {error.strerror}") from error


def emit(diagnosis: DiagnosisReport, args: argparse.Namespace, threshold: Severity) -> int:
    """Render, write (stdout or --output, plus --bundle) and return the exit code."""
    redact = bool(args.redact or args.redact_addresses)
    fmt = cast(Format, args.format)
    text = render(
        diagnosis,
        fmt,
        redact=redact,
        redact_addresses=bool(args.redact_addresses),
        color=_use_color(args),
    )
    healthy = not diagnosis.problems and diagnosis.complete
    if args.output is not None:
        write_file(args.output, text)
    elif not (args.quiet and healthy and fmt == "text"):
        sys.stdout.write(text)
        sys.stdout.flush()
    if args.bundle is not None:
        from vpcprobe_collector.bundle import write_bundle

        write_bundle(
            args.bundle, diagnosis, redact=redact, redact_addresses=bool(args.redact_addresses)
        )
    if not args.quiet and (fmt != "text" or args.output is not None):
        shown = render_summary(diagnosis, redact=redact, addresses=bool(args.redact_addresses))
        print(summary_mark(diagnosis) + shown, file=sys.stderr)
        if args.output is not None:
            print(f"report written to {args.output}", file=sys.stderr)
    if args.bundle is not None and not args.quiet:
        print(f"bundle written to {args.bundle}", file=sys.stderr)
    return int(
        exit_code(
            diagnosis, threshold, allow_incomplete=bool(getattr(args, "allow_incomplete", False))
        )
    )


def summary_mark(diagnosis: DiagnosisReport) -> str:
    """✓ only for a complete run without problems; ✗ for problems; ! for incomplete."""
    if diagnosis.problems:
        return "✗ "
    return "✓ " if diagnosis.complete else "! "


def render_summary(
    diagnosis: DiagnosisReport,
    *,
    redact: bool,
    addresses: bool,
    pseudonyms: Pseudonyms | None = None,
) -> str:
    """The summary line, masked like the report (with its `pseudonyms` when an output holds
    several reports) and safe for a terminal."""
    from vpcprobe_collector.report.safe_text import safe_text

    if redact:
        from vpcprobe_collector.report.redact import redact as redact_model

        diagnosis = redact_model(diagnosis, addresses=addresses, pseudonyms=pseudonyms)
    return safe_text(summary_line(diagnosis))
