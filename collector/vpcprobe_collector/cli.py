"""The `vpcprobe` command: parses arguments and hands over to one module per subcommand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from vpcprobe import __version__
from vpcprobe_collector.commands import COMMANDS
from vpcprobe_collector.errors import VpcprobeError

DESCRIPTION = (
    "Explain why an AWS Lambda function attached to a VPC cannot reach something: "
    "read its VPC, run a probe inside it, and name the route table, security group, "
    "network ACL, DNS server, NAT gateway or endpoint to blame, with the fix."
)


def build_parser(commands: Sequence[ModuleType] = COMMANDS) -> argparse.ArgumentParser:
    """The full argument parser; each command module adds its own arguments."""
    parser = argparse.ArgumentParser(prog="vpcprobe", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"vpcprobe {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in commands:
        command = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `vpcprobe`; return the exit code (0 healthy, 1 findings, 2 bad input, 3 AWS access)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except VpcprobeError as error:
        print(f"vpcprobe: error: {error.message}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("vpcprobe: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
