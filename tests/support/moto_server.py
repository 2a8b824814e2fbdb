"""moto in server mode on 127.0.0.1, in a subprocess: real HTTP, real botocore."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

REGION = "us-east-1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MotoServer:
    """A running moto server; `session()` gives a boto3 session pointed at it."""

    url: str
    process: subprocess.Popen[bytes]

    def reset(self) -> None:
        # S310: the URL is the loopback server we started.
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass

    def session(self, region: str = REGION, **credentials: str) -> Any:
        return boto3.Session(
            aws_access_key_id=credentials.get("access_key", "testing"),
            aws_secret_access_key=credentials.get("secret_key", "testing"),
            region_name=region,
        )

    def client(self, service: str, region: str = REGION) -> Any:
        return self.session(region).client(service, endpoint_url=self.url)


@contextlib.contextmanager
def run_moto_server(extra_env: dict[str, str] | None = None) -> Iterator[MotoServer]:
    """Start moto's server (tests/support/moto_launch.py) on a free loopback port; stop it
    (and wait) afterwards."""
    port = free_port()
    env = {**os.environ, **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.moto_launch", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        cwd=Path(__file__).resolve().parents[2],  # `tests` is importable from the checkout
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):  # noqa: S310
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield MotoServer(url=url, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
