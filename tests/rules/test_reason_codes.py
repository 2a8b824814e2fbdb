"""The reason-code table deploy/ reads agrees with the rules that recognise those codes."""

from __future__ import annotations

from vpcprobe_collector.findings.reason_codes import STATE_REASON_FINDINGS
from vpcprobe_collector.rules.registry import ALL_RULES


def test_the_table_is_what_the_rules_declare() -> None:
    declared = {
        reason: (rule.code, rule.name)
        for rule in ALL_RULES
        for reason in getattr(rule, "state_reason_codes", ())
    }
    assert declared == STATE_REASON_FINDINGS


def test_deploy_does_not_import_the_rules() -> None:
    import ast
    from pathlib import Path

    import vpcprobe_collector.deploy as deploy

    for path in Path(deploy.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
        assert not [m for m in imported if m.startswith("vpcprobe_collector.rules")], path.name
