"""Shared output for benchmarks: each script reports Figures, as a table or as JSON (--json)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass
class Figure:
    """One measured figure and the goal it is held to (None: tracked, no goal)."""

    name: str
    value: float | int | None
    unit: str
    goal: str | None = None
    met: bool | None = None
    note: str | None = None


def _value(figure: Figure) -> str:
    if figure.value is None:
        return "n/a"
    if isinstance(figure.value, float):
        return f"{figure.value:,.3f}".rstrip("0").rstrip(".")
    return f"{figure.value:,}"


def format_table(figures: Sequence[Figure]) -> str:
    """A plain-text table: figure, value, goal, met."""
    rows = [("figure", "value", "goal", "met")]
    for f in figures:
        met = "-" if f.met is None else ("yes" if f.met else "NO")
        value = f"{_value(f)} {f.unit}".strip()
        if f.note:
            value += f" ({f.note})"
        rows.append((f.name, value, f.goal or "-", met))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def emit(figures: Sequence[Figure], argv: Sequence[str] | None = None) -> None:
    """Print the figures as a table, or as JSON when --json is among the arguments."""
    args = sys.argv[1:] if argv is None else argv
    if "--json" in args:
        print(json.dumps({"figures": [asdict(f) for f in figures]}, indent=2))
    else:
        print(format_table(figures))
