"""One vocabulary for AWS error codes, shared by the snapshot readers and deploy/wrap."""

from __future__ import annotations

import botocore.exceptions

# A read or an action the caller's identity may not do.
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})

# Credentials that are not usable at all, as opposed to one denied call.
CREDENTIAL_ERROR_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "AuthFailure",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
    }
)


def error_code(error: BaseException) -> str:
    """The AWS error code of a ClientError, or "" for anything else."""
    if isinstance(error, botocore.exceptions.ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


def is_denied(code: str) -> bool:
    """A permission the caller lacks (or credentials that do not work at all)."""
    return code in DENIED_CODES or code in CREDENTIAL_ERROR_CODES


def is_not_found(code: str) -> bool:
    """InvalidSubnetID.NotFound, InvalidGroup.NotFound, ResourceNotFoundException:
    the resource does not exist, which is a fact and not a failed read."""
    return "NotFound" in code
