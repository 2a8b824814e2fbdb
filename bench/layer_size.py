"""Layer size per architecture for Python 3.13, zipped and unzipped, against Lambda's limits.

Builds each layer exactly as `make layer` does, into a temporary folder (pip needs its cache
or PyPI). Run: .venv/bin/python bench/layer_size.py [--json]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from figures import Figure, emit  # noqa: E402

PYTHON = "3.13"
ZIPPED_LIMIT_MB = 50
UNZIPPED_LIMIT_MB = 250


def main() -> None:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as out:
        for arch in ("x86_64", "arm64"):
            subprocess.run(
                [sys.executable, str(REPO / "layer" / "build_layer.py"), "--arch", arch,
                 "--python", PYTHON, "--output", out],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            archive = Path(out) / f"vpcprobe-layer-python{PYTHON}-{arch}.zip"
            with zipfile.ZipFile(archive) as zipped:
                unzipped = sum(info.file_size for info in zipped.infolist())
                count = len(zipped.infolist())
            zipped_mb = archive.stat().st_size / 1e6
            figures += [
                Figure(f"layer python{PYTHON} {arch}: zipped", round(zipped_mb, 2), "MB",
                       goal=f"< {ZIPPED_LIMIT_MB} MB", met=zipped_mb < ZIPPED_LIMIT_MB),
                Figure(f"layer python{PYTHON} {arch}: unzipped", round(unzipped / 1e6, 2), "MB",
                       goal=f"< {UNZIPPED_LIMIT_MB} MB", met=unzipped / 1e6 < UNZIPPED_LIMIT_MB,
                       note=f"{count} files"),
            ]  # fmt: skip
    emit(figures)


if __name__ == "__main__":
    main()
