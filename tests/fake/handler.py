"""The HTTP layer: read a request, ask the app, write the reply (streams frame by frame)."""

from __future__ import annotations

import json
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from contextlib import AbstractContextManager
from typing import Any, Protocol
from urllib.parse import urlsplit

from tests.fake.app import App
from tests.fake.errors import default_reply, server_error
from tests.fake.wire import HttpCtx, Reply, StreamReply


class Owner(Protocol):
    """What the handler needs from the FakeServer that owns it."""

    app: App
    stream_delay: float
    stall_streams: bool
    stopping: threading.Event

    def record(self, method: str, path: str, body: Any) -> None: ...

    def serving(self) -> AbstractContextManager[None]: ...

    def rate_limit(self, method: str) -> Reply | None: ...

    def crashed(self, trace: str) -> None: ...


class FakeHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its FakeServer."""

    daemon_threads = True

    def __init__(self, owner: Owner) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.owner = owner


class Handler(BaseHTTPRequestHandler):
    """One connection; every method goes through the same dispatch."""

    protocol_version = "HTTP/1.1"  # keep-alive, and chunked transfer for streams
    disable_nagle_algorithm = True  # small SSE frames must leave at once, not wait for more bytes
    server: FakeHTTPServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep test output quiet."""

    def _dispatch(self) -> None:
        with self.server.owner.serving():
            self._serve()

    def _serve(self) -> None:
        owner = self.server.owner
        try:
            raw = self._read_body()
        except ValueError:  # a garbled Content-Length or chunk size: treat the body as absent
            raw, self.close_connection = b"", True
        body = _parse(raw)
        owner.record(self.command, self.path, body)
        headers = {k.lower(): v for k, v in self.headers.items()}
        ctx = HttpCtx(self.command, urlsplit(self.path).path, self.path, headers, body, raw)
        try:
            reply = owner.rate_limit(self.command) or owner.app.handle(ctx)
        except Exception:  # a bug in the fake must not kill the connection thread silently
            owner.crashed(traceback.format_exc())
            reply = default_reply(server_error("The fake server crashed; see FakeServer.crashes."))
        try:
            if isinstance(reply, StreamReply):
                self._send_stream(reply, owner.stream_delay)
            else:
                self._send(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-answer
        finally:
            owner.app.observe(ctx, reply.status)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _send_stream(self, reply: StreamReply, delay: float) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        for i, frame in enumerate(reply.frames):
            data = frame.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
            if self.server.owner.stall_streams:
                self.server.owner.stopping.wait(600)  # a stream that stalls after its first chunk
                return
            if delay and i + 1 < len(reply.frames):
                time.sleep(delay)  # real servers emit tokens over time; clients must read incrementally
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None
