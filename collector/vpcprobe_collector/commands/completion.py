"""`vpcprobe completion bash|zsh`: print a shell completion script for vpcprobe."""

from __future__ import annotations

import argparse
import sys

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


def _words(parser: argparse.ArgumentParser) -> tuple[list[str], dict[str, list[str]]]:
    """Every option of `parser` and, per option that takes a fixed set, its choices."""
    options: list[str] = []
    choices: dict[str, list[str]] = {}
    for action in parser._actions:
        for flag in action.option_strings:
            options.append(flag)
            if action.choices:
                choices[flag] = [str(c) for c in action.choices]
    return options, choices


def _table() -> dict[str, tuple[list[str], dict[str, list[str]]]]:
    from vpcprobe_collector.cli import build_parser

    parser = build_parser()
    table = {"": _words(parser)}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                table[name] = _words(command)
    return table


def bash_script() -> str:
    """A bash `complete -F` function built from the argument parser."""
    table = _table()
    commands = " ".join(name for name in table if name)
    top = f"{commands} {' '.join(table[''][0])}"
    cases = []
    for name, (options, _choices) in table.items():
        if not name:
            continue
        cases.append(f'        {name}) opts="{" ".join(options)}" ;;')
    choice_cases = sorted(
        {
            f'        {flag}) COMPREPLY=($(compgen -W "{" ".join(values)}" -- "$cur")); return ;;'
            for _, (_, choice) in table.items()
            for flag, values in choice.items()
        }
    )
    return (
        "# bash completion for vpcprobe (vpcprobe completion bash)\n"
        "_vpcprobe() {\n"
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"\n'
        '    local cmd="" w opts\n'
        '    for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do\n'
        f'        case " {commands} " in *" $w "*) cmd="$w"; break ;; esac\n'
        "    done\n"
        '    case "$prev" in\n' + "\n".join(choice_cases) + "\n    esac\n"
        '    if [ -z "$cmd" ]; then\n'
        f'        COMPREPLY=($(compgen -W "{top}" -- "$cur")); return\n'
        "    fi\n"
        '    case "$cmd" in\n' + "\n".join(cases) + "\n    esac\n"
        '    COMPREPLY=($(compgen -W "$opts" -f -- "$cur"))\n'
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
