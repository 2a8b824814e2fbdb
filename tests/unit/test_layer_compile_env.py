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


def test_a_python_pyenv_installed_but_did_not_put_first_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyenv's shim for a version it holds but has not selected fails ("pyenv: python3.12:
    command not found"); the interpreter itself is in $PYENV_ROOT/versions, newest first."""
    for version in ("3.12.1", "3.12.10", "3.12-dev", "3.13.0"):
        binary = tmp_path / "versions" / version / "bin" / f"python{version[:4]}"
        binary.parent.mkdir(parents=True)
        binary.write_text(f"#!/bin/sh\necho {version[:4]}\n", encoding="utf-8")
        binary.chmod(0o755)
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "python3.12").write_text(
        "#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n"
    )
    (shims / "python3.12").chmod(0o755)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", f"{shims}:/usr/bin:/bin")
    assert layer_build.find_interpreter("3.12") == str(
        tmp_path / "versions" / "3.12.10" / "bin" / "python3.12"
    )
    assert layer_build.find_interpreter("3.14") is None
