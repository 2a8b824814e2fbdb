"""The call recorder: every AWS call goes through it, is counted, and fails into a SkippedRead."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import botocore.exceptions
import botocore.parsers

from vpcprobe_collector.aws import UNREACHABLE, one_line, translate_error
from vpcprobe_collector.errors import AwsAccessError
from vpcprobe_collector.snapshot.model import ApiCall, SkippedRead

# Error codes that mean "these credentials are not usable at all", as opposed to one denied read.
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


class ReadFailedError(Exception):
    """One AWS read failed; carries the error code for callers that must tell cases apart."""

    def __init__(self, api: str, code: str, message: str) -> None:
        super().__init__(f"{code} on {api}: {message}")
        self.api = api
        self.code = code
        self.message = message


class CallRecorder:
    """Makes AWS calls, counts each page as one ApiCall, and records failures as SkippedRead.

    Retries are botocore's (the clients' standard/adaptive retry mode): a throttled call that
    still fails after them arrives here as an error and is recorded, never retried by hand.
    """

    def __init__(self) -> None:
        self.api_calls: list[ApiCall] = []
        self.skipped: list[SkippedRead] = []

    # ------------------------------------------------------------------ low level

    def call_or_raise(self, client: Any, operation: str, api: str, **params: Any) -> dict[str, Any]:
        """One call; counted; raises ReadFailedError (not recorded as skipped) on failure."""
        try:
            response: dict[str, Any] = getattr(client, operation)(**params)
        except Exception as error:
            raise self._failed(api, error) from error
        self.api_calls.append(ApiCall(api=api, ok=True))
        return response

    def pages_or_raise(
        self, client: Any, operation: str, api: str, **params: Any
    ) -> list[dict[str, Any]]:
        """Every page of a paginated operation (botocore paginator); each page is one call."""
        if not client.can_paginate(operation):
            return [self.call_or_raise(client, operation, api, **params)]
        pages: list[dict[str, Any]] = []
        iterator = iter(client.get_paginator(operation).paginate(**params))
        while True:
            try:
                page = next(iterator)
            except StopIteration:
                return pages
            except Exception as error:
                raise self._failed(api, error) from error
            self.api_calls.append(ApiCall(api=api, ok=True))
            pages.append(page)

    # ------------------------------------------------------------------ tolerant

    def call(self, client: Any, operation: str, api: str, **params: Any) -> dict[str, Any] | None:
        """One call; None (and a SkippedRead) when it fails."""
        try:
            return self.call_or_raise(client, operation, api, **params)
        except ReadFailedError as failure:
            self.skip(failure)
            return None

    def items(
        self, client: Any, operation: str, api: str, key: str, **params: Any
    ) -> list[dict[str, Any]] | None:
        """All items under `key` across pages; None (and a SkippedRead) when a page fails."""
        try:
            pages = self.pages_or_raise(client, operation, api, **params)
        except ReadFailedError as failure:
            self.skip(failure)
            return None
        return [item for page in pages for item in page.get(key) or []]

    def skip(self, failure: ReadFailedError, resource_ids: Iterable[str] = ()) -> None:
        """Record a failed read so what depends on it is `unknown`, never clean."""
        self.skipped.append(
            SkippedRead(
                api=failure.api,
                error_code=failure.code,
                message=failure.message,
                resource_ids=list(resource_ids),
            )
        )

    def not_found(self, api: str, code: str, resource_ids: Iterable[str]) -> None:
        """Record IDs a filtered read asked for and AWS did not return (deleted, wrong VPC...)."""
        ids = sorted(set(resource_ids))
        if ids:
            self.skipped.append(
                SkippedRead(
                    api=api,
                    error_code=code,
                    message=f"not found: {', '.join(ids)}",
                    resource_ids=ids,
                )
            )

    # ------------------------------------------------------------------ internals

    def _failed(self, api: str, error: Exception) -> ReadFailedError:
        if isinstance(
            error,
            botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError,
        ):
            raise AwsAccessError(
                "no AWS credentials found: configure a profile (--profile), "
                "environment variables or an instance role"
            ) from error
        if isinstance(error, UNREACHABLE):
            # An endpoint that does not answer will not answer the next read either: stop
            # here (exit 3, naming it) instead of waiting out every remaining read.
            raise translate_error(error) or AwsAccessError(str(error)) from error
        if isinstance(error, botocore.exceptions.ClientError):
            detail = error.response.get("Error", {})
            code = str(detail.get("Code") or "ClientError")
            message = one_line(str(detail.get("Message") or error))
        elif isinstance(
            error, botocore.exceptions.BotoCoreError | botocore.parsers.ResponseParserError
        ):
            # e.g. an endpoint that is unreachable or answers something unparseable.
            code = type(error).__name__
            message = one_line(str(error))
        else:
            raise error
        self.api_calls.append(ApiCall(api=api, ok=False, error_code=code))
        return ReadFailedError(api, code, message)
