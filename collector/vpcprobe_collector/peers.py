"""Roles that read the far side of a peering or transit gateway in another account:
`--assume-role ARN` (repeatable, one per account) and the `[peers]` table of --config."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Mapping

from vpcprobe_collector.errors import BadInputError

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")


def role_account(arn: str) -> str:
    """The account ID of an IAM role ARN; ValueError saying why it is not one."""
    match = ROLE_ARN.match(arn.strip())
    if match is None:
        raise ValueError(f"{arn!r} is not an IAM role ARN (arn:aws:iam::ACCOUNT_ID:role/NAME)")
    return match.group(1)


def add_peer_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--assume-role",
        action="append",
        default=[],
        metavar="ARN",
        help=(
            "a role in another account that may read the far side of a peering or transit "
            "gateway there (repeatable, one per account)"
        ),
    )


def peer_roles(given: Iterable[str], configured: Mapping[str, str] | None = None) -> dict[str, str]:
    """Account ID -> role ARN, from the config's [peers] then --assume-role (which wins)."""
    roles = dict(configured or {})
    seen: dict[str, str] = {}
    for arn in given:
        try:
            account = role_account(arn)
        except ValueError as error:
            raise BadInputError(f"--assume-role: {error}") from None
        if account in seen and seen[account] != arn.strip():
            raise BadInputError(
                f"--assume-role: two roles for account {account} ({seen[account]}, {arn.strip()})"
            )
        seen[account] = roles[account] = arn.strip()
    return roles
