"""Local evaluation of the execution role's policies for the ENI actions."""

from __future__ import annotations

from typing import Any

import pytest

from vpcprobe_collector.snapshot.model import PermissionDecision
from vpcprobe_collector.snapshot.readers.iam_reader import evaluate_action, parse_document

CREATE = "ec2:CreateNetworkInterface"


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
    assert evaluate_action(documents, CREATE) is expected


def test_parse_document_accepts_dict_json_and_url_encoded_json() -> None:
    as_dict = doc(allow(CREATE))
    assert parse_document(as_dict) == as_dict
    assert parse_document('{"Statement": []}') == {"Statement": []}
    assert parse_document("%7B%22Statement%22%3A%20%5B%5D%7D") == {"Statement": []}
