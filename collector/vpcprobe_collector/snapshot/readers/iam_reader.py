"""Reads whether the execution role may do the ENI actions Lambda needs (simulated or local),
and which AWS services its policies let the function's code call."""

from __future__ import annotations

import json
import re
import threading
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


# What Lambda itself does with the execution role (AWSLambdaBasicExecutionRole and
# AWSLambdaVPCAccessExecutionRole): a role allowing only these lets the code call nothing.
LAMBDA_OWN_ACTIONS = frozenset(
    a.lower()
    for a in (
        *ENI_ACTIONS,
        "ec2:DescribeSubnets",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        # Permissions that authorise something else and are no API call of their own.
        "iam:PassRole",
        "rds-db:connect",
        # EFS access points: the mount is authorised by IAM, made by Lambda's file system
        # client over NFS (2049), no HTTPS API call.
        "elasticfilesystem:ClientMount",
        "elasticfilesystem:ClientWrite",
        "elasticfilesystem:ClientRootAccess",
        # Active tracing: Lambda sends the function's trace segments, not the code.
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    )
)
# The permissions an event source mapping needs (AWSLambdaSQSQueueExecutionRole,
# AWSLambdaDynamoDBExecutionRole, AWSLambdaKinesisExecutionRole, AWSLambdaMSKExecutionRole):
# Lambda's pollers use them from outside the VPC. A service allowed only these is not one
# the code is known to call.
EVENT_SOURCE_ACTIONS = frozenset(
    a.lower()
    for a in (
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
        "kinesis:ListStreams",
        "kinesis:SubscribeToShard",
        "kafka:DescribeCluster",
        "kafka:DescribeClusterV2",
        "kafka:GetBootstrapBrokers",
        "ec2:DescribeVpcs",
        "ec2:DescribeSecurityGroups",
    )
)
EVERY_SERVICE = "*"


class PolicyCache:
    """Managed policy documents by ARN, read once per audit of an account and region
    (AWSLambdaVPCAccessExecutionRole is attached to most execution roles)."""

    def __init__(self) -> None:
        self._documents: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, arn: str) -> dict[str, Any] | None:
        with self._lock:
            return self._documents.get(arn)

    def put(self, arn: str, document: dict[str, Any]) -> None:
        with self._lock:
            self._documents[arn] = document


BUDGET_SPENT = "CallBudgetSpent"


class CallBudget:
    """The policy-document reads an audit may still make (shared by its roles): past it, a
    role's policies are not read, and what depends on them is not judged."""

    def __init__(self, calls: int) -> None:
        self.limit = max(calls, 0)
        self._left = self.limit
        self._lock = threading.Lock()

    def take(self, calls: int) -> bool:
        with self._lock:
            if self._left < calls:
                return False
            self._left -= calls
            return True


def read_role_permissions(
    recorder: CallRecorder,
    iam: Any,
    role_arn: str,
    actions: Sequence[str] = ENI_ACTIONS,
    *,
    region: str | None = None,
    policies: PolicyCache | None = None,
    budget: CallBudget | None = None,
) -> RolePermissions:
    """iam:SimulatePrincipalPolicy when allowed, else the role's own policies evaluated here;
    the role's policies are read either way for the services the code may call."""
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
        documents = _read_role_policies(recorder, iam, role_name(role_arn), policies, budget)
        return RolePermissions(
            role_arn=role_arn,
            method="simulate",
            decisions={a: decisions.get(a, PermissionDecision.UNKNOWN) for a in actions},
            detail="iam:SimulatePrincipalPolicy (identity policies and permissions boundary)",
            services=None if documents is None else allowed_services(documents),
            event_source_services=[] if documents is None else event_source_services(documents),
        )
    documents = _read_role_policies(recorder, iam, role_name(role_arn), policies, budget)
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
        services=allowed_services(documents),
        event_source_services=event_source_services(documents),
        detail=(
            f"simulation failed ({simulate_failure.code}); evaluated the role's "
            f"{len(documents)} attached and inline policies locally (a statement with a "
            "Condition makes the answer unknown; permissions boundaries and organisation SCPs "
            "are not evaluated)"
        ),
    )


