"""One module per `vpcprobe` subcommand, listed explicitly: NAME, HELP, add_arguments, run.

The table holds each command's one-line help so `vpcprobe --help` imports none of the
command modules (and so neither boto3 nor the models); a command's module is imported
only when that command is parsed or run. A test keeps the table equal to each module's HELP.
"""

from __future__ import annotations

import importlib
from types import ModuleType

COMMAND_HELP: dict[str, str] = {
    "diagnose": "explain why a VPC-attached Lambda function cannot reach its targets",
    "audit": "judge every VPC-attached function in an account, regions or an organisation",
    "path": "evaluate the path from a function's subnets to ADDRESS:PORT from its configuration",
    "probe": "run the probe on this host and write its report (JSON)",
    "snapshot": "read a Lambda function's VPC configuration into a JSON snapshot",
    "analyze": (
        "re-run the analysis offline on a --bundle zip or a saved snapshot and probe reports"
    ),
    "deploy": (
        "deploy a probe function beside a function, with its exact VpcConfig and architecture"
    ),
    "destroy": (
        "remove the probe function, role, layer versions and schedule deployed for a function"
    ),
    "wrap": "add the probe layer and its wrapper script to a function (undo with unwrap)",
    "unwrap": "remove what 'vpcprobe wrap' added to a function",
    "layer": "build the probe layer zip from this installation (for deploy, wrap or SAM)",
    "rules": "list the finding codes vpcprobe can report",
    "explain": "print the documentation of one finding code",
    "completion": "print a shell completion script (bash or zsh)",
}


def load(name: str) -> ModuleType:
    """The module of command `name`."""
    return importlib.import_module(f"vpcprobe_collector.commands.{name}")


def __getattr__(name: str) -> object:
    # COMMANDS (every command module) is built on first use: importing them all is what
    # `vpcprobe --help` must not pay for.
    if name == "COMMANDS":
        return tuple(load(command) for command in COMMAND_HELP)
    raise AttributeError(name)
