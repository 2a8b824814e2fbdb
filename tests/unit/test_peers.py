"""--assume-role and the [peers] table: which role reads a far side in which account."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcprobe_collector.cli import main
from vpcprobe_collector.contract import load_contract
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.peers import peer_roles

ROLE = "arn:aws:iam::210987654321:role/vpcprobe-reader"


def test_the_command_line_role_wins_over_the_config_for_its_account() -> None:
    configured = {"210987654321": "arn:aws:iam::210987654321:role/old"}
    assert peer_roles([ROLE], configured) == {"210987654321": ROLE}


@pytest.mark.parametrize(
    "bad", ["vpcprobe-reader", "arn:aws:iam::123:role/x", "arn:aws:iam::210987654321:user/x"]
)
def test_a_bad_role_arn_is_one_clear_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    code = main(["path", "orders-api", "--to", "10.2.1.20:5432", "--assume-role", bad])
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "is not an IAM role ARN" in err
    assert "Traceback" not in err


def test_two_roles_for_one_account_are_refused() -> None:
    with pytest.raises(BadInputError, match="two roles for account 210987654321"):
        peer_roles([ROLE, "arn:aws:iam::210987654321:role/other"])


def test_the_peers_table_maps_accounts_to_roles(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(f'[peers]\n"210987654321" = "{ROLE}"\n', encoding="utf-8")
    assert load_contract(good).peers == {"210987654321": ROLE}
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(f'[peers]\n"111122223333" = "{ROLE}"\n', encoding="utf-8")
    with pytest.raises(BadInputError, match="not a role in account 111122223333"):
        load_contract(wrong)
