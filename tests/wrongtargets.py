"""Servers a user may point the suite at by mistake: a static file server, an API without a models list."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@contextmanager
def _serving(handler: Any) -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


class _Quiet(SimpleHTTPRequestHandler):
    """`python -m http.server`, counting requests instead of logging them."""

    seen: list[str]

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        self.seen.append(self.requestline)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_site(folder: Path, seen: list[str] | None = None) -> Iterator[str]:
    """What `python -m http.server` serves from folder; yields its root URL; `seen` gets each request line."""
    (folder / "index.html").write_text("<!doctype html><html><body><h1>My site</h1></body></html>\n")
    handler = type("Counted", (_Quiet,), {"seen": seen if seen is not None else []})
    with _serving(partial(handler, directory=str(folder))) as httpd:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"


class _NoModels(BaseHTTPRequestHandler):
    """Forwards every request to the upstream API, except GET .../models: 404 JSON, as FastAPI answers."""

    upstream: str
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command == "GET" and self.path.rstrip("/").endswith("/models"):
            self._reply(404, {"content-type": "application/json"}, json.dumps({"detail": "Not Found"}).encode())
            return
        up = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self._reply(resp.status, {k.lower(): v for k, v in resp.getheaders()
                                      if k.lower() not in ("transfer-encoding", "connection", "content-length")},
                        data)
        finally:
            conn.close()

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _forward


@contextmanager
def without_models(upstream_base_url: str) -> Iterator[str]:
    """An API whose chat works but that has no models list (faster-whisper-server); yields its /v1 URL."""
    handler = type("NoModels", (_NoModels,), {"upstream": upstream_base_url})
    with _serving(handler) as httpd:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
