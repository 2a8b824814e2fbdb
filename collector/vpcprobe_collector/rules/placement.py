"""Where the function's ENIs can be placed: all in one Availability Zone is a single point."""

from __future__ import annotations

from collections.abc import Iterable

from vpcprobe_collector.findings.model import Evidence, Finding, Remediation, ResourceRef, Severity
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import EC2_ROUTES, EC2_SUBNETS, RuleContext
from vpcprobe_collector.snapshot.model import Subnet


class SingleAzPlacement(Rule):
    code = "SUB003"
    name = "single-az-placement"
    title = "Every subnet of the function is in one Availability Zone"
    severity = Severity.LOW
    causes = ()
    summary = "The Availability Zones of the subnets in the function's VpcConfig."
    why = (
        "Lambda runs a VPC function only in the Availability Zones of its subnets; with one "
        "zone, an outage of that zone stops the function, and AWS recommends subnets in at "
        "least two zones."
    )
    how_to_fix = "Add a private subnet in another Availability Zone to the function's VpcConfig."
    inputs = ("lambda:GetFunction", EC2_SUBNETS)
    fallbacks = (
        (
            EC2_ROUTES,
            "the route tables only pick which subnet of another zone the fix suggests (one "
            "sharing the function's table); unread, none is named",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        if not ctx.in_vpc:
            return
        subnets = [s for s in map(ctx.snapshot.subnet, ctx.function_subnet_ids) if s is not None]
        zones = {s.availability_zone_id or s.availability_zone for s in subnets}
        if None in zones or not subnets:
            reason = ctx.skipped_reason(EC2_SUBNETS)
            if reason:
                yield self.skipped(reason, resources=ctx.function_subnet_ids)
            return
        ids = [s.subnet_id for s in subnets]
        if len(zones) > 1:
            yield self.passed(
                f"The function's subnets are in {len(zones)} Availability Zones.", resources=ids
            )
            return
        zone = subnets[0].availability_zone or subnets[0].availability_zone_id or "?"
        other = _other_zone_subnet(ctx, subnets)
        yield self.fail(
            f"All {len(ids)} subnet(s) of {ctx.function_name}'s VpcConfig ({', '.join(ids)}) "
            f"are in {zone}; an outage of that Availability Zone stops the function.",
            resources=[ResourceRef(id=i, rule=zone) for i in ids],
            evidence=[
                Evidence(
                    source=EC2_SUBNETS,
                    resource=s.subnet_id,
                    observed=f"AvailabilityZone={s.availability_zone}",
                    expected="subnets in at least two Availability Zones",
                )
                for s in subnets
            ],
            remediation=Remediation(
                text=(
                    f"Add {other.subnet_id} ({other.availability_zone}, on the same route table) "
                    "to the function's subnets."
                    if other
                    else "Add a private subnet in another Availability Zone (with the same "
                    "routes) to the function's subnets."
                ),
                commands=[
                    remedies.update_vpc_config(
                        ctx.function_name,
                        [*ids, other.subnet_id if other else "SUBNET_ID_IN_ANOTHER_AZ"],
                        ctx.function_sg_ids or ["SECURITY_GROUP_ID"],
                    )
                ],
            ),
        )


def _other_zone_subnet(ctx: RuleContext, subnets: list[Subnet]) -> Subnet | None:
    """A read subnet of the same VPC in another zone that shares the function's route table."""
    table = ctx.index.route_table_for(subnets[0].subnet_id)
    zone = subnets[0].availability_zone
    for candidate in ctx.snapshot.subnets:
        if (
            candidate.vpc_id == subnets[0].vpc_id
            and candidate.availability_zone != zone
            and table is not None
            and ctx.index.route_table_for(candidate.subnet_id) is table
        ):
            return candidate
    return None
