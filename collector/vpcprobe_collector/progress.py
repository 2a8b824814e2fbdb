"""One line on a terminal's stderr that says which AWS call the command is waiting for.

Every session from `aws.py` reports its calls here; `cli.main` puts the line up for the
command when stderr is a terminal (never when it is piped, never with --quiet). With
--color never or NO_COLOR the line is plain text rewritten with carriage returns, with no
ANSI escape. Anything the command writes to stdout or stderr first wipes the line, and a
display of its own (audit's progress bars) holds it off while it is up: one live display
at a time.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def color_wanted(choice: str | None, stream: Any) -> bool:
    """--color always|never; auto (None too): `stream` is a terminal and NO_COLOR is unset or
    empty (no-color.org: a --color option given on the command line wins over NO_COLOR)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    return _is_terminal(stream) and not os.environ.get("NO_COLOR")


class Line:
    """The progress line itself: what is being waited for, drawn on `stream` in place."""

    def __init__(self, stream: IO[str], *, color: bool) -> None:
        self._stream = stream
        self._color = color
        self._lock = threading.RLock()
        self._calls: dict[int, str] = {}  # the calls in flight by token, oldest first
        self._next_token = 0
        self._status = ""
        self._shown = ""
        self._held = 0
        self._sink: Callable[[str], None] | None = None  # the holding display's own row
        self._frame = 0

    def waiting(self, api: str, endpoint: str) -> int:
        """A call starts: the line names it and its endpoint. Returns the call's token."""
        with self._lock:
            self._next_token += 1
            self._calls[self._next_token] = f"waiting for {api} ({endpoint})…"
            self._draw()
            return self._next_token

    def finished(self, token: int | None) -> None:
        """The call `waiting` gave `token` ended (answered or failed): the line names the
        newest call still waited for. An unknown token (a call started before the line was
        up) removes nothing."""
        with self._lock:
            if token is not None:
                self._calls.pop(token, None)
            self._draw()

    def status(self, message: str) -> None:
        """What the command is doing between calls ("judging…"); empty clears it."""
        with self._lock:
            self._status = message
            self._draw()

    def clear(self) -> None:
        """Wipe the line (before other output); the next call or status draws it again."""
        with self._lock:
            self._write("")

    @contextlib.contextmanager
    def held(self, sink: Callable[[str], None] | None = None) -> Iterator[None]:
        """Draw nothing while another live display is on the terminal; with `sink`, hand it
        the text instead (a row of that display), so the call waited for is still named."""
        with self._lock:
            self._held += 1
            saved, self._sink = self._sink, sink or self._sink
            self._write("")
        try:
            yield
        finally:
            with self._lock:
                self._held -= 1
                self._sink = saved

    def _draw(self) -> None:
        newest = next(reversed(self._calls.values())) if self._calls else None
        if self._held:
            if self._sink is not None:
                with contextlib.suppress(Exception):  # a display's trouble never ends a run
                    self._sink(newest or "")
            return
        self._write(newest if newest is not None else self._status)

    def _write(self, text: str) -> None:
        text = text[: max(10, self._columns() - 3)]
        if text == self._shown:
            return
        if self._color:
            out = "\r\x1b[2K"
            if text:
                self._frame = (self._frame + 1) % len(FRAMES)
                out += f"\x1b[36m{FRAMES[self._frame]}\x1b[0m \x1b[2m{text}\x1b[0m"
        else:
            out = "\r" + " " * (len(self._shown) + 2) + "\r" + (f"- {text}" if text else "")
        self._shown = text
        with contextlib.suppress(OSError, ValueError):
            self._stream.write(out)
            self._stream.flush()

    def _columns(self) -> int:
        """COLUMNS, else the terminal's width, else 80 (a new pseudo-terminal says 0)."""
        with contextlib.suppress(ValueError):
            if int(os.environ.get("COLUMNS", "0")) > 0:
                return int(os.environ["COLUMNS"])
        try:
            return os.get_terminal_size(self._stream.fileno()).columns or 80
        except (AttributeError, ValueError, OSError):
            return 80


class _Wiping:
    """A stream that wipes the progress line before anything is written to it."""

    def __init__(self, stream: Any, line: Line) -> None:
        self._wrapped = stream
        self._line = line

    def write(self, text: str) -> int:
        if text:
            self._line.clear()
        return int(self._wrapped.write(text))

    def writelines(self, lines: Any) -> None:
        for text in lines:
            self.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


_current: Line | None = None


def waiting(api: str, endpoint: str) -> int | None:
    """A call starts (aws.Session's hook); nothing unless a line is up. Returns the token
    `finished` takes."""
    if _current is not None:
        return _current.waiting(api, endpoint)
    return None


def finished(token: int | None) -> None:
    """The call `waiting` gave `token` ended (aws.Session's hook)."""
    if _current is not None:
        _current.finished(token)


def status(message: str) -> None:
    """What the command does between calls; nothing unless a line is up."""
    if _current is not None:
        _current.status(message)


@contextlib.contextmanager
def held(sink: Callable[[str], None] | None = None) -> Iterator[None]:
    """While another live display (rich progress bars) is up, the line draws nothing; with
    `sink`, that display is told which call is waited for ("" when none)."""
    line = _current
    if line is None:
        yield
        return
    with line.held(sink):
        yield


@contextlib.contextmanager
def on_terminal(*, quiet: bool = False, color: str | None = None) -> Iterator[Line | None]:
    """The progress line for one command, when stderr is a terminal and not `quiet`."""
    global _current
    if quiet or _current is not None or not _is_terminal(sys.stderr):
        yield None
        return
    stdout, stderr = sys.stdout, sys.stderr
    line = Line(stderr, color=color_wanted(color, stderr))
    _current = line
    sys.stdout, sys.stderr = _Wiping(stdout, line), _Wiping(stderr, line)
    try:
        yield line
    finally:
        _current = None
        line.clear()
        sys.stdout, sys.stderr = stdout, stderr
