"""The HTML report opened in headless Chromium: it renders, and injected markup stays inert."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.report.samples import HOSTILE, diagnosis
from vpcprobe_collector.report import render

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (`make browser-deps` installs it as root)"
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with no network chatter; kill its whole group if it hangs."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=tmp_path,
    )
    try:
        stdout, stderr = process.communicate(timeout=60)
    finally:
        # Chromium's helpers (zygote, utility) share the session: make sure none outlive it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def test_html_report_renders_and_injected_script_stays_inert(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(diagnosis(hostile=True), "html"), encoding="utf-8")

    result = chromium(tmp_path, "--dump-dom", page.as_uri())

    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<title>vpcprobe: orders-api</title>" in dom  # the script did not retitle the page
    assert "pwned</title>" not in dom
    # the injected value is there as text, escaped, in the rendered document
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert 'id="summary"' in dom and "1 problem (1 high)" in dom
    assert "DNS002" in dom and "custom-dhcp-dns-unreachable" in dom
    for complaint in ("Uncaught", "Content Security Policy", "Failed to load resource"):
        assert complaint not in result.stderr, result.stderr[-2000:]
    assert HOSTILE not in dom
