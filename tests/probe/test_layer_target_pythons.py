"""Layers for the Lambda runtimes' Pythons (3.12, 3.13, 3.14) ship bytecode that Python loads.

Each version needs its own interpreter on PATH to compile with: `make pythons` puts them in
`.cache/pythons/bin` (Debian's CPython 3.13 and 3.14; CPython 3.12 as Pyodide, WebAssembly
under Node.js, since no Debian suite has 3.12 now), and `make test` does that first. Where one
is missing the test says how to get it and skips.

The layer is built as a user builds it (`vpcprobe layer build --python X.Y`), then checked by
that interpreter itself: every `.py` has a `.pyc` for its cache tag, with its magic number,
unchecked-hash flags and the hash of the source beside it, and marshal reads it. With a native
interpreter (3.13, 3.14; 3.12 where pyenv has one) the extracted layer then runs a probe with
nothing compiled from source: the import system's compile step is watched and must not see a
file of the layer, and pydantic's compiled core for that Python loads.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.probe.loopback_servers import listener
from vpcprobe_collector import layer_build

ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64"}.get(platform.machine(), "")
CHECK = """
import importlib.util, json, marshal, sys
from pathlib import Path
site = Path(sys.argv[1])
tag = sys.implementation.cache_tag
good, bad, missing = 0, [], []
for source in sorted(site.rglob("*.py")):
    pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
    if not pyc.exists():
        missing.append(str(source.relative_to(site)))
        continue
    data = pyc.read_bytes()
    if (data[:4] == importlib.util.MAGIC_NUMBER
            and int.from_bytes(data[4:8], "little") == 0b01
            and data[8:16] == importlib.util.source_hash(source.read_bytes())):
        marshal.loads(data[16:])
        good += 1
    else:
        bad.append(str(source.relative_to(site)))
print(json.dumps({"tag": tag, "good": good, "bad": bad, "missing": missing}))
"""
PROBE = """
import json, sys
import importlib._bootstrap_external as external
compiled = []
original = external.SourceLoader.source_to_code
def watched(self, data, path, *args, **kwargs):
    compiled.append(str(path))
    return original(self, data, path, *args, **kwargs)
external.SourceLoader.source_to_code = watched
opt, runtime = sys.argv[2], sys.argv[3]
sys.path[:0] = [opt, runtime]
from vpcprobe.handler import handler
import pydantic, pydantic_core._pydantic_core as core
class Context:
    def get_remaining_time_in_millis(self):
        return 8000
report = handler(json.loads(sys.argv[1]), Context())
print(json.dumps({"report": report, "version": "%d.%d" % sys.version_info[:2],
                  "core": core.__file__,
                  "from_source": [p for p in compiled if p.startswith(opt)]}))
"""


def interpreter(version: str) -> str:
    found = layer_build.find_interpreter(version)  # one that runs (not a pyenv shim)
    if found is None:
        pytest.skip(
            f"no python{version} on PATH to compile its bytecode: run `make pythons` "
            "(root and apt-get for 3.13/3.14, node and npm for 3.12)"
        )
    return found


_BUILT: dict[str, Path] = {}


def build(version: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer for `version`, built once per run as a user builds it."""
    from vpcprobe_collector import cli

    if version not in _BUILT:
        archive = tmp_path_factory.mktemp("layer") / f"layer-{version}.zip"
        command = ["layer", "build", "--python", version, "--arch", ARCH]
        assert cli.main([*command, "--output", str(archive)]) == 0
        _BUILT[version] = archive
    return _BUILT[version]


@pytest.mark.skipif(ARCH != "x86_64", reason="the target interpreters here are x86_64 builds")
@pytest.mark.parametrize("version", ["3.12", "3.13", "3.14"])
def test_layer_for_each_runtime_python_ships_its_bytecode(
    version: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    python = interpreter(version)
    archive = build(version, tmp_path_factory)
    assert "ships sources only" not in capsys.readouterr().err
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(tmp_path / "opt")
    site = tmp_path / "opt" / "python"
    checked = subprocess.run(
        [python, "-c", CHECK, str(site)], capture_output=True, text=True, timeout=300, check=False
    )
    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout.splitlines()[-1])
    assert result["tag"] == f"cpython-{version.replace('.', '')}"
    assert result["bad"] == [] and result["missing"] == []
    assert result["good"] > 100  # the probe, pydantic, dnspython, Powertools


@pytest.mark.skipif(ARCH != "x86_64", reason="the target interpreters here are x86_64 builds")
@pytest.mark.parametrize("version", ["3.12", "3.13", "3.14"])
def test_probe_runs_from_the_layer_with_nothing_compiled_from_source(
    version: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    python = interpreter(version)
    if b"pyodide" in Path(python).resolve().read_bytes()[:4096].lower():
        pytest.skip(f"python{version} here is Pyodide (WebAssembly): no sockets to probe with")
    archive = build(version, tmp_path_factory)
    opt = tmp_path / "opt"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(opt)
    import boto3

    site = Path(boto3.__file__).resolve().parents[1]
    runtime = tmp_path / "runtime"  # what the Lambda runtime adds: boto3 and its dependencies
    runtime.mkdir()
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3"):
        (runtime / name).symlink_to(site / name)
    for path in sorted(opt.rglob("*"), reverse=True):  # read-only, like /opt in Lambda
        path.chmod(path.stat().st_mode & ~0o222)
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\n", encoding="utf-8")
    env = {**os.environ, "VPCPROBE_RESOLV_CONF": str(conf), "POWERTOOLS_LOG_LEVEL": "WARNING"}
    try:
        with listener() as port:
            event = {"targets": [f"127.0.0.1:{port}"], "dns_transports": ["tcp"], "timeout_s": 1}
            completed = subprocess.run(
                [python, "-I", "-S", "-B", "-c", PROBE, json.dumps(event), str(opt / "python"),
                 str(runtime)],
                env=env, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
    finally:  # -B: nothing written beside boto3's sources either
        for path in sorted(opt.rglob("*")):
            path.chmod(path.stat().st_mode | 0o200)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.splitlines()[-1])
    assert result["version"] == version
    assert result["from_source"] == []
    assert f"cpython-{version.replace('.', '')}-x86_64" in result["core"]
    assert result["report"]["status"] == "ok"
    assert [t["status"] for t in result["report"]["tcp"]] == ["open"]
