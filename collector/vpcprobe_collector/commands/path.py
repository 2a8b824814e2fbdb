"""`vpcprobe path`: the static verdict per function subnet for one destination, hop by hop."""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from vpcprobe_collector.aws import session_for
from vpcprobe_collector.diagnosis import add_allow_incomplete_argument
from vpcprobe_collector.errors import BadInputError, ExitCode
from vpcprobe_collector.findings.model import Severity
from vpcprobe_collector.findings.outcome import decide_exit, unread
from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.beyond.follow import follow_beyond
from vpcprobe_collector.paths.evaluate import evaluate_function_paths
from vpcprobe_collector.paths.model import HopKind, HopOutcome, PathResult, Verdict
from vpcprobe_collector.peers import add_peer_arguments, peer_roles
from vpcprobe_collector.rules.engine import PATH_READS
from vpcprobe_collector.snapshot.build import take_snapshot
from vpcprobe_collector.snapshot.model import VpcSnapshot

NAME = "path"
HELP = "evaluate the path from a function's subnets to ADDRESS:PORT from its configuration"
DESCRIPTION = (
    "Read the function's VPC (or a saved --snapshot) and evaluate, for each of its subnets,\n"
    "whether its configuration lets the function reach ADDRESS:PORT: security groups, network\n"
    "ACLs both ways, route tables, NAT and internet gateways, endpoints and the destination's\n"
    "own security groups. Nothing is sent to the destination. Each verdict lists the hops in\n"
    "order and names the component and rule that decided.\n\n"
    "verdicts: reachable, leaves_vpc (allowed as far as the VPC goes), blocked, unknown\n"
    "exit codes: 0 every subnet reachable or leaves_vpc and every read it needs was read,\n"
    "            1 any subnet blocked, 2 bad input, 3 AWS access,\n"
    "            4 incomplete: none blocked, but a subnet is unknown or a read failed\n"
    "            (--allow-incomplete turns 4 into 0)\n\n"
    "examples:\n"
    "  vpcprobe path orders-api --to 10.0.3.10:5432\n"
    "  vpcprobe path orders-api --to [2001:db8::10]:443 --format json\n"
    "  vpcprobe path orders-api --to 10.0.10.53:53 --protocol udp --snapshot snap.json"
)

_MARKS = {
    HopOutcome.ALLOW: "ok",
    HopOutcome.DENY: "DENY",
    HopOutcome.PARTIAL: "PARTIAL",
    HopOutcome.UNKNOWN: "UNKNOWN",
    HopOutcome.INFO: "-",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """FUNCTION, --to, --protocol, --format, --snapshot, --region, --profile."""
    parser.add_argument("function", metavar="FUNCTION", help="function name or ARN")
    parser.add_argument(
        "--to",
        metavar="ADDRESS:PORT",
        required=True,
        help="destination IP address and port: 10.0.3.10:5432 or [2001:db8::10]:443",
    )
    parser.add_argument("--protocol", choices=("tcp", "udp"), default="tcp")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--snapshot",
        metavar="FILE",
        help="evaluate a snapshot saved by 'vpcprobe snapshot' instead of reading AWS",
    )
    add_allow_incomplete_argument(parser)
    add_peer_arguments(parser)


def parse_destination(text: str) -> tuple[str, int]:
    """ "10.0.3.10:5432" or "[2001:db8::10]:443" -> (address, port); BadInputError otherwise."""
    value = text.strip()
    if value.startswith("["):
        host, sep, port_text = value[1:].partition("]:")
        if not sep:
            raise BadInputError(f"--to {text!r}: write an IPv6 destination as [ADDRESS]:PORT")
    else:
        host, sep, port_text = value.rpartition(":")
        if not sep or not host:
            raise BadInputError(f"--to {text!r}: expected ADDRESS:PORT, e.g. 10.0.3.10:5432")
        if ":" in host:
            raise BadInputError(f"--to {text!r}: write an IPv6 destination as [ADDRESS]:PORT")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise BadInputError(
            f"--to {text!r}: {host!r} is not an IP address; path evaluation does not resolve "
            "host names, so pass the address the name resolves to inside the VPC"
        ) from None
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise BadInputError(f"--to {text!r}: the port must be a number from 1 to 65535")
    return str(address), int(port_text)


