"""The --bundle zip: snapshot, probe reports, JSON and Markdown reports, and a manifest."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
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
from vpcprobe_collector.report import render
from vpcprobe_collector.report.redact import redact as redact_model
from vpcprobe_collector.report.safe_text import safe_text
from vpcprobe_collector.snapshot.model import VpcSnapshot
from vpcprobe_collector.validation_text import describe

MANIFEST = "manifest.json"
SNAPSHOT = "snapshot.json"
# A bundle may come from anyone: these bound what reading one can cost, whatever it claims.
MAX_MEMBER_BYTES = 32 * 1024 * 1024  # a snapshot is a few MB at most
MAX_PROBE_MEMBER_BYTES = 8 * 1024 * 1024  # a probe report is below Lambda's 6 MB response
MAX_TOTAL_BYTES = 128 * 1024 * 1024  # every member read, inflated, in all
MAX_MEMBERS = 256
MAX_JSON_DEPTH = 64  # a snapshot or report nests about 8 deep
# Objects, arrays and list items in one member: a 1,000-group snapshot holds about 200,000.
# Bounds the memory a parsed member takes (ten million `{}` took about 0.9 GB).
MAX_JSON_VALUES = 2_000_000
LIMITS_TEXT = (
    f"A bundle is read as untrusted input: at most {MAX_MEMBERS} members, "
    f"{MAX_MEMBER_BYTES // 2**20} MiB per member inflated ({MAX_PROBE_MEMBER_BYTES // 2**20} MiB "
    f"per probe report), {MAX_TOTAL_BYTES // 2**20} MiB in all, JSON nested at most "
    f"{MAX_JSON_DEPTH} deep and at most {MAX_JSON_VALUES:,} values."
)
_CHUNK = 1024 * 1024
# A JSON string, or an unterminated one up to the end: without the second form a body of
# unclosed strings made the search restart at every quote (quadratic time).
_STRINGS = re.compile(rb'(?s)"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)')
_BRACKETS = re.compile(rb"[\[\]{}]")


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
    members["report.json"] = render(diagnosis, "json")
    members["report.md"] = render(diagnosis, "markdown")
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


def _shown(name: str) -> str:
    """A member name as it may appear in one line of an error (it comes from the archive)."""
    return safe_text(name)[:120]


class _Budget:
    """What is left of the total inflated size a bundle may reach."""

    def __init__(self) -> None:
        self.left = MAX_TOTAL_BYTES


def _inflate(archive: zipfile.ZipFile, path: Path, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    """The member inflated as a stream and stopped at its limit, whatever its header says."""
    name = _shown(info.filename)
    limit = MAX_PROBE_MEMBER_BYTES if info.filename.startswith("probe-") else MAX_MEMBER_BYTES
    if info.file_size > limit:
        raise BadInputError(
            f"{path}: {name}: says it inflates to {info.file_size} bytes; "
            f"the limit is {_mib(limit)}"
        )
    if info.flag_bits & 0x1:
        raise BadInputError(f"{path}: {name}: encrypted; a vpcprobe bundle is never encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise BadInputError(
            f"{path}: {name}: compression method {info.compress_type}; vpcprobe reads stored "
            "or deflated members only"
        )
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise BadInputError(
                        f"{path}: {name}: inflates to more than {_mib(limit)} (its header says "
                        f"{info.file_size} bytes)"
                    )
                if size > budget.left:
                    raise BadInputError(
                        f"{path}: {name}: the members read so far inflate to more than "
                        f"{_mib(MAX_TOTAL_BYTES)} in all"
                    )
                chunks.append(chunk)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ) as error:
        raise BadInputError(f"{path}: {name}: damaged ({_reason(error)})") from error
    if size != info.file_size:
        raise BadInputError(
            f"{path}: {name}: damaged (inflates to {size} bytes, its header says {info.file_size})"
        )
    budget.left -= size
    return b"".join(chunks)


def _reason(error: BaseException) -> str:
    return safe_text(str(error) or type(error).__name__)[:200]


def _mib(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB"


def _member(
    archive: zipfile.ZipFile, path: Path, name: str, budget: _Budget | None = None
) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise BadInputError(f"{path}: not a vpcprobe bundle (no {name} inside)") from None
    return _inflate(archive, path, info, budget or _Budget())


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside JSON strings nest deeper than `limit` (checked before parsing)."""
    return _depth_exceeds(_STRINGS.sub(b'""', raw), limit)


def _depth_exceeds(stripped: bytes, limit: int) -> bool:
    depth = 0
    for bracket in _BRACKETS.findall(stripped):
        if bracket in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def json_values(stripped: bytes) -> int:
    """About how many objects, arrays and list items JSON holds (strings already removed)."""
    return stripped.count(b"{") + stripped.count(b"[") + stripped.count(b",")


