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


# The words the path engine renders (a Hop's `rule` label and `detail`, a decision's
# `source_text`, an unread input's `what`, a step's `detail`) and the reasons it copies from a
# failed read (`reason`, `skipped_reason`: "AccessDenied on ec2:DescribeVpcs"). A rule may
# show them; it never compares them, looks inside them, or takes them apart.
SENTENCE_FIELDS = {"detail", "rule", "source_text", "what", "skipped_reason"}
# `Hop.reason` is a stable code ("blackhole"): comparing it is fine; searching inside the
# text of a read's reason is not.
REASON_FIELDS = {"reason"}
STRING_METHODS = {
    "startswith",
    "endswith",
    "find",
    "rfind",
    "index",
    "rindex",
    "count",
    "split",
    "rsplit",
    "partition",
    "rpartition",
    "splitlines",
    "removeprefix",
    "removesuffix",
}
# Methods that only change case or trim: harmless when a sentence is embedded in another
# (`d.detail.rstrip(".")`), parsing when what they return is searched or compared.
TRANSFORMS = {"lower", "upper", "casefold", "strip", "lstrip", "rstrip", "replace"}
# An AWS ID a rule looks for inside each of several strings (`hop.component_id in p for p in
# problems`) is searching sentences for IDs: keep the IDs in a set instead.
ID_FIELDS = {"component_id", "subnet_id", "route_table_id", "target_id", "vpc_id"}


def _field(node: ast.expr) -> str | None:
    """The text field an expression reads: `h.detail`, `(d.reason or "")`, `h.rule.lower()`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.BoolOp):
        return next((f for v in node.values if (f := _field(v))), None)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in TRANSFORMS
    ):
        return _field(node.func.value)
    return None


def sentence_reads(source: str) -> list[str]:
    """Where `source` compares a path object's words, searches in them or calls a string
    method on them (`hop.detail.startswith(...)`, `"denied" in d.reason`)."""
    found: list[str] = []
    tree = ast.parse(source)
    # Names bound by a comprehension (`for p in problems`): each one element, often a string.
    element_names = {
        n.id
        for c in ast.walk(tree)
        if isinstance(c, ast.comprehension)
        for n in ast.walk(c.target)
        if isinstance(n, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            # Grouping or indexing by a rendered label: `grouped[(hop.component_id, hop.rule)]`.
            keyed = {
                n.attr
                for n in ast.walk(node.slice)
                if isinstance(n, ast.Attribute) and n.attr in SENTENCE_FIELDS
            }
            found += [f"line {node.lineno}: keys on .{f}" for f in sorted(keyed)]
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands[:-1], operands[1:], strict=True):
                if (
                    isinstance(op, ast.In | ast.NotIn)
                    and _field(left) in ID_FIELDS
                    and isinstance(right, ast.Name)
                    and right.id in element_names
                ):
                    found.append(f"line {node.lineno}: .{_field(left)} in each {right.id}")
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands[:-1], operands[1:], strict=True):
                searched = _field(right) if isinstance(op, ast.In | ast.NotIn) else None
                if searched in SENTENCE_FIELDS | REASON_FIELDS:
                    found.append(f"line {node.lineno}: ... in .{searched}")
                elif not isinstance(op, ast.Is | ast.IsNot) and (
                    (f := _field(left) or _field(right)) in SENTENCE_FIELDS
                    and not _is_none(left if _field(right) else right)
                ):
                    found.append(f"line {node.lineno}: compares .{f}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            field = _field(node.func.value)
            if node.func.attr in STRING_METHODS and field in SENTENCE_FIELDS | REASON_FIELDS:
                found.append(f"line {node.lineno}: .{field}.{node.func.attr}(...)")
    return found


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def test_the_sentence_checker_catches_what_it_forbids() -> None:
    assert sentence_reads("x = hop.detail.startswith('Route')\n")
    assert sentence_reads("x = 'AccessDenied' in d.reason\n")
    assert sentence_reads("x = d.reason.lower().endswith('denied')\n")
    assert sentence_reads("x = hop.rule == 'rule 90'\n")
    assert sentence_reads("x = 'tcp 443' not in h.rule\n")
    assert sentence_reads("x = step.source_text.split(' ')\n")
    assert not sentence_reads("x = hop.reason == 'blackhole'\n")
    assert not sentence_reads("x = hop.reason in ('blackhole', 'unheld')\n")
    assert not sentence_reads("x = hop.detail is None or hop.rule != None\n")
    assert sentence_reads("x = any(c in (d.reason or '') for c in CODES)\n")
    assert sentence_reads("x = 'denied' in d.skipped_reason.lower()\n")
    assert not sentence_reads("x = hop.rule_number == 90\nmsg = f'{hop.detail}'\n")
    assert not sentence_reads("text = d.detail.rstrip('.') + ' (target x)'\n")
    # V6001 and DNS003 did these before they read typed fields:
    assert sentence_reads("x = any(hop.component_id in p for p in problems)\n")
    assert sentence_reads("grouped[(hop.component_id, hop.rule if hop else None)].append(p)\n")
    assert not sentence_reads("x = hop.component_id in named\n")
    assert not sentence_reads("x = [r for r in rules if r.subnet_id in wanted]\n")
    assert not sentence_reads("grouped[_decision(path.decided_by)].append(p)\n")


def test_no_rule_module_reads_the_path_engines_words() -> None:
    offenders = {
        (path.name, use.split(": ", 1)[1])
        for path in sorted(RULES.glob("*.py"))
        for use in sentence_reads(path.read_text(encoding="utf-8"))
    }
    assert offenders == set()


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
