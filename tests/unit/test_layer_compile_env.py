"""COMPILE= in the environment: only 0/false/no/off turn the layer's bytecode off.

`make layer COMPILE=` (an empty value) used to ship sources only. The build itself (pip
downloads, compiling with the target Python) is tests/probe/test_layer_build.py's; here
`layer_build.build_zip` records what `vpcprobe layer build` asked it for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vpcprobe_collector import cli, layer_build


@pytest.mark.parametrize(
    ("value", "bytecode"),
    [(None, True), ("", True), ("1", True), ("yes", True), (" 0 ", False), ("false", False),
     ("NO", False), ("off", False)],
)  # fmt: skip
def test_only_an_explicit_opt_out_ships_sources_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str | None,
    bytecode: bool,
) -> None:
    asked: list[bool] = []

    def build_zip(output: Path, arch: str, python: str, **kwargs: Any) -> tuple[int, int, int]:
        asked.append(kwargs["compile_pyc"])
        return 1, 10, 5

    monkeypatch.setattr(layer_build, "build_zip", build_zip)
    if value is None:
        monkeypatch.delenv("COMPILE", raising=False)
    else:
        monkeypatch.setenv("COMPILE", value)
    code = cli.main(["layer", "build", "--output", str(tmp_path / "layer.zip")])
    assert code == 0, capsys.readouterr().err
    assert asked == [bytecode]
