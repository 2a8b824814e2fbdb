"""AWS service access rules: VPC endpoints, their private DNS and security groups, the Logs API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from vpcprobe.models import (
    LAMBDA_DNS_FORWARDER,
    AwsResult,
    AwsStatus,
    DnsResult,
    DnsStatus,
    RecordType,
)
from vpcprobe_collector.findings.model import Evidence, Finding, Remediation, ResourceRef, Severity
from vpcprobe_collector.paths.cidr import parse_address
from vpcprobe_collector.paths.endpoints import endpoint_ingress
from vpcprobe_collector.paths.hops import gateway_endpoint
from vpcprobe_collector.paths.model import Hop, HopKind, HopOutcome, Verdict
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import (
    EC2_ENDPOINTS,
    EC2_NATS,
    EC2_ROUTES,
    EC2_SGS,
    EC2_VPCS,
    RuleContext,
    is_ip,
)
from vpcprobe_collector.rules.target_paths import subnets_phrase
from vpcprobe_collector.snapshot.model import VpcEndpoint

UNREACHABLE = (AwsStatus.TIMEOUT, AwsStatus.DNS_FAILED, AwsStatus.CONNECT_FAILED)


def service_name(ctx: RuleContext, service: str) -> str:
    return f"com.amazonaws.{ctx.snapshot.region}.{service}"


def endpoint_for(ctx: RuleContext, service: str) -> VpcEndpoint | None:
    """The VPC's endpoint for an AWS service ("logs"), if any."""
    wanted = service_name(ctx, service)
    for endpoint in sorted(ctx.snapshot.vpc_endpoints, key=lambda e: e.vpc_endpoint_id):
        if endpoint.service_name == wanted and gateway_endpoint.usable(endpoint):
            return endpoint
    return None


def dns_attributes_on(ctx: RuleContext) -> bool:
    vpc = ctx.snapshot.vpc
    return bool(vpc and vpc.enable_dns_support and vpc.enable_dns_hostnames)


def endpoint_443(ctx: RuleContext, endpoint: VpcEndpoint) -> list[Hop]:
    """The path engine's verdict, per function subnet, on "is TCP 443 from the function
    allowed into this endpoint's security groups?" (one judgement, shared with EPT001's path)."""
    return endpoint_ingress(ctx.snapshot, endpoint, index=ctx.index)


@dataclass
class ServiceRoute:
    """How the function reaches one AWS service, per the configuration, in words."""

    service: str
    via: str  # "interface endpoint vpce-…", "gateway endpoint vpce-…", "the internet via nat-…"
    missing_subnets: list[str] = field(default_factory=list)  # subnets with a blocked path
    unknown: bool = False
    setup_problem: bool = False  # blocked at the source: the function cannot attach at all
    resources: list[ResourceRef] = field(default_factory=list)
    explanation: str = ""


def service_route(ctx: RuleContext, service: str) -> ServiceRoute:
    """Summarise the path evaluator's ServiceAccess for one service."""
    access = ctx.service(service)
    missing = [s.subnet_id for s in access.subnets if s.verdict is Verdict.BLOCKED]
    unknown = any(s.verdict is Verdict.UNKNOWN for s in access.subnets)
    ok = [s for s in access.subnets if s.verdict in (Verdict.REACHABLE, Verdict.LEAVES_VPC)]
    via = ""
    if ok:
        first = ok[0]
        via = {
            "interface_endpoint": f"interface endpoint {first.endpoint_id}",
            "gateway_endpoint": f"gateway endpoint {first.endpoint_id}",
            "public": "its public endpoint (NAT)",
        }.get(first.via, first.via)
    resources: list[ResourceRef] = []
    hop = access.decided_by
    if missing and hop:
        resources.append(ResourceRef(id=hop.component_id, rule=hop.rule))
    resources.extend(ResourceRef(id=s) for s in missing)
    parts = []
    if missing:
        blocked = next(s for s in access.subnets if s.verdict is Verdict.BLOCKED)
        deciding = blocked.result.decided_by if blocked.result else None
        detail = deciding.detail if deciding else blocked.detail
        parts.append(f"{detail.rstrip('.')} (from {', '.join(missing)})")
    parts.extend(n.rstrip(".") for n in access.notes)
    return ServiceRoute(
        service=service,
        via=via,
        missing_subnets=missing,
        unknown=unknown and not missing,
        setup_problem=bool(hop and hop.kind is HopKind.SOURCE),
        resources=resources,
        explanation="; ".join(parts),
    )


