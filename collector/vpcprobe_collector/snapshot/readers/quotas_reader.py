"""Reads Lambda's Hyperplane ENI quota per VPC from Service Quotas (or the documented default)."""

from __future__ import annotations

from typing import Any

from vpcprobe_collector.snapshot.model import EniQuota
from vpcprobe_collector.snapshot.readers.calls import CallRecorder

# Service Quotas: service "lambda", quota "Elastic network interfaces per VPC".
LAMBDA_SERVICE_CODE = "lambda"
ENI_PER_VPC_QUOTA_CODE = "L-9FEE3D26"
# The Lambda developer guide ("Lambda quotas") documents a default of 500 per VPC
# (250 in older versions of the page); shared with other services such as EFS.
ENI_PER_VPC_DEFAULT = 500
QUOTAS_DOC = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"


def read_eni_quota(recorder: CallRecorder, quotas: Any, in_use: int | None) -> EniQuota:
    """GetServiceQuota for the ENI quota; falls back to the documented default with a note."""
    response = recorder.call(
        quotas,
        "get_service_quota",
        "service-quotas:GetServiceQuota",
        ServiceCode=LAMBDA_SERVICE_CODE,
        QuotaCode=ENI_PER_VPC_QUOTA_CODE,
    )
    parsed = recorder.parse(
        "service-quotas:GetServiceQuota",
        [] if response is None else [response],
        lambda r: None if r["Quota"].get("Value") is None else int(r["Quota"]["Value"]),
    )
    value = parsed[0] if parsed else None
    if value is not None:
        return EniQuota(
            value=int(value),
            source="service-quotas",
            quota_code=ENI_PER_VPC_QUOTA_CODE,
            in_use=in_use,
        )
    failure = recorder.skipped[-1].reason if not parsed and recorder.skipped else "no value"
    return EniQuota(
        value=ENI_PER_VPC_DEFAULT,
        source="default",
        quota_code=ENI_PER_VPC_QUOTA_CODE,
        in_use=in_use,
        note=(
            f"Service Quotas could not be read ({failure}); using Lambda's documented default "
            f"of {ENI_PER_VPC_DEFAULT} ENIs per VPC ({QUOTAS_DOC}); your account's value may differ"
        ),
    )
