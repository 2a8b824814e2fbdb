"""Route 53 readers: Resolver rules and outbound endpoints, private hosted zones, DNS Firewall.

Per VPC: ListResolverRuleAssociations, ListResolverRules (GetResolverRule only for an associated
rule the list lacks), per outbound endpoint GetResolverEndpoint and
ListResolverEndpointIpAddresses; ListHostedZonesByVPC and ListHostedZones (a private zone not
associated with the VPC); ListFirewallRuleGroupAssociations, per group ListFirewallRules, per
domain list ListFirewallDomains.
"""

from __future__ import annotations

from typing import Any

from vpcprobe_collector.snapshot.model import (
    BeyondVpc,
    FirewallRule,
    FirewallRuleGroupAssociation,
    HostedZone,
    ResolverEndpoint,
    ResolverEndpointAddress,
    ResolverRule,
)
from vpcprobe_collector.snapshot.readers.calls import CallRecorder


def _vpc_filter(vpc_id: str) -> list[dict[str, Any]]:
    return [{"Name": "VPCId", "Values": [vpc_id]}]


def rule_from_aws(item: dict[str, Any]) -> ResolverRule:
    return ResolverRule(
        resolver_rule_id=item["Id"],
        domain_name=str(item.get("DomainName") or ""),
        rule_type=str(item.get("RuleType") or "unknown"),
        name=item.get("Name"),
        status=item.get("Status"),
        resolver_endpoint_id=item.get("ResolverEndpointId"),
        target_ips=[
            f"{t.get('Ip') or t.get('Ipv6')}:{t.get('Port', 53)}"
            for t in item.get("TargetIps") or []
            if t.get("Ip") or t.get("Ipv6")
        ],
        owner_id=item.get("OwnerId"),
    )


def read_resolver_rules(recorder: CallRecorder, client: Any, vpc_id: str) -> list[ResolverRule]:
    """The rules associated with `vpc_id`, with their association's ID and status."""
    associations = recorder.items(
        client,
        "list_resolver_rule_associations",
        "route53resolver:ListResolverRuleAssociations",
        "ResolverRuleAssociations",
        Filters=_vpc_filter(vpc_id),
    )
    if not associations:
        return []
    mine = {a["ResolverRuleId"]: a for a in associations if a.get("VPCId", vpc_id) == vpc_id}
    listed = recorder.items(
        client,
        "list_resolver_rules",
        "route53resolver:ListResolverRules",
        "ResolverRules",
    )
    rules = {r.resolver_rule_id: r for r in (rule_from_aws(i) for i in listed or [])}
    found: list[ResolverRule] = []
    for rule_id, association in mine.items():
        rule = rules.get(rule_id)
        if rule is None:
            answer = recorder.call(
                client,
                "get_resolver_rule",
                "route53resolver:GetResolverRule",
                ResolverRuleId=rule_id,
            )
            if answer is None or not answer.get("ResolverRule"):
                continue
            rule = rule_from_aws(answer["ResolverRule"])
        rule.association_id = association.get("Id")
        rule.association_status = association.get("Status")
        found.append(rule)
    return found


def read_resolver_endpoints(
    recorder: CallRecorder, client: Any, endpoint_ids: set[str]
) -> list[ResolverEndpoint]:
    """GetResolverEndpoint and ListResolverEndpointIpAddresses for each endpoint."""
    found: list[ResolverEndpoint] = []
    for endpoint_id in sorted(endpoint_ids):
        answer = recorder.call(
            client,
            "get_resolver_endpoint",
            "route53resolver:GetResolverEndpoint",
            ResolverEndpointId=endpoint_id,
        )
        if answer is None or not answer.get("ResolverEndpoint"):
            continue
        item = answer["ResolverEndpoint"]
        endpoint = ResolverEndpoint(
            resolver_endpoint_id=item.get("Id", endpoint_id),
            direction=str(item.get("Direction") or "unknown"),
            status=item.get("Status"),
            host_vpc_id=item.get("HostVPCId"),
            security_group_ids=list(item.get("SecurityGroupIds") or []),
        )
        addresses = recorder.items(
            client,
            "list_resolver_endpoint_ip_addresses",
            "route53resolver:ListResolverEndpointIpAddresses",
            "IpAddresses",
            ResolverEndpointId=endpoint_id,
        )
        endpoint.addresses = [
            ResolverEndpointAddress(
                ip=a.get("Ip") or a.get("Ipv6"), subnet_id=a.get("SubnetId"), status=a.get("Status")
            )
            for a in addresses or []
        ]
        found.append(endpoint)
    return found


