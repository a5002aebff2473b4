"""Servers that misbehave below HTTP: one that never answers, one that answers garbage."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def tcp_server(reply: bytes | None, first: bytes | None = None, accepted: list[int] | None = None) -> Iterator[str]:
    """Accept connections; send `reply` and close, or (None) hold them open in silence.

    `first`, if given, answers the first connection only: a server that dies after the preflight.
    `accepted`, if given, gets one item per connection accepted (how many requests were tried).
    """
    pending = [first] if first is not None else []
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            if accepted is not None:
                accepted.append(1)
            answer = pending.pop() if pending else reply
            if answer is None:
                held.append(conn)
            else:
                conn.recv(65536)
                conn.sendall(answer)
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        stop.set()
        thread.join(2)
        for c in held:
            c.close()
        sock.close()


def closed_port_url() -> str:
    """A URL on a port nothing listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/v1"


MODELS_OK = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\nConnection: close\r\n\r\n"
    b'{"object":"list","data":[]}'
)
