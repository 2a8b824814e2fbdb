"""Audit one (account, region): list functions, read each VPC, role and quota once, judge each."""

from __future__ import annotations

import ipaddress
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import botocore.config

from vpcprobe_collector.aws import CLIENT_CONFIG
from vpcprobe_collector.findings.model import FindingStatus, TargetSpec, Unjudged
from vpcprobe_collector.fleet.model import AuditedFunction, ScopeRead, ScopeUnread
from vpcprobe_collector.fleet.scope import TARGETS_TAG, Scope, targets_from_tag
from vpcprobe_collector.snapshot.build import (
    VpcNetwork,
    assemble_snapshot,
    read_vpc_network,
    vpc_of,
)
from vpcprobe_collector.snapshot.model import (
    EniQuota,
    FunctionInfo,
    RolePermissions,
    Subnet,
)
from vpcprobe_collector.snapshot.readers import ec2_network as ec2r
from vpcprobe_collector.snapshot.readers.calls import CallRecorder, ReadFailedError
from vpcprobe_collector.snapshot.readers.iam_reader import (
    CallBudget,
    PolicyCache,
    read_role_permissions,
)
from vpcprobe_collector.snapshot.readers.lambda_reader import function_from_aws
from vpcprobe_collector.snapshot.readers.quotas_reader import read_eni_quota

DEFAULT_CONCURRENCY = 8
_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()
# DescribeSubnets takes a bounded number of filter values per call; batch under it.
SUBNET_BATCH = 200
NOT_FOUND = "ResourceNotFoundException"

# Rules that judge only what a probe observed inside the VPC: an audit has no probe, so they
# are not part of its verdict (DNS002 would otherwise be "not checked" for every custom DNS
# server); `vpcprobe diagnose` runs them.
OBSERVATION_RULES = frozenset(
    {
        "DNS002",
        "DNS004",
        "DNS005",
        "EPT004",
        "API001",
        "TGT001",
        "TGT002",
        "PRB001",
        "PRB002",
        "PRB003",
    }
)

Progress = Callable[[str, int], None]  # ("functions" | "vpcs", how many more done)
T = TypeVar("T")
R = TypeVar("R")


def _attempts() -> int:
    text = os.environ.get("AWS_MAX_ATTEMPTS", "")
    return int(text) if text.isdigit() and int(text) >= 1 else 3


def audit_config(max_concurrency: int) -> botocore.config.Config:
    """Clients for an audit: botocore's adaptive retry mode (client-side rate limiting on
    throttling) and a connection pool as large as the concurrency."""
    return CLIENT_CONFIG.merge(
        botocore.config.Config(
            # Adaptive mode, with the attempts the user set (AWS_MAX_ATTEMPTS), else 3 in all:
            # an endpoint that never answers must not hold the audit for minutes.
            retries={"mode": "adaptive", "total_max_attempts": _attempts()},
            max_pool_connections=max(10, max_concurrency),
        )
    )


