"""What one response may cost: one deadline from connect to the last byte, and a cap on its size (--max-body)."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from conformance.model import CheckResult, Exchange

# Marks a recorded body that was cut at --max-body, so its replay ends in the same error.
CLIPPED_HEADER = "X-Oai-Conformance-Clipped"
# How much of an oversized body a recording keeps: enough to see what it was (the mark replays the error).
RECORDED_CLIP_BYTES = 64 * 1024
# Evidence keeps enough of a body to judge it by hand without bloating results.json.
MAX_EVIDENCE_CHARS = 20_000
MAX_EVIDENCE_ITEMS = 200
MAX_EVIDENCE_DEPTH = 40

_local = threading.local()


def _left(timeout: float | None, what: type[Exception]) -> float | None:
    """The smaller of an operation's own timeout and what is left of the request's deadline."""
    at = getattr(_local, "deadline", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise what(f"deadline of {_local.seconds:g}s for the whole request passed")
    return left if timeout is None else min(timeout, left)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every socket operation of this thread inside the block ends by one deadline, headers included."""
    saved = getattr(_local, "deadline", None), getattr(_local, "seconds", None)
    _local.deadline, _local.seconds = time.monotonic() + seconds, seconds
    try:
        yield
    finally:
        _local.deadline, _local.seconds = saved


class _Stream(httpcore.NetworkStream):
    """A connection whose every read and write is bounded by the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))
        except httpcore.ReadTimeout as exc:
            _left(None, httpcore.ReadTimeout)  # says "deadline passed" when that is why
            raise exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's own backend, with the deadline applied to every connection it opens."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_tcp(host, port, _left(timeout, httpcore.ConnectTimeout),
                                               local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bound_client(client: httpx.Client) -> None:
    """Make every connection of the client's own transports obey deadline(); others are left as they are."""
    # httpx exposes per-operation timeouts only: a server sending one header byte a second never trips
    # them, so the deadline lives in the network backend, under httpcore's HTTP/1.1 parser.
    transports = [client._transport, *client._mounts.values()]  # noqa: SLF001 - no public hook exists
    for t in transports:
        pool = getattr(t, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]


@dataclass(frozen=True)
class Body:
    """A response body read within the size cap (after decompression)."""

    data: bytes
    read_times_ms: tuple[float, ...]
    clipped: bool


# zlib window bits by Content-Encoding: decoded here, with a cap on every step's output.
_ZLIB_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def _bounded_zlib(raw: Iterator[bytes], wbits: int, limit: int) -> Iterator[bytes]:
    """Decompress, never producing more than limit + 1 bytes in all (httpx's decoder inflates a whole
    network chunk at once: 64 KiB of a gzip bomb is 64 MiB)."""
    d = zlib.decompressobj(wbits)
    room = limit + 1
    for chunk in raw:
        data = chunk
        while data and room > 0:
            out = d.decompress(data, room)
            room -= len(out)
            data = d.unconsumed_tail
            if out:
                yield out
        if room <= 0:
            return


def _decoded(resp: httpx.Response, max_bytes: int) -> Iterator[bytes]:
    if resp.is_stream_consumed:  # built in memory (httpx.Response(content=...)): already read and decoded
        return iter((resp.content,))
    encoding = resp.headers.get("content-encoding", "").strip().lower()
    wbits = _ZLIB_WBITS.get(encoding)
    if wbits is None:
        return resp.iter_bytes()  # identity, or an encoding httpx decodes (br, zstd): counted after it
    return _bounded_zlib(resp.iter_raw(), wbits, max_bytes)


def read_body(resp: httpx.Response, max_bytes: int, start: float) -> Body:
    """Read at most max_bytes decoded bytes; a longer body is cut there and marked clipped."""
    parts: list[bytes] = []
    times: list[float] = []
    size = 0
    clipped = False
    try:
        chunks = _decoded(resp, max_bytes)
        for chunk in chunks:
            times.append((time.monotonic() - start) * 1000)
            if size + len(chunk) > max_bytes:
                parts.append(chunk[: max_bytes - size])
                clipped = True
                break
            parts.append(chunk)
            size += len(chunk)
    except zlib.error as exc:
        raise httpx.DecodingError(f"cannot decode the {resp.headers.get('content-encoding')} body: {exc}") from exc
    return Body(b"".join(parts), tuple(times[:1000]), clipped)


def clip_text(text: str) -> str:
    """A string short enough for evidence, saying how much was left out."""
    if len(text) <= MAX_EVIDENCE_CHARS:
        return text
    return text[:MAX_EVIDENCE_CHARS] + f"... [{len(text) - MAX_EVIDENCE_CHARS} more characters]"


def clip_json(value: Any, depth: int = 0) -> Any:
    """A JSON value small enough for evidence; non-finite numbers become strings (strict JSON has none)."""
    if isinstance(value, str):
        return clip_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} (a non-finite number the server sent; strict JSON has none)"
    if depth >= MAX_EVIDENCE_DEPTH and isinstance(value, (dict, list)):
        return f"[nested deeper than {MAX_EVIDENCE_DEPTH} levels, cut]"
    if isinstance(value, dict):
        items = list(value.items())
        out = {str(k): clip_json(v, depth + 1) for k, v in items[:MAX_EVIDENCE_ITEMS]}
        if len(items) > MAX_EVIDENCE_ITEMS:
            out["..."] = f"{len(items) - MAX_EVIDENCE_ITEMS} more keys"
        return out
    if isinstance(value, (list, tuple)):
        out_list = [clip_json(v, depth + 1) for v in value[:MAX_EVIDENCE_ITEMS]]
        if len(value) > MAX_EVIDENCE_ITEMS:
            out_list.append(f"... {len(value) - MAX_EVIDENCE_ITEMS} more items")
        return out_list
    return value


def clip_exchange(ex: Exchange) -> Exchange:
    """The evidence that outlives a check: bodies clipped, the wire bytes dropped."""
    return dataclasses.replace(
        ex,
        request_body=clip_json(ex.request_body),
        response_body=clip_json(ex.response_body),
        raw_body=None if ex.raw_body is None else clip_text(ex.raw_body),
        wire=None,
    )


def clip_result(r: CheckResult) -> CheckResult:
    """A finished check's result as kept until the end of the run: small, and strict JSON."""
    return dataclasses.replace(r, evidence=tuple(clip_exchange(e) for e in r.evidence), details=clip_json(r.details))
