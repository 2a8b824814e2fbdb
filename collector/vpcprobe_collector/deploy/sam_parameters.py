"""One derivation of the probe's network identity, for CreateFunction and for `sam deploy`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def sam_parameter_overrides(network: ProbeNetwork) -> str:
    """The `sam deploy --parameter-overrides` value: `Key=Value` pairs separated by spaces."""
    return " ".join(f"{key}={value}" for key, value in sam_parameters(network).items())
