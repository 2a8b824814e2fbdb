"""The `vpcprobe` command: parses arguments and hands over to one module per subcommand.

Global options (the AWS CLI's: --region, --profile, --endpoint-url, --debug, ...) are
accepted before or after the subcommand. Only the chosen subcommand's module is imported,
so `vpcprobe --help` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from vpcprobe import __version__
from vpcprobe_collector.commands import COMMAND_HELP, load
from vpcprobe_collector.errors import BadInputError, ExitCode, VpcprobeError

DESCRIPTION = (
    "Explain why an AWS Lambda function attached to a VPC cannot reach something: "
    "read its VPC, run a probe inside it, and name the route table, security group, "
    "network ACL, DNS server, NAT gateway or endpoint to blame, with the fix."
)
# Words that name a report format: `--output json` almost certainly meant `--format json`.
FORMAT_WORDS = frozenset({"json", "text", "markdown", "md", "html", "sarif", "junit"})


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text}: must be more than 0 and at most 3600 seconds")
    return value


# (flags, keyword arguments): the AWS CLI's global options, with its names.
GLOBAL_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, object]], ...] = (
    (("--region",), {"help": "AWS region (default: the function ARN's, AWS_REGION or profile)"}),
    (("--profile",), {"help": "AWS profile (default: AWS_PROFILE)"}),
    (("--endpoint-url",), {"metavar": "URL", "help": "send every AWS call to this URL"}),
    (
        ("--debug",),
        {
            "action": "store_true",
            "help": "log every AWS request and answer to stderr (keys masked)",
        },
    ),
    (
        ("--no-verify-ssl",),
        {"action": "store_true", "help": "do not verify the endpoints' TLS certificates"},
    ),
    (("--ca-bundle",), {"metavar": "FILE", "help": "verify TLS certificates with this CA bundle"}),
    (
        ("--cli-connect-timeout",),
        {"type": _seconds, "metavar": "S", "help": "seconds to wait for a connection (default 5)"},
    ),
    (
        ("--cli-read-timeout",),
        {"type": _seconds, "metavar": "S", "help": "seconds to wait for an answer (default 15)"},
    ),
    (
        ("--color",),
        {
            "choices": ("auto", "always", "never"),
            "help": "colour the terminal report (default auto: on a terminal, unless NO_COLOR)",
        },
    ),
)
_GLOBAL_DEFAULTS: dict[str, object] = {
    "region": None,
    "profile": None,
    "endpoint_url": None,
    "debug": False,
    "no_verify_ssl": False,
    "ca_bundle": None,
    "cli_connect_timeout": None,
    "cli_read_timeout": None,
    "color": "auto",
}
_TAKES_VALUE = frozenset(
    flag
    for flags, kwargs in GLOBAL_OPTIONS
    if kwargs.get("action") != "store_true"
    for flag in flags
)


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The global options; on a subcommand (suppress=True) an option left out keeps the value
    given before the subcommand. A flag the command already defines is left to the command."""
    group = parser.add_argument_group("global options")
    for flags, kwargs in GLOBAL_OPTIONS:
        if any(flag in parser._option_string_actions for flag in flags):
            continue
        options = dict(kwargs)
        if suppress:
            options["default"] = argparse.SUPPRESS
        group.add_argument(*flags, **options)  # type: ignore[arg-type]


class _VersionAction(argparse.Action):
    """--version: the CLI's version and the probe report schema it reads and writes."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        from vpcprobe.models import SCHEMA_VERSION

        print(f"vpcprobe {__version__} (probe report schema {SCHEMA_VERSION})")
        parser.exit()


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named in `argv` (the first word that is not a global option or its value)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _TAKES_VALUE:
            skip = True
        elif word == "--":
            return None
        elif not word.startswith("-"):
            return word if word in COMMAND_HELP else None
    return None


def output_after_command(argv: Sequence[str]) -> list[str]:
    """`argv` with an `--output X` / `-o X` given before the subcommand (the AWS CLI's place
    for `--output json`) moved after it, where the command's own --output reads it."""
    words = list(argv)
    moved: set[int] = set()  # positions of the --output words before the command
    skip = False
    for position, word in enumerate(words):
        if skip:
            skip = False
        elif word in ("--output", "-o") and position + 1 < len(words):
            moved |= {position, position + 1}
            skip = True
        elif word.startswith("--output="):
            moved.add(position)
        elif word in _TAKES_VALUE:
            skip = True
        elif word == "--" or not word.startswith("-"):
            if not moved or word not in COMMAND_HELP:
                return words
            before = [w for i, w in enumerate(words[:position]) if i not in moved]
            output = [words[i] for i in sorted(moved)]
            return [*before, word, *output, *words[position + 1 :]]
    return words


