"""Target address rules: an address in the VPC that no network interface holds."""

from __future__ import annotations

from vpcprobe_collector.findings.model import Remediation, Severity
from vpcprobe_collector.paths.decisions import IngressProblem
from vpcprobe_collector.paths.model import Hop, HopKind, PathResult
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.context import EC2_ENIS, RuleContext, TargetFacts
from vpcprobe_collector.rules.target_paths import PathHopRule, observed_summary, subnets_phrase

UNHELD = IngressProblem.UNHELD.value


def unheld_hop(path: PathResult) -> Hop | None:
    """The path engine's "no network interface holds this address" hop, if the path has one."""
    return next(
        (h for h in path.hops if h.kind is HopKind.DESTINATION and h.reason == UNHELD), None
    )


class TargetAddressUnheld(PathHopRule):
    code = "TGT005"
    name = "target-address-unheld"
    title = "The target's address is in the VPC, but no network interface holds it"
    severity = Severity.HIGH
    causes = ("C26",)
    summary = (
        "For each target address inside the VPC: whether any network interface holds it. An "
        "address nobody holds is named with the subnet it falls in; the function's egress, "
        "routes and network ACLs on the way are still judged by their own rules."
    )
    why = (
        "A DNS record that still points at a deleted instance, database or load balancer "
        "sends the function to an address where nothing answers: every connection times out, "
        "and no security group or route is to blame."
    )
    how_to_fix = (
        "Point the name at the resource's current address (update or delete the stale DNS "
        "record), or bring the resource back."
    )
    inputs = (EC2_ENIS, "probe.tcp", "probe.dns")
    limits = (
        "Only addresses the snapshot looked up (the targets and the VPC's DNS servers) are "
        "judged; an address in another VPC or account is beyond what was read."
    )
    hop_kinds = frozenset({HopKind.DESTINATION})
    checked = "Network interfaces"
    reads = (EC2_ENIS,)

    def matching_hop(self, path: PathResult) -> Hop | None:
        # Reported whatever else blocks the path: the other hops are judged by their rules.
        return unheld_hop(path)

    def message(self, ctx: RuleContext, fact: TargetFacts, hop: Hop, subnets: list[str]) -> str:
        return (
            f"{hop.detail.rstrip('.')} (target {fact.label}, "
            f"{subnets_phrase(ctx, subnets)}); the probe saw: {observed_summary(fact)}."
        )

    def expected(self, fact: TargetFacts, address: str) -> str:
        return f"a network interface holds {address}"

    def pass_message(self, fact: TargetFacts, addresses: list[str]) -> str:
        return f"A network interface holds {', '.join(addresses)} ({fact.label})."

    def remedy(self, ctx: RuleContext, fact: TargetFacts, address: str, hop: Hop) -> Remediation:
        host = fact.spec.host
        field = "ipv6-addresses.ipv6-address" if ":" in address else "addresses.private-ip-address"
        named = host != address
        lookup = (
            f"Find where {host} is defined (a Route 53 record, a service's endpoint setting) "
            f"and point it at the resource's current address; "
            if named
            else f"Check which resource should have {address}; "
        )
        return Remediation(
            text=(
                f"Nothing in {hop.subnet_id} holds {address}. {lookup}"
                "confirm that nothing holds it with the command below."
            ),
            commands=[remedies.describe_network_interfaces((field, address))],
        )
