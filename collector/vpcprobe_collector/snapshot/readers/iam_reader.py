"""Reads whether the execution role may do the ENI actions Lambda needs (simulated or local)."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Sequence
from typing import Any

from vpcprobe_collector.snapshot.model import (
    MALFORMED_RESPONSE,
    PermissionDecision,
    RolePermissions,
)
from vpcprobe_collector.snapshot.readers.calls import CallRecorder, ReadFailedError

ENI_ACTIONS: tuple[str, ...] = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
)

_SIMULATED = {
    "allowed": PermissionDecision.ALLOWED,
    "explicitDeny": PermissionDecision.EXPLICIT_DENY,
    "implicitDeny": PermissionDecision.IMPLICIT_DENY,
}


def role_name(role_arn: str) -> str:
    """The role's name from its ARN (the path, if any, is dropped)."""
    return role_arn.rsplit("/", 1)[-1]


def read_role_permissions(
    recorder: CallRecorder,
    iam: Any,
    role_arn: str,
    actions: Sequence[str] = ENI_ACTIONS,
    *,
    region: str | None = None,
) -> RolePermissions:
    """iam:SimulatePrincipalPolicy when allowed, else the role's own policies evaluated here."""
    try:
        pages = recorder.pages_or_raise(
            iam,
            "simulate_principal_policy",
            "iam:SimulatePrincipalPolicy",
            PolicySourceArn=role_arn,
            ActionNames=list(actions),
        )
    except ReadFailedError as failure:
        recorder.skip(failure, [role_arn])
        simulate_failure = failure
    else:
        results = recorder.parse(
            "iam:SimulatePrincipalPolicy",
            [r for page in pages for r in page.get("EvaluationResults") or []],
            lambda r: (
                str(r["EvalActionName"]),
                _SIMULATED.get(r.get("EvalDecision", ""), PermissionDecision.UNKNOWN),
            ),
        )
        decisions = dict(results)
        return RolePermissions(
            role_arn=role_arn,
            method="simulate",
            decisions={a: decisions.get(a, PermissionDecision.UNKNOWN) for a in actions},
            detail="iam:SimulatePrincipalPolicy (identity policies and permissions boundary)",
        )
    documents = _read_role_policies(recorder, iam, role_name(role_arn))
    if documents is None:
        return RolePermissions(
            role_arn=role_arn,
            method="unavailable",
            decisions={a: PermissionDecision.UNKNOWN for a in actions},
            detail=(
                f"simulation failed ({simulate_failure.code}) and the role's policies "
                "could not be read"
            ),
        )
    return RolePermissions(
        role_arn=role_arn,
        method="local",
        decisions={
            a: evaluate_action(documents, a, resource=eni_arn(role_arn, region)) for a in actions
        },
        detail=(
            f"simulation failed ({simulate_failure.code}); evaluated the role's "
            f"{len(documents)} attached and inline policies locally (a statement with a "
            "Condition makes the answer unknown; permissions boundaries and organisation SCPs "
            "are not evaluated)"
        ),
    )


def _read_role_policies(recorder: CallRecorder, iam: Any, name: str) -> list[dict[str, Any]] | None:
    """The role's policy documents: attached managed (default version) and inline."""
    attached = recorder.items(
        iam,
        "list_attached_role_policies",
        "iam:ListAttachedRolePolicies",
        "AttachedPolicies",
        RoleName=name,
    )
    inline = recorder.items(
        iam, "list_role_policies", "iam:ListRolePolicies", "PolicyNames", RoleName=name
    )
    if attached is None or inline is None:
        return None
    arns = recorder.parse("iam:ListAttachedRolePolicies", attached, lambda p: str(p["PolicyArn"]))
    if len(arns) != len(attached):
        return None
    documents: list[dict[str, Any]] = []
    for arn in arns:
        meta = recorder.call(iam, "get_policy", "iam:GetPolicy", PolicyArn=arn)
        version = (meta or {}).get("Policy", {}).get("DefaultVersionId")
        if not version:
            return None
        body = recorder.call(
            iam, "get_policy_version", "iam:GetPolicyVersion", PolicyArn=arn, VersionId=version
        )
        if body is None:
            return None
        document = _document_or_skip(
            recorder, "iam:GetPolicyVersion", (body.get("PolicyVersion") or {}).get("Document")
        )
        if document is None:
            return None
        documents.append(document)
    for policy_name in inline:
        body = recorder.call(
            iam, "get_role_policy", "iam:GetRolePolicy", RoleName=name, PolicyName=policy_name
        )
        if body is None:
            return None
        document = _document_or_skip(recorder, "iam:GetRolePolicy", body.get("PolicyDocument"))
        if document is None:
            return None
        documents.append(document)
    return documents


