"""Deploy the probe beside a suspect function (or inside it, wrapper mode), and undo it."""

from __future__ import annotations

from vpcprobe_collector.deploy.probe_function import (
    find_probe_configuration,
    find_probe_function,
)

__all__ = ["find_probe_configuration", "find_probe_function"]
