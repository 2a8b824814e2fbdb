"""Masking account IDs (and, on request, IP addresses) in a DiagnosisReport before any rendering."""

from __future__ import annotations

import ipaddress
import re
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel

ACCOUNT_MASK = "xxxxxxxxxxxx"
IPV4_MASK = "x.x.x.x"
IPV6_MASK = "x:x::x"

_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Za-z:])")

Model = TypeVar("Model", bound=BaseModel)


def _mask_ipv4(match: re.Match[str]) -> str:
    try:
        ipaddress.IPv4Address(match.group(0))
    except ValueError:
        return match.group(0)
    return IPV4_MASK


def _mask_ipv6(match: re.Match[str]) -> str:
    try:
        ipaddress.IPv6Address(match.group(0))
    except ValueError:
        return match.group(0)
    return IPV6_MASK


def redact_text(text: str, *, addresses: bool = False) -> str:
    """`text` with every 12-digit account ID masked (and IPv4/IPv6 addresses with `addresses`)."""
    text = _ACCOUNT.sub(ACCOUNT_MASK, text)
    if addresses:
        text = _IPV4.sub(_mask_ipv4, text)
        text = _IPV6.sub(_mask_ipv6, text)
    return text


def _walk(value: Any, addresses: bool) -> Any:
    if isinstance(value, Enum):
        return value  # a fixed vocabulary, never an ID
    if isinstance(value, str):
        return redact_text(value, addresses=addresses)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and _ACCOUNT.fullmatch(str(value)):
        return ACCOUNT_MASK  # an account ID that arrived as a number (e.g. in evidence data)
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            # __dict__ directly: frozen models (PathQuery) refuse setattr, and the masked
            # values need not pass the field validators (an address field holds "x.x.x.x").
            value.__dict__[name] = _walk(value.__dict__[name], addresses)
        return value
    if isinstance(value, list):
        return [_walk(v, addresses) for v in value]
    if isinstance(value, tuple):
        return tuple(_walk(v, addresses) for v in value)
    if isinstance(value, dict):
        return {_walk(k, addresses): _walk(v, addresses) for k, v in value.items()}
    return value


def redact(model: Model, *, addresses: bool = False) -> Model:
    """A deep copy of `model` with every string (keys included) passed through redact_text."""
    copy = model.model_copy(deep=True)
    _walk(copy, addresses)
    return copy
