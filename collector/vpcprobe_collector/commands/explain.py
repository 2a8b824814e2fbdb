"""`vpcprobe explain CODE`: print one finding rule's documentation."""

from __future__ import annotations

import argparse

from vpcprobe_collector.errors import BadInputError

NAME = "explain"
HELP = "print the documentation of one finding code"
DESCRIPTION = "Print what a finding code checks, why it matters and how to fix it."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """CODE (for example DNS002; case does not matter)."""
    parser.add_argument("code", metavar="CODE", help="a finding code such as DNS002")


def run(args: argparse.Namespace) -> int:
    """Print the rule's page; an unknown code is bad input."""
    from vpcprobe_collector.rules.catalogue import rule_doc
    from vpcprobe_collector.rules.registry import rule_by_code

    rule = rule_by_code(args.code)
    if rule is None:
        raise BadInputError(
            f"unknown finding code {args.code!r}; run 'vpcprobe rules' to list the codes"
        )
    print(rule_doc(rule), end="")
    return 0
