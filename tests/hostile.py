"""Hostile and broken servers for self-tests and benchmarks: standard library, 127.0.0.1, one fault each.

Every server answers GET /v1/models like a real one (so the preflight passes) unless its fault is in the
headers, and misbehaves on POST /v1/chat/completions. Endless answers stop when the client hangs up or
after LIFETIME_S, so no test can hang on them.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PORTS = range(8100, 8120)
LIFETIME_S = 60.0
MODEL = "fake-model"
FAULTS = ("large-body", "endless-string", "endless-line", "gzip-bomb", "drip-headers", "cut-body", "html-502",
          "echo", "json-as-html", "sse-bom-ping", "nan", "script", "nested-models")
NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
             b"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


def completion(content: str, **extra: Any) -> dict[str, Any]:
    """A minimal valid chat completion."""
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": MODEL,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop",
                         "logprobs": None}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}, **extra}


def stream_frames(content: str) -> list[str]:
    """The SSE frames of a minimal valid streamed completion, [DONE] included."""
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": MODEL}
    chunks = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]},
              {**base, "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}]},
              {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]
    return [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, fault: str, options: dict[str, Any]) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.fault = fault
        self.options = options
        self.stopping = threading.Event()
        self.requests: list[tuple[str, str]] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._dispatch(None)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        self._dispatch(body if isinstance(body, dict) else {"_malformed": raw[:200].decode("latin-1")})

    # --- plumbing ---------------------------------------------------------------------------------
    def _head(self, status: int, ctype: str, extra: tuple[tuple[str, str], ...] = (), length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _send(self, status: int, data: bytes, ctype: str = "application/json",
              extra: tuple[tuple[str, str], ...] = ()) -> None:
        self._head(status, ctype, extra, len(data))
        self.wfile.write(data)

    def _json(self, status: int, obj: Any, ctype: str = "application/json",
              extra: tuple[tuple[str, str], ...] = ()) -> None:
        self._send(status, json.dumps(obj).encode(), ctype, extra)

    def _endless(self, first: bytes, piece: bytes, limit: int | None = None) -> None:
        """Write first, then piece after piece until the client hangs up, the limit or the lifetime."""
        end = time.monotonic() + LIFETIME_S
        sent = 0
        try:
            self.wfile.write(first)
            while time.monotonic() < end and not self.server.stopping.is_set() and (limit is None or sent < limit):
                self.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass

    # --- faults -----------------------------------------------------------------------------------
    def _dispatch(self, body: dict[str, Any] | None) -> None:
        fault = self.server.fault
        self.server.requests.append((self.command, self.path))
        if fault == "drip-headers":
            return self._drip()
        if self.path.rstrip("/").endswith("/models") and self.command == "GET":
            return self._models()
        if fault == "html-502":
            return self._html_502(body or {})
        if not self.path.endswith("/chat/completions") or self.command != "POST" or body is None:
            return self._json(404, {"error": {"message": "not found", "type": "invalid_request_error",
                                              "param": None, "code": None}})
        getattr(self, "_" + fault.replace("-", "_"))(body)

    def _models(self) -> None:
        fault = self.server.fault
        if fault == "nested-models":
            depth = self.server.options.get("depth", 200_000)
            return self._send(200, b"[" * depth + b"]" * depth)
        models: dict[str, Any] = {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0,
                                                             "owned_by": "hostile"}]}
        extra: tuple[tuple[str, str], ...] = ()
        if fault == "echo":
            models["echo"] = dict(self.headers.items())
        if fault == "script":
            extra = (("Server", "<script>alert('server')</script>"),)
        self._json(200, models, extra=extra)

    def _drip(self) -> None:
        interval = self.server.options.get("drip", 0.5)
        end = time.monotonic() + LIFETIME_S
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            self.wfile.flush()
            while time.monotonic() < end and not self.server.stopping.is_set():
                time.sleep(interval)
                self.wfile.write(b"a")
                self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    def _large_body(self, body: dict[str, Any]) -> None:
        size = self.server.options.get("size", 500 * 1024 * 1024)
        self._head(200, "application/json", length=size)
        self._endless(b'{"x":"', b"a" * 65536, size - 6)

    def _endless_string(self, body: dict[str, Any]) -> None:
        self._head(200, "application/json")
        self._endless(b'{"id":"', b"a" * 65536)

    def _endless_line(self, body: dict[str, Any]) -> None:
        self._head(200, "text/event-stream")
        self._endless(b"data: ", b"a" * 65536)

    def _gzip_bomb(self, body: dict[str, Any]) -> None:
        total = self.server.options.get("bomb", 2 * 1024**3)
        self._head(200, "application/json", (("Content-Encoding", "gzip"),))
        gz = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        zeros = b"0" * (1024 * 1024)
        try:
            self.wfile.write(gz.compress(b'{"x":"'))
            for _ in range(total // len(zeros)):
                if self.server.stopping.is_set():
                    return
                out = gz.compress(zeros)
                if out:
                    self.wfile.write(out)
            self.wfile.write(gz.compress(b'"}') + gz.flush())
        except OSError:
            pass

    def _cut_body(self, body: dict[str, Any]) -> None:
        data = json.dumps(completion("Hello there, this answer will never arrive whole.")).encode()
        self._head(200, "application/json", length=len(data))
        self.wfile.write(data[: len(data) // 3])
        self.wfile.flush()

    def _html_502(self, body: dict[str, Any]) -> None:
        self._send(502, NGINX_502, "text/html")

    def _answer(self, body: dict[str, Any], content: str, ctype: str = "application/json", **extra: Any) -> None:
        """A valid answer (streamed when asked), or a 400 envelope for what a strict server rejects."""
        problem = _invalid(body)
        if problem:
            return self._json(400, {"error": {"message": problem, "type": "invalid_request_error", "param": None,
                                              "code": None}})
        if body.get("stream"):
            return self._send(200, "".join(stream_frames(content)).encode(), "text/event-stream")
        self._json(200, completion(content, **extra), ctype)

    def _echo(self, body: dict[str, Any]) -> None:
        """Echo every request header: in bodies, in error messages and in streamed chunks."""
        echo = json.dumps(dict(self.headers.items()))
        problem = _invalid(body)
        if problem:
            return self._json(400, {"error": {"message": f"{problem}; you sent {echo}", "type": "invalid_request_error",
                                              "param": None, "code": None}})
        self._answer(body, f"headers: {echo}", echo=dict(self.headers.items()))

    def _json_as_html(self, body: dict[str, Any]) -> None:
        self._answer(body, "Hello.", "text/html; charset=utf-8")

    def _sse_bom_ping(self, body: dict[str, Any]) -> None:
        if not body.get("stream") or _invalid(body):
            return self._answer(body, "Hello.")
        first, *rest, done = stream_frames("Hello.")
        # A BOM first on the wire (clients strip it); ping blocks carry no data, so nothing is dispatched.
        frames = ["\ufeff" + first, "event: ping\n\n", *rest, "event: ping\n\n", done]
        self._send(200, "".join(frames).encode(), "text/event-stream")

    def _nan(self, body: dict[str, Any]) -> None:
        if _invalid(body) or body.get("stream"):
            return self._answer(body, "Hello.")
        self._send(200, json.dumps(completion("Hello.", score=float("nan"), spread=float("inf"))).encode())

    def _script(self, body: dict[str, Any]) -> None:
        problem = _invalid(body)
        if problem:
            return self._send(400, b"<html><body><script>alert('error')</script>bad request</body></html>",
                              "text/html")
        self._answer(body, "<script>alert('answer')</script>")


def _invalid(body: dict[str, Any]) -> str | None:
    """Why a strict server would reject the request, or None."""
    if "_malformed" in body:
        return "malformed JSON"
    if body.get("model") != MODEL:
        return f"model {body.get('model')!r} does not exist"
    t = body.get("temperature")
    if isinstance(t, (int, float)) and not 0 <= t <= 2:
        return "temperature must be between 0 and 2"
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        return "messages must be a non-empty list"
    return None


def _bind(fault: str, options: dict[str, Any]) -> _Server:
    for port in PORTS:
        try:
            return _Server(port, fault, options)
        except OSError:
            continue
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1} for a hostile server")


class Url(str):
    """The base URL of a running hostile server, with the requests it received so far."""

    requests: list[tuple[str, str]]


@contextmanager
def hostile(fault: str, **options: Any) -> Iterator[Url]:
    """Serve one fault on 127.0.0.1 in a background thread; yields the base URL (ending in /v1)."""
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
    server = _bind(fault, options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = Url(f"http://127.0.0.1:{server.server_address[1]}/v1")
    url.requests = server.requests
    try:
        yield url
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def basic_auth(user: str, password: str) -> str:
    """What a server sees in Authorization for user:password in the URL."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def port_open(url: str) -> bool:
    """Whether something listens at the URL's port (for tests that check servers were stopped)."""
    port = int(url.split(":")[2].split("/")[0])
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
