"""Running the probe on this host, in-process (e.g. an EC2 instance in the suspect's subnet)."""

from __future__ import annotations

from vpcprobe.models import ProbeRequest
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.probing.outcome import ProbeOutcome

DEFAULT_BUDGET_S = 30.0


def local_budget_s(request: ProbeRequest) -> float:
    """Time for the whole probe: enough for each step's timeout a few times over (steps overlap)."""
    return max(DEFAULT_BUDGET_S, request.timeout_s * 4)


def run_local(request: ProbeRequest, *, budget_s: float | None = None) -> ProbeOutcome:
    """Run every probe step here and return its report; the probe itself never raises."""
    try:
        from vpcprobe.runner import run_probe
    except ImportError as error:  # a collector-only install without the probe package
        raise BadInputError(f"the probe package is not available here: {error}") from error
    report = run_probe(request, budget_s=budget_s or local_budget_s(request))
    return ProbeOutcome(source="local", reports=[report])
