"""The probe function's code: everything lives in the vpcprobe layer, this only hands over."""

from __future__ import annotations

from typing import Any

from vpcprobe.handler import handler as probe_handler


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point (Handler: app.handler): run the probe and return its report."""
    return probe_handler(event, context)
