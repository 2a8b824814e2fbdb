"""`vpcprobe snapshot`: read a function's VPC through the AWS APIs and write it as JSON."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from vpcprobe_collector.aws import session_for
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.peers import add_peer_arguments, peer_roles
from vpcprobe_collector.snapshot.build import take_snapshot
from vpcprobe_collector.snapshot.model import VpcSnapshot

NAME = "snapshot"
HELP = "read a Lambda function's VPC configuration into a JSON snapshot"
DESCRIPTION = (
    "Read the function (name or ARN) and everything its network traffic depends on: subnets,\n"
    "route tables, network ACLs, security groups, DHCP options, VPC DNS attributes, NAT and\n"
    "internet gateways, VPC endpoints, prefix lists, the ENIs behind --target-address, Lambda\n"
    "ENIs, the ENI quota and the role's ENI permissions. Reads that are denied are recorded\n"
    "in the snapshot and named on stderr; the snapshot is still written.\n\n"
    "example: vpcprobe snapshot my-function --target-address 10.0.10.25 -o snapshot.json"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """FUNCTION, -o, --target-address, --region, --profile."""
    parser.add_argument("function", metavar="FUNCTION", help="function name or ARN")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the JSON here (default: stdout)"
    )
    parser.add_argument(
        "--target-address",
        metavar="IP",
        action="append",
        default=[],
        help="also read the ENI (and its security groups) holding this address; repeatable",
    )
    parser.add_argument(
        "--target-name",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name to judge against Route 53 (Resolver rules, private zones, DNS Firewall)",
    )
    add_peer_arguments(parser)


def _addresses(values: list[str]) -> list[str]:
    addresses: list[str] = []
    for value in values:
        try:
            addresses.append(str(ipaddress.ip_address(value.strip())))
        except ValueError:
            raise BadInputError(
                f"--target-address {value!r} is not an IPv4 or IPv6 address"
            ) from None
    return addresses


def summary(snapshot: VpcSnapshot) -> str:
    """One line for stderr: what was read, how many calls, which reads were skipped."""
    name = snapshot.function.name if snapshot.function else "?"
    where = snapshot.vpc.vpc_id if snapshot.vpc else "no VPC"
    line = f"snapshot of {name} ({where}, {snapshot.region}): {snapshot.api_call_count} API calls"
    if not snapshot.skipped:
        return line + ", no reads skipped"
    reasons = "; ".join(
        s.reason + (f" ({', '.join(s.resource_ids)})" if s.resource_ids else "")
        for s in snapshot.skipped
    )
    return f"{line}, {len(snapshot.skipped)} read(s) skipped: {reasons}"


def run(args: argparse.Namespace) -> int:
    """Take the snapshot, write it, print the summary; 0 even when some reads were skipped."""
    addresses = _addresses(args.target_address)
    roles = peer_roles(args.assume_role)
    output = Path(args.output) if args.output else None
    if output is not None and not output.parent.is_dir():
        raise BadInputError(f"cannot write {output}: directory {output.parent} does not exist")
    # A function ARN names its region: no AWS_REGION needed then.
    session = session_for(args, args.function)
    snapshot = take_snapshot(
        session,
        args.function,
        target_addresses=addresses,
        target_names=[n.strip() for n in args.target_name if n.strip()],
        peer_roles=roles,
    )
    text = snapshot.model_dump_json(indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise BadInputError(f"cannot write {output}: {error.strerror}") from error
    print(summary(snapshot), file=sys.stderr)
    return 0
