"""The JSON report: the full DiagnosisReport in the model's field order, with schema_version."""

from __future__ import annotations

from vpcprobe_collector.findings.model import DiagnosisReport


def render_json(diagnosis: DiagnosisReport) -> str:
    """The whole diagnosis as indented JSON (ordering comes from the model and the run)."""
    return diagnosis.model_dump_json(indent=2) + "\n"
