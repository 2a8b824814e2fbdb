"""DNS rules: the VPC's DNS attribute, custom DHCP DNS servers, names that resolve differently."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from vpcprobe.models import LAMBDA_DNS_FORWARDER, DnsResult, DnsStatus, RecordType
from vpcprobe_collector.findings.model import Evidence, Finding, Remediation, ResourceRef, Severity
from vpcprobe_collector.paths.beyond.names import route53_explains
from vpcprobe_collector.paths.dns_servers import evaluate_dns_servers
from vpcprobe_collector.paths.model import Hop, HopKind, PathResult, Verdict
from vpcprobe_collector.paths.nacls import DEFAULT_RULE_NUMBER
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import (
    EC2_DHCP,
    EC2_NACLS,
    EC2_SGS,
    EC2_VPC_ATTR,
    EC2_VPCS,
    RuleContext,
    is_ip,
)
from vpcprobe_collector.rules.join import FAILED, public_private_split
from vpcprobe_collector.rules.target_paths import probe_evidence, subnets_phrase

AMAZON_DNS = "AmazonProvidedDNS"
DNS_FAILED = (DnsStatus.TIMEOUT, DnsStatus.ERROR, DnsStatus.SERVFAIL, DnsStatus.REFUSED)
NOT_FOUND = (DnsStatus.NXDOMAIN, DnsStatus.NO_ANSWER)
# A reply came back from the server (whatever it said): the packets got through both ways.
ANSWERED = (
    DnsStatus.OK,
    DnsStatus.NXDOMAIN,
    DnsStatus.NO_ANSWER,
    DnsStatus.SERVFAIL,
    DnsStatus.REFUSED,
)


def custom_servers(ctx: RuleContext) -> list[str]:
    """The DHCP options set's DNS servers other than AmazonProvidedDNS."""
    dopt = ctx.snapshot.dhcp_options
    if dopt is None:
        return []
    return [s for s in dopt.domain_name_servers if s != AMAZON_DNS]


def and_list(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def describe_result(result: DnsResult) -> str:
    """ "10.1.1.10/udp timeout after 2003 ms" — one DNS observation in words."""
    server = "getaddrinfo" if result.server == "system" else result.server
    text = (
        f"{result.name} {result.record_type.value} via {server}/{result.transport.value}: "
        f"{result.status.value}"
    )
    if result.answers:
        text += " " + ", ".join(result.answers)
    return f"{text} ({result.elapsed_ms:.0f} ms)"


def dns_evidence(results: Iterable[DnsResult], expected: str | None = None) -> list[Evidence]:
    seen: set[str] = set()
    out = []
    for result in results:
        text = describe_result(result)
        key = text.rsplit(" (", 1)[0]
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Evidence(
                source="probe.dns",
                resource=result.server,
                observed=text,
                expected=expected,
                data={
                    "name": result.name,
                    "server": result.server,
                    "transport": result.transport.value,
                    "status": result.status.value,
                    "answers": result.answers,
                },
            )
        )
    return out


def resolv_conf_lines(ctx: RuleContext) -> list[str]:
    """The configured nameservers resolv.conf names, across reports."""
    names: list[str] = []
    for report in ctx.reports:
        conf = report.resolv_conf
        if conf is None:
            continue
        for server in conf.configured_nameservers:
            line = f"; configured nameserver {server}"
            if line not in names:
                names.append(line)
    return names


def _decision(hop: Hop | None) -> tuple[str, ...]:
    """What decided a blocked path, from the hop's typed fields (never its rendered words):
    paths blocked by the same entry of the same component are one finding."""
    if hop is None:
        return ("?",)
    return (
        hop.component_id,
        hop.kind.value,
        str(hop.rule_number or ""),
        hop.reason or "",
        hop.route_destination or "",
        hop.target_id or "",
        hop.peer or "",
    )


