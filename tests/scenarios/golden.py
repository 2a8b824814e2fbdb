"""Load a scenario folder and judge it: the outputs the golden files hold."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from tests.scenarios import builder
from vpcprobe.models import ProbeReport
from vpcprobe_collector.findings.model import (
    DiagnosisReport,
    Finding,
    FindingStatus,
    ProbeFailure,
    TargetJoin,
    TargetSpec,
)
from vpcprobe_collector.findings.outcome import unjudged_of
from vpcprobe_collector.rules.engine import fallback_inputs, judge
from vpcprobe_collector.snapshot.model import VpcSnapshot


@dataclass
class Loaded:
    snapshot: VpcSnapshot
    reports: list[ProbeReport]
    targets: list[TargetSpec]
    failures: list[ProbeFailure]


def load(folder: Path) -> Loaded:
    """The inputs saved in a scenario folder."""
    meta = json.loads((folder / "targets.json").read_text())
    return Loaded(
        snapshot=VpcSnapshot.model_validate_json((folder / "snapshot.json").read_text()),
        reports=[
            ProbeReport.model_validate_json(p.read_text())
            for p in sorted(folder.glob("probe-*.json"))
        ],
        targets=[TargetSpec.model_validate(t) for t in meta["targets"]],
        failures=[ProbeFailure.model_validate(f) for f in meta.get("probe_failures", [])],
    )


def run(folder: Path) -> tuple[Loaded, list[TargetJoin], list[Finding]]:
    loaded = load(folder)
    joins, findings = judge(
        loaded.snapshot, loaded.reports, loaded.targets, probe_failures=loaded.failures
    )
    return loaded, joins, findings


def expected_json(folder: Path) -> str:
    """Joins and findings, stable ordering, no timestamps."""
    _, joins, findings = run(folder)
    # Paths keep their verdict and deciding hop; every hop's wording belongs to the path
    # evaluator's own tests, and the findings already quote the hops that matter.
    # Failing, skipped and error findings in full; passed checks only as a count, kept for
    # every scenario in one file (passed.json), so a new rule changes that file and the
    # goldens where it fails or skips instead of rewriting every golden.
    data = {
        "joins": [
            j.model_dump(mode="json", exclude={"paths": {"__all__": {"hops"}}}) for j in joins
        ],
        "findings": [
            f.model_dump(mode="json") for f in findings if f.status is not FindingStatus.PASS
        ],
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def expected_text(folder: Path) -> str:
    """The terminal report as `vpcprobe analyze` would print it."""
    from vpcprobe_collector.report import render

    loaded, joins, findings = run(folder)
    diagnosis = DiagnosisReport(
        vpcprobe_version="test",
        generated_at=builder.WHEN,
        function_name=loaded.snapshot.function.name if loaded.snapshot.function else "?",
        region=loaded.snapshot.region,
        probe_source="files" if loaded.reports else "none",
        snapshot=loaded.snapshot,
        probe_reports=loaded.reports,
        probe_failures=loaded.failures,
        targets=loaded.targets,
        joins=joins,
        findings=findings,
        unjudged=unjudged_of(loaded.snapshot, joins, findings, optional_reads=fallback_inputs()),
    )
    return PASSED_COUNT.sub("N checks passed", render(diagnosis, "text"))


# The summary line's count of passed checks: passed.json holds it (see expected_json).
PASSED_COUNT = re.compile(r"\b\d+ checks? passed")


def passed_count(folder: Path) -> int:
    """How many checks passed in this scenario (passed.json)."""
    _, _, findings = run(folder)
    return sum(1 for f in findings if f.status is FindingStatus.PASS)
