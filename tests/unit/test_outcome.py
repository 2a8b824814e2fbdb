"""The one exit-code decision every judging command uses (findings.outcome.decide_exit)."""

from __future__ import annotations

import pytest

from vpcprobe_collector.errors import ExitCode
from vpcprobe_collector.findings.model import Severity
from vpcprobe_collector.findings.outcome import decide_exit

HIGH, MEDIUM = Severity.HIGH, Severity.MEDIUM


@pytest.mark.parametrize(
    ("failed", "incomplete", "allow", "expected"),
    [
        ([], False, False, ExitCode.OK),
        ([], True, False, ExitCode.INCOMPLETE),
        ([], True, True, ExitCode.OK),
        ([HIGH], False, False, ExitCode.FINDINGS),
        ([HIGH], True, False, ExitCode.FINDINGS),  # 1 takes precedence over 4
        ([HIGH], True, True, ExitCode.FINDINGS),  # --allow-incomplete never hides a problem
        ([MEDIUM], False, False, ExitCode.OK),  # below the threshold
        ([MEDIUM], True, False, ExitCode.INCOMPLETE),
    ],
)
def test_decide_exit(
    failed: list[Severity], incomplete: bool, allow: bool, expected: ExitCode
) -> None:
    assert (
        decide_exit(failed, threshold=HIGH, incomplete=incomplete, allow_incomplete=allow)
        == expected
    )
