"""The collector honours the standard AWS environment, including AWS_REGION alone."""

from __future__ import annotations

import pytest

from vpcprobe_collector.aws import make_session
from vpcprobe_collector.cli import main
from vpcprobe_collector.errors import AwsAccessError


def test_aws_region_alone_sets_the_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert make_session().region_name == "eu-central-1"


def test_aws_default_region_and_the_flag_win_over_aws_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert make_session().region_name == "us-west-2"
    assert make_session(region="ap-south-1").region_name == "ap-south-1"


def test_no_region_at_all_is_a_clear_access_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(AwsAccessError, match="no AWS region set"):
        make_session()


def test_a_command_runs_with_only_aws_region_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The user's case: AWS_REGION exported, the endpoint closed (nothing answers on loopback)."""
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    code = main(["snapshot", "orders-api"])
    err = capsys.readouterr().err
    assert "no AWS region set" not in err
    assert code in (2, 3) and err.startswith("vpcprobe: error:")