def _zone_id(raw: str) -> str:
    return raw.rsplit("/", 1)[-1]


def read_hosted_zones(
    recorder: CallRecorder, route53: Any, vpc_id: str, region: str
) -> list[HostedZone]:
    """The account's private zones, each marked whether this VPC is associated with it; zones
    associated with the VPC from another account are kept too (associated, from the VPC side)."""
    by_vpc = recorder.items(
        route53,
        "list_hosted_zones_by_vpc",
        "route53:ListHostedZonesByVPC",
        "HostedZoneSummaries",
        VPCId=vpc_id,
        VPCRegion=region,
    )
    zones: dict[str, HostedZone] = {}
    for item in by_vpc or []:
        zone_id = _zone_id(str(item.get("HostedZoneId", "")))
        zones[zone_id] = HostedZone(
            hosted_zone_id=zone_id, name=str(item.get("Name", "")), associated=True
        )
    listed = recorder.items(route53, "list_hosted_zones", "route53:ListHostedZones", "HostedZones")
    for item in listed or []:
        if not (item.get("Config") or {}).get("PrivateZone"):
            continue
        zone_id = _zone_id(str(item.get("Id", "")))
        zones.setdefault(
            zone_id, HostedZone(hosted_zone_id=zone_id, name=str(item.get("Name", "")))
        )
    return list(zones.values())


def read_firewall(
    recorder: CallRecorder, client: Any, vpc_id: str
) -> list[FirewallRuleGroupAssociation]:
    """DNS Firewall rule groups associated with the VPC, with their rules and domains."""
    items = recorder.items(
        client,
        "list_firewall_rule_group_associations",
        "route53resolver:ListFirewallRuleGroupAssociations",
        "FirewallRuleGroupAssociations",
        VpcId=vpc_id,
    )
    found: list[FirewallRuleGroupAssociation] = []
    domain_lists: dict[str, list[str] | None] = {}
    for item in items or []:
        association = FirewallRuleGroupAssociation(
            association_id=item.get("Id"),
            firewall_rule_group_id=str(item.get("FirewallRuleGroupId", "")),
            name=item.get("Name"),
            priority=item.get("Priority"),
            status=item.get("Status"),
        )
        rules = recorder.items(
            client,
            "list_firewall_rules",
            "route53resolver:ListFirewallRules",
            "FirewallRules",
            FirewallRuleGroupId=association.firewall_rule_group_id,
        )
        if rules is not None:
            association.rules_read = True
        for r in rules or []:
            list_id = r.get("FirewallDomainListId")
            if list_id and list_id not in domain_lists:
                listed: list[Any] | None = recorder.items(
                    client,
                    "list_firewall_domains",
                    "route53resolver:ListFirewallDomains",
                    "Domains",  # plain strings, not objects
                    FirewallDomainListId=list_id,
                )
                domain_lists[list_id] = None if listed is None else [str(d) for d in listed]
            domains = domain_lists.get(list_id) if list_id else None
            association.rules.append(
                FirewallRule(
                    name=r.get("Name"),
                    priority=r.get("Priority"),
                    action=str(r.get("Action") or "unknown"),
                    block_response=r.get("BlockResponse"),
                    firewall_domain_list_id=list_id,
                    domains=[str(d) for d in domains or []],
                    domains_read=domains is not None,
                )
            )
        found.append(association)
    return found


def read_dns_beyond(
    recorder: CallRecorder, resolver: Any, route53: Any, vpc_id: str, region: str, into: BeyondVpc
) -> None:
    """Fill `into` with everything Route 53 decides about names looked up from `vpc_id`."""
    into.resolver_rules = read_resolver_rules(recorder, resolver, vpc_id)
    endpoint_ids = {r.resolver_endpoint_id for r in into.resolver_rules if r.resolver_endpoint_id}
    into.resolver_endpoints = read_resolver_endpoints(recorder, resolver, endpoint_ids)
    into.hosted_zones = read_hosted_zones(recorder, route53, vpc_id, region)
    into.firewall_associations = read_firewall(recorder, resolver, vpc_id)
    into.dns_read = True
