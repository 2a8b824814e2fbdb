"""What one way of probing produced: reports, and the attempts that produced none."""

from __future__ import annotations

from dataclasses import dataclass, field

from vpcprobe.models import ProbeReport
from vpcprobe_collector.findings.model import ProbeFailure


@dataclass
class ProbeOutcome:
    """Reports and failures from one probe source ("function:NAME", "files", "local", "none")."""

    source: str
    reports: list[ProbeReport] = field(default_factory=list)
    failures: list[ProbeFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
