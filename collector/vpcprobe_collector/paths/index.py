"""SnapshotIndex: a snapshot's resources by ID with networks parsed once, for fast evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from vpcprobe_collector.paths.cidr import (
    IPAddress,
    IPNetwork,
    Span,
    contains,
    parse_address,
    parse_network,
    parse_span,
    prefix_length,
)
from vpcprobe_collector.paths.nacls import CompiledNacl, compile_directions
from vpcprobe_collector.snapshot.model import (
    EgressOnlyInternetGateway,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    SkippedRead,
    Subnet,
    VpcEndpoint,
    VpcSnapshot,
)

if TYPE_CHECKING:
    from vpcprobe_collector.paths.routes import RouteFacts


class PreparedRoute(NamedTuple):
    """A route with its destination parsed: a network, or a prefix list's entries (a named
    tuple: a snapshot's route tables may hold thousands of routes)."""

    route: Route
    span: Span | None  # None for a prefix-list route
    prefix_length: int
    prefix_list_id: str | None


@dataclass(frozen=True)
class PrefixIndex:
    """A route table's CIDR routes by prefix length, longest first, each length a dict from
    (IP version, network as an integer) to its best route: a longest-prefix lookup probes one
    dict per distinct length instead of scanning every route. Prefix-list routes stay a list
    (their entries are read separately and may be missing)."""

    by_length: dict[int, tuple[tuple[int, dict[int, tuple[Route, int]]], ...]]  # per IP version
    prefix_list_routes: tuple[PreparedRoute, ...]
    # Each prefix-list route with its list's entries as (version, first, last, prefix length),
    # or None when the list's entries were not read.
    listed: tuple[tuple[Route, str, tuple[tuple[int, int, int, int], ...] | None], ...] = ()
    # The same entries indexed as the CIDR routes are: per prefix-list route, per IP version,
    # (prefix length, the networks of that length) longest first; None when not read.
    listed_index: tuple[
        tuple[Route, str, dict[int, tuple[tuple[int, frozenset[int]], ...]] | None], ...
    ] = ()


def _with_lists(found: PrefixIndex, prefix_lists: dict[str, tuple[Span, ...]]) -> PrefixIndex:
    listed = []
    for item in found.prefix_list_routes:
        plid = item.prefix_list_id or ""
        entries = prefix_lists.get(plid)
        resolved = None if entries is None else tuple((*e, prefix_length(e)) for e in entries)
        listed.append((item.route, plid, resolved))
    indexed: list[tuple[Route, str, dict[int, tuple[tuple[int, frozenset[int]], ...]] | None]] = []
    for route, plid, resolved in listed:
        if resolved is None:
            indexed.append((route, plid, None))
            continue
        lengths: dict[int, dict[int, set[int]]] = {4: {}, 6: {}}
        for version, first, _last, length in resolved:
            lengths[version].setdefault(length, set()).add(first)
        indexed.append(
            (
                route,
                plid,
                {
                    version: tuple(
                        (length, frozenset(nets))
                        for length, nets in sorted(by.items(), reverse=True)
                    )
                    for version, by in lengths.items()
                },
            )
        )
    return PrefixIndex(found.by_length, found.prefix_list_routes, tuple(listed), tuple(indexed))


def _prefix_index(prepared: tuple[PreparedRoute, ...]) -> PrefixIndex:
    lengths: dict[int, dict[int, dict[int, tuple[Route, int]]]] = {4: {}, 6: {}}
    listed: list[PreparedRoute] = []
    for item in prepared:
        if item.span is None:
            listed.append(item)
            continue
        # At equal length a static route beats a propagated (VPN) one, as AWS documents.
        rank = 0 if item.route.origin == "EnableVgwRoutePropagation" else 2
        table = lengths[item.span[0]].setdefault(item.prefix_length, {})
        key = item.span[1]
        if key not in table or rank > table[key][1]:
            table[key] = (item.route, rank)
    ordered = {
        version: tuple(sorted(by.items(), key=lambda kv: -kv[0])) for version, by in lengths.items()
    }
    return PrefixIndex(ordered, tuple(listed))


