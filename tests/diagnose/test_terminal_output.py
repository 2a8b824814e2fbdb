"""What a terminal shows: the line naming each AWS call waited for, and colour only where
wanted (--color, NO_COLOR as no-color.org says). The real `vpcprobe` runs in a fresh process
with its stdout and stderr on pseudo-terminals (os.openpty) or pipes, against moto."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support import aws_scenarios
from tests.support.moto_server import MotoServer
from vpcprobe_collector import progress

pytestmark = pytest.mark.moto

ESC = b"\x1b"


@dataclass
class Seen:
    code: int
    out: bytes
    err: bytes


@pytest.fixture(scope="module")
def scenario(moto_server: MotoServer) -> Iterator[aws_scenarios.Scenario]:
    """One healthy function for the module (tests only read it)."""
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        patch.setenv("AWS_ENDPOINT_URL", moto_server.url)
        yield aws_scenarios.build_healthy(moto_server.session())


def _drain(fd: int, into: bytearray) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other end is closed
            return
        if not chunk:
            return
        into.extend(chunk)


def run_vpcprobe(
    moto: MotoServer, *argv: str, tty_out: bool, tty_err: bool, env: dict[str, str] | None = None
) -> Seen:
    """`python -m vpcprobe_collector ARGV` with stdout/stderr on terminals or pipes."""
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update(AWS_ENDPOINT_URL=moto.url, TERM="xterm", COLUMNS="200", **(env or {}))
    ends: list[tuple[int, int]] = [os.openpty() if tty else os.pipe() for tty in (tty_out, tty_err)]
    captured = [bytearray(), bytearray()]
    readers = [
        threading.Thread(target=_drain, args=(read, into), daemon=True)
        for (read, _), into in zip(ends, captured, strict=True)
    ]
    for reader in readers:
        reader.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "vpcprobe_collector", *argv],
            stdin=subprocess.DEVNULL,
            stdout=ends[0][1],
            stderr=ends[1][1],
            env=environment,
            timeout=120,
            check=False,
        )
    finally:
        for _, write in ends:
            os.close(write)
        for reader in readers:
            reader.join(timeout=10)
        for read, _ in ends:
            os.close(read)
    return Seen(done.returncode, bytes(captured[0]), bytes(captured[1]))


def test_on_a_terminal_the_line_names_the_call_and_its_endpoint(
    scenario: aws_scenarios.Scenario, moto_server: MotoServer
) -> None:
    seen = run_vpcprobe(
        moto_server, "snapshot", scenario.function_name, tty_out=False, tty_err=True
    )
    assert seen.code == 0, seen.err
    assert f"waiting for lambda:GetFunction ({moto_server.url})".encode() in seen.err
    assert f"waiting for ec2:DescribeSubnets ({moto_server.url})".encode() in seen.err
    last = seen.err.rindex(b"waiting for")
    assert b"\r\x1b[2K" in seen.err[last:]  # wiped before the command ends or writes
    assert b"waiting" not in seen.out


@pytest.mark.parametrize("command", ["snapshot", "diagnose"])
def test_piped_there_is_no_progress_at_all(
    scenario: aws_scenarios.Scenario, moto_server: MotoServer, command: str
) -> None:
    argv = [command, scenario.function_name] + (["--no-probe"] if command == "diagnose" else [])
    seen = run_vpcprobe(moto_server, *argv, tty_out=False, tty_err=False)
    assert seen.code in (0, 4), seen.err
    assert b"waiting for" not in seen.err and b"\r" not in seen.err
    assert ESC not in seen.err and ESC not in seen.out


@pytest.mark.parametrize(
    ("options", "env"),
    [([], {"NO_COLOR": "1"}), (["--color", "never"], {})],
    ids=["NO_COLOR=1", "--color never"],
)
def test_without_colour_the_line_is_plain_text(
    scenario: aws_scenarios.Scenario,
    moto_server: MotoServer,
    options: list[str],
    env: dict[str, str],
) -> None:
    argv = ["diagnose", scenario.function_name, "--no-probe", *options]
    seen = run_vpcprobe(moto_server, *argv, tty_out=True, tty_err=True, env=env)
    assert b"waiting for lambda:GetFunction" in seen.err  # still said, as plain text
    assert ESC not in seen.err
    assert ESC not in seen.out and b"no problems found" in seen.out


def test_no_color_leaves_errors_and_reports_of_every_kind_plain(
    scenario: aws_scenarios.Scenario, moto_server: MotoServer
) -> None:
    """NO_COLOR=1 on a terminal: no ANSI escape in a report, a path verdict or an error."""
    plain = {"NO_COLOR": "1"}
    runs = {
        "diagnose": ["diagnose", scenario.function_name, "--no-probe", "--target", "10.0.9.9:443"],
        "path": ["path", scenario.function_name, "--to", "10.0.9.9:443"],
        "error": ["diagnose", "no-such-function", "--no-probe", "--target", "10.0.9.9:443"],
        "bad input": ["diagnose", scenario.function_name, "--target", "nope"],
    }
    for name, argv in runs.items():
        seen = run_vpcprobe(moto_server, *argv, tty_out=True, tty_err=True, env=plain)
        assert seen.out or seen.err, name
        assert ESC not in seen.out + seen.err, (name, seen.out + seen.err)
    assert seen.code == 2 and b"vpcprobe: error:" in seen.err


def test_color_always_wins_over_no_color(
    scenario: aws_scenarios.Scenario, moto_server: MotoServer
) -> None:
    argv = ["--color", "always", "diagnose", scenario.function_name, "--no-probe"]
    seen = run_vpcprobe(moto_server, *argv, tty_out=True, tty_err=True, env={"NO_COLOR": "1"})
    assert b"\x1b[" in seen.out  # the report, coloured
    assert b"\x1b[2m" + b"waiting for lambda:GetFunction" in seen.err  # the line, coloured
    auto = run_vpcprobe(moto_server, *argv[2:], tty_out=True, tty_err=True)
    assert b"\x1b[" in auto.out  # auto on a terminal, no NO_COLOR: coloured too


def test_the_line_stays_away_while_audit_draws_its_bars(
    scenario: aws_scenarios.Scenario, moto_server: MotoServer
) -> None:
    """One live display at a time: audit's bars are up while it reads, so the call line is
    never drawn beside them (the call waited for is a row of the bars instead:
    tests/fleet/test_audit_progress.py::test_the_bars_name_the_call_they_wait_for)."""
    seen = run_vpcprobe(moto_server, "audit", tty_out=False, tty_err=True)
    assert seen.code in (0, 1, 4), seen.err
    assert b"functions judged" in seen.err  # the bars were drawn
    assert not [f for f in progress.FRAMES if f.encode() in seen.err]  # the line's spinner


def _shown(stream: io.StringIO) -> str:
    """What the plain (no colour) progress line shows now: the text after the last \\r."""
    return stream.getvalue().rsplit("\r", 1)[-1]


def test_the_progress_line_drops_the_call_that_finished_not_the_oldest() -> None:
    line = progress.Line(io.StringIO(), color=False)
    stream = line._stream
    assert isinstance(stream, io.StringIO)
    slow = line.waiting("ec2:DescribeSubnets", "https://ec2.example")
    quick = line.waiting("lambda:GetFunction", "https://lambda.example")
    assert _shown(stream) == "- waiting for lambda:GetFunction (https://lambda.example)…"
    line.finished(quick)  # the newer call answered; the older one is still waited for
    assert _shown(stream) == "- waiting for ec2:DescribeSubnets (https://ec2.example)…"
    line.finished(None)  # a call the line never heard start removes nothing
    assert _shown(stream) == "- waiting for ec2:DescribeSubnets (https://ec2.example)…"
    line.status("judging…")
    line.finished(slow)
    assert _shown(stream) == "- judging…"


def test_a_call_hands_its_own_token_to_the_progress_line(
    monkeypatch: pytest.MonkeyPatch, moto_server: MotoServer
) -> None:
    """Through the session's hooks: the call that ended is the one removed from the line."""
    from vpcprobe_collector.aws import AwsOptions, client, make_session

    stream = io.StringIO()
    monkeypatch.setattr(progress, "_current", progress.Line(stream, color=False))
    session = make_session(region="us-east-1", options=AwsOptions(endpoint_url=moto_server.url))
    outer = progress.waiting("ec2:DescribeVpcs", "https://still.waiting")
    client(session, "sts").get_caller_identity()
    assert _shown(stream) == "- waiting for ec2:DescribeVpcs (https://still.waiting)…"
    progress.finished(outer)
    assert _shown(stream) == ""
