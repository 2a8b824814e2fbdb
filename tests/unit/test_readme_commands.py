"""The README's command examples are real: each parses with the command's own argument parser."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from vpcprobe.__main__ import build_parser as probe_parser
from vpcprobe_collector.cli import build_parser as collector_parser
from vpcprobe_collector.commands import COMMANDS

README = Path(__file__).resolve().parents[2] / "README.md"


def shell_commands() -> list[str]:
    """Every command line in the README's ```sh blocks, continuations joined."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    lines: list[str] = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip():
                lines.append(line.strip())
    return lines


def vpcprobe_examples() -> list[list[str]]:
    examples = []
    for line in shell_commands():
        words = shlex.split(line, comments=True)
        if words[:1] == ["vpcprobe"] or words[:3] == ["python", "-m", "vpcprobe"]:
            examples.append(words)
    return examples


@pytest.mark.parametrize("words", vpcprobe_examples(), ids=lambda words: " ".join(words)[:60])
def test_readme_example_parses(words: list[str]) -> None:
    if words[0] == "vpcprobe":
        collector_parser().parse_args(words[1:])
    else:
        probe_parser().parse_args(words[3:])


def test_readme_shows_every_command() -> None:
    shown = {words[1] for words in vpcprobe_examples() if words[0] == "vpcprobe"}
    assert {module.NAME for module in COMMANDS} - shown <= {"rules", "explain", "probe"}
    text = README.read_text(encoding="utf-8")
    for name in ("rules", "explain", "probe"):  # named in prose rather than in an example
        assert f"vpcprobe {name}" in text


@pytest.mark.parametrize("module", COMMANDS, ids=lambda module: module.NAME)
def test_every_command_has_a_real_help_text(
    module: object, capsys: pytest.CaptureFixture[str]
) -> None:
    name = module.NAME
    assert "not available" not in module.HELP
    with pytest.raises(SystemExit) as exit_:
        collector_parser().parse_args([name, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: vpcprobe {name}")
    assert "options:" in text and len(text.splitlines()) > 5
