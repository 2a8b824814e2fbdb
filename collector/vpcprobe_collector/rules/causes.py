"""The failure causes vpcprobe must name (C01-…): the table `make docs` writes to docs/causes.md.

Gathered from AWS documentation (Lambda developer guide, VPC user guide), AWS Support runbooks
and public issue threads. A rule names the causes it covers in `Rule.causes`; the generated
page lists, per cause, the finding codes that name it. Add a cause here (never renumber).
"""

# ruff: noqa: E501, RUF001 - a data table: one cell per line reads better than wrapped strings

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cause:
    """One row of the table."""

    code: str  # "C01"
    cause: str
    setting: str  # the setting responsible
    symptom: str
    names: str  # what a good diagnosis names


INTRO = (
    "Gathered from AWS documentation (Lambda developer guide: VPC configuration, networking\n"
    "troubleshooting, quotas, function states; VPC user guide: DNS, security groups, network\n"
    "ACLs, route tables), AWS Support runbooks, and public issue threads. Symptom words:\n"
    "**timeout** (packets dropped), **refused** (a host answered with RST), **DNS failure**\n"
    "(NXDOMAIN, SERVFAIL, no answer, or the resolver timed out), **setup** (the function is\n"
    "Pending/Failed or invoke returns a VPC error).\n"
)

