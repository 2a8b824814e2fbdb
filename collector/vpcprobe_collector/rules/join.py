"""The join: per target, what the probe observed against what the configuration allows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from vpcprobe.models import (
    LAMBDA_DNS_FORWARDER,
    DnsResult,
    DnsStatus,
    ProbeReport,
    RecordType,
    TcpResult,
    target_display,
)
from vpcprobe_collector.findings.model import TargetJoin, TargetSpec
from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.beyond.model import BeyondPath
from vpcprobe_collector.paths.model import HopOutcome, PathResult, Verdict
from vpcprobe_collector.rules.context import RuleContext, TargetFacts, is_ip, is_public
from vpcprobe_collector.rules.target_paths import observed_summary

FAILED = ("timeout", "unreachable", "error")
# The packets got to the target host: it accepted, or it answered with a reset.
REACHED = ("open", "refused")


def _same_host(a: str, b: str) -> bool:
    return a.rstrip(".").lower() == b.rstrip(".").lower()


def target_tcp(spec: TargetSpec, reports: Sequence[ProbeReport]) -> list[TcpResult]:
    """Every TCP result, across reports, for this target's host and port."""
    return [
        r
        for report in reports
        for r in report.tcp
        if r.port == spec.port and _same_host(r.host, spec.host)
    ]


def target_dns(spec: TargetSpec, reports: Sequence[ProbeReport]) -> list[DnsResult]:
    """Every DNS result, across reports, for this target's name."""
    if is_ip(spec.host):
        return []
    return [r for report in reports for r in report.dns if _same_host(r.name, spec.host)]


def resolved_addresses(spec: TargetSpec, tcp: list[TcpResult], dns: list[DnsResult]) -> list[str]:
    """The addresses the probe actually used or resolved (the host itself for an IP)."""
    if is_ip(spec.host):
        return [spec.host]
    found = {r.address for r in tcp if r.address and is_ip(r.address)}
    if not found:
        for result in dns:
            if result.status is DnsStatus.OK and result.record_type in (
                RecordType.A,
                RecordType.AAAA,
            ):
                found.update(a for a in result.answers if is_ip(a))
    return sorted(found)


def public_private_split(results: Sequence[DnsResult]) -> tuple[list[str], list[str]] | None:
    """(public answers, private answers) when the function's resolver (the forwarder or
    getaddrinfo) gave only public addresses for a name and another server private ones;
    None otherwise. Pass one name and record type's results."""
    used = [r for r in results if r.server in (LAMBDA_DNS_FORWARDER, "system")]
    ok_used = [r for r in used if r.status is DnsStatus.OK and r.answers]
    ok_other = [
        r
        for r in results
        if r.server not in (LAMBDA_DNS_FORWARDER, "system")
        and r.status is DnsStatus.OK
        and r.answers
    ]
    used_ips = [a for r in ok_used for a in r.answers if is_ip(a)]
    public = sorted({a for a in used_ips if is_public(a)})
    private = sorted({a for r in ok_other for a in r.answers if is_ip(a) and not is_public(a)})
    if public and private and all(is_public(a) for a in used_ips):
        return public, private
    return None


def target_split(fact: TargetFacts) -> tuple[list[str], list[str]] | None:
    """The public/private split for this target's name, A records first, if there is one."""
    for rtype in (RecordType.A, RecordType.AAAA):
        split = public_private_split([r for r in fact.dns if r.record_type is rtype])
        if split:
            return split
    return None


def build_facts(ctx: RuleContext) -> list[TargetFacts]:
    """Join every target: resolve its addresses, evaluate its paths, conclude in one sentence."""
    facts = []
    for spec in ctx.targets:
        tcp = target_tcp(spec, ctx.reports)
        dns = target_dns(spec, ctx.reports)
        addresses = resolved_addresses(spec, tcp, dns)
        paths = {a: ctx.paths_to(a, spec.port, spec.protocol) for a in addresses}
        observed = Counter(r.status.value for r in tcp)
        join = TargetJoin(
            label=spec.display,
            host=spec.host,
            port=spec.port,
            protocol=spec.protocol,
            addresses=addresses,
            observed=dict(sorted(observed.items())),
            paths=[p for a in addresses for p in paths[a]],
            expect=spec.expect,
            conclusion="",
        )
        fact = TargetFacts(spec=spec, addresses=addresses, tcp=tcp, dns=dns, paths=paths, join=join)
        join.conclusion = conclude(ctx, fact)
        facts.append(fact)
    return facts


