"""The ProbeRequest sent to a probe, built from the targets the user asked about."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from vpcprobe.models import MAX_TARGETS, ProbeRequest, Target
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import TargetSpec
from vpcprobe_collector.validation_text import describe


def build_request(
    targets: Sequence[TargetSpec],
    *,
    timeout_s: float | None = None,
    dns_names: Sequence[str] = (),
    nameservers: Sequence[str] = (),
) -> ProbeRequest:
    """One request for every TCP target (the probe connects over TCP; UDP is judged statically)."""
    probe_targets: list[Target] = []
    seen: set[tuple[str, int]] = set()
    for spec in targets:
        if spec.protocol != "tcp" or (spec.host, spec.port) in seen:
            continue
        seen.add((spec.host, spec.port))
        label = (spec.label or None) and spec.label[:64]
        probe_targets.append(Target(host=spec.host, port=spec.port, label=label))
    if len(probe_targets) > MAX_TARGETS:
        raise BadInputError(
            f"{len(probe_targets)} targets: the probe checks at most {MAX_TARGETS} per run"
        )
    fields: dict[str, object] = {
        "targets": probe_targets,
        "dns_names": list(dns_names),
        "nameservers": list(nameservers),
    }
    if timeout_s is not None:
        fields["timeout_s"] = timeout_s
    try:
        return ProbeRequest.model_validate(fields)
    except ValidationError as error:
        raise BadInputError(f"cannot build the probe request: {describe(error)}") from error
