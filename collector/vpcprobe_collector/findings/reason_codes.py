"""Lambda's state reason codes and the finding each is, for parts that must not import the rules.

`deploy/` names the cause of a probe that did not become Active from this table. The rules
that recognise these codes (`Rule.state_reason_codes`) must agree with it:
`tests/rules/test_reason_codes.py` keeps the two the same.
"""

from __future__ import annotations

# Lambda `StateReasonCode` / `LastUpdateStatusReasonCode` -> (finding code, finding name).
STATE_REASON_FINDINGS: dict[str, tuple[str, str]] = {
    "InvalidSubnet": ("CFG001", "vpc-config-references-missing-resource"),
    "InvalidSecurityGroup": ("CFG001", "vpc-config-references-missing-resource"),
    "InsufficientRolePermissions": ("IAM001", "role-lacks-eni-permissions"),
    "SubnetOutOfIPAddresses": ("SUB001", "subnet-out-of-ips"),
    "EniLimitExceeded": ("ENI001", "hyperplane-eni-quota-reached"),
}


def finding_for_reason(reason_code: str) -> tuple[str, str] | None:
    """(code, name) of the finding a Lambda state reason code is, or None."""
    return STATE_REASON_FINDINGS.get(reason_code)
