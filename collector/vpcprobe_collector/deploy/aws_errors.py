"""Turn a failed AWS call during deploy/wrap into an error that names what was missing.

The error codes themselves are `vpcprobe_collector.aws_errors`'s, shared with the snapshot."""

from __future__ import annotations

from typing import NoReturn

import botocore.exceptions

from vpcprobe_collector.aws_errors import error_code, is_denied
from vpcprobe_collector.errors import AwsAccessError, ExitCode, VpcprobeError

__all__ = ["AwsErrors", "DeployFailedError", "error_code", "raise_aws_error"]


class DeployFailedError(VpcprobeError):
    """The probe function was created but Lambda could not make it Active."""

    exit_code = ExitCode.FINDINGS


def raise_aws_error(error: Exception, permission: str, hint: str | None = None) -> NoReturn:
    """Raise AwsAccessError naming `permission` (e.g. "iam:CreateRole") and what to do."""
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        raise AwsAccessError(
            "no AWS credentials found: set AWS_PROFILE or pass --profile"
        ) from error
    if isinstance(error, botocore.exceptions.EndpointConnectionError):
        raise AwsAccessError(f"cannot reach the AWS endpoint for {permission}: {error}") from error
    code = error_code(error)
    if is_denied(code):
        advice = hint or f"grant {permission} to the identity running vpcprobe"
        raise AwsAccessError(f"{permission} denied: {advice}") from error
    message = (
        error.response.get("Error", {}).get("Message", "")
        if isinstance(error, botocore.exceptions.ClientError)
        else str(error)
    )
    from vpcprobe_collector.aws import one_line  # an HTML error page becomes one line

    raise AwsAccessError(
        f"{permission} failed: {code or type(error).__name__}: {one_line(message)}"
    ) from error


AwsErrors = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