def _within(
    recorder: CallRecorder, budget: CallBudget | None, api: str, calls: int, name: str
) -> bool:
    """Whether `calls` more reads fit the audit's budget; when not, a SkippedRead says so."""
    if budget is None or budget.take(calls):
        return True
    recorder.skip(
        ReadFailedError(
            api,
            BUDGET_SPENT,
            f"the audit's budget of {budget.limit} policy reads was spent before role {name}'s "
            "policies were all read",
        )
    )
    return False


def _read_role_policies(
    recorder: CallRecorder,
    iam: Any,
    name: str,
    cache: PolicyCache | None = None,
    budget: CallBudget | None = None,
) -> list[dict[str, Any]] | None:
    """The role's policy documents: attached managed (default version) and inline; None when
    one could not be read (or the audit's call budget would be passed reading it)."""
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
    # The whole role's reads are taken from the budget at once, so that roles read in parallel
    # are each read whole or not at all (never all of them half-read).
    unread = [a for a in arns if not (cache and cache.get(a) is not None)]
    if not _within(recorder, budget, "iam:GetPolicy", 2 * len(unread) + len(inline), name):
        return None
    documents: list[dict[str, Any]] = []
    for arn in arns:
        cached = cache.get(arn) if cache else None
        if cached is not None:
            documents.append(cached)
            continue
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
        if cache:
            cache.put(arn, document)
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


def _prefix(action: str) -> str:
    return action.split(":", 1)[0].lower() if ":" in action else action.lower()


def _unconditional_everywhere(statement: dict[str, Any]) -> bool:
    """A statement that applies to every resource with no condition (a Deny that certainly
    takes the whole service away)."""
    if statement.get("Condition") or "NotResource" in statement:
        return False
    return "*" in _as_list(statement.get("Resource"))


def allowed_services(documents: Iterable[dict[str, Any]]) -> list[str]:
    """The services (IAM action prefixes) some Allow statement grants an action of, beyond
    LAMBDA_OWN_ACTIONS; ["*"] when an Allow covers every service (`*`, or NotAction).

    A Deny takes a service away only when it certainly covers all of it (`svc:*` or `*` on
    every resource, no condition; a Deny with NotAction leaves only the services it names):
    a partial Deny leaves the service callable, so nothing is over-claimed as denied, and a
    partial Allow counts, so nothing the code may call is left out.
    """
    statements = _statements(documents)
    allowed: set[str] = set()
    for statement in statements:
        if str(statement.get("Effect")).lower() != "allow":
            continue
        if "NotAction" in statement:
            allowed.add(EVERY_SERVICE)
            continue
        for action in _as_list(statement.get("Action")):
            if action.strip() == "*":
                allowed.add(EVERY_SERVICE)
            elif action.lower() not in LAMBDA_OWN_ACTIONS:
                allowed.add(_prefix(action))
    for statement in statements:
        if str(statement.get("Effect")).lower() != "deny":
            continue
        if not _unconditional_everywhere(statement):
            continue
        if "NotAction" in statement:
            kept = {_prefix(a) for a in _as_list(statement["NotAction"])}
            if EVERY_SERVICE in allowed:
                return sorted(kept - {EVERY_SERVICE}) if "*" not in kept else [EVERY_SERVICE]
            allowed &= kept | {p for p in allowed if any(_matches(k, p) for k in kept)}
            continue
        denied = [a for a in _as_list(statement.get("Action")) if a == "*" or a.endswith(":*")]
        if "*" in denied:
            return []
        allowed -= {_prefix(a) for a in denied}
    return sorted(allowed)


def event_source_services(documents: Iterable[dict[str, Any]]) -> list[str]:
    """The services (action prefixes) whose every allowed action is one an event source
    mapping uses (EVENT_SOURCE_ACTIONS, beyond LAMBDA_OWN_ACTIONS): the managed policies
    AWSLambdaSQSQueueExecutionRole and the like. A wildcard (`sqs:*`, `sqs:Get*`) or any
    other action of the service counts as the code's own call."""
    actions: dict[str, set[str]] = {}
    for statement in _statements(documents):
        if str(statement.get("Effect")).lower() != "allow" or "NotAction" in statement:
            continue
        for action in _as_list(statement.get("Action")):
            lowered = action.strip().lower()
            if lowered == "*" or lowered in LAMBDA_OWN_ACTIONS:
                continue
            actions.setdefault(_prefix(lowered), set()).add(lowered)
    return sorted(prefix for prefix, allowed in actions.items() if allowed <= EVENT_SOURCE_ACTIONS)