def blocked_paths(paths: Sequence[PathResult]) -> list[PathResult]:
    return [p for p in paths if p.verdict is Verdict.BLOCKED]


def _where(path: PathResult) -> str:
    return path.decided_by.detail.rstrip(".") if path.decided_by else "a hop denies it"


def _subnets(paths: Sequence[PathResult]) -> str:
    return ", ".join(sorted({p.query.subnet_id for p in paths}))


def static_phrase(fact: TargetFacts, ctx: RuleContext) -> str:
    """What the configuration alone says about this target, in a few words."""
    paths = fact.all_paths()
    if not fact.addresses:
        return "no address to evaluate"
    if not paths:
        return "the function has no VPC subnets to evaluate from"
    blocked = blocked_paths(paths)
    if blocked:
        suffix = "" if len(blocked) == len(paths) else f" (from {_subnets(blocked)})"
        return f"the configuration blocks it: {_where(blocked[0])}{suffix}"
    unknown = [p for p in paths if p.verdict is Verdict.UNKNOWN]
    if unknown:
        return f"the configuration could not be fully checked: {_where(unknown[0])}"
    leaving = [p for p in paths if p.verdict is Verdict.LEAVES_VPC]
    if leaving:
        return _beyond_phrase(fact, ctx, len(leaving))
    return "the configuration allows it"


def _beyond(fact: TargetFacts, ctx: RuleContext) -> list[BeyondPath]:
    return [
        b
        for address in fact.addresses
        for b in ctx.beyond_paths(address, fact.spec.port, fact.spec.protocol)
    ]


def _unjudged_beyond(fact: TargetFacts, ctx: RuleContext) -> tuple[BeyondPath, str] | None:
    """The first path beyond the VPC that allows the traffic as far as it was read, then
    stops at something not read or not judged, with those words."""
    for b in _beyond(fact, ctx):
        words = describe.beyond_outcome(b)
        if words is not None and b.far_vpc_read is None:
            return b, words
    return None


def _beyond_phrase(fact: TargetFacts, ctx: RuleContext, leaving: int) -> str:
    """A target whose paths leave the VPC: reached with both sides read, or up to where it was
    read and what was not; else only as far as the VPC goes (internet, VPN, ...)."""
    unjudged = _unjudged_beyond(fact, ctx)
    if unjudged is not None:
        b, words = unjudged
        return f"the configuration allows it up to {b.verified_up_to}; {words}"
    beyond = _beyond(fact, ctx)
    if beyond and len(beyond) >= leaving and all(b.far_vpc_read for b in beyond):
        return f"the configuration allows it: it {describe.beyond_outcome(beyond[0])}"
    return "the configuration allows it as far as the VPC goes"


def verified_and_beyond(paths: Sequence[PathResult]) -> tuple[list[str], str]:
    """What the configuration check verified (each component once) and where the unseen
    part begins."""
    verified: list[str] = []
    beyond = "at the target host itself (its own firewall, or the service's listening address)"
    for path in paths[:1]:
        for hop in path.hops:
            if hop.outcome is HopOutcome.ALLOW and hop.component_id not in verified:
                verified.append(hop.component_id)
        end = path.hops[-1] if path.hops else None
        if path.verdict is Verdict.LEAVES_VPC and end is not None:
            # The end hop names the route's target (pcx-…, tgw-…, vgw-…, igw-…) and state.
            beyond = f"{describe.beyond_phrase(end)} ({describe.beyond_what(end)})"
    return verified, beyond


def unevaluated_reason(ctx: RuleContext, fact: TargetFacts) -> str | None:
    """Why neither the probe nor the configuration says anything about this target, or None
    when one of them does (a probe result or at least one evaluated path)."""
    if fact.statuses() or fact.all_paths():
        return None
    spec = fact.spec
    if fact.addresses:
        return static_phrase(fact, ctx)
    if not ctx.probed:
        return f"{spec.host} is a name and no probe report says what it resolves to inside the VPC"
    if fact.dns:
        return (
            f"{spec.host} did not resolve inside the function, so there is no address to evaluate"
        )
    return "the probe reports do not mention it, so there is no address to evaluate"