@dataclass
class RegionResult:
    """What one (account, region) gave: its read scope or why it could not be read."""

    read: ScopeRead | None = None
    unread: ScopeUnread | None = None
    functions: list[AuditedFunction] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def audit_region(
    session: Any,
    region: str,
    *,
    account: str | None,
    scope: Scope,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress | None = None,
) -> RegionResult:
    """Every VPC-attached function in `region` within `scope`, judged from its configuration.

    Calls: ListFunctions pages, one GetFunction per VPC function, one DescribeSubnets batch,
    then per VPC the network reads (`read_vpc_network`), per distinct role the permission
    check, and one Service Quotas read.
    """
    tick = progress or (lambda _what, _n: None)
    config = audit_config(max_concurrency)

    def client(service: str) -> Any:
        # boto3 sessions are not thread-safe (clients are): regions of one account run in
        # parallel on the same session, so client creation is serialised per session.
        with _session_lock(session):
            return session.client(service, region_name=region, config=config)

    lam = client("lambda")
    listing = CallRecorder()
    try:
        pages = listing.pages_or_raise(lam, "list_functions", "lambda:ListFunctions")
    except ReadFailedError as failure:
        return RegionResult(
            unread=ScopeUnread(
                account=account,
                region=region,
                api=failure.api,
                error_code=failure.code,
                message=failure.message,
            )
        )
    listed = [f for page in pages for f in page.get("Functions") or []]
    named = [
        f for f in listed if scope.wants_name(str(f.get("FunctionName")), str(f.get("FunctionArn")))
    ]
    in_vpc = [f for f in named if (f.get("VpcConfig") or {}).get("SubnetIds")]
    result = RegionResult()
    read = ScopeRead(account=account, region=region, not_in_vpc=len(named) - len(in_vpc))

    # One GetFunction each: State and its reason codes, Tags and Concurrency are not in the list.
    def get(entry: dict[str, Any]) -> tuple[CallRecorder, FunctionInfo | None, str | None]:
        recorder = CallRecorder()
        name = str(entry.get("FunctionArn") or entry.get("FunctionName"))
        try:
            response = recorder.call_or_raise(
                lam, "get_function", "lambda:GetFunction", FunctionName=name
            )
        except ReadFailedError as failure:
            return recorder, None, failure.code
        return recorder, function_from_aws(response), None

    got = _parallel(get, in_vpc, max_concurrency)
    tick("functions-listed", len(in_vpc))
    functions: list[tuple[FunctionInfo, CallRecorder]] = []
    calls = len(listing.api_calls)
    for entry, (recorder, info, code) in zip(in_vpc, got, strict=True):
        calls += len(recorder.api_calls)
        if info is None:
            if code != NOT_FOUND:  # deleted since the list: nothing to judge
                result.functions.append(_unread_function(entry, region, account, code or "?"))
            continue
        if scope.wants_tags(info.tags):
            functions.append((info, recorder))

    if not functions:  # nothing to judge: no EC2, IAM or quota client, no further call
        read.api_calls = calls
        result.read = read
        return result
    ec2 = client("ec2")
    subnets_recorder = CallRecorder()
    subnet_ids = sorted({s for info, _ in functions for s in _vpc_config(info)[0]})
    subnets: list[Subnet] = []
    for start in range(0, len(subnet_ids), SUBNET_BATCH):
        subnets += ec2r.read_subnets_by_id(
            subnets_recorder, ec2, subnet_ids[start : start + SUBNET_BATCH]
        )
    by_id = {s.subnet_id: s for s in subnets}
    groups: dict[str, list[tuple[FunctionInfo, CallRecorder]]] = {}
    unplaced: list[tuple[FunctionInfo, CallRecorder]] = []
    for info, recorder in functions:
        vpc_id = vpc_of(info, by_id)
        if vpc_id is None:
            unplaced.append((info, recorder))
        else:
            groups.setdefault(vpc_id, []).append((info, recorder))

    targets = {info.arn: _targets(info, scope) for info, _ in functions}
    configured = {i for info, _ in functions for ids in _vpc_config(info) for i in ids}

    def read_network(vpc_id: str) -> tuple[VpcNetwork, CallRecorder]:
        recorder = CallRecorder()
        members = groups[vpc_id]
        addresses = [t.host for info, _ in members for t in targets[info.arn][0] if _is_ip(t.host)]
        network = read_vpc_network(
            recorder,
            ec2,
            vpc_id,
            subnet_ids=[s for info, _ in members for s in _vpc_config(info)[0]],
            security_group_ids=[g for info, _ in members for g in _vpc_config(info)[1]],
            target_addresses=addresses,
            subnets=[
                by_id[s]
                for s in dict.fromkeys(s for info, _ in members for s in _vpc_config(info)[0])
                if s in by_id and by_id[s].vpc_id == vpc_id
            ],
        )
        tick("vpcs", 1)
        return network, recorder

    vpc_ids = sorted(groups)
    networks = dict(zip(vpc_ids, _parallel(read_network, vpc_ids, max_concurrency), strict=True))

    iam = client("iam")
    roles = sorted({info.role_arn for info, _ in functions if info.role_arn})

    # A managed policy attached to many roles (AWSLambdaVPCAccessExecutionRole) is read once.
    policies = PolicyCache()
    # The call budget: what is left of it after the reads so far, the quota read and each
    # role's simulation and two policy lists goes to the policy documents; past it, a role's
    # services are not judged (RTE004 skipped), never passed.
    spent = calls + len(subnets_recorder.api_calls)
    spent += sum(len(r.api_calls) for _, r in networks.values())
    budget = CallBudget(
        call_budget(len(groups), len(functions), len(roles)) - spent - 1 - 3 * len(roles)
    )

    def read_role(role_arn: str) -> tuple[RolePermissions, CallRecorder]:
        recorder = CallRecorder()
        permissions = read_role_permissions(
            recorder, iam, role_arn, region=region, policies=policies, budget=budget
        )
        return permissions, recorder

    permissions = dict(zip(roles, _parallel(read_role, roles, max_concurrency), strict=True))
    quota_recorder = CallRecorder()
    # No silent default in an audit: an unread quota leaves ENI001 not checked (exit 4).
    quota = read_eni_quota(quota_recorder, client("service-quotas"), None, default=False)

    calls += len(subnets_recorder.api_calls) + len(quota_recorder.api_calls)
    calls += sum(len(r.api_calls) for _, r in networks.values())
    calls += sum(len(r.api_calls) for _, r in permissions.values())
    if read.account is None and functions:
        read.account = _account_of(functions[0][0].arn)
    read.functions = len(functions)
    read.vpcs = len(groups)
    read.api_calls = calls
    result.read = read

    def judge_one(item: tuple[FunctionInfo, CallRecorder]) -> AuditedFunction:
        info, own = item
        vpc_id = vpc_of(info, by_id)
        shared: list[CallRecorder] = [own, subnets_recorder, quota_recorder]
        network = None
        if vpc_id is not None:
            network, network_recorder = networks[vpc_id]
            shared.append(network_recorder)
        else:
            # No subnet of its VpcConfig could be read, so neither was its VPC's network: its
            # security groups are unread, never "deleted" (CFG001 says skipped, not critical).
            unread = CallRecorder()
            unread.skip(
                ReadFailedError(
                    "ec2:DescribeSecurityGroups",
                    "NotRead",
                    "the function's VPC is unknown (no subnet of its VpcConfig could be read)",
                ),
                _vpc_config(info)[1],
            )
            shared.append(unread)
        role = permissions.get(info.role_arn or "")
        if role is not None:
            shared.append(role[1])
        specs, bad = targets[info.arn]
        audited = judge_function(
            info,
            region=region,
            account=account,
            network=network,
            role=role[0] if role else None,
            quota=quota,
            recorders=shared,
            targets=specs,
            configured=configured,
        )
        audited.unjudged += [
            Unjudged(subject=f"{TARGETS_TAG} tag", reason=f"not a target: {b}") for b in bad
        ]
        tick("functions", 1)
        return audited

    result.functions += _parallel(judge_one, [*functions], max_concurrency)
    if unplaced:
        result.notes.append(
            f"{len(unplaced)} function(s) in {region} name no subnet that could be read; "
            "their VPC is unknown"
        )
    return result


