"""`vpcprobe completion bash|zsh`: print a shell completion script for vpcprobe."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

NAME = "completion"
HELP = "print a shell completion script (bash or zsh)"
DESCRIPTION = """\
Print a completion script for bash or zsh: commands, their options and option choices.

  bash: vpcprobe completion bash > ~/.local/share/bash-completion/completions/vpcprobe
  zsh:  vpcprobe completion zsh > "${fpath[1]}/_vpcprobe"   (then restart the shell)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """SHELL."""
    parser.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")


@dataclass
class _Node:
    """What completes after a command path ("" the top, "layer build" a nested one)."""

    options: list[str] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)  # per option with fixed values
    subcommands: list[str] = field(default_factory=list)
    positional: list[str] = field(default_factory=list)  # a positional's fixed values


def _walk(parser: argparse.ArgumentParser, path: str, table: dict[str, _Node]) -> dict[str, _Node]:
    """`table` with `parser` (at `path`) and every subcommand under it, nested ones too."""
    node = table.setdefault(path, _Node())
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                node.subcommands.append(name)
                _walk(command, f"{path} {name}".strip(), table)
            continue
        for flag in action.option_strings:
            node.options.append(flag)
            if action.choices:
                node.choices[flag] = [str(c) for c in action.choices]
        if not action.option_strings and action.choices:
            node.positional += [str(c) for c in action.choices]
    return table


def _table() -> dict[str, _Node]:
    from vpcprobe_collector.cli import build_parser

    return _walk(build_parser(), "", {})


def bash_script() -> str:
    """A bash `complete -F` function built from the argument parser: the command path is
    walked through nested subcommands (`layer build`), and an option's values are the ones
    of the command it belongs to (`path --format` offers path's formats only)."""
    table = _table()
    sub_cases = [
        f'            "{path}") subs="{" ".join(node.subcommands)}" ;;'
        for path, node in table.items()
        if node.subcommands
    ]
    choice_cases = [
        f'        "{path}|{flag}") COMPREPLY=($(compgen -W "{" ".join(values)}" -- "$cur")); '
        "return ;;"
        for path, node in table.items()
        for flag, values in node.choices.items()
    ]
    word_cases = []
    for path, node in table.items():
        fixed = node.subcommands + node.positional
        words = " ".join([*fixed, *node.options])
        # A command that takes files (no fixed words) completes file names too.
        files = "" if fixed else " -f"
        word_cases.append(
            f'        "{path}") COMPREPLY=($(compgen -W "{words}"{files} -- "$cur")) ;;'
        )
    return (
        "# bash completion for vpcprobe (vpcprobe completion bash)\n"
        "_vpcprobe() {\n"
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"\n'
        '    local path="" w subs\n'
        '    for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do\n'
        '        case "$path" in\n' + "\n".join(sub_cases) + "\n"
        '            *) subs="" ;;\n'
        "        esac\n"
        '        case " $subs " in *" $w "*) path="${path:+$path }$w" ;; esac\n'
        "    done\n"
        '    case "$path|$prev" in\n' + "\n".join(choice_cases) + "\n    esac\n"
        '    case "$path" in\n' + "\n".join(word_cases) + "\n    esac\n"
        "}\n"
        "complete -o default -F _vpcprobe vpcprobe\n"
    )


def zsh_script() -> str:
    """The bash function through zsh's bashcompinit (one script to keep right, not two)."""
    return (
        "#compdef vpcprobe\n"
        "# zsh completion for vpcprobe (vpcprobe completion zsh)\n"
        "autoload -U +X bashcompinit && bashcompinit\n" + bash_script()
    )


def run(args: argparse.Namespace) -> int:
    """Print the script."""
    sys.stdout.write(bash_script() if args.shell == "bash" else zsh_script())
    return 0
