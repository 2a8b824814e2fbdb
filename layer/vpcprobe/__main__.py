"""`python -m vpcprobe`: the same probe on any host, e.g. an EC2 instance in the same subnet."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, NoReturn

PROG = "python -m vpcprobe"
DESCRIPTION = """\
Run vpcprobe's checks from this host and print the ProbeReport JSON on stdout: what
/etc/resolv.conf says, every DNS answer per server and transport (the system resolver,
the Lambda forwarder 169.254.78.1, each resolv.conf server and each --nameserver), a TCP
connect to every address of every --target, and one CloudWatch Logs API call.

Run it on an EC2 instance placed in the function's subnet and security group to tell a
Lambda problem from a network problem. The report holds facts only; `vpcprobe analyze`
judges them. Exit status: 0 with a report, 2 for bad arguments.
"""
EPILOG = """\
examples:
  python -m vpcprobe --target db.internal.example:5432 --target [2001:db8::10]:443
  python -m vpcprobe --dns-name api.example.com --nameserver 10.1.1.10 --no-aws

environment: AWS_REGION (the Logs endpoint), AWS_ENDPOINT_URL(_LOGS) (an endpoint override),
VPCPROBE_RESOLV_CONF (another resolv.conf), VPCPROBE_FORWARDER (another forwarder; empty:
none).
"""


# Request fields as the options that set them, for error messages.
_OPTIONS = {
    "targets": "--target",
    "dns_names": "--dns-name",
    "nameservers": "--nameserver",
    "timeout_s": "--timeout",
    "record_types": "--record-type",
    "dns_transports": "--transport",
    "aws": "--log-group",
}


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one clear line on stderr and exit status 2, never a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m vpcprobe`."""
    from vpcprobe import __version__
    from vpcprobe.facts import MAX_TIMEOUT_S, RecordType

    parser = _Parser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--target", action="append", default=[], metavar="HOST:PORT",
        help="connect to HOST:PORT (IPv6 as [ADDR]:PORT, a URL as its host and port 443 or "
        "80); repeatable")  # fmt: skip
    add("--dns-name", action="append", default=[], metavar="NAME",
        help="also resolve NAME; repeatable")  # fmt: skip
    add("--nameserver", action="append", default=[], metavar="IP",
        help="also query the DNS server at IP directly; repeatable")  # fmt: skip
    add("--record-type", action="append", choices=[t.value for t in RecordType],
        metavar="TYPE", help="record types to ask for (default: A, AAAA); repeatable")  # fmt: skip
    add("--transport", action="append", choices=["udp", "tcp"],
        help="DNS transports for direct queries (default: both); repeatable")  # fmt: skip
    add("--timeout", type=float, default=2.0, metavar="S",
        help=f"timeout of each step in seconds (default 2, at most {MAX_TIMEOUT_S:g})")  # fmt: skip
    add("--deadline", type=float, default=30.0, metavar="S",
        help="the whole probe ends after S seconds; unfinished steps are reported as "
        "skipped (default 30)")  # fmt: skip
    add("--no-aws", action="store_true", help="skip the CloudWatch Logs API call")
    add("--sts", action="store_true", help="also call STS GetCallerIdentity")
    add("--log-group", metavar="NAME", help="log group for the Logs call")
    add("--no-system-resolver", action="store_true",
        help="skip getaddrinfo; query the DNS servers directly only")  # fmt: skip
    add("--no-default-names", action="store_true",
        help="do not resolve the AWS endpoints' names")  # fmt: skip
    add("--verbose", action="store_true", help="log one JSON line per step on stderr")
    add("--version", action="version", version=f"vpcprobe {__version__}")
    return parser


def request_from(args: argparse.Namespace) -> dict[str, Any]:
    """The ProbeRequest (as an event) that the arguments describe."""
    event: dict[str, Any] = {
        "targets": args.target,
        "dns_names": args.dns_name,
        "nameservers": args.nameserver,
        "timeout_s": args.timeout,
        "system_resolver": not args.no_system_resolver,
        "default_names": not args.no_default_names,
        "aws": {"logs": not args.no_aws, "sts": args.sts, "log_group": args.log_group},
    }
    if args.record_type:
        event["record_types"] = list(dict.fromkeys(args.record_type))
    if args.transport:
        event["dns_transports"] = list(dict.fromkeys(args.transport))
    return event


def _stderr_listener(kind: str, result: Any) -> None:
    from vpcprobe import environment

    line = json.dumps({"step": kind, "result": result.to_json(exclude_none=True)})
    print(environment.redact(line), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the probe, print the report; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not 0 < args.deadline <= 900:
        parser.error("--deadline must be more than 0 and at most 900 seconds")
    from vpcprobe import environment
    from vpcprobe.facts import url_label, url_target
    from vpcprobe.handler import parse_event
    from vpcprobe.runner import run_probe

    for index, text in enumerate(args.target):
        url, label = url_label(text)
        try:
            from_url = url_target(url)
        except ValueError as error:
            parser.error(f"--target {error}")
        if from_url is not None:  # read as diagnose reads it: host 443 (http 80), one note
            args.target[index] = from_url[0] + (f"={label}" if label is not None else "")
            print(f"{PROG}: note: {from_url[1]}", file=sys.stderr)
    request, errors = parse_event(request_from(args))
    if request is None:
        first = errors[0]
        field = (first.location or "").split(".", 1)[0]
        where = _OPTIONS.get(field, first.location or "")
        parser.error(f"{where}: {first.message}" if where else first.message)
    report = run_probe(
        request, budget_s=args.deadline, listener=_stderr_listener if args.verbose else None
    )
    print(environment.redact(json.dumps(report.to_json(), indent=2)))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Steps abandoned at the deadline may still block in a worker thread (getaddrinfo has
    # no timeout); the report is out, so leave now instead of joining them at exit.
    os._exit(code)
