"""Wrapper mode's router: probe events to the probe, every other event to the original handler."""

# This module is the function's handler while wrapped, so it imports nothing heavy: the
# probe (pydantic, dnspython, ...) is imported only when a probe event arrives.
from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

ORIGINAL_HANDLER_VARIABLE = "VPCPROBE_ORIGINAL_HANDLER"
PROBE_EVENT_KEY = "vpcprobe"

Handler = Callable[[Any, Any], Any]


class WrapperError(Exception):
    """Wrapper mode is misconfigured, or the probe cannot be imported in this function."""


def is_probe_event(event: object) -> bool:
    """True for `{"vpcprobe": {...}}` exactly: one key, nothing else."""
    return isinstance(event, dict) and len(event) == 1 and PROBE_EVENT_KEY in event


def resolve_handler(spec: str) -> Handler:
    """Import "module.function" as the Python runtime does (the module path may use slashes).

    Import errors propagate unchanged, as they would from the runtime's own import during
    init. A module without the function gives a handler that raises on each invocation,
    again as the runtime does.
    """
    module_name, dot, function_name = spec.rpartition(".")
    if not dot or not module_name or not function_name:
        raise WrapperError(f"Bad handler '{spec}': expected module.function")
    module = importlib.import_module(module_name.replace("/", "."))
    function = getattr(module, function_name, None)
    if function is None:
        message = f"Handler '{function_name}' missing on module '{module_name}'"

        def missing(event: Any, context: Any) -> Any:
            raise WrapperError(message)

        return missing
    result: Handler = function
    return result


def _load_original() -> Handler | None:
    spec = os.environ.get(ORIGINAL_HANDLER_VARIABLE)
    if not spec:
        return None
    # The runtime read _HANDLER before importing this module; code that reads it later
    # (the function's own, or a library's) sees the function's handler, as unwrapped.
    os.environ["_HANDLER"] = spec
    return resolve_handler(spec)


# Imported here, at init, like the runtime imports an unwrapped handler: the function's
# own init-phase work (connections, configuration) keeps happening during init.
_original: Handler | None = _load_original()


def _probe(request: Any, context: Any) -> Any:
    try:
        probe_handler = importlib.import_module("vpcprobe.handler")
    except ImportError as error:
        raise WrapperError(
            f"vpcprobe cannot import its probe in this function ({error}); the function's "
            "own packages come first on sys.path, so a bundled pydantic 1.x or an old "
            "dnspython hides the layer's: deploy a separate probe with 'vpcprobe deploy --like'"
        ) from error
    return probe_handler.handler(request, context)


def handler(event: Any, context: Any) -> Any:
    """The function's handler while wrapped: route probe events, pass the rest on untouched."""
    if is_probe_event(event):
        return _probe(event[PROBE_EVENT_KEY], context)
    if _original is None:
        raise WrapperError(
            f"{ORIGINAL_HANDLER_VARIABLE} is not set: enable wrapper mode with "
            "AWS_LAMBDA_EXEC_WRAPPER=/opt/vpcprobe-wrapper rather than by changing the handler"
        )
    return _original(event, context)
