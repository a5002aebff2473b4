"""The clients' way to the target: a local proxy on 127.0.0.1 that sends their requests through the run's client.

Each cell of the matrix gets its own base URL, `http://127.0.0.1:PORT/<cell id>`, so the proxy knows which cell
sent a request. It sends it with the run's one HTTP client, inside that cell's scope: live, the recorder writes
the exchange into the cell's cassette (secrets scrubbed) and the run's budgets apply; on replay the same client
answers from that cassette, so the clients are answered offline with the recorded bytes. The clients never
hold the target's key: the proxy adds it, as it does for every check.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from conformance import multipart, scope
from conformance.context import Run
from conformance.http import ReplayMiss, TransportError
from conformance.limits import RateLimited, Refused, send_within
from conformance.model import Exchange

# Headers the client's request keeps on its way to the target (the rest are the client's own business).
_FORWARD = ("content-type", "accept", "openai-beta")
# Headers the target's answer loses on its way back: the proxy sends the body whole, decoded, with its length.
_DROP_BACK = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"})
MAX_REQUEST_BYTES = 64 * 1024 * 1024
# Where the proxy listens: the clients run on this machine, and nothing else may reach the target through it.
_HOST = "127.0.0.1"


@dataclass
class Traffic:
    """What one cell sent through the proxy: the exchanges, and what kept a request from being answered."""

    exchanges: list[Exchange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    in_flight: int = 0
    # When the last answer was written to the client whole (monotonic seconds); None before the first.
    answered_at: float | None = None


class Proxy:
    """A threaded HTTP server on 127.0.0.1 forwarding each cell's requests to the target through the run."""

    def __init__(self, run: Run, slots: threading.Semaphore | None = None) -> None:
        self.run = run
        # The request slots the clients take: the run's own, or those set aside for a matrix run beside the checks.
        self.slots = slots if slots is not None else run.in_flight
        self._traffic: dict[str, Traffic] = {}
        self._lock = threading.Lock()
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = ThreadingHTTPServer((_HOST, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="clients-proxy", daemon=True)

    def __enter__(self) -> Proxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, cell_id: str) -> str:
        """The base URL a cell's client is given."""
        return f"http://{_HOST}:{self._server.server_port}/{cell_id}"

    def traffic(self, cell_id: str) -> Traffic:
        """What the cell sent so far."""
        with self._lock:
            return self._traffic.setdefault(cell_id, Traffic())

    def idle_since(self, cell_id: str) -> float | None:
        """When the cell's last answer was delivered, if one was and no request of the cell is in flight."""
        with self._lock:
            t = self._traffic.get(cell_id)
            return None if t is None or t.in_flight else t.answered_at

    def begin(self, traffic: Traffic) -> None:
        """A request of the cell arrived."""
        with self._lock:
            traffic.in_flight += 1

    def end(self, traffic: Traffic) -> None:
        """The answer to one request of the cell was written to it."""
        with self._lock:
            traffic.in_flight -= 1
            traffic.answered_at = time.monotonic()

    def forward(self, cell_id: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> Exchange:
        """Send one request of a cell to the target (or take it from the recording), in the cell's scope."""
        stream = _asks_stream(body, headers)
        kind = f"client {'streamed ' if stream else ''}{method} {urlsplit(path).path}"
        client = self.run.client
        with scope.within(cell_id), self.slots:
            return send_within(self.run.limits, client, kind, lambda: client.send(
                method, path, content=body or None, headers=headers, stream=stream))


def _asks_stream(body: bytes, headers: dict[str, str]) -> bool:
    if "text/event-stream" in headers.get("Accept", ""):
        return True
    try:
        doc = json.loads(body) if body[:1] == b"{" else None
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("stream") is True


class _Handler(BaseHTTPRequestHandler):
    """One client request: the first path segment names the cell, the rest is the target's path."""

    owner: Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        """Quiet: the cells' evidence is the log."""

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            # fetch() sends form data (audio uploads) chunked.
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
                if len(data) > MAX_REQUEST_BYTES:
                    raise ValueError("request body too large")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        cell_id, _, rest = self.path.lstrip("/").partition("/")
        traffic = self.owner.traffic(cell_id)
        self.owner.begin(traffic)
        try:
            self._serve(cell_id, "/" + rest, traffic)
        finally:
            self.owner.end(traffic)  # the answer, whatever it was, is with the client now

    def _serve(self, cell_id: str, path: str, traffic: Traffic) -> None:
        try:
            body = self._body()
        except ValueError as exc:
            return self._answer(400, {"content-type": "application/json"}, _error(str(exc)))
        headers = {k.title(): v for k, v in self.headers.items() if k.lower() in _FORWARD}
        if multipart.is_form(headers.get("Content-Type")):
            # The client's random boundary would make every upload new to a replay.
            form = multipart.rebound(body, headers["Content-Type"])
            body, headers["Content-Type"] = form.body, form.content_type
        try:
            ex = self.owner.forward(cell_id, self.command, path, body, headers)
        except ReplayMiss as exc:
            traffic.missed.append(str(exc)[:300])
            return self._answer(502, {"content-type": "application/json"}, _error(f"not in the recording: {exc}"))
        except (TransportError, Refused, RateLimited) as exc:
            traffic.problems.append(str(getattr(exc, "reason", None) or exc)[:300])
            return self._answer(502, {"content-type": "application/json"}, _error(f"no answer from the target: {exc}"))
        traffic.exchanges.append(ex)
        wire = ex.wire
        assert wire is not None  # the run's client keeps the bytes of every exchange it returns
        back = {k: v for k, v in wire.response_headers if k.lower() not in _DROP_BACK}
        self._answer(wire.status, back, wire.response_body, wire.reason)

    def _answer(self, status: int, headers: dict[str, str], body: bytes, reason: str | None = None) -> None:
        self.send_response(status, reason or None)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "oai_conformance_proxy"}}).encode()