CAUSES: tuple[Cause, ...] = (
    Cause(
        code="C01",
        cause="no route to the internet (no 0.0.0.0/0 → NAT) from a function subnet",
        setting="subnet route table (explicit or main)",
        symptom="timeout to public addresses and AWS APIs",
        names="the subnet, its route table, the missing route",
    ),
    Cause(
        code="C02",
        cause="function placed in a public subnet (0.0.0.0/0 → internet gateway): Lambda ENIs never get a public IP",
        setting="subnet choice + route table",
        symptom="timeout",
        names='the subnet, the IGW route, "needs a NAT gateway in a public subnet"',
    ),
    Cause(
        code="C03",
        cause="NAT gateway missing, failed, deleted (blackhole route), or itself in a subnet with no IGW route",
        setting="NAT gateway, NAT subnet route table",
        symptom="timeout",
        names="the NAT gateway or blackhole route",
    ),
    Cause(
        code="C04",
        cause="function security group egress does not allow the destination/port",
        setting="function SG egress",
        symptom="timeout",
        names="the SG IDs and the port",
    ),
    Cause(
        code="C05",
        cause="target security group ingress does not allow the function's SG or subnet",
        setting="target SG ingress",
        symptom="timeout",
        names="the target ENI and its SG",
    ),
    Cause(
        code="C06",
        cause="NACL denies outbound, or does not allow return traffic on 1024-65535 (partial ranges cause **intermittent** failures)",
        setting="subnet NACL, function and target side",
        symptom="timeout, sometimes intermittent",
        names="the NACL ID and the deciding rule number",
    ),
    Cause(
        code="C07",
        cause="no NAT and no VPC endpoint for the AWS service the code calls (S3/DynamoDB gateway endpoints; interface endpoints for Logs, STS, SSM, Secrets Manager, KMS, ...)",
        setting="VPC endpoints, route tables",
        symptom="timeout on SDK calls",
        names="the service and the missing endpoint",
    ),
    Cause(
        code="C08",
        cause="interface endpoint exists but private DNS is off, or the VPC's DNS attributes prevent it, so the service name resolves to public IPs",
        setting="endpoint `PrivateDnsEnabled`, VPC `enableDnsSupport`/`enableDnsHostnames`",
        symptom="timeout to a public IP",
        names="the endpoint, the attribute",
    ),
    Cause(
        code="C09",
        cause="interface endpoint's security group does not allow 443 from the function",
        setting="endpoint SG ingress",
        symptom="timeout",
        names="the endpoint's SG",
    ),
    Cause(
        code="C10",
        cause="custom DHCP options set: the VPC's DNS servers are unreachable, broken, or do not forward private names to the VPC resolver",
        setting="DHCP options set",
        symptom="DNS failure (timeout or NXDOMAIN), slow lookups",
        names="the `dopt-` ID, the server IPs, which server failed in the probe",
    ),
    Cause(
        code="C11",
        cause="function SG egress or NACL blocks UDP/TCP 53 to a custom DNS server in the VPC (the Amazon resolver itself cannot be filtered)",
        setting="function SG / NACL",
        symptom="DNS failure",
        names="the SG or NACL and the server",
    ),
    Cause(
        code="C12",
        cause="VPC `enableDnsSupport` is false",
        setting="VPC attribute",
        symptom="DNS failure",
        names="the VPC attribute",
    ),
    Cause(
        code="C13",
        cause="private hosted zone not associated with the VPC, resolver rule or DNS Firewall misroutes",
        setting="Route 53 Resolver config",
        symptom="NXDOMAIN / wrong address",
        names="what resolved differently through which server",
    ),
    Cause(
        code="C14",
        cause="execution role lacks `ec2:CreateNetworkInterface` / `DescribeNetworkInterfaces` / `DeleteNetworkInterface` (or an SCP denies them)",
        setting="role policy, organisation policy",
        symptom="setup (`InsufficientRolePermissions`)",
        names="the role and the missing actions",
    ),
    Cause(
        code="C15",
        cause="subnet has no free IP addresses",
        setting="subnet size",
        symptom="setup (`SubnetOutOfIPAddresses`)",
        names="the subnet and its free-IP count",
    ),
    Cause(
        code="C16",
        cause="Hyperplane ENI quota per VPC reached (default 250, shared with other services)",
        setting="quota",
        symptom="setup (`EniLimitExceeded`)",
        names="the count and the quota",
    ),
    Cause(
        code="C17",
        cause="subnet or security group in `VpcConfig` deleted or invalid",
        setting="function config",
        symptom="setup (`InvalidSubnet`, `InvalidSecurityGroup`)",
        names="the missing IDs",
    ),
    Cause(
        code="C18",
        cause="function `Inactive` after weeks idle, `Pending` while ENIs are created, `Failed` with a reason code",
        setting="Lambda lifecycle",
        symptom="first invoke fails",
        names="state, reason code, what to do",
    ),
    Cause(
        code="C19",
        cause="VPC with dedicated tenancy",
        setting="VPC tenancy",
        symptom="setup",
        names="the VPC",
    ),
    Cause(
        code="C20",
        cause="IPv6 destination unreachable: `Ipv6AllowedForDualStack` off, subnet not dual-stack, no IPv6 route/egress-only IGW",
        setting="VpcConfig, subnet, routes",
        symptom="timeout/unreachable to IPv6",
        names="which of the three",
    ),
    Cause(
        code="C21",
        cause="target reached but nothing listens on the port",
        setting="target host",
        symptom="refused",
        names='"network path is fine; the service is down or on another port"',
    ),
    Cause(
        code="C22",
        cause="everything in the VPC config allows the path, yet the probe times out",
        setting="outside the VPC config: target host firewall, on-premises firewall, peer/TGW other side, other account's SG",
        symptom="timeout",
        names="what was verified, and where the unverifiable part begins",
    ),
    Cause(
        code="C23",
        cause="the function's code calls the CloudWatch Logs API (log shippers) with no NAT and no `logs` endpoint; its own stdout logs still arrive because Lambda ships those outside the VPC",
        setting="NAT / endpoint",
        symptom="timeout in code only",
        names="the Logs API result from the probe, the missing path",
    ),
    Cause(
        code="C24",
        cause="subnets differ: one subnet's route table or NACL is wrong, so failures depend on which AZ the execution environment lands in",
        setting="per-subnet config",
        symptom="intermittent",
        names="the one subnet that differs",
    ),
    Cause(
        code="C25",
        cause="function not attached to a VPC at all (no `VpcConfig`): it reaches the internet directly and no private address",
        setting="function config",
        symptom="timeout to private addresses",
        names="that the function has no VPC config, and how to attach it",
    ),
    Cause(
        code="C26",
        cause="target address in the VPC held by no network interface (stale DNS record, deleted instance or database)",
        setting="DNS record / the target's lifecycle",
        symptom="timeout",
        names='the address, the subnet it falls in, "nothing holds it"',
    ),
    Cause(
        code="C27",
        cause="VPC peering: connection not `active`, no route back from the peer VPC to the function subnets, peer SG/NACL denies, overlapping CIDRs",
        setting="peering connection, peer route tables, peer SG/NACL",
        symptom="timeout",
        names="`pcx-…` and its state, the peer's route table / SG / NACL",
    ),
    Cause(
        code="C28",
        cause="transit gateway: no route or a `blackhole` route in the attachment's TGW route table, missing propagation, no attachment subnet in the function's AZ, destination VPC without a route back",
        setting="TGW route tables, attachments",
        symptom="timeout, sometimes per AZ",
        names="`tgw-…`, `tgw-rtb-…` and the route, the AZ without an attachment subnet",
    ),
    Cause(
        code="C29",
        cause="VPN / Direct Connect: the path leaves through `vgw-…` or a TGW VPN attachment whose tunnels are down",
        setting="VPN connection",
        symptom="timeout",
        names="the gateway and the tunnel state",
    ),
    Cause(
        code="C30",
        cause="Route 53 Resolver forwarding rule associated with the VPC sends the name to target IPs that do not answer (or its outbound endpoint cannot reach them)",
        setting="Resolver rules and endpoints",
        symptom="DNS timeout / SERVFAIL for that domain only",
        names="`rslvr-rr-…`, its target IPs, the outbound endpoint and what blocks it",
    ),
    Cause(
        code="C31",
        cause="private hosted zone exists but is not associated with the function's VPC",
        setting="Route 53 hosted zone associations",
        symptom="NXDOMAIN for a private name",
        names="the zone ID and the missing association",
    ),
    Cause(
        code="C32",
        cause="Route 53 Resolver DNS Firewall rule group associated with the VPC blocks the name",
        setting="DNS Firewall",
        symptom="NXDOMAIN / NODATA / override answer",
        names="`rslvr-frg-…`, the rule and its action",
    ),
)

