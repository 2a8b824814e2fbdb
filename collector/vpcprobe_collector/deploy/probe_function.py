"""Deploy (and destroy) the probe function beside a suspect, with the suspect's network identity."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.exceptions

from vpcprobe_collector.aws import UNREACHABLE, client
from vpcprobe_collector.aws_errors import is_denied
from vpcprobe_collector.deploy.aws_errors import (
    AwsErrors,
    DeployFailedError,
    error_code,
    raise_aws_error,
)
from vpcprobe_collector.deploy.layer_publish import (
    PROBE_PYTHON,
    LayerZip,
    layer_arn_parts,
    locate_layer_zip,
    publish_layer,
)
from vpcprobe_collector.deploy.names import (
    LAYER_PREFIX,
    PROBE_PREFIX,
    TAG_LIKE,
    TAG_MANAGED,
    boundary_policy_arn,
    canary_rule_name,
    function_name_from,
    managed_tags,
    probe_function_name,
)
from vpcprobe_collector.deploy.role import delete_role, ensure_role, log_group_arn
from vpcprobe_collector.deploy.sam_parameters import ProbeNetwork, probe_network, vpc_config
from vpcprobe_collector.deploy.schedule import check_expression, delete_schedule, ensure_schedule
from vpcprobe_collector.errors import AwsAccessError, BadInputError
from vpcprobe_collector.findings.reason_codes import finding_for_reason

Progress = Callable[[str], None]
PROBE_HANDLER = "vpcprobe.handler.handler"
CANARY_HANDLER = "vpcprobe.canary.handler"
PROBE_TIMEOUT_S = 30
PROBE_MEMORY_MB = 256
# Pending can last minutes while Lambda creates the ENIs: poll every 5 s for up to 15 min.
WAIT_DELAY_S = 5
WAIT_MAX_ATTEMPTS = 180
# A new role (and its inline policy) takes a few seconds to be usable by Lambda; no waiter
# covers IAM propagation, so CreateFunction is retried on exactly these two refusals.
ROLE_RETRY_ATTEMPTS = 10
ROLE_RETRY_DELAY_S = 3.0
_ROLE_NOT_READY = (
    "cannot be assumed by Lambda",
    "does not have permissions to call CreateNetworkInterface",
)
LOG_RETENTION_DAYS = 14


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class Suspect:
    """The function whose network identity the probe copies."""

    name: str
    arn: str
    region: str
    account: str
    configuration: dict[str, Any]
    network: ProbeNetwork


@dataclass
class DeployResult:
    """What `deploy` did: the probe's name and ARN and one line per change."""

    function_name: str
    function_arn: str
    actions: list[str] = field(default_factory=list)


def read_suspect(lambda_client: Any, function: str) -> Suspect:
    """GetFunction on the suspect; refuse when it does not exist or is not in a VPC."""
    try:
        configuration = lambda_client.get_function(FunctionName=function)["Configuration"]
    except AwsErrors as error:
        if error_code(error) == "ResourceNotFoundException":
            region = lambda_client.meta.region_name
            raise BadInputError(f"function {function} not found in {region}") from error
        raise_aws_error(error, "lambda:GetFunction")
    arn = str(configuration["FunctionArn"])
    parts = arn.split(":")
    return Suspect(
        name=str(configuration["FunctionName"]),
        arn=arn,
        region=parts[3],
        account=parts[4],
        configuration=configuration,
        network=probe_network(configuration),
    )