def _checked_json(path: Path, name: str, raw: bytes) -> bytes:
    stripped = _STRINGS.sub(b'""', raw)
    if _depth_exceeds(stripped, MAX_JSON_DEPTH):
        raise BadInputError(
            f"{path}: {_shown(name)}: JSON nested deeper than {MAX_JSON_DEPTH} levels"
        )
    if json_values(stripped) > MAX_JSON_VALUES:
        raise BadInputError(
            f"{path}: {_shown(name)}: more than {MAX_JSON_VALUES:,} JSON values in one member"
        )
    return raw


def _json(path: Path, name: str, raw: bytes) -> Any:
    _checked_json(path, name, raw)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise BadInputError(
            f"{path}: {_shown(name)} is not valid JSON ({_reason(error)})"
        ) from error


# The central directory zipfile loads whole before anything else: bounded from the end
# record first (its size and entry count), so a zip of a million entries is refused unread.
MAX_DIRECTORY_BYTES = 1024 * 1024
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"


def _central_directory(path: Path) -> tuple[int, int]:
    """(entries, bytes) of the zip's central directory as its end records state them; (0, 0)
    when there is no end record (zipfile then says the file is not a zip)."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            start = max(0, size - (22 + 0xFFFF))
            handle.seek(start)
            tail = handle.read()
            at = tail.rfind(_EOCD)
            if at < 0 or len(tail) - at < 22:
                return 0, 0
            entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
            locator = tail.rfind(_ZIP64_LOCATOR, 0, at)
            if (entries == 0xFFFF or directory == 0xFFFFFFFF) and locator >= 0:
                (record_at,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
                handle.seek(record_at)
                record = handle.read(56)
                if record[:4] == _ZIP64_EOCD and len(record) == 56:
                    entries, directory = struct.unpack("<QQ", record[32:48])
            return int(entries), int(directory)
    except (OSError, struct.error):
        return 0, 0


def _open(path: Path) -> zipfile.ZipFile:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such file") from None
    except OSError as error:
        raise BadInputError(f"{path}: cannot read the bundle: {error.strerror}") from error
    if size > MAX_TOTAL_BYTES:
        raise BadInputError(f"{path}: {size} bytes; a bundle is at most {_mib(MAX_TOTAL_BYTES)}")
    entries, directory_bytes = _central_directory(path)
    if entries > MAX_MEMBERS:
        raise BadInputError(f"{path}: {entries} members; a bundle holds at most {MAX_MEMBERS}")
    if directory_bytes > MAX_DIRECTORY_BYTES:
        raise BadInputError(
            f"{path}: a central directory of {directory_bytes} bytes; at most "
            f"{MAX_MEMBERS} members fit in {MAX_DIRECTORY_BYTES} bytes"
        )
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as error:
        raise BadInputError(f"{path}: not a readable zip file ({_reason(error)})") from error
    count = len(archive.infolist())
    if count > MAX_MEMBERS:
        archive.close()
        raise BadInputError(f"{path}: {count} members; a bundle holds at most {MAX_MEMBERS}")
    return archive


def read_bundle(path: Path) -> Bundle:
    """Read a bundle written by write_bundle; BadInputError names the file and the problem.

    The bundle may come from anyone: every member is inflated as a stream and stopped at its
    limit, the member count and total inflated size are bounded, and JSON nesting is checked
    before any parsing.
    """
    budget = _Budget()
    with _open(path) as archive:
        try:
            manifest = Manifest.model_validate(
                _json(path, MANIFEST, _member(archive, path, MANIFEST, budget))
            )
        except ValidationError as error:
            raise BadInputError(f"{path}: {MANIFEST}: {describe(error)}") from error
        if manifest.redacted_addresses:
            raise BadInputError(
                f"{path}: the addresses in this bundle are masked (--redact-addresses), so it "
                "cannot be analysed again; use a bundle written without --redact-addresses"
            )
        snapshot = read_snapshot_bytes(
            _member(archive, path, SNAPSHOT, budget), f"{path}: {SNAPSHOT}"
        )
        reports: list[ProbeReport] = []
        for info in sorted(
            (i for i in archive.infolist() if i.filename.startswith("probe-")),
            key=lambda i: i.filename,
        ):
            name = _shown(info.filename)
            raw = _checked_json(path, info.filename, _inflate(archive, path, info, budget))
            try:
                result = parse_report(raw, source=f"file:{path}!{info.filename}")
            except RecursionError:
                raise BadInputError(f"{path}: {name}: JSON nested too deep") from None
            if isinstance(result, ProbeFailure):
                raise BadInputError(f"{path}: {name}: {_reason(ValueError(result.message))}")
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
