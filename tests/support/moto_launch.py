"""Start moto's server (`python -m tests.support.moto_launch -H 127.0.0.1 -p PORT`) with two gaps
filled: one every run reading Route 53 Resolver would otherwise meet, and the network
interfaces of interface endpoints.

moto 5.x has no Route 53 Resolver DNS Firewall: `ListFirewallRuleGroupAssociations` answers
HTTP 500, so every stand-in run with a host-name target would be incomplete (exit 4), which is
right for the product (an unread DNS Firewall is never cleared) but says nothing about AWS.
Here it answers as AWS does for a VPC with no rule group associated: an empty list, in the
shape of botocore's route53resolver model (botocore parses it in every test that reads it).
The cases with a DNS Firewall are tested with botocore's Stubber (tests/collector/
test_beyond_moto.py), and a 500 from this call is still tested through the fault proxy.

moto 5.x gives an interface endpoint's network interfaces a random 10.x address, usually
outside their subnet (and VPC), and the default security group instead of the endpoint's
groups. AWS gives them an address of the subnet and the endpoint's security groups (EC2 API
reference, VpcEndpoint.NetworkInterfaceIds; the PrivateLink guide: "the endpoint network
interfaces ... are assigned the security groups"). Here they get both, so a path to an
endpoint is judged as it would be in AWS.
"""

from __future__ import annotations

import ipaddress
import json
import random
import sys
from typing import Any

from moto.ec2.models import vpcs as _vpcs
from moto.route53resolver.responses import Route53ResolverResponse
from moto.server import main


def _no_firewall_associations(self: Route53ResolverResponse) -> str:
    return json.dumps({"FirewallRuleGroupAssociations": []})


if not hasattr(Route53ResolverResponse, "list_firewall_rule_group_associations"):
    Route53ResolverResponse.list_firewall_rule_group_associations = (  # type: ignore[attr-defined]
        _no_firewall_associations
    )

_create_vpc_endpoint = _vpcs.VPCBackend.create_vpc_endpoint


def _endpoint_enis_in_subnet(self: Any, *args: Any, **kwargs: Any) -> Any:
    endpoint_type = kwargs.get("endpoint_type") or ""
    if endpoint_type.lower() != "interface":
        return _create_vpc_endpoint(self, *args, **kwargs)
    groups = list(kwargs.get("security_group_ids") or []) or None
    create = self.create_network_interface

    def in_subnet(subnet_id: str, _address: str, **more: Any) -> Any:
        network = ipaddress.ip_network(self.get_subnet(subnet_id).cidr_block)
        # AWS keeps the first four addresses and the last of each subnet.
        address = network.network_address + random.randrange(4, network.num_addresses - 1)
        return create(subnet_id, str(address), group_ids=groups, **more)

    self.create_network_interface = in_subnet
    try:
        return _create_vpc_endpoint(self, *args, **kwargs)
    finally:
        del self.create_network_interface


_vpcs.VPCBackend.create_vpc_endpoint = _endpoint_enis_in_subnet  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
