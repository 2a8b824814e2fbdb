"""The catalogue in docs/findings/ is generated from the registry and the ledger keeps codes."""

from __future__ import annotations

import re
from pathlib import Path

from vpcprobe_collector.cli import main
from vpcprobe_collector.rules.catalogue import read_ledger, render_all
from vpcprobe_collector.rules.registry import ALL_RULES, rule_by_code

DOCS = Path(__file__).parents[2] / "docs" / "findings"


def test_committed_docs_are_current() -> None:
    stale = [
        p.name for p, text in render_all(DOCS).items() if not p.exists() or p.read_text() != text
    ]
    assert stale == [], f"run `make docs`: stale {stale}"


def test_ledger_holds_every_code_with_its_name_once() -> None:
    ledger = read_ledger(DOCS / "ids.txt")
    codes = [code for code, _ in ledger]
    assert len(codes) == len(set(codes)), "a code appears twice in ids.txt"
    names = dict(ledger)
    for rule in ALL_RULES:
        assert names.get(rule.code) == rule.name, f"{rule.code} missing or renamed in ids.txt"


def test_registry_codes_are_unique_well_formed_and_named_by_problem() -> None:
    codes = [r.code for r in ALL_RULES]
    assert len(codes) == len(set(codes))
    for rule in ALL_RULES:
        assert re.fullmatch(r"[A-Z][A-Z0-9]{1,3}\d{3}", rule.code), rule.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.name), rule.name
        assert not rule.name.startswith(("add-", "enable-", "allow-", "fix-")), rule.name
        assert rule.summary and rule.why and rule.how_to_fix and rule.title
        assert rule.doc_url == f"docs/findings/{rule.code}.md"


def test_every_observable_cause_has_a_rule() -> None:
    covered = {c for r in ALL_RULES for c in r.causes}
    assert {f"C{n:02d}" for n in range(1, 25)} <= covered


def test_rules_command_lists_every_code(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert all(f"{r.code}  " in out for r in ALL_RULES)
    assert main(["rules", "--format", "json"]) == 0
    assert '"code": "DNS002"' in capsys.readouterr().out


def test_explain_prints_the_rule_and_rejects_unknown_codes(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["explain", "dns002"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# DNS002 custom-dhcp-dns-unreachable")
    assert "## How to fix" in out
    assert main(["explain", "XYZ999"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "vpcprobe: error: unknown finding code 'XYZ999'; run 'vpcprobe rules' to list the codes"
    ]
    assert rule_by_code("XYZ999") is None


CAUSES_PAGE = DOCS.parent / "causes.md"


def test_every_cause_is_in_the_repository_with_the_codes_that_name_it() -> None:
    from vpcprobe_collector.rules.causes import CAUSES

    text = CAUSES_PAGE.read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| (C\d\d) \|.*$", text, re.M)}
    # C01-C32 at least, numbered without gaps, each once
    numbers = [int(c.code[1:]) for c in CAUSES]
    assert numbers == list(range(1, len(CAUSES) + 1)) and len(CAUSES) >= 32
    assert sorted(rows) == [c.code for c in CAUSES]
    for cause in CAUSES:
        listed = set(re.findall(r"\[([A-Z0-9]+)\]\(findings/", rows[cause.code]))
        naming = {r.code for r in ALL_RULES if cause.code in r.causes}
        assert listed == naming, cause.code
        assert all(rule_by_code(code) is not None for code in listed)


def test_every_cause_a_rule_names_exists() -> None:
    from vpcprobe_collector.rules.causes import CAUSES

    known = {c.code for c in CAUSES}
    assert {c for r in ALL_RULES for c in r.causes} <= known
