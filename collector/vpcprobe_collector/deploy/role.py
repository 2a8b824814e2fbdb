"""The probe's execution role: Lambda may assume it; it may manage ENIs and write its own logs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from vpcprobe_collector.deploy.aws_errors import AwsErrors, error_code, raise_aws_error
from vpcprobe_collector.deploy.names import (
    BOUNDARY_POLICY_NAME,
    ROLE_PATH,
    TAG_LIKE,
    TAG_MANAGED,
)
from vpcprobe_collector.errors import BadInputError

Progress = Callable[[str], None]
POLICY_NAME = "vpcprobe-probe"
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
ROLE_HINT = "pass --role ARN of an existing role or grant {permission}"


def log_group_arn(region: str, account: str, function_name: str) -> str:
    """The ARN of the function's own log group, /aws/lambda/<name>."""
    return f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{function_name}"


def probe_policy(group_arn: str) -> dict[str, Any]:
    """Least privilege: the three ENI actions Lambda needs in a VPC, and Logs on one group."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LambdaVpcNetworkInterfaces",
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                ],
                "Resource": "*",
            },
            {
                "Sid": "OwnLogGroupOnly",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": [group_arn, f"{group_arn}:*"],
            },
        ],
    }


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def _policy_document(raw: Any) -> Any:
    # boto3 decodes IAM's URL-encoded JSON into a dict; some stand-ins return the string.
    return json.loads(raw) if isinstance(raw, str) else raw


BOUNDARY_HINT = (
    "create the permissions boundary once: aws iam create-policy --path {path} "
    "--policy-name {name} --policy-document file://docs/iam-probe-boundary.json"
)


def _create_role(iam: Any, name: str, boundary_arn: str, tags: dict[str, str]) -> Any:
    try:
        return iam.create_role(
            RoleName=name,
            Path=ROLE_PATH,
            AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
            Description="vpcprobe probe: ENIs in the VPC and its own log group",
            PermissionsBoundary=boundary_arn,
            Tags=_tags(tags),
        )["Role"]
    except AwsErrors as error:
        message = str(getattr(error, "response", {}).get("Error", {}).get("Message", ""))
        if error_code(error) in ("NoSuchEntity", "InvalidInput") and boundary_arn in message:
            raise BadInputError(
                f"the permissions boundary {boundary_arn} does not exist: "
                + BOUNDARY_HINT.format(path=ROLE_PATH, name=BOUNDARY_POLICY_NAME)
            ) from error
        raise_aws_error(error, "iam:CreateRole", ROLE_HINT.format(permission="iam:CreateRole"))


def ensure_role(
    iam: Any,
    name: str,
    group_arn: str,
    tags: dict[str, str],
    progress: Progress,
    *,
    boundary_arn: str,
) -> tuple[str, bool]:
    """Create the role (or bring vpcprobe's existing one up to date); return (ARN, created).

    The role is created under ROLE_PATH with `boundary_arn` as its permissions boundary, so it
    can never hold more than the probe needs whatever policy is later put on it; a role of an
    older vpcprobe gets the boundary added.
    """
    policy = probe_policy(group_arn)
    created = False
    try:
        role = iam.get_role(RoleName=name)["Role"]
        role_tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
        if role_tags.get(TAG_MANAGED) != "true":
            raise BadInputError(
                f"IAM role {name} exists and was not created by vpcprobe: pass --role ARN "
                "to use it (or another role) for the probe"
            )
        current = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if current != boundary_arn:
            try:
                iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary_arn)
            except AwsErrors as error:
                raise_aws_error(error, "iam:PutRolePermissionsBoundary")
    except AwsErrors as error:
        if error_code(error) != "NoSuchEntity":
            raise_aws_error(error, "iam:GetRole", ROLE_HINT.format(permission="iam:GetRole"))
        progress(f"creating IAM role {name}")
        role = _create_role(iam, name, boundary_arn, tags)
        created = True
    if not created:
        try:
            current = iam.get_role_policy(RoleName=name, PolicyName=POLICY_NAME)
            if _policy_document(current["PolicyDocument"]) == policy:
                return str(role["Arn"]), False
        except AwsErrors as error:
            if error_code(error) != "NoSuchEntity":
                raise_aws_error(error, "iam:GetRolePolicy")
    try:
        iam.put_role_policy(
            RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy)
        )
    except AwsErrors as error:
        raise_aws_error(
            error, "iam:PutRolePolicy", ROLE_HINT.format(permission="iam:PutRolePolicy")
        )
    return str(role["Arn"]), created


def delete_role(iam: Any, name: str, suspect: str) -> list[str]:
    """Delete the role vpcprobe created for `suspect` (checked by tag) and its inline policies."""
    removed: list[str] = []
    try:
        tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
    except AwsErrors as error:
        if error_code(error) == "NoSuchEntity":
            return removed
        raise_aws_error(error, "iam:ListRoleTags")
    if tags.get(TAG_MANAGED) != "true" or tags.get(TAG_LIKE) != suspect:
        return removed
    try:
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
            removed.append(f"inline policy {policy} of IAM role {name}")
        iam.delete_role(RoleName=name)
    except AwsErrors as error:
        raise_aws_error(error, "iam:DeleteRole")
    removed.append(f"IAM role {name}")
    return removed