@dataclass
class Bypass:
    """A service name that resolved, inside the function, to addresses outside the VPC
    although an interface endpoint for the service exists."""

    endpoint: VpcEndpoint
    name: str
    addresses: list[str]
    results: list[DnsResult]


def _in_vpc(ctx: RuleContext, address: str) -> bool:
    return ctx.index.in_vpc(parse_address(address))


def bypassed_endpoint(ctx: RuleContext, service: str) -> Bypass | None:
    """The probe's answer for <service>.<region>.amazonaws.com when it bypasses the endpoint."""
    endpoint = endpoint_for(ctx, service)
    if endpoint is None or endpoint.endpoint_type != "Interface":
        return None
    name = f"{service}.{ctx.snapshot.region}.amazonaws.com"
    used = [
        r
        for r in ctx.dns_results()
        if r.name.rstrip(".").lower() == name
        and r.server in (LAMBDA_DNS_FORWARDER, "system")
        and r.status is DnsStatus.OK
        and r.record_type is RecordType.A
    ]
    outside = sorted({a for r in used for a in r.answers if is_ip(a) and not _in_vpc(ctx, a)})
    if not outside:
        return None
    return Bypass(endpoint=endpoint, name=name, addresses=outside, results=used)


def _service_remedy(ctx: RuleContext, service: str) -> Remediation:
    """Create the endpoint, or fix the one that exists (private DNS, its security group)."""
    endpoint = endpoint_for(ctx, service)
    if endpoint is None or endpoint.endpoint_type != "Interface":
        return Remediation(
            text=(
                f"Create an interface endpoint for {service_name(ctx, service)} with private DNS "
                "(its security group must allow TCP 443 from the function), or route the "
                "function's subnets to a NAT gateway."
            ),
            commands=_endpoint_commands(ctx, service),
        )
    ref = endpoint.vpc_endpoint_id
    commands = []
    if not endpoint.private_dns_enabled:
        commands.append(remedies.enable_endpoint_private_dns(ref))
    denied = [h for h in endpoint_443(ctx, endpoint) if h.outcome is HopOutcome.DENY]
    if denied and endpoint.security_group_ids:
        source = ctx.function_sg_ids[0] if ctx.function_sg_ids else "FUNCTION_SG_ID"
        commands.append(
            remedies.sg_ingress_from_group(endpoint.security_group_ids[0], "tcp", 443, source)
        )
    return Remediation(
        text=(
            f"Make the function use the existing endpoint {ref}: its name must resolve to it "
            "(private DNS, the VPC's DNS attributes, a DNS server that forwards to the VPC "
            "resolver) and its security group must allow TCP 443 from the function "
            "(see the EPT findings)."
        ),
        commands=commands,
    )


def _endpoint_commands(ctx: RuleContext, service: str) -> list[str]:
    return [
        remedies.create_interface_endpoint(
            ctx.vpc_id or "VPC_ID", service_name(ctx, service), ctx.function_subnet_ids
        ),
    ]


def _aws_evidence(results: list[AwsResult]) -> list[Evidence]:
    out: list[Evidence] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for result in results:
        key = (result.status.value, result.endpoint, result.error)
        if key in seen:
            continue
        seen.add(key)
        detail = f"{result.service}:{result.operation} {result.status.value}"
        if result.endpoint:
            detail += f" at {result.endpoint}"
        detail += f" after {result.elapsed_ms:.0f} ms"
        if result.error:
            detail += f" ({result.error})"
        out.append(
            Evidence(
                source="probe.aws",
                resource=result.endpoint,
                observed=detail,
                expected="a response from the API (even AccessDenied proves the path)",
                data={"status": result.status.value, "error_code": result.error_code},
            )
        )
    return out


