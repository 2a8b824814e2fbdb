"""The call recorder: every AWS call goes through it, is counted, and fails into a SkippedRead."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import botocore.exceptions
import botocore.parsers

from vpcprobe_collector.aws import UNREACHABLE, CutAnswerError, one_line, translate_error
from vpcprobe_collector.aws_errors import CREDENTIAL_ERROR_CODES
from vpcprobe_collector.errors import AwsAccessError
from vpcprobe_collector.snapshot.model import MALFORMED_RESPONSE, ApiCall, SkippedRead

# What AWS always sends in a successful answer, beyond what the protocol itself guarantees
# (query and EC2 answers always carry a request ID; query answers a result wrapper, whose
# absence botocore's parser reports as a KeyError). An answer without it is malformed: an
# HTML page or `{}` that botocore parsed into an empty dict must never read as "nothing
# there" (no VPC config, no security groups, no quota).
ALWAYS_SENT: dict[str, tuple[str, ...]] = {
    "lambda:GetFunction": ("Configuration",),
    "service-quotas:GetServiceQuota": ("Quota",),
    "iam:GetPolicy": ("Policy",),
    "iam:GetPolicyVersion": ("PolicyVersion",),
    "iam:GetRolePolicy": ("PolicyDocument",),
}
# Protocols whose every answer names its request in the body.
_REQUEST_ID_IN_BODY = frozenset({"query", "ec2"})


__all__ = ["CREDENTIAL_ERROR_CODES", "CallRecorder", "ReadFailedError"]

T = TypeVar("T")


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
            malformed(client, api, response)
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
                malformed(client, api, page)
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

    def parse(
        self, api: str, items: Iterable[dict[str, Any]] | None, mapper: Callable[[Any], T]
    ) -> list[T]:
        """`mapper` over every item; an item without what AWS always sends in it (an ID, a
        well-formed value) makes the whole answer malformed: [] and a SkippedRead."""
        try:
            return [mapper(item) for item in items or []]
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            detail = f"{type(error).__name__}: {str(error)[:200]}"
            self.skip(
                ReadFailedError(
                    api, MALFORMED_RESPONSE, f"malformed response from {api} ({detail})"
                )
            )
            return []

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
        elif isinstance(error, MalformedResponseError):
            code, message = MALFORMED_RESPONSE, str(error)
        elif isinstance(error, CutAnswerError):
            # A 200 whose body botocore could not parse, still so after the retries.
            code = MALFORMED_RESPONSE
            message = f"malformed response from {api} ({one_line(str(error))})"
        elif isinstance(error, botocore.exceptions.BotoCoreError) and not isinstance(
            error, botocore.parsers.ResponseParserError
        ):
            # e.g. an endpoint that is unreachable, a read timeout, a connection cut short.
            code = type(error).__name__
            message = one_line(str(error))
        else:
            # botocore could not make sense of the answer: ResponseParserError for a body that
            # is not XML/JSON, KeyError for a query answer without its result wrapper, ...
            first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
            detail = f"{type(error).__name__}: {first}" if first else type(error).__name__
            code, message = MALFORMED_RESPONSE, f"malformed response from {api} ({detail})"
        self.api_calls.append(ApiCall(api=api, ok=False, error_code=code))
        return ReadFailedError(api, code, message)


class MalformedResponseError(Exception):
    """An answer that parsed but lacks what AWS always sends."""


def malformed(client: Any, api: str, response: Any) -> None:
    """Raise MalformedResponseError when `response` lacks what AWS always sends for `api`.

    The request-ID check applies to answers that came over HTTP (botocore records their
    headers in ResponseMetadata); a botocore Stubber's answers are checked by the Stubber
    against the service model instead.
    """
    if not isinstance(response, dict):
        raise MalformedResponseError(f"malformed response from {api} (not a JSON/XML object)")
    metadata = response.get("ResponseMetadata") or {}
    protocol = getattr(
        getattr(getattr(client, "meta", None), "service_model", None), "protocol", ""
    )
    if (
        protocol in _REQUEST_ID_IN_BODY
        and "HTTPHeaders" in metadata
        and not metadata.get("RequestId")
    ):
        raise MalformedResponseError(f"malformed response from {api} (no request ID)")
    missing = [key for key in ALWAYS_SENT.get(api, ()) if response.get(key) is None]
    if missing:
        raise MalformedResponseError(f"malformed response from {api} (no {', '.join(missing)})")
