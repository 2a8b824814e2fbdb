"""ProbeRequest validation: what the probe accepts and the errors it gives for the rest."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from vpcprobe import facts
from vpcprobe.handler import parse_event
from vpcprobe.models import MAX_DNS_NAMES, MAX_TARGETS, ProbeRequest, RecordType, Transport


def test_empty_event_is_the_default_probe() -> None:
    request = ProbeRequest.model_validate({})
    assert request.targets == []
    assert request.record_types == [RecordType.A, RecordType.AAAA]
    assert request.dns_transports == [Transport.UDP, Transport.TCP]
    assert request.aws.logs is True
    assert request.timeout_s == 2.0


def test_targets_as_strings_and_objects() -> None:
    request = ProbeRequest.model_validate(
        {
            "targets": [
                "db.internal.example:5432",
                "[2001:db8::10]:443",
                "10.0.0.5:22",
                {"host": "api.example.com", "port": 443, "label": "api"},
            ]
        }
    )
    assert [(t.host, t.port) for t in request.targets] == [
        ("db.internal.example", 5432),
        ("2001:db8::10", 443),
        ("10.0.0.5", 22),
        ("api.example.com", 443),
    ]
    assert [t.display for t in request.targets] == [
        "db.internal.example:5432",
        "[2001:db8::10]:443",
        "10.0.0.5:22",
        "api",
    ]


@pytest.mark.parametrize(
    ("event", "location", "fragment"),
    [
        ({"targets": ["db:0"]}, "targets.0", "port must be a number from 1 to 65535"),
        ({"targets": ["db:65536"]}, "targets.0", "port must be a number from 1 to 65535"),
        ({"targets": ["db"]}, "targets.0", "expected host:port"),
        ({"targets": ["2001:db8::1:443"]}, "targets.0", "[address]:port"),
        ({"targets": ["bad_name!:80"]}, "targets.0", "not a valid host name"),
        ({"targets": [{"host": "db", "port": 80, "extra": 1}]}, "targets.0.extra", "Extra"),
        ({"dns_names": ["-bad-.example"]}, "dns_names", "not a valid host name"),
        ({"nameservers": ["dns.example"]}, "nameservers", "must be an IP address"),
        ({"timeout_s": 11}, "timeout_s", "less than or equal to 10"),
        ({"timeout_s": 0}, "timeout_s", "greater than 0"),
        ({"record_types": ["PTR"]}, "record_types.0", "Input should be"),
        ({"dns_transports": ["system"]}, "dns_transports.0", "Input should be"),
        ({"surprise": True}, "surprise", "Extra inputs are not permitted"),
        ({"aws": {"logs": "maybe"}}, "aws.logs", "valid boolean"),
        # JSON true is not the number 1: it would have probed port 1.
        ({"targets": [{"host": "db", "port": True}]}, "targets.0.port", "not true"),
        ({"targets": [{"host": "db", "port": False}]}, "targets.0.port", "not false"),
        ({"timeout_s": True}, "timeout_s", "expected a number, not true"),
        # An invalid IP address is not a host name, nor is a label of underscores or dashes.
        ({"targets": ["10.0.0.256:80"]}, "targets.0", "neither a valid IP address"),
        ({"targets": ["1.2.3:80"]}, "targets.0", "neither a valid IP address"),
        ({"targets": [{"host": "_", "port": 80}]}, "targets.0.host", "not a valid host name"),
        ({"targets": ["db.__.example:80"]}, "targets.0", "not a valid host name"),
        ({"dns_names": ["10.0.0.256"]}, "dns_names", "neither a valid IP address"),
        ({"dns_names": ["_"]}, "dns_names", "not a valid host name"),
    ],
)
def test_bad_events_give_readable_errors(
    event: dict[str, Any], location: str, fragment: str
) -> None:
    request, errors = parse_event(event)
    assert request is None
    assert any(e.location == location and fragment in e.message for e in errors), errors
    assert all(not e.message.startswith("Value error") for e in errors)


def test_limits_on_list_sizes() -> None:
    with pytest.raises(ValidationError, match="at most 64 items"):
        ProbeRequest.model_validate(
            {"targets": [f"10.0.0.1:{p}" for p in range(1, MAX_TARGETS + 2)]}
        )
    ProbeRequest.model_validate({"targets": [f"10.0.0.1:{p}" for p in range(1, MAX_TARGETS + 1)]})
    with pytest.raises(ValidationError):
        ProbeRequest.model_validate({"nameservers": ["10.0.0.2"] * 17})


def test_limit_on_dns_names() -> None:
    names = [f"n{i}.example" for i in range(MAX_DNS_NAMES + 1)]
    request, errors = parse_event({"dns_names": names})
    assert request is None
    assert [(e.location, e.message) for e in errors] == [
        ("dns_names", "List should have at most 64 items after validation, not 65")
    ]
    request, errors = parse_event({"dns_names": names[:MAX_DNS_NAMES]})
    assert errors == []
    assert request is not None and len(request.dns_names) == 64


@pytest.mark.parametrize(
    "name", ["_sip._tcp.example.com", "db_1.corp.internal", "1e100.net", "localhost", "ok.test."]
)
def test_names_that_stay_valid(name: str) -> None:
    request = ProbeRequest.model_validate({"dns_names": [name], "targets": [f"{name}:443"]})
    assert request.dns_names == [name]
    assert request.targets[0].host == name


def test_numbers_given_as_numbers_or_digits_are_still_ports() -> None:
    request = ProbeRequest.model_validate(
        {"targets": [{"host": "db", "port": 5432}, {"host": "db", "port": "6379"}], "timeout_s": 1}
    )
    assert [t.port for t in request.targets] == [5432, 6379]
    assert request.timeout_s == 1.0


def test_wrapped_event_and_none_are_accepted() -> None:
    request, errors = parse_event({"vpcprobe": {"targets": ["10.0.0.5:22"]}})
    assert errors == []
    assert request is not None and request.targets[0].port == 22
    request, errors = parse_event(None)
    assert request == facts.ProbeRequest()


@pytest.mark.parametrize("event", [[], "targets", 42, {"vpcprobe": 7}])
def test_events_that_are_not_objects(event: Any) -> None:
    request, errors = parse_event(event)
    assert request is None
    assert errors and errors[0].step == "request"
