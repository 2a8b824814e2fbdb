"""Find (or build) the probe layer zip for a runtime and architecture, and publish it once."""

from __future__ import annotations

import base64
import hashlib
import re
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


def zip_name(python: str, architecture: str) -> str:
    """The file name `layer/build_layer.py` gives the layer zip."""
    return f"vpcprobe-layer-python{python}-{architecture}.zip"


def _source_root() -> Path:
    # In a source checkout vpcprobe lives in <root>/layer/vpcprobe.
    return Path(vpcprobe.__file__).resolve().parents[2]


_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"'\n]{1,64})["']""", re.M)


def zip_version(path: Path) -> str | None:
    """The vpcprobe version a layer zip holds (python/vpcprobe/__init__.py), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            text = archive.read("python/vpcprobe/__init__.py")[:65536].decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RuntimeError):
        return None
    found = _VERSION.search(text)
    return found.group(1) if found else None


def check_layer_zip(given: Path) -> set[tuple[str, str]]:
    """A --layer-zip, checked before any AWS call: a probe layer (python/vpcprobe/handler.py
    and pydantic's compiled core); the (Python, architecture) pairs it serves."""
    from vpcprobe_collector import layer_build

    try:
        return layer_build.inspect_zip(given)
    except layer_build.BuildError as error:
        raise BadInputError(f"--layer-zip {error}") from None


def locate_layer_zip(
    python: str,
    architecture: str,
    *,
    given: Path | None = None,
    progress: Progress = lambda _message: None,
) -> LayerZip:
    """The layer zip: `given` (checked against the function's Python and architecture), else
    dist/ of the cwd or checkout, else built from this installation into the user cache."""
    if python not in SUPPORTED_PYTHONS:
        raise BadInputError(
            f"the probe layer is built for Python {', '.join(SUPPORTED_PYTHONS)}, not {python}"
        )
    if given is not None:
        served = check_layer_zip(given)
        if (python, architecture) not in served:
            # pydantic's compiled core only loads on the Python and CPU it was built for.
            built = ", ".join(f"python{p} {a}" for p, a in sorted(served))
            raise BadInputError(
                f"{given.name} is built for {built}, and this function needs python{python} "
                f"{architecture}: pass {zip_name(python, architecture)} "
                f"(vpcprobe layer build --python {python} --arch {architecture})"
            )
        return LayerZip(given, python, architecture)
    name = zip_name(python, architecture)
    for folder in (Path.cwd() / "dist", _source_root() / "dist"):
        if not (folder / name).is_file():
            continue
        held = zip_version(folder / name)
        if held != vpcprobe.__version__:
            what = f"vpcprobe {held}" if held else "no readable vpcprobe version"
            progress(
                f"skipping the stale probe layer {folder / name}: it holds {what}, "
                f"this is vpcprobe {vpcprobe.__version__}"
            )
            continue
        progress(f"using the probe layer {folder / name}")
        return LayerZip(folder / name, python, architecture)
    from vpcprobe_collector import layer_build

    try:
        archive = layer_build.cached_layer(architecture, python, progress)
    except (layer_build.BuildError, OSError) as error:
        raise BadInputError(
            f"building the probe layer failed ({error}); build it with 'vpcprobe layer build "
            f"--python {python} --arch {architecture}' and pass --layer-zip"
        ) from error
    return LayerZip(archive, python, architecture)


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
