"""A TCP listener for lab targets: accept every connection on the given ports and close it."""

from __future__ import annotations

import selectors
import socket
import sys


def main(argv: list[str]) -> None:
    """Listen on every (address, port) pair; usage: tcp_listener.py ADDRESS... PORT..."""
    addresses = [a for a in argv if not a.isdigit()]
    ports = [int(a) for a in argv if a.isdigit()]
    selector = selectors.DefaultSelector()
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        for port in ports:
            server = socket.socket(family, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind((address, port))
            server.listen(128)
            server.setblocking(False)
            selector.register(server, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            listener = key.fileobj
            assert isinstance(listener, socket.socket)
            try:
                conn, _ = listener.accept()
            except BlockingIOError:
                continue
            conn.close()


if __name__ == "__main__":
    main(sys.argv[1:])
