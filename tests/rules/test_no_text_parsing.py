"""Rules read decisions, never sentences: nothing under rules/ matches regular expressions,
and the snapshot has no second route-table or ENI lookup beside the path engine's index."""

from __future__ import annotations

import ast
from pathlib import Path

from vpcprobe_collector.rules import registry
from vpcprobe_collector.snapshot.model import VpcSnapshot

RULES = Path(registry.__file__).parent
REGEX_MODULES = {"re", "regex", "fnmatch"}
# Methods that read text the way a regular expression would; on a hop's or finding's words
# they mean a rule is parsing what the path engine wrote.
TEXT_FIELDS = {"detail", "rule", "observed", "message", "explanation"}
PARSING_CALLS = {"search", "match", "fullmatch", "findall", "finditer", "split", "partition"}


def regex_uses(source: str) -> list[str]:
    """Where `source` imports a regex module or parses a hop's or evidence's text."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name.split(".")[0] in REGEX_MODULES
            ]
        elif (
            isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in REGEX_MODULES
        ):
            found.append(f"line {node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if (
                node.func.attr in PARSING_CALLS
                and isinstance(target, ast.Attribute)
                and target.attr in TEXT_FIELDS
            ):
                found.append(f"line {node.lineno}: .{target.attr}.{node.func.attr}(...)")
    return found


def test_the_checker_catches_what_it_forbids() -> None:
    assert regex_uses("import re\n")
    assert regex_uses("from re import search\n")
    assert regex_uses("n = hop.rule.split()[1]\n")
    assert regex_uses("x = finding.evidence[0].observed.partition('rule ')\n")
    assert not regex_uses("n = hop.rule_number\nparts = text.split(',')\n")


def test_no_rule_module_matches_text() -> None:
    offenders = {
        path.name: uses
        for path in sorted(RULES.glob("*.py"))
        if (uses := regex_uses(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_route_table_and_eni_lookups_live_only_in_the_index() -> None:
    assert not hasattr(VpcSnapshot, "route_table_for")
    assert not hasattr(VpcSnapshot, "interface_with_address")
