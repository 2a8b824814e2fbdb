"""The --bundle zip: snapshot, probe reports, JSON and Markdown reports, and a manifest."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vpcprobe import __version__
from vpcprobe.models import ProbeReport
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import DiagnosisReport, ProbeFailure, TargetSpec
from vpcprobe_collector.probing.payload import parse_report
from vpcprobe_collector.report.json_report import render_json
from vpcprobe_collector.report.markdown import render_markdown
from vpcprobe_collector.report.redact import redact as redact_model
from vpcprobe_collector.snapshot.model import VpcSnapshot
from vpcprobe_collector.validation_text import describe

MANIFEST = "manifest.json"
SNAPSHOT = "snapshot.json"
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # a snapshot is a few MB at most; refuse zip bombs


class Manifest(BaseModel):
    """What the bundle holds and what `analyze` needs besides the snapshot and probe reports."""

    model_config = ConfigDict(extra="ignore")

    bundle_version: int = 1
    vpcprobe_version: str
    created_at: datetime
    function_name: str
    region: str | None = None
    probe_source: str
    redacted_accounts: bool = False
    redacted_addresses: bool = False
    targets: list[TargetSpec] = Field(default_factory=list)
    probe_failures: list[ProbeFailure] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)


@dataclass
class Bundle:
    """A bundle read back: everything `analyze` needs to judge again, offline."""

    manifest: Manifest
    snapshot: VpcSnapshot
    reports: list[ProbeReport] = field(default_factory=list)


def write_bundle(
    path: Path,
    diagnosis: DiagnosisReport,
    *,
    redact: bool = False,
    redact_addresses: bool = False,
) -> None:
    """Write the zip; with `redact`, every file in it is masked, not only the reports."""
    if redact or redact_addresses:
        diagnosis = redact_model(diagnosis, addresses=redact_addresses)
    members: dict[str, str] = {SNAPSHOT: diagnosis.snapshot.model_dump_json(indent=2) + "\n"}
    for index, report in enumerate(diagnosis.probe_reports, start=1):
        members[f"probe-{index}.json"] = report.model_dump_json(indent=2) + "\n"
    members["report.json"] = render_json(diagnosis)
    members["report.md"] = render_markdown(diagnosis)
    manifest = Manifest(
        vpcprobe_version=__version__,
        created_at=datetime.now(UTC),
        function_name=diagnosis.function_name,
        region=diagnosis.region,
        probe_source=diagnosis.probe_source,
        redacted_accounts=redact or redact_addresses,
        redacted_addresses=redact_addresses,
        targets=diagnosis.targets,
        probe_failures=diagnosis.probe_failures,
        notes=diagnosis.notes,
        files=sorted(members),
    )
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, manifest.model_dump_json(indent=2) + "\n")
            for name, text in members.items():
                archive.writestr(name, text)
    except OSError as error:
        raise BadInputError(f"{path}: cannot write the bundle: {error.strerror}") from error


def _member(archive: zipfile.ZipFile, path: Path, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise BadInputError(f"{path}: not a vpcprobe bundle (no {name} inside)") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise BadInputError(f"{path}: {name} is too large ({info.file_size} bytes)")
    return archive.read(info)


def _json(path: Path, name: str, raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError as error:
        raise BadInputError(f"{path}: {name} is not valid JSON ({error})") from error


def read_bundle(path: Path) -> Bundle:
    """Read a bundle written by write_bundle; BadInputError names the file and the problem."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such file") from None
    except (OSError, zipfile.BadZipFile) as error:
        raise BadInputError(f"{path}: not a readable zip file ({error})") from error
    with archive:
        try:
            manifest = Manifest.model_validate(
                _json(path, MANIFEST, _member(archive, path, MANIFEST))
            )
        except ValidationError as error:
            raise BadInputError(f"{path}: {MANIFEST}: {describe(error)}") from error
        if manifest.redacted_addresses:
            raise BadInputError(
                f"{path}: the addresses in this bundle are masked (--redact-addresses), so it "
                "cannot be analysed again; use a bundle written without --redact-addresses"
            )
        snapshot = read_snapshot_bytes(_member(archive, path, SNAPSHOT), f"{path}: {SNAPSHOT}")
        reports: list[ProbeReport] = []
        for name in sorted(n for n in archive.namelist() if n.startswith("probe-")):
            result = parse_report(_member(archive, path, name), source=f"file:{path}!{name}")
            if isinstance(result, ProbeFailure):
                raise BadInputError(f"{path}: {name}: {result.message}")
            reports.append(result)
    return Bundle(manifest=manifest, snapshot=snapshot, reports=reports)


def read_snapshot_bytes(raw: bytes, where: str) -> VpcSnapshot:
    """A saved VpcSnapshot; BadInputError saying `where` and what is wrong."""
    value = _json(Path(where), "the snapshot", raw) if raw.strip() else None
    if not isinstance(value, dict) or "collector_version" not in value:
        raise BadInputError(f"{where}: not a vpcprobe snapshot")
    version = value.get("schema_version")
    if version != 1:
        raise BadInputError(
            f"{where}: snapshot schema_version {version!r}; this vpcprobe reads schema_version 1"
        )
    try:
        return VpcSnapshot.model_validate(value)
    except ValidationError as error:
        raise BadInputError(f"{where}: not a valid snapshot: {describe(error)}") from error


def read_snapshot_file(path: Path) -> VpcSnapshot:
    """A snapshot JSON file (from `vpcprobe snapshot` or a bundle)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BadInputError(f"{path}: cannot read the snapshot: {error.strerror}") from error
    return read_snapshot_bytes(raw, str(path))
