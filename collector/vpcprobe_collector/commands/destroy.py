"""`vpcprobe destroy --like FUNCTION`: remove what `deploy --like FUNCTION` created."""

from __future__ import annotations

import argparse
import sys

from vpcprobe_collector.aws import session_for
from vpcprobe_collector.deploy.names import check_function_name
from vpcprobe_collector.deploy.probe_function import destroy

NAME = "destroy"
HELP = "remove the probe function, role, layer versions and schedule deployed for a function"
DESCRIPTION = """\
Remove only what 'vpcprobe deploy --like FUNCTION' created, found by its vpcprobe tags: the
probe function, its role and inline policy, its log group, its canary schedule, and the
layer versions no other function uses. Says what it removed.

example:
  vpcprobe destroy --like orders-api
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """destroy's arguments."""
    parser.add_argument("--like", required=True, metavar="FUNCTION", help="the suspect function")


def _progress(message: str) -> None:
    print(f"vpcprobe: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Destroy and report; finding nothing is not an error."""
    check_function_name(args.like, "--like")
    removed = destroy(session_for(args, args.like), args.like, progress=_progress)
    if not removed:
        print(f"nothing to remove: no probe deployed by vpcprobe for {args.like}")
        return 0
    for item in removed:
        print(f"removed {item}")
    return 0
