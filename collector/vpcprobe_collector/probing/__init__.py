"""Getting probe reports: invoke a probe function or wrapped suspect, read files, run here."""

from vpcprobe_collector.probing.outcome import ProbeOutcome

__all__ = ["ProbeOutcome"]
