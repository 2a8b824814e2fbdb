"""Setup rules: what stops Lambda from attaching the function to the VPC at all."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from vpcprobe_collector.findings.model import (
    Evidence,
    Finding,
    ProbeFailure,
    Remediation,
    ResourceRef,
    Severity,
)
from vpcprobe_collector.rules import remedies
from vpcprobe_collector.rules.base import Rule
from vpcprobe_collector.rules.context import (
    EC2_SGS,
    EC2_SUBNETS,
    EC2_VPCS,
    IAM_SIMULATE,
    QUOTAS,
    RuleContext,
    is_internal,
)
from vpcprobe_collector.rules.target_paths import probe_evidence
from vpcprobe_collector.snapshot.model import PermissionDecision

ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
)
VPC_ACCESS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
ENI_QUOTA_CODE = "L-9FEE3D26"


def failure_evidence(failure: ProbeFailure) -> Evidence:
    return Evidence(
        source="--probe-result" if failure.source.startswith("file:") else "lambda:Invoke",
        resource=failure.source,
        observed=f"{failure.error_code or failure.kind.value}: {failure.message}",
        data={"kind": failure.kind.value, "error_code": failure.error_code},
    )


def failures_evidence(failures: list[ProbeFailure], limit: int = 2) -> list[Evidence]:
    """One evidence line per distinct failure (the first `limit`), with how often it came."""
    groups: dict[tuple[str, str, str], list[ProbeFailure]] = {}
    for failure in failures:
        key = (failure.source, failure.error_code or failure.kind.value, failure.message)
        groups.setdefault(key, []).append(failure)
    out = []
    for same in list(groups.values())[:limit]:
        evidence = failure_evidence(same[0])
        if len(same) > 1:
            evidence.observed += f" ({len(same)} times)"
            evidence.data["count"] = len(same)
        out.append(evidence)
    return out


class SetupRule(Rule):
    """A setup rule that also claims invoke errors and function state reasons by code."""

    error_codes: ClassVar[tuple[str, ...]] = ()  # invoke errors (ProbeFailure.error_code)
    state_reason_codes: ClassVar[
        tuple[str, ...]
    ] = ()  # StateReasonCode / LastUpdateStatusReasonCode

    def observed_failures(self, ctx: RuleContext) -> list[ProbeFailure]:
        return [f for f in ctx.probe_failures if f.error_code in self.error_codes]

    def state_reason(self, ctx: RuleContext) -> str | None:
        fn = ctx.snapshot.function
        if fn is None:
            return None
        for code, reason in (
            (fn.state_reason_code, fn.state_reason),
            (fn.last_update_status_reason_code, fn.last_update_status_reason),
        ):
            if code and code in self.state_reason_codes:
                return f"{code}: {reason}" if reason else code
        return None

    def symptom_evidence(self, ctx: RuleContext) -> list[Evidence]:
        out = failures_evidence(self.observed_failures(ctx))
        reason = self.state_reason(ctx)
        if reason:
            out.append(Evidence(source="lambda:GetFunction", observed=reason))
        return out


class RoleLacksEniPermissions(SetupRule):
    code = "IAM001"
    name = "role-lacks-eni-permissions"
    title = "The execution role may not manage the network interfaces Lambda needs"
    severity = Severity.CRITICAL
    causes = ("C14",)
    summary = (
        "Whether the function's execution role is allowed ec2:CreateNetworkInterface, "
        "ec2:DescribeNetworkInterfaces and ec2:DeleteNetworkInterface (by policy simulation, or "
        "by reading its policies), and whether an invoke or the function's state reports "
        "EC2AccessDeniedException / InsufficientRolePermissions."
    )
    why = (
        "Lambda creates the function's network interfaces with the execution role. Without "
        "these actions the function stays Pending or Failed, or invokes fail."
    )
    how_to_fix = (
        "Attach AWSLambdaVPCAccessExecutionRole (or equivalent actions) to the role; check SCPs."
    )
    inputs = (
        "lambda:GetFunction",
        IAM_SIMULATE,
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:GetRolePolicy",
        "lambda:Invoke",
    )
    # Simulation, else the role's policies evaluated locally: either one decides (the policies
    # are read after a simulation too, for RTE004, which says itself when they were not).
    fallbacks = (
        (IAM_SIMULATE, "the role's own attached and inline policies, evaluated locally"),
        *(
            (api, "iam:SimulatePrincipalPolicy's answer")
            for api in (
                "iam:ListAttachedRolePolicies",
                "iam:ListRolePolicies",
                "iam:GetPolicy",
                "iam:GetPolicyVersion",
                "iam:GetRolePolicy",
            )
        ),
    )
    limits = "Service control policies and permission boundaries are seen only through simulation."
    error_codes = ("EC2AccessDeniedException",)
    state_reason_codes = ("InsufficientRolePermissions",)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        fn = ctx.snapshot.function
        if fn is None or not ctx.in_vpc:
            return
        perms = ctx.snapshot.role_permissions
        role = fn.role_arn or "ROLE"
        role_name = role.rsplit("/", 1)[-1]
        denied = []
        if perms is not None:
            denied = [
                a
                for a in ENI_ACTIONS
                if perms.decisions.get(a)
                in (PermissionDecision.IMPLICIT_DENY, PermissionDecision.EXPLICIT_DENY)
            ]
        symptoms = self.symptom_evidence(ctx)
        if denied or symptoms:
            explicit = perms is not None and any(
                perms.decisions.get(a) is PermissionDecision.EXPLICIT_DENY for a in denied
            )
            what = (
                f"is not allowed {', '.join(denied)}"
                if denied
                else "was refused by EC2 when Lambda tried to manage the network interfaces"
            )
            yield self.fail(
                f"Execution role {role} {what}"
                + (" (an explicit Deny, possibly an SCP)" if explicit else "")
                + ".",
                resources=[ResourceRef(id=role, rule=", ".join(denied) or None)],
                evidence=[
                    *(
                        [
                            Evidence(
                                source=f"iam ({perms.method})",
                                resource=role,
                                observed=", ".join(
                                    f"{a}={perms.decisions.get(a, 'unknown')}" for a in ENI_ACTIONS
                                ),
                                expected="allowed",
                            )
                        ]
                        if perms
                        else []
                    ),
                    *symptoms,
                ],
                remediation=Remediation(
                    text=f"Grant {role_name} the three network interface actions"
                    + (
                        "; an explicit Deny must be removed where it is (role policy, boundary or "
                        "SCP)."
                        if explicit
                        else "."
                    ),
                    commands=[remedies.attach_role_policy(role_name, VPC_ACCESS_POLICY)],
                ),
            )
            return
        if (
            perms is None
            or perms.method == "unavailable"
            or any(
                perms.decisions.get(a, PermissionDecision.UNKNOWN) is PermissionDecision.UNKNOWN
                for a in ENI_ACTIONS
            )
        ):
            reason = ctx.skipped_reason(IAM_SIMULATE, "iam:GetRole") or (
                perms.detail
                if perms and perms.detail
                else "the role's permissions could not be read"
            )
            yield self.skipped(reason, resources=[role])
            return
        yield self.passed(f"Execution role {role} may manage network interfaces.", resources=[role])


class SubnetOutOfIps(SetupRule):
    code = "SUB001"
    name = "subnet-out-of-ips"
    title = "A function subnet has no free IP addresses"
    severity = Severity.HIGH
    causes = ("C15",)
    summary = (
        "Each function subnet's free IP address count, and invoke errors "
        "SubnetIPAddressLimitReachedException."
    )
    why = (
        "Lambda needs a free address in a subnet to create a network interface for a new "
        "subnet and security group combination; with none, the function fails to become Active "
        "or invokes fail."
    )
    how_to_fix = "Free addresses in the subnet, or attach the function to larger subnets."
    inputs = (EC2_SUBNETS, "lambda:Invoke")
    error_codes = ("SubnetIPAddressLimitReachedException",)
    state_reason_codes = ("SubnetOutOfIPAddresses",)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        reason = ctx.skipped_reason(EC2_SUBNETS)
        symptoms = self.symptom_evidence(ctx)
        for subnet_id in ctx.function_subnet_ids:
            subnet = ctx.snapshot.subnet(subnet_id)
            if subnet is None or subnet.available_ip_address_count is None:
                if reason:
                    yield self.skipped(reason, resources=[subnet_id], subnet_id=subnet_id)
                continue
            free = subnet.available_ip_address_count
            if free == 0:
                others = [
                    s.subnet_id
                    for s in ctx.function_subnets()
                    if (s.available_ip_address_count or 0) > 0
                ]
                yield self.fail(
                    f"Subnet {subnet_id} ({subnet.cidr_block}) has 0 free IP addresses.",
                    resources=[ResourceRef(id=subnet_id, rule="0 free addresses")],
                    evidence=[
                        Evidence(
                            source=EC2_SUBNETS,
                            resource=subnet_id,
                            observed=f"AvailableIpAddressCount=0 in {subnet.cidr_block}",
                            expected="at least 1",
                        ),
                        *symptoms,
                    ],
                    remediation=Remediation(
                        text=(
                            f"Free addresses in {subnet_id} (unused network interfaces), or attach "
                            "the function to subnets with room."
                        ),
                        commands=[
                            remedies.describe_network_interfaces(
                                ("subnet-id", subnet_id), ("status", "available")
                            ),
                            remedies.update_vpc_config(
                                ctx.function_name, others or ["SUBNET_ID"], ctx.function_sg_ids
                            ),
                        ],
                    ),
                    subnet_id=subnet_id,
                )
            else:
                yield self.passed(
                    f"Subnet {subnet_id} has {free} free IP addresses.",
                    resources=[subnet_id],
                    subnet_id=subnet_id,
                )
        if symptoms and not any(
            (s.available_ip_address_count == 0) for s in ctx.function_subnets()
        ):
            yield self.fail(
                "Lambda reported that a function subnet ran out of IP addresses.",
                resources=ctx.function_subnet_ids,
                evidence=symptoms,
                remediation=Remediation(text="Attach the function to subnets with free addresses."),
                key=("symptom",),
            )


class HyperplaneEniQuotaReached(SetupRule):
    code = "ENI001"
    name = "hyperplane-eni-quota-reached"
    title = "The VPC has reached Lambda's quota of network interfaces"
    severity = Severity.HIGH
    causes = ("C16",)
    summary = (
        "Lambda Hyperplane ENIs in the VPC against the quota (Service Quotas, default 250), and "
        "ENILimitReachedException."
    )
    why = (
        "Each subnet and security group combination needs a Hyperplane ENI; at the quota, "
        "new combinations (a new function, a changed security group) cannot attach."
    )
    how_to_fix = (
        "Request a quota increase, or reuse subnet and security group combinations across "
        "functions."
    )
    inputs = (QUOTAS, "ec2:DescribeNetworkInterfaces", "lambda:Invoke")
    fallbacks = ((QUOTAS, "Lambda's documented default quota of 500 ENIs per VPC"),)
    limits = "The old per-concurrency ENI formula no longer applies and is not used."
    error_codes = ("ENILimitReachedException",)
    state_reason_codes = ("EniLimitExceeded",)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        if not ctx.in_vpc:
            return
        quota = ctx.snapshot.eni_quota
        symptoms = self.symptom_evidence(ctx)
        code = (quota.quota_code if quota and quota.quota_code else None) or ENI_QUOTA_CODE
        command = remedies.request_quota_increase(
            "lambda", code, ((quota.value or 250) * 2) if quota else 500
        )
        vpc = ctx.vpc_id or "the VPC"
        at_quota = bool(
            quota
            and quota.value is not None
            and quota.in_use is not None
            and quota.in_use >= quota.value
        )
        if at_quota or symptoms:
            counted = quota is not None and quota.in_use is not None
            used = f"{quota.in_use} of {quota.value}" if quota and counted else "the quota"
            if at_quota:
                message = f"VPC {vpc} uses {used} Lambda network interfaces allowed."
            else:
                seen = f" (this account sees {used} in use)" if counted else ""
                message = (
                    f"Lambda refused to create a network interface in VPC {vpc}: "
                    f"its Hyperplane ENI quota is reached{seen}."
                )
            yield self.fail(
                message,
                resources=[ResourceRef(id=vpc, rule=f"{used} Hyperplane ENIs")],
                evidence=[
                    *(
                        [
                            Evidence(
                                source=QUOTAS,
                                resource=vpc,
                                observed=f"{quota.in_use} in use, quota {quota.value} "
                                f"({quota.source})",
                                expected="below the quota",
                            )
                        ]
                        if quota
                        else []
                    ),
                    *symptoms,
                ],
                remediation=Remediation(
                    text="Ask for a higher quota, or share subnet and security group combinations.",
                    commands=[command],
                ),
            )
            return
        if quota is None or quota.in_use is None or quota.value is None:
            unread = quota.note if quota and quota.source == "unavailable" else None
            reason = (
                unread
                or ctx.skipped_reason(QUOTAS, "ec2:DescribeNetworkInterfaces")
                or (
                    quota.note
                    if quota and quota.note
                    else "the Lambda ENI count or quota was not read"
                )
            )
            yield self.skipped(reason, resources=[vpc])
            return
        yield self.passed(
            f"VPC {vpc} uses {quota.in_use} of {quota.value} Lambda network interfaces.",
            resources=[vpc],
        )


class VpcConfigMissingResource(SetupRule):
    code = "CFG001"
    name = "vpc-config-references-missing-resource"
    title = "The function's VPC configuration names a subnet or security group that does not exist"
    severity = Severity.CRITICAL
    causes = ("C17",)
    summary = "Whether every subnet and security group in the function's VpcConfig was found."
    why = (
        "A deleted subnet or security group leaves the function unable to create its network "
        "interfaces: it goes to Failed (InvalidSubnet, InvalidSecurityGroup) or invokes fail."
    )
    how_to_fix = "Update the function's VpcConfig to existing subnets and security groups."
    inputs = ("lambda:GetFunction", EC2_SUBNETS, EC2_SGS, "lambda:Invoke")
    error_codes = ("InvalidSubnetIDException", "InvalidSecurityGroupIDException")
    state_reason_codes = ("InvalidSubnet", "InvalidSecurityGroup")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        if not ctx.in_vpc:
            return
        missing: list[str] = []
        unread: list[str] = []
        for subnet_id in ctx.function_subnet_ids:
            if ctx.snapshot.subnet(subnet_id) is None:
                (unread if ctx.skipped_reason(EC2_SUBNETS) else missing).append(subnet_id)
        for group_id in ctx.function_sg_ids:
            if ctx.snapshot.security_group(group_id) is None:
                (unread if ctx.skipped_reason(EC2_SGS) else missing).append(group_id)
        symptoms = self.symptom_evidence(ctx)
        if missing or symptoms:
            keep_subnets = [s for s in ctx.function_subnet_ids if s not in missing]
            keep_groups = [g for g in ctx.function_sg_ids if g not in missing]
            yield self.fail(
                f"The function's VpcConfig names {', '.join(missing)}, which "
                f"{'does' if len(missing) == 1 else 'do'} not exist."
                if missing
                else "Lambda reported an invalid subnet or security group in the function's "
                "VpcConfig.",
                resources=[ResourceRef(id=m, rule="not found") for m in missing],
                evidence=[
                    Evidence(
                        source="lambda:GetFunction",
                        observed=f"VpcConfig subnets {', '.join(ctx.function_subnet_ids)}; "
                        f"security groups {', '.join(ctx.function_sg_ids)}",
                        expected="all found by ec2:DescribeSubnets / DescribeSecurityGroups",
                        data={"missing": missing},
                    ),
                    *symptoms,
                ],
                remediation=Remediation(
                    text="Point the function at subnets and security groups that exist.",
                    commands=[
                        remedies.update_vpc_config(
                            ctx.function_name,
                            keep_subnets or ["SUBNET_ID"],
                            keep_groups or ["SECURITY_GROUP_ID"],
                        )
                    ],
                ),
            )
        elif unread:
            yield self.skipped(
                ctx.skipped_reason(EC2_SUBNETS, EC2_SGS) or "not read", resources=unread
            )
        else:
            yield self.passed("Every subnet and security group in the function's VpcConfig exists.")


class FunctionNotInVpc(Rule):
    code = "CFG002"
    name = "function-not-in-vpc"
    title = "The function is not attached to a VPC: it never reaches a private address"
    severity = Severity.HIGH
    causes = ("C25",)
    summary = "Whether the function's configuration has a VpcConfig with at least one subnet."
    why = (
        "A function without VpcConfig (or with no subnets in it) runs outside every VPC: it "
        "reaches the internet directly and no private address at all, so connections to a "
        "database, cache or internal service time out whatever their security groups allow."
    )
    how_to_fix = (
        "Attach the function to private subnets of the VPC that holds its targets, with a "
        "security group that allows its traffic: "
        + remedies.update_vpc_config("FUNCTION_NAME", ["SUBNET_ID"], ["SECURITY_GROUP_ID"])
    )
    inputs = ("lambda:GetFunction",)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        fn = ctx.snapshot.function
        if fn is None:
            # GetFunction failed or came back malformed: that is not "no VpcConfig".
            reason = ctx.skipped_reason("lambda:GetFunction") or "the function was not read"
            yield self.skipped(reason)
            return
        if ctx.in_vpc:
            yield self.passed(
                f"Function {fn.name} is attached to {ctx.vpc_id or 'a VPC'} through "
                f"{', '.join(ctx.function_subnet_ids)}.",
                resources=[fn.arn],
            )
            return
        private_facts = [
            f for f in ctx.facts if is_internal(f.spec.host) or any(map(is_internal, f.addresses))
        ]
        private = [f.label for f in private_facts]
        observed = (
            "no VpcConfig"
            if fn.vpc_config is None
            else f"VpcConfig with no subnets (security groups "
            f"{', '.join(fn.vpc_config.security_group_ids) or 'none'})"
        )
        yield self.fail(
            f"Function {fn.name} has {observed}: it reaches the internet directly and never a "
            "private address"
            + (f", so {', '.join(private)} cannot be reached" if private else "")
            + ".",
            resources=[ResourceRef(id=fn.arn, rule=observed)],
            evidence=[
                Evidence(
                    source="lambda:GetFunction",
                    resource=fn.arn,
                    observed=observed,
                    expected="VpcConfig with the subnets and security groups of the targets' VPC",
                    data={"private_targets": private},
                ),
                # What the probe saw for each private target: this is its explanation.
                *[probe_evidence(f) for f in private_facts if f.statuses()],
            ],
            remediation=Remediation(
                text=(
                    f"Attach {fn.name} to private subnets of the VPC its targets are in (ones "
                    "that route 0.0.0.0/0 to a NAT gateway, if it also calls the internet or "
                    "AWS APIs) and a security group that allows its traffic; its role needs the "
                    "ENI permissions of AWSLambdaVPCAccessExecutionRole."
                ),
                commands=[
                    # Where the private targets live: the VPC and subnet to attach to.
                    *[
                        remedies.describe_network_interfaces(
                            ("addresses.private-ip-address", address),
                            query="NetworkInterfaces[].[VpcId,SubnetId,Groups[].GroupId]",
                        )
                        for address in sorted(
                            {a for f in private_facts for a in f.addresses if is_internal(a)}
                        )[:3]
                    ],
                    remedies.update_vpc_config(fn.name, ["SUBNET_ID"], ["SECURITY_GROUP_ID"]),
                    remedies.attach_role_policy(
                        (fn.role_arn or "ROLE_NAME").rsplit("/", 1)[-1], VPC_ACCESS_POLICY
                    ),
                ],
            ),
            key=(observed,),
        )


class FunctionNotActive(SetupRule):
    code = "LFC001"
    name = "function-not-active"
    title = "The function is not Active (Pending, Inactive or Failed)"
    severity = Severity.HIGH
    causes = ("C18",)
    summary = "The function's State and LastUpdateStatus, and ResourceNotReadyException on invoke."
    why = (
        "A VPC function is Pending while its network interfaces are created, goes Inactive "
        "after weeks idle (the first invoke fails and re-creates them), and Failed when they "
        "cannot be created; invokes fail until it is Active."
    )
    how_to_fix = (
        "Wait for Pending; invoke once to wake an Inactive function; for Failed, fix the reason "
        "and update the function."
    )
    inputs = ("lambda:GetFunction", "lambda:Invoke")

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        fn = ctx.snapshot.function
        if fn is None:
            return
        not_ready = [
            f
            for f in ctx.probe_failures
            if f.kind.value == "not_ready" or f.error_code == "ResourceNotReadyException"
        ]
        state = fn.state or "unknown"
        failed_update = fn.last_update_status == "Failed"
        if state == "Active" and not failed_update and not not_ready:
            yield self.passed(f"Function {fn.name} is Active.", resources=[fn.arn])
            return
        if fn.state is None and not not_ready:
            yield self.skipped("the function's state was not reported", resources=[fn.arn])
            return
        reason = fn.state_reason_code or fn.last_update_status_reason_code
        detail = fn.state_reason or fn.last_update_status_reason
        severity = Severity.CRITICAL if state == "Failed" or failed_update else Severity.HIGH
        if state == "Pending":
            severity = Severity.MEDIUM
        status = f"state {state}" + (", last update Failed" if failed_update else "")
        commands = [
            remedies.get_function_configuration(fn.name, "[State,StateReasonCode,LastUpdateStatus]")
        ]
        if state == "Inactive":
            commands.append(remedies.invoke_function(fn.name))
        yield self.fail(
            f"Function {fn.name} is in {status}"
            + (f" ({reason}: {detail})" if reason else "")
            + ".",
            resources=[ResourceRef(id=fn.arn, rule=status)],
            evidence=[
                Evidence(
                    source="lambda:GetFunction",
                    resource=fn.arn,
                    observed=f"State={state}, StateReasonCode={fn.state_reason_code}, "
                    f"LastUpdateStatus={fn.last_update_status}",
                    expected="State=Active",
                ),
                *failures_evidence(not_ready),
            ],
            remediation=Remediation(
                text={
                    "Pending": "Wait until the function is Active (Lambda is creating its network "
                    "interfaces).",
                    "Inactive": "Invoke the function once: Lambda re-creates its network "
                    "interfaces; retry when it is Active.",
                }.get(
                    state,
                    "Fix the reason named in StateReasonCode (other findings say which), then "
                    "update the function so Lambda retries.",
                ),
                commands=commands,
            ),
            severity=severity,
        )


class DedicatedTenancy(Rule):
    code = "VPC001"
    name = "dedicated-tenancy"
    title = "The VPC has dedicated instance tenancy, which Lambda does not support"
    severity = Severity.CRITICAL
    causes = ("C19",)
    summary = "The VPC's instance tenancy."
    why = "Lambda cannot attach functions to a VPC whose instance tenancy is dedicated."
    how_to_fix = "Change the VPC's tenancy to default, or use another VPC."
    inputs = (EC2_VPCS,)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        vpc = ctx.snapshot.vpc
        if vpc is None or vpc.instance_tenancy is None:
            reason = ctx.skipped_reason(EC2_VPCS)
            if reason and ctx.in_vpc:
                yield self.skipped(reason)
            return
        if vpc.instance_tenancy == "default":
            yield self.passed(f"VPC {vpc.vpc_id} has default tenancy.", resources=[vpc.vpc_id])
            return
        yield self.fail(
            f"VPC {vpc.vpc_id} has instance tenancy '{vpc.instance_tenancy}'; Lambda supports "
            f"only default tenancy.",
            resources=[ResourceRef(id=vpc.vpc_id, rule=f"tenancy {vpc.instance_tenancy}")],
            evidence=[
                Evidence(
                    source=EC2_VPCS,
                    resource=vpc.vpc_id,
                    observed=f"InstanceTenancy={vpc.instance_tenancy}",
                    expected="default",
                )
            ],
            remediation=Remediation(
                text=f"Change {vpc.vpc_id} to default tenancy (running dedicated instances keep "
                f"theirs).",
                commands=[remedies.modify_vpc_tenancy_default(vpc.vpc_id)],
            ),
        )
