"""`vpcprobe wrap FUNCTION`: wrapper mode, the suspect itself answers probe events."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vpcprobe_collector.aws import session_for
from vpcprobe_collector.deploy.layer_publish import check_layer_zip
from vpcprobe_collector.deploy.names import check_function_name
from vpcprobe_collector.deploy.wrap import wrap

NAME = "wrap"
HELP = "add the probe layer and its wrapper script to a function (undo with unwrap)"
DESCRIPTION = """\
Add the probe layer and AWS_LAMBDA_EXEC_WRAPPER=/opt/vpcprobe-wrapper to FUNCTION, keeping
its other layers and variables. The function then answers {"vpcprobe": {...}} events with a
probe report (with its own role, ENIs and environment) and handles every other event exactly
as before. 'vpcprobe diagnose FUNCTION --wrapped' uses it; 'vpcprobe unwrap FUNCTION' restores
the function's previous configuration. See the README for the trade-offs.

example:
  vpcprobe wrap orders-api
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """wrap's arguments."""
    parser.add_argument("function", metavar="FUNCTION", help="function name or ARN")
    layer = parser.add_mutually_exclusive_group()
    layer.add_argument("--layer-arn", metavar="ARN", help="use this probe layer version")
    layer.add_argument(
        "--layer-zip", type=Path, metavar="FILE", help="the probe layer zip (else dist/ or built)"
    )


def _progress(message: str) -> None:
    print(f"vpcprobe: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Wrap and say what changed."""
    check_function_name(args.function, "FUNCTION")
    if args.layer_zip is not None:
        check_layer_zip(args.layer_zip)  # before any AWS call
    result = wrap(
        session_for(args, args.function),
        args.function,
        layer_arn=args.layer_arn,
        layer_zip=args.layer_zip,
        progress=_progress,
    )
    if not result.actions:
        print(f"{result.function_name} is already wrapped: nothing changed")
    for action in result.actions:
        print(action)
    print(f"next: vpcprobe diagnose {args.function} --wrapped --target HOST:PORT")
    print(f"undo: vpcprobe unwrap {args.function}")
    return 0