def judge_function(
    info: FunctionInfo,
    *,
    region: str,
    account: str | None,
    network: VpcNetwork | None,
    role: RolePermissions | None,
    quota: EniQuota | None,
    recorders: Sequence[CallRecorder],
    targets: Sequence[TargetSpec] = (),
    configured: Iterable[str] = (),
) -> AuditedFunction:
    """One function judged by every rule that needs no probe, on a snapshot assembled from the
    shared reads (the rules engine, exactly as `diagnose --no-probe` runs it)."""
    from vpcprobe_collector.rules.engine import judge
    from vpcprobe_collector.rules.registry import ALL_RULES

    ip_targets = [t for t in targets if _is_ip(t.host)]
    snapshot = assemble_snapshot(
        info,
        region=region,
        network=network,
        role_permissions=role,
        eni_quota=quota,
        recorders=recorders,
        target_addresses=[t.host for t in ip_targets],
        foreign_ids=set(configured) - set(_vpc_config(info)[0]) - set(_vpc_config(info)[1]),
    )
    if account:
        snapshot.account_id = account
    rules = tuple(r for r in ALL_RULES if r.code not in OBSERVATION_RULES)
    _, findings = judge(snapshot, [], ip_targets, rules=rules)
    unjudged = [
        Unjudged(subject=f"{f.code} {f.name}", reason=f.message, api=None)
        for f in findings
        if f.status is FindingStatus.SKIPPED
    ]
    unjudged += [
        Unjudged(
            subject=t.display,
            reason="a name: audit judges without a probe, so a target must be an IP address",
        )
        for t in targets
        if not _is_ip(t.host)
    ]
    return AuditedFunction(
        function=info.name,
        arn=info.arn,
        region=region,
        account=snapshot.account_id,
        vpc_id=network.vpc_id if network else None,
        targets=list(targets),
        findings=findings,
        unjudged=unjudged,
    )


# ---------------------------------------------------------------------------- helpers


def _parallel(work: Callable[[T], R], items: Sequence[T], limit: int) -> list[R]:
    """`work` over `items` with at most `limit` at once, results in input order."""
    if len(items) <= 1 or limit <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(limit, len(items))) as pool:
        return list(pool.map(work, items))


def _session_lock(session: Any) -> threading.Lock:
    with _LOCKS_LOCK:
        lock = _LOCKS.get(session)
        if lock is None:
            lock = _LOCKS[session] = threading.Lock()
        return lock


def call_budget(vpcs: int, functions: int, roles: int) -> int:
    """The AWS calls an audit of one account and region may make (issue 12)."""
    return 15 * vpcs + 3 * functions + 5 * roles + 10


def _vpc_config(info: FunctionInfo) -> tuple[list[str], list[str]]:
    config = info.vpc_config
    return (list(config.subnet_ids), list(config.security_group_ids)) if config else ([], [])


def _targets(info: FunctionInfo, scope: Scope) -> tuple[list[TargetSpec], list[str]]:
    """--config targets for the function (by name or ARN), else its `vpcprobe:targets` tag."""
    configured = scope.targets.get(info.name) or scope.targets.get(info.arn)
    if configured is not None:
        return list(configured), []
    tag = info.tags.get(TARGETS_TAG)
    return targets_from_tag(tag) if tag else ([], [])


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else None


def _unread_function(
    entry: dict[str, Any], region: str, account: str | None, code: str
) -> AuditedFunction:
    name = str(entry.get("FunctionName", "?"))
    arn = str(entry.get("FunctionArn", ""))
    return AuditedFunction(
        function=name,
        arn=arn,
        region=region,
        account=account or _account_of(arn),
        unjudged=[
            Unjudged(
                subject="function",
                reason=f"{code} on lambda:GetFunction: the function's configuration was not read",
                api="lambda:GetFunction",
            )
        ],
    )
