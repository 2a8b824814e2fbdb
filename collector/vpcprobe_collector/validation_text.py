"""Pydantic validation errors turned into one plain line a user can act on."""

from __future__ import annotations

from pydantic import ValidationError

_PORT_TYPES = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def error_location(loc: tuple[int | str, ...]) -> str:
    """("targets", 2, "port") -> "targets[2].port"."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def describe(error: ValidationError, *, limit: int = 3) -> str:
    """The first few problems of `error` as "where: what" joined by "; "."""
    parts: list[str] = []
    problems = error.errors(include_url=False)
    for problem in problems[:limit]:
        where = error_location(tuple(problem["loc"]))
        if problem["loc"] and problem["loc"][-1] == "port" and problem["type"] in _PORT_TYPES:
            what = "must be 1..65535"
        elif problem["type"] == "extra_forbidden":
            what = "unknown field"
        elif problem["type"] == "missing":
            what = "required"
        else:
            what = str(problem["msg"])
            what = what.removeprefix("Value error, ")
            what = what[:1].lower() + what[1:]
        parts.append(f"{where}: {what}")
    more = len(problems) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
