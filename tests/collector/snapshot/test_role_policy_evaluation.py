"""Local evaluation of the execution role's policies for the ENI actions."""

from __future__ import annotations

from typing import Any

import pytest

from vpcprobe_collector.snapshot.model import PermissionDecision
from vpcprobe_collector.snapshot.readers.iam_reader import (
    eni_arn,
    evaluate_action,
    parse_document,
)

CREATE = "ec2:CreateNetworkInterface"
ROLE = "arn:aws:iam::111122223333:role/orders-api-role"
ENI = eni_arn(ROLE, "eu-west-1")


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


@pytest.mark.parametrize(
    ("documents", "expected"),
    [
        ([doc(allow("ec2:*"))], PermissionDecision.ALLOWED),
        ([doc(allow("ec2:Create*"))], PermissionDecision.ALLOWED),
        ([doc(allow(["EC2:createnetworkinterface"]))], PermissionDecision.ALLOWED),
        ([doc(allow("ec2:CreateNetworkInterface?"))], PermissionDecision.IMPLICIT_DENY),
        ([doc(allow("ec2:Describe*"))], PermissionDecision.IMPLICIT_DENY),
        ([doc(allow("*"))], PermissionDecision.ALLOWED),
        (
            [doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
            PermissionDecision.ALLOWED,
        ),
        (
            [doc({"Effect": "Allow", "NotAction": "ec2:*", "Resource": "*"})],
            PermissionDecision.IMPLICIT_DENY,
        ),
        ([doc(allow("ec2:*", "arn:aws:s3:::bucket/*"))], PermissionDecision.IMPLICIT_DENY),
        ([doc(allow("ec2:*", "arn:aws:ec2:*:*:*"))], PermissionDecision.ALLOWED),
        (
            [
                doc(allow("ec2:*")),
                doc({"Effect": "Deny", "Action": "ec2:Create*", "Resource": "*"}),
            ],
            PermissionDecision.EXPLICIT_DENY,
        ),
        (
            [doc({"Effect": "Deny", "NotAction": "ec2:*", "Resource": "*"}, allow(CREATE))],
            PermissionDecision.ALLOWED,
        ),
        ([doc()], PermissionDecision.IMPLICIT_DENY),
        ([{"Statement": allow(CREATE)}], PermissionDecision.ALLOWED),  # a single statement object
    ],
)
def test_evaluate_action(documents: list[dict[str, Any]], expected: PermissionDecision) -> None:
    assert evaluate_action(documents, CREATE, resource=ENI) is expected


REGION_GUARD = {  # the common "only in our regions" guard, often an SCP-like inline policy
    "Effect": "Deny",
    "NotAction": "iam:*",
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
}


@pytest.mark.parametrize(
    ("documents", "resource", "expected"),
    [
        # Scoped to the function's own account and region: allowed, not a false finding.
        ([doc(allow(CREATE, "arn:aws:ec2:eu-west-1:111122223333:*"))], ENI, "allowed"),
        ([doc(allow(CREATE, "arn:aws:ec2:us-east-1:111122223333:*"))], ENI, "implicit_deny"),
        ([doc(allow(CREATE, "arn:aws:ec2:*:444455556666:*"))], ENI, "implicit_deny"),
        # A Deny with a Condition might not apply: unknown, never an explicit deny.
        ([doc(allow("ec2:*"), REGION_GUARD)], ENI, "unknown"),
        # ... but it cannot make anything allowed either.
        ([doc(REGION_GUARD)], ENI, "implicit_deny"),
        ([doc({**allow(CREATE), "Condition": {"Bool": {"aws:SecureTransport": "true"}}})], ENI,
         "unknown"),
        # An unconditional Deny still wins over everything.
        ([doc(allow("ec2:*"), REGION_GUARD, {"Effect": "Deny", "Action": CREATE,
                                              "Resource": "*"})], ENI, "explicit_deny"),
        # Region unknown: an ARN-scoped statement cannot be matched, `*` still can.
        ([doc(allow(CREATE, "arn:aws:ec2:eu-west-1:111122223333:*"))], None, "unknown"),
        ([doc(allow(CREATE))], None, "allowed"),
    ],
)  # fmt: skip
def test_scoped_and_conditional_statements(
    documents: list[dict[str, Any]], resource: str | None, expected: str
) -> None:
    assert evaluate_action(documents, CREATE, resource=resource).value == expected


def test_eni_arn_is_in_the_roles_account_and_the_functions_region() -> None:
    assert ENI == "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0"
    assert eni_arn("arn:aws-cn:iam::111122223333:role/r", "cn-north-1") == (
        "arn:aws-cn:ec2:cn-north-1:111122223333:network-interface/eni-0"
    )
    assert eni_arn(ROLE, None) is None


def test_parse_document_accepts_dict_json_and_url_encoded_json() -> None:
    as_dict = doc(allow(CREATE))
    assert parse_document(as_dict) == as_dict
    assert parse_document('{"Statement": []}') == {"Statement": []}
    assert parse_document("%7B%22Statement%22%3A%20%5B%5D%7D") == {"Statement": []}
