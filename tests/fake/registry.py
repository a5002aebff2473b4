"""The deviation registry: named hooks at fixed points of request handling."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from tests.fake.errors import ApiError

# Each hook point, with the signature its functions have. A deviation hooks one or more points.
POINTS: dict[str, str] = {
    "intercept": "(ctx, state) -> Reply | ApiError | None: answer before routing",
    "observe": "(ctx, status, state) -> None: see each reply's status after it was sent",
    "map_error": "(err, ctx) -> ApiError | Reply | ACCEPT: change an error, or accept the request anyway",
    "render_error": "(reply, err) -> Reply: reshape an error response",
    "models_body": "(model) -> dict: reshape one model object",
    "check": "(req) -> ApiError | Reply | None: reject a valid chat request",
    "request": "(req) -> ChatRequest: change what the server makes of a chat request",
    "knobs": "(knobs, req) -> Knobs: turn a generation detail",
    "outputs": "(comps, req) -> tuple[Completion, ...]: change the generated choices",
    "chat_body": "(body, req) -> dict: reshape a non-streamed chat completion",
    "chunks": "(chunks, req) -> list[dict]: reshape the stream's chunk objects",
    "stream_reply": "(reply, req) -> StreamReply: change the raw frames or headers of a stream",
}


def add_point(name: str, signature: str) -> None:
    """A new hook point, for an endpoint module of the fake (tests/fake/endpoints/)."""
    if name in POINTS and POINTS[name] != signature:
        raise ValueError(f"hook point {name!r} is defined twice, differently")
    POINTS[name] = signature


_NAME = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")

DEVIATIONS: dict[str, str] = {}  # name -> one-line description, filled as area modules register
_HOOKS: dict[str, dict[str, list[Callable[..., Any]]]] = {}

Fn = Callable[..., Any]


def deviation(name: str, description: str, on: str) -> Callable[[Fn], Fn]:
    """Register a new deviation whose hook is the decorated function, at point `on`."""
    if not _NAME.match(name):
        raise ValueError(f"deviation names are dotted lower-case words: {name!r}")
    if name in DEVIATIONS:
        raise ValueError(f"deviation {name!r} is registered twice")
    DEVIATIONS[name] = description
    _HOOKS[name] = {}
    return also(name, on)


def also(name: str, on: str) -> Callable[[Fn], Fn]:
    """Add another hook, at point `on`, to an already registered deviation."""
    if on not in POINTS:
        raise ValueError(f"unknown hook point {on!r}; known: {', '.join(POINTS)}")

    def register(fn: Fn) -> Fn:
        _HOOKS[name].setdefault(on, []).append(fn)
        return fn

    return register


class State:
    """Mutable per-server memory for deviations that span requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {}

    def put(self, key: str, value: Any) -> None:
        """Remember a value."""
        with self._lock:
            self._values[key] = value

    def peek(self, key: str, default: Any = None) -> Any:
        """A remembered value, kept."""
        with self._lock:
            return self._values.get(key, default)

    def take(self, key: str, default: Any = None) -> Any:
        """Forget a value and return it (atomically, so only one request gets it)."""
        with self._lock:
            return self._values.pop(key, default)


class Hooks:
    """The hooks of the switched-on deviations, grouped by point."""

    def __init__(self, names: Iterable[str]) -> None:
        self.active = frozenset(names)
        unknown = sorted(self.active - DEVIATIONS.keys())
        if unknown:
            raise ValueError(f"unknown deviation(s): {', '.join(unknown)}; see DEVIATIONS for the known ones")
        self._at = {p: [fn for n in sorted(self.active) for fn in _HOOKS[n].get(p, ())] for p in POINTS}

    def pipe(self, point: str, value: Any, *args: Any) -> Any:
        """Thread a value through every hook at a point."""
        for fn in self._at[point]:
            value = fn(value, *args)
        return value

    def first(self, point: str, *args: Any) -> Any:
        """The first non-None answer of the hooks at a point."""
        for fn in self._at[point]:
            if (out := fn(*args)) is not None:
                return out
        return None

    def each(self, point: str, *args: Any) -> None:
        """Call every hook at a point for its side effect."""
        for fn in self._at[point]:
            fn(*args)

    def map_error(self, err: ApiError, ctx: Any) -> Any:
        """Pass an error through map_error hooks until one turns it into a reply or accepts the request."""
        out: Any = err
        for fn in self._at["map_error"]:
            out = fn(out, ctx)
            if not isinstance(out, ApiError):
                break
        return out