class ServiceApiRule(Rule):
    """Judges the probe's AWS API calls for some services against the service route."""

    def services(self, ctx: RuleContext) -> list[str]:
        raise NotImplementedError

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for service in self.services(ctx):
            results = [r for report in ctx.reports for r in report.aws if r.service == service]
            observed = [r for r in results if r.status is not AwsStatus.SKIPPED]
            route = service_route(ctx, service)
            failed = [r for r in observed if r.status in UNREACHABLE]
            if observed and not failed:
                yield self.passed(
                    f"The probe reached the {service} API ({observed[0].status.value})"
                    + (f" via {route.via}." if route.via else "."),
                    key=(service,),
                )
                continue
            if not observed and not route.missing_subnets:
                if route.unknown:
                    yield self.skipped(
                        route.explanation or "the path could not be evaluated", key=(service,)
                    )
                elif route.via:
                    yield self.passed(
                        f"The configuration gives a path to the {service} API via {route.via}.",
                        key=(service,),
                    )
                continue
            dns_only = failed and all(r.status is AwsStatus.DNS_FAILED for r in failed)
            if dns_only and not route.missing_subnets:
                yield self.skipped(
                    f"the {service} endpoint's name did not resolve inside the function "
                    "(the DNS findings say why)",
                    key=(service,),
                )
                continue
            if not observed and route.setup_problem:
                continue  # the function cannot attach at all: the setup rules say why
            reason = ctx.skipped_reason(EC2_ROUTES, EC2_ENDPOINTS)
            if not observed and reason:
                yield self.skipped(reason, key=(service,))
                continue
            bypass = bypassed_endpoint(ctx, service)
            if failed and bypass:
                why = (
                    f"inside the function {bypass.name} resolved to "
                    f"{', '.join(bypass.addresses)}, not to interface endpoint "
                    f"{bypass.endpoint.vpc_endpoint_id}, so the call went the public way "
                    "(see EPT004)"
                )
            elif failed and route.missing_subnets:
                why = route.explanation
            elif failed:
                why = (
                    f"the configuration allows it via {route.via}, so the block is outside the "
                    f"VPC configuration"
                    if route.via
                    else "no path was found"
                )
            else:
                why = route.explanation
            seen = (
                f"the probe's {service} call got {failed[0].status.value} "
                f"({len(failed)} of {len(observed)})"
                if failed
                else "not probed"
            )
            yield self.fail(
                f"{self.lead(service)}: {seen}; {why}.",
                resources=[ResourceRef(id=ctx.service(service).service_name), *route.resources],
                evidence=[
                    *_aws_evidence(failed),
                    Evidence(source="path", observed=why, expected="an endpoint or a NAT route"),
                ],
                remediation=_service_remedy(ctx, service),
                severity=None if failed else Severity.LOW,
                key=(service,),
            )

    def lead(self, service: str) -> str:
        return f"The function cannot reach the {service} API"


class NoPathToAwsService(ServiceApiRule):
    code = "EPT001"
    name = "no-path-to-aws-service"
    title = "No NAT gateway and no VPC endpoint lead to an AWS service the function calls"
    severity = Severity.HIGH
    causes = ("C07",)
    summary = (
        "For each AWS API the probe called (other than CloudWatch Logs, see API001): whether "
        "the call got through and, per the configuration, an interface or gateway endpoint or "
        "a NAT route leads to the service."
    )
    why = (
        "AWS APIs have public addresses. From a VPC they are reachable only through a NAT "
        "gateway or a VPC endpoint; without either, SDK calls hang until the SDK's timeout."
    )
    how_to_fix = (
        "Create a VPC endpoint for the service (interface, or gateway for S3 and DynamoDB) or "
        "route through a NAT gateway."
    )
    inputs = ("probe.aws", EC2_ENDPOINTS, EC2_VPCS, EC2_ROUTES, EC2_NATS)
    limits = (
        "Only services the probe calls (STS when asked) are judged: the function's own code is "
        "not read."
    )

    def services(self, ctx: RuleContext) -> list[str]:
        return sorted(
            {r.service for report in ctx.reports for r in report.aws if r.service != "logs"}
        )