def probe_code_zip() -> bytes:
    """The probe's own code: nothing but a note (the handler ships in the layer).

    Fixed timestamps keep the bytes, and so CodeSha256, the same on every run.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("README.txt", date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(
            info,
            "vpcprobe probe function: the handler vpcprobe.handler.handler is in the layer.\n",
        )
    return buffer.getvalue()


def _tags_of(lambda_client: Any, arn: str) -> dict[str, str]:
    tags: dict[str, str] = lambda_client.list_tags(Resource=arn).get("Tags", {})
    return tags


def find_probe(
    lambda_client: Any, suspect_name: str, *, scan: bool = True
) -> dict[str, Any] | None:
    """The configuration of the probe deployed for `suspect_name`, found by its tag.

    By its deterministic name first (one GetFunction); with `scan`, also by a ListFunctions
    scan for a probe renamed by hand (deploy and destroy; diagnose does not scan)."""
    suspect_name = function_name_from(suspect_name)
    name = probe_function_name(suspect_name)
    try:
        response = lambda_client.get_function(FunctionName=name)
        if response.get("Tags", {}).get(TAG_LIKE) == suspect_name:
            found: dict[str, Any] = response["Configuration"]
            return found
    except AwsErrors as error:
        if error_code(error) != "ResourceNotFoundException":
            raise_aws_error(error, "lambda:GetFunction")
    if not scan:
        return None
    # Not under the expected name (renamed by hand, or another naming): look by tag.
    try:
        for page in lambda_client.get_paginator("list_functions").paginate():
            for function in page["Functions"]:
                if not function["FunctionName"].startswith(PROBE_PREFIX):
                    continue
                if _tags_of(lambda_client, function["FunctionArn"]).get(TAG_LIKE) == suspect_name:
                    return dict(function)
    except AwsErrors as error:
        raise_aws_error(error, "lambda:ListFunctions")
    return None


def find_probe_function(session: Any, suspect_name: str) -> str | None:
    """The name of the probe `vpcprobe deploy --like suspect_name` created, or None."""
    probe = find_probe_configuration(session, suspect_name)
    return None if probe is None else str(probe["FunctionName"])


def find_probe_configuration(session: Any, suspect_name: str) -> dict[str, Any] | None:
    """The configuration of the probe `vpcprobe deploy --like suspect_name` created, or None.

    A lookup the caller may not make (GetFunction/ListFunctions denied) counts as not found:
    `diagnose` then runs without a probe and says how to get one, rather than stopping.
    Anything else (an endpoint that never answers, throttling, a 5xx) is no answer about the
    probe at all: the AWS error goes on, so the command gives up once, naming the endpoint,
    instead of judging without a probe after a second retry budget.
    """
    try:
        probe = find_probe(client(session, "lambda"), suspect_name, scan=False)
    except AwsAccessError as error:
        cause = error.__cause__
        if isinstance(cause, botocore.exceptions.ClientError) and is_denied(error_code(cause)):
            return None
        if isinstance(cause, UNREACHABLE):
            raise cause from None  # the CLI names the endpoint and the call (exit 3)
        raise
    return probe


def known_cause(reason_code: str) -> str:
    """ " (SUB001 subnet-out-of-ips: ...)" when the reason code is a known finding, else ""."""
    found = finding_for_reason(reason_code)
    if found is None:
        return ""
    code, name = found
    return f" ({code} {name}: 'vpcprobe explain {code}' says how to fix it)"


def wait_for(
    lambda_client: Any, waiter: str, function_name: str, progress: Progress, what: str
) -> dict[str, Any]:
    """Wait with a botocore waiter, reporting each poll's state; raise on Failed."""
    started = time.monotonic()

    def report(parsed: dict[str, Any], **_: Any) -> None:
        configuration = parsed.get("Configuration", {})
        state = configuration.get("State", "?")
        update = configuration.get("LastUpdateStatus")
        reason = configuration.get("StateReasonCode") or configuration.get(
            "LastUpdateStatusReasonCode"
        )
        detail = f"{state}" + (f", update {update}" if update else "")
        detail += f" ({reason})" if reason else ""
        progress(
            f"waiting for {function_name} {what}: {detail}, {time.monotonic() - started:.0f} s"
        )

    event = "after-call.lambda.GetFunction"
    lambda_client.meta.events.register(event, report, unique_id="vpcprobe-wait-progress")
    try:
        lambda_client.get_waiter(waiter).wait(
            FunctionName=function_name,
            WaiterConfig={"Delay": WAIT_DELAY_S, "MaxAttempts": WAIT_MAX_ATTEMPTS},
        )
    except botocore.exceptions.WaiterError as error:
        last = error.last_response or {}
        if last.get("Error", {}).get("Code"):
            raise_aws_error(
                botocore.exceptions.ClientError(last, "GetFunction"), "lambda:GetFunction"
            )
        configuration = last.get("Configuration", {})
        # A failed update leaves State Active: its reason is in the LastUpdateStatus fields.
        prefix = (
            "LastUpdateStatus" if configuration.get("LastUpdateStatus") == "Failed" else "State"
        )
        if configuration.get(prefix) == "Failed":
            code = configuration.get(f"{prefix}ReasonCode", "unknown")
            reason = configuration.get(f"{prefix}Reason", "")
            raise DeployFailedError(
                f"the probe function {function_name} failed to become ready: {code}: {reason}"
                + known_cause(str(code))
            ) from error
        raise DeployFailedError(
            f"the probe function {function_name} is still not ready after "
            f"{WAIT_DELAY_S * WAIT_MAX_ATTEMPTS // 60} minutes (state "
            f"{configuration.get('State', 'unknown')}); run the same deploy again later"
        ) from error
    finally:
        lambda_client.meta.events.unregister(event, unique_id="vpcprobe-wait-progress")
    return dict(lambda_client.get_function(FunctionName=function_name)["Configuration"])


