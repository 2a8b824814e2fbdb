"""Remediation commands come from one module: no rule under rules/ formats an `aws ...`
command itself; each is a typed builder in rules/remedies.py (issue 10, section 4)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from vpcprobe_collector.rules import remedies

RULES = Path(remedies.__file__).parent
PREFIX = "aws "


# `aws <service> <verb>` anywhere in a string: every AWS CLI verb but a few (s3's ls, cp, mb...)
# is hyphenated (describe-vpcs), which prose naming a service ("aws lambda function") is not.
COMMAND = re.compile(r"\baws [a-z0-9{}-]+ [a-z0-9]+-[a-z0-9-]+")


def _text(node: ast.expr) -> str | None:
    """The text of a literal or an f-string (each `{...}` as `{}`), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
            for v in node.values
        )
    return None


def inline_commands(source: str) -> list[str]:
    """Where `source` writes a string (literal, f-string, or implicit concatenation of
    both) that starts with `aws `, or holds `aws <service> <verb>` anywhere: the line and
    the first words of the command."""
    tree = ast.parse(source)
    # The literal pieces of an f-string are judged with it, not on their own.
    inside = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant | ast.JoinedStr) or id(node) in inside:
            continue
        text = _text(node)
        if text is None:
            continue
        if text.startswith(PREFIX):
            found.append(f"line {node.lineno}: {' '.join(text.split()[:3])}")
        elif match := COMMAND.search(text):
            found.append(f"line {node.lineno}: {match.group(0)}")
    return sorted(set(found))


def test_the_checker_catches_what_it_forbids() -> None:
    assert inline_commands('c = "aws ec2 describe-vpcs"\n')
    assert inline_commands('c = f"aws ec2 create-route --route-table-id {rtb}"\n')
    assert inline_commands(
        'c = ("aws ec2 create-nat-gateway --subnet-id X " "--allocation-id Y")\n'
    )
    assert inline_commands('c = f"aws {service} get-x"\n')
    assert not inline_commands('c = "the aws console"\nd = f"{x} aws ec2"\n')
    # Inside prose, in an implicit concatenation or an f-string (CFG002's how_to_fix was one).
    assert inline_commands(
        'h = ("a security group (aws lambda update-function-configuration " "--vpc-config).")\n'
    )
    assert inline_commands('h = f"then run aws ec2 describe-route-tables --filters {f}"\n')
    assert inline_commands('h = f"then run aws {service} get-caller-identity"\n')
    assert not inline_commands('h = "an aws lambda function in a VPC, or aws ec2 networking"\n')


def test_no_rule_module_formats_an_aws_command() -> None:
    offenders = {
        path.name: found
        for path in sorted(RULES.glob("*.py"))
        if path.name != "remedies.py"
        and (found := inline_commands(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_commands_no_golden_shows_keep_their_text() -> None:
    """The commands the goldens do not show, as the rules wrote them before the move."""
    assert remedies.create_nat_gateway() == (
        "aws ec2 create-nat-gateway --subnet-id PUBLIC_SUBNET_ID --allocation-id EIP_ALLOCATION_ID"
    )
    assert remedies.create_nat_gateway("subnet-0pub") == (
        "aws ec2 create-nat-gateway --subnet-id subnet-0pub --allocation-id EIP_ALLOCATION_ID"
    )
    assert remedies.accept_tgw_attachment("tgw-attach-0a") == (
        "aws ec2 accept-transit-gateway-vpc-attachment --transit-gateway-attachment-id "
        "tgw-attach-0a"
    )
    assert remedies.associate_tgw_route_table("tgw-rtb-0b", "tgw-attach-0a") == (
        "aws ec2 associate-transit-gateway-route-table --transit-gateway-route-table-id "
        "tgw-rtb-0b --transit-gateway-attachment-id tgw-attach-0a"
    )
    assert remedies.create_vpc_peering(
        "vpc-0a", "vpc-0b", peer_owner_id="210987654321", peer_region="eu-west-1"
    ) == (
        "aws ec2 create-vpc-peering-connection --vpc-id vpc-0a --peer-vpc-id vpc-0b "
        "--peer-owner-id 210987654321 --peer-region eu-west-1"
    )
    assert remedies.create_vpc_peering("vpc-0a", "PEER_VPC_ID") == (
        "aws ec2 create-vpc-peering-connection --vpc-id vpc-0a --peer-vpc-id PEER_VPC_ID"
    )
    assert remedies.route("rtb-0a", "::/0", egress_only_internet_gateway_id="eigw-0c") == (
        "aws ec2 create-route --route-table-id rtb-0a --destination-ipv6-cidr-block ::/0 "
        "--egress-only-internet-gateway-id eigw-0c"
    )
    assert remedies.route(
        "rtb-0a",
        "10.2.0.0/16",
        replace=True,
        vpc_peering_connection_id="pcx-0d",
        region="eu-west-1",
    ) == (
        "aws ec2 replace-route --route-table-id rtb-0a --destination-cidr-block 10.2.0.0/16 "
        "--vpc-peering-connection-id pcx-0d --region eu-west-1"
    )