def load_snapshot(path: str) -> VpcSnapshot:
    """A snapshot saved as JSON; BadInputError when it cannot be read or is not one."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"cannot read snapshot {file}: {error.strerror}") from error
    try:
        return VpcSnapshot.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "top level"
        raise BadInputError(
            f"{file} is not a vpcprobe snapshot: {first.get('msg', 'invalid')} at {where}"
        ) from None


def _same_function(given: str, snapshot: VpcSnapshot) -> bool:
    function = snapshot.function
    if function is None:
        return False
    if given in (function.name, function.arn):
        return True
    parts = given.split(":")
    return given.startswith("arn:") and len(parts) >= 7 and parts[6] == function.name


def _verdict_line(snapshot: VpcSnapshot, result: PathResult, zone: str | None) -> str:
    where = f"{result.query.subnet_id} ({zone})" if zone else result.query.subnet_id
    decided = result.decided_by
    if result.verdict is Verdict.REACHABLE:
        return f"{where}: REACHABLE"
    if result.verdict is Verdict.LEAVES_VPC:
        query = result.query
        beyond = follow_beyond(
            snapshot,
            query.subnet_id,
            query.destination,
            query.port,
            query.protocol,
            security_group_ids=tuple(query.security_group_ids),
        )
        # Read on both sides and healthy, or up to something not read: never alike.
        reached = describe.beyond_reached(beyond) if beyond is not None else None
        if reached is not None:
            return f"{where}: REACHES {reached}"
        words = describe.beyond_outcome(beyond) if beyond is not None else None
        if words is not None:
            return f"{where}: LEAVES THE VPC {words}; allowed as far as it was read"
        end = result.hops[-1] if result.hops else None
        exit_ = f" {describe.beyond_phrase(end)}" if end and end.target_id else ""
        return f"{where}: LEAVES THE VPC{exit_} (allowed as far as the VPC goes)"
    if decided is None:
        return f"{where}: {result.verdict.value.upper()}"
    rule = f" ({decided.rule})" if decided.rule else ""
    if result.verdict is Verdict.BLOCKED:
        kind = " (intermittent)" if result.intermittent else ""
        return f"{where}: BLOCKED{kind} by {decided.component_id}{rule}"
    return f"{where}: UNKNOWN at {decided.component_id}{rule}"


def render_text(snapshot: VpcSnapshot, results: list[PathResult], destination: str) -> str:
    """Per subnet: the verdict, the deciding sentence, then every hop in order."""
    lines: list[str] = []
    name = snapshot.function.name if snapshot.function else "?"
    taken = snapshot.taken_at.strftime("%Y-%m-%d %H:%M UTC")
    lines.append(f"{name} -> {destination}: static evaluation of the configuration read {taken}")
    for result in results:
        subnet = next((s for s in snapshot.subnets if s.subnet_id == result.query.subnet_id), None)
        lines.append("")
        lines.append(_verdict_line(snapshot, result, subnet.availability_zone if subnet else None))
        if result.decided_by is not None:
            lines.append(f"  {result.decided_by.detail}")
        for hop in result.hops:
            mark = _MARKS.get(hop.outcome, hop.outcome.value)
            lines.append(f"    {mark:<8}{hop.component_id:<24} {hop.detail}")
        lines.extend(f"  note: {note}" for note in result.notes)
    counts: dict[str, int] = {}
    for result in results:
        counts[result.verdict.value] = counts.get(result.verdict.value, 0) + 1
    tally = ", ".join(f"{n} {v}" for v, n in counts.items())
    lines.append("")
    lines.append(f"{len(results)} subnet(s): {tally}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Evaluate and print; exit 0 when every subnet is reachable or leaves the VPC."""
    address, port = parse_destination(args.to)
    protocol = args.protocol
    destination = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    destination += f" ({protocol.upper()})"
    if args.snapshot:
        snapshot = load_snapshot(args.snapshot)
        if snapshot.function is None:
            raise BadInputError(f"{args.snapshot} holds no function (it could not be read)")
        if not _same_function(args.function, snapshot):
            raise BadInputError(
                f"{args.snapshot} is a snapshot of {snapshot.function.name}, not {args.function}"
            )
    else:
        roles = peer_roles(args.assume_role)
        session = session_for(args, args.function)
        snapshot = take_snapshot(
            session, args.function, target_addresses=[address], peer_roles=roles
        )
    try:
        results = evaluate_function_paths(snapshot, address, port, protocol)
    except ValueError as error:  # a hand-edited snapshot with a malformed CIDR or address
        raise BadInputError(f"the snapshot holds a malformed value: {error}") from None
    if args.format == "json":
        payload = [r.model_dump(mode="json") for r in results]
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    elif results:
        sys.stdout.write(render_text(snapshot, results, destination))
    if not results:
        name = snapshot.function.name if snapshot.function else args.function
        private = not ipaddress.ip_address(address).is_global
        print(
            f"{name} is not attached to a VPC: its traffic goes through Lambda's own network, "
            "not through any VPC configuration, so there is no path to evaluate"
            + (
                f"; it never reaches a private address such as {address} (CFG002)."
                if private
                else "."
            ),
            file=sys.stderr,
        )
        # A private destination is out of reach: never a clean exit (issue 10, invariant 2).
        return int(ExitCode.FINDINGS if private else ExitCode.OK)
    for skipped in snapshot.skipped:
        print(f"vpcprobe: skipped read: {skipped.reason}", file=sys.stderr)
    return int(path_exit_code(snapshot, results, allow_incomplete=args.allow_incomplete))


def path_exit_code(
    snapshot: VpcSnapshot, results: list[PathResult], *, allow_incomplete: bool = False
) -> ExitCode:
    """1 when any subnet is blocked; else 4 when a subnet is unknown, a read the paths use
    failed or what lies beyond the VPC could not be read (0 with `allow_incomplete`); else 0:
    the same vocabulary as diagnose. A blocked subnet counts as a high problem."""
    blocked = [Severity.HIGH for r in results if r.verdict is Verdict.BLOCKED]
    failed_reads = [r for r in unread(snapshot) if r.api in PATH_READS]
    unverified = any(
        h.kind is HopKind.DESTINATION and h.reason == describe.UNVERIFIED
        for r in results
        for h in r.hops
    )
    incomplete = (
        any(r.verdict is Verdict.UNKNOWN for r in results) or bool(failed_reads) or unverified
    )
    return decide_exit(
        blocked, threshold=Severity.HIGH, incomplete=incomplete, allow_incomplete=allow_incomplete
    )
