"""`vpcprobe rules`: list every finding code with its severity, name and title."""

from __future__ import annotations

import argparse
import json
import os
import sys

NAME = "rules"
HELP = "list the finding codes vpcprobe can report"
DESCRIPTION = (
    "List every finding code with its default severity, name and title.\n"
    "`vpcprobe explain CODE` prints one rule's documentation."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--format text|json."""
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    """Print the registry."""
    try:
        _print(args.format)
    except BrokenPipeError:  # `vpcprobe rules | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _print(fmt: str) -> None:
    from vpcprobe_collector.rules.registry import ALL_RULES

    if fmt == "json":
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "title": r.title,
                "causes": list(r.causes),
                "doc_url": r.doc_url,
            }
            for r in ALL_RULES
        ]
        print(json.dumps(rows, indent=2))
        return
    width = max(len(r.name) for r in ALL_RULES)
    code_width = max(len(r.code) for r in ALL_RULES)
    for r in ALL_RULES:
        print(f"{r.code:<{code_width}}  {r.severity.value:<8}  {r.name:<{width}}  {r.title}")
    sys.stdout.flush()
