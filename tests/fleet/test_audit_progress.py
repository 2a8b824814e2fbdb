"""`vpcprobe audit` on a terminal: rich progress bars on stderr, the same report on stdout.

The command runs in a child process whose stderr is a pseudo-terminal (os.openpty) and whose
stdout is a pipe, exactly as `vpcprobe audit > report.txt` in a terminal; the silent case is
the same command with stderr piped too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Sequence

import pytest

from tests.fleet.conftest import Stand

FUNCTIONS = ("--function", "healthy-00", "--function", "no-nat-route-00")
# A colour in an SGR sequence: 30-37/90-97 foreground, 40-47 background, 38/48 extended.
COLOUR = re.compile(r"\x1b\[(?:[0-9]+;)*(?:3[0-8]|4[0-8]|9[0-7])(?:;[0-9]+)*m")


def _run(args: Sequence[str], *, terminal: bool, env: dict[str, str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `python -m vpcprobe_collector ARGS`."""
    command = [sys.executable, "-m", "vpcprobe_collector", *args]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        return done.returncode, done.stdout, done.stderr
    leader, follower = os.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL, env=env
    ) as child:
        os.close(follower)
        out, _ = child.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(leader)
    return child.returncode, out.decode(), b"".join(chunks).decode(errors="replace")


@pytest.fixture
def env(through_proxy: Stand) -> dict[str, str]:
    environment = {**os.environ, "COLUMNS": "120", "TERM": "xterm-256color"}
    environment.pop("NO_COLOR", None)
    return environment


def test_progress_bars_show_on_a_terminal_and_the_report_is_unchanged(
    env: dict[str, str],
) -> None:
    code, out, err = _run(["audit", *FUNCTIONS], terminal=True, env=env)
    piped_code, piped_out, piped_err = _run(["audit", *FUNCTIONS], terminal=False, env=env)

    for label in ("regions", "VPCs read", "functions judged"):
        assert label in err, err
    assert "━" in err  # the bar itself
    assert code == piped_code == 1
    assert out == piped_out
    assert "no-nat-route-00" in out and "RTE001" in out
    # Silent when piped: no bar and no terminal control codes.
    assert "functions judged" not in piped_err
    assert "\x1b" not in piped_err


@pytest.mark.parametrize(
    ("how", "flags"), [("NO_COLOR", ()), ("--color never", ("--color", "never"))]
)
def test_no_color_keeps_the_bars_and_drops_their_colour(
    env: dict[str, str], how: str, flags: tuple[str, ...]
) -> None:
    if how == "NO_COLOR":
        env = {**env, "NO_COLOR": "1"}
    code, out, err = _run([*flags, "audit", *FUNCTIONS], terminal=True, env=env)
    _, piped_out, _ = _run(["audit", *FUNCTIONS], terminal=False, env=env)
    assert "functions judged" in err
    assert COLOUR.search(err) is None, repr(err[:400])
    assert code == 1
    assert out == piped_out
    if flags:  # the same run without --color never does colour its bars
        _, _, coloured = _run(["audit", *FUNCTIONS], terminal=True, env=env)
        assert COLOUR.search(coloured) is not None


def test_the_bars_name_the_call_they_wait_for() -> None:
    """An endpoint that accepts and never answers: while the bars are up, their last row says
    which call is waited for (the one-line progress other commands show is held off by the
    bars, and said nothing here)."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # connections queue and nobody ever answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    env = {**os.environ, "COLUMNS": "160", "TERM": "xterm-256color", "AWS_MAX_ATTEMPTS": "1"}
    env.update({"AWS_ENDPOINT_URL": url, "AWS_REGION": "us-east-1"})
    try:
        code, _out, err = _run(
            ["audit", "--function", "orders-api", "--cli-read-timeout", "2"],
            terminal=True,
            env=env,
        )
    finally:
        silent.close()
    assert code == 3
    assert "functions judged" in err
    assert re.search(r"waiting for (sts|lambda|ec2):\w+ \(" + re.escape(url), err), err[-600:]
