"""`vpcprobe --help` imports only what it needs: no command module, no boto3, no models."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from vpcprobe_collector.commands import COMMAND_HELP, COMMANDS

HEAVY = ("boto3", "botocore", "pydantic", "rich", "jinja2", "yaml", "dns")
SCRIPT = """
import json, sys
from vpcprobe_collector import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported(*argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_loads_no_command_and_no_heavy_library() -> None:
    modules = imported("--help")
    assert not [m for m in modules if m.startswith("vpcprobe_collector.commands.")]
    assert not [m for m in modules if m.split(".")[0] in HEAVY]


def test_one_command_loads_only_its_own_module() -> None:
    modules = imported("rules", "--format", "json")
    commands = {m for m in modules if m.startswith("vpcprobe_collector.commands.")}
    assert commands == {"vpcprobe_collector.commands.rules"}
    assert "boto3" not in modules and "botocore" not in modules


@pytest.mark.parametrize("module", COMMANDS, ids=lambda module: module.NAME)
def test_the_help_table_matches_each_command(module: object) -> None:
    assert COMMAND_HELP[module.NAME] == module.HELP  # type: ignore[attr-defined]


def test_the_rules_index_is_the_registry() -> None:
    """`vpcprobe rules` reads rules/index.json; `make docs` regenerates it from the registry."""
    from vpcprobe_collector.commands import rules

    assert rules.INDEX.read_text(encoding="utf-8") == rules.index_text()


def test_rules_loads_neither_the_rules_nor_pydantic() -> None:
    modules = imported("rules")
    assert "pydantic" not in modules
    assert not [m for m in modules if m.startswith("vpcprobe_collector.rules.")]
