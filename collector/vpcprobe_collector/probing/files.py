"""Saved ProbeReport files (from `python -m vpcprobe`, `vpcprobe probe`, or a console paste)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import ProbeFailure
from vpcprobe_collector.probing.outcome import ProbeOutcome
from vpcprobe_collector.probing.payload import parse_report


def read_probe_files(paths: Sequence[Path]) -> ProbeOutcome:
    """Every file, in the order given: good reports are judged, failed ones reported (PRB001).

    A file that cannot be read at all is bad input; so is a set of files none of which is a
    usable report (raise BadInputError, naming each file and what is wrong with it).
    """
    outcome = ProbeOutcome(source="files")
    for path in map(Path, paths):
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise BadInputError(
                f"{path}: cannot read the probe report: {error.strerror}"
            ) from error
        result = parse_report(raw, source=f"file:{path}")
        if isinstance(result, ProbeFailure):
            outcome.failures.append(result)
        else:
            outcome.reports.append(result)
    if not outcome.reports:
        reasons = "; ".join(
            f"{f.source.removeprefix('file:')}: {f.message}" for f in outcome.failures
        )
        if len(outcome.failures) > 1:
            reasons = f"no probe report is usable ({reasons})"
        raise BadInputError(reasons)
    return outcome
