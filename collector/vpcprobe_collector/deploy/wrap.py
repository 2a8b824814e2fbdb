"""Wrapper mode on the suspect itself: add the layer and AWS_LAMBDA_EXEC_WRAPPER, and undo it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vpcprobe_collector.aws import client
from vpcprobe_collector.deploy.aws_errors import AwsErrors, error_code, raise_aws_error
from vpcprobe_collector.deploy.layer_publish import (
    layer_arn_parts,
    locate_layer_zip,
    publish_layer,
    python_of_runtime,
)
from vpcprobe_collector.deploy.names import LAYER_PREFIX, TAG_WRAPPED
from vpcprobe_collector.deploy.probe_function import delete_layer_versions, wait_for
from vpcprobe_collector.errors import BadInputError, VpcprobeError

Progress = Callable[[str], None]
WRAPPER_VARIABLE = "AWS_LAMBDA_EXEC_WRAPPER"
WRAPPER_PATH = "/opt/vpcprobe-wrapper"
MAX_LAYERS = 5
# Function code plus all layers, unzipped (Lambda quota).
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024


@dataclass
class WrapResult:
    """What wrap/unwrap changed (empty when there was nothing to do)."""

    function_name: str
    actions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WrapRecord:
    """What `wrap` changed, kept in the function's `vpcprobe:wrapped` tag for `unwrap`.

    Tag values allow only letters, digits, spaces and `_ . : / = + - @` (no JSON), at most
    256 characters: "<layer version ARN> variable=added|kept".
    """

    layer: str
    added_variable: bool

    def to_tag(self) -> str:
        """The tag value."""
        return f"{self.layer} variable={'added' if self.added_variable else 'kept'}"

    @classmethod
    def from_tag(cls, value: str) -> WrapRecord:
        """Parse the tag; refuse clearly when it was edited into something else."""
        layer, _, variable = value.partition(" variable=")
        if layer_arn_parts(layer) is None or variable not in ("added", "kept"):
            raise BadInputError(
                f"the {TAG_WRAPPED} tag is not what vpcprobe wrote ({value!r}); "
                f"remove the layer and {WRAPPER_VARIABLE} by hand"
            )
        return cls(layer=layer, added_variable=variable == "added")


def _read(
    lambda_client: Any, function: str, progress: Progress
) -> tuple[dict[str, Any], dict[str, str]]:
    try:
        response = lambda_client.get_function(FunctionName=function)
        if response["Configuration"].get("LastUpdateStatus") == "InProgress":
            # Lambda refuses a second update while one runs (ResourceConflictException).
            name = response["Configuration"]["FunctionName"]
            wait_for(lambda_client, "function_updated_v2", name, progress, "to finish updating")
            response = lambda_client.get_function(FunctionName=function)
    except AwsErrors as error:
        if error_code(error) == "ResourceNotFoundException":
            raise BadInputError(
                f"function {function} not found in {lambda_client.meta.region_name}"
            ) from error
        raise_aws_error(error, "lambda:GetFunction")
    return response["Configuration"], response.get("Tags", {})


def _variables(configuration: dict[str, Any]) -> dict[str, str]:
    environment = configuration.get("Environment") or {}
    if environment.get("Error"):
        # Variables Lambda could not decrypt for us: writing the set back would lose them.
        error = environment["Error"]
        raise BadInputError(
            f"cannot read the environment variables of {configuration['FunctionName']} "
            f"({error.get('ErrorCode', 'error')}: {error.get('Message', '')}); changing them "
            "would lose them: grant kms:Decrypt on the function's key, or use "
            "'vpcprobe deploy --like'"
        )
    variables: dict[str, str] = environment.get("Variables") or {}
    return dict(variables)


def _update(
    lambda_client: Any,
    configuration: dict[str, Any],
    changes: dict[str, Any],
    permission: str,
    missing_layer: str | None = None,
) -> None:
    # RevisionId: refuse to overwrite a change someone made since we read the function.
    if configuration.get("RevisionId"):
        changes = {**changes, "RevisionId": configuration["RevisionId"]}
    try:
        lambda_client.update_function_configuration(
            FunctionName=configuration["FunctionName"], **changes
        )
    except AwsErrors as error:
        message = str(getattr(error, "response", {}).get("Error", {}).get("Message", ""))
        if missing_layer and "does not exist" in message and "layer" in message.lower():
            # A layer version we could not read beforehand (another account's) is not there.
            raise BadInputError(_no_such_layer(missing_layer, lambda_client)) from error
        raise_aws_error(error, permission)


def _untag(lambda_client: Any, function_arn: str, progress: Progress) -> None:
    try:
        lambda_client.untag_resource(Resource=function_arn, TagKeys=[TAG_WRAPPED])
    except AwsErrors as error:
        progress(f"could not remove the {TAG_WRAPPED} tag after the failure: {error}")


def _discard(lambda_client: Any, published_arn: str | None, progress: Progress) -> None:
    """Delete a layer version published for a wrap that did not happen (if nothing uses it)."""
    if published_arn is None:
        return
    try:
        delete_layer_versions(lambda_client, [published_arn], owner="")
    except VpcprobeError as error:
        progress(f"could not delete layer version {published_arn}: {error.message}")


def _layer_size(lambda_client: Any, arn: str, known: dict[str, int]) -> int:
    if arn in known:
        return known[arn]
    parts = layer_arn_parts(arn)
    if parts is None:
        return 0
    try:
        details = lambda_client.get_layer_version(LayerName=parts[0], VersionNumber=parts[1])
    except AwsErrors:
        return 0  # another account's layer may not be readable: counted as unknown
    return int(details.get("Content", {}).get("CodeSize", 0))


def _given_layer_size(lambda_client: Any, arn: str) -> int:
    """The size of the --layer-arn version; BadInputError when it does not exist."""
    parts = layer_arn_parts(arn)
    if parts is None:
        return 0
    try:
        details = lambda_client.get_layer_version(LayerName=parts[0], VersionNumber=parts[1])
    except AwsErrors as error:
        if error_code(error) == "ResourceNotFoundException":
            raise BadInputError(_no_such_layer(arn, lambda_client)) from error
        return 0  # another account's layer may not be readable: UpdateFunctionConfiguration says
    return int(details.get("Content", {}).get("CodeSize", 0))


def _no_such_layer(arn: str, lambda_client: Any) -> str:
    return (
        f"--layer-arn {arn}: no such layer version in {lambda_client.meta.region_name} "
        "(check the layer name, version number and region)"
    )


def _is_wrapped(configuration: dict[str, Any], tag: str) -> bool:
    """True when the tag's layer and the wrapper variable are really on the function."""
    try:
        record = WrapRecord.from_tag(tag)
    except BadInputError:
        return False  # not vpcprobe's tag any more: wrapping again overwrites it
    layers = [layer["Arn"] for layer in configuration.get("Layers") or []]
    return record.layer in layers and routes_through_wrapper(configuration)


