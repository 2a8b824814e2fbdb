"""`vpcprobe diagnose`: not built yet (see the open issues)."""

from __future__ import annotations

import argparse

from vpcprobe_collector.errors import BadInputError

NAME = "diagnose"
HELP = "(not available yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments yet."""


def run(args: argparse.Namespace) -> int:
    raise BadInputError("'vpcprobe diagnose' is not available in this version yet")
