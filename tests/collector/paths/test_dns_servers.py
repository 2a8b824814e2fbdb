"""DNS servers of the DHCP options set: the Amazon resolver and custom servers."""

from __future__ import annotations

from tests.collector.paths.builder import (
    DB,
    FN_SG,
    entry,
    group,
    healthy,
    own_acl,
    path,
    sg_rule,
    skip,
)
from vpcprobe_collector.paths.dns_servers import evaluate_dns_servers
from vpcprobe_collector.paths.model import HopKind, Verdict
from vpcprobe_collector.snapshot.model import DhcpOptions, NetworkInterface, SecurityGroup

DNS_IP = "10.0.3.53"


def _custom(snapshot, servers: list[str]) -> None:  # type: ignore[no-untyped-def]
    snapshot.dhcp_options = DhcpOptions(dhcp_options_id="dopt-0custom", domain_name_servers=servers)
    snapshot.network_interfaces.append(
        NetworkInterface(
            network_interface_id="eni-0dns",
            subnet_id=DB,
            private_ip_addresses=[DNS_IP],
            security_group_ids=["sg-0dns"],
        )
    )
    snapshot.security_groups.append(
        SecurityGroup(
            group_id="sg-0dns",
            ingress=[
                sg_rule("10.0.0.0/16", "udp", (53, 53)),
                sg_rule("10.0.0.0/16", "tcp", (53, 53)),
            ],
        )
    )


def test_amazon_provided_dns_is_reachable_with_dns_support() -> None:
    [check] = evaluate_dns_servers(healthy())
    assert (check.server, check.kind, check.verdict) == (
        "AmazonProvidedDNS",
        "amazon",
        Verdict.REACHABLE,
    )
    assert check.decided_by is None


def test_amazon_provided_dns_with_dns_support_off_is_blocked_by_the_vpc() -> None:
    snapshot = healthy()
    assert snapshot.vpc is not None
    snapshot.vpc.enable_dns_support = False
    [check] = evaluate_dns_servers(snapshot)
    assert check.verdict is Verdict.BLOCKED
    assert check.decided_by is not None
    assert (check.decided_by.component_id, check.decided_by.rule) == (
        "vpc-0a",
        "enableDnsSupport=false",
    )
    # The same answer for a path to the VPC resolver's address.
    result = path(snapshot, "10.0.0.2", 53, protocol="udp")
    assert result.verdict is Verdict.BLOCKED
    assert result.decided_by is not None and result.decided_by.kind is HopKind.DNS


def test_amazon_provided_dns_with_the_attribute_unread_is_unknown() -> None:
    snapshot = healthy()
    assert snapshot.vpc is not None
    snapshot.vpc.enable_dns_support = None
    skip(snapshot, "ec2:DescribeVpcAttribute")
    [check] = evaluate_dns_servers(snapshot)
    assert check.verdict is Verdict.UNKNOWN
    assert check.decided_by is not None and check.decided_by.component_id == "vpc-0a"
    assert "UnauthorizedOperation on ec2:DescribeVpcAttribute" in check.detail


def test_amazon_resolver_ignores_security_groups() -> None:
    snapshot = healthy()
    group(snapshot, FN_SG).egress = []
    assert path(snapshot, "169.254.169.253", 53, protocol="udp").verdict is Verdict.REACHABLE


def test_dhcp_options_not_read_is_unknown() -> None:
    snapshot = healthy()
    snapshot.dhcp_options = None
    skip(snapshot, "ec2:DescribeDhcpOptions")
    [check] = evaluate_dns_servers(snapshot)
    assert (check.kind, check.verdict) == ("unknown", Verdict.UNKNOWN)
    assert "UnauthorizedOperation on ec2:DescribeDhcpOptions" in check.detail


def test_vpc_without_dhcp_options_uses_amazon_dns() -> None:
    snapshot = healthy()
    snapshot.dhcp_options = None
    assert snapshot.vpc is not None
    snapshot.vpc.dhcp_options_id = "default"
    [check] = evaluate_dns_servers(snapshot)
    assert (check.kind, check.verdict) == ("amazon", Verdict.REACHABLE)


def test_custom_dns_server_reachable_on_udp_and_tcp_from_every_subnet() -> None:
    snapshot = healthy()
    _custom(snapshot, [DNS_IP])
    [check] = evaluate_dns_servers(snapshot)
    assert (check.server, check.kind, check.verdict) == (DNS_IP, "custom", Verdict.REACHABLE)
    assert check.dhcp_options_id == "dopt-0custom"
    assert sorted((r.query.protocol, r.query.subnet_id) for r in check.results) == [
        ("tcp", "subnet-0fa"),
        ("tcp", "subnet-0fb"),
        ("udp", "subnet-0fa"),
        ("udp", "subnet-0fb"),
    ]


def test_custom_dns_server_blocked_on_udp_only_names_the_nacl() -> None:
    snapshot = healthy()
    _custom(snapshot, [DNS_IP, "AmazonProvidedDNS"])
    own_acl(
        snapshot,
        "acl-0db",
        DB,
        [
            entry(80, "deny", egress=False, protocol="17", ports=(53, 53)),
            entry(100, "allow", egress=False),
            entry(100, "allow", egress=True),
        ],
    )
    custom, amazon = evaluate_dns_servers(snapshot)
    assert custom.verdict is Verdict.BLOCKED
    assert custom.decided_by is not None
    assert (custom.decided_by.component_id, custom.decided_by.rule) == ("acl-0db", "rule 80")
    by_protocol = {r.query.protocol: r.verdict for r in custom.results}
    assert by_protocol == {"udp": Verdict.BLOCKED, "tcp": Verdict.REACHABLE}
    assert "UDP 53 from subnet-0fa" in custom.detail and "TCP 53" not in custom.detail
    assert amazon.verdict is Verdict.REACHABLE


def test_custom_dns_server_blocked_by_the_function_egress() -> None:
    snapshot = healthy()
    _custom(snapshot, [DNS_IP])
    group(snapshot, FN_SG).egress = [sg_rule("0.0.0.0/0", "tcp", (0, 65535))]
    [check] = evaluate_dns_servers(snapshot)
    assert check.verdict is Verdict.BLOCKED
    assert check.decided_by is not None and check.decided_by.component_id == FN_SG
    assert check.decided_by.detail.endswith(f"allows no outbound UDP to {DNS_IP}:53.")
