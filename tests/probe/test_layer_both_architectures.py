"""One layer for x86_64 and arm64 (what `sam build` makes): both cores, and it runs here."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
TAG = f"cpython-{sys.version_info.major}{sys.version_info.minor}"


def test_a_both_architectures_layer_carries_both_cores_and_loads_the_right_one(
    tmp_path: Path,
) -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "layer" / "build_layer.py"), "--arch", "both",
         "--python", PYTHON, "--output", str(tmp_path / "dist")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    archive = tmp_path / "dist" / f"vpcprobe-layer-python{PYTHON}-both.zip"
    with zipfile.ZipFile(archive) as zipped:
        cores = sorted(
            n for n in zipped.namelist() if n.startswith("python/pydantic_core/_pydantic_core.")
        )
        zipped.extractall(tmp_path / "opt")
    assert cores == [
        f"python/pydantic_core/_pydantic_core.{TAG}-aarch64-linux-gnu.so",
        f"python/pydantic_core/_pydantic_core.{TAG}-x86_64-linux-gnu.so",
    ]
    # Only the standard library and the layer: pydantic must load this machine's core.
    program = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); "
        "from vpcprobe.models import ProbeRequest; import pydantic_core._pydantic_core as c; "
        "r = ProbeRequest.model_validate({'targets': ['db.internal:5432']}); "
        "print(json.dumps({'core': c.__file__, 'port': r.targets[0].port}))"
    )
    ran = subprocess.run(
        [sys.executable, "-I", "-S", "-c", program, str(tmp_path / "opt" / "python")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    machine = "aarch64" if "aarch64" in sys.implementation._multiarch else "x86_64"
    assert result["core"].endswith(f"{TAG}-{machine}-linux-gnu.so")
    assert result["port"] == 5432
