"""The built layer: its layout, and that it runs a probe with nothing but stdlib and boto3."""

from __future__ import annotations

import json
import os
import platform
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.probe.loopback_servers import listener

ROOT = Path(__file__).resolve().parents[2]
ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine().lower(), platform.machine()
)
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
# What the Lambda Python runtime itself provides next to the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")


@pytest.fixture(scope="module")
def layer_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer built for this Python and this machine, as `make layer` builds it."""
    out = tmp_path_factory.mktemp("dist")
    completed = subprocess.run(
        [sys.executable, str(ROOT / "layer" / "build_layer.py"), "--arch", ARCH,
         "--python", PYTHON, "--output", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    archive = out / f"vpcprobe-layer-python{PYTHON}-{ARCH}.zip"
    assert f"{archive}: " in completed.stdout  # it reports the file and its sizes
    return archive


@pytest.fixture
def runtime_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder holding only boto3 and its dependencies, like the Lambda runtime's."""
    import boto3

    site = Path(boto3.__file__).resolve().parents[1]
    folder = tmp_path / "runtime"
    folder.mkdir()
    for name in RUNTIME_PACKAGES:
        (folder / name).symlink_to(site / name)
    yield folder
    shutil.rmtree(folder)


def test_layout(layer_zip: Path) -> None:
    with zipfile.ZipFile(layer_zip) as zipped:
        infos = zipped.infolist()
    names = [i.filename for i in infos]
    top = {n.split("/", 1)[0] for n in names}
    wrapper = ROOT / "layer" / "vpcprobe-wrapper"
    assert top == ({"python", "vpcprobe-wrapper"} if wrapper.exists() else {"python"})
    for module in ("handler", "runner", "models", "dns_lookup", "tcp_connect", "aws_call"):
        assert f"python/vpcprobe/{module}.py" in names
    assert any(
        n.startswith("python/pydantic_core/_pydantic_core.") and n.endswith(".so") for n in names
    )
    assert any(n.startswith("python/dns/") for n in names)
    # Bytecode ships by default (unchecked-hash, for the target Python), the sources beside it.
    tag = sys.implementation.cache_tag
    for module in ("handler", "runner", "models"):
        assert f"python/vpcprobe/__pycache__/{module}.{tag}.pyc" in names
    assert any(n.startswith("python/pydantic/__pycache__/") for n in names)
    assert not any(n.startswith(("python/boto3/", "python/botocore/")) for n in names)
    assert not any(n.endswith(".dist-info/RECORD") for n in names)
    assert sorted(names) == names  # deterministic order
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    if wrapper.exists():
        mode = next(i for i in infos if i.filename == "vpcprobe-wrapper").external_attr >> 16
        assert stat.S_IMODE(mode) == 0o755


def test_the_extracted_layer_runs_a_probe_alone(
    layer_zip: Path, runtime_dir: Path, tmp_path: Path
) -> None:
    opt = tmp_path / "opt"
    with zipfile.ZipFile(layer_zip) as zipped:
        zipped.extractall(opt)
    program = f"""
import json, sys
sys.path[:0] = [{str(opt / "python")!r}, {str(runtime_dir)!r}]
from vpcprobe.handler import handler
import pydantic, boto3
try:
    import vpcprobe_collector
    collector = True
except ImportError:
    collector = False

class Context:
    def get_remaining_time_in_millis(self):
        return 8000

report = handler(json.loads(sys.argv[1]), Context())
print(json.dumps({{"report": report, "pydantic": pydantic.__file__, "boto3": boto3.__file__,
                  "collector": collector}}))
"""
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\n", encoding="utf-8")
    env = {**os.environ, "VPCPROBE_RESOLV_CONF": str(conf), "POWERTOOLS_LOG_LEVEL": "WARNING"}
    with listener() as port:
        event = {"targets": [f"127.0.0.1:{port}"], "dns_transports": ["tcp"], "timeout_s": 1}
        completed = subprocess.run(
            # -I -S: no site-packages, no PYTHONPATH, no user site: stdlib plus what we add.
            [sys.executable, "-I", "-S", "-c", program, json.dumps(event)],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.splitlines()[-1])
    assert result["pydantic"].startswith(str(opt / "python"))
    assert result["boto3"].startswith(str(runtime_dir))
    assert result["collector"] is False
    report = result["report"]
    assert report["status"] == "ok"
    assert [t["status"] for t in report["tcp"]] == ["open"]
    assert {d["server"] for d in report["dns"]} == set()  # IP targets and endpoints: no names
    assert [a["status"] for a in report["aws"]] == ["connect_failed"]  # boto3 ran its call


