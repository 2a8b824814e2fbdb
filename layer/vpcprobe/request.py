"""The event as a ProbeRequest: plain checks for the usual shape, the contract for the rest.

A cold start must not pay for pydantic (importing it and building the contract's models
cost more than the rest of the probe together), yet a bad request must get exactly the
errors the contract (`vpcprobe.models.ProbeRequest`) gives. So the event is read in two
ways, one after the other:

1. `read_plain`: the shape every well-formed request has (JSON types, every limit of the
   contract checked). It accepts nothing the contract rejects and builds the same values;
   anything it is not sure of, it hands on (returns None), never rejects.
2. Only then the contract itself, lazily imported: its errors are the errors reported, and
   what it accepts (a port written as "6379", say) is read again from its normalised form.

tests/probe/test_contract.py checks both halves against the contract on many events.
"""

from __future__ import annotations

import math
from typing import Any

from vpcprobe import environment
from vpcprobe.facts import (
    MAX_DNS_NAMES,
    MAX_NAMESERVERS,
    MAX_TARGETS,
    MAX_TIMEOUT_S,
    AwsRequest,
    ProbeError,
    ProbeRequest,
    RecordType,
    Target,
    Transport,
    is_ip,
    parse_host_port,
    validate_hostname,
)

PROBE_EVENT_KEY = "vpcprobe"
_REQUEST_FIELDS = frozenset(
    {
        "targets",
        "dns_names",
        "nameservers",
        "record_types",
        "dns_transports",
        "system_resolver",
        "default_names",
        "aws",
        "timeout_s",
    }
)
_TARGET_FIELDS = frozenset({"host", "port", "label"})
_AWS_FIELDS = frozenset({"logs", "log_group", "sts"})
_RECORD_TYPES = {t.value: t for t in RecordType}
_QUERY_TRANSPORTS = {Transport.UDP.value: Transport.UDP, Transport.TCP.value: Transport.TCP}
MAX_LABEL = 64
MAX_LOG_GROUP = 512


class _NotPlain(Exception):
    """The event is not in the plain shape: the contract decides."""


def _list(value: Any, most: int, least: int = 0) -> list[Any]:
    if type(value) is not list or not least <= len(value) <= most:
        raise _NotPlain
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _NotPlain
    return value


def _text(value: Any, most: int | None = None) -> str:
    if type(value) is not str or (most is not None and len(value) > most):
        raise _NotPlain
    try:
        value.encode()  # a lone surrogate is no UTF-8 text: the contract says so
    except UnicodeEncodeError:
        raise _NotPlain from None
    return value


def _hostname(value: Any) -> str:
    try:
        return validate_hostname(_text(value))
    except ValueError:
        raise _NotPlain from None


def _target(value: Any) -> Target:
    if type(value) is str:
        try:
            host, port = parse_host_port(value)
        except ValueError:
            raise _NotPlain from None
        return Target(host=host, port=port)
    if type(value) is not dict or not value.keys() <= _TARGET_FIELDS:
        raise _NotPlain
    number = value.get("port")
    if type(number) is not int or not 1 <= number <= 65535:
        raise _NotPlain
    label = value.get("label")
    if label is not None:
        label = _text(label, MAX_LABEL)
    return Target(host=_hostname(value.get("host")), port=number, label=label)


def _aws(value: Any) -> AwsRequest:
    if type(value) is not dict or not value.keys() <= _AWS_FIELDS:
        raise _NotPlain
    group = value.get("log_group")
    return AwsRequest(
        logs=_bool(value.get("logs", True)),
        log_group=None if group is None else _text(group, MAX_LOG_GROUP),
        sts=_bool(value.get("sts", False)),
    )


def _timeout(value: Any) -> float:
    try:
        finite = type(value) in (int, float) and math.isfinite(value)
    except OverflowError:  # an int too large for a float (10**400)
        raise _NotPlain from None
    if not finite:
        raise _NotPlain
    if not 0 < value <= MAX_TIMEOUT_S:
        raise _NotPlain
    return float(value)


def _choices(value: Any, choices: dict[str, Any], most: int) -> list[Any]:
    items = _list(value, most, least=1)
    if not all(isinstance(item, str) for item in items):
        raise _NotPlain
    try:
        return [choices[str(item)] for item in items]
    except KeyError:
        raise _NotPlain from None


def read_plain(event: Any) -> ProbeRequest | None:
    """The request if `event` has the plain shape the contract accepts as it is, else None."""
    if type(event) is not dict or not event.keys() <= _REQUEST_FIELDS:
        return None
    try:
        fields: dict[str, Any] = {}
        if "targets" in event:
            fields["targets"] = [_target(t) for t in _list(event["targets"], MAX_TARGETS)]
        if "dns_names" in event:
            fields["dns_names"] = [_hostname(n) for n in _list(event["dns_names"], MAX_DNS_NAMES)]
        if "nameservers" in event:
            servers = [_text(s) for s in _list(event["nameservers"], MAX_NAMESERVERS)]
            if not all(is_ip(s) for s in servers):
                raise _NotPlain
            fields["nameservers"] = servers
        if "record_types" in event:
            fields["record_types"] = _choices(event["record_types"], _RECORD_TYPES, 6)
        if "dns_transports" in event:
            fields["dns_transports"] = _choices(event["dns_transports"], _QUERY_TRANSPORTS, 2)
        for name in ("system_resolver", "default_names"):
            if name in event:
                fields[name] = _bool(event[name])
        if "aws" in event:
            fields["aws"] = _aws(event["aws"])
        if "timeout_s" in event:
            fields["timeout_s"] = _timeout(event["timeout_s"])
        return ProbeRequest(**fields)
    except (_NotPlain, ValueError, TypeError, OverflowError):
        # _NotPlain: a check above. The rest: a check that raised on a value nobody thought
        # of; never an error of the plain reader's own, the contract decides.
        return None


def _by_contract(event: Any) -> tuple[ProbeRequest | None, list[ProbeError]]:
    """What the pydantic contract makes of `event`: its request, or its errors in words."""
    from pydantic import ValidationError

    from vpcprobe.models import ProbeRequest as ContractRequest

    try:
        model = ContractRequest.model_validate(event)
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False, include_input=False):
            location = ".".join(str(part) for part in error.get("loc", ())) or None
            message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
            errors.append(
                ProbeError(
                    step="request", message=environment.clip(message, 500), location=location
                )
            )
        return None, errors
    request = read_plain(model.model_dump(mode="json"))
    if request is None:  # the two readings disagree: a bug, said as such, never a guess
        message = "the request passed validation but could not be read; please report this"
        return None, [ProbeError(step="request", message=message)]
    return request, []


def parse_event(event: Any) -> tuple[ProbeRequest | None, list[ProbeError]]:
    """The request in `event` (also wrapped as {"vpcprobe": {...}}), or readable errors."""
    if event is None:
        event = {}
    if isinstance(event, dict) and len(event) == 1 and PROBE_EVENT_KEY in event:
        event = event[PROBE_EVENT_KEY] if event[PROBE_EVENT_KEY] is not None else {}
    request = read_plain(event)
    if request is not None:
        return request, []
    return _by_contract(event)
