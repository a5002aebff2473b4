"""FakeServer: an OpenAI-compatible server on an ephemeral local port, with chosen deviations."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from tests.fake.app import App, AppConfig
from tests.fake.handler import FakeHTTPServer
from tests.fake.registry import Hooks, State
from tests.fake.wire import Reply


class FakeServer:
    """A fully conformant fake by default; each named deviation switches on one realistic departure."""

    def __init__(self, deviations: Iterable[str] | str = (), api_key: str | None = None,
                 model: str = "fake-model", stream_delay: float = 0.002, latency: float = 0.0,
                 slots: int | None = None, rate_limited: int = 0, retry_after: str = "1",
                 stall_streams: bool = False, deviating_posts: int | None = None,
                 clean_posts: int = 0) -> None:
        """latency: seconds each request occupies a slot; slots: requests served at once (others queue);
        deviating_posts: the deviations apply to the first N POSTs only (a server that misbehaves now and then);
        clean_posts: the deviations apply only after the first N POSTs (a server that misbehaves later);
        rate_limited: the first N POSTs are answered 429 with a Retry-After header of retry_after;
        stall_streams: every stream stops after its first chunk, without closing, until the server stops."""
        names = (deviations,) if isinstance(deviations, str) else tuple(deviations)
        self.hooks = Hooks(names)  # ValueError for unknown names, before anything starts
        self.deviations = self.hooks.active
        self.app = App(AppConfig(model=model, api_key=api_key), Hooks(()) if clean_posts else self.hooks, State())
        self.model = model
        self.api_key = api_key
        self.stream_delay = stream_delay
        self.latency = latency
        self._slots = threading.BoundedSemaphore(slots) if slots else None
        self.busy_s = 0.0  # time requests spent being served, summed over requests (not waiting for a slot)
        self.max_in_flight = 0
        self._in_flight = 0
        self._rate_limited = rate_limited
        self._deviating_posts = deviating_posts
        self._clean_posts = clean_posts
        self._posts = 0
        self.retry_after = retry_after
        self.stall_streams = stall_streams
        self.stopping = threading.Event()  # released stalled streams wait for it
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, parsed JSON or None)
        self.crashes: list[str] = []  # tracebacks of bugs in the fake itself
        self._lock = threading.Lock()
        self._httpd: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The API root, e.g. http://127.0.0.1:PORT/v1."""
        if self._httpd is None:
            raise RuntimeError("FakeServer is not started")
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}/v1"

    def start(self) -> FakeServer:
        """Bind an ephemeral port and serve in a background thread."""
        self._httpd = FakeHTTPServer(self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="fake-openai-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Hold a slot for one request, for at least the configured latency, and count the time busy."""
        if self._slots is not None:
            self._slots.acquire()
        start = time.monotonic()
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)  # a real server computing the answer
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self.busy_s += time.monotonic() - start
            if self._slots is not None:
                self._slots.release()

    def rate_limit(self, method: str) -> Reply | None:
        """A 429 with Retry-After while the configured number of rate-limited POSTs lasts."""
        with self._lock:
            if method != "POST" or self._rate_limited <= 0:
                return None
            self._rate_limited -= 1
        body = {"error": {"message": "Rate limit reached; retry later.", "type": "rate_limit_exceeded",
                          "param": None, "code": "rate_limit_exceeded"}}
        return Reply(429, json.dumps(body).encode(), headers=(("Retry-After", self.retry_after),))

    def record(self, method: str, path: str, body: Any) -> None:
        """Log a received request."""
        with self._lock:
            self.requests.append((method, path, body))
            if method == "POST":
                self._posts += 1
                if self._deviating_posts is not None and self._posts > self._deviating_posts:
                    self.app.hooks = Hooks(())  # from here on the fake behaves
                if self._clean_posts and self._posts == self._clean_posts + 1:
                    self.app.hooks = self.hooks  # from here on the fake deviates

    def crashed(self, trace: str) -> None:
        """Log a bug in the fake."""
        with self._lock:
            self.crashes.append(trace)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
