"""FakeServer: an OpenAI-compatible server on an ephemeral local port, with chosen deviations."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from tests.fake.app import App, AppConfig
from tests.fake.handler import FakeHTTPServer
from tests.fake.registry import Hooks, State


class FakeServer:
    """A fully conformant fake by default; each named deviation switches on one realistic departure."""

    def __init__(self, deviations: Iterable[str] | str = (), api_key: str | None = None,
                 model: str = "fake-model", stream_delay: float = 0.002) -> None:
        names = (deviations,) if isinstance(deviations, str) else tuple(deviations)
        self.hooks = Hooks(names)  # ValueError for unknown names, before anything starts
        self.deviations = self.hooks.active
        self.app = App(AppConfig(model=model, api_key=api_key), self.hooks, State())
        self.model = model
        self.api_key = api_key
        self.stream_delay = stream_delay
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
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def record(self, method: str, path: str, body: Any) -> None:
        """Log a received request."""
        with self._lock:
            self.requests.append((method, path, body))

    def crashed(self, trace: str) -> None:
        """Log a bug in the fake."""
        with self._lock:
            self.crashes.append(trace)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