class LogsApiUnreachable(ServiceApiRule):
    code = "API001"
    name = "logs-api-unreachable"
    title = "The function's code cannot reach the CloudWatch Logs API"
    severity = Severity.MEDIUM
    causes = ("C23", "C07")
    summary = (
        "Whether the probe's CloudWatch Logs API call got a response and, per the "
        "configuration, a `logs` interface endpoint or a NAT route leads to the service."
    )
    why = (
        "A function's stdout still reaches CloudWatch because Lambda ships it outside the VPC, "
        "so logs look fine; but code that calls the Logs API itself (log shippers, "
        "PutLogEvents, metric libraries) hangs without a NAT gateway or a `logs` endpoint."
    )
    how_to_fix = (
        "Create an interface endpoint for com.amazonaws.REGION.logs with private DNS, or route "
        "through a NAT gateway."
    )
    inputs = ("probe.aws", "probe.dns", EC2_ENDPOINTS, EC2_VPCS, EC2_ROUTES, EC2_NATS)

    def services(self, ctx: RuleContext) -> list[str]:
        return ["logs"] if ctx.in_vpc else []

    def lead(self, service: str) -> str:
        return (
            "The function's code cannot reach the CloudWatch Logs API "
            "(its stdout logs still arrive)"
        )


class EndpointPrivateDnsOff(Rule):
    code = "EPT002"
    name = "endpoint-private-dns-off"
    title = (
        "An interface endpoint's private DNS is off, so its service name resolves to public "
        "addresses"
    )
    severity = Severity.MEDIUM
    causes = ("C08",)
    summary = (
        "For each interface endpoint of an AWS service in the VPC: whether private DNS is on, "
        "and whether the VPC's enableDnsSupport and enableDnsHostnames let it work."
    )
    why = (
        "Without private DNS the SDK's default endpoint name resolves to the public service "
        "addresses: traffic goes to the NAT gateway (or nowhere) instead of the endpoint."
    )
    how_to_fix = "Enable private DNS on the endpoint and both DNS attributes on the VPC."
    inputs = (EC2_ENDPOINTS, EC2_VPCS, "ec2:DescribeVpcAttribute")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        reason = ctx.skipped_reason(EC2_ENDPOINTS)
        if reason:
            yield self.skipped(reason)
            return
        vpc = ctx.snapshot.vpc
        for endpoint in sorted(ctx.snapshot.vpc_endpoints, key=lambda e: e.vpc_endpoint_id):
            if endpoint.endpoint_type != "Interface" or not endpoint.service_name.startswith(
                "com.amazonaws."
            ):
                continue
            ref = endpoint.vpc_endpoint_id
            if not endpoint.private_dns_enabled:
                yield self.fail(
                    f"Interface endpoint {ref} for {endpoint.service_name} has private DNS off, so "
                    "the service's usual name resolves to public addresses and bypasses it.",
                    resources=[ResourceRef(id=ref, rule="PrivateDnsEnabled=false")],
                    evidence=[
                        Evidence(
                            source=EC2_ENDPOINTS,
                            resource=ref,
                            observed="PrivateDnsEnabled=false",
                            expected="PrivateDnsEnabled=true",
                        )
                    ],
                    remediation=Remediation(
                        text=f"Turn on private DNS for {ref}.",
                        commands=[remedies.enable_endpoint_private_dns(ref)],
                    ),
                )
            elif vpc is not None and (
                vpc.enable_dns_support is False or vpc.enable_dns_hostnames is False
            ):
                attrs = [
                    a
                    for a, v in (
                        ("enableDnsSupport", vpc.enable_dns_support),
                        ("enableDnsHostnames", vpc.enable_dns_hostnames),
                    )
                    if v is False
                ]
                yield self.fail(
                    f"Interface endpoint {ref} for {endpoint.service_name} has private DNS on, but "
                    f"VPC {vpc.vpc_id} has {' and '.join(a + '=false' for a in attrs)}, so it "
                    f"does not take effect.",
                    resources=[ref, ResourceRef(id=vpc.vpc_id, rule=", ".join(attrs))],
                    evidence=[
                        Evidence(
                            source="ec2:DescribeVpcAttribute",
                            resource=vpc.vpc_id,
                            observed=", ".join(a + "=false" for a in attrs),
                            expected="enableDnsSupport=true, enableDnsHostnames=true",
                        )
                    ],
                    remediation=Remediation(
                        text=f"Turn on {' and '.join(attrs)} for {vpc.vpc_id}.",
                        commands=[remedies.enable_vpc_attribute(vpc.vpc_id, a) for a in attrs],
                    ),
                )
            else:
                yield self.passed(
                    f"Interface endpoint {ref} for {endpoint.service_name} has private DNS on.",
                    resources=[ref],
                )


