"""The canary schedule: an EventBridge rule that invokes the probe with a stored request."""

from __future__ import annotations

import json
import re
from typing import Any

from vpcprobe_collector.deploy.aws_errors import AwsErrors, error_code, raise_aws_error
from vpcprobe_collector.deploy.names import TAG_MANAGED
from vpcprobe_collector.errors import BadInputError

CANARY_EVENT_KEY = "vpcprobe_canary"  # the same key as vpcprobe.canary.CANARY_EVENT_KEY
TARGET_ID = "vpcprobe-probe"
STATEMENT_ID = "vpcprobe-canary"
_EXPRESSION = re.compile(r"^(rate|cron)\(.+\)$")


def check_expression(expression: str) -> str:
    """Accept EventBridge `rate(...)` and `cron(...)` expressions; refuse anything else."""
    expression = expression.strip()
    if not _EXPRESSION.match(expression):
        raise BadInputError(
            f"--schedule {expression!r}: use an EventBridge expression such as "
            "'rate(5 minutes)' or 'cron(0/10 * * * ? *)'"
        )
    return expression


def request_json(request: dict[str, Any]) -> str:
    """The stored ProbeRequest as compact JSON (also template.yaml's CanaryRequest)."""
    return json.dumps(request, sort_keys=True, separators=(",", ":"))


def canary_input(request: dict[str, Any]) -> str:
    """The rule target's Input: the event the probe's canary handler recognises.

    Built as template.yaml's `{"vpcprobe_canary": ${CanaryRequest}}` is, from `request_json`.
    """
    return f'{{"{CANARY_EVENT_KEY}":{request_json(request)}}}'


def ensure_schedule(
    events: Any,
    lambda_client: Any,
    *,
    rule_name: str,
    function_arn: str,
    expression: str,
    request: dict[str, Any],
    tags: dict[str, str],
) -> bool:
    """Create or update the rule and its target, and let EventBridge invoke the function.

    Returns False when the rule already ran this expression with this request (no change).
    """
    target = {"Id": TARGET_ID, "Arn": function_arn, "Input": canary_input(request)}
    if _current(events, rule_name) == (expression, [target]):
        return False
    try:
        rule_arn = events.put_rule(
            Name=rule_name,
            ScheduleExpression=expression,
            State="ENABLED",
            Description="vpcprobe canary: runs the probe and publishes CloudWatch metrics",
            Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        )["RuleArn"]
        events.put_targets(Rule=rule_name, Targets=[target])
    except AwsErrors as error:
        raise_aws_error(error, "events:PutRule")
    try:
        lambda_client.add_permission(
            FunctionName=function_arn,
            StatementId=STATEMENT_ID,
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
            SourceArn=rule_arn,
        )
    except AwsErrors as error:
        if error_code(error) != "ResourceConflictException":  # already granted
            raise_aws_error(error, "lambda:AddPermission")
    return True


def _current(events: Any, rule_name: str) -> tuple[str, list[dict[str, str]]] | None:
    try:
        rule = events.describe_rule(Name=rule_name)
        targets = events.list_targets_by_rule(Rule=rule_name)["Targets"]
    except AwsErrors as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise_aws_error(error, "events:DescribeRule")
    if rule.get("State") != "ENABLED":
        return None
    keys = ("Id", "Arn", "Input")
    return str(rule.get("ScheduleExpression", "")), [
        {key: str(t[key]) for key in keys if key in t} for t in targets
    ]


def delete_schedule(events: Any, rule_name: str) -> list[str]:
    """Remove the rule if vpcprobe created it (tagged); say what was removed."""
    try:
        rule = events.describe_rule(Name=rule_name)
    except AwsErrors as error:
        if error_code(error) == "ResourceNotFoundException":
            return []
        raise_aws_error(error, "events:DescribeRule")
    try:
        tags = events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]
        if {t["Key"]: t["Value"] for t in tags}.get(TAG_MANAGED) != "true":
            return []
        targets = events.list_targets_by_rule(Rule=rule_name)["Targets"]
        if targets:
            events.remove_targets(Rule=rule_name, Ids=[t["Id"] for t in targets])
        events.delete_rule(Name=rule_name)
    except AwsErrors as error:
        raise_aws_error(error, "events:DeleteRule")
    return [f"EventBridge rule {rule_name} ({rule.get('ScheduleExpression', '')})"]
