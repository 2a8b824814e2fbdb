"""Find (or build) the probe layer zip for a runtime and architecture, and publish it once."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vpcprobe
from vpcprobe_collector.aws_errors import is_denied, is_not_found
from vpcprobe_collector.deploy.aws_errors import AwsErrors, error_code, raise_aws_error
from vpcprobe_collector.deploy.names import layer_name
from vpcprobe_collector.errors import BadInputError

Progress = Callable[[str], None]
SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13", "3.14")  # as layer/build_layer.py
PROBE_PYTHON = "3.13"
# How many recent versions to compare before publishing a new one.
REUSE_WINDOW = 10


@dataclass(frozen=True)
class LayerZip:
    """A layer zip on disk with what Lambda needs to know about it."""

    path: Path
    python: str
    architecture: str

    def content(self) -> bytes:
        """The zip's bytes."""
        return self.path.read_bytes()

    def unzipped_size(self) -> int:
        """Bytes once extracted under /opt (counts against the 250 MB limit)."""
        with zipfile.ZipFile(self.path) as archive:
            return sum(info.file_size for info in archive.infolist())


@dataclass(frozen=True)
class PublishedLayer:
    """A layer version in the account; `published` is False when an identical one was reused."""

    arn: str
    published: bool
    code_size: int


def python_of_runtime(runtime: str | None) -> str | None:
    """'python3.13' -> '3.13'; None for anything that is not a Python runtime."""
    if runtime and runtime.startswith("python3."):
        return runtime.removeprefix("python")
    return None


_ZIP_NAME = re.compile(r"vpcprobe-layer-python(3\.\d+)-(x86_64|arm64)\.zip")


def zip_name(python: str, architecture: str) -> str:
    """The file name `layer/build_layer.py` gives the layer zip."""
    return f"vpcprobe-layer-python{python}-{architecture}.zip"


def _source_root() -> Path:
    # In a source checkout vpcprobe lives in <root>/layer/vpcprobe.
    return Path(vpcprobe.__file__).resolve().parents[2]


def _build_tool() -> Path | None:
    tool = _source_root() / "layer" / "build_layer.py"
    return tool if tool.is_file() else None


def _build(tool: Path, python: str, architecture: str, output: Path, progress: Progress) -> Path:
    spec = importlib.util.spec_from_file_location("vpcprobe_build_layer", tool)
    if spec is None or spec.loader is None:
        raise BadInputError(f"cannot load the layer build tool {tool}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    progress(f"building the probe layer for python{python} {architecture} (downloads wheels)")
    archive = output / str(module.archive_name(architecture, python))
    try:
        with tempfile.TemporaryDirectory(prefix="vpcprobe-layer-") as scratch:
            module.build_tree(Path(scratch), architecture, python)
            module.write_zip(Path(scratch), archive)
    except (module.BuildError, OSError) as error:
        raise BadInputError(
            f"building the probe layer failed ({error}); build it with "
            f"'make layer ARCH={architecture} PYTHON={python}' and pass --layer-zip"
        ) from error
    return archive


def locate_layer_zip(
    python: str,
    architecture: str,
    *,
    given: Path | None = None,
    progress: Progress = lambda _message: None,
) -> LayerZip:
    """The layer zip: `given`, else dist/ of the cwd or checkout, else built with build_layer.py."""
    if python not in SUPPORTED_PYTHONS:
        raise BadInputError(
            f"the probe layer is built for Python {', '.join(SUPPORTED_PYTHONS)}, not {python}"
        )
    if given is not None:
        if not given.is_file():
            raise BadInputError(f"layer zip not found: {given}")
        if not zipfile.is_zipfile(given):
            raise BadInputError(f"{given} is not a zip file")
        built_for = _ZIP_NAME.fullmatch(given.name)
        if built_for and built_for.groups() != (python, architecture):
            # pydantic's compiled core only loads on the Python and CPU it was built for.
            raise BadInputError(
                f"{given.name} is built for python{built_for[1]} {built_for[2]}, and this "
                f"function needs python{python} {architecture}: pass "
                f"{zip_name(python, architecture)}"
            )
        return LayerZip(given, python, architecture)
    name = zip_name(python, architecture)
    for folder in (Path.cwd() / "dist", _source_root() / "dist"):
        if (folder / name).is_file():
            return LayerZip(folder / name, python, architecture)
    tool = _build_tool()
    if tool is None:
        raise BadInputError(
            f"no probe layer for python{python} {architecture}: in a vpcprobe checkout run "
            f"'make layer ARCH={architecture} PYTHON={python}', then pass "
            f"--layer-zip dist/{name}"
        )
    return LayerZip(
        _build(tool, python, architecture, _source_root() / "dist", progress), python, architecture
    )


def code_sha256(content: bytes) -> str:
    """Lambda's CodeSha256: base64 of the SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(content).digest()).decode()


def publish_layer(lambda_client: Any, layer: LayerZip, progress: Progress) -> PublishedLayer:
    """Publish the zip as a layer version, or reuse a recent version with the same content."""
    name = layer_name(layer.python, layer.architecture)
    content = layer.content()
    digest = code_sha256(content)
    try:
        versions = lambda_client.list_layer_versions(LayerName=name, MaxItems=REUSE_WINDOW)
        for version in versions.get("LayerVersions", []):
            details = lambda_client.get_layer_version(
                LayerName=name, VersionNumber=version["Version"]
            )
            if details.get("Content", {}).get("CodeSha256") == digest:
                return PublishedLayer(
                    details["LayerVersionArn"], False, int(details["Content"].get("CodeSize", 0))
                )
    except AwsErrors as error:
        # Reuse is an optimisation: without the right to look, publish a new version.
        if not (is_denied(error_code(error)) or is_not_found(error_code(error))):
            raise_aws_error(error, "lambda:ListLayerVersions")
    progress(f"publishing layer {name} ({len(content) // 1024} KiB)")
    try:
        response = lambda_client.publish_layer_version(
            LayerName=name,
            Description=f"vpcprobe {vpcprobe.__version__} probe (vpcprobe:managed=true)",
            Content={"ZipFile": content},
            CompatibleRuntimes=[f"python{layer.python}"],
            CompatibleArchitectures=[layer.architecture],
        )
    except AwsErrors as error:
        raise_aws_error(error, "lambda:PublishLayerVersion")
    return PublishedLayer(
        response["LayerVersionArn"], True, int(response.get("Content", {}).get("CodeSize", 0))
    )


def layer_arn_parts(arn: str) -> tuple[str, int] | None:
    """(layer name, version) of a layer version ARN, or None when it is not one."""
    parts = arn.split(":")
    if len(parts) != 8 or parts[5] != "layer" or not parts[7].isdigit():
        return None
    return parts[6], int(parts[7])
