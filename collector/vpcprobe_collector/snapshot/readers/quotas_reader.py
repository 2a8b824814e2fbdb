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
NO_APPLIED_VALUE = "NoSuchResourceException"


def read_eni_quota(
    recorder: CallRecorder, quotas: Any, in_use: int | None, *, default: bool = True
) -> EniQuota:
    """GetServiceQuota for the ENI quota; falls back to the documented default with a note,
    or, with `default=False` (the audit), to no value: ENI001 then says it was not checked."""
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
    last = recorder.skipped[-1] if not parsed and recorder.skipped else None
    failure = last.reason if last else "no value"
    if last is not None and last.error_code == NO_APPLIED_VALUE:
        # AWS's answer for a quota never raised in this account: its default applies (the
        # Service Quotas API reference: "If the applied quota value is not available for a
        # quota, the quota is not retrieved"). A fact, not a failed read.
        return EniQuota(
            value=ENI_PER_VPC_DEFAULT,
            source="default",
            quota_code=ENI_PER_VPC_QUOTA_CODE,
            in_use=in_use,
            note=(
                f"Service Quotas has no applied value for {ENI_PER_VPC_QUOTA_CODE} "
                f"({NO_APPLIED_VALUE}): the quota was never raised, so Lambda's default of "
                f"{ENI_PER_VPC_DEFAULT} ENIs per VPC applies ({QUOTAS_DOC})"
            ),
        )
    if not default:
        return EniQuota(
            value=None,
            source="unavailable",
            quota_code=ENI_PER_VPC_QUOTA_CODE,
            in_use=in_use,
            note=(
                f"the Hyperplane ENI quota could not be read from Service Quotas ({failure}); "
                f"Lambda's documented default ({ENI_PER_VPC_DEFAULT} per VPC) may not be this "
                "account's value"
            ),
        )
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
