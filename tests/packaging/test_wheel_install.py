"""The wheel, installed in a fresh virtual environment, is the whole tool: no checkout needed.

Built with `python -m build` (as `make dist` does), installed with pip, and run from a temp
directory against the moto server: `vpcprobe --help`, `rules` and `deploy --like`, the last
building the probe layer from the installed package (pip downloads the pinned wheels).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import aws_scenarios
from tests.support.moto_server import MotoServer

pytestmark = [pytest.mark.slow, pytest.mark.moto]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv holding only the built wheel and its dependencies."""
    pytest.importorskip("build", reason="`python -m build` (the dev extra) builds the wheel")
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = out.glob("vpcprobe-*.whl")
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", str(wheel)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stderr[-2000:]
    return venv / "bin"


def _run(
    bin_dir: Path, cwd: Path, env: dict[str, str], *argv: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "vpcprobe"), *argv],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip


def test_the_installed_wheel_deploys_a_probe_from_outside_the_checkout(
    installed: Path, aws: MotoServer, tmp_path: Path
) -> None:
    scenario = aws_scenarios.build_healthy(aws.session())
    work = tmp_path / "elsewhere"
    work.mkdir()
    cache = tmp_path / "cache"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV")) and key != "PATH"
    }
    env.update(PATH=f"{installed}:/usr/bin:/bin", VPCPROBE_CACHE_DIR=str(cache))
    env["AWS_ENDPOINT_URL"] = aws.url

    helped = _run(installed, work, env, "--help")
    assert helped.returncode == 0 and "deploy" in helped.stdout
    listed = _run(installed, work, env, "rules")
    assert listed.returncode == 0 and "DNS002" in listed.stdout

    deployed = _run(installed, work, env, "deploy", "--like", scenario.function_name)

    assert deployed.returncode == 0, deployed.stderr
    assert "probe function: arn:aws:lambda:us-east-1:" in deployed.stdout
    assert "building the probe layer for python3.13" in deployed.stderr
    (layer,) = cache.glob("layers/*/vpcprobe-layer-python3.13-*.zip")
    names = zipfile.ZipFile(layer).namelist()
    assert "python/vpcprobe/handler.py" in names and "vpcprobe-wrapper" in names
    assert any(n.startswith("python/pydantic_core/_pydantic_core.cpython-313-") for n in names)
    assert not any(n.startswith("python/vpcprobe_collector") for n in names)
    assert list(work.iterdir()) == []  # nothing written where it ran
