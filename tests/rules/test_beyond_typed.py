"""Beyond-the-VPC rules read typed fields of the decisions, never their sentences."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios import golden
from vpcprobe_collector.findings.model import FindingStatus
from vpcprobe_collector.paths.beyond import far_side
from vpcprobe_collector.rules.engine import judge
from vpcprobe_collector.snapshot.model import SkippedRead

SCENARIOS = Path(__file__).parents[1] / "scenarios"
UNREADABLE = SCENARIOS / "peering-far-side-unreadable"


def _far_side_messages(error_code: str | None, reason: str, api: str | None = None) -> list[str]:
    """PCX007's messages for the unreadable-far-side scenario, the far VPC's failed read
    typed as `error_code` and worded as `reason`."""
    loaded = golden.load(UNREADABLE)
    (remote,) = loaded.snapshot.beyond.remote_vpcs
    remote.reason = reason
    remote.error_code = error_code
    remote.api = (api or "ec2:DescribeVpcs") if error_code else None
    _, findings = judge(
        loaded.snapshot, loaded.reports, loaded.targets, probe_failures=loaded.failures
    )
    found = [f for f in findings if f.code == "PCX007"]
    assert found and all(f.status is FindingStatus.SKIPPED for f in found)
    return [f.message for f in found]


def test_a_denied_far_side_read_names_the_role_from_the_typed_error_code() -> None:
    # The sentence carries no error code: only the typed field says it was denied.
    (message,) = _far_side_messages("UnauthorizedOperation", "the far account refused")
    assert "a role in account 210987654321 allowed ec2:DescribeVpcs" in message


def test_a_role_that_could_not_be_assumed_points_at_its_trust_policy_not_at_more_reads() -> None:
    # The role was given but AssumeRole was refused: more EC2 permissions would not help.
    (message,) = _far_side_messages("AccessDenied", "the role was refused", "sts:AssumeRole")
    assert "could not be assumed: its trust policy must name this caller" in message
    assert "would let it be read" not in message


def test_a_reason_that_merely_mentions_a_denied_code_is_not_taken_for_a_denial() -> None:
    # Throttled, with a reason whose words happen to contain "AccessDenied": not a denial.
    (message,) = _far_side_messages("Throttling", "AccessDenied-like words in a message")
    assert "would let it be read" not in message


def test_a_bundle_without_the_typed_code_takes_it_from_the_skipped_read() -> None:
    loaded = golden.load(UNREADABLE)
    (remote,) = loaded.snapshot.beyond.remote_vpcs
    remote.error_code = remote.api = None  # as an older collector wrote it
    loaded.snapshot.skipped.append(
        SkippedRead(
            api="ec2:DescribeVpcs",
            error_code="AccessDenied",
            message="denied",
            resource_ids=[remote.vpc_id],
        )
    )
    d = far_side.unread(loaded.snapshot, remote, remote.vpc_id, remote.account_id, "pcx-1")
    assert (d.error_code, d.api) == ("AccessDenied", "ec2:DescribeVpcs")
