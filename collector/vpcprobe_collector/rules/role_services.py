"""The AWS services the execution role lets the code call: reachable from an isolated subnet?"""

from __future__ import annotations

from collections.abc import Generator, Iterable

from vpcprobe_collector.findings.model import Evidence, Finding, Remediation, ResourceRef, Severity
from vpcprobe_collector.paths.hops import gateway_endpoint
from vpcprobe_collector.paths.model import HopKind, ServiceSubnetAccess, Verdict
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.context import (
    EC2_ENDPOINTS,
    EC2_ROUTES,
    EC2_VPCS,
    IAM_SIMULATE,
    RuleContext,
)
from vpcprobe_collector.rules.routing import SubnetRule, default_route, usable_nat
from vpcprobe_collector.snapshot.model import RouteTable, VpcEndpoint
from vpcprobe_collector.snapshot.readers.iam_reader import BUDGET_SPENT, EVERY_SERVICE

POLICY_READS = (
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRolePolicy",
)
# IAM action prefix -> the VPC endpoint services (com.amazonaws.REGION.NAME) its API answers
# on. A prefix not listed is not judged (said so): vpcprobe does not guess endpoint names.
ENDPOINT_SERVICES: dict[str, tuple[str, ...]] = {
    "athena": ("athena",),
    "cloudformation": ("cloudformation",),
    "cloudwatch": ("monitoring",),
    "codebuild": ("codebuild",),
    "dynamodb": ("dynamodb",),
    "ec2": ("ec2",),
    "ecr": ("ecr.api",),
    "ecs": ("ecs",),
    "elasticfilesystem": ("elasticfilesystem",),
    "events": ("events",),
    "execute-api": ("execute-api",),
    "firehose": ("kinesis-firehose",),
    "glue": ("glue",),
    "kinesis": ("kinesis-streams",),
    "kms": ("kms",),
    "lambda": ("lambda",),
    "logs": ("logs",),
    "rds-data": ("rds-data",),
    "s3": ("s3",),
    "secretsmanager": ("secretsmanager",),
    "sns": ("sns",),
    "sqs": ("sqs",),
    "ssm": ("ssm",),
    "states": ("states",),
    "sts": ("sts",),
    "xray": ("xray",),
}
# Services whose API answers on several endpoints, chosen by the action: the policy's prefix
# alone does not say which one the code needs, so they are not judged (said so).
SEVERAL_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "bedrock": ("bedrock", "bedrock-runtime", "bedrock-agent", "bedrock-agent-runtime"),
}
# S3 and DynamoDB have gateway endpoints (free, on the route table); the rest interface ones.
GATEWAY_SERVICES = frozenset({"s3", "dynamodb"})
_THROUGH = {"interface_endpoint": "interface endpoint", "gateway_endpoint": "gateway endpoint"}


def _via(access: list[ServiceSubnetAccess]) -> str:
    first = access[0]
    if first.via in _THROUGH and first.endpoint_id:
        return f"{_THROUGH[first.via]} {first.endpoint_id}"
    return "its public addresses"


