"""Text from data made harmless for a terminal or a ticket: control characters shown escaped."""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel

# C0 controls (newline and tab included: a value never starts a line of its own), DEL, C1
# controls, the bidi embeddings, overrides and isolates that reorder what a reader sees, and
# U+2028/U+2029 (line and paragraph separators: some renderers start a new line at them).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")
# The same, for text shown as a block of its own lines (resolv.conf): newline and tab kept.
_UNSAFE_IN_BLOCK = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]"
)
# What json leaves raw: C1 controls, bidi characters, the line and paragraph separators.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")

Model = TypeVar("Model", bound=BaseModel)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: str, *, block: bool = False) -> str:
    """`text` with every control or bidi character written as an escape (`\\x1b`, `\\u202e`).

    With `block`, newlines and tabs are kept: for text shown as lines of its own, such as
    resolv.conf inside a fenced block.
    """
    return (_UNSAFE_IN_BLOCK if block else _UNSAFE).sub(_escaped, text)


def has_unsafe(text: str) -> bool:
    """Whether `text` holds a character safe_text would escape."""
    return _UNSAFE.search(text) is not None


# Fields whose value is a multi-line block the reports show as such.
_BLOCK_FIELDS = frozenset({"raw"})


def _walk(value: Any, block: bool) -> Any:
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return safe_text(value, block=block)
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            # __dict__ directly: frozen models refuse setattr, and an escaped value need not
            # pass a field's validator again.
            value.__dict__[name] = _walk(value.__dict__[name], name in _BLOCK_FIELDS)
        return value
    if isinstance(value, list):
        return [_walk(v, block) for v in value]
    if isinstance(value, tuple):
        return tuple(_walk(v, block) for v in value)
    if isinstance(value, dict):
        return {_walk(k, False): _walk(v, block) for k, v in value.items()}
    return value


def made_safe(model: Model) -> Model:
    """A deep copy of `model` with every string passed through safe_text, for rendering."""
    copy = model.model_copy(deep=True)
    _walk(copy, False)
    return copy


def json_safe(text: str) -> str:
    """JSON text with raw C1 and bidi characters written as `\\uXXXX` escapes.

    json and pydantic already escape C0 controls; these others they leave raw. In JSON they can
    only stand inside strings, so the escape changes no value, only how the text looks.
    """
    return _UNSAFE_IN_JSON.sub(_json_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"
