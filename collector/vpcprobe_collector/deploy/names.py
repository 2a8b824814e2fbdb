"""Names and tags of everything vpcprobe creates, within AWS's length limits."""

from __future__ import annotations

import hashlib
import re

from vpcprobe_collector.errors import BadInputError

TAG_LIKE = "vpcprobe:like"
TAG_MANAGED = "vpcprobe:managed"
TAG_WRAPPED = "vpcprobe:wrapped"
PROBE_PREFIX = "vpcprobe-probe-"
CANARY_PREFIX = "vpcprobe-canary-"
LAYER_PREFIX = "vpcprobe-python"
# The probe's role lives under this path, with this permissions boundary, so that the operator
# policy (docs/iam-policy.json) can scope iam:CreateRole and iam:PassRole to exactly that.
ROLE_PATH = "/vpcprobe/"
BOUNDARY_POLICY_NAME = "vpcprobe-probe-boundary"
# Function, role and EventBridge rule names are all limited to 64 characters.
NAME_LIMIT = 64
# What Lambda accepts as FunctionName: NAME, NAME:QUALIFIER, ACCOUNT:function:NAME or the ARN
# (partitions aws, aws-cn, aws-us-gov, ...). Checked before any call, so that an empty or
# mistyped name is the user's input error, not botocore's ParamValidationError.
_FUNCTION = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:function:|\d{12}:function:)?"
    r"[a-zA-Z0-9._-]{1,64}(?::(?:\$LATEST|[a-zA-Z0-9_-]{1,128}))?"
)


def bounded_name(prefix: str, suspect: str, limit: int = NAME_LIMIT) -> str:
    """`prefix + suspect`, or a shortened form with a hash of the suspect when too long."""
    name = prefix + suspect
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(suspect.encode()).hexdigest()[:8]
    return f"{prefix}{suspect[: limit - len(prefix) - 9]}-{digest}"


def probe_function_name(suspect: str) -> str:
    """The probe function deployed beside `suspect` (also its role's name)."""
    return bounded_name(PROBE_PREFIX, suspect)


def canary_rule_name(suspect: str) -> str:
    """The EventBridge rule that runs the probe beside `suspect` on a schedule."""
    return bounded_name(CANARY_PREFIX, suspect)


def boundary_policy_arn(partition: str, account: str) -> str:
    """The permissions boundary every probe role is created with (docs/iam-probe-boundary.json)."""
    return f"arn:{partition}:iam::{account}:policy{ROLE_PATH}{BOUNDARY_POLICY_NAME}"


def layer_name(python: str, architecture: str) -> str:
    """The layer for one Python version and architecture, e.g. vpcprobe-python313-arm64."""
    return f"{LAYER_PREFIX}{python.replace('.', '')}-{architecture}"


def function_name_from(function: str) -> str:
    """The function name from NAME, NAME:QUALIFIER, ACCOUNT:function:NAME or a full ARN."""
    parts = function.split(":")
    if function.startswith("arn:"):
        return parts[6] if len(parts) > 6 else function
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2]
    return parts[0]


def check_function_name(function: str, given_as: str) -> str:
    """Return `function` when Lambda could accept it as a FunctionName; else BadInputError.

    `given_as` names the argument in the message ("--like", "FUNCTION").
    """
    if not _FUNCTION.fullmatch(function):
        raise BadInputError(
            f"{given_as} {function!r} is not a Lambda function name or ARN: expected NAME "
            "(1 to 64 letters, digits, '-' or '_'), NAME:QUALIFIER or "
            "arn:aws:lambda:REGION:ACCOUNT:function:NAME"
        )
    return function


def managed_tags(suspect: str) -> dict[str, str]:
    """The tags on everything `vpcprobe deploy --like suspect` creates."""
    return {TAG_LIKE: suspect, TAG_MANAGED: "true"}