class RoleServiceUnreachable(SubnetRule):
    code = "RTE004"
    name = "role-service-unreachable"
    title = (
        "An AWS service the function's role may call has no VPC endpoint and no route to the "
        "internet"
    )
    severity = Severity.HIGH
    causes = ("C07", "C01")
    summary = (
        "For each function subnet whose route table has no 0.0.0.0/0 route: the AWS services "
        "the execution role's policies let the code call (action prefixes such as sqs:, s3:; "
        "`*` and NotAction as every service) and, per the path evaluation, whether each has a "
        "usable endpoint from that subnet (an interface endpoint with private DNS, or a gateway "
        "endpoint for S3 and DynamoDB on the subnet's route table)."
    )
    why = (
        "From a subnet with no route to the internet, an AWS API is reachable only through a "
        "VPC endpoint. A service the role is allowed to call with no endpoint is a call that "
        "will hang until the SDK's timeout, found before the code makes it."
    )
    how_to_fix = (
        "Create a VPC endpoint for the service (gateway for S3 and DynamoDB, interface for the "
        "rest), or route 0.0.0.0/0 to a NAT gateway."
    )
    inputs = ("lambda:GetFunction", *POLICY_READS, EC2_VPCS, EC2_ROUTES, EC2_ENDPOINTS, "path")
    # The services come from the policies themselves; the simulation is not needed for them.
    fallbacks = ((IAM_SIMULATE, "the role's own policies, read and evaluated locally"),)
    limits = (
        "The role's identity policies are read, not the code: a service the role allows but "
        "the code never calls is still named. What Lambda itself does with the role (creating "
        "network interfaces, writing the function's own logs, mounting EFS, sending active-tracing "
        "segments) does not count; a service allowed only the actions an event source mapping "
        "uses (Lambda polls it from outside the VPC) is named at low. A Deny takes a "
        "service away only when it covers all of it unconditionally. Services whose endpoint "
        "name vpcprobe does not know, or that answer on several endpoints by action (bedrock), "
        "are listed as not judged, and so are roles whose policies did not fit an audit's "
        "call budget. With the VPC's endpoints unread, nothing is judged. Subnets with a "
        "default route are judged by RTE001, RTE002 and NAT001."
    )

    def per_table(
        self, ctx: RuleContext, subnets: list[str], table: RouteTable
    ) -> Iterable[Finding]:
        if default_route(table) is not None:
            return  # a default route: RTE001 / RTE002 / NAT001 judge where it leads
        sub = subnets[0] if len(subnets) == 1 else None
        where = f"route table {table.route_table_id} of {', '.join(subnets)}"
        refs: list[ResourceRef | str] = [
            ResourceRef(id=table.route_table_id, rule="no 0.0.0.0/0 route"),
            *subnets,
        ]
        perms = ctx.snapshot.role_permissions
        function = ctx.snapshot.function.name if ctx.snapshot.function else "the function"
        if perms is None or perms.services is None:
            spent = next((r for r in ctx.snapshot.skipped if r.error_code == BUDGET_SPENT), None)
            reason = (
                (spent.message if spent else None)
                or ctx.skipped_reason(*POLICY_READS)
                or "the execution role's policies were not read"
            )
            yield self.skipped(reason, resources=refs, subnet_id=sub)
            return
        role = perms.role_arn
        if (unread := ctx.skipped_reason(EC2_ENDPOINTS)) is not None:
            # Whether an endpoint exists is what every verdict here turns on.
            yield self.skipped(
                f"VPC endpoints could not be read ({unread}), so whether {function}'s role's "
                "services have an endpoint is unknown",
                resources=[role, *refs],
                subnet_id=sub,
            )
            return
        if not perms.services:
            yield self.passed(
                f"Role {role} lets {function}'s code call no AWS service (beyond what Lambda "
                "itself does with it).",
                resources=[role, *refs],
                subnet_id=sub,
            )
            return
        if EVERY_SERVICE in perms.services:
            yield self._every_service(ctx, function, role, where, refs, subnets, table, sub)
            return
        reached: list[str] = []
        unknown: list[str] = []
        several: list[str] = []
        polled = set(perms.event_source_services)
        for prefix in perms.services:
            if prefix in SEVERAL_ENDPOINTS:
                several.append(prefix)
                continue
            names = ENDPOINT_SERVICES.get(prefix)
            if names is None:
                unknown.append(prefix)
                continue
            for endpoint_service in names:
                outcome = yield from self._judge(
                    ctx,
                    function,
                    role,
                    where,
                    refs,
                    subnets,
                    table,
                    sub,
                    prefix,
                    endpoint_service,
                    polled=prefix in polled,
                )
                if outcome:
                    reached.append(outcome)
        for prefix in several:
            yield self.skipped(
                f"role {role} may call {prefix}, whose API answers on several endpoints "
                f"({', '.join(SEVERAL_ENDPOINTS[prefix])}) by action, and {where} has no route "
                "to the internet",
                resources=[role, *refs],
                subnet_id=sub,
                key=(prefix,),
            )
        if unknown:
            yield self.skipped(
                f"role {role} may call {', '.join(unknown)}, for which vpcprobe knows no VPC "
                f"endpoint, and {where} has no route to the internet",
                resources=[role, *refs],
                subnet_id=sub,
                key=tuple(unknown),
            )
        if reached:
            yield self.passed(
                f"From {where} every AWS service role {role} may call has an endpoint: "
                f"{'; '.join(reached)}.",
                resources=[role, *refs],
                subnet_id=sub,
            )

    def _judge(
        self,
        ctx: RuleContext,
        function: str,
        role: str,
        where: str,
        refs: list[ResourceRef | str],
        subnets: list[str],
        table: RouteTable,
        sub: str | None,
        prefix: str,
        endpoint_service: str,
        *,
        polled: bool = False,
    ) -> Generator[Finding, None, str | None]:
        """One service from the subnets of one route table; returns "svc via …" when reached."""
        access = ctx.service(endpoint_service)
        here = [s for s in access.subnets if s.subnet_id in subnets]
        if not here:
            return None
        if all(s.verdict in (Verdict.REACHABLE, Verdict.LEAVES_VPC) for s in here):
            return f"{prefix} via {_via(here)}"
        blocked = next((s for s in here if s.verdict is Verdict.BLOCKED), None)
        if blocked is None:
            unknown = next(s for s in here if s.verdict is Verdict.UNKNOWN)
            yield self.skipped(
                f"{access.service_name} from {unknown.subnet_id}: {unknown.detail.rstrip('.')}",
                resources=[role, *refs],
                subnet_id=sub,
                key=(prefix,),
            )
            return None
        hop = blocked.result.decided_by if blocked.result else None
        if (
            blocked.via == "interface_endpoint"
            and hop is not None
            and hop.kind is HopKind.TARGET_SECURITY_GROUP_INGRESS
        ):
            return None  # the endpoint exists and its group refuses 443: EPT003 names it
        vpc_id = ctx.vpc_id or table.vpc_id
        gateway = prefix in GATEWAY_SERVICES and blocked.via != "interface_endpoint"
        interface = access.interface_endpoint_id if blocked.via == "public" else None
        elsewhere = access.gateway_endpoint_id if blocked.via == "public" else None
        name = access.service_name
        if interface:
            why = f"its name does not resolve to interface endpoint {interface}: " + (
                "; ".join(n.rstrip(".") for n in access.notes) or "private DNS is off"
            )
            fix = Remediation(
                text=(
                    f"Make {name}'s name resolve to {interface} (EPT002 says how), or route "
                    f"0.0.0.0/0 from {table.route_table_id} to a NAT gateway."
                ),
                commands=[self._nat_route(ctx, table)],
            )
        elif elsewhere and gateway:
            why = f"gateway endpoint {elsewhere} is not on {table.route_table_id}"
            fix = Remediation(
                text=f"Add {table.route_table_id} to gateway endpoint {elsewhere}.",
                commands=[
                    remedies.add_gateway_endpoint_route_table(elsewhere, table.route_table_id)
                ],
            )
        elif blocked.via == "public" and (waiting := self._not_available(ctx, name)):
            why = f"its endpoint {waiting.vpc_endpoint_id} is {waiting.state}, not available"
            fix = Remediation(
                text=(
                    f"Wait for {waiting.vpc_endpoint_id} to become available (or accept it if "
                    f"it is pendingAcceptance), or route 0.0.0.0/0 from {table.route_table_id} "
                    "to a NAT gateway."
                ),
                commands=[self._nat_route(ctx, table)],
            )
        elif blocked.via == "public":
            why = f"the VPC has no endpoint for {name}"
            fix = self._create(ctx, vpc_id, name, gateway, table, subnets)
        else:
            why = hop.detail.rstrip(".") if hop else blocked.detail.rstrip(".")
            fix = self._create(ctx, vpc_id, name, gateway, table, subnets)
        if polled:
            why += (
                f"; the role allows only the {prefix} actions an event source mapping uses, "
                "which Lambda polls from outside the VPC, so this matters only if the code "
                f"calls {prefix} itself"
            )
        yield self.fail(
            f"Function {function}'s role {role} may call {prefix}, but {where} has no route "
            f"to the internet and {why}.",
            resources=[ResourceRef(id=access.service_name), role, *refs],
            evidence=[
                Evidence(
                    source="iam:GetRolePolicy",
                    resource=role,
                    observed=f"allows {prefix}:… actions",
                    expected="the services the code calls",
                ),
                Evidence(
                    source="path",
                    resource=blocked.subnet_id,
                    observed=blocked.detail,
                    expected=f"an endpoint for {access.service_name}, or a NAT route",
                ),
            ],
            remediation=fix,
            severity=Severity.LOW if polled else None,
            subnet_id=sub,
            key=(prefix, endpoint_service),
        )
        return None

    @staticmethod
    def _not_available(ctx: RuleContext, service_name: str) -> VpcEndpoint | None:
        """An endpoint of the service in the VPC that exists but is not available (pending,
        pendingAcceptance, deleting, rejected, failed...); a deleted one does not count."""
        vpc_id = ctx.vpc_id
        return next(
            (
                e
                for e in sorted(ctx.snapshot.vpc_endpoints, key=lambda e: e.vpc_endpoint_id)
                if e.service_name == service_name
                and (vpc_id is None or e.vpc_id == vpc_id)
                and not gateway_endpoint.usable(e)
                and (e.state or "").lower() != "deleted"  # gone: as if it never existed
            ),
            None,
        )

    def _create(
        self,
        ctx: RuleContext,
        vpc_id: str,
        service_name: str,
        gateway: bool,
        table: RouteTable,
        subnets: list[str],
    ) -> Remediation:
        if gateway:
            return Remediation(
                text=(
                    f"Create a gateway endpoint for {service_name} on {table.route_table_id} "
                    "(free), or route 0.0.0.0/0 to a NAT gateway."
                ),
                commands=[
                    remedies.create_vpc_endpoint(
                        vpc_id,
                        service_name,
                        gateway=True,
                        route_table_ids=[table.route_table_id],
                        subnet_ids=[],
                    )
                ],
            )
        # An interface endpoint takes one subnet per Availability Zone.
        per_zone: dict[str, str] = {}
        for subnet_id in ctx.function_subnet_ids:
            subnet = ctx.snapshot.subnet(subnet_id)
            per_zone.setdefault(
                (subnet.availability_zone if subnet else None) or subnet_id, subnet_id
            )
        source = ctx.function_sg_ids[0] if ctx.function_sg_ids else "FUNCTION_SG_ID"
        return Remediation(
            text=(
                f"Create an interface endpoint for {service_name} with private DNS in the "
                f"function's subnets, with a security group that allows TCP 443 from {source}; "
                f"or route 0.0.0.0/0 from {table.route_table_id} to a NAT gateway."
            ),
            commands=[
                remedies.create_vpc_endpoint(
                    vpc_id,
                    service_name,
                    gateway=False,
                    route_table_ids=[],
                    subnet_ids=sorted(per_zone.values()),
                ),
                remedies.sg_ingress_from_group("ENDPOINT_SG_ID", "tcp", 443, source),
            ],
        )

    def _nat_route(self, ctx: RuleContext, table: RouteTable) -> str:
        nat = usable_nat(ctx)
        return remedies.create_default_route(
            table.route_table_id, nat_gateway_id=nat.nat_gateway_id if nat else "NAT_GATEWAY_ID"
        )

    def _every_service(
        self,
        ctx: RuleContext,
        function: str,
        role: str,
        where: str,
        refs: list[ResourceRef | str],
        subnets: list[str],
        table: RouteTable,
        sub: str | None,
    ) -> Finding:
        prefix = f"com.amazonaws.{ctx.snapshot.region}."
        reachable = []
        for endpoint in sorted(ctx.snapshot.vpc_endpoints, key=lambda e: e.service_name):
            if not endpoint.service_name.startswith(prefix):
                continue
            name = endpoint.service_name.removeprefix(prefix)
            here = [s for s in ctx.service(name).subnets if s.subnet_id in subnets]
            if here and all(s.verdict in (Verdict.REACHABLE, Verdict.LEAVES_VPC) for s in here):
                reachable.append(name)
        only = (
            f"only {', '.join(dict.fromkeys(reachable))}, which have endpoints"
            if reachable
            else "no AWS service at all (the VPC has no usable endpoint)"
        )
        return self.fail(
            f'Function {function}\'s role {role} allows every AWS service (Action "*" or '
            f"NotAction), but {where} has no route to the internet: the function reaches "
            f"{only}; a call to any other service times out.",
            resources=[role, *refs],
            evidence=[
                Evidence(
                    source="iam:GetRolePolicy",
                    resource=role,
                    observed="allows every service",
                    expected="the services the code calls",
                )
            ],
            remediation=Remediation(
                text=(
                    f"Route 0.0.0.0/0 from {table.route_table_id} to a NAT gateway, or create "
                    "an endpoint for each service the code calls (and narrow the role to them)."
                ),
                commands=[self._nat_route(ctx, table)],
            ),
            severity=Severity.MEDIUM,
            subnet_id=sub,
            key=(EVERY_SERVICE,),
        )
