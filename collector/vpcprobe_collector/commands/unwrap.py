"""`vpcprobe unwrap FUNCTION`: undo `vpcprobe wrap`, restoring exactly what was there."""

from __future__ import annotations

import argparse
import sys

from vpcprobe_collector.aws import session_for
from vpcprobe_collector.deploy.names import check_function_name
from vpcprobe_collector.deploy.wrap import unwrap

NAME = "unwrap"
HELP = "remove what 'vpcprobe wrap' added to a function"
DESCRIPTION = """\
Remove the probe layer (and AWS_LAMBDA_EXEC_WRAPPER, if wrap added it) from FUNCTION, as
recorded by 'vpcprobe wrap' in the function's vpcprobe:wrapped tag. Layers and variables
changed by others since are kept.

example:
  vpcprobe unwrap orders-api
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """unwrap's arguments."""
    parser.add_argument("function", metavar="FUNCTION", help="function name or ARN")


def _progress(message: str) -> None:
    print(f"vpcprobe: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Unwrap and say what changed; a function vpcprobe did not wrap is left alone."""
    check_function_name(args.function, "FUNCTION")
    result = unwrap(session_for(args, args.function), args.function, progress=_progress)
    if not result.actions:
        print(f"{result.function_name} was not wrapped by vpcprobe: nothing changed")
    for action in result.actions:
        print(action)
    return 0
