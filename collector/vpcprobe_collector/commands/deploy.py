"""`vpcprobe deploy --like FUNCTION`: a probe function with the suspect's exact network identity."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vpcprobe.models import ProbeRequest, Target, parse_host_port
from vpcprobe_collector.aws import client, session_for
from vpcprobe_collector.deploy.layer_publish import check_layer_zip
from vpcprobe_collector.deploy.names import check_function_name
from vpcprobe_collector.deploy.probe_function import deploy, read_suspect
from vpcprobe_collector.deploy.sam_parameters import canary_parameters, sam_parameter_overrides
from vpcprobe_collector.deploy.schedule import check_expression
from vpcprobe_collector.errors import BadInputError

NAME = "deploy"
HELP = "deploy a probe function beside a function, with its exact VpcConfig and architecture"
DESCRIPTION = """\
Deploy the probe beside FUNCTION: a Lambda function named vpcprobe-probe-FUNCTION with the
same subnets, security groups, Ipv6AllowedForDualStack and architecture, the probe layer,
and (unless --role) a least-privilege role. Everything is tagged vpcprobe:like=FUNCTION.
Running it again brings the probe to FUNCTION's current VpcConfig and changes nothing else.
'vpcprobe destroy --like FUNCTION' removes it all.

examples:
  vpcprobe deploy --like orders-api
  vpcprobe deploy --like orders-api --schedule 'rate(5 minutes)' --target db.internal:5432
  sam deploy --parameter-overrides "$(vpcprobe deploy --like orders-api --print-sam-parameters)"
  sam deploy --parameter-overrides "$(vpcprobe deploy --like orders-api --print-sam-parameters \
      --schedule 'rate(5 minutes)' --target db.internal:5432)"
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """deploy's arguments."""
    parser.add_argument("--like", required=True, metavar="FUNCTION", help="the suspect function")
    parser.add_argument("--role", metavar="ARN", help="use this execution role, create none")
    parser.add_argument(
        "--layer-zip", type=Path, metavar="FILE", help="the probe layer zip (else dist/ or built)"
    )
    parser.add_argument(
        "--schedule",
        metavar="EXPR",
        help="run the probe as a canary on this EventBridge schedule, e.g. 'rate(5 minutes)'",
    )
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="a target the canary checks on each run (repeatable; with --schedule)",
    )
    parser.add_argument(
        "--print-sam-parameters",
        action="store_true",
        help=(
            "print 'sam deploy --parameter-overrides' for template.yaml (with --schedule, the "
            "canary's ScheduleExpression and CanaryRequest too) and deploy nothing"
        ),
    )


def _canary_request(targets: list[str]) -> dict[str, object]:
    parsed = []
    for text in targets:
        try:
            host, port = parse_host_port(text)
        except ValueError as error:
            raise BadInputError(f"--target {error}") from error
        parsed.append(Target(host=host, port=port))
    request = ProbeRequest(targets=parsed)
    return request.model_dump(mode="json", exclude_defaults=True)


def _progress(message: str) -> None:
    print(f"vpcprobe: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Deploy (or update) the probe, or print the SAM parameters."""
    check_function_name(args.like, "--like")
    if args.target and not args.schedule:
        raise BadInputError("--target is the canary's stored request: use it with --schedule")
    canary_request = _canary_request(args.target)
    if args.layer_zip is not None and not args.print_sam_parameters:
        check_layer_zip(args.layer_zip)  # before any AWS call
    session = session_for(args, args.like)
    if args.print_sam_parameters:
        suspect = read_suspect(client(session, "lambda"), args.like)
        canary = None
        if args.schedule is not None:
            canary = canary_parameters(check_expression(args.schedule), canary_request)
        print(sam_parameter_overrides(suspect.network, canary))
        return 0
    result = deploy(
        session,
        args.like,
        role_arn=args.role,
        layer_zip=args.layer_zip,
        schedule=args.schedule,
        canary_request=canary_request,
        progress=_progress,
    )
    for action in result.actions:
        print(action)
    if not result.actions:
        print(f"{result.function_name} already matches {args.like}: nothing changed")
    print(f"probe function: {result.function_arn}")
    print(f"next: vpcprobe diagnose {args.like} --target HOST:PORT")
    return 0