def _ensure_log_group(logs: Any, name: str, tags: dict[str, str], progress: Progress) -> None:
    # The role may not create its own group (least privilege), so the group is made here.
    try:
        logs.create_log_group(logGroupName=name, tags=tags)
        logs.put_retention_policy(logGroupName=name, retentionInDays=LOG_RETENTION_DAYS)
        progress(f"created log group {name}")
    except AwsErrors as error:
        if error_code(error) != "ResourceAlreadyExistsException":
            raise_aws_error(error, "logs:CreateLogGroup")


def _create_function(
    lambda_client: Any,
    parameters: dict[str, Any],
    *,
    role_just_created: bool,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    attempts = ROLE_RETRY_ATTEMPTS if role_just_created else 1
    for attempt in range(1, attempts + 1):
        try:
            created: dict[str, Any] = lambda_client.create_function(**parameters)
            return created
        except botocore.exceptions.ClientError as error:
            message = str(error.response.get("Error", {}).get("Message", ""))
            if any(text in message for text in _ROLE_NOT_READY) and attempt < attempts:
                sleep(ROLE_RETRY_DELAY_S)
                continue
            raise_aws_error(
                error,
                "lambda:CreateFunction",
                "grant lambda:CreateFunction and iam:PassRole on the probe's role",
            )
        except botocore.exceptions.BotoCoreError as error:
            raise_aws_error(error, "lambda:CreateFunction")
    raise AssertionError("unreachable")  # pragma: no cover


def _same_network(configuration: dict[str, Any], network: ProbeNetwork) -> bool:
    current = configuration.get("VpcConfig") or {}
    architectures = configuration.get("Architectures") or ["x86_64"]
    return (
        set(current.get("SubnetIds") or ()) == set(network.subnet_ids)
        and set(current.get("SecurityGroupIds") or ()) == set(network.security_group_ids)
        and bool(current.get("Ipv6AllowedForDualStack", False))
        == network.ipv6_allowed_for_dual_stack
        and architectures[0] == network.architecture
    )


def deploy(
    session: Any,
    function: str,
    *,
    role_arn: str | None = None,
    layer_zip: Path | None = None,
    schedule: str | None = None,
    canary_request: dict[str, Any] | None = None,
    progress: Progress = _quiet,
    sleep: Callable[[float], None] = time.sleep,
) -> DeployResult:
    """Create the probe beside `function`, or bring it up to the suspect's current network."""
    if schedule is not None:
        schedule = check_expression(schedule)
    lambda_client = client(session, "lambda")
    suspect = read_suspect(lambda_client, function)
    network = suspect.network
    name = probe_function_name(suspect.name)
    tags = managed_tags(suspect.name)
    existing = find_probe(lambda_client, suspect.name)
    if existing is None:
        _refuse_foreign_function(lambda_client, name)
    # Local checks first, then the role (the call most often denied), then the rest, so a
    # refusal leaves as little as possible behind.
    zip_file = _layer_zip(network.architecture, layer_zip, progress)
    result = DeployResult(name, "")
    role_created = False
    if existing is None and role_arn is None:
        group_arn = log_group_arn(suspect.region, suspect.account, name)
        boundary = boundary_policy_arn(suspect.arn.split(":")[1], suspect.account)
        role_arn, role_created = ensure_role(
            client(session, "iam"), name, group_arn, tags, progress, boundary_arn=boundary
        )
        if role_created:
            result.actions.append(f"created IAM role {name} with inline policy vpcprobe-probe")
    layer = publish_layer(lambda_client, zip_file, progress)
    if layer.published:
        result.actions.append(f"published layer version {layer.arn}")
    handler = CANARY_HANDLER if schedule else PROBE_HANDLER
    if existing is None and role_arn is not None:  # the role is always known when creating
        try:
            result.function_arn = _create(
                session,
                lambda_client,
                suspect,
                name,
                tags,
                layer.arn,
                handler,
                role_arn,
                role_created,
                progress,
                sleep,
                result,
            )
        except AwsAccessError:
            # No function refers to a version published just now: take it back rather than
            # leave it where `destroy` (which finds layers through the probe) cannot see it.
            if layer.published:
                delete_layer_versions(lambda_client, [layer.arn], name)
            raise
    elif existing is not None:
        result.function_name = str(existing["FunctionName"])
        result.function_arn = str(existing["FunctionArn"])
        _update(lambda_client, existing, network, layer.arn, role_arn, schedule, progress, result)
    if schedule is not None:
        rule = canary_rule_name(suspect.name)
        changed = ensure_schedule(
            client(session, "events"),
            lambda_client,
            rule_name=rule,
            function_arn=result.function_arn,
            expression=schedule,
            request=canary_request or {},
            tags=tags,
        )
        if changed:
            result.actions.append(f"scheduled the canary: EventBridge rule {rule} ({schedule})")
    return result


def _layer_zip(architecture: str, given: Path | None, progress: Progress) -> LayerZip:
    return locate_layer_zip(PROBE_PYTHON, architecture, given=given, progress=progress)


def _refuse_foreign_function(lambda_client: Any, name: str) -> None:
    try:
        tags = lambda_client.get_function(FunctionName=name).get("Tags", {})
    except AwsErrors as error:
        if error_code(error) == "ResourceNotFoundException":
            return
        raise_aws_error(error, "lambda:GetFunction")
    if tags.get(TAG_MANAGED) != "true":
        raise BadInputError(
            f"a function named {name} exists and was not created by vpcprobe: "
            "vpcprobe will not change it"
        )


def _create(
    session: Any,
    lambda_client: Any,
    suspect: Suspect,
    name: str,
    tags: dict[str, str],
    layer_arn: str,
    handler: str,
    role_arn: str,
    role_created: bool,
    progress: Progress,
    sleep: Callable[[float], None],
    result: DeployResult,
) -> str:
    _ensure_log_group(client(session, "logs"), f"/aws/lambda/{name}", tags, progress)
    progress(f"creating probe function {name} in {', '.join(suspect.network.subnet_ids)}")
    created = _create_function(
        lambda_client,
        {
            "FunctionName": name,
            "Runtime": f"python{PROBE_PYTHON}",
            "Role": role_arn,
            "Handler": handler,
            "Code": {"ZipFile": probe_code_zip()},
            "Description": f"vpcprobe probe with the network identity of {suspect.name}",
            "Timeout": PROBE_TIMEOUT_S,
            "MemorySize": PROBE_MEMORY_MB,
            "Publish": False,
            "VpcConfig": vpc_config(suspect.network),
            "Architectures": [suspect.network.architecture],
            "Layers": [layer_arn],
            "Tags": tags,
        },
        role_just_created=role_created,
        sleep=sleep,
    )
    result.actions.append(f"created probe function {name}")
    wait_for(lambda_client, "function_active_v2", name, progress, "to become Active")
    return str(created["FunctionArn"])


def _update(
    lambda_client: Any,
    existing: dict[str, Any],
    network: ProbeNetwork,
    layer_arn: str,
    role_arn: str | None,
    schedule: str | None,
    progress: Progress,
    result: DeployResult,
) -> None:
    name = str(existing["FunctionName"])
    architecture = (existing.get("Architectures") or ["x86_64"])[0]
    try:
        if architecture != network.architecture:
            progress(f"changing {name} to {network.architecture}")
            lambda_client.update_function_code(
                FunctionName=name,
                ZipFile=probe_code_zip(),
                Architectures=[network.architecture],
            )
            wait_for(lambda_client, "function_updated_v2", name, progress, "to update")
            result.actions.append(
                f"changed the architecture of {name} from {architecture} to {network.architecture}"
            )
        changes: dict[str, Any] = {}
        if not _same_network({**existing, "Architectures": [network.architecture]}, network):
            changes["VpcConfig"] = vpc_config(network)
            result.actions.append(f"updated the VpcConfig of {name} to the suspect's current one")
        if [layer["Arn"] for layer in existing.get("Layers", [])] != [layer_arn]:
            changes["Layers"] = [layer_arn]
            result.actions.append(f"updated the layer of {name} to {layer_arn}")
        if role_arn is not None and existing.get("Role") != role_arn:
            changes["Role"] = role_arn
            result.actions.append(f"changed the role of {name} to {role_arn}")
        if schedule is not None and existing.get("Handler") != CANARY_HANDLER:
            changes["Handler"] = CANARY_HANDLER
            result.actions.append(f"changed the handler of {name} to {CANARY_HANDLER}")
        if changes:
            progress(f"updating {name}")
            lambda_client.update_function_configuration(FunctionName=name, **changes)
            wait_for(lambda_client, "function_updated_v2", name, progress, "to update")
        elif existing.get("State") in ("Pending", "Failed"):
            # Nothing to change, but the probe is not usable yet (or never became so): say so.
            wait_for(lambda_client, "function_active_v2", name, progress, "to become Active")
    except AwsErrors as error:
        raise_aws_error(error, "lambda:UpdateFunctionConfiguration")
    if "Layers" in changes:
        _delete_replaced_layers(lambda_client, existing, layer_arn, progress, result)


def _delete_replaced_layers(
    lambda_client: Any,
    existing: dict[str, Any],
    layer_arn: str,
    progress: Progress,
    result: DeployResult,
) -> None:
    # `destroy` finds layer versions through the probe: a version the probe no longer uses
    # would be left behind for good, so it goes now unless another function uses it.
    replaced = [layer["Arn"] for layer in existing.get("Layers", []) if layer["Arn"] != layer_arn]
    try:
        deleted = delete_layer_versions(
            lambda_client, replaced, owner=str(existing["FunctionName"])
        )
    except AwsAccessError as error:
        # The probe is up to date; a version left behind is worth a warning, not a failure.
        progress(f"could not delete the replaced layer version: {error.message}")
        return
    result.actions += [f"deleted the replaced {item}" for item in deleted]


def _functions_using(lambda_client: Any, excluding: str) -> set[str]:
    used: set[str] = set()
    for page in lambda_client.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            if function["FunctionName"] != excluding:
                used.update(layer["Arn"] for layer in function.get("Layers", []))
    return used


def destroy(session: Any, function: str, progress: Progress = _quiet) -> list[str]:
    """Remove what `deploy --like function` created (found by tag); return what was removed."""
    suspect = function_name_from(function)
    lambda_client = client(session, "lambda")
    name = probe_function_name(suspect)
    removed = delete_schedule(client(session, "events"), canary_rule_name(suspect))
    probe = find_probe(lambda_client, suspect)
    role_name = name
    layers: Sequence[str] = ()
    if probe is not None:
        name = str(probe["FunctionName"])
        role_name = str(probe.get("Role", "")).rsplit("/", 1)[-1]
        layers = [layer["Arn"] for layer in probe.get("Layers", [])]
        progress(f"deleting probe function {name}")
        try:
            lambda_client.delete_function(FunctionName=name)
        except AwsErrors as error:
            raise_aws_error(error, "lambda:DeleteFunction")
        removed.append(f"Lambda function {name}")
    removed += delete_role(client(session, "iam"), role_name, suspect)
    removed += _delete_log_group(client(session, "logs"), f"/aws/lambda/{name}", suspect)
    if layers:
        removed += delete_layer_versions(lambda_client, layers, name)
    return removed


def delete_layer_versions(lambda_client: Any, layers: Sequence[str], owner: str) -> list[str]:
    """Delete vpcprobe's layer versions among `layers` that no function but `owner` uses."""
    removed: list[str] = []
    try:
        in_use = _functions_using(lambda_client, owner)
        for arn in layers:
            parts = layer_arn_parts(arn)
            if parts is None or not parts[0].startswith(LAYER_PREFIX) or arn in in_use:
                continue
            lambda_client.delete_layer_version(LayerName=parts[0], VersionNumber=parts[1])
            removed.append(f"layer version {arn}")
    except AwsErrors as error:
        raise_aws_error(error, "lambda:DeleteLayerVersion")
    return removed


def _delete_log_group(logs: Any, group: str, suspect: str) -> list[str]:
    try:
        tags = logs.list_tags_log_group(logGroupName=group).get("tags", {})
        if tags.get(TAG_MANAGED) != "true" or tags.get(TAG_LIKE) != suspect:
            return []
        logs.delete_log_group(logGroupName=group)
    except AwsErrors as error:
        if error_code(error) == "ResourceNotFoundException":
            return []
        raise_aws_error(error, "logs:DeleteLogGroup")
    return [f"log group {group}"]
