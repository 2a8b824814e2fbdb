"""A check passes only over something it judged: "the target's security groups allow" is said
only where a path judged the target's groups (not for an address nobody holds, whose finding
is TGT005's, nor for a target beyond the VPC, which has no groups in this snapshot)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vpcprobe_collector import cli

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "target-address-unheld"


def test_no_target_security_group_pass_where_no_group_was_judged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    probes = [str(SCENARIO / f"probe-{n}.json") for n in (1, 2, 3)]
    code = cli.main(
        ["analyze", "--snapshot", str(SCENARIO / "snapshot.json"), "--probe-result", *probes,
         "--target", "db.orders.internal:5432=orders-db",
         "--target", "api.payments.example.com:443=payments-api", "--format", "json"]
    )  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    sgr002 = [f for f in report["findings"] if f["code"] == "SGR002"]
    assert sgr002 == [], sgr002  # it said "The target's security groups allow TCP to 10.1.1.20"
    tgt005 = [f for f in report["findings"] if f["code"] == "TGT005"]
    assert [f["status"] for f in tgt005 if f["target"] == "orders-db"] == ["fail"]
    assert any(  # the function's own groups were judged, and are still said to allow it
        f["code"] == "SGR001" and f["status"] == "pass" and f["target"] == "orders-db"
        for f in report["findings"]
    )