def routes_through_wrapper(configuration: dict[str, Any]) -> bool:
    """True when the function's AWS_LAMBDA_EXEC_WRAPPER is vpcprobe's (wrapper mode is on)."""
    variables = (configuration.get("Environment") or {}).get("Variables") or {}
    return bool(variables.get(WRAPPER_VARIABLE) == WRAPPER_PATH)


def check_limits(lambda_client: Any, configuration: dict[str, Any], layer_bytes: int) -> None:
    """Refuse when adding the layer would pass 5 layers or the 250 MB unzipped size."""
    name = configuration["FunctionName"]
    layers = configuration.get("Layers") or []
    if len(layers) >= MAX_LAYERS:
        raise BadInputError(
            f"{name} already has {len(layers)} layers, Lambda's maximum is {MAX_LAYERS}: "
            "wrapper mode needs one more; use 'vpcprobe deploy --like' instead"
        )
    # Zipped sizes are all Lambda reports for code and other layers: a lower bound of the
    # unzipped size, so a refusal here is certain and a pass is not a promise.
    known = {layer["Arn"]: int(layer.get("CodeSize", 0)) for layer in layers}
    total = int(configuration.get("CodeSize", 0)) + layer_bytes
    total += sum(_layer_size(lambda_client, layer["Arn"], known) for layer in layers)
    if total > MAX_UNZIPPED_BYTES:
        raise BadInputError(
            f"{name} with the vpcprobe layer would need at least {total / 2**20:.0f} MB "
            f"unzipped, over Lambda's {MAX_UNZIPPED_BYTES // 2**20} MB limit: "
            "use 'vpcprobe deploy --like' instead"
        )


