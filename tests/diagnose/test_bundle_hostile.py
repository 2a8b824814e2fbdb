"""`vpcprobe analyze` on bundles an attacker built: exit 2, one line, bounded memory.

Every hostile bundle is built here from a real one (zipfile plus byte patching of the local and
central headers), so no binary is checked in.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.report.samples import diagnosis
from vpcprobe_collector import cli
from vpcprobe_collector.bundle import (
    LIMITS_TEXT,
    MAX_JSON_DEPTH,
    MAX_JSON_VALUES,
    MAX_MEMBERS,
    json_depth_exceeds,
    write_bundle,
)

PEAK_RSS_BOUND_MB = 400  # generous: the figure itself is printed by bench/bundle_hostile.py


def good_bundle(path: Path) -> Path:
    write_bundle(path, diagnosis())
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path: Path, replace: dict[str, bytes | None], *, stored: bool = False) -> Path:
    """The bundle with some members replaced (None drops one); the rest kept as they were."""
    kept = members(path)
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in {**kept, **replace}.items():
            if data is not None:
                archive.writestr(name, data)
    return path


def patch_header(path: Path, name: str, **fields: int) -> Path:
    """Set fields (flags, method, crc, file_size) of `name` in both its local and central header."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    # local header: flags @6, method @8, crc @14, sizes @18/@22; central: +2 for "made by"
    layout = {"flags": (6, "<H"), "method": (8, "<H"), "crc": (14, "<I"), "file_size": (22, "<I")}
    central = 0
    while (central := data.find(b"PK\x01\x02", central + 1)) != -1:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + length] == name.encode():
            break
    assert central != -1 and data[local : local + 4] == b"PK\x03\x04"
    for field, value in fields.items():
        offset, fmt = layout[field]
        struct.pack_into(fmt, data, local + offset, value)
        struct.pack_into(fmt, data, central + offset + 2, value)
    path.write_bytes(bytes(data))
    return path


