"""The VPC's DNS servers (DHCP options set) and whether each function subnet can use them."""

from __future__ import annotations

from vpcprobe_collector.paths.cidr import parse_address
from vpcprobe_collector.paths.evaluate import (
    amazon_resolver_hop,
    evaluate_function_paths,
    worst_verdict,
)
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import DnsServerCheck, HopOutcome, PathResult, Verdict
from vpcprobe_collector.snapshot.model import VpcSnapshot

AMAZON_PROVIDED_DNS = "AmazonProvidedDNS"
_OUTCOME_VERDICT = {
    HopOutcome.ALLOW: Verdict.REACHABLE,
    HopOutcome.DENY: Verdict.BLOCKED,
    HopOutcome.UNKNOWN: Verdict.UNKNOWN,
}


def evaluate_dns_servers(
    snapshot: VpcSnapshot, *, index: SnapshotIndex | None = None
) -> list[DnsServerCheck]:
    """One check per server of the VPC's DHCP options set, in the set's order.

    AmazonProvidedDNS cannot be filtered but needs `enableDnsSupport`; a custom server is
    evaluated like any destination on UDP 53 and TCP 53 from each function subnet.
    """
    index = index or SnapshotIndex(snapshot)
    options = snapshot.dhcp_options
    vpc = snapshot.vpc
    if options is not None:
        options_id: str | None = options.dhcp_options_id
        servers = list(options.domain_name_servers)
    elif vpc is not None and vpc.dhcp_options_id == "default":
        # A VPC without a DHCP options set uses the Amazon-provided DNS server.
        options_id, servers = "default", [AMAZON_PROVIDED_DNS]
    else:
        skipped = index.skipped_for("ec2:DescribeDhcpOptions")
        reason = f" ({skipped.reason})" if skipped else ""
        named = vpc.dhcp_options_id if vpc and vpc.dhcp_options_id else "the VPC's DHCP options set"
        return [
            DnsServerCheck(
                server="?",
                kind="unknown",
                dhcp_options_id=vpc.dhcp_options_id if vpc else None,
                verdict=Verdict.UNKNOWN,
                detail=f"The DNS servers of {named} could not be read{reason}, so whether the "
                "function can resolve names is unknown.",
            )
        ]
    if not servers:
        return [
            DnsServerCheck(
                server="?",
                kind="unknown",
                dhcp_options_id=options_id,
                verdict=Verdict.UNKNOWN,
                detail=f"DHCP options set {options_id} names no domain-name-servers, so which "
                "DNS server the function uses is unknown.",
            )
        ]
    return [_check(snapshot, index, options_id, server) for server in servers]


def _check(
    snapshot: VpcSnapshot, index: SnapshotIndex, options_id: str | None, server: str
) -> DnsServerCheck:
    source = f" (from DHCP options set {options_id})" if options_id else ""
    if server.lower() == AMAZON_PROVIDED_DNS.lower():
        hop = amazon_resolver_hop(index)
        verdict = _OUTCOME_VERDICT.get(hop.outcome, Verdict.UNKNOWN)
        return DnsServerCheck(
            server=AMAZON_PROVIDED_DNS,
            kind="amazon",
            dhcp_options_id=options_id,
            verdict=verdict,
            detail=hop.detail,
            decided_by=None if verdict is Verdict.REACHABLE else hop,
        )
    try:
        parse_address(server)
    except ValueError:
        return DnsServerCheck(
            server=server,
            kind="custom",
            dhcp_options_id=options_id,
            verdict=Verdict.UNKNOWN,
            detail=f"DNS server {server!r}{source} is not an IP address, so it cannot be "
            "evaluated.",
        )
    results: list[PathResult] = []
    for protocol in ("udp", "tcp"):
        results += evaluate_function_paths(snapshot, server, 53, protocol, index=index)
    if not results:
        return DnsServerCheck(
            server=server,
            kind="custom",
            dhcp_options_id=options_id,
            verdict=Verdict.UNKNOWN,
            detail=f"DNS server {server}{source} was not evaluated: the function is not in a "
            "VPC subnet.",
        )
    verdict = worst_verdict([r.verdict for r in results])
    worst = next(r for r in results if r.verdict is verdict)
    intermittent = any(r.intermittent for r in results if r.verdict is Verdict.BLOCKED)
    if verdict is Verdict.REACHABLE:
        detail = (
            f"Custom DNS server {server}{source} is reachable on UDP and TCP 53 from every "
            "function subnet."
        )
    elif verdict is Verdict.LEAVES_VPC:
        detail = (
            f"Custom DNS server {server}{source} is outside the VPC; the path to it on UDP and "
            "TCP 53 is open as far as the VPC goes, and whether it answers is not visible here."
        )
    else:
        failing = sorted(
            {
                f"{r.query.protocol.upper()} 53 from {r.query.subnet_id}"
                for r in results
                if r.verdict is verdict
            }
        )
        why = worst.decided_by.detail if worst.decided_by else ""
        state = "blocked" if verdict is Verdict.BLOCKED else "unknown"
        detail = f"Custom DNS server {server}{source} is {state} on {', '.join(failing)}: {why}"
    return DnsServerCheck(
        server=server,
        kind="custom",
        dhcp_options_id=options_id,
        verdict=verdict,
        detail=detail.strip(),
        decided_by=worst.decided_by,
        intermittent=intermittent,
        results=results,
    )
