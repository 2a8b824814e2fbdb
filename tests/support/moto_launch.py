"""Start moto's server (`python -m tests.support.moto_launch -H 127.0.0.1 -p PORT`) with one gap
filled that every run reading Route 53 Resolver would otherwise meet.

moto 5.x has no Route 53 Resolver DNS Firewall: `ListFirewallRuleGroupAssociations` answers
HTTP 500, so every stand-in run with a host-name target would be incomplete (exit 4), which is
right for the product (an unread DNS Firewall is never cleared) but says nothing about AWS.
Here it answers as AWS does for a VPC with no rule group associated: an empty list, in the
shape of botocore's route53resolver model (botocore parses it in every test that reads it).
The cases with a DNS Firewall are tested with botocore's Stubber (tests/collector/
test_beyond_moto.py), and a 500 from this call is still tested through the fault proxy.
"""

from __future__ import annotations

import json
import sys

from moto.route53resolver.responses import Route53ResolverResponse
from moto.server import main


def _no_firewall_associations(self: Route53ResolverResponse) -> str:
    return json.dumps({"FirewallRuleGroupAssociations": []})


if not hasattr(Route53ResolverResponse, "list_firewall_rule_group_associations"):
    Route53ResolverResponse.list_firewall_rule_group_associations = (  # type: ignore[attr-defined]
        _no_firewall_associations
    )

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