def _document_or_skip(recorder: CallRecorder, api: str, raw: Any) -> dict[str, Any] | None:
    """A policy document, or None (and a malformed-response SkippedRead) when it is not JSON."""
    try:
        if raw is None:
            raise ValueError("no policy document")
        return parse_document(raw)
    except (ValueError, TypeError) as error:  # json.JSONDecodeError is a ValueError
        recorder.skip(
            ReadFailedError(api, MALFORMED_RESPONSE, f"malformed response from {api} ({error})")
        )
        return None


def parse_document(document: Any) -> dict[str, Any]:
    """A policy document as a dict (botocore decodes IAM's URL-encoded JSON; be tolerant)."""
    if isinstance(document, dict):
        return document
    text = str(document)
    if text.lstrip().startswith("%"):
        text = urllib.parse.unquote(text)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = json.loads(urllib.parse.unquote(text))
    return parsed if isinstance(parsed, dict) else {}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _matches(pattern: str, value: str) -> bool:
    """IAM wildcard match: `*` any run, `?` one character, case-insensitive."""
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, flags=re.IGNORECASE) is not None


def _covers_action(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(_matches(p, action) for p in _as_list(statement["NotAction"]))
    return any(_matches(p, action) for p in _as_list(statement.get("Action")))


def eni_arn(role_arn: str, region: str | None) -> str | None:
    """An ARN like the network interfaces Lambda creates: the role's account, the region.

    None when the region or account is unknown: a statement scoped to ARNs then cannot be
    matched, and says so (unknown) rather than guessing.
    """
    parts = role_arn.split(":")
    if len(parts) < 5 or not parts[4] or not region:
        return None
    # Any interface will do: the IDs Lambda will give its ENIs are not known in advance.
    return f"arn:{parts[1]}:ec2:{region}:{parts[4]}:network-interface/eni-0"


def _covers_resource(statement: dict[str, Any], resource: str | None) -> bool | None:
    """Whether the statement applies to `resource` (None: cannot tell)."""
    if "NotResource" in statement:
        patterns = _as_list(statement["NotResource"])
        if "*" in patterns:
            return False
        if resource is None:
            return None
        return not any(_matches(p, resource) for p in patterns)
    patterns = _as_list(statement.get("Resource"))
    if "*" in patterns:
        return True
    if resource is None:
        return None if any(p.startswith("arn:") and ":ec2:" in p for p in patterns) else False
    return any(_matches(p, resource) for p in patterns)


def _statements(documents: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for document in documents:
        statement = document.get("Statement") or []
        found.extend([statement] if isinstance(statement, dict) else statement)
    return found


def evaluate_action(
    documents: Iterable[dict[str, Any]],
    action: str,
    *,
    resource: str | None,
) -> PermissionDecision:
    """IAM's identity-policy logic for one action: an explicit Deny wins, then any Allow.

    A statement that might apply (a Condition, or a resource pattern that cannot be matched)
    decides nothing by itself: when it could change the answer, the answer is `unknown`.
    """
    certain_allow = possible_allow = certain_deny = possible_deny = False
    for statement in _statements(documents):
        if not _covers_action(statement, action):
            continue
        applies = _covers_resource(statement, resource)
        if applies is False:
            continue
        certain = applies is True and not statement.get("Condition")
        if str(statement.get("Effect")).lower() == "deny":
            certain_deny |= certain
            possible_deny |= not certain
        elif str(statement.get("Effect")).lower() == "allow":
            certain_allow |= certain
            possible_allow |= not certain
    if certain_deny:
        return PermissionDecision.EXPLICIT_DENY
    if not (certain_allow or possible_allow):
        return PermissionDecision.IMPLICIT_DENY
    if certain_allow and not possible_deny:
        return PermissionDecision.ALLOWED
    return PermissionDecision.UNKNOWN
