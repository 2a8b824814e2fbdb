"""`vpcprobe rules`: list every finding code with its severity, name and title."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

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


INDEX = Path(__file__).resolve().parents[1] / "rules" / "index.json"


def registry_rows() -> list[dict[str, Any]]:
    """One row per rule, from the registry (imports every rule and the models)."""
    from vpcprobe_collector.rules.registry import ALL_RULES

    return [
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


def index_text() -> str:
    """rules/index.json as `make docs` writes it: the registry's rows, so `vpcprobe rules`
    answers without importing every rule (a test keeps the two equal)."""
    return json.dumps(registry_rows(), indent=2) + "\n"


def _rows() -> list[dict[str, Any]]:
    try:
        rows = json.loads(INDEX.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return registry_rows()
    return rows if isinstance(rows, list) and rows else registry_rows()


def _print(fmt: str) -> None:
    rows = _rows()
    if fmt == "json":
        print(json.dumps(rows, indent=2))
        return
    width = max(len(r["name"]) for r in rows)
    code_width = max(len(r["code"]) for r in rows)
    for r in rows:
        print(f"{r['code']:<{code_width}}  {r['severity']:<8}  {r['name']:<{width}}  {r['title']}")
    sys.stdout.flush()
