"""`vpcprobe audit`: judge every VPC-attached function in scope from its configuration."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import Severity
from vpcprobe_collector.fleet.region import DEFAULT_CONCURRENCY, Progress

NAME = "audit"
HELP = "judge every VPC-attached function in an account, regions or an organisation"
DESCRIPTION = """\
Judge every VPC-attached Lambda function in scope from its configuration alone: setup (state,
role ENI permissions, free subnet addresses, ENI quota, tenancy, deleted subnets or groups),
routes, DNS, endpoints, IPv6 and single-AZ placement. Each VPC is read once, however many
functions share it; each execution role once; the ENI quota once per account and region.

Scope:
  --region R (repeatable) or --all-regions; default: AWS_REGION or your profile's
  --function NAME (repeatable), --tag KEY=VALUE (repeatable, all must match)
  --assume-role ARN, or --accounts FILE / --organization with --role-name NAME

Targets per function (judged as `diagnose --no-probe` does, so IP addresses only): the
function's `vpcprobe:targets` tag (`10.0.0.5:5432,10.0.0.6:443`), or --config FILE:
  [functions.orders-api]
  targets = ["10.0.10.20:5432=orders-db"]

Exit codes: 0 healthy and complete, 1 problems at or above --fail-on, 2 bad input, 3 AWS
access problem, 4 nothing failed but something was not read or judged (an account or region
that could not be read, a check whose input was denied); --allow-incomplete maps 4 to 0.
"""

FORMATS = ("text", "json", "markdown", "html", "sarif", "junit")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Scope, accounts, output and concurrency options."""
    # Its own dest: the global --region (before the command) must not be overwritten by this
    # option's default; both are read in run().
    parser.add_argument(
        "--region",
        action="append",
        default=[],
        dest="audit_regions",
        metavar="REGION",
        help="a region (repeatable)",
    )
    parser.add_argument(
        "--all-regions", action="store_true", help="every region enabled in the account"
    )
    parser.add_argument(
        "--function", action="append", default=[], metavar="NAME", help="only this function"
    )
    parser.add_argument(
        "--tag", action="append", default=[], metavar="KEY=VALUE", help="only functions tagged so"
    )
    accounts = parser.add_mutually_exclusive_group()
    accounts.add_argument("--assume-role", metavar="ARN", help="audit the account of this role")
    accounts.add_argument(
        "--accounts", type=Path, metavar="FILE", help="account IDs, one a line (with --role-name)"
    )
    accounts.add_argument(
        "--organization",
        action="store_true",
        help="every active account of the organisation (with --role-name)",
    )
    parser.add_argument("--role-name", metavar="NAME", help="the role to assume in each account")
    parser.add_argument("--external-id", metavar="ID", help="the external ID those roles require")
    parser.add_argument("--config", type=Path, metavar="FILE", help="targets per function")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format")
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report here")
    parser.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        default=Severity.HIGH.value,
        help="exit 1 when a problem of this severity or worse is found (default: high)",
    )
    parser.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="exit 0 instead of 4 when nothing failed but something was not read",
    )
    parser.add_argument(
        "--max-concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"reads at once per account and region (default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="no progress or summary on stderr"
    )


@contextlib.contextmanager
def _progress(quiet: bool, color: str = "auto") -> Iterator[Progress]:
    """Progress bars for regions, VPCs and functions on a terminal; nothing when piped.
    `--color never` (like NO_COLOR, which rich honours itself) draws them without colour."""
    if quiet or not sys.stderr.isatty():
        yield lambda _what, _n: None
        return
    from rich.console import Console
    from rich.progress import Progress as Bars

    from vpcprobe_collector import progress

    console = Console(stderr=True, no_color=color == "never" or None)
    # One live display at a time: while the bars are up, the call waited for is their last row.
    bars = Bars(console=console, transient=True)
    regions = bars.add_task("regions", total=None)
    vpcs = bars.add_task("VPCs read", total=None)
    functions = bars.add_task("functions judged", total=None)
    waiting = bars.add_task("", total=None, visible=False)

    def show(text: str) -> None:
        bars.update(waiting, description=text, visible=bool(text))

    with progress.held(show), bars:
        listed = {"functions": 0}

        def tick(what: str, count: int) -> None:
            if what == "regions-total":
                bars.update(regions, total=count)
            elif what == "regions":
                bars.advance(regions, count)
            elif what == "vpcs":
                bars.advance(vpcs, count)
            elif what == "functions-listed":
                listed["functions"] += count
                bars.update(functions, total=listed["functions"])
            elif what == "functions":
                bars.advance(functions, count)

        yield tick


def _functions_and_regions(
    functions: list[str], regions: list[str], all_regions: bool
) -> tuple[list[str], list[str], list[str]]:
    """--function ARNs as names, their regions the audit's when no --region says otherwise (as
    in every command); an ARN in a region --region does not name is bad input. Also returns
    the ARNs' regions themselves (with --all-regions, where the regions are listed from)."""
    from vpcprobe_collector.aws import arn_region
    from vpcprobe_collector.deploy.names import function_name_from

    names: list[str] = []
    from_arns: list[str] = []
    for function in functions:
        region = arn_region(function)
        if region is None and function.startswith("arn:"):
            raise BadInputError(
                f"--function {function}: not a Lambda function ARN "
                "(arn:aws:lambda:REGION:ACCOUNT:function:NAME)"
            )
        if region is None:
            names.append(function)
            continue
        names.append(function_name_from(function))
        if regions and region not in regions:
            raise BadInputError(
                f"--region {', '.join(regions)} contradicts {function}, which is in {region}"
            )
        if region not in from_arns:
            from_arns.append(region)
    if not regions and not all_regions:
        regions = from_arns
    return names, regions, from_arns


def run(args: argparse.Namespace) -> int:
    """Check the input, audit, render, write; return the exit code."""
    from vpcprobe_collector.aws import make_session, options_from_args
    from vpcprobe_collector.diagnosis import write_file
    from vpcprobe_collector.fleet.accounts import (
        account_sessions,
        check_role_arn,
        organization_accounts,
        read_accounts_file,
    )
    from vpcprobe_collector.fleet.model import audit_exit_code
    from vpcprobe_collector.fleet.run import run_audit
    from vpcprobe_collector.fleet.scope import Scope, load_targets_file, parse_tag_filter
    from vpcprobe_collector.report.audit import render_audit

    if not 1 <= args.max_concurrency <= 64:
        raise BadInputError(f"--max-concurrency {args.max_concurrency}: must be 1..64")
    if args.role_name and not (args.accounts or args.organization):
        raise BadInputError("--role-name needs --accounts FILE or --organization")
    if (args.accounts or args.organization) and not args.role_name:
        raise BadInputError("--accounts and --organization need --role-name NAME")
    # `vpcprobe --region R audit` (the global option, before the command) gives one string.
    # `--region R` after the command (repeatable), else the global one before it.
    regions: list[str] = list(args.audit_regions) or (
        [args.region] if getattr(args, "region", None) else []
    )
    if any(not r.strip() for r in regions):
        raise BadInputError("--region: a region name cannot be empty")
    args.function, regions, arn_regions = _functions_and_regions(
        args.function, regions, args.all_regions
    )
    args.region = regions
    if args.all_regions and args.region:
        raise BadInputError("give --region or --all-regions, not both")
    if args.assume_role:
        check_role_arn(args.assume_role)
    scope = Scope(
        names=frozenset(args.function),
        tags=tuple(parse_tag_filter(t) for t in args.tag),
        targets=load_targets_file(args.config) if args.config else {},
    )
    account_ids = read_accounts_file(args.accounts) if args.accounts else None
    # With --all-regions the regions are listed from somewhere: an ARN's region will do.
    home = args.region[0] if args.region else (arn_regions[0] if arn_regions else None)
    session = make_session(args.profile, home, options=options_from_args(args))
    if args.organization:
        account_ids = organization_accounts(session)
    with _progress(args.quiet, getattr(args, "color", "auto") or "auto") as tick:
        accounts = account_sessions(
            session,
            assume_role=args.assume_role,
            accounts=account_ids,
            role_name=args.role_name,
            external_id=args.external_id,
            max_concurrency=args.max_concurrency,
        )
        report = run_audit(
            accounts,
            regions=args.region or [session.region_name],
            all_regions=args.all_regions,
            scope=scope,
            fail_on=Severity(args.fail_on),
            max_concurrency=args.max_concurrency,
            progress=tick,
        )
    text = render_audit(report, args.format)
    if args.output is not None:
        write_file(args.output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if not args.quiet and (args.format != "text" or args.output is not None):
        from vpcprobe_collector.report.audit_text import summary_line

        print(summary_line(report), file=sys.stderr)
        if args.output is not None:
            print(f"report written to {args.output}", file=sys.stderr)
    return audit_exit_code(report, args.allow_incomplete)