class EndpointSgDenies443(Rule):
    code = "EPT003"
    name = "endpoint-security-group-denies-443"
    title = "An interface endpoint's security groups do not allow HTTPS from the function"
    severity = Severity.HIGH
    causes = ("C09",)
    summary = (
        "For each interface endpoint of an AWS service: whether one of its security groups "
        "allows TCP 443 in from the function's security groups or subnets."
    )
    why = (
        "The endpoint's network interfaces are guarded by their own security groups. Without "
        "an inbound 443 rule for the function, SDK calls to the service time out."
    )
    how_to_fix = (
        "Allow TCP 443 in the endpoint's security group from the function's security group."
    )
    inputs = (EC2_ENDPOINTS, EC2_SGS)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        reason = ctx.skipped_reason(EC2_ENDPOINTS, EC2_SGS)
        if not ctx.in_vpc:
            return
        for endpoint in sorted(ctx.snapshot.vpc_endpoints, key=lambda e: e.vpc_endpoint_id):
            if endpoint.endpoint_type != "Interface":
                continue
            ref = endpoint.vpc_endpoint_id
            if reason:
                yield self.skipped(reason, resources=[ref])
                continue
            groups = [
                g for gid in endpoint.security_group_ids if (g := ctx.snapshot.security_group(gid))
            ]
            if len(groups) < len(endpoint.security_group_ids):
                unread = [
                    g for g in endpoint.security_group_ids if not ctx.snapshot.security_group(g)
                ]
                yield self.skipped(
                    f"security group {', '.join(unread)} of {ref} was not read", resources=[ref]
                )
                continue
            hops = endpoint_443(ctx, endpoint)
            denied = sorted({h.subnet_id or "?" for h in hops if h.outcome is HopOutcome.DENY})
            unknown = next((h for h in hops if h.outcome is HopOutcome.UNKNOWN), None)
            if not denied and unknown is not None:
                yield self.skipped(unknown.detail.rstrip("."), resources=[ref])
                continue
            if not denied:
                if hops:
                    yield self.passed(
                        f"Endpoint {ref} allows TCP 443 from the function.", resources=[ref]
                    )
                continue
            group = (
                endpoint.security_group_ids[0] if endpoint.security_group_ids else "ENDPOINT_SG_ID"
            )
            source = ctx.function_sg_ids[0] if ctx.function_sg_ids else "FUNCTION_SG_ID"
            yield self.fail(
                f"Interface endpoint {ref} for {endpoint.service_name}: its security groups "
                f"{', '.join(endpoint.security_group_ids)} allow no inbound TCP 443 from the "
                f"function's groups {', '.join(ctx.function_sg_ids)} or subnets"
                + (
                    f" ({subnets_phrase(ctx, denied)})."
                    if set(denied) != set(ctx.function_subnet_ids)
                    else "."
                ),
                resources=[
                    ref,
                    *[ResourceRef(id=g, rule="ingress") for g in endpoint.security_group_ids],
                ],
                evidence=[
                    Evidence(
                        source=EC2_SGS,
                        resource=g.group_id,
                        observed="; ".join(
                            f"{r.protocol} {r.from_port}-{r.to_port} from {r.peer}"
                            for r in g.ingress
                        )
                        or "no inbound rules",
                        expected=f"tcp 443 from {source}",
                    )
                    for g in groups
                ],
                remediation=Remediation(
                    text=f"Allow TCP 443 into {group} from the function's security group {source}.",
                    commands=[remedies.sg_ingress_from_group(group, "tcp", 443, source)],
                ),
            )


