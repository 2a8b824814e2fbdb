"""Reads the suspect function's configuration (lambda:GetFunction)."""

from __future__ import annotations

from typing import Any

from vpcprobe_collector.snapshot.model import MALFORMED_RESPONSE, FunctionInfo, FunctionVpcConfig
from vpcprobe_collector.snapshot.readers.calls import CallRecorder, ReadFailedError


def read_function(recorder: CallRecorder, lambda_client: Any, function: str) -> FunctionInfo:
    """GetFunction for a name or ARN; raises ReadFailedError (the caller decides what it means).

    GetFunction's answer already carries the reserved concurrency (`Concurrency`), so no
    separate GetFunctionConcurrency call is made.
    """
    response = recorder.call_or_raise(
        lambda_client, "get_function", "lambda:GetFunction", FunctionName=function
    )
    parsed = recorder.parse("lambda:GetFunction", [response], function_from_aws)
    if not parsed:
        raise ReadFailedError(
            "lambda:GetFunction", MALFORMED_RESPONSE, recorder.skipped[-1].message
        )
    return parsed[0]


def function_from_aws(response: dict[str, Any]) -> FunctionInfo:
    """Map a GetFunction response to FunctionInfo (environment variable names only)."""
    config: dict[str, Any] = response.get("Configuration") or {}
    vpc: dict[str, Any] = config.get("VpcConfig") or {}
    name = str(config.get("FunctionName", ""))
    variables = (config.get("Environment") or {}).get("Variables") or {}
    logging: dict[str, Any] = config.get("LoggingConfig") or {}
    has_vpc = bool(vpc.get("SubnetIds") or vpc.get("SecurityGroupIds") or vpc.get("VpcId"))
    return FunctionInfo(
        name=name,
        arn=str(config.get("FunctionArn", "")),
        role_arn=config.get("Role"),
        runtime=config.get("Runtime"),
        handler=config.get("Handler"),
        package_type=config.get("PackageType"),
        architectures=list(config.get("Architectures") or []),
        memory_mb=config.get("MemorySize"),
        timeout_s=config.get("Timeout"),
        state=config.get("State"),
        state_reason=config.get("StateReason"),
        state_reason_code=config.get("StateReasonCode"),
        last_update_status=config.get("LastUpdateStatus"),
        last_update_status_reason=config.get("LastUpdateStatusReason"),
        last_update_status_reason_code=config.get("LastUpdateStatusReasonCode"),
        reserved_concurrency=(response.get("Concurrency") or {}).get(
            "ReservedConcurrentExecutions"
        ),
        vpc_config=FunctionVpcConfig(
            vpc_id=vpc.get("VpcId") or None,
            subnet_ids=list(vpc.get("SubnetIds") or []),
            security_group_ids=list(vpc.get("SecurityGroupIds") or []),
            ipv6_allowed_for_dual_stack=bool(vpc.get("Ipv6AllowedForDualStack", False)),
        )
        if has_vpc
        else None,
        layers=[layer["Arn"] for layer in config.get("Layers") or [] if layer.get("Arn")],
        environment_variable_names=sorted(variables),
        log_group=logging.get("LogGroup") or f"/aws/lambda/{name}",
        tags=dict(response.get("Tags") or {}),
    )
