"""Static path evaluation: from a function subnet to an address, hop by hop, with a verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from vpcprobe_collector.paths import nacls, routes, security_groups
from vpcprobe_collector.paths.cidr import (
    AMAZON_RESOLVER_ADDRESSES,
    IPAddress,
    IPNetwork,
    host_network,
    parse_address,
    parse_network,
)
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.paths.model import Hop, HopKind, HopOutcome, PathQuery, PathResult, Verdict
from vpcprobe_collector.snapshot.model import (
    NetworkInterface,
    RouteTable,
    RouteTargetType,
    Subnet,
    VpcSnapshot,
)

_VERDICT_ORDER = {
    Verdict.REACHABLE: 0,
    Verdict.LEAVES_VPC: 1,
    Verdict.UNKNOWN: 2,
    Verdict.BLOCKED: 3,
}


def worst_verdict(verdicts: Sequence[Verdict]) -> Verdict:
    """The most serious of `verdicts` (blocked > unknown > leaves_vpc > reachable)."""
    return max(verdicts, key=_VERDICT_ORDER.__getitem__, default=Verdict.UNKNOWN)


def evaluate_path(
    snapshot: VpcSnapshot, query: PathQuery, *, index: SnapshotIndex | None = None
) -> PathResult:
    """The verdict and hops for one path; pass `index` to reuse one across many paths.

    Raises ValueError when `query.destination` is not an IP address.
    """
    return _PathEvaluation(index or SnapshotIndex(snapshot), query).run()


def evaluate_function_paths(
    snapshot: VpcSnapshot,
    destination: str,
    port: int,
    protocol: Literal["tcp", "udp"] = "tcp",
    *,
    index: SnapshotIndex | None = None,
) -> list[PathResult]:
    """One PathResult per function subnet, with the function's security groups.

    Returns [] when the snapshot has no function or the function is not in a VPC.
    """
    function = snapshot.function
    config = function.vpc_config if function else None
    if config is None or not config.vpc_id or not config.subnet_ids:
        return []
    index = index or SnapshotIndex(snapshot)
    groups = tuple(config.security_group_ids)
    return [
        evaluate_path(
            snapshot,
            PathQuery(
                subnet_id=subnet_id,
                security_group_ids=groups,
                destination=destination,
                protocol=protocol,
                port=port,
            ),
            index=index,
        )
        for subnet_id in config.subnet_ids
    ]


def amazon_resolver_hop(index: SnapshotIndex) -> Hop:
    """The Amazon-provided DNS server: never filtered, but silent without enableDnsSupport."""
    vpc = index.vpc
    if vpc is None:
        skipped = index.skipped_for("ec2:DescribeVpcs")
        reason = f" ({skipped.reason})" if skipped else ""
        return Hop(
            kind=HopKind.DNS,
            component="AmazonProvidedDNS",
            outcome=HopOutcome.UNKNOWN,
            detail=f"The VPC could not be read{reason}, so whether the Amazon-provided DNS "
            "server answers is unknown.",
            source_api="ec2:DescribeVpcs",
        )
    if vpc.enable_dns_support is False:
        return Hop(
            kind=HopKind.DNS,
            component=vpc.vpc_id,
            outcome=HopOutcome.DENY,
            rule="enableDnsSupport=false",
            detail=f"VPC {vpc.vpc_id} has enableDnsSupport set to false, so the Amazon-provided "
            "DNS server does not answer the function's queries.",
            source_api="ec2:DescribeVpcAttribute",
        )
    if vpc.enable_dns_support is None:
        skipped = index.skipped_for("ec2:DescribeVpcAttribute")
        reason = f" ({skipped.reason})" if skipped else ""
        return Hop(
            kind=HopKind.DNS,
            component=vpc.vpc_id,
            outcome=HopOutcome.UNKNOWN,
            rule="enableDnsSupport unknown",
            detail=f"The enableDnsSupport attribute of VPC {vpc.vpc_id} could not be read{reason}, "
            "so whether the Amazon-provided DNS server answers is unknown.",
            source_api="ec2:DescribeVpcAttribute",
        )
    return Hop(
        kind=HopKind.DNS,
        component=vpc.vpc_id,
        outcome=HopOutcome.ALLOW,
        rule="enableDnsSupport=true",
        detail=f"The Amazon-provided DNS server answers queries from VPC {vpc.vpc_id} "
        "(enableDnsSupport is true); security groups and network ACLs cannot filter it.",
        source_api="ec2:DescribeVpcAttribute",
    )


def is_amazon_resolver(index: SnapshotIndex, address: IPAddress) -> bool:
    """Whether `address` is the Amazon resolver: 169.254.169.253, fd00:ec2::253 or VPC base + 2."""
    if str(address) in AMAZON_RESOLVER_ADDRESSES:
        return True
    return any(
        network.version == address.version == 4 and address == network.network_address + 2
        for network in index.vpc_networks
    )


class _PathEvaluation:
    """One path's evaluation: collects hops in order, then decides the verdict."""

    def __init__(self, index: SnapshotIndex, query: PathQuery) -> None:
        self.ix = index
        self.q = query
        self.dest = parse_address(query.destination)
        self.proto = query.protocol
        self.proto_upper = query.protocol.upper()
        self.dest_text = (
            f"[{self.dest}]:{query.port}" if self.dest.version == 6 else f"{self.dest}:{query.port}"
        )
        self.hops: list[Hop] = []
        self.notes: list[str] = []
        self.terminal: Verdict | None = None
        self.terminal_detail = ""
        self.source_networks: list[IPNetwork] = []
        self.source_text = ""

    # ------------------------------------------------------------------ bookkeeping

    def add(
        self,
        kind: HopKind,
        component: str,
        outcome: HopOutcome,
        detail: str,
        rule: str | None = None,
        source_api: str | None = None,
    ) -> Hop:
        hop = Hop(
            kind=kind,
            component=component,
            outcome=outcome,
            rule=rule,
            detail=detail,
            source_api=source_api,
        )
        self.hops.append(hop)
        return hop

    def unread(self, kind: HopKind, component: str, api: str, what: str) -> Hop | None:
        """An UNKNOWN hop when `api` was skipped; None when it was read fine."""
        skipped = self.ix.skipped_for(api)
        if skipped is None:
            return None
        return self.add(
            kind,
            component,
            HopOutcome.UNKNOWN,
            f"{what} could not be read ({skipped.reason}), so this step is unknown.",
            rule=f"{api} {skipped.error_code}",
            source_api=api,
        )

    # ------------------------------------------------------------------ the walk

    def run(self) -> PathResult:
        source = self.ix.subnets.get(self.q.subnet_id)
        if self.source(source) and source is not None:
            if self.q.port == 53 and is_amazon_resolver(self.ix, self.dest):
                hop = amazon_resolver_hop(self.ix)
                self.hops.append(hop)
                self.terminal = Verdict.REACHABLE
                self.terminal_detail = (
                    f"{self.dest} is the Amazon-provided DNS server, which the function "
                    "reaches without passing security groups, network ACLs or routes."
                )
            else:
                self.walk(source)
        return self.result()

    def walk(self, source: Subnet) -> None:
        dest_eni = self.ix.interface_with_address(self.dest)
        # The ENI's subnet ID is enough for its NACL even when the subnet itself was not read.
        dest_subnet: str | None = dest_eni.subnet_id if dest_eni is not None else None
        if dest_subnet is None and self.ix.in_vpc(self.dest):
            containing = self.ix.subnet_containing(self.dest)
            dest_subnet = containing.subnet_id if containing else None
        same_subnet = dest_subnet == source.subnet_id
        self.source_networks, self.source_text = self.sources(source)

        self.security_group_egress(dest_eni)
        dest_host = [host_network(self.dest)]
        if same_subnet:
            self.add(
                HopKind.NACL_OUTBOUND,
                source.subnet_id,
                HopOutcome.INFO,
                f"{self.dest} is in the function's own subnet {source.subnet_id}, where network "
                "ACLs do not apply.",
            )
        else:
            self.nacl(
                source.subnet_id,
                HopKind.NACL_OUTBOUND,
                egress=True,
                peers=dest_host,
                peer_text=str(self.dest),
                ports=(self.q.port, self.q.port),
                traffic=f"outbound {self.proto_upper} to {self.dest_text}",
            )
        self.route(source, dest_eni, dest_subnet, same_subnet)
        if not same_subnet:
            self.nacl(
                source.subnet_id,
                HopKind.NACL_INBOUND_RETURN,
                egress=False,
                peers=dest_host,
                peer_text=str(self.dest),
                ports=nacls.EPHEMERAL_PORTS,
                traffic=f"inbound return {self.proto_upper} from {self.dest} on ports 1024-65535",
            )

    def source(self, subnet: Subnet | None) -> bool:
        """The SOURCE hop(s); False when there is no subnet to start from."""
        subnet_id = self.q.subnet_id
        if subnet is None:
            if self.unread(HopKind.SOURCE, subnet_id, "ec2:DescribeSubnets", "Subnets"):
                return False
            self.add(
                HopKind.SOURCE,
                subnet_id,
                HopOutcome.DENY,
                f"Subnet {subnet_id} in the function's configuration does not exist (it may "
                "have been deleted), so Lambda has no network interface there.",
                rule="subnet does not exist",
                source_api="ec2:DescribeSubnets",
            )
            return False
        cidrs = ", ".join(c for c in (subnet.cidr_block, *subnet.ipv6_cidr_blocks) if c)
        where = f"{cidrs}, {subnet.availability_zone}" if subnet.availability_zone else cidrs
        groups = ", ".join(self.q.security_group_ids) or "none"
        self.add(
            HopKind.SOURCE,
            subnet_id,
            HopOutcome.INFO,
            f"Traffic starts at Lambda's network interface in {subnet_id} ({where}) with "
            f"security groups {groups}.",
            source_api="ec2:DescribeSubnets",
        )
        vpc = self.ix.vpc
        if vpc is not None and vpc.instance_tenancy == "dedicated":
            self.add(
                HopKind.SOURCE,
                vpc.vpc_id,
                HopOutcome.DENY,
                f"VPC {vpc.vpc_id} has dedicated instance tenancy, which Lambda does not "
                "support: it cannot create its network interfaces there.",
                rule="instanceTenancy=dedicated",
                source_api="ec2:DescribeVpcs",
            )
        if self.dest.version == 6:
            function = self.ix.snapshot.function
            config = function.vpc_config if function else None
            if (
                function is not None
                and config is not None
                and subnet_id in config.subnet_ids
                and not config.ipv6_allowed_for_dual_stack
            ):
                self.add(
                    HopKind.SOURCE,
                    function.name,
                    HopOutcome.DENY,
                    f"Function {function.name} has Ipv6AllowedForDualStack off, so it sends no "
                    f"IPv6 traffic and cannot reach {self.dest}.",
                    rule="Ipv6AllowedForDualStack=false",
                    source_api="lambda:GetFunction",
                )
            if not subnet.ipv6_cidr_blocks:
                self.add(
                    HopKind.SOURCE,
                    subnet_id,
                    HopOutcome.DENY,
                    f"Subnet {subnet_id} has no IPv6 CIDR block, so Lambda's network interface "
                    f"there has no IPv6 address to reach {self.dest}.",
                    rule="no IPv6 CIDR",
                    source_api="ec2:DescribeSubnets",
                )
        elif not subnet.cidr_block:
            self.add(
                HopKind.SOURCE,
                subnet_id,
                HopOutcome.DENY,
                f"Subnet {subnet_id} is IPv6-only, so Lambda's network interface there has no "
                f"IPv4 address to reach {self.dest}.",
                rule="no IPv4 CIDR",
                source_api="ec2:DescribeSubnets",
            )
        return True

    def sources(self, subnet: Subnet) -> tuple[list[IPNetwork], str]:
        """Where the function's packets come from, as the destination side sees them."""
        version = self.dest.version
        wanted = set(self.q.security_group_ids)
        enis = [
            e
            for e in self.ix.lambda_enis
            if e.subnet_id == subnet.subnet_id and set(e.security_group_ids) == wanted
        ]
        addresses = [
            a for e in enis for a in (e.private_ip_addresses if version == 4 else e.ipv6_addresses)
        ]
        if addresses:
            eni_ids = ", ".join(e.network_interface_id for e in enis)
            return (
                [host_network(parse_address(a)) for a in addresses],
                f"Lambda's network interface {eni_ids} ({', '.join(addresses)})",
            )
        cidrs = [subnet.cidr_block] if version == 4 and subnet.cidr_block else []
        if version == 6:
            cidrs = list(subnet.ipv6_cidr_blocks)
        shown = ", ".join(cidrs) or "no CIDR"
        return (
            [parse_network(c) for c in cidrs],
            f"any address in {subnet.subnet_id} (Lambda's ENI, {shown})",
        )

    def security_group_egress(self, dest_eni: NetworkInterface | None) -> None:
        groups = self.q.security_group_ids
        kind = HopKind.SECURITY_GROUP_EGRESS
        if not groups:
            self.add(
                kind,
                self.q.subnet_id,
                HopOutcome.DENY,
                "The function has no security groups, so it can send nothing.",
                rule="no security groups",
            )
            return
        dest_groups = frozenset(dest_eni.security_group_ids) if dest_eni else None
        decision = security_groups.egress(
            self.ix, groups, self.proto, self.q.port, self.dest, dest_groups
        )
        api = security_groups.API
        if decision.outcome is HopOutcome.ALLOW and decision.rule and decision.group_id:
            text = security_groups.rule_text(decision.rule, "to")
            self.add(
                kind,
                decision.group_id,
                HopOutcome.ALLOW,
                f"Security group {decision.group_id} allows outbound {self.proto_upper} to "
                f"{self.dest_text} ({text}).",
                rule=text,
                source_api=api,
            )
            return
        skipped = self.ix.skipped_for(api)
        if decision.outcome is HopOutcome.UNKNOWN:
            if decision.uncertain:
                why = "; ".join(decision.uncertain)
            elif skipped:
                why = f"{', '.join(decision.missing)} could not be read ({skipped.reason})"
            else:
                why = "a group could not be read"
            self.add(
                kind,
                (decision.missing or list(groups))[0],
                HopOutcome.UNKNOWN,
                f"Whether the function's security groups allow outbound {self.proto_upper} to "
                f"{self.dest_text} is unknown: {why}.",
                rule=f"{api} {skipped.error_code}" if skipped and decision.missing else None,
                source_api=api,
            )
            return
        if decision.missing:
            missing = decision.missing[0]
            self.add(
                kind,
                missing,
                HopOutcome.DENY,
                f"Security group {missing} in the function's configuration does not exist (it "
                "may have been deleted).",
                rule="security group does not exist",
                source_api=api,
            )
            return
        names = ", ".join(groups)
        plural = "groups" if len(groups) > 1 else "group"
        verb = "allow" if len(groups) > 1 else "allows"
        self.add(
            kind,
            groups[0],
            HopOutcome.DENY,
            f"Security {plural} {names} {verb} no outbound {self.proto_upper} to {self.dest_text}.",
            rule=f"no egress rule allows {self.proto} {self.q.port} to {self.dest}",
            source_api=api,
        )

    def nacl(
        self,
        subnet_id: str,
        kind: HopKind,
        *,
        egress: bool,
        peers: list[IPNetwork],
        peer_text: str,
        ports: tuple[int, int],
        traffic: str,
    ) -> None:
        acl = self.ix.network_acl_for(subnet_id)
        if acl is None:
            if self.unread(kind, subnet_id, nacls.API, f"The network ACL of {subnet_id}"):
                return
            self.add(
                kind,
                subnet_id,
                HopOutcome.UNKNOWN,
                f"No network ACL of {subnet_id} is in the snapshot, so whether it allows "
                f"{traffic} is unknown.",
                source_api=nacls.API,
            )
            return
        self.hops.append(
            nacls.nacl_hop(
                acl,
                kind=kind,
                egress=egress,
                protocol=self.proto,
                peers=peers,
                peer_text=peer_text,
                ports=ports,
                traffic=traffic,
                compiled=self.ix.nacl_entries(acl, egress),
            )
        )

    def table_for(self, subnet_id: str, kind: HopKind) -> RouteTable | None:
        table = self.ix.route_table_for(subnet_id)
        if table is None and not self.unread(
            kind, subnet_id, routes.API, f"The route table of {subnet_id}"
        ):
            self.add(
                kind,
                subnet_id,
                HopOutcome.DENY,
                f"Subnet {subnet_id} has no route table (no explicit association and no main "
                "table), so it routes nothing.",
                rule="no route table",
                source_api=routes.API,
            )
        return table

    def match(self, table: RouteTable, subnet_id: str, kind: HopKind) -> routes.RouteMatch | None:
        """The route for the destination; None (with a DENY/UNKNOWN hop) when there is none."""
        found = routes.longest_match(self.ix, table, self.dest)
        rtb = table.route_table_id
        full = 32 if self.dest.version == 4 else 128
        if found.unresolved_prefix_lists and found.prefix_length < full:
            lists = ", ".join(found.unresolved_prefix_lists)
            skipped = self.ix.skipped_for("ec2:GetManagedPrefixListEntries")
            reason = f" ({skipped.reason})" if skipped else ""
            self.add(
                kind,
                rtb,
                HopOutcome.UNKNOWN,
                f"Route table {rtb} has routes to prefix list {lists} whose entries were not "
                f"read{reason}, so which route carries {self.dest} is unknown.",
                rule=f"prefix list {lists} unread",
                source_api="ec2:GetManagedPrefixListEntries",
            )
        if found.route is None:
            default = "0.0.0.0/0" if self.dest.version == 4 else "::/0"
            self.add(
                kind,
                rtb,
                HopOutcome.DENY,
                f"Route table {rtb} of {subnet_id} has no route to {self.dest} (no {default} "
                "route either), so the traffic is dropped.",
                rule=f"no route to {self.dest}",
                source_api=routes.API,
            )
            return None
        route = found.route
        if route.state == "blackhole":
            self.add(
                kind,
                rtb,
                HopOutcome.DENY,
                f"Route table {rtb} of {subnet_id} sends {self.dest} to {route.target_id} "
                f"({route.destination}), but the route is a blackhole: its target no longer "
                "exists or has failed.",
                rule=routes.route_text(route),
                source_api=routes.API,
            )
            return None
        return found

    def route(
        self,
        source: Subnet,
        dest_eni: NetworkInterface | None,
        dest_subnet: str | None,
        same_subnet: bool,
    ) -> None:
        subnet_id = source.subnet_id
        table = self.table_for(subnet_id, HopKind.ROUTE)
        if table is None:
            return
        found = self.match(table, subnet_id, HopKind.ROUTE)
        if found is None or found.route is None:
            return
        route = found.route
        rtb = table.route_table_id
        target = route.target_id or route.target_type.value
        text = routes.route_text(route)
        words = routes.TARGET_WORDS.get(route.target_type, "a target")
        kind = route.target_type
        if kind is RouteTargetType.INTERNET_GATEWAY and self.dest.version == 4:
            self.add(
                HopKind.ROUTE,
                rtb,
                HopOutcome.DENY,
                f"Route table {rtb} of {subnet_id} sends {self.dest} to internet gateway "
                f"{target} ({route.destination}), but Lambda's network interfaces never have a "
                "public IP address, so the traffic is dropped: the function needs a subnet "
                "whose route goes to a NAT gateway in a public subnet.",
                rule=text,
                source_api=routes.API,
            )
            return
        if kind is RouteTargetType.LOCAL:
            self.add(
                HopKind.ROUTE,
                rtb,
                HopOutcome.ALLOW,
                f"Route table {rtb} of {subnet_id} keeps {self.dest} inside the VPC ({text}).",
                rule=text,
                source_api=routes.API,
            )
            self.inside_vpc(dest_eni, dest_subnet, same_subnet)
            return
        if kind is RouteTargetType.UNKNOWN:
            self.add(
                HopKind.ROUTE,
                rtb,
                HopOutcome.UNKNOWN,
                f"Route table {rtb} of {subnet_id} sends {self.dest} to {target}, a target "
                "vpcprobe does not recognise, so the rest of the path is unknown.",
                rule=text,
                source_api=routes.API,
            )
            return
        self.add(
            HopKind.ROUTE,
            rtb,
            HopOutcome.ALLOW,
            f"Route table {rtb} of {subnet_id} sends {self.dest} to {words} {target} "
            f"({route.destination}).",
            rule=text,
            source_api=routes.API,
        )
        if kind is RouteTargetType.NAT_GATEWAY:
            self.nat_gateway(target, source)
        elif kind in (
            RouteTargetType.INTERNET_GATEWAY,
            RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY,
        ):
            self.gateway(kind, target)
        elif kind is RouteTargetType.GATEWAY_ENDPOINT:
            self.gateway_endpoint(target)
        elif kind in (RouteTargetType.NETWORK_INTERFACE, RouteTargetType.INSTANCE):
            self.leave(
                f"Beyond {words} {target} (an appliance such as a firewall or NAT instance) "
                "what happens to the traffic is not visible from this VPC's configuration."
            )
        else:
            self.leave(
                f"Beyond {words} {target} the path leaves this VPC; what lies beyond is not "
                "visible from this VPC's configuration."
            )

    def leave(self, detail: str) -> None:
        self.terminal = Verdict.LEAVES_VPC
        self.terminal_detail = detail

    def inside_vpc(
        self, dest_eni: NetworkInterface | None, dest_subnet: str | None, same_subnet: bool
    ) -> None:
        port_range = (self.q.port, self.q.port)
        if not same_subnet:
            if dest_subnet is None:
                self.add(
                    HopKind.TARGET_NACL_INBOUND,
                    self.ix.vpc.vpc_id if self.ix.vpc else str(self.dest),
                    HopOutcome.UNKNOWN,
                    f"No subnet holding {self.dest} is in the snapshot, so the destination's "
                    "network ACL cannot be checked.",
                    source_api="ec2:DescribeSubnets",
                )
            else:
                self.nacl(
                    dest_subnet,
                    HopKind.TARGET_NACL_INBOUND,
                    egress=False,
                    peers=self.source_networks,
                    peer_text=self.source_text,
                    ports=port_range,
                    traffic=f"inbound {self.proto_upper} to port {self.q.port} of "
                    f"{dest_subnet} from {self.source_text}",
                )
        if dest_eni is None:
            api = "ec2:DescribeNetworkInterfaces"
            skipped = self.ix.skipped_for(api)
            reason = f" (read failed: {skipped.reason})" if skipped else ""
            self.add(
                HopKind.TARGET_SECURITY_GROUP_INGRESS,
                dest_subnet or str(self.dest),
                HopOutcome.UNKNOWN,
                f"No network interface with address {self.dest} is in the snapshot{reason}, so "
                "the destination's security groups cannot be checked.",
                rule=f"{api} {skipped.error_code}" if skipped else "destination ENI not found",
                source_api=api,
            )
        else:
            self.target_ingress(dest_eni)
        if not same_subnet and dest_subnet is not None:
            self.nacl(
                dest_subnet,
                HopKind.TARGET_NACL_OUTBOUND_RETURN,
                egress=True,
                peers=self.source_networks,
                peer_text=self.source_text,
                ports=nacls.EPHEMERAL_PORTS,
                traffic=f"outbound return {self.proto_upper} from {dest_subnet} to "
                f"{self.source_text} on ports 1024-65535",
            )
        where = f" ({dest_eni.network_interface_id})" if dest_eni else ""
        self.terminal = Verdict.REACHABLE
        self.terminal_detail = f"The path ends at {self.dest}{where} inside the VPC."

    def target_ingress(self, eni: NetworkInterface) -> None:
        kind = HopKind.TARGET_SECURITY_GROUP_INGRESS
        eni_id = eni.network_interface_id
        groups = eni.security_group_ids
        api = security_groups.API
        if not groups:
            self.add(
                kind,
                eni_id,
                HopOutcome.INFO,
                f"Network interface {eni_id} ({eni.interface_type or 'interface'}) has no "
                "security groups, so none filter the traffic.",
                source_api="ec2:DescribeNetworkInterfaces",
            )
            return
        decision = security_groups.ingress(
            self.ix,
            groups,
            self.proto,
            self.q.port,
            self.source_networks,
            frozenset(self.q.security_group_ids),
        )
        if decision.outcome is HopOutcome.ALLOW and decision.rule and decision.group_id:
            text = security_groups.rule_text(decision.rule, "from")
            self.add(
                kind,
                decision.group_id,
                HopOutcome.ALLOW,
                f"Security group {decision.group_id} of {eni_id} allows inbound "
                f"{self.proto_upper} {self.q.port} from the function ({text}).",
                rule=text,
                source_api=api,
            )
            return
        if decision.outcome is HopOutcome.UNKNOWN:
            skipped = self.ix.skipped_for(api)
            why = "; ".join(decision.uncertain) or (
                f"its security group {', '.join(decision.missing)} is not in the snapshot"
                + (f" ({skipped.reason})" if skipped else " (perhaps another account's)")
            )
            self.add(
                kind,
                (decision.missing or groups)[0],
                HopOutcome.UNKNOWN,
                f"Whether {eni_id} accepts inbound {self.proto_upper} {self.q.port} from the "
                f"function is unknown: {why}.",
                rule=f"{api} {skipped.error_code}" if skipped and decision.missing else None,
                source_api=api,
            )
            return
        names = ", ".join(groups)
        plural = "groups" if len(groups) > 1 else "group"
        verb = "allow" if len(groups) > 1 else "allows"
        function_groups = ", ".join(self.q.security_group_ids)
        self.add(
            kind,
            groups[0],
            HopOutcome.DENY,
            f"Security {plural} {names} of {eni_id} {verb} no inbound {self.proto_upper} "
            f"{self.q.port} from {self.source_text} or from the function's security groups "
            f"{function_groups}.",
            rule=f"no ingress rule allows {self.proto} {self.q.port} from the function",
            source_api=api,
        )

    def nat_gateway(self, nat_id: str, source: Subnet) -> None:
        api = "ec2:DescribeNatGateways"
        nat = self.ix.nat_gateways.get(nat_id)
        if nat is None:
            if self.unread(HopKind.NAT_GATEWAY, nat_id, api, "NAT gateways"):
                return
            self.add(
                HopKind.NAT_GATEWAY,
                nat_id,
                HopOutcome.DENY,
                f"NAT gateway {nat_id} does not exist (it may have been deleted), so the route "
                "to it goes nowhere.",
                rule="NAT gateway not found",
                source_api=api,
            )
            return
        if nat.state != "available":
            failure = f": {nat.failure_message}" if nat.failure_message else ""
            self.add(
                HopKind.NAT_GATEWAY,
                nat_id,
                HopOutcome.DENY,
                f"NAT gateway {nat_id} is {nat.state}{failure}, so it forwards no traffic.",
                rule=f"state {nat.state}",
                source_api=api,
            )
            return
        public = f" with public address {', '.join(nat.public_ips)}" if nat.public_ips else ""
        self.add(
            HopKind.NAT_GATEWAY,
            nat_id,
            HopOutcome.ALLOW,
            f"NAT gateway {nat_id} ({nat.connectivity_type}, in {nat.subnet_id}) is available "
            f"and translates the function's traffic{public}.",
            rule="state available",
            source_api=api,
        )
        nat_subnet = nat.subnet_id
        if nat_subnet is None:
            self.add(
                HopKind.NAT_ROUTE,
                nat_id,
                HopOutcome.UNKNOWN,
                f"The subnet of NAT gateway {nat_id} is not known, so its route onwards "
                "cannot be checked.",
                source_api=api,
            )
            return
        dest_host = [host_network(self.dest)]
        if nat_subnet != source.subnet_id:
            self.nacl(
                nat_subnet,
                HopKind.NAT_NACL_INBOUND,
                egress=False,
                peers=self.source_networks,
                peer_text=self.source_text,
                ports=(self.q.port, self.q.port),
                traffic=f"inbound {self.proto_upper} to {self.dest_text} from "
                f"{self.source_text} into NAT gateway {nat_id}'s subnet {nat_subnet}",
            )
            self.nacl(
                nat_subnet,
                HopKind.NAT_NACL_OUTBOUND,
                egress=True,
                peers=dest_host,
                peer_text=str(self.dest),
                ports=(self.q.port, self.q.port),
                traffic=f"outbound {self.proto_upper} to {self.dest_text} from NAT gateway "
                f"{nat_id}'s subnet {nat_subnet}",
            )
            self.nacl(
                nat_subnet,
                HopKind.NAT_NACL_INBOUND_RETURN,
                egress=False,
                peers=dest_host,
                peer_text=str(self.dest),
                ports=nacls.EPHEMERAL_PORTS,
                traffic=f"inbound return {self.proto_upper} from {self.dest} to NAT gateway "
                f"{nat_id}'s subnet {nat_subnet} on ports 1024-65535",
            )
            self.nacl(
                nat_subnet,
                HopKind.NAT_NACL_OUTBOUND_RETURN,
                egress=True,
                peers=self.source_networks,
                peer_text=self.source_text,
                ports=nacls.EPHEMERAL_PORTS,
                traffic=f"outbound return {self.proto_upper} from NAT gateway {nat_id}'s "
                f"subnet {nat_subnet} to {self.source_text} on ports 1024-65535",
            )
        table = self.table_for(nat_subnet, HopKind.NAT_ROUTE)
        if table is None:
            return
        rtb = table.route_table_id
        found = routes.longest_match(self.ix, table, self.dest)
        route = found.route
        if route is None or route.state == "blackhole":
            # The NAT's own subnet: say so in the sentence, since that is where the fix goes.
            text = routes.route_text(route) if route else f"no route to {self.dest}"
            what = (
                f"has a blackhole route for {self.dest} ({text})"
                if route
                else f"has no route to {self.dest}"
            )
            self.add(
                HopKind.NAT_ROUTE,
                rtb,
                HopOutcome.DENY,
                f"NAT gateway {nat_id} is in subnet {nat_subnet}, whose route table {rtb} {what}, "
                "so the NAT gateway cannot forward it: that subnet needs 0.0.0.0/0 -> an "
                "internet gateway.",
                rule=text,
                source_api=routes.API,
            )
            return
        target = route.target_id or route.target_type.value
        text = routes.route_text(route)
        if route.target_type is RouteTargetType.INTERNET_GATEWAY:
            if nat.connectivity_type == "private":
                self.add(
                    HopKind.NAT_ROUTE,
                    rtb,
                    HopOutcome.DENY,
                    f"NAT gateway {nat_id} is a private NAT gateway, yet its subnet's route "
                    f"table {rtb} sends {self.dest} to internet gateway {target}; a private NAT "
                    "gateway cannot reach the internet.",
                    rule=text,
                    source_api=routes.API,
                )
                return
            self.add(
                HopKind.NAT_ROUTE,
                rtb,
                HopOutcome.ALLOW,
                f"NAT gateway {nat_id}'s subnet {nat_subnet} uses route table {rtb}, which "
                f"sends {self.dest} to internet gateway {target} ({route.destination}).",
                rule=text,
                source_api=routes.API,
            )
            self.gateway(RouteTargetType.INTERNET_GATEWAY, target)
            return
        if route.target_type in (RouteTargetType.NAT_GATEWAY, RouteTargetType.LOCAL):
            self.add(
                HopKind.NAT_ROUTE,
                rtb,
                HopOutcome.DENY,
                f"NAT gateway {nat_id}'s subnet {nat_subnet} uses route table {rtb}, which "
                f"sends {self.dest} to {target} instead of out of the VPC.",
                rule=text,
                source_api=routes.API,
            )
            return
        words = routes.TARGET_WORDS.get(route.target_type, "a target")
        self.add(
            HopKind.NAT_ROUTE,
            rtb,
            HopOutcome.ALLOW,
            f"NAT gateway {nat_id}'s subnet {nat_subnet} uses route table {rtb}, which sends "
            f"{self.dest} to {words} {target} ({route.destination}).",
            rule=text,
            source_api=routes.API,
        )
        self.leave(
            f"Beyond {words} {target} the path leaves this VPC; what lies beyond is not "
            "visible from this VPC's configuration."
        )

    def gateway(self, kind: RouteTargetType, gateway_id: str) -> None:
        vpc_id = self.ix.vpc.vpc_id if self.ix.vpc else None
        if kind is RouteTargetType.INTERNET_GATEWAY:
            hop_kind, api, words = (
                HopKind.INTERNET_GATEWAY,
                "ec2:DescribeInternetGateways",
                "Internet gateway",
            )
            gateway = self.ix.internet_gateways.get(gateway_id)
            attached = gateway.attached_vpc_ids if gateway else None
        else:
            hop_kind, api, words = (
                HopKind.EGRESS_ONLY_INTERNET_GATEWAY,
                "ec2:DescribeEgressOnlyInternetGateways",
                "Egress-only internet gateway",
            )
            eigw = self.ix.egress_only_gateways.get(gateway_id)
            attached = eigw.attached_vpc_ids if eigw else None
        if attached is None and self.unread(hop_kind, gateway_id, api, f"{words}s"):
            return
        if attached is None or (vpc_id is not None and vpc_id not in attached):
            self.add(
                hop_kind,
                gateway_id,
                HopOutcome.DENY,
                f"{words} {gateway_id} is not attached to {vpc_id or 'the VPC'} (or no longer "
                "exists), so the route to it goes nowhere.",
                rule="not attached",
                source_api=api,
            )
            return
        self.add(
            hop_kind,
            gateway_id,
            HopOutcome.ALLOW,
            f"{words} {gateway_id} is attached to {vpc_id} and carries the traffic out of the VPC.",
            rule="attached",
            source_api=api,
        )
        self.leave(
            f"Beyond {gateway_id} the path goes to the internet; whether {self.dest_text} "
            "answers is not visible from this VPC's configuration."
        )

    def gateway_endpoint(self, endpoint_id: str) -> None:
        api = "ec2:DescribeVpcEndpoints"
        endpoint = self.ix.endpoints.get(endpoint_id)
        if endpoint is None:
            if self.unread(HopKind.VPC_ENDPOINT, endpoint_id, api, "VPC endpoints"):
                return
            self.add(
                HopKind.VPC_ENDPOINT,
                endpoint_id,
                HopOutcome.DENY,
                f"Gateway endpoint {endpoint_id} does not exist (it may have been deleted).",
                rule="endpoint not found",
                source_api=api,
            )
            return
        state = (endpoint.state or "available").lower()
        if state != "available":
            self.add(
                HopKind.VPC_ENDPOINT,
                endpoint_id,
                HopOutcome.DENY,
                f"Gateway endpoint {endpoint_id} for {endpoint.service_name} is {state}.",
                rule=f"state {state}",
                source_api=api,
            )
            return
        self.add(
            HopKind.VPC_ENDPOINT,
            endpoint_id,
            HopOutcome.ALLOW,
            f"Gateway endpoint {endpoint_id} carries the traffic to {endpoint.service_name}.",
            rule="state available",
            source_api=api,
        )
        self.leave(
            f"Beyond gateway endpoint {endpoint_id} the path reaches {endpoint.service_name}; "
            "the service's side (endpoint and bucket policies) is not visible here."
        )

    # ------------------------------------------------------------------ the verdict

    def result(self) -> PathResult:
        deny = next((h for h in self.hops if h.outcome is HopOutcome.DENY), None)
        partial = next((h for h in self.hops if h.outcome is HopOutcome.PARTIAL), None)
        unknown = next((h for h in self.hops if h.outcome is HopOutcome.UNKNOWN), None)
        intermittent = False
        decided_by: Hop | None
        if deny is not None:
            verdict, decided_by = Verdict.BLOCKED, deny
        elif partial is not None:
            verdict, decided_by, intermittent = Verdict.BLOCKED, partial, True
        elif unknown is not None:
            verdict, decided_by = Verdict.UNKNOWN, unknown
        elif self.terminal is not None:
            verdict, decided_by = self.terminal, None
        else:
            verdict, decided_by = Verdict.UNKNOWN, None
        if self.terminal is not None:
            self.add(
                HopKind.DESTINATION,
                str(self.dest),
                HopOutcome.INFO,
                self.terminal_detail,
            )
        return PathResult(
            query=self.q,
            verdict=verdict,
            hops=self.hops,
            decided_by=decided_by,
            intermittent=intermittent,
            notes=self.notes,
        )