class ServiceNameBypassesEndpoint(Rule):
    code = "EPT004"
    name = "service-name-bypasses-endpoint"
    title = "An AWS service's name resolves past its interface endpoint inside the function"
    severity = Severity.HIGH
    causes = ("C08", "C10")
    summary = (
        "For each interface endpoint of an AWS service: what the service's regional name "
        "(for example logs.eu-west-1.amazonaws.com) resolved to inside the function, through "
        "Lambda's forwarder or getaddrinfo. Addresses outside the VPC mean the endpoint is "
        "bypassed."
    )
    why = (
        "The endpoint only helps when the SDK's usual name resolves to it. Private DNS off, "
        "VPC DNS attributes off, or a custom DNS server that does not forward amazonaws.com "
        "to the VPC resolver send the calls to public addresses: through the NAT gateway if "
        "there is one, or into a timeout."
    )
    how_to_fix = (
        "Turn on the endpoint's private DNS and the VPC's DNS attributes; with a custom DNS "
        "server, forward the service's name to the VPC resolver (VPC base address + 2)."
    )
    inputs = (
        "probe.dns",
        EC2_ENDPOINTS,
        EC2_VPCS,
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeDhcpOptions",
    )
    limits = "Needs a probe report: the probe resolves the logs and sts names by default."

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        if not ctx.probed:
            return
        for endpoint in sorted(ctx.snapshot.vpc_endpoints, key=lambda e: e.vpc_endpoint_id):
            prefix = f"com.amazonaws.{ctx.snapshot.region}."
            if endpoint.endpoint_type != "Interface" or not endpoint.service_name.startswith(
                prefix
            ):
                continue
            service = endpoint.service_name.removeprefix(prefix)
            bypass = bypassed_endpoint(ctx, service)
            name = f"{service}.{ctx.snapshot.region}.amazonaws.com"
            if bypass is None:
                if any(r.name.rstrip(".").lower() == name for r in ctx.dns_results()):
                    yield self.passed(
                        f"{name} resolved to endpoint {endpoint.vpc_endpoint_id} inside the "
                        f"function.",
                        resources=[endpoint.vpc_endpoint_id],
                    )
                continue
            vpc = ctx.snapshot.vpc
            dopt = ctx.snapshot.dhcp_options
            custom = [
                s for s in (dopt.domain_name_servers if dopt else []) if s != "AmazonProvidedDNS"
            ]
            commands: list[str] = []
            if not endpoint.private_dns_enabled:
                reason = f"private DNS is off on {endpoint.vpc_endpoint_id}"
                commands.append(remedies.enable_endpoint_private_dns(endpoint.vpc_endpoint_id))
            elif vpc is not None and (
                vpc.enable_dns_support is False or vpc.enable_dns_hostnames is False
            ):
                reason = f"VPC {vpc.vpc_id} has a DNS attribute off"
                commands += [
                    remedies.enable_vpc_attribute(vpc.vpc_id, "enableDnsSupport"),
                    remedies.enable_vpc_attribute(vpc.vpc_id, "enableDnsHostnames"),
                ]
            elif custom and dopt is not None:
                reason = (
                    f"the VPC's DNS server {', '.join(custom)} (DHCP options set "
                    f"{dopt.dhcp_options_id}) answers with the public addresses instead of "
                    "forwarding to the VPC resolver"
                )
                commands += [
                    remedies.create_dhcp_options_amazon_dns(),
                    remedies.associate_dhcp_options(ctx.vpc_id or "VPC_ID"),
                ]
            else:
                reason = "a Route 53 Resolver rule or DNS Firewall may answer for the name"
            yield self.fail(
                f"{name} resolved to {', '.join(bypass.addresses)} inside the function, not to "
                f"interface endpoint {endpoint.vpc_endpoint_id}: {reason}.",
                resources=[
                    ResourceRef(id=endpoint.vpc_endpoint_id),
                    *(ResourceRef(id=dopt.dhcp_options_id) for _ in [0] if custom and dopt),
                ],
                evidence=[
                    *_dns_evidence(bypass.results[:2]),
                    Evidence(
                        source=EC2_ENDPOINTS,
                        resource=endpoint.vpc_endpoint_id,
                        observed=(
                            f"{endpoint.service_name}, PrivateDnsEnabled="
                            f"{str(endpoint.private_dns_enabled).lower()}"
                        ),
                        expected=f"{name} resolves to the endpoint's addresses in the VPC",
                    ),
                ],
                remediation=Remediation(
                    text=(
                        f"Make {name} resolve to {endpoint.vpc_endpoint_id} inside the VPC: "
                        f"{self.how_to_fix[0].lower()}{self.how_to_fix[1:]}"
                    ),
                    commands=commands,
                ),
                key=(name,),
            )


def _dns_evidence(results: list[DnsResult]) -> list[Evidence]:
    return [
        Evidence(
            source="probe.dns",
            resource=r.server,
            observed=(
                f"{r.name} {r.record_type.value} via "
                f"{'getaddrinfo' if r.server == 'system' else r.server}: {', '.join(r.answers)}"
            ),
        )
        for r in results
    ]
