"""One derivation of the probe's network identity, for CreateFunction and for `sam deploy`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpcprobe_collector.deploy.schedule import request_json
from vpcprobe_collector.errors import BadInputError

DEFAULT_ARCHITECTURE = "x86_64"


@dataclass(frozen=True)
class ProbeNetwork:
    """What the probe copies from the suspect: exactly its VpcConfig and architecture."""

    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    ipv6_allowed_for_dual_stack: bool
    architecture: str


def probe_network(suspect: dict[str, Any]) -> ProbeNetwork:
    """Read the suspect's GetFunction configuration; refuse when it is not attached to a VPC."""
    name = suspect.get("FunctionName", "the function")
    vpc = suspect.get("VpcConfig") or {}
    subnets = tuple(vpc.get("SubnetIds") or ())
    groups = tuple(vpc.get("SecurityGroupIds") or ())
    if not subnets:
        raise BadInputError(
            f"{name} is not attached to a VPC (no subnets in its VpcConfig): a function outside "
            "a VPC reaches the internet directly, so there is nothing for a VPC probe to copy"
        )
    architectures = suspect.get("Architectures") or [DEFAULT_ARCHITECTURE]
    return ProbeNetwork(
        subnet_ids=subnets,
        security_group_ids=groups,
        ipv6_allowed_for_dual_stack=bool(vpc.get("Ipv6AllowedForDualStack", False)),
        architecture=str(architectures[0]),
    )


def vpc_config(network: ProbeNetwork) -> dict[str, Any]:
    """The `VpcConfig` argument of CreateFunction/UpdateFunctionConfiguration."""
    return {
        "SubnetIds": list(network.subnet_ids),
        "SecurityGroupIds": list(network.security_group_ids),
        "Ipv6AllowedForDualStack": network.ipv6_allowed_for_dual_stack,
    }


def sam_parameters(network: ProbeNetwork) -> dict[str, str]:
    """template.yaml's parameters for the same network identity."""
    config = vpc_config(network)
    return {
        "SubnetIds": ",".join(config["SubnetIds"]),
        "SecurityGroupIds": ",".join(config["SecurityGroupIds"]),
        "Ipv6AllowedForDualStack": "true" if config["Ipv6AllowedForDualStack"] else "false",
        "Architecture": network.architecture,
    }


def canary_parameters(expression: str, request: dict[str, Any]) -> dict[str, str]:
    """template.yaml's ScheduleExpression and CanaryRequest for the canary `deploy` schedules.

    The template's rule Input is {"vpcprobe_canary": CanaryRequest}: the same event
    `canary_input` stores on the rule `deploy --schedule` creates.
    """
    return {
        "ScheduleExpression": expression,
        "CanaryRequest": request_json(request),
    }


def _quoted(value: str) -> str:
    # SAM CLI splits the overrides on spaces and takes a value wrapped in single quotes
    # whole (unescaping \'), which keeps JSON's double quotes as they are.
    if value and not any(char in value for char in " '\"\\"):
        return value
    if "\\" in value:  # SAM CLI's unescaping cannot carry every backslash through
        raise BadInputError(f"cannot pass {value!r} to sam deploy: it holds a backslash")
    return "'" + value.replace("'", "\\'") + "'"


def sam_parameter_overrides(network: ProbeNetwork, canary: dict[str, str] | None = None) -> str:
    """The `sam deploy --parameter-overrides` value: `Key=Value` pairs separated by spaces."""
    parameters = {**sam_parameters(network), **(canary or {})}
    return " ".join(f"{key}={_quoted(value)}" for key, value in parameters.items())
