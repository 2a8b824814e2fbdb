"""An AWS endpoint stand-in on 127.0.0.1 that misbehaves on purpose, and counts the requests.

Modes: `silent` accepts and reads each request and never answers; `cut` answers 200 with
the first bytes of an XML document (a body cut short); `html` answers 502 with an HTML page,
as a proxy or load balancer in front of an endpoint does.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

HTML_PAGE = (
    "<!DOCTYPE html>\n<html>\n<head>\n<title>502 Bad Gateway</title>\n</head>\n<body>\n"
    "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n"
    + "<!-- padding -->\n" * 20
    + "</body>\n</html>\n"
)


@dataclass
class OddEndpoint:
    """The running endpoint: its URL and how many requests reached it."""

    url: str
    mode: str
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> None:
        with self._lock:
            self.requests += 1


def _read_request(conn: socket.socket) -> bool:
    """Read one HTTP request (headers and Content-Length body); False at end of stream."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        body += chunk
    return True


def _answer(mode: str) -> bytes:
    if mode == "cut":
        body = b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeSubnetsResponse xmlns="http'
        content_type = b"text/xml"
        status = b"200 OK"
    else:
        body = HTML_PAGE.encode()
        content_type = b"text/html"
        status = b"502 Bad Gateway"
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type
        + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


@contextlib.contextmanager
def odd_endpoint(mode: str) -> Iterator[OddEndpoint]:
    """Serve `mode` on a free loopback port until the block ends."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(32)
    server.settimeout(0.2)
    endpoint = OddEndpoint(url=f"http://127.0.0.1:{server.getsockname()[1]}", mode=mode)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve(conn: socket.socket) -> None:
        conn.settimeout(60)
        with contextlib.suppress(OSError):
            while not stop.is_set() and _read_request(conn):
                endpoint.count()
                if mode == "silent":
                    stop.wait()
                    return
                conn.sendall(_answer(mode))

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()
