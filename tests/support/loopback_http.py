"""What the tests' loopback HTTP servers share (the proxies in front of moto, the fake
endpoints): a threaded HTTP server on a free 127.0.0.1 port, an answer written back as given,
and a request relayed upstream."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import threading
from collections.abc import Iterable, Iterator
from urllib.parse import SplitResult

# Headers an answer never copies: its length is worked out anew, and the connection is ours.
_HOP_BY_HOP = ("content-length", "transfer-encoding", "connection")


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler], name: str) -> Iterator[str]:
    """Serve `handler` on a free loopback port until the block ends; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def answer(
    handler: http.server.BaseHTTPRequestHandler,
    status: int,
    headers: Iterable[tuple[str, str]],
    body: bytes,
) -> None:
    """Write `status`, `headers` (but the hop-by-hop ones) and `body` back to the client."""
    handler.send_response(status)
    for key, value in headers:
        if key.lower() not in _HOP_BY_HOP:
            handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def relay(
    handler: http.server.BaseHTTPRequestHandler, target: SplitResult, body: bytes, *, timeout: float
) -> None:
    """Send `handler`'s request (with `body`) to `target` and its answer back, as it came."""
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=timeout)
    headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
    headers["Host"] = f"{target.hostname}:{target.port}"
    connection.request(handler.command, handler.path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    answer(handler, response.status, response.getheaders(), payload)
    connection.close()
