"""A stand-in for rules.engine.judge, for tests of the pipeline around the judgement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.report.samples import dns_finding, passed
from vpcprobe.models import DnsStatus, ProbeReport
from vpcprobe_collector.findings.model import Finding, TargetJoin, TargetSpec


class FakeJudge:
    """DNS timeouts in any report -> the DNS002 finding; else one passing check. Records calls."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(
        self,
        snapshot: Any,
        reports: Sequence[ProbeReport],
        targets: Sequence[TargetSpec],
        failures: Sequence[Any],
    ) -> tuple[list[TargetJoin], list[Finding]]:
        self.calls.append(
            {"snapshot": snapshot, "reports": reports, "targets": targets, "failures": failures}
        )
        broken = any(d.status == DnsStatus.TIMEOUT for r in reports for d in r.dns)
        joins = [
            TargetJoin(label=t.display, host=t.host, port=t.port, conclusion="judged by a fake")
            for t in targets
        ]
        return joins, [dns_finding()] if broken else [passed()]
