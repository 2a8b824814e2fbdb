"""CFG002: a function outside every VPC is a finding of its own; a function that could not be
read is not judged "not in a VPC"."""

from __future__ import annotations

from tests.scenarios import builder as b
from vpcprobe_collector.findings.model import FindingStatus, TargetSpec
from vpcprobe_collector.rules.engine import judge
from vpcprobe_collector.rules.function_setup import FunctionNotInVpc
from vpcprobe_collector.snapshot.model import (
    MALFORMED_RESPONSE,
    FunctionVpcConfig,
    SkippedRead,
)

DB = TargetSpec(host=b.DB_ADDRESS, port=5432, label="orders-db")


def cfg002(snapshot_changes: dict[str, object]) -> list[tuple[FindingStatus, str]]:
    snap = b.healthy().model_copy(update=snapshot_changes)
    _, findings = judge(snap, [], [DB], rules=(FunctionNotInVpc,))
    return [(f.status, f.message) for f in findings]


def test_getfunction_denied_is_skipped_not_not_in_a_vpc() -> None:
    denied = SkippedRead(api="lambda:GetFunction", error_code="AccessDeniedException", message="x")
    assert cfg002({"function": None, "skipped": [denied]}) == [
        (FindingStatus.SKIPPED, "Not checked: AccessDeniedException on lambda:GetFunction.")
    ]


def test_getfunction_malformed_is_skipped_not_not_in_a_vpc() -> None:
    bad = SkippedRead(api="lambda:GetFunction", error_code=MALFORMED_RESPONSE, message="{}")
    [(status, message)] = cfg002({"function": None, "skipped": [bad]})
    assert status is FindingStatus.SKIPPED
    assert MALFORMED_RESPONSE in message


def test_empty_subnets_is_not_in_a_vpc_and_names_the_private_target() -> None:
    snap = b.healthy()
    assert snap.function is not None
    snap.function.vpc_config = FunctionVpcConfig(security_group_ids=[b.SG_FN])
    [(status, message)] = cfg002({"function": snap.function})
    assert status is FindingStatus.FAIL
    assert message == (
        f"Function {b.FUNCTION} has VpcConfig with no subnets (security groups {b.SG_FN}): it "
        "reaches the internet directly and never a private address, so orders-db cannot be "
        "reached."
    )


def test_attached_function_passes() -> None:
    [(status, _)] = cfg002({})
    assert status is FindingStatus.PASS
