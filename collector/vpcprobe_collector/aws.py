"""boto3 sessions and clients for the collector, honouring the standard AWS environment.

The AWS CLI's conventions hold for every client a command makes: --endpoint-url,
--no-verify-ssl / --ca-bundle, --cli-connect-timeout / --cli-read-timeout, and retries from
AWS_MAX_ATTEMPTS / AWS_RETRY_MODE or the profile's max_attempts / retry_mode (botocore's
`standard` mode when neither says otherwise). A 200 whose body is cut short is retried like
a 5xx, and an endpoint that does not answer ends the run in one line naming it (exit 3).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import html
import logging
import os
import re
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import botocore.parsers
import botocore.session

from vpcprobe_collector import progress
from vpcprobe_collector.errors import AwsAccessError, BadInputError, VpcprobeError

# Defaults that bound a command's total time against an endpoint that accepts connections
# and never answers: standard mode's 3 attempts of 15 s each, plus its backoff, stay under 60 s.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 15.0
CLIENT_CONFIG = botocore.config.Config(
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=READ_TIMEOUT_S,
    user_agent_extra="vpcprobe",
)
DEFAULT_RETRY_MODE = "standard"
UNREACHABLE = (
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectionClosedError,
)
OneCall = Callable[[str, str], None]


@dataclass(frozen=True)
class AwsOptions:
    """The global options that shape every client (None: botocore's or the code's default)."""

    endpoint_url: str | None = None
    verify: bool | str | None = None  # False: --no-verify-ssl; a path: --ca-bundle
    connect_timeout: float | None = None
    read_timeout: float | None = None


def options_from_args(args: argparse.Namespace) -> AwsOptions:
    """AwsOptions from the parsed global options; a --ca-bundle that is not a file is bad input."""
    verify: bool | str | None = None
    ca_bundle = getattr(args, "ca_bundle", None)
    if ca_bundle:
        if not Path(ca_bundle).is_file():
            raise BadInputError(f"--ca-bundle {ca_bundle}: no such file")
        verify = str(ca_bundle)
    if getattr(args, "no_verify_ssl", False):
        verify = False
    return AwsOptions(
        endpoint_url=getattr(args, "endpoint_url", None),
        verify=verify,
        connect_timeout=getattr(args, "cli_connect_timeout", None),
        read_timeout=getattr(args, "cli_read_timeout", None),
    )


class Session(boto3.Session):  # type: ignore[misc]
    """A boto3 session whose clients all follow the global options (see the module doc)."""

    def __init__(self, *, options: AwsOptions | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options or AwsOptions()
        # Called with (api, endpoint) as each call starts, besides the terminal's progress line.
        self.on_call: OneCall | None = None
        # An assumed-role session keeps the retry settings of the session it came from.
        self._retry_fixed: tuple[str | None, int | None] | None = None

    def assumed(self, credentials: Mapping[str, str], *, region: str | None = None) -> Session:
        """A session with another identity's credentials (sts:AssumeRole's `Credentials`, or
        aws_access_key_id / aws_secret_access_key / aws_session_token) whose clients keep this
        session's options: endpoint, TLS, timeouts, retries, call naming and progress."""
        key = credentials.get("AccessKeyId") or credentials.get("aws_access_key_id")
        secret = credentials.get("SecretAccessKey") or credentials.get("aws_secret_access_key")
        token = credentials.get("SessionToken") or credentials.get("aws_session_token")
        # A new botocore session that shares this one's loader: service models are parsed
        # once, not once per account (client creation is most of the cost of a small account).
        core = botocore.session.get_session()
        core.register_component("data_loader", self._session.get_component("data_loader"))
        profile = self._session.get_config_variable("profile")
        if profile:  # its other settings (endpoint_url, ca_bundle, ...) still apply
            core.set_config_variable("profile", profile)
        made = Session(
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token or None,
            region_name=region or self.region_name,
            botocore_session=core,
            options=self.options,
        )
        made.on_call = self.on_call
        made._retry_fixed = self._retry_settings()
        return made

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["config"] = self._config(kwargs.get("config"))
        if self.options.endpoint_url and not kwargs.get("endpoint_url"):
            kwargs["endpoint_url"] = self.options.endpoint_url
        if self.options.verify is not None and kwargs.get("verify") is None:
            kwargs["verify"] = self.options.verify
        made = super().client(service_name, *args, **kwargs)
        _retry_cut_answers(made)
        made.meta.events.register(
            "before-call", functools.partial(self._before_call, made.meta.endpoint_url)
        )
        made.meta.events.register("after-call-error", _name_the_call)
        made.meta.events.register("after-call", _call_ended)
        made.meta.events.register("after-call-error", _call_ended)
        return made

    def _config(self, config: botocore.config.Config | None) -> botocore.config.Config:
        base = config or CLIENT_CONFIG
        retries = dict(base.retries or {})
        mode, attempts = self._retry_settings()
        if mode:
            retries["mode"] = mode
        retries.setdefault("mode", DEFAULT_RETRY_MODE)
        if attempts is not None:
            retries.pop("max_attempts", None)
            retries["total_max_attempts"] = attempts
        overrides: dict[str, Any] = {"retries": retries}
        if self.options.connect_timeout is not None:
            overrides["connect_timeout"] = self.options.connect_timeout
        if self.options.read_timeout is not None:
            overrides["read_timeout"] = self.options.read_timeout
        return base.merge(botocore.config.Config(**overrides))

    def _retry_settings(self) -> tuple[str | None, int | None]:
        """What the user set: AWS_RETRY_MODE / AWS_MAX_ATTEMPTS, else the profile's values."""
        if self._retry_fixed is not None:
            return self._retry_fixed
        scoped: dict[str, Any] = {}
        with contextlib.suppress(botocore.exceptions.BotoCoreError):
            scoped = self._session.get_scoped_config()
        mode = os.environ.get("AWS_RETRY_MODE") or scoped.get("retry_mode")
        attempts_text = os.environ.get("AWS_MAX_ATTEMPTS") or scoped.get("max_attempts")
        attempts = None
        if attempts_text is not None:
            try:
                attempts = int(attempts_text)
            except ValueError:
                raise BadInputError(
                    f"max_attempts {attempts_text!r} (AWS_MAX_ATTEMPTS or the profile) "
                    "is not a whole number"
                ) from None
            if attempts < 1:
                raise BadInputError(f"max_attempts {attempts}: must be at least 1")
        if mode is not None and mode not in ("standard", "adaptive", "legacy"):
            raise BadInputError(
                f"retry_mode {mode!r} (AWS_RETRY_MODE or the profile): "
                "expected standard, adaptive or legacy"
            )
        return mode, attempts

    def _before_call(
        self, endpoint: str, model: Any, context: dict[str, Any] | None = None, **_kwargs: Any
    ) -> None:
        api = api_name(model)
        token = progress.waiting(api, endpoint)
        if context is not None:
            context[_PROGRESS_KEY] = token  # the call's own: after-call gets it back
        if self.on_call is not None:
            self.on_call(api, endpoint)


