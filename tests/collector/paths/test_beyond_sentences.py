"""Sentences beyond the VPC are rendered in one place (paths/describe.py) from typed fields:
the modules under paths/beyond/ return decisions without a sentence of their own."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from tests.scenarios import catalog_beyond as cb
from vpcprobe_collector.paths import describe
from vpcprobe_collector.paths.beyond import model, vpn
from vpcprobe_collector.paths.beyond.follow import follow_function_paths
from vpcprobe_collector.paths.model import HopOutcome
from vpcprobe_collector.snapshot.model import VpnConnection, VpnTunnel


def _connection(state: str, *statuses: str) -> VpnConnection:
    return VpnConnection(
        vpn_connection_id="vpn-0e0e",
        state=state,
        tunnels=[
            VpnTunnel(outside_ip_address=f"203.0.113.{i}", status=s, status_message=None)
            for i, s in enumerate(statuses, start=1)
        ],
    )


def test_vpn_decisions_carry_facts_only_and_describe_words_them() -> None:
    down = vpn.connection_decision(_connection("available", "DOWN", "DOWN"))
    assert down.outcome is HopOutcome.DENY
    assert down.tunnel_statuses == (("203.0.113.1", "DOWN"), ("203.0.113.2", "DOWN"))
    assert describe.beyond_sentence(down) == (
        "VPN connection vpn-0e0e: all 2 tunnels are DOWN (203.0.113.1: DOWN, 203.0.113.2: "
        "DOWN), so nothing reaches the network behind it."
    )
    up = vpn.connection_decision(_connection("available", "UP", "DOWN"))
    assert describe.beyond_sentence(up).startswith(
        "The path leaves AWS through VPN connection vpn-0e0e (1 of 2 tunnels UP)"
    )
    gone = vpn.connection_decision(_connection("deleted"))
    assert describe.beyond_sentence(gone) == "VPN connection vpn-0e0e is deleted, not available."
    quiet = vpn.connection_decision(_connection("available"))
    assert quiet.outcome is HopOutcome.UNKNOWN
    assert describe.beyond_sentence(quiet) == (
        "VPN connection vpn-0e0e is available but reports no tunnel status."
    )


def test_peering_decisions_carry_facts_only() -> None:
    for name in ("peering-healthy", "peering-not-active", "peering-cidrs-overlap"):
        snapshot = cb.SCENARIOS[name]().snapshot
        (path, *_) = follow_function_paths(snapshot, cb.FAR_DB, 5432)
        first = path.decisions[0]
        assert describe.beyond_sentence(first).startswith("VPC peering connection pcx-"), name


BEYOND = Path(model.__file__).parent


def _sentence_arguments(tree: ast.AST) -> list[str]:
    """Where a `Decision(...)` call under paths/beyond/ hands its own sentence: a `detail=`
    keyword, or a fourth positional argument (where `detail` used to go)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name != "Decision":
            continue
        if len(node.args) > 3 or any(k.arg == "detail" for k in node.keywords):
            found.append(f"line {node.lineno}")
    return found


def test_no_module_under_paths_beyond_writes_a_decision_sentence() -> None:
    """Every sentence beyond the VPC is written in paths/describe.py: a module under
    paths/beyond/ that builds one for `detail` (an f-string or a literal as the fourth
    argument, or `detail=`) fails here. Decision has no `detail` field to fill."""
    offenders = {
        path.name: hits
        for path in sorted(BEYOND.glob("*.py"))
        if (hits := _sentence_arguments(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}
    assert "detail" not in {f.name for f in dataclasses.fields(model.Decision)}


def _all_decisions() -> list[tuple[str, model.Decision]]:
    out = []
    for name, build in sorted(cb.SCENARIOS.items()):
        snapshot = build().snapshot
        for port in (5432, 443):
            for path in follow_function_paths(snapshot, cb.FAR_DB, port):
                out += [(name, d) for d in path.decisions]
    return out


def test_an_unknown_hop_shown_as_information_keeps_its_sentence() -> None:
    """Once a path leaves the VPC an unknown hop is shown as information (`outcome=INFO`):
    its sentence still says what was not read, because the words key on the typed case."""
    decisions = _all_decisions()
    unknown = [(n, d) for n, d in decisions if d.outcome is HopOutcome.UNKNOWN]
    assert unknown, "the beyond scenarios have unknown hops"
    for name, d in unknown:
        shown = dataclasses.replace(d, outcome=HopOutcome.INFO)
        assert shown.detail == d.detail, (name, d.step)


def test_far_nacl_partial_is_typed_and_worded() -> None:
    """A far NACL that allows only part of the ports is stored as DENY with its own outcome
    typed (`nacl_outcome=PARTIAL`), and described from it."""
    d = model.Decision(
        model.Step.FAR_NACL_INBOUND,
        HopOutcome.DENY,
        "acl-0far",
        subnet_id="subnet-0far",
        rule="rule 100",
        nacl_outcome=HopOutcome.PARTIAL,
        port=5432,
        protocol="tcp",
        source_cidr="10.0.1.0/24",
    )
    assert d.detail == (
        "Network ACL acl-0far of destination subnet subnet-0far (rule 100) allows only part "
        "of inbound TCP 5432 from 10.0.1.0/24."
    )
    ret = dataclasses.replace(d, step=model.Step.FAR_NACL_OUTBOUND_RETURN, nacl_outcome=None)
    assert ret.detail == "No network ACL of subnet-0far was read."


def test_every_beyond_step_is_worded_in_describe() -> None:
    """No step falls back to the bare "component: outcome." form."""
    for name, d in _all_decisions():
        assert not d.detail.endswith(f"{d.component}: {d.outcome.value}."), (name, d.step)
    assert set(describe._BEYOND_WORDS) == set(model.Step)