class VpcDnsSupportOff(Rule):
    code = "DNS001"
    name = "vpc-dns-support-off"
    title = "The VPC's DNS resolution attribute (enableDnsSupport) is off"
    severity = Severity.CRITICAL
    causes = ("C12", "C08")
    summary = "Whether the VPC's `enableDnsSupport` attribute is on."
    why = (
        "With DNS support off, the Amazon resolver does not answer inside the VPC: with the "
        "default DHCP options every lookup fails, and private hosted zones and endpoints' "
        "private DNS stop working whatever the DNS servers."
    )
    how_to_fix = "Turn the VPC's DNS resolution attribute back on."
    inputs = (EC2_VPCS, EC2_VPC_ATTR)
    fallbacks = (
        (
            EC2_DHCP,
            "the DHCP options only pick the wording and severity: unread, the finding claims "
            "only what holds for any DNS server, at medium",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        vpc = ctx.snapshot.vpc
        if vpc is None:
            if ctx.in_vpc:
                yield self.skipped(ctx.skipped_reason(EC2_VPCS) or "the VPC was not read")
            return
        if vpc.enable_dns_support is None:
            reason = ctx.skipped_reason(EC2_VPC_ATTR) or "enableDnsSupport was not read"
            yield self.skipped(reason, resources=[vpc.vpc_id])
            return
        if vpc.enable_dns_support:
            yield self.passed(f"VPC {vpc.vpc_id} has enableDnsSupport on.", resources=[vpc.vpc_id])
            return
        # Unread DHCP options: which servers the function uses is unknown, so claim only what
        # holds for any of them, at the lower severity, and say what could not be read.
        dhcp_unread = ctx.skipped_reason(EC2_DHCP)
        amazon = not dhcp_unread and not custom_servers(ctx)
        if dhcp_unread:
            consequence = (
                "; private hosted zones and endpoint private DNS do not work, and if the VPC "
                "uses the Amazon resolver every DNS lookup from the function fails (the DHCP "
                f"options could not be read: {dhcp_unread})."
            )
        elif amazon:
            consequence = " and every DNS lookup from the function fails."
        else:
            consequence = "; private hosted zones and endpoint private DNS do not work."
        yield self.fail(
            f"VPC {vpc.vpc_id} has enableDnsSupport=false, so the Amazon resolver does not answer"
            + consequence,
            resources=[ResourceRef(id=vpc.vpc_id, rule="enableDnsSupport=false")],
            evidence=[
                Evidence(
                    source=EC2_VPC_ATTR,
                    resource=vpc.vpc_id,
                    observed="enableDnsSupport=false",
                    expected="enableDnsSupport=true",
                ),
                *dns_evidence(
                    [r for r in ctx.dns_results() if r.status in DNS_FAILED][:4], "an answer"
                ),
            ],
            remediation=Remediation(
                text=f"Turn on DNS resolution for {vpc.vpc_id}.",
                commands=[remedies.enable_vpc_attribute(vpc.vpc_id, "enableDnsSupport")],
            ),
            severity=None if amazon else Severity.MEDIUM,
        )


def _dopt_evidence(ctx: RuleContext) -> Evidence:
    dopt = ctx.snapshot.dhcp_options
    assert dopt is not None  # noqa: S101 - callers check
    return Evidence(
        source=EC2_DHCP,
        resource=dopt.dhcp_options_id,
        observed="domain-name-servers " + ", ".join(dopt.domain_name_servers),
        data={"domain_name": dopt.domain_name},
    )


class CustomDnsUnreachable(Rule):
    code = "DNS002"
    name = "custom-dhcp-dns-unreachable"
    title = "The VPC's custom DNS server does not answer"
    severity = Severity.CRITICAL
    causes = ("C10",)
    summary = (
        "When the VPC's DHCP options set names its own DNS servers: whether the probe's direct "
        "queries to them (UDP and TCP 53), and the lookups through Lambda's forwarder "
        "169.254.78.1 that depend on them, got answers."
    )
    why = (
        "Inside Lambda, /etc/resolv.conf points at the forwarder 169.254.78.1, which forwards "
        "to the DHCP options set's servers. If those do not answer, every lookup fails or "
        "takes seconds, and code cannot choose another server."
    )
    how_to_fix = (
        "Make the server answer (is it running, does its own security group allow DNS from "
        "the VPC?), or associate a DHCP options set that uses AmazonProvidedDNS."
    )
    inputs = (EC2_DHCP, "probe.dns", "probe.resolv_conf")
    limits = (
        "Whether a server answers is only observable from inside the VPC: without a probe "
        "report the rule is skipped."
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        dopt = ctx.snapshot.dhcp_options
        if dopt is None:
            reason = ctx.skipped_reason(EC2_DHCP)
            if reason:
                yield self.skipped(reason)
            return
        servers = custom_servers(ctx)
        if not servers:
            yield self.passed(
                f"DHCP options set {dopt.dhcp_options_id} uses AmazonProvidedDNS.",
                resources=[dopt.dhcp_options_id],
            )
            return
        if not ctx.probed:
            yield self.skipped(
                f"no probe report: whether {and_list(servers)} "
                f"{'answers' if len(servers) == 1 else 'answer'} can only be seen from "
                f"inside the VPC",
                resources=[dopt.dhcp_options_id, *servers],
            )
            return
        results = ctx.dns_results()
        forwarder = [r for r in results if r.server == LAMBDA_DNS_FORWARDER]
        for server in servers:
            direct = [
                r for r in results if r.server == server and r.status is not DnsStatus.SKIPPED
            ]
            answered = [r for r in direct if r.status not in DNS_FAILED]
            if answered or (not direct and not any(r.status in DNS_FAILED for r in forwarder)):
                if direct or forwarder:
                    yield self.passed(
                        f"DNS server {server} of {dopt.dhcp_options_id} answered the probe.",
                        resources=[dopt.dhcp_options_id, server],
                        key=(server,),
                    )
                continue
            blocked = _blocked_dns_paths(ctx, server)
            if blocked:
                continue  # DNS003 names the security group or network ACL that drops it
            failed_direct = [r for r in direct if r.status in DNS_FAILED]
            failed_forwarder = [r for r in forwarder if r.status in DNS_FAILED]
            transports = sorted({r.transport.value for r in failed_direct})
            how = " and ".join(t.upper() for t in reversed(transports)) or "the forwarder"
            statuses = sorted({r.status.value for r in failed_direct + failed_forwarder})
            via = (
                f"; lookups through Lambda's forwarder {LAMBDA_DNS_FORWARDER} also failed"
                if failed_forwarder
                else ""
            )
            conf = resolv_conf_lines(ctx)
            yield self.fail(
                f"DNS server {server}, named by DHCP options set {dopt.dhcp_options_id}, did not "
                f"answer the probe over {how} ({', '.join(statuses)}){via}, although the VPC "
                "configuration allows the traffic.",
                resources=[
                    ResourceRef(id=dopt.dhcp_options_id),
                    ResourceRef(id=server, rule="DNS server"),
                ],
                evidence=[
                    _dopt_evidence(ctx),
                    *_server_check_evidence(ctx, server),
                    *[Evidence(source="probe.resolv_conf", observed=line) for line in conf],
                    *dns_evidence(
                        _one_per_transport(failed_direct + failed_forwarder), "an answer"
                    ),
                ],
                remediation=Remediation(
                    text=(
                        f"Check that {server} runs a DNS service and that its own security group "
                        "and network ACL allow UDP and TCP 53 from the function's subnets; or "
                        f"switch {ctx.vpc_id or 'the VPC'} to a DHCP options set with "
                        "AmazonProvidedDNS (a custom server must forward private names to the "
                        "VPC resolver at the VPC base address + 2)."
                    ),
                    commands=[
                        remedies.describe_network_interfaces(
                            ("addresses.private-ip-address", server)
                        ),
                        remedies.create_dhcp_options_amazon_dns(),
                        remedies.associate_dhcp_options(ctx.vpc_id or "VPC_ID"),
                    ],
                ),
                key=(server,),
            )


def _server_check_evidence(ctx: RuleContext, server: str) -> list[Evidence]:
    """What the configuration says about reaching `server` (the path evaluator's check)."""
    checks = [c for c in evaluate_dns_servers(ctx.snapshot, index=ctx.index) if c.server == server]
    return [
        Evidence(
            source="path",
            resource=server,
            observed=check.detail,
            data={"verdict": check.verdict.value},
        )
        for check in checks
    ]


def _one_per_transport(results: list[DnsResult]) -> list[DnsResult]:
    """The first result per server and transport: enough to show which failed how."""
    seen: set[tuple[str, str]] = set()
    out = []
    for result in results:
        key = (result.server, result.transport.value)
        if key not in seen:
            seen.add(key)
            out.append(result)
    return out


def _blocked_dns_paths(ctx: RuleContext, server: str) -> list[PathResult]:
    if not is_ip(server):
        return []
    return [
        p
        for proto in ("udp", "tcp")
        for p in ctx.paths_to(server, 53, proto)
        if p.verdict is Verdict.BLOCKED
    ]


class CustomDnsBlocked(Rule):
    code = "DNS003"
    name = "custom-dhcp-dns-blocked"
    title = "A security group or network ACL blocks DNS to the VPC's custom DNS server"
    severity = Severity.CRITICAL
    causes = ("C11", "C10")
    summary = (
        "For each custom DNS server in the DHCP options set: whether the function's security "
        "groups and its subnets' network ACLs allow UDP 53 and TCP 53 to it (and the replies back)."
    )
    why = (
        "The Amazon resolver cannot be filtered, but a custom DNS server in the VPC is reached "
        "like any other host: an egress rule or ACL entry that forgets port 53 (or TCP 53, used "
        "for large answers) makes lookups time out or fail for big records only."
    )
    how_to_fix = (
        "Allow UDP and TCP 53 to the DNS server in the function's security group and network ACLs."
    )
    inputs = (EC2_DHCP, EC2_SGS, EC2_NACLS, "probe.dns")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        dopt = ctx.snapshot.dhcp_options
        servers = [s for s in custom_servers(ctx) if is_ip(s)]
        if dopt is None or not servers or not ctx.in_vpc:
            return
        for server in servers:
            results = {proto: ctx.paths_to(server, 53, proto) for proto in ("udp", "tcp")}
            every_block = [
                (proto, p)
                for proto, paths in results.items()
                for p in paths
                if p.verdict is Verdict.BLOCKED
            ]
            # A transport the server answered the probe on is not "dropped": PRB004 reports
            # that disagreement with both sides of the evidence.
            blocked = [(proto, p) for proto, p in every_block if not answered(ctx, server, proto)]
            if every_block and not blocked:
                continue
            if not blocked:
                unknown = [
                    p for paths in results.values() for p in paths if p.verdict is Verdict.UNKNOWN
                ]
                if unknown and unknown[0].decided_by:
                    yield self.skipped(
                        unknown[0].decided_by.detail.rstrip("."), resources=[server], key=(server,)
                    )
                else:
                    yield self.passed(
                        f"The configuration allows UDP and TCP 53 to DNS server {server}.",
                        resources=[dopt.dhcp_options_id, server],
                        key=(server,),
                    )
                continue
            grouped: dict[tuple[str, ...], list[tuple[str, PathResult]]] = defaultdict(list)
            for proto, path in blocked:
                grouped[_decision(path.decided_by)].append((proto, path))
            for _, items in sorted(grouped.items()):
                hop = items[0][1].decided_by
                component = hop.component_id if hop else "?"
                rule = hop.rule if hop else None
                protos = sorted({p for p, _ in items})
                subnets = sorted({path.query.subnet_id for _, path in items})
                commands = _dns_fix_commands(ctx, server, protos, items[0][1])
                yield self.fail(
                    f"{hop.detail.rstrip('.') if hop else 'A hop blocks it'}: DNS over "
                    f"{'/'.join(p.upper() for p in protos)} to {server} (the DNS server of "
                    f"{dopt.dhcp_options_id}) is dropped {subnets_phrase(ctx, subnets)}.",
                    resources=[
                        ResourceRef(id=component, rule=rule),
                        dopt.dhcp_options_id,
                        server,
                        *subnets,
                    ],
                    evidence=[
                        _dopt_evidence(ctx),
                        *[
                            Evidence(
                                source=(path.decided_by.source_api if path.decided_by else None)
                                or "path",
                                resource=component,
                                observed=path.decided_by.detail if path.decided_by else "blocked",
                                expected=f"allows {proto} 53 to {server}",
                                data={"subnet": path.query.subnet_id, "protocol": proto},
                            )
                            for proto, path in items[:4]
                        ],
                        *dns_evidence(
                            [
                                r
                                for r in ctx.dns_results()
                                if r.server == server and r.status in DNS_FAILED
                            ][:4],
                            "an answer",
                        ),
                    ],
                    remediation=Remediation(
                        text=f"Allow {'/'.join(p.upper() for p in protos)} 53 to {server} in "
                        f"{component}.",
                        commands=commands,
                    ),
                    key=(server, *protos),
                )


def answered(ctx: RuleContext, server: str, proto: str) -> list[DnsResult]:
    """The probe's queries that `server` answered over `proto` (any reply, even NXDOMAIN)."""
    return [
        r
        for r in ctx.dns_results()
        if r.server == server and r.transport.value == proto and r.status in ANSWERED
    ]


class DnsProbeDisagreement(Rule):
    code = "PRB004"
    name = "probe-dns-contradicts-configuration"
    title = "A DNS server answered the probe on a transport the configuration says is blocked"
    severity = Severity.HIGH
    causes = ()
    summary = (
        "For each custom DNS server in the DHCP options set and each of UDP and TCP 53: whether "
        "the server answered the probe while the security groups or network ACLs read block it."
    )
    why = (
        "An answer proves the packets got through, so the configuration read is not the one the "
        "probe ran with: the snapshot is stale, the probe ran with other subnets or security "
        "groups, or the evaluation missed something. The DNS verdicts cannot be trusted."
    )
    how_to_fix = (
        "Take the snapshot and run the probe again together; check that the probe function has "
        "the suspect's exact VpcConfig."
    )
    inputs = (EC2_DHCP, EC2_SGS, EC2_NACLS, "probe.dns")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        dopt = ctx.snapshot.dhcp_options
        servers = [s for s in custom_servers(ctx) if is_ip(s)]
        if dopt is None or not servers or not ctx.in_vpc or not ctx.probed:
            return
        for server in servers:
            asked = [r for r in ctx.dns_results() if r.server == server]
            if not asked:
                continue
            for proto in ("udp", "tcp"):
                replies = answered(ctx, server, proto)
                if not replies:
                    continue
                blocked = [
                    p for p in ctx.paths_to(server, 53, proto) if p.verdict is Verdict.BLOCKED
                ]
                if not blocked:
                    yield self.passed(
                        f"DNS server {server} answered the probe over {proto.upper()}, and the "
                        "configuration allows it.",
                        resources=[server],
                        key=(server, proto),
                    )
                    continue
                hop = blocked[0].decided_by
                says = hop.detail.rstrip(".") if hop else "a hop blocks it"
                subnets = sorted({p.query.subnet_id for p in blocked})
                yield self.fail(
                    f"DNS server {server} (from {dopt.dhcp_options_id}) answered "
                    f"{len(replies)} probe {'query' if len(replies) == 1 else 'queries'} over "
                    f"{proto.upper()} 53, but the configuration read says {says} "
                    f"({subnets_phrase(ctx, subnets)}).",
                    resources=[
                        *([ResourceRef(id=hop.component_id, rule=hop.rule)] if hop else []),
                        dopt.dhcp_options_id,
                        server,
                    ],
                    evidence=[
                        *dns_evidence(replies[:2], "no answer, if the path were blocked"),
                        Evidence(
                            source=(hop.source_api if hop else None) or "path",
                            resource=hop.component_id if hop else server,
                            observed=hop.detail if hop else "blocked",
                            expected=f"agreement with the probe ({proto} 53 to {server} answered)",
                            data={"subnets": subnets, "protocol": proto},
                        ),
                    ],
                    remediation=Remediation(
                        text=(
                            "Take the snapshot and run the probe again together; make sure the "
                            "probe runs with the suspect's subnets and security groups."
                        ),
                        commands=[
                            remedies.get_function_configuration(ctx.function_name, "VpcConfig")
                        ],
                    ),
                    key=(server, proto),
                )


def _dns_fix_commands(
    ctx: RuleContext, server: str, protos: list[str], path: PathResult
) -> list[str]:
    hop = path.decided_by
    if hop is None:
        return []
    if hop.kind is HopKind.SECURITY_GROUP_EGRESS:
        group = ctx.function_sg_ids[0] if ctx.function_sg_ids else hop.component_id
        return [remedies.sg_egress_to_address(group, p, 53, server) for p in protos]
    if hop.kind in (HopKind.NACL_OUTBOUND, HopKind.NACL_INBOUND_RETURN):
        acl = next(
            (a for a in ctx.snapshot.network_acls if a.network_acl_id == hop.component_id), None
        )
        outbound = hop.kind is HopKind.NACL_OUTBOUND
        deciding = hop.rule_number if hop.rule_number is not None else DEFAULT_RULE_NUMBER
        number = remedies.free_rule_number(acl, outbound, deciding)
        commands = []
        for offset, proto in enumerate(protos):
            commands.append(
                remedies.nacl_allow(
                    hop.component_id,
                    rule_number=max(number - offset, 1),
                    egress=outbound,
                    protocol=proto,
                    port_from=53 if outbound else 1024,
                    port_to=53 if outbound else 65535,
                    cidr=remedies.host_cidr(server),
                )
            )
        return commands
    return []


class PrivateNameNotResolved(Rule):
    code = "DNS004"
    name = "private-name-not-resolved"
    title = "A name resolves through one DNS server but not through the one the function uses"
    severity = Severity.HIGH
    causes = ("C13", "C10")
    summary = (
        "For every name the probe looked up: whether Lambda's forwarder (or getaddrinfo) said "
        "NXDOMAIN / no answer while another server answered, or gave public addresses where "
        "another gave private ones."
    )
    why = (
        "The function resolves through the forwarder. A private hosted zone not associated with "
        "the VPC, a custom server that does not forward private names, a resolver rule or a "
        "DNS Firewall rule makes the name fail (or resolve to a public address) only there."
    )
    how_to_fix = (
        "Associate the private hosted zone with the VPC, or make the custom DNS server forward "
        "the zone to the VPC resolver; check Route 53 Resolver rules and DNS Firewall."
    )
    inputs = ("probe.dns",)
    limits = (
        "Route 53 Resolver rules, DNS Firewall and hosted zone associations are not read: only "
        "the symptom (which server answered what) is reported."
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        if not ctx.probed:
            return
        groups: dict[tuple[str, RecordType], list[DnsResult]] = defaultdict(list)
        for result in ctx.dns_results():
            if (
                result.record_type in (RecordType.A, RecordType.AAAA)
                and result.status is not DnsStatus.SKIPPED
            ):
                groups[(result.name.rstrip(".").lower(), result.record_type)].append(result)
        any_checked = failed = False
        for (name, rtype), results in sorted(groups.items()):
            used = [r for r in results if r.server in (LAMBDA_DNS_FORWARDER, "system")]
            others = [r for r in results if r.server not in (LAMBDA_DNS_FORWARDER, "system")]
            ok_other = [r for r in others if r.status is DnsStatus.OK and r.answers]
            missing = [r for r in used if r.status in NOT_FOUND]
            ok_used = [r for r in used if r.status is DnsStatus.OK and r.answers]
            if used and ok_other:
                any_checked = True
            if missing and ok_other and not ok_used:
                failed = True
                yield self.fail(
                    f"{name} ({rtype.value}) got {missing[0].status.value} through "
                    f"{'getaddrinfo' if missing[0].server == 'system' else missing[0].server}, "
                    f"which the function uses, but {ok_other[0].server} answered "
                    f"{', '.join(ok_other[0].answers)}.",
                    resources=[
                        ResourceRef(id=name),
                        *(
                            [ctx.snapshot.dhcp_options.dhcp_options_id]
                            if ctx.snapshot.dhcp_options
                            else []
                        ),
                    ],
                    evidence=dns_evidence(missing[:2] + ok_other[:2]),
                    remediation=Remediation(
                        text=(
                            f"Make {name} resolvable through the VPC's DNS path: associate its "
                            f"private hosted zone with {ctx.vpc_id or 'the VPC'}, or have the "
                            "custom DNS server forward it to the VPC resolver."
                        ),
                        commands=[
                            remedies.associate_vpc_with_hosted_zone(
                                ctx.snapshot.region, ctx.vpc_id or "VPC_ID"
                            ),
                            remedies.list_resolver_rule_associations(ctx.vpc_id or "VPC_ID"),
                        ],
                    ),
                    key=(name, rtype.value),
                )
                continue
            split = public_private_split(results)
            if split:
                public_used, private_other = split
                failed = True
                # The function connects to the public answer; when those connects time out the
                # split is the likeliest cause, ahead of "blocked beyond the VPC" (TGT002).
                timed_out = [
                    f
                    for f in ctx.facts
                    if f.spec.host.rstrip(".").lower() == name
                    and any(s in FAILED for s in f.statuses())
                ]
                yield self.fail(
                    f"{name} resolves to public {', '.join(public_used[:3])} through "
                    f"the function's resolver but to private {', '.join(private_other[:3])} "
                    "through another server"
                    + (
                        f"; connections to {', '.join(f.label for f in timed_out)} time out, "
                        "most likely because the function uses the public address"
                        if timed_out
                        else ""
                    )
                    + ".",
                    resources=[ResourceRef(id=name)],
                    evidence=dns_evidence(ok_used[:2] + ok_other[:2])
                    + [probe_evidence(f) for f in timed_out],
                    remediation=Remediation(
                        text=(
                            f"Make the VPC's DNS path return the private answer for {name} "
                            "(private hosted zone association, endpoint private DNS, resolver "
                            "rules)."
                        ),
                    ),
                    severity=Severity.CRITICAL if timed_out else Severity.MEDIUM,
                    target=timed_out[0].label if len(timed_out) == 1 else None,
                    key=(name, rtype.value, "split"),
                )
        if any_checked and not failed:
            yield self.passed(
                "Every name the probe looked up resolved the same way through the function's "
                "resolver as through the other servers."
            )


class TargetNameNotFound(Rule):
    code = "DNS005"
    name = "target-name-not-found"
    title = "A target's name does not exist in any DNS server the probe asked"
    severity = Severity.HIGH
    causes = ("C13",)
    summary = (
        "For each target given by name: whether the probe resolved it; NXDOMAIN from every "
        "server means the name does not exist where this VPC looks."
    )
    why = (
        "A typo, a record that was deleted, or a private hosted zone that is not associated "
        "with this VPC all look like this: the application sees 'name not found' or a "
        "connection error, never a timeout."
    )
    how_to_fix = (
        "Check the name; if it lives in a private hosted zone, associate that zone with the VPC."
    )
    inputs = ("probe.dns", "probe.tcp")
    limits = "Hosted zone associations are not read; only the probe's answers are."

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for fact in ctx.facts:
            if is_ip(fact.spec.host) or not fact.dns:
                continue
            tried = [r for r in fact.dns if r.status is not DnsStatus.SKIPPED]
            if fact.addresses:
                yield self.passed(
                    f"{fact.spec.host} resolved to {', '.join(fact.addresses)}.",
                    target=fact.label,
                )
                continue
            if (
                tried
                and all(r.status in NOT_FOUND for r in tried)
                and any(r.status is DnsStatus.NXDOMAIN for r in tried)
            ):
                if route53_explains(ctx.snapshot, fact.spec.host):
                    continue  # R53003/R53004/R53005 name the zone or firewall rule that decided
                servers = sorted({r.server for r in tried})
                yield self.fail(
                    f"{fact.spec.host} does not exist according to every server the probe asked "
                    f"({', '.join(servers)}: NXDOMAIN).",
                    resources=[ResourceRef(id=fact.spec.host)],
                    evidence=dns_evidence(tried[:4], "an address"),
                    remediation=Remediation(
                        text=(
                            f"Check the spelling of {fact.spec.host}; if it is in a private hosted "
                            f"zone, associate the zone with {ctx.vpc_id or 'the VPC'}."
                        ),
                        commands=[
                            remedies.associate_vpc_with_hosted_zone(
                                ctx.snapshot.region, ctx.vpc_id or "VPC_ID"
                            )
                        ],
                    ),
                    target=fact.label,
                )