_PROGRESS_KEY = "vpcprobe_progress"


def _call_ended(context: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    progress.finished(None if context is None else context.get(_PROGRESS_KEY))


def api_name(model: Any) -> str:
    """`ec2:DescribeSubnets` for a botocore operation model."""
    prefix = model.service_model.signing_name or model.service_model.endpoint_prefix
    return f"{prefix}:{model.name}"


def _name_the_call(exception: Exception, **kwargs: Any) -> None:
    """Mark a failed call's exception with the API it was (exceptions carry data)."""
    event = str(kwargs.get("event_name", ""))
    parts = event.split(".")
    if len(parts) >= 3 and not hasattr(exception, "vpcprobe_api"):
        with contextlib.suppress(AttributeError, TypeError):
            exception.vpcprobe_api = f"{parts[1]}:{parts[2]}"  # type: ignore[attr-defined]


class CutAnswerError(botocore.exceptions.HTTPClientError):  # type: ignore[misc]
    """An answer whose body could not be parsed (cut short): transient, so retried."""

    fmt = "the answer could not be read (cut short?): {error}"


def _retry_cut_answers(made: Any) -> None:
    """Make botocore's retry handler see an unparseable answer as a transient HTTP error.

    botocore parses the body outside the part of the endpoint whose exceptions its retry
    handlers inspect, so a 200 cut short (ResponseParserError) would fail at once while a 5xx
    is retried; returning it as an HTTPClientError puts it on the same footing.
    """
    endpoint: Any = getattr(made, "_endpoint", None)
    original = getattr(endpoint, "_do_get_response", None)
    send = getattr(endpoint, "_send", None)
    if original is None or send is None:
        return
    last = threading.local()  # the status of this thread's last answer

    def send_and_note(request: Any) -> Any:
        last.status = None
        response = send(request)
        last.status = getattr(response, "status_code", None)
        return response

    def do_get_response(request: Any, operation_model: Any, context: Any) -> Any:
        try:
            return original(request, operation_model, context)
        except botocore.parsers.ResponseParserError as error:
            # Only a success answer cut short is transient; an error answer botocore cannot
            # parse (an endpoint that does not implement the call) stays what it is.
            if getattr(last, "status", None) != 200:
                raise
            return None, CutAnswerError(
                error=str(error).splitlines()[0][:200] if str(error) else ""
            )

    endpoint._send = send_and_note
    endpoint._do_get_response = do_get_response


def make_session(
    profile: str | None = None,
    region: str | None = None,
    *,
    options: AwsOptions | None = None,
) -> Session:
    """A session from AWS_PROFILE/AWS_REGION/shared config, or the given overrides.

    botocore reads AWS_DEFAULT_REGION and the profile's region but not AWS_REGION, which the
    AWS CLI v2, the other SDKs and Lambda itself use; it is honoured here after those two.
    """
    try:
        session = Session(profile_name=profile, region_name=region, options=options)
        if not session.region_name and os.environ.get("AWS_REGION"):
            session = Session(
                profile_name=profile, region_name=os.environ["AWS_REGION"], options=options
            )
    except botocore.exceptions.ProfileNotFound as error:
        raise AwsAccessError(f"AWS profile not found: {error}") from error
    if not session.region_name:
        raise AwsAccessError(
            "no AWS region set: pass --region or set AWS_REGION (or a region in your profile)"
        )
    return session


def arn_region(function: str | None) -> str | None:
    """The region a Lambda function ARN names (arn:aws:lambda:REGION:...), else None."""
    if not function:
        return None
    parts = function.split(":")
    if function.startswith("arn:") and len(parts) >= 7 and parts[3]:
        return parts[3]
    return None


def session_for(args: argparse.Namespace, function: str | None = None) -> Session:
    """The session a command's global options ask for; a function ARN supplies the region."""
    from_arn = arn_region(function)
    region = getattr(args, "region", None)
    if from_arn and region and region != from_arn:
        raise BadInputError(f"--region {region} contradicts {function}, which is in {from_arn}")
    return make_session(
        getattr(args, "profile", None), region or from_arn, options=options_from_args(args)
    )


def client(session: Any, service: str) -> Any:
    """A client for `service`; AWS_ENDPOINT_URL(_<SERVICE>) is honoured by botocore itself."""
    return session.client(service, config=CLIENT_CONFIG)


# ---------------------------------------------------------------------------- errors

_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_HTML = re.compile(r"<\s*(!doctype|html|head|body)\b", re.I)
MAX_LINE = 200


def one_line(text: str) -> str:
    """An error text cut to one readable line: an HTML page becomes its title (or its text)."""
    if _HTML.search(text):
        title = _TITLE.search(text)
        body = title.group(1) if title and title.group(1).strip() else _TAG.sub(" ", text)
        text = f"an HTML page: {html.unescape(body)}"
    line = " ".join(text.split())
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"


def endpoint_of(url: str | None) -> str:
    """scheme://host:port of a request URL (the endpoint, without the operation's path)."""
    if not url:
        return "the AWS endpoint"
    parts = urllib.parse.urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else str(url)


def translate_error(error: Exception) -> VpcprobeError | None:
    """An AWS error no command handled, as one line: unreachable endpoints and unexpected
    answers are exit 3; anything else is not ours to explain (None)."""
    api = getattr(error, "vpcprobe_api", None)
    during = f" ({api})" if api else ""
    if isinstance(error, UNREACHABLE):
        endpoint = endpoint_of(getattr(error, "kwargs", {}).get("endpoint_url"))
        what = {
            botocore.exceptions.ReadTimeoutError: "sent no answer in time",
            botocore.exceptions.ConnectTimeoutError: "did not accept a connection in time",
            botocore.exceptions.EndpointConnectionError: "could not be connected to",
            botocore.exceptions.ConnectionClosedError: "closed the connection without answering",
        }.get(type(error), "did not answer")
        return AwsAccessError(
            f"{endpoint} {what}{during}, after every retry; check --endpoint-url / "
            "AWS_ENDPOINT_URL and the network, or change --cli-read-timeout / AWS_MAX_ATTEMPTS"
        )
    if isinstance(error, botocore.exceptions.ClientError):
        detail = error.response.get("Error", {})
        code = detail.get("Code") or "error"
        return AwsAccessError(
            f"AWS answered {code}{during}: {one_line(str(detail.get('Message') or error))}"
        )
    if isinstance(error, botocore.exceptions.BotoCoreError | botocore.parsers.ResponseParserError):
        return AwsAccessError(f"AWS call failed{during}: {one_line(str(error))}")
    return None


# ---------------------------------------------------------------------------- --debug

_SECRETS = (
    (re.compile(r"(Credential=)[^/,\s]+"), r"\1****"),
    (re.compile(r"(Signature=)[0-9a-fA-F]+"), r"\1****"),
    (
        re.compile(
            r"""((?:X-Amz-Security-Token|x-amz-security-token)['"]?\s*[:=]\s*b?['"]?)[^'",\s}]+"""
        ),
        r"\1****",
    ),
    # A function's environment variables (GetFunction's answer, wrap's update): their values
    # are the function's secrets, and the names hint at them. The whole map is masked.
    (
        re.compile(r"""("Variables"\s*:\s*)\{(?:[^{}"\\]|\\.|"(?:[^"\\]|\\.)*")*\}"""),
        r"\1{****}",
    ),
    # An assumed role's credentials in the sts:AssumeRole answer (XML) or a JSON body.
    (re.compile(r"(<(?:AccessKeyId|SecretAccessKey|SessionToken)>)[^<]+"), r"\1****"),
    (
        re.compile(
            r"""((?:AccessKeyId|SecretAccessKey|SessionToken|accessKeyId|secretAccessKey|"""
            r"""sessionToken)['"]?\s*:\s*b?['"])[^'"]+"""
        ),
        r"\1****",
    ),
)


class MaskingFilter(logging.Filter):
    """Masks access keys, secrets, session tokens and signatures in botocore's debug log."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed log call: drop its arguments rather than leak them
            text = str(record.msg)
        for secret in self.secrets:
            text = text.replace(secret, "****")
        for pattern, replacement in _SECRETS:
            text = pattern.sub(replacement, text)
        record.msg, record.args = text, ()
        return True


def _known_secrets() -> list[str]:
    """The credential values this run may send, from the environment and the default chain."""
    values = [
        os.environ.get(name, "")
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    ]
    with contextlib.suppress(Exception):
        credentials = boto3.Session().get_credentials()
        if credentials is not None:
            frozen = credentials.get_frozen_credentials()
            values += [frozen.access_key, frozen.secret_key, frozen.token or ""]
    return values


class RedactingFilter(logging.Filter):
    """--debug with --redact/--redact-addresses: the log is masked as the report is (account
    IDs; addresses as pseudonyms of the log's own, stable within it)."""

    def __init__(self, addresses: bool) -> None:
        super().__init__()
        from vpcprobe_collector.report.redact import Pseudonyms

        self.addresses = addresses
        self.names = Pseudonyms()

    def filter(self, record: logging.LogRecord) -> bool:
        from vpcprobe_collector.report.redact import redact_text

        text = redact_text(record.getMessage(), addresses=self.addresses, pseudonyms=self.names)
        record.msg, record.args = text, ()
        return True


@contextlib.contextmanager
def debug_logging(*, redact: bool = False, addresses: bool = False) -> Iterator[None]:
    """--debug: botocore's wire log (requests, answers, retries) on stderr, secrets masked, and
    account IDs (with `redact`) and addresses (with `addresses`) masked as in the report."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s [%(levelname)s] %(message)s"))
    handler.addFilter(MaskingFilter(_known_secrets()))
    if redact or addresses:
        handler.addFilter(RedactingFilter(addresses))
    loggers = [logging.getLogger(name) for name in ("botocore", "boto3", "urllib3")]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