def wrap(
    session: Any,
    function: str,
    *,
    layer_arn: str | None = None,
    layer_zip: Path | None = None,
    progress: Progress = lambda _message: None,
) -> WrapResult:
    """Add the probe layer and AWS_LAMBDA_EXEC_WRAPPER to `function`, recording what changed."""
    if layer_arn is not None and layer_arn_parts(layer_arn) is None:
        raise BadInputError(
            f"--layer-arn {layer_arn}: expected a layer version ARN, "
            "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION"
        )
    given_arn = layer_arn
    lambda_client = client(session, "lambda")
    configuration, tags = _read(lambda_client, function, progress)
    name = str(configuration["FunctionName"])
    result = WrapResult(name)
    if TAG_WRAPPED in tags:
        if _is_wrapped(configuration, tags[TAG_WRAPPED]):
            progress(f"{name} is already wrapped by vpcprobe")
            return result
        # A wrap that stopped between tagging and updating: the tag promises what is not there.
        progress(f"{name} has a {TAG_WRAPPED} tag but not the layer and {WRAPPER_VARIABLE}")
    if configuration.get("PackageType", "Zip") != "Zip":
        raise BadInputError(f"{name} is a container image function: layers cannot be added")
    python = python_of_runtime(configuration.get("Runtime"))
    if python is None:
        raise BadInputError(
            f"{name} runs {configuration.get('Runtime')}: wrapper mode needs a Python runtime; "
            "use 'vpcprobe deploy --like' instead"
        )
    variables = _variables(configuration)
    current_wrapper = variables.get(WRAPPER_VARIABLE)
    if current_wrapper not in (None, WRAPPER_PATH):
        raise BadInputError(
            f"{name} already sets {WRAPPER_VARIABLE}={current_wrapper}: a function has one "
            "wrapper script; use 'vpcprobe deploy --like' instead"
        )
    layers = [layer["Arn"] for layer in configuration.get("Layers") or []]
    for arn in layers:
        parts = layer_arn_parts(arn)
        if parts and parts[0].startswith(LAYER_PREFIX):
            raise BadInputError(f"{name} already has a vpcprobe layer ({arn})")
    if len(layers) >= MAX_LAYERS:  # before building or publishing anything
        check_limits(lambda_client, configuration, 0)
    architecture = (configuration.get("Architectures") or ["x86_64"])[0]
    if layer_arn is None:
        zip_file = locate_layer_zip(python, architecture, given=layer_zip, progress=progress)
        check_limits(lambda_client, configuration, zip_file.unzipped_size())
        published = publish_layer(lambda_client, zip_file, progress)
        layer_arn = published.arn
        if published.published:
            result.actions.append(f"published layer version {layer_arn}")
        published_arn = layer_arn if published.published else None
    else:
        published_arn = None
        check_limits(lambda_client, configuration, _given_layer_size(lambda_client, layer_arn))
    record = WrapRecord(layer=layer_arn, added_variable=current_wrapper is None)
    # The tag goes first so that `unwrap` can always undo a change it records; when the update
    # is refused, the tag (and a layer version published just for it) is taken back.
    try:
        lambda_client.tag_resource(
            Resource=configuration["FunctionArn"], Tags={TAG_WRAPPED: record.to_tag()}
        )
    except AwsErrors as error:
        _discard(lambda_client, published_arn, progress)
        raise_aws_error(error, "lambda:TagResource")
    # First in the list: on a file clash, the function's own layers win (extracted later),
    # so its normal path keeps the packages it was built with.
    progress(f"adding the vpcprobe layer and {WRAPPER_VARIABLE} to {name}")
    try:
        _update(
            lambda_client,
            configuration,
            {
                "Layers": [layer_arn, *layers],
                "Environment": {"Variables": {**variables, WRAPPER_VARIABLE: WRAPPER_PATH}},
            },
            "lambda:UpdateFunctionConfiguration",
            missing_layer=given_arn,
        )
    except VpcprobeError:
        _untag(lambda_client, configuration["FunctionArn"], progress)
        _discard(lambda_client, published_arn, progress)
        raise
    wait_for(lambda_client, "function_updated_v2", name, progress, "to update")
    result.actions.append(f"added layer {layer_arn} to {name}")
    if record.added_variable:
        result.actions.append(f"set {WRAPPER_VARIABLE}={WRAPPER_PATH} on {name}")
    return result


def unwrap(
    session: Any, function: str, *, progress: Progress = lambda _message: None
) -> WrapResult:
    """Restore what `wrap` changed: remove its layer (and the variable if it added it)."""
    lambda_client = client(session, "lambda")
    configuration, tags = _read(lambda_client, function, progress)
    name = str(configuration["FunctionName"])
    result = WrapResult(name)
    if TAG_WRAPPED not in tags:
        return result
    record = WrapRecord.from_tag(tags[TAG_WRAPPED])
    layers = [layer["Arn"] for layer in configuration.get("Layers") or []]
    variables = _variables(configuration)
    changes: dict[str, Any] = {}
    if record.layer in layers:
        layers.remove(record.layer)
        changes["Layers"] = layers
        result.actions.append(f"removed layer {record.layer} from {name}")
    if record.added_variable and variables.get(WRAPPER_VARIABLE) == WRAPPER_PATH:
        del variables[WRAPPER_VARIABLE]
        changes["Environment"] = {"Variables": variables}
        result.actions.append(f"removed {WRAPPER_VARIABLE} from {name}")
    if changes:
        progress(f"restoring {name}")
        _update(lambda_client, configuration, changes, "lambda:UpdateFunctionConfiguration")
        wait_for(lambda_client, "function_updated_v2", name, progress, "to update")
    try:
        lambda_client.untag_resource(Resource=configuration["FunctionArn"], TagKeys=[TAG_WRAPPED])
    except AwsErrors as error:
        raise_aws_error(error, "lambda:UntagResource")
    result.actions.append(f"removed the {TAG_WRAPPED} tag from {name}")
    return result
