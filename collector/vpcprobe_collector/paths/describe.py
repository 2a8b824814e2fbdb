"""Words for decisions: the one place a hop decision becomes a sentence (and a short label).

Every `Hop.detail` and `Hop.rule` is written here, from the decision's typed fields, which
the hop keeps beside them. Nothing reads these sentences back: rules use the typed fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from vpcprobe_collector.paths import nacls, routes, security_groups
from vpcprobe_collector.paths.beyond import far_side, transit, vpn
from vpcprobe_collector.paths.beyond.model import BeyondPath, Case, Step
from vpcprobe_collector.paths.beyond.model import Decision as BeyondDecision
from vpcprobe_collector.paths.cidr import format_ports
from vpcprobe_collector.paths.decisions import (
    Decision,
    DnsDecision,
    DnsProblem,
    EndDecision,
    EndKind,
    EndpointDecision,
    EndpointProblem,
    GatewayDecision,
    IngressProblem,
    NaclHopDecision,
    NatDecision,
    NatProblem,
    RouteDecision,
    RouteProblem,
    SgEgressDecision,
    SgIngressDecision,
    SourceDecision,
    SourceProblem,
    Traffic,
    Unread,
)
from vpcprobe_collector.paths.model import ALLOW, DENY, PARTIAL, Hop, HopKind, HopOutcome
from vpcprobe_collector.snapshot.model import NO_ROLE, RouteTargetType

SUBNETS_API = "ec2:DescribeSubnets"
_EPHEMERAL = f"on ports {format_ports([nacls.EPHEMERAL_PORTS])}"
# The NACL hop kinds, as module constants for the words every path's NACL hops take (see
# model.ALLOW).
_NACL_OUTBOUND, _NACL_INBOUND_RETURN = HopKind.NACL_OUTBOUND, HopKind.NACL_INBOUND_RETURN
_TARGET_NACL_INBOUND = HopKind.TARGET_NACL_INBOUND
_TARGET_NACL_OUTBOUND_RETURN = HopKind.TARGET_NACL_OUTBOUND_RETURN
_NAT_NACL_INBOUND, _NAT_NACL_OUTBOUND = HopKind.NAT_NACL_INBOUND, HopKind.NAT_NACL_OUTBOUND
_NAT_NACL_INBOUND_RETURN = HopKind.NAT_NACL_INBOUND_RETURN


# Every field's default is immutable, so one copy serves every hop.
_DEFAULTS: dict[str, Any] = {
    name: field.default for name, field in Hop.model_fields.items() if not field.is_required()
}
# One fields-set per shape of call (which fields a `_make` call names): hops are frozen, and
# pydantic copies the set before it changes one (`model_copy`), so hops may share it.
_FIELDS_SETS: dict[tuple[str, ...], set[str]] = {}
_new = Hop.__new__
_set = object.__setattr__


def _make(**fields: Any) -> Hop:
    """A Hop from fields this module built from typed decisions, without validating them a
    second time: an evaluation makes many thousands of hops, and pydantic's own
    `model_construct` costs more than the whole hop decision. Tests validate these hops by
    round-tripping them through `Hop.model_validate`."""
    hop = _new(Hop)
    values = _DEFAULTS.copy()
    values.update(fields)
    _set(hop, "__dict__", values)
    shape = tuple(fields)
    names = _FIELDS_SETS.get(shape)
    if names is None:
        names = _FIELDS_SETS[shape] = set(shape)
    _set(hop, "__pydantic_fields_set__", names)
    _set(hop, "__pydantic_extra__", None)
    _set(hop, "__pydantic_private__", None)
    return hop


def _made(values: dict[str, Any], names: set[str]) -> Hop:
    """`_make` for a hop whose words give every field (`values`), `names` being those the
    words set (the others at their defaults): the hops every path has, built a little faster."""
    hop = _new(Hop)
    _set(hop, "__dict__", values)
    _set(hop, "__pydantic_fields_set__", names)
    _set(hop, "__pydantic_extra__", None)
    _set(hop, "__pydantic_private__", None)
    return hop


def target_words(target_type: RouteTargetType | None) -> str:
    """ "VPC peering connection", "transit gateway", ... for a route target type."""
    if target_type is None:
        return "a target"
    return routes.TARGET_WORDS.get(target_type, "a target")


def beyond_phrase(hop: Hop) -> str:
    """Where the unseen part of a path that leaves the VPC begins, for findings:
    "beyond VPC peering connection pcx-0abc, whose route is active"."""
    if hop.target_id is None:
        return "beyond the VPC"
    state = f", {_state_words(hop)}" if hop.target_state else ""
    return f"beyond {target_words(hop.target_type)} {hop.target_id}{state}"


def beyond_what(hop: Hop) -> str:
    """What lies beyond the target, in words, for findings."""
    kind = hop.target_type
    if kind in (RouteTargetType.INTERNET_GATEWAY, RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY):
        return "the internet, or the target host"
    if kind is RouteTargetType.GATEWAY_ENDPOINT:
        return "the AWS service's side: endpoint and resource policies"
    if kind is RouteTargetType.PEERING:
        return "the peer VPC's route back, security groups and network ACLs, or the target host"
    if kind is RouteTargetType.TRANSIT_GATEWAY:
        return (
            "the transit gateway's route tables, the destination's route back, or the target host"
        )
    if kind is RouteTargetType.VIRTUAL_PRIVATE_GATEWAY:
        return "the VPN tunnels and the network on premises, or the target host"
    if kind in (RouteTargetType.NETWORK_INTERFACE, RouteTargetType.INSTANCE):
        return "the appliance (a firewall or NAT instance) and what it forwards to"
    return "the network on the far side, or the target host"


def unread_words(d: BeyondDecision) -> str:
    """Why a hop beyond the VPC was not judged, from its typed fields:
    "AccessDenied on ec2:DescribeRouteTables in account 210987654321"."""
    account = f" in account {d.account_id}" if d.account_id else ""
    if d.error_code == NO_ROLE:
        return f"no role was given for account {d.account_id}"
    if d.error_code and d.api:
        return f"{d.error_code} on {d.api}{account}"
    return d.reason or "not read"


def beyond_reached(path: BeyondPath) -> str | None:
    """ "10.2.1.20 in vpc-… through pcx-… (both sides read)", when both sides were read and
    allow it; else None."""
    far = path.far_vpc_read
    if far is None:
        return None
    return f"{path.destination} in {far} through {path.via} (both sides read)"


def beyond_outcome(path: BeyondPath) -> str | None:
    """How far a path beyond the VPC was judged, in words, when it was not blocked:
    "reaches 10.2.1.20 in vpc-… through pcx-… (both sides read)", or
    "beyond pcx-…: vpc-… not read (AccessDenied on ec2:DescribeVpcs in account …)".
    None when it is blocked, or ends at something vpcprobe does not look into (VPN, DX)."""
    reached = beyond_reached(path)
    if reached is not None:
        return f"reaches {reached}"
    decided = path.decided_by
    if decided is None or decided.outcome is not HopOutcome.UNKNOWN:
        return None
    what = "not read" if decided.step is Step.FAR_SIDE else "not judged"
    what_of = what if decided.component == path.via else f"{decided.component} {what}"
    return f"beyond {path.via}: {what_of} ({unread_words(decided)})"


def _state_words(hop: Hop) -> str:
    if hop.target_type in (
        RouteTargetType.INTERNET_GATEWAY,
        RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY,
    ):
        return f"{hop.target_state} to the VPC"
    if hop.target_type is RouteTargetType.GATEWAY_ENDPOINT:
        return f"which is {hop.target_state}"
    return f"whose route is {hop.target_state}"


_WORDS: dict[type, Callable[[Any], Hop]] = {}


def hop(decision: Decision | Hop) -> Hop:
    """The hop for one decision: its typed fields plus `detail` and `rule` in words."""
    words = _WORDS.get(type(decision))
    if words is None:
        raise TypeError(f"no words for {type(decision).__name__}")
    return words(decision)


_D = TypeVar("_D")


def _register(kind: type[_D]) -> Callable[[Callable[[_D], Hop]], Callable[[_D], Hop]]:
    """Register the words for one decision type (a plain table: this runs for every hop)."""

    def add(words: Callable[[_D], Hop]) -> Callable[[_D], Hop]:
        _WORDS[kind] = words
        return words

    return add


@_register(Hop)
def _already(d: Hop) -> Hop:
    """A hop the walk took from its cache: worded already."""
    return d


@_register(Unread)
def _unread(d: Unread) -> Hop:
    return _make(
        kind=d.kind,
        component_id=d.component_id,
        outcome=HopOutcome.UNKNOWN,
        reason="unread",
        rule=f"{d.api} {d.error_code}",
        detail=f"{d.what} could not be read ({d.reason}), so this step is unknown.",
        source_api=d.api,
    )


@_register(SourceDecision)
def _source(d: SourceDecision) -> Hop:
    subnet_id, dest = d.subnet_id, d.traffic.destination
    rule: str | None = None
    api = SUBNETS_API
    if d.problem is None:
        cidrs = ", ".join(d.cidrs)
        where = f"{cidrs}, {d.zone}" if d.zone else cidrs
        groups = ", ".join(d.security_group_ids) or "none"
        detail = (
            f"Traffic starts at Lambda's network interface in {subnet_id} ({where}) with "
            f"security groups {groups}."
        )
    elif d.problem is SourceProblem.MISSING:
        rule = "subnet does not exist"
        detail = (
            f"Subnet {subnet_id} in the function's configuration does not exist (it may "
            "have been deleted), so Lambda has no network interface there."
        )
    elif d.problem is SourceProblem.DEDICATED_TENANCY:
        rule, api = "instanceTenancy=dedicated", "ec2:DescribeVpcs"
        detail = (
            f"VPC {d.component_id} has dedicated instance tenancy, which Lambda does not "
            "support: it cannot create its network interfaces there."
        )
    elif d.problem is SourceProblem.IPV6_NOT_ALLOWED:
        rule, api = "Ipv6AllowedForDualStack=false", "lambda:GetFunction"
        detail = (
            f"Function {d.component_id} has Ipv6AllowedForDualStack off, so it sends no "
            f"IPv6 traffic and cannot reach {dest}."
        )
    elif d.problem is SourceProblem.NO_IPV6_CIDR:
        rule = "no IPv6 CIDR"
        detail = (
            f"Subnet {subnet_id} has no IPv6 CIDR block, so Lambda's network interface "
            f"there has no IPv6 address to reach {dest}."
        )
    else:
        rule = "no IPv4 CIDR"
        detail = (
            f"Subnet {subnet_id} is IPv6-only, so Lambda's network interface there has no "
            f"IPv4 address to reach {dest}."
        )
    return _make(
        kind=HopKind.SOURCE,
        component_id=d.component_id,
        outcome=d.outcome,
        reason=d.problem.value if d.problem else None,
        subnet_id=subnet_id,
        rule=rule,
        detail=detail,
        source_api=api,
    )


def _groups_phrase(groups: tuple[str, ...]) -> tuple[str, str, str]:
    names = ", ".join(groups)
    return (
        names,
        ("groups" if len(groups) > 1 else "group"),
        ("allow" if len(groups) > 1 else "allows"),
    )


@_register(SgEgressDecision)
def _sg_egress(d: SgEgressDecision) -> Hop:
    t = d.traffic
    proto = t.protocol.upper()
    api: str | None = security_groups.API
    rule: str | None = None
    peer: str | None = t.destination
    reason: str | None = None
    if not d.group_ids:
        api, rule, reason = None, "no security groups", "no_security_groups"
        detail = "The function has no security groups, so it can send nothing."
    elif d.outcome is HopOutcome.ALLOW and d.rule is not None:
        rule = security_groups.rule_text(d.rule, "to")
        peer = d.rule.peer
        detail = f"Security group {d.group_id} allows outbound {proto} to {t.dest_text} ({rule})."
    elif d.outcome is HopOutcome.UNKNOWN:
        if d.uncertain:
            why = "; ".join(d.uncertain)
        elif d.skipped_reason:
            why = f"{', '.join(d.missing)} could not be read ({d.skipped_reason})"
        else:
            why = "a group could not be read"
        if d.skipped_reason and d.missing:
            rule = f"{api} {d.skipped_code}"
        reason = "uncertain" if d.uncertain else "unread"
        detail = (
            f"Whether the function's security groups allow outbound {proto} to "
            f"{t.dest_text} is unknown: {why}."
        )
    elif d.missing:
        rule, reason = "security group does not exist", "security_group_missing"
        detail = (
            f"Security group {d.missing[0]} in the function's configuration does not exist (it "
            "may have been deleted)."
        )
    else:
        names, plural, verb = _groups_phrase(d.group_ids)
        rule, reason = f"no egress rule allows {t.protocol} {t.port} to {t.destination}", "no_rule"
        detail = f"Security {plural} {names} {verb} no outbound {proto} to {t.dest_text}."
    return _make(
        kind=HopKind.SECURITY_GROUP_EGRESS,
        component_id=d.component_id,
        outcome=d.outcome,
        reason=reason,
        subnet_id=None if d.group_ids else d.subnet_id,
        protocol=t.protocol,
        ports=(t.port, t.port),
        peer=peer,
        rule=rule,
        detail=detail,
        source_api=api,
    )


@_register(SgIngressDecision)
def _sg_ingress(d: SgIngressDecision) -> Hop:
    t = d.traffic
    proto = t.proto
    eni_id = d.eni_id or "?"
    api = security_groups.API
    rule: str | None = None
    peer: str | None = d.source_text
    if d.problem is IngressProblem.NO_GROUPS:
        api = "ec2:DescribeNetworkInterfaces"
        detail = (
            f"Network interface {eni_id} ({d.eni_type or 'interface'}) has no "
            "security groups, so none filter the traffic."
        )
    elif d.problem is IngressProblem.UNHELD:
        api = "ec2:DescribeNetworkInterfaces"
        rule = "no network interface holds the address"
        where = f"{d.subnet_id} ({d.subnet_cidr})" if d.subnet_cidr else f"{d.subnet_id}"
        detail = (
            f"No network interface holds {t.destination}, an address in subnet {where}, so "
            "nothing there can answer: a stale DNS record, or a deleted instance or database."
        )
    elif d.problem is IngressProblem.ENI_NOT_FOUND:
        api = "ec2:DescribeNetworkInterfaces"
        why = f" (read failed: {d.skipped_reason})" if d.skipped_reason else ""
        rule = f"{api} {d.skipped_code}" if d.skipped_reason else "destination ENI not found"
        detail = (
            f"No network interface with address {t.destination} is in the snapshot{why}, so "
            "the destination's security groups cannot be checked."
        )
    elif d.outcome is HopOutcome.ALLOW and d.rule is not None:
        rule = security_groups.rule_text(d.rule, "from")
        peer = d.rule.peer
        detail = (
            f"Security group {d.group_id} of {eni_id} allows inbound "
            f"{proto} {t.port} from the function ({rule})."
        )
    elif d.outcome is HopOutcome.UNKNOWN:
        why = "; ".join(d.uncertain) or (
            f"its security group {', '.join(d.missing)} is not in the snapshot"
            + (f" ({d.skipped_reason})" if d.skipped_reason else " (perhaps another account's)")
        )
        if d.skipped_reason and d.missing:
            rule = f"{api} {d.skipped_code}"
        detail = (
            f"Whether {eni_id} accepts inbound {proto} {t.port} from the "
            f"function is unknown: {why}."
        )
    else:
        names, plural, verb = _groups_phrase(d.group_ids)
        rule = f"no ingress rule allows {t.protocol} {t.port} from the function"
        detail = (
            f"Security {plural} {names} of {eni_id} {verb} no inbound {proto} "
            f"{t.port} from {d.source_text} or from the function's security groups "
            f"{', '.join(d.function_group_ids)}."
        )
    return _made(
        {
            "kind": HopKind.TARGET_SECURITY_GROUP_INGRESS
            if d.problem is not IngressProblem.UNHELD
            else HopKind.DESTINATION,
            "component_id": d.component_id,
            "outcome": d.outcome,
            "reason": d.problem.value
            if d.problem
            else _outcome_reason(d.outcome, bool(d.uncertain)),
            "subnet_id": d.subnet_id,
            "rule_number": None,
            "allow_rule_number": None,
            "protocol": t.protocol,
            "ports": t.ports,
            "allowed_ports": (),
            "denied_ports": (),
            "peer": peer,
            "route_destination": None,
            "target_type": None,
            "target_id": d.eni_id,
            "target_state": None,
            "rule": rule,
            "detail": detail,
            "source_api": api,
        },
        _SG_INGRESS_FIELDS,
    )


_SG_INGRESS_FIELDS = {
    "kind",
    "component_id",
    "outcome",
    "reason",
    "subnet_id",
    "protocol",
    "ports",
    "peer",
    "target_id",
    "rule",
    "detail",
    "source_api",
}


def _outcome_reason(outcome: HopOutcome, uncertain: bool) -> str | None:
    if outcome is HopOutcome.DENY:
        return "no_rule"
    if outcome is HopOutcome.UNKNOWN:
        return "uncertain" if uncertain else "unread"
    return None


def _nacl_traffic(d: NaclHopDecision) -> str:
    """ "outbound TCP to 10.2.3.4:5432", "inbound return TCP from 10.2.3.4 on ports …"."""
    t = d.traffic
    proto = t.proto
    nat, subnet, src = d.nat_gateway_id, d.subnet_id, d.source_text
    kind = d.kind
    if kind is _NACL_OUTBOUND:
        return f"outbound {proto} to {t.dest_text}"
    if kind is _NACL_INBOUND_RETURN:
        return f"inbound return {proto} from {t.destination} {_EPHEMERAL}"
    if kind is _TARGET_NACL_INBOUND:
        return f"inbound {proto} to port {t.port} of {subnet} from {src}"
    if kind is _TARGET_NACL_OUTBOUND_RETURN:
        return f"outbound return {proto} from {subnet} to {src} {_EPHEMERAL}"
    if kind is _NAT_NACL_INBOUND:
        return (
            f"inbound {proto} to {t.dest_text} from {src} into NAT gateway {nat}'s subnet {subnet}"
        )
    if kind is _NAT_NACL_OUTBOUND:
        return f"outbound {proto} to {t.dest_text} from NAT gateway {nat}'s subnet {subnet}"
    if kind is _NAT_NACL_INBOUND_RETURN:
        return (
            f"inbound return {proto} from {t.destination} to NAT gateway {nat}'s subnet "
            f"{subnet} {_EPHEMERAL}"
        )
    return f"outbound return {proto} from NAT gateway {nat}'s subnet {subnet} to {src} {_EPHEMERAL}"


_NACL_FIELDS = {
    "kind",
    "component_id",
    "outcome",
    "reason",
    "subnet_id",
    "rule_number",
    "allow_rule_number",
    "protocol",
    "ports",
    "allowed_ports",
    "denied_ports",
    "peer",
    "target_id",
    "rule",
    "detail",
    "source_api",
}


# Stands for the destination's address while a hop is worded as a template (`_templated`).
_HOLE = "\x00destination\x00"
_Template = tuple[dict[str, Any], tuple[str, ...]]


def _templated(
    worded: dict[tuple[object, ...], Any],
    key: tuple[object, ...],
    d: NaclHopDecision | RouteDecision,
    words: Callable[[Any], Hop],
    names: set[str],
    **holes: str,
) -> Hop:
    """`words(d)` through a template. Many paths cross one hop in one context and differ only
    in the destination's address (a function subnet's NACL or route table, to every
    destination its entries or routes treat alike): their hop is worded once per context
    (`key`, in `worded`, which the context's decision or route keeps for the index's life)
    from `d` with the address as `_HOLE` (in its traffic, and in the fields `holes` names),
    and filled per path. A template's first use is checked against the hop worded in full: a
    context the template cannot serve (an ID holding the hole's text) is worded in full every
    time."""
    destination = d.traffic.destination
    template: _Template | None = worded.get(key)
    if template is not None:
        return _made(_filled(template, destination), names)
    hop = words(d)
    if key in worded:  # a context the template cannot serve
        return hop
    t = d.traffic
    holed: Any = d  # `holes` name fields of `d`'s own type, which mypy cannot see through
    holed = replace(holed, traffic=Traffic(t.protocol, _HOLE, t.port, t.ipv6), **holes)
    values = words(holed).__dict__
    template = values, tuple(k for k, v in values.items() if isinstance(v, str) and _HOLE in v)
    worded[key] = template if _filled(template, destination) == hop.__dict__ else None
    return hop


def _filled(template: _Template, destination: str) -> dict[str, Any]:
    """A template's fields with `destination` in its holes."""
    values, holes = template
    filled = values.copy()
    for name in holes:
        filled[name] = values[name].replace(_HOLE, destination)
    return filled


@_register(NaclHopDecision)
def _nacl(d: NaclHopDecision) -> Hop:
    """The NACL hop; toward the destination (its address the peer), through a template kept
    on the NACL's decision."""
    found = d.decision
    t = d.traffic
    if found is None or d.peer != t.destination:  # the target's side: a shared hop already
        return _nacl_worded(d)
    key = (
        d.kind,
        d.acl_id,
        d.subnet_id,
        d.ports,
        d.outcome,
        d.source_text,
        d.nat_gateway_id,
        d.same_subnet,
        d.subnet_unknown,
        t.protocol,
        t.ipv6,  # (the port is in `ports`, outbound; a return hop's words never name it)
    )
    return _templated(found.worded, key, d, _nacl_worded, _NACL_FIELDS, peer=_HOLE)


def _nacl_worded(d: NaclHopDecision) -> Hop:
    t = d.traffic
    found = d.decision
    rule_number = found.rule_number if found else None
    rule = nacls.rule_label(rule_number) if rule_number is not None else None
    reason: str | None = None
    api: str | None = nacls.API
    acl_id = d.acl_id
    if d.same_subnet:
        api = None
        reason = "same_subnet"
        detail = (
            f"{t.destination} is in the function's own subnet {d.subnet_id}, where network "
            "ACLs do not apply."
        )
    elif d.subnet_unknown:
        api = SUBNETS_API
        reason = "destination_subnet_unknown"
        detail = (
            f"No subnet holding {t.destination} is in the snapshot, so the destination's "
            "network ACL cannot be checked."
        )
    elif found is None or acl_id is None:
        reason = "no_network_acl"
        detail = (
            f"No network ACL of {d.subnet_id} is in the snapshot, so whether it allows "
            f"{_nacl_traffic(d)} is unknown."
        )
    else:
        outcome = found.outcome
        if outcome is ALLOW:
            detail = f"Network ACL {acl_id} {rule} allows {_nacl_traffic(d)}."
        elif outcome is DENY:
            if rule_number == nacls.DEFAULT_RULE_NUMBER:
                reason = "default_rule"
                detail = (
                    f"Network ACL {acl_id} denies {_nacl_traffic(d)} by its default rule * "
                    "(no numbered rule allows it)."
                )
            else:
                reason = "deny_rule"
                detail = f"Network ACL {acl_id} {rule} denies {_nacl_traffic(d)}."
        elif outcome is PARTIAL:
            reason = "partial"
            within = _nacl_traffic(d).removesuffix(f" on ports {format_ports([d.ports])}")
            allow = nacls.rule_label(found.allow_rule_number or 0)
            detail = (
                f"Network ACL {acl_id} allows {within} only on ports "
                f"{format_ports(found.allowed)} ({allow}); ports "
                f"{format_ports(found.denied)} are denied by {rule}, "
                "so some connections fail and others work."
            )
        else:
            reason = "uncertain"
            detail = (
                f"Network ACL {acl_id} {rule} covers only part of {d.peer}, so whether it "
                "applies depends on the address Lambda's network interface has."
            )
    return _made(
        {
            "kind": d.kind,
            "component_id": acl_id or d.subnet_id,
            "outcome": d.outcome,
            "reason": reason,
            "subnet_id": d.subnet_id,
            "rule_number": rule_number,
            "allow_rule_number": found.allow_rule_number if found else None,
            "protocol": t.protocol,
            "ports": d.ports,
            "allowed_ports": found.allowed if found else (),
            "denied_ports": found.denied if found else (),
            "peer": d.peer,
            "route_destination": None,
            "target_type": None,
            "target_id": d.nat_gateway_id,
            "target_state": None,
            "rule": rule,
            "detail": detail,
            "source_api": api,
        },
        _NACL_FIELDS,
    )


@_register(RouteDecision)
def _route(d: RouteDecision) -> Hop:
    """The route hop; for a route the index read, through a template kept on its facts."""
    facts = d.facts
    if facts is None:
        return _route_worded(d)
    t = d.traffic
    key = (
        d.kind,
        d.subnet_id,
        d.outcome,
        d.route_table_id,
        d.problem,
        d.nat_gateway_id,
        d.unresolved_prefix_lists,
        d.skipped_reason,
        t.protocol,
        t.port,
        t.ipv6,
    )
    return _templated(facts.worded, key, d, _route_worded, _ROUTE_FIELDS)


def _route_worded(d: RouteDecision) -> Hop:
    t = d.traffic
    dest = t.destination
    rtb, subnet_id, r = d.route_table_id, d.subnet_id, d.route
    nat = d.nat_gateway_id
    facts = d.facts if d.facts is not None or r is None else routes.RouteFacts.of(r)
    text = facts.text if facts else None
    target = facts.target if facts else None
    words = target_words(facts.target_type if facts else None)
    api = routes.API
    rule = text
    if d.problem is RouteProblem.NO_TABLE:
        rule = "no route table"
        detail = (
            f"Subnet {subnet_id} has no route table (no explicit association and no main "
            "table), so it routes nothing."
        )
    elif d.problem is RouteProblem.NAT_SUBNET_UNKNOWN:
        api = "ec2:DescribeNatGateways"
        detail = (
            f"The subnet of NAT gateway {nat} is not known, so its route onwards cannot be checked."
        )
    elif d.problem is RouteProblem.PREFIX_LIST_UNREAD:
        lists = ", ".join(d.unresolved_prefix_lists)
        why = f" ({d.skipped_reason})" if d.skipped_reason else ""
        api, rule = "ec2:GetManagedPrefixListEntries", f"prefix list {lists} unread"
        detail = (
            f"Route table {rtb} has routes to prefix list {lists} whose entries were not "
            f"read{why}, so which route carries {dest} is unknown."
        )
    elif nat is not None and d.problem in (RouteProblem.NO_ROUTE, RouteProblem.BLACKHOLE):
        # The NAT's own subnet: say so in the sentence, since that is where the fix goes.
        rule = text or f"no route to {dest}"
        what = f"has a blackhole route for {dest} ({text})" if facts else f"has no route to {dest}"
        detail = (
            f"NAT gateway {nat} is in subnet {subnet_id}, whose route table {rtb} {what}, "
            "so the NAT gateway cannot forward it: that subnet needs 0.0.0.0/0 -> an "
            "internet gateway."
        )
    elif d.problem is RouteProblem.NO_ROUTE:
        default = "::/0" if t.ipv6 else "0.0.0.0/0"
        rule = f"no route to {dest}"
        detail = (
            f"Route table {rtb} of {subnet_id} has no route to {dest} (no {default} "
            "route either), so the traffic is dropped."
        )
    elif d.problem is RouteProblem.BLACKHOLE and r is not None and facts is not None:
        detail = (
            f"Route table {rtb} of {subnet_id} sends {dest} to {r.target_id} "
            f"({facts.destination}), but the route is a blackhole: its target no longer "
            "exists or has failed."
        )
    elif d.problem is RouteProblem.PRIVATE_NAT_TO_IGW:
        detail = (
            f"NAT gateway {nat} is a private NAT gateway, yet its subnet's route "
            f"table {rtb} sends {dest} to internet gateway {target}; a private NAT "
            "gateway cannot reach the internet."
        )
    elif d.problem is RouteProblem.NAT_LOOPS:
        detail = (
            f"NAT gateway {nat}'s subnet {subnet_id} uses route table {rtb}, which "
            f"sends {dest} to {target} instead of out of the VPC."
        )
    elif nat is not None and facts is not None:
        detail = (
            f"NAT gateway {nat}'s subnet {subnet_id} uses route table {rtb}, which sends "
            f"{dest} to {words} {target} ({facts.destination})."
        )
    elif d.problem is RouteProblem.IGW_FROM_PRIVATE and facts is not None:
        detail = (
            f"Route table {rtb} of {subnet_id} sends {dest} to internet gateway "
            f"{target} ({facts.destination}), but Lambda's network interfaces never have a "
            "public IP address, so the traffic is dropped: the function needs a subnet "
            "whose route goes to a NAT gateway in a public subnet."
        )
    elif d.problem is RouteProblem.UNRECOGNISED:
        detail = (
            f"Route table {rtb} of {subnet_id} sends {dest} to {target}, a target "
            "vpcprobe does not recognise, so the rest of the path is unknown."
        )
    elif facts is not None and facts.target_type is RouteTargetType.LOCAL:
        detail = f"Route table {rtb} of {subnet_id} keeps {dest} inside the VPC ({text})."
    elif facts is not None:
        detail = (
            f"Route table {rtb} of {subnet_id} sends {dest} to {words} {target} "
            f"({facts.destination})."
        )
    else:  # pragma: no cover - every problem is worded above
        detail = f"Route table {rtb} of {subnet_id}: {d.problem}."
    return _made(
        {
            "kind": d.kind,
            "component_id": d.component_id,
            "outcome": d.outcome,
            "reason": d.problem.value if d.problem else None,
            "subnet_id": subnet_id or None,
            "rule_number": None,
            "allow_rule_number": None,
            "protocol": t.protocol,
            "ports": t.ports,
            "allowed_ports": (),
            "denied_ports": (),
            "peer": dest,
            "route_destination": facts.destination if facts else None,
            "target_type": facts.target_type if facts else None,
            "target_id": target,
            "target_state": facts.state if facts else None,
            "rule": rule,
            "detail": detail,
            "source_api": api,
        },
        _ROUTE_FIELDS,
    )


_ROUTE_FIELDS = {
    "kind",
    "component_id",
    "outcome",
    "reason",
    "subnet_id",
    "protocol",
    "ports",
    "peer",
    "route_destination",
    "target_type",
    "target_id",
    "target_state",
    "rule",
    "detail",
    "source_api",
}


@_register(NatDecision)
def _nat(d: NatDecision) -> Hop:
    nat_id, nat = d.nat_gateway_id, d.nat
    if d.problem is NatProblem.MISSING or nat is None:
        rule = "NAT gateway not found"
        detail = (
            f"NAT gateway {nat_id} does not exist (it may have been deleted), so the route "
            "to it goes nowhere."
        )
    elif d.problem is NatProblem.NOT_AVAILABLE:
        failure = f": {nat.failure_message}" if nat.failure_message else ""
        rule = f"state {nat.state}"
        detail = f"NAT gateway {nat_id} is {nat.state}{failure}, so it forwards no traffic."
    else:
        public = f" with public address {', '.join(nat.public_ips)}" if nat.public_ips else ""
        rule = "state available"
        detail = (
            f"NAT gateway {nat_id} ({nat.connectivity_type}, in {nat.subnet_id}) is available "
            f"and translates the function's traffic{public}."
        )
    return _make(
        kind=HopKind.NAT_GATEWAY,
        component_id=nat_id,
        outcome=d.outcome,
        reason=d.problem.value if d.problem else None,
        subnet_id=nat.subnet_id if nat else None,
        target_type=RouteTargetType.NAT_GATEWAY,
        target_id=nat_id,
        target_state=nat.state if nat else "not found",
        rule=rule,
        detail=detail,
        source_api="ec2:DescribeNatGateways",
    )


@_register(GatewayDecision)
def _gateway(d: GatewayDecision) -> Hop:
    igw = d.kind is HopKind.INTERNET_GATEWAY
    words = "Internet gateway" if igw else "Egress-only internet gateway"
    if d.attached:
        rule = "attached"
        detail = (
            f"{words} {d.gateway_id} is attached to {d.vpc_id} and carries the traffic out of "
            "the VPC."
        )
    else:
        rule = "not attached"
        detail = (
            f"{words} {d.gateway_id} is not attached to {d.vpc_id or 'the VPC'} (or no longer "
            "exists), so the route to it goes nowhere."
        )
    return _make(
        kind=d.kind,
        component_id=d.gateway_id,
        outcome=d.outcome,
        reason=None if d.attached else "not_attached",
        target_type=(
            RouteTargetType.INTERNET_GATEWAY
            if igw
            else RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY
        ),
        target_id=d.gateway_id,
        target_state="attached" if d.attached else "not attached",
        rule=rule,
        detail=detail,
        source_api=d.api,
    )


@_register(EndpointDecision)
def _endpoint(d: EndpointDecision) -> Hop:
    ref = d.endpoint_id
    if d.endpoint_type == "Interface":
        rule = "private DNS on"
        detail = (
            f"{d.service_name} resolves to interface endpoint {ref} (private "
            f"DNS on) at {d.address} ({d.eni_id} in {d.eni_subnet_id})."
        )
    elif d.problem is EndpointProblem.MISSING:
        rule = "endpoint not found"
        detail = f"Gateway endpoint {ref} does not exist (it may have been deleted)."
    elif d.problem is EndpointProblem.NOT_AVAILABLE:
        rule = f"state {d.state}"
        detail = f"Gateway endpoint {ref} for {d.service_name} is {d.state}."
    else:
        rule = "state available"
        detail = f"Gateway endpoint {ref} carries the traffic to {d.service_name}."
    return _make(
        kind=HopKind.VPC_ENDPOINT,
        component_id=ref,
        outcome=d.outcome,
        reason=d.problem.value if d.problem else None,
        subnet_id=d.eni_subnet_id,
        peer=d.address,
        target_type=RouteTargetType.GATEWAY_ENDPOINT if d.endpoint_type == "Gateway" else None,
        target_id=d.eni_id if d.endpoint_type == "Interface" else ref,
        target_state=d.state,
        rule=rule,
        detail=detail,
        source_api="ec2:DescribeVpcEndpoints",
    )


@_register(DnsDecision)
def _dns(d: DnsDecision) -> Hop:
    vpc_id = d.vpc_id
    why = f" ({d.skipped_reason})" if d.skipped_reason else ""
    api = "ec2:DescribeVpcAttribute"
    rule: str | None
    if d.problem is DnsProblem.VPC_UNREAD:
        api, rule = "ec2:DescribeVpcs", None
        detail = (
            f"The VPC could not be read{why}, so whether the Amazon-provided DNS "
            "server answers is unknown."
        )
    elif d.problem is DnsProblem.SUPPORT_OFF:
        rule = "enableDnsSupport=false"
        detail = (
            f"VPC {vpc_id} has enableDnsSupport set to false, so the Amazon-provided "
            "DNS server does not answer the function's queries."
        )
    elif d.problem is DnsProblem.SUPPORT_UNREAD:
        rule = "enableDnsSupport unknown"
        detail = (
            f"The enableDnsSupport attribute of VPC {vpc_id} could not be read{why}, "
            "so whether the Amazon-provided DNS server answers is unknown."
        )
    elif d.problem is DnsProblem.ATTRIBUTES_UNREAD:
        rule = "DNS attributes unknown"
        detail = (
            f"The DNS attributes of VPC {vpc_id} could not be read, so "
            f"whether {d.service_name} resolves to interface endpoint "
            f"{d.endpoint_id} is unknown."
        )
    else:
        rule = "enableDnsSupport=true"
        detail = (
            f"The Amazon-provided DNS server answers queries from VPC {vpc_id} "
            "(enableDnsSupport is true); security groups and network ACLs cannot filter it."
        )
    return _make(
        kind=HopKind.DNS,
        component_id=vpc_id or "AmazonProvidedDNS",
        outcome=d.outcome,
        reason=d.problem.value if d.problem else None,
        rule=rule,
        detail=detail,
        source_api=api,
    )


# Hop.reason of a path's end whose far side (beyond a pcx/tgw/vgw) could not be read.
UNVERIFIED = "beyond_vpc_unverified"


@_register(EndDecision)
def _end(d: EndDecision) -> Hop:
    t = d.traffic
    kind = d.target_type
    target = d.target_id
    words = target_words(kind)
    if d.end is EndKind.AMAZON_DNS:
        detail = (
            f"{t.destination} is the Amazon-provided DNS server, which the function "
            "reaches without passing security groups, network ACLs or routes."
        )
    elif d.end is EndKind.INSIDE:
        where = f" ({d.eni_id})" if d.eni_id else ""
        detail = f"The path ends at {t.destination}{where} inside the VPC."
    elif kind in (RouteTargetType.INTERNET_GATEWAY, RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY):
        detail = (
            f"Beyond {target} the path goes to the internet; whether {t.dest_text} "
            "answers is not visible from this VPC's configuration."
        )
    elif kind is RouteTargetType.GATEWAY_ENDPOINT:
        detail = (
            f"Beyond gateway endpoint {target} the path reaches {d.service_name}; "
            "the service's side (endpoint and bucket policies) is not visible here."
        )
    elif kind in (RouteTargetType.NETWORK_INTERFACE, RouteTargetType.INSTANCE):
        detail = (
            f"Beyond {words} {target} (an appliance such as a firewall or NAT instance) "
            "what happens to the traffic is not visible from this VPC's configuration."
        )
    elif d.far_vpc_read:
        detail = (
            f"Beyond {words} {target} (route {d.target_state}) the path reaches "
            f"{t.destination} in {d.far_vpc_read} (both sides read); whether the host itself "
            "answers is not visible from the configuration."
        )
    else:
        detail = (
            f"Beyond {words} {target} (route {d.target_state}) the path leaves this VPC; what "
            "lies beyond is not visible from this VPC's configuration."
        )
    if d.unverified:
        detail += f" Not read beyond it, so not judged: {', '.join(d.unverified)}."
    return _make(
        kind=HopKind.DESTINATION,
        component_id=t.destination,
        outcome=HopOutcome.INFO,
        reason=UNVERIFIED if d.unverified else d.end.value,
        protocol=t.protocol,
        ports=(t.port, t.port),
        peer=t.destination,
        target_type=kind,
        target_id=target if d.end is EndKind.BEYOND else d.eni_id,
        target_state=d.target_state,
        detail=detail,
    )


@_register(BeyondDecision)
def _beyond(d: BeyondDecision) -> Hop:
    """A hop beyond the VPC (paths/beyond): its sentence is written from the same typed fields
    by the module that decided (peering, transit, vpn, far_side), once."""
    return Hop(
        kind=HopKind(d.step.value),
        component_id=d.component,
        outcome=d.outcome,
        reason="unread" if d.reason else d.state,
        subnet_id=d.subnet_id,
        rule_number=d.rule_number,
        route_destination=d.destination if d.step in _BEYOND_ROUTES else None,
        target_id=d.target,
        target_state=d.state,
        rule=d.rule,
        detail=beyond_sentence(d),
        source_api=d.source_api,
    )


def beyond_sentence(d: BeyondDecision) -> str:
    """The sentence of a decision beyond the VPC, from its typed fields: one function per
    `Step`. An unknown hop is shown as information once the path leaves the VPC, so the words
    of an unknown key on `case` (or `reason`), never on the outcome."""
    if d.case is Case.NOT_FOLLOWED:
        return (
            f"Nothing about {d.component} was read into this snapshot (it was taken by a "
            "vpcprobe that does not read beyond the VPC), so the path beyond it is not judged."
        )
    words = _BEYOND_WORDS.get(d.step)
    return words(d) if words else f"{d.component}: {d.outcome.value}."


def _far_side_words(d: BeyondDecision) -> str:
    return (
        f"Verified up to {d.up_to}; VPC {d.component} beyond it could not be read ({d.reason}), "
        "so its route back, security groups and network ACLs are not judged."
    )


def _route_back_words(d: BeyondDecision) -> str:
    if d.case is Case.NO_SUBNET:
        return (
            f"No subnet of {d.vpc_id} as read holds {d.destination}, so the route back and the "
            "destination's network ACL cannot be checked."
        )
    if d.case is Case.NO_TABLE:
        return (
            f"No route table of {d.subnet_id} was read, so its route back to {d.destination} "
            "is not known."
        )
    if d.outcome is HopOutcome.DENY:
        how = (
            "has no route"
            if d.rule is None
            else f"routes it to {d.rule}"
            if d.route_state == "active"
            else f"has only the blackhole route {d.rule}"
        )
        return (
            f"Route table {d.component} of destination subnet {d.subnet_id} (in {d.vpc_id}) "
            f"{how} back to the function subnet {d.destination}, not through {d.target}: "
            "replies never return."
        )
    return (
        f"Route table {d.component} of destination subnet {d.subnet_id} routes "
        f"{d.destination} back through {d.target}."
    )


_NACL_VERBS = {
    HopOutcome.ALLOW: "allows",
    HopOutcome.DENY: "denies",
    HopOutcome.PARTIAL: "allows only part of",
}


def _far_nacl_words(d: BeyondDecision) -> str:
    if d.case is Case.NO_TABLE or d.nacl_outcome is None:
        return f"No network ACL of {d.subnet_id} was read."
    proto = (d.protocol or "").upper()
    if d.step is Step.FAR_NACL_INBOUND:
        traffic = f"inbound {proto} {d.port} from {d.source_cidr}"
    else:
        ports = format_ports([far_side.RETURN_PORTS])
        traffic = f"return {proto} to {d.source_cidr} on ports {ports}"
    verb = _NACL_VERBS.get(d.nacl_outcome, "may or may not allow")
    return (
        f"Network ACL {d.component} of destination subnet {d.subnet_id} ({d.rule}) {verb} "
        f"{traffic}."
    )


def _far_sg_words(d: BeyondDecision) -> str:
    if d.case is Case.NO_INTERFACE:
        return (
            f"No network interface of {d.vpc_id} as read holds {d.destination}, so the "
            "destination's security groups are not known."
        )
    groups = ", ".join(d.group_ids) or "no security group"
    proto = (d.protocol or "").upper()
    if d.case is Case.UNCERTAIN:
        why = "; ".join(d.uncertain or [f"not read: {', '.join(d.missing)}"])
        return f"Whether {groups} of {d.destination} allows {proto} {d.port} is unknown ({why})."
    if d.outcome is HopOutcome.DENY:
        return (
            f"Security group {groups} of {d.destination} (in {d.vpc_id}) allows no inbound "
            f"{proto} {d.port} from the function subnet {d.source_cidr} or the function's "
            "security groups."
        )
    return f"Security group {d.component} of {d.destination} allows {d.rule}."


def _tgw_attachment_words(d: BeyondDecision) -> str:
    if d.case is Case.UNREAD:
        return f"The attachments of transit gateway {d.component} could not be read ({d.reason})."
    if d.case is Case.NO_ATTACHMENT:
        return (
            f"{d.vpc_id} has no attachment to transit gateway {d.component}, yet its route "
            "table sends traffic there."
        )
    if d.case is Case.NOT_AVAILABLE:
        return (
            f"Transit gateway attachment {d.component} of {d.near_vpc_id} is {d.state}, not "
            "available."
        )
    return (
        f"Transit gateway attachment {d.component} of {d.near_vpc_id} to "
        f"{d.transit_gateway_id} is available."
    )


def _tgw_az_words(d: BeyondDecision) -> str:
    if d.case is Case.UNREAD:
        return (
            f"Whether {d.component} has a subnet in the Availability Zone of {d.subnet_id} is "
            f"unknown ({d.reason})."
        )
    if d.outcome is HopOutcome.DENY:
        return (
            f"Transit gateway attachment {d.component} has no subnet in {d.availability_zone}, "
            f"the Availability Zone of function subnet {d.subnet_id}: traffic from "
            f"{d.subnet_id} cannot enter the transit gateway (it serves {', '.join(d.zones)})."
        )
    return f"Transit gateway attachment {d.component} has a subnet in {d.availability_zone}."


def _tgw_route_words(d: BeyondDecision) -> str:
    rtb_id = d.component
    if d.case is Case.NO_ASSOCIATION:
        return (
            f"Transit gateway attachment {rtb_id} is associated with no TGW route table, so the "
            "transit gateway does not route its traffic."
        )
    if d.case is Case.UNREAD:
        return (
            f"The routes of TGW route table {rtb_id} for {d.destination} are unknown ({d.reason})."
        )
    if d.case is Case.BLACKHOLE:
        return (
            f"TGW route table {rtb_id} has a blackhole route {d.route_cidr} for {d.address}: "
            "the transit gateway drops the traffic."
        )
    if d.case is Case.NO_ATTACHMENT:
        return f"TGW route {d.route_cidr} in {rtb_id} names no attachment."
    if d.case is Case.PROPAGATED_MISSING:
        return (
            f"TGW route table {rtb_id} shows no route for {d.destination}, yet {d.target} "
            "propagates into it, so its propagated route should be there: not judged (look "
            "again once the propagation is enabled)."
        )
    if d.case is Case.NO_ROUTE:
        why = (
            f"; {d.target}, which leads to it, does not propagate into {rtb_id}"
            if d.propagated is False
            else ""
        )
        return (
            f"TGW route table {rtb_id} has no route for {d.destination} (no static route and "
            f"no propagated one{why}), so the transit gateway drops the traffic."
        )
    return (
        f"TGW route table {rtb_id} routes {d.route_cidr} ({d.route_type or 'static'}) to "
        f"{d.target}."
    )


def _tgw_destination_words(d: BeyondDecision) -> str:
    if d.case is Case.UNREAD:
        return f"Transit gateway attachment {d.component} was not read."
    if d.case is Case.NOT_AVAILABLE:
        return (
            f"Destination attachment {d.component} ({d.resource_type} {d.target}) is "
            f"{d.state}, not available."
        )
    return f"Destination attachment {d.component} ({d.resource_type} {d.target}) is available."


def _tgw_return_words(d: BeyondDecision) -> str:
    rtb_id, cidr = d.component, d.destination
    if d.case is Case.NO_ASSOCIATION:
        return (
            f"Destination attachment {d.component} is associated with no TGW route table, so "
            f"replies to {cidr} are not routed back."
        )
    if d.outcome is HopOutcome.ALLOW:
        return f"TGW route table {rtb_id} routes the function subnet {cidr} back to {d.target}."
    if d.outcome is HopOutcome.DENY:
        how = (
            f"routes it to {', '.join(d.route_targets)}"
            if d.case is Case.ROUTED_ELSEWHERE
            else "has a blackhole route for it"
            if d.case is Case.BLACKHOLE
            else "has no route"
        )
        return (
            f"TGW route table {rtb_id} (associated with destination attachment "
            f"{d.attachment_id}) {how} back to the function subnet {cidr} through {d.target}: "
            "replies never return."
        )
    return _tgw_route_words(d)  # not read or not judged: as for the route there


def _vgw_direct_connect_words(d: BeyondDecision) -> str:
    """The path ends at the Direct Connect gateway associated with a vgw-… (no VPN)."""
    vgw = d.attachment_id
    if d.case is Case.UNREAD:
        return (
            f"Virtual private gateway {vgw} has no VPN connection, and its Direct Connect "
            f"gateway associations could not be read ({d.reason})."
        )
    association = f"association {d.target}" if d.target else "its association"
    if d.case is Case.NOT_AVAILABLE:
        why = f" ({d.status_message})" if d.status_message else ""
        return (
            f"Virtual private gateway {vgw} has no VPN connection, and {association} with "
            f"Direct Connect gateway {d.component} is {d.state}{why}, not associated: nothing "
            "carries its traffic to Direct Connect."
        )
    return (
        f"The path leaves through Direct Connect gateway {d.component}, associated with "
        f"virtual private gateway {vgw} ({association}, {d.state}); what lies beyond it "
        "(virtual interfaces, on premises) is not visible to vpcprobe."
    )


_END_WORDS = {
    "direct-connect-gateway": "Direct Connect gateway",
    "peering": "transit gateway peering",
    "connect": "Connect attachment (SD-WAN)",
}


def _end_words(d: BeyondDecision) -> str:
    if d.source_api == vpn.DX_ASSOCIATIONS_API:
        return _vgw_direct_connect_words(d)
    if d.resource_type == "direct-connect-gateway" and d.source_api == transit.DX_API:
        dxgw, attachment = d.component, d.target
        if d.case is Case.UNREAD:
            return f"Direct Connect gateway {dxgw} ({attachment}) could not be read ({d.reason})."
        if d.case is Case.NOT_AVAILABLE:
            return (
                f"Direct Connect gateway {dxgw} ({attachment}) is {d.state}, not available: "
                "the transit gateway cannot hand traffic to it."
            )
        return (
            f"The path leaves through Direct Connect gateway {dxgw} ({attachment}), which is "
            "available; what lies beyond it (virtual interfaces, on premises) is not visible to "
            "vpcprobe."
        )
    words = _END_WORDS.get(d.resource_type or "", d.resource_type)
    return (
        f"The path leaves through {words} {d.target} ({d.attachment_id}); what lies "
        "beyond it is not visible to vpcprobe."
    )


def _vpn_words(d: BeyondDecision) -> str:
    vpn_id = d.component
    if d.case is Case.NOT_READ:
        return f"VPN connection {vpn_id} was not read."
    if d.case is Case.UNREAD:
        return f"The VPN connections of {vpn_id} could not be read ({d.reason})."
    if d.case is Case.NO_ASSOCIATION:
        return (
            f"Virtual private gateway {vpn_id} has no VPN connection and no Direct Connect "
            "gateway association; a private virtual interface attached to it directly is not "
            "read by vpcprobe."
        )
    if d.case is Case.NO_VPN_CONNECTION:
        return (
            f"Virtual private gateway {vpn_id} has no VPN connection; whether a Direct "
            "Connect gateway carries its traffic is not read by vpcprobe."
        )
    if d.outcome is HopOutcome.DENY and d.state != "available":
        return f"VPN connection {vpn_id} is {d.state}, not available."
    if d.outcome is HopOutcome.DENY:
        tunnels = ", ".join(f"{ip}: {status}" for ip, status in d.tunnel_statuses)
        return (
            f"VPN connection {vpn_id}: all {d.tunnels} tunnels are DOWN ({tunnels}), so nothing "
            "reaches the network behind it."
        )
    if d.case is Case.NO_TELEMETRY:
        return f"VPN connection {vpn_id} is available but reports no tunnel status."
    up = (d.tunnels or 0) - (d.tunnels_down or 0)
    return (
        f"The path leaves AWS through VPN connection {vpn_id} ({up} of {d.tunnels} tunnels UP); "
        "what lies beyond it (on-premises routes and firewalls) is not visible to vpcprobe."
    )


def _peering_words(d: BeyondDecision) -> str:
    pcx = d.component
    if d.reason is not None:
        return f"VPC peering connection {pcx} could not be read ({d.reason})."
    if d.vpc_id is None and d.state == "deleted":  # not found: the connection itself is gone
        return (
            f"VPC peering connection {pcx} does not exist (deleted), yet a route still points "
            "at it."
        )
    if d.outcome is HopOutcome.DENY:
        why = f" ({d.status_message})" if d.status_message else ""
        return (
            f"VPC peering connection {pcx} to {d.vpc_id} is {d.state}{why}, not active: no "
            "traffic crosses it."
        )
    return f"VPC peering connection {pcx} to {d.vpc_id} is active."


def _overlap_words(d: BeyondDecision) -> str:
    return (
        f"The CIDRs of {d.near_vpc_id} and {d.vpc_id} overlap ({d.destination}): addresses in "
        "the overlap are local on each side and never cross the peering."
    )


def _peer_destination_words(d: BeyondDecision) -> str:
    return (
        f"{d.destination} is not inside {d.vpc_id} ({', '.join(d.cidrs)}): peering is not "
        "transitive, so the peer VPC drops traffic for other networks."
    )


_BEYOND_WORDS: dict[Step, Callable[[BeyondDecision], str]] = {
    Step.FAR_SIDE: _far_side_words,
    Step.ROUTE_BACK: _route_back_words,
    Step.FAR_NACL_INBOUND: _far_nacl_words,
    Step.FAR_NACL_OUTBOUND_RETURN: _far_nacl_words,
    Step.FAR_SG_INGRESS: _far_sg_words,
    Step.TGW_ATTACHMENT: _tgw_attachment_words,
    Step.TGW_ATTACHMENT_AZ: _tgw_az_words,
    Step.TGW_ROUTE: _tgw_route_words,
    Step.TGW_DESTINATION: _tgw_destination_words,
    Step.TGW_RETURN_ROUTE: _tgw_return_words,
    Step.END: _end_words,
    Step.VPN: _vpn_words,
    Step.PEERING: _peering_words,
    Step.PEERING_OVERLAP: _overlap_words,
    Step.PEER_DESTINATION: _peer_destination_words,
}


_BEYOND_ROUTES = frozenset({Step.ROUTE_BACK, Step.TGW_ROUTE, Step.TGW_RETURN_ROUTE})