def flip_stored_byte(path: Path, name: str) -> Path:
    """Change one byte of a stored member's data: its CRC no longer matches."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 5] ^= 0x20
    path.write_bytes(bytes(data))
    return path


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def bomb(path: Path, name: str, inflated: int, *, claim: int | None = None) -> Path:
    """A member of `inflated` bytes of JSON whitespace, its header claiming `claim` bytes."""
    good_bundle(path)
    kept = members(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in kept.items():
            if member != name:
                archive.writestr(member, data)
        with archive.open(name, "w", force_zip64=False) as stream:
            stream.write(b"{")
            block = b" " * (1024 * 1024)
            for _ in range(inflated // len(block)):
                stream.write(block)
            stream.write(b"}")
    if claim is not None:
        patch_header(path, name, file_size=claim)
    return path


def ten_big_probe_members(path: Path) -> Path:
    good_bundle(path)
    for index in range(1, 11):
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"probe-{index:02d}.json", b"[" + b" " * (50 * 1024 * 1024) + b"]")
    return path


def many_members(path: Path) -> Path:
    good_bundle(path)
    with zipfile.ZipFile(path, "a") as archive:
        for index in range(MAX_MEMBERS + 1):
            archive.writestr(f"extra-{index}.txt", b"")
    return path


def total_too_large(path: Path) -> Path:
    # each probe member under its own 8 MiB limit, all of them far over 128 MiB
    report = members(good_bundle(path))["probe-1.json"]
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        for index in range(1, 20):
            archive.writestr(f"probe-{index:02d}.json", report + b" " * (7 * 1024 * 1024))
    return path


Build = Callable[[Path], Path]

CASES: dict[str, tuple[Build, str]] = {
    "empty file": (lambda p: (p.write_bytes(b""), p)[1], "not a readable zip file"),
    "not a zip": (lambda p: (p.write_bytes(b"PK\x03\x04 garbage"), p)[1], "not a readable zip"),
    "truncated": (
        lambda p: (p.write_bytes(good_bundle(p).read_bytes()[:-200]), p)[1],
        "not a readable zip file",
    ),
    "truncated member data": (
        lambda p: patch_header(good_bundle(p), "snapshot.json", file_size=10**6),
        "its header says 1000000)",
    ),
    "bad CRC": (
        lambda p: flip_stored_byte(rewrite(good_bundle(p), {}, stored=True), "manifest.json"),
        "manifest.json: damaged (Bad CRC-32",
    ),
    "encrypted flag": (
        lambda p: patch_header(good_bundle(p), "snapshot.json", flags=0x1),
        "snapshot.json: encrypted; a vpcprobe bundle is never encrypted",
    ),
    "unknown compression method": (
        lambda p: patch_header(good_bundle(p), "probe-1.json", method=99),
        "probe-1.json: compression method 99; vpcprobe reads stored or deflated members only",
    ),
    "manifest not JSON": (
        lambda p: rewrite(good_bundle(p), {"manifest.json": b"{nope"}),
        "manifest.json is not valid JSON",
    ),
    "manifest wrong schema": (
        lambda p: rewrite(good_bundle(p), {"manifest.json": b'{"function_name": 7}'}),
        "manifest.json: ",
    ),
    "manifest missing": (
        lambda p: rewrite(good_bundle(p), {"manifest.json": None}),
        "no manifest.json inside",
    ),
    "snapshot not JSON": (
        lambda p: rewrite(good_bundle(p), {"snapshot.json": b"\xff\xfe\x00garbage"}),
        "is not valid JSON",
    ),
    "snapshot wrong schema": (
        lambda p: rewrite(
            good_bundle(p),
            {"snapshot.json": b'{"collector_version": "1", "schema_version": 1, "vpc": 5}'},
        ),
        "snapshot.json: not a valid snapshot",
    ),
    "snapshot nested 200,000 deep": (
        lambda p: rewrite(good_bundle(p), {"snapshot.json": deep(200_000)}),
        f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
    ),
    "snapshot nested deep inside an object": (
        lambda p: rewrite(
            good_bundle(p), {"snapshot.json": b'{"a": "[[[", "b": ' + deep(100_000) + b"}"}
        ),
        f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
    ),
    "probe report nested 200,000 deep": (
        lambda p: rewrite(good_bundle(p), {"probe-1.json": deep(200_000)}),
        f"probe-1.json: JSON nested deeper than {MAX_JSON_DEPTH} levels",
    ),
    "probe report not JSON": (
        lambda p: rewrite(good_bundle(p), {"probe-1.json": b"<html>"}),
        "probe-1.json: the answer is not JSON",
    ),
    "probe report wrong schema": (
        lambda p: rewrite(good_bundle(p), {"probe-1.json": b'{"probe_version": "x"}'}),
        "probe-1.json: the probe report has schema_version None",
    ),
    "member name with control characters": (
        lambda p: rewrite(good_bundle(p), {"probe-\x1b[2J\n# forged.json": b"[]"}),
        "probe-\\x1b[2J\\x0a# forged.json: ",
    ),
    "header under-states a 1 GB member": (
        lambda p: bomb(p, "snapshot.json", 1024 * 1024 * 1024, claim=1000),
        # zipfile stops at the size the header gives; what it read then fails its CRC
        "snapshot.json: damaged (Bad CRC-32 for file 'snapshot.json')",
    ),
    "header states a 1 GB member": (
        lambda p: bomb(p, "snapshot.json", 40 * 1024 * 1024),
        "snapshot.json: says it inflates to 41943042 bytes; the limit is 32 MiB",
    ),
    "ten ~50 MB probe members": (
        ten_big_probe_members,
        "probe-01.json: says it inflates to 52428802 bytes; the limit is 8 MiB",
    ),
    "total inflated size": (total_too_large, "inflate to more than 128 MiB in all"),
    "too many members": (many_members, f"members; a bundle holds at most {MAX_MEMBERS}"),
}
HEAVY = (
    "header under-states a 1 GB member",
    "ten ~50 MB probe members",
    "total inflated size",
    "snapshot nested 200,000 deep",
)


def analyze(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    code = cli.main(["analyze", str(path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_good_bundle_is_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = analyze(capsys, good_bundle(tmp_path / "b.zip"))
    assert code in (1, 4), err  # the sample diagnosis holds a problem: judged, not refused
    assert "orders-api" in out or "DNS" in out
    assert "vpcprobe: error" not in err


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_bundle_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    build, says = CASES[case]
    path = build(tmp_path / "b.zip")
    code, out, err = analyze(capsys, path)
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith(f"vpcprobe: error: {path}: "), err
    assert says in err, err
    assert "Traceback" not in err


# The child's own peak: VmHWM belongs to the memory of this program only, where ru_maxrss
# would also count what the test process held when it forked the child.
MEASURE = """
import sys
from pathlib import Path
from vpcprobe_collector import cli
code = cli.main(["analyze", sys.argv[1]])
status = Path("/proc/self/status").read_text()
peak_kb = int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM:")))
print(peak_kb // 1024, code, file=sys.stderr)
"""


@pytest.mark.parametrize("case", HEAVY)
def test_a_hostile_bundle_costs_bounded_memory(tmp_path: Path, case: str) -> None:
    build, says = CASES[case]
    path = build(tmp_path / "b.zip")
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=300
    )
    *lines, figures = done.stderr.strip().splitlines()
    peak_mb, code = (int(x) for x in figures.split())
    assert code == 2 and len(lines) == 1 and says in lines[0], done.stderr
    assert peak_mb < PEAK_RSS_BOUND_MB, f"{case}: peak RSS {peak_mb} MB"


@pytest.mark.parametrize(
    ("raw", "too_deep"),
    [
        (deep(MAX_JSON_DEPTH), False),
        (deep(MAX_JSON_DEPTH + 1), True),
        (b'{"x": "' + b"[" * 500 + b'"}', False),  # brackets inside a string do not nest
        (b'{"x": "\\"' + b"[" * 500 + b'"}', False),  # nor after an escaped quote
        (json.dumps({"a": [{"b": [1, 2, {"c": "]]]]"}]}]}).encode(), False),
    ],
)
def test_json_depth_is_counted_outside_strings(raw: bytes, too_deep: bool) -> None:
    assert json_depth_exceeds(raw) is too_deep


def test_the_limits_are_stated_in_help_and_readme(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["analyze", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert LIMITS_TEXT in shown
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert LIMITS_TEXT in " ".join(readme.split())


def test_unclosed_strings_are_read_in_one_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A member of 200,000 escaped quotes inside one unclosed string: the depth check reads it
    in one pass (it used to restart at every quote, so such a bundle never finished)."""
    raw = b'"' + b'\\"' * 200_000
    assert json_depth_exceeds(raw) is False
    assert json_depth_exceeds(b'["\\"", [1]]', 1) is True
    path = rewrite(good_bundle(tmp_path / "b.zip"), {"snapshot.json": raw})
    code, _out, err = analyze(capsys, path)
    assert code == 2, err
    assert err.count("\n") == 1 and "snapshot.json" in err and "Traceback" not in err


def test_a_probe_result_nested_too_deep_is_bad_input_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    probe = tmp_path / "deep-probe.json"
    probe.write_text("[" * 200_000, encoding="utf-8")
    snapshot = Path(__file__).resolve().parents[1] / "scenarios" / "healthy" / "snapshot.json"
    code = cli.main(
        ["analyze", "--snapshot", str(snapshot), "--probe-result", str(probe),
         "--target", "10.0.0.5:5432"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2, err
    assert "nested too deep" in err and "Traceback" not in err


def test_a_member_of_millions_of_tiny_values_is_refused_before_parsing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`{"x": [{}, {}, …]}`: a few KB deflated, about 0.9 GB once parsed into Python objects.
    Counted in the same pass as the depth, before any parsing."""
    raw = b'{"x": [' + b"{}," * (MAX_JSON_VALUES // 2 + 1) + b"{}]}"
    path = rewrite(good_bundle(tmp_path / "b.zip"), {"snapshot.json": raw})
    code, _out, err = analyze(capsys, path)
    assert code == 2, err
    assert "snapshot.json" in err and "JSON values" in err and "Traceback" not in err


def test_a_central_directory_too_large_is_refused_before_it_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The end record's stated directory size and entry count are checked before zipfile
    loads the directory (1.5 million entries took 590 MB before)."""
    path = good_bundle(tmp_path / "b.zip")
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    data[at + 12 : at + 16] = struct.pack("<I", 64 * 1024 * 1024)  # a 64 MiB directory
    path.write_bytes(bytes(data))
    code, _out, err = analyze(capsys, path)
    assert code == 2, err
    assert "central directory of 67108864 bytes" in err and "Traceback" not in err
    data[at + 12 : at + 16] = struct.pack("<I", 100)
    data[at + 8 : at + 12] = struct.pack("<HH", 60000, 60000)  # 60,000 entries claimed
    path.write_bytes(bytes(data))
    code, _out, err = analyze(capsys, path)
    assert code == 2 and "60000 members" in err, err