FACTS = (
    "- VPC functions share a Hyperplane ENI per subnet + security-group-set combination; the\n"
    "  traffic's source address is that ENI's private IP, and it carries the function's SGs.\n"
    "- Security groups are stateful and allow-only (union across groups; CIDR, prefix list or\n"
    "  SG reference). NACLs are stateless, first matching rule number wins, and do not apply\n"
    "  within a subnet. Lambda's return traffic arrives on ports 1024-65535.\n"
    "- Route tables: longest prefix wins; a subnet with no explicit association uses the\n"
    "  main table; `blackhole` routes drop.\n"
    "- The Amazon resolver (169.254.169.253, VPC base + 2, fd00:ec2::253) cannot be filtered\n"
    "  by SGs or NACLs; private hosted zones and endpoint private DNS need both VPC DNS\n"
    "  attributes on.\n"
    "- Inside Lambda, `/etc/resolv.conf` points at the forwarder 169.254.78.1; queries to it\n"
    "  are forwarded according to the VPC's DHCP options set. Code cannot change which server\n"
    "  the forwarder uses. Its exact file layout is not documented: parse tolerantly.\n"
    "- The old (pre-2019) ENI sizing formula, `peak concurrent executions × (memory GB / 3 GB)`\n"
    "  (earlier quoted with 1.5 GB), no longer applies: today's limit is IPs per subnet and\n"
    "  Hyperplane ENIs per VPC. Reports may mention it only as history.\n"
)
