"""The probe package ships alone in the layer: it must never import the collector."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_probe_source_never_imports_the_collector() -> None:
    offenders = []
    for path in sorted((ROOT / "layer" / "vpcprobe").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("vpcprobe_collector")]
    assert offenders == []


def test_importing_vpcprobe_loads_nothing_heavy() -> None:
    code = (
        "import sys, vpcprobe; "
        "heavy = [m for m in ('pydantic', 'boto3', 'dns', 'vpcprobe_collector') "
        "if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_lists_every_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "vpcprobe_collector", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for command in ("diagnose", "path", "probe", "snapshot", "analyze", "deploy", "wrap"):
        assert command in out.stdout
