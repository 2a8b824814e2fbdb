"""Saved ProbeReport files (from `python -m vpcprobe`, `vpcprobe probe`, or a console paste)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vpcprobe.models import ProbeReport
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import ProbeFailure
from vpcprobe_collector.probing.outcome import ProbeOutcome
from vpcprobe_collector.probing.payload import parse_report


def read_probe_file(path: Path) -> ProbeReport:
    """One file as a ProbeReport; raise BadInputError naming the file and what is wrong."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BadInputError(f"{path}: cannot read the probe report: {error.strerror}") from error
    result = parse_report(raw, source=f"file:{path}")
    if isinstance(result, ProbeFailure):
        raise BadInputError(f"{path}: {result.message}")
    return result


def read_probe_files(paths: Sequence[Path]) -> ProbeOutcome:
    """Every file as a report, in the order given; the first bad file stops the run."""
    return ProbeOutcome(source="files", reports=[read_probe_file(Path(p)) for p in paths])
