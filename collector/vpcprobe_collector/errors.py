"""Errors the collector raises for what cannot become a finding, each with its exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The `vpcprobe` command's exit codes, the same for every command.

    OK: healthy and complete: everything a verdict depends on was read, and nothing the
        probe saw failed unexplained.
    FINDINGS: a problem at or above `--fail-on` was found (takes precedence over INCOMPLETE).
    BAD_INPUT: arguments, files or names that cannot be used.
    AWS_ACCESS: credentials or an AWS call the whole run cannot do without.
    INCOMPLETE: no problem at or above `--fail-on`, but something a verdict depends on could
        not be read or judged (a denied or malformed read, a target not covered). Never 0;
        `--allow-incomplete` turns it into 0 for those who want the old behaviour.
    """

    OK = 0
    FINDINGS = 1
    BAD_INPUT = 2
    AWS_ACCESS = 3
    INCOMPLETE = 4


class VpcprobeError(Exception):
    """Base of every error the collector raises on purpose; the CLI prints `message`."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInputError(VpcprobeError):
    """The user's input (arguments, files, names) cannot be used."""

    exit_code = ExitCode.BAD_INPUT


class AwsAccessError(VpcprobeError):
    """AWS credentials are missing or a call the run cannot do without was denied."""

    exit_code = ExitCode.AWS_ACCESS