def build_parser(
    commands: Sequence[ModuleType] | None = None, *, only: str | None = None
) -> argparse.ArgumentParser:
    """The argument parser. With `only`, just that command's module is imported (the others
    are listed by their help); otherwise `commands`, or every command, is fully built."""
    parser = argparse.ArgumentParser(prog="vpcprobe", description=DESCRIPTION)
    parser.add_argument("--version", action=_VersionAction)
    add_global_options(parser, suppress=False)
    parser.set_defaults(**_GLOBAL_DEFAULTS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = {m.NAME: m for m in commands} if commands is not None else None
    for name, help_text in COMMAND_HELP.items():
        module: ModuleType | None
        if modules is not None:
            module = modules.get(name)
            if module is None:
                continue
        else:
            module = load(name) if only is None or name == only else None
        if module is None:
            sub.add_parser(name, help=help_text)
            continue
        command = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        add_global_options(command, suppress=True)
        command.set_defaults(run=module.run)
    return parser


# What a command without --format writes to --output.
_WRITES = {
    "snapshot": ("JSON", "snapshot.json"),
    "probe": ("JSON", "probe-report.json"),
    "layer": ("a .zip file", "probe-layer.zip"),
}


def command_formats(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The values the chosen command's --format takes (none: it has no --format)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            command = action.choices.get(getattr(args, "command", None) or "")
            if command is None:
                return []
            for option in command._actions:
                if "--format" in option.option_strings:
                    return [str(c) for c in option.choices or ()]
    return []


def check_output_paths(args: argparse.Namespace, formats: Sequence[str] = ()) -> None:
    """Before any AWS call or probe: every file the command will write can be written, and
    `--output json` (a format word, no such file, no extension) meant `--format json` where
    the command's --format (`formats`) takes it; elsewhere it says what --output is for."""
    output = getattr(args, "output", None)
    if output is not None:
        word = str(output)
        if word.lower() in FORMAT_WORDS and not Path(word).exists() and "/" not in word:
            fmt = "markdown" if word.lower() == "md" else word.lower()
            command = str(getattr(args, "command", None) or "this command")
            if getattr(args, "layer_action", None):
                command += f" {args.layer_action}"
            if fmt in formats:
                advice = f"did you mean --format {fmt}?"
            elif formats:
                advice = f"{command} --format takes {', '.join(formats)}, not {fmt}."
            else:
                writes, example = _WRITES.get(command.split()[0], ("its own format", "FILE"))
                advice = (
                    f"{command} has no --format (it writes {writes}); name the file, "
                    f"e.g. --output {example}"
                )
            raise BadInputError(
                f"--output {word} names a file to write, and no file {word} exists: "
                f"{advice} (to write a file of that name: --output ./{word})"
            )
    for option in ("output", "bundle"):
        value = getattr(args, option, None)
        if value is not None and str(value) != "-":
            check_writable(Path(value), f"--{option}")


def check_writable(path: Path, option: str) -> None:
    """Bad input unless `path` can be created or overwritten (nothing is written to it).

    Tried, not guessed: `os.access` says yes to root for a read-only file system or /proc.
    An existing file is opened for append (its content untouched); for a new one, a
    temporary file is created in the folder and removed again."""
    if path.is_dir():
        raise BadInputError(f"{option} {path}: is a directory; name a file")
    folder = path.parent
    if not folder.is_dir():
        raise BadInputError(f"{option} {path}: directory {folder} does not exist")
    if path.exists():
        try:
            with path.open("ab"):
                pass
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise BadInputError(f"{option} {path}: the file cannot be written ({reason})") from None
        return
    import tempfile  # not on `vpcprobe --help`'s path

    try:
        handle, probe = tempfile.mkstemp(prefix=".vpcprobe-", suffix=".tmp", dir=folder)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise BadInputError(
            f"{option} {path}: cannot create a file in directory {folder} ({reason})"
        ) from None
    os.close(handle)
    with contextlib.suppress(OSError):
        Path(probe).unlink()


def _debug_logging(args: argparse.Namespace) -> contextlib.AbstractContextManager[object]:
    if not args.debug:
        return contextlib.nullcontext()
    from vpcprobe_collector.aws import debug_logging

    addresses = bool(getattr(args, "redact_addresses", False))
    return debug_logging(redact=bool(getattr(args, "redact", False)), addresses=addresses)


def _run(args: argparse.Namespace) -> int:
    """The command's run(); an AWS endpoint's failure becomes one line (exit 3), not a traceback."""
    try:
        return int(args.run(args))
    except VpcprobeError:
        raise
    except Exception as error:
        if "botocore" not in sys.modules:  # not an AWS error: nothing sent a request
            raise
        from vpcprobe_collector.aws import translate_error

        translated = translate_error(error)
        if translated is None:
            raise
        raise translated from error


def main(argv: Sequence[str] | None = None) -> int:
    """Run `vpcprobe`; return the exit code (0 healthy, 1 findings, 2 bad input, 3 AWS access,
    4 incomplete)."""
    words = output_after_command(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=chosen_command(words) or "")
    args = parser.parse_args(words)
    try:
        check_output_paths(args, command_formats(parser, args))
        from vpcprobe_collector import progress

        # On a terminal's stderr, one line names the AWS call the command is waiting for.
        line = progress.on_terminal(quiet=bool(getattr(args, "quiet", False)), color=args.color)
        with line, _debug_logging(args):
            code: int = _run(args)
    except VpcprobeError as error:
        print(f"vpcprobe: error: {error.message}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("vpcprobe: interrupted", file=sys.stderr)
        return 130
    return code


__all__ = ["ExitCode", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