def conclude(ctx: RuleContext, fact: TargetFacts) -> str:
    """One plain sentence: what happened to this target and why."""
    spec = fact.spec
    statuses = fact.statuses()
    if not statuses:
        if not ctx.probed:
            if not fact.addresses:
                return (
                    f"Not evaluated: {spec.host} is a name and there is no probe report "
                    "to say what it resolves to inside the VPC."
                )
            return f"Not probed; {static_phrase(fact, ctx)}."
        return f"The probe did not report on {spec.display}; {static_phrase(fact, ctx)}."
    count = Counter(statuses)
    total = len(statuses)
    if count["dns_failed"] == total:
        return (
            f"The name {spec.host} did not resolve inside the function ({dns_summary(fact)})"
            f"{dns_setup(ctx)}."
        )
    paths = fact.all_paths()
    blocked = blocked_paths(paths)
    failed = sum(count[s] for s in FAILED)
    if count["open"] == total:
        if blocked:
            return (
                f"Connected {total} of {total} times, yet the configuration read says "
                f"{_where(blocked[0])}: the probe and the snapshot disagree."
            )
        return f"Reachable: connected {total} of {total} times; {static_phrase(fact, ctx)}."
    if blocked and all(s in REACHED for s in statuses):
        return (
            f"Reached the host {total} of {total} times ({observed_summary(fact)}: a refusal "
            f"comes from the host), yet the configuration read says {_where(blocked[0])}: "
            "the probe and the snapshot disagree."
        )
    if count["refused"] and not failed:
        return (
            f"The network path works but {target_display(spec.host, spec.port)} refused the "
            f"connection {count['refused']} of {total} times: nothing listens on port {spec.port}."
        )
    if count["open"] and failed:
        partial = [p for p in paths if p.intermittent]
        why = f": {_where(partial[0])}" if partial and partial[0].decided_by else ""
        if not why and blocked:
            why = f": {_where(blocked[0])} (from {_subnets(blocked)} only)"
        return f"Intermittent: {failed} of {total} connections failed{why}."
    if blocked:
        suffix = "" if len(blocked) == len(paths) else f" (from {_subnets(blocked)})"
        return f"Times out: {_where(blocked[0])}{suffix}."
    split = target_split(fact)
    if split:
        public, private = split
        return (
            f"Times out at public {', '.join(public[:3])}, which the function's resolver gave; "
            f"another DNS server answers private {', '.join(private[:3])}: most likely the "
            "function uses the wrong address."
        )
    if not paths:
        return f"Times out ({failed} of {total}); {static_phrase(fact, ctx)}."
    unknown = [p for p in paths if p.verdict is Verdict.UNKNOWN]
    if unknown:
        return f"Times out; the configuration could not be fully checked: {_where(unknown[0])}."
    if _unjudged_beyond(fact, ctx) is not None:
        return f"Times out; {static_phrase(fact, ctx)}: where it is blocked is not known."
    _, beyond = verified_and_beyond(paths)
    return (
        f"Times out although every part of the VPC configuration allows it: "
        f"the block lies {beyond}."
    )


def dns_summary(fact: TargetFacts) -> str:
    """Which server failed how: "169.254.78.1/udp timeout, 10.1.1.10/tcp timeout"."""
    parts: list[str] = []
    for result in fact.dns:
        if result.status in (DnsStatus.OK, DnsStatus.SKIPPED):
            continue
        if result.server == "system":
            text = f"getaddrinfo {result.status.value}"
        else:
            text = f"{result.server}/{result.transport.value} {result.status.value}"
        if text not in parts:
            parts.append(text)
    return ", ".join(parts) if parts else "no DNS result was reported"


def dns_setup(ctx: RuleContext) -> str:
    """ "; the VPC's DHCP options set dopt-… names 10.1.1.10 (resolv.conf: …)" or ""."""
    dopt = ctx.snapshot.dhcp_options
    text = ""
    if dopt is not None:
        text = (
            f"; the VPC's DHCP options set {dopt.dhcp_options_id} names "
            f"{', '.join(dopt.domain_name_servers) or 'no DNS server'}"
        )
    configured = sorted(
        {s for r in ctx.reports if r.resolv_conf for s in r.resolv_conf.configured_nameservers}
    )
    if configured:
        text += f" (resolv.conf: configured nameserver {', '.join(configured)})"
    vpc = ctx.snapshot.vpc
    if vpc is not None and vpc.enable_dns_support is False:
        text += f"; VPC {vpc.vpc_id} has enableDnsSupport=false"
    return text