def test_bad_arguments_to_the_build_script() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "layer" / "build_layer.py"), "--arch", "sparc"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert completed.returncode == 2
    assert len(completed.stderr.splitlines()) == 1
    assert "invalid choice: 'sparc'" in completed.stderr


SAM = ROOT / ".venv-sam" / "bin" / "sam"


@pytest.mark.slow
@pytest.mark.skipif(not SAM.exists(), reason="aws-sam-cli is not installed: run `make sam-venv`")
def test_sam_build_builds_the_layer_and_the_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No telemetry, and a fresh "last version check" so sam does not ask PyPI for updates.
    config = tmp_path / "sam-config"
    config.mkdir()
    (config / "metadata.json").write_text(
        json.dumps({"telemetryEnabled": False, "lastVersionCheck": time.time()}), encoding="utf-8"
    )
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "HOME": str(tmp_path)}
    env["__SAM_CLI_APP_DIR"] = str(config)
    completed = subprocess.run(
        [str(SAM), "build", "--template-file", str(ROOT / "template.yaml"), "--base-dir", str(ROOT),
         "--build-dir", str(tmp_path / "build"), "--cache-dir", str(tmp_path / "cache")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    layer = tmp_path / "build" / "ProbeLayer"
    assert (layer / "python" / "vpcprobe" / "handler.py").is_file()
    # sam passes no architecture: the layer serves both (the template's Architecture parameter).
    cores = sorted(p.name for p in (layer / "python" / "pydantic_core").glob("_pydantic_core.*.so"))
    assert cores == [
        "_pydantic_core.cpython-313-aarch64-linux-gnu.so",
        "_pydantic_core.cpython-313-x86_64-linux-gnu.so",
    ]
    # Bytecode for the template's Python where this machine has one (`make pythons`; the
    # Makefile that sam runs puts .cache/pythons/bin on PATH).
    from vpcprobe_collector import layer_build

    monkeypatch.setenv("PATH", f"{ROOT / '.cache' / 'pythons' / 'bin'}:{os.environ['PATH']}")
    pyc = layer / "python" / "vpcprobe" / "__pycache__" / "handler.cpython-313.pyc"
    if layer_build.find_interpreter("3.13") is not None:
        assert pyc.is_file()
    else:  # sources only; the build's note is in `sam build --debug` (sam hides make's output)
        assert not pyc.exists()
    assert (tmp_path / "build" / "ProbeFunction" / "app.py").is_file()
    assert "Build Succeeded" in completed.stdout


def test_compiled_layer_ships_bytecode_named_for_opt(tmp_path: Path) -> None:
    """By default: .pyc for the target Python, reproducible, tracebacks pointing at /opt;
    COMPILE=0 ships the sources alone."""
    if shutil.which(f"python{PYTHON}") is None:
        pytest.skip(f"bytecode needs python{PYTHON} on PATH")
    for compile_env, folder in (("1", "layer"), ("0", "plain")):
        completed = subprocess.run(
            [sys.executable, str(ROOT / "layer" / "build_layer.py"), "--arch", ARCH,
             "--python", PYTHON, "--layer-dir", str(tmp_path / folder)],
            capture_output=True, text=True, timeout=600, check=False,
            env={**os.environ, "COMPILE": compile_env},
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr
    tag = sys.implementation.cache_tag
    pyc = tmp_path / "layer" / "python" / "vpcprobe" / "__pycache__" / f"handler.{tag}.pyc"
    data = pyc.read_bytes()
    assert int.from_bytes(data[4:8], "little") == 0b01  # hash-based, unchecked: no mtime
    assert b"/opt/python/vpcprobe/handler.py" in data
    assert (tmp_path / "layer" / "python" / "vpcprobe" / "handler.py").is_file()
    assert not list((tmp_path / "plain").rglob("*.pyc"))
    assert (tmp_path / "plain" / "python" / "vpcprobe" / "handler.py").is_file()


def test_vpcprobe_layer_build_from_the_installed_package(tmp_path: Path) -> None:
    """`vpcprobe layer build`: the same zip, named by --output, bytecode included."""
    from vpcprobe_collector import cli

    output = tmp_path / "probe.zip"
    code = cli.main(["layer", "build", "--python", PYTHON, "--arch", ARCH, "--output", str(output)])
    assert code == 0
    with zipfile.ZipFile(output) as zipped:
        names = zipped.namelist()
    assert "python/vpcprobe/handler.py" in names and "vpcprobe-wrapper" in names
    assert f"python/vpcprobe/__pycache__/handler.{sys.implementation.cache_tag}.pyc" in names
    assert not any(n.startswith("python/vpcprobe_collector") for n in names)