class SnapshotIndex:
    """Lookups over one VpcSnapshot; build it once per batch of evaluations.

    The snapshot must not change while an index built from it is in use.
    """

    def __init__(self, snapshot: VpcSnapshot) -> None:
        self.snapshot = snapshot
        self.vpc = snapshot.vpc
        self.subnets: dict[str, Subnet] = {s.subnet_id: s for s in snapshot.subnets}
        self.security_groups: dict[str, SecurityGroup] = {
            g.group_id: g for g in snapshot.security_groups
        }
        self.prefix_lists: dict[str, tuple[Span, ...]] = {
            p.prefix_list_id: tuple(parse_span(c) for c in p.cidrs) for p in snapshot.prefix_lists
        }
        self.nat_gateways: dict[str, NatGateway] = {
            n.nat_gateway_id: n for n in snapshot.nat_gateways
        }
        self.internet_gateways: dict[str, InternetGateway] = {
            g.internet_gateway_id: g for g in snapshot.internet_gateways
        }
        self.egress_only_gateways: dict[str, EgressOnlyInternetGateway] = {
            g.egress_only_internet_gateway_id: g for g in snapshot.egress_only_internet_gateways
        }
        self.endpoints: dict[str, VpcEndpoint] = {
            e.vpc_endpoint_id: e for e in snapshot.vpc_endpoints
        }
        self.skipped: dict[str, SkippedRead] = {}
        for read in snapshot.skipped:
            self.skipped.setdefault(read.api, read)

        # Route tables: explicit association first, else the VPC's main table.
        self._explicit_table: dict[str, RouteTable] = {}
        self._main_table: dict[str, RouteTable] = {}
        for table in snapshot.route_tables:
            for assoc in table.associations:
                if assoc.subnet_id:
                    self._explicit_table.setdefault(assoc.subnet_id, table)
                if assoc.main:
                    self._main_table.setdefault(table.vpc_id, table)
        self._prepared_routes: dict[str, tuple[PreparedRoute, ...]] = {}
        # Filled by route_facts: id(route) -> (the route, its facts); the entry keeps the route
        # alive, so no other object takes its ID while the index lives.
        self._route_facts: dict[int, tuple[Route, RouteFacts]] = {}
        self._prefix_indexes: dict[str, PrefixIndex] = {}

        # Filled by security_groups.compiled_rules: (group ID, egress) -> rules ready to match.
        self.compiled_rules: dict[tuple[str, bool], tuple[Any, ...]] = {}
        # Filled by security_groups.rules_for_port: (group ID, egress, protocol, port) -> the
        # compiled rules among them that cover that protocol and port.
        self.port_rules: dict[tuple[str, bool, str, int], tuple[Any, ...]] = {}
        self._compiled_nacls: dict[tuple[str, bool], CompiledNacl] = {}
        self._nacl_by_subnet: dict[str, NetworkAcl] = {}
        self._nacl_directions: dict[tuple[str, bool], tuple[NetworkAcl, CompiledNacl]] = {}
        # Filled by walk.Walk: (address text, port, protocol) -> the destination, parsed.
        self.destinations: dict[tuple[str, int, str], Any] = {}
        # Filled by Walk.add_shared: hops that many paths cross alike, worded once.
        self.shared_hops: dict[tuple[object, ...], Any] = {}
        self.shared_routes: dict[tuple[object, ...], Any] = {}
        self.shared_starts: dict[tuple[object, ...], Any] = {}
        for acl in snapshot.network_acls:
            for subnet_id in acl.subnet_ids:
                self._nacl_by_subnet.setdefault(subnet_id, acl)

        # Endpoint ENIs carry the endpoint's groups even when the ENI read left them out.
        endpoint_groups = {
            eni_id: endpoint.security_group_ids
            for endpoint in snapshot.vpc_endpoints
            for eni_id in endpoint.network_interface_ids
        }
        self.eni_by_address: dict[str, NetworkInterface] = {}
        self.enis: dict[str, NetworkInterface] = {}
        for eni in (*snapshot.network_interfaces, *snapshot.lambda_enis):
            groups = endpoint_groups.get(eni.network_interface_id)
            if groups and not eni.security_group_ids:
                eni = eni.model_copy(update={"security_group_ids": list(groups)})
            self.enis.setdefault(eni.network_interface_id, eni)
            for address in (*eni.private_ip_addresses, *eni.ipv6_addresses):
                self.eni_by_address.setdefault(_canonical(address), eni)

        self.lambda_enis = snapshot.lambda_enis
        # Filled by hops.source.sources: (subnet, groups, IP version) -> the function's side.
        self.sources: dict[tuple[str, tuple[str, ...], int], Any] = {}
        # Addresses the snapshot looked up ENIs for (targets, custom DNS servers): one of
        # these that no ENI holds is held by nothing, rather than merely not read.
        servers = snapshot.dhcp_options.domain_name_servers if snapshot.dhcp_options else []
        self.looked_up_addresses: frozenset[str] = frozenset(
            _canonical(a) for a in (*snapshot.target_addresses, *servers)
        )
        self.subnet_networks: list[tuple[IPNetwork, Subnet]] = []
        for subnet in snapshot.subnets:
            for cidr in (subnet.cidr_block, *subnet.ipv6_cidr_blocks):
                if cidr:
                    self.subnet_networks.append((parse_network(cidr), subnet))
        self.vpc_networks: tuple[IPNetwork, ...] = (
            tuple(parse_network(c) for c in (*self.vpc.cidr_blocks, *self.vpc.ipv6_cidr_blocks))
            if self.vpc
            else ()
        )

    def skipped_for(self, api: str) -> SkippedRead | None:
        """The failed read of `api`, if it failed."""
        return self.skipped.get(api)

    def route_table_for(self, subnet_id: str) -> RouteTable | None:
        """The subnet's explicitly associated route table, else its VPC's main table."""
        table = self._explicit_table.get(subnet_id)
        if table is not None:
            return table
        subnet = self.subnets.get(subnet_id)
        vpc_id = subnet.vpc_id if subnet else (self.vpc.vpc_id if self.vpc else None)
        return self._main_table.get(vpc_id) if vpc_id else None

    def routes(self, table: RouteTable) -> tuple[PreparedRoute, ...]:
        """The table's routes with their destinations parsed (cached per table)."""
        prepared = self._prepared_routes.get(table.route_table_id)
        if prepared is None:
            built: list[PreparedRoute] = []
            add, parse, length_of = built.append, parse_span, prefix_length
            for route in table.routes:
                fields = route.__dict__  # the validated fields, read at once
                cidr = fields["destination_cidr"] or fields["destination_ipv6_cidr"]
                listed = fields["destination_prefix_list_id"]
                if cidr:
                    span = parse(cidr)
                    add(PreparedRoute(route, span, length_of(span), listed))
                else:
                    add(PreparedRoute(route, None, -1, listed))
            prepared = self._prepared_routes[table.route_table_id] = tuple(built)
        return prepared

    def route_facts(self, route: Route) -> RouteFacts:
        """The route's `routes.RouteFacts` (its destination, target, state and text), once."""
        found = self._route_facts.get(id(route))
        if found is None or found[0] is not route:
            from vpcprobe_collector.paths.routes import RouteFacts  # routes imports this module

            found = self._route_facts[id(route)] = (route, RouteFacts.of(route))
        return found[1]

    def prefix_index(self, table: RouteTable) -> PrefixIndex:
        """The table's CIDR routes indexed by prefix length (cached per table)."""
        found = self._prefix_indexes.get(table.route_table_id)
        if found is None:
            found = self._prefix_indexes[table.route_table_id] = _with_lists(
                _prefix_index(self.routes(table)), self.prefix_lists
            )
        return found

    def network_acl_for(self, subnet_id: str) -> NetworkAcl | None:
        """The subnet's network ACL, if it was read."""
        return self._nacl_by_subnet.get(subnet_id)

    def nacl_direction(
        self, subnet_id: str, egress: bool
    ) -> tuple[NetworkAcl, CompiledNacl] | None:
        """The subnet's network ACL and its entries for one direction, compiled (cached per
        subnet and direction); None when no NACL of the subnet was read."""
        key = (subnet_id, egress)
        found = self._nacl_directions.get(key)
        if found is None:
            acl = self._nacl_by_subnet.get(subnet_id)
            if acl is None:
                return None
            found = self._nacl_directions[key] = (acl, self.nacl_entries(acl, egress))
        return found

    def nacl_entries(self, acl: NetworkAcl, egress: bool) -> CompiledNacl:
        """The NACL's entries for one direction, compiled once per index."""
        key = (acl.network_acl_id, egress)
        compiled = self._compiled_nacls.get(key)
        if compiled is None:  # both directions at once: a path crosses both
            ingress, egress_entries = compile_directions(acl)
            self._compiled_nacls[(acl.network_acl_id, False)] = ingress
            self._compiled_nacls[(acl.network_acl_id, True)] = egress_entries
            compiled = egress_entries if egress else ingress
        return compiled

    def interface_with_address(self, address: IPAddress | str) -> NetworkInterface | None:
        """The ENI (a target's, an endpoint's, Lambda's, ...) holding `address`, if it was read."""
        text = address if isinstance(address, str) else str(address)
        found = self.eni_by_address.get(text)
        return found if found is not None else self.eni_by_address.get(_canonical(text))

    def subnet_containing(self, address: IPAddress) -> Subnet | None:
        """The snapshot's subnet whose CIDR holds `address`."""
        best: tuple[int, Subnet] | None = None
        for network, subnet in self.subnet_networks:
            if contains(network, address) and (best is None or network.prefixlen > best[0]):
                best = (network.prefixlen, subnet)
        return best[1] if best else None

    def in_vpc(self, address: IPAddress) -> bool:
        """Whether `address` is inside one of the VPC's CIDRs."""
        return any(contains(n, address) for n in self.vpc_networks)


def _canonical(address: str) -> str:
    """The address in Python's canonical spelling, so IPv6 forms compare equal."""
    try:
        return str(parse_address(address))
    except ValueError:
        return address
