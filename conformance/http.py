"""The one HTTP client every check uses: bounded in time, counted, and recorded as evidence."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

import httpx

from conformance import bounds, catalog, multipart, redact
from conformance.model import Exchange, Target, Wire, public_url

SECRET_HEADERS = redact.ALWAYS_SECRET_HEADERS
REDACTED = redact.REDACTED
# Set by the replay transport on a response: the latency the recording stored (None: not stored).
RECORDED_ELAPSED = "oai_conformance.recorded_elapsed_ms"


class TransportError(Exception):
    """The target could not be reached or did not finish answering in time."""

    def __init__(self, message: str, *, answered: bool = False) -> None:
        super().__init__(message)
        self.answered = answered  # a status line came before the failure (a stalled body, not silence)


class ResponseTooLarge(TransportError):
    """The body grew past --max-body (counted after decompression); it was cut there."""


class BodyCut(TransportError):
    """The server sent the status and headers, then closed the connection before the body was complete."""


class ReplayMiss(Exception):
    """Replaying: the recording holds no answer to this request (nothing was sent)."""


class RecordedFailure(Exception):
    """Replaying: the recording holds this request's transport failure, which the client raises again."""

    def __init__(self, kind: str, message: str, answered: bool) -> None:
        super().__init__(message)
        self.kind, self.message, self.answered = kind, message, answered


@dataclass(frozen=True)
class FailedWire:
    """A request whose answer never came whole: what was sent and how it failed (recorded for replay)."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    kind: str  # "BodyCut" or "TransportError": the exception replay raises again
    message: str  # the client's own message (secrets already redacted)
    answered: bool


@dataclass
class Usage:
    """Requests and tokens a run spent, counted from what the server reported."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    unreported: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, usage: Any) -> None:
        """Add one response's usage object (or note that it had none)."""
        with self._lock:
            self.requests += 1
            if isinstance(usage, dict):
                # The Responses API names them input and output tokens.
                p = usage.get("prompt_tokens", usage.get("input_tokens"))
                c = usage.get("completion_tokens", usage.get("output_tokens"))
                self.prompt_tokens += p if isinstance(p, int) else 0
                self.completion_tokens += c if isinstance(c, int) else 0
            else:
                self.unreported += 1

    endpoints: dict[str, Usage] = field(default_factory=dict, repr=False)

    def add_for(self, endpoint: str, usage: Any) -> None:
        """Count one response under its endpoint as well (add counts it in the run's totals)."""
        with self._lock:
            part = self.endpoints.setdefault(endpoint, Usage())
        part.add(usage)

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form for results.json: the run's totals, and per endpoint when it spent any."""
        return {
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "responses_without_usage": self.unreported,
            **({"endpoints": {k: v.to_json() for k, v in sorted(self.endpoints.items())}} if self.endpoints else {}),
        }


def endpoint_of(path: str) -> str:
    """The catalogued endpoint a request path belongs to ('/models/x' is '/v1/models'), else the path itself."""
    bare = "/" + path.split("?", 1)[0].strip("/")
    for endpoint in sorted(catalog.ENDPOINT_ORDER, key=len, reverse=True):
        if endpoint.startswith("/v1/") and (bare == endpoint[3:] or bare.startswith(endpoint[3:] + "/")):
            return endpoint
    return bare


def _missed(json_body: Any, content: bytes | None) -> str:
    """The request a recording lacks, in short: what tells it apart is past the model and the messages."""
    if isinstance(json_body, dict):
        short = {k: (f"<{len(v)} message(s)>" if k == "messages" and isinstance(v, list) else v)
                 for k, v in json_body.items() if k != "model"}
        return json.dumps(short, default=str)[:200]
    return (content or b"").decode("utf-8", "replace")[:200]


def _decode(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        # RecursionError: JSON nested deeper than the parser's stack; judged as the text it is.
        return bounds.clip_text(text)


# Media types whose bodies are bytes to judge, never text to parse.
_BINARY_TYPES = ("audio/", "image/", "video/", "application/octet-stream")


def binary_summary(body: bytes, content_type: str) -> str | None:
    """'<12345 bytes of audio/mpeg, sha256 ab12...>' for a body that is not text, else None."""
    mime = content_type.split(";")[0].strip().lower()
    if not mime.startswith(_BINARY_TYPES):
        try:
            body.decode("utf-8")
            return None
        except UnicodeDecodeError:
            pass  # not text whatever the header says: judged as bytes
    digest = hashlib.sha256(body).hexdigest()[:16]
    return f"<{len(body)} bytes of {content_type or 'no content type'}, sha256 {digest}>"


def _sse_usage(raw: str) -> Any:
    """The last usage object found in an SSE body, so streamed runs are counted too."""
    found = None
    for line in raw.splitlines():
        if line.startswith("data:"):
            payload = line[5:].strip()
            if payload.startswith("{") and '"usage"' in payload:
                try:
                    event = json.loads(payload)
                    inner = event.get("response")  # a Responses stream: the final event's response
                    u = event.get("usage") or (inner.get("usage") if isinstance(inner, dict) else None)
                except (ValueError, AttributeError):
                    continue
                found = u or found
    return found


class Client:
    """Sends requests to the target and returns each exchange as evidence."""

    def __init__(self, target: Target, *, transport: httpx.BaseTransport | None = None) -> None:
        self.target = target
        self.usage = Usage()
        self.redactor = redact.for_target(target)
        # Connect fast-fails a dead server; every request also has one deadline (bounds.deadline) from
        # connect to its last byte, so a server that drips bytes (headers included) is bounded too.
        timeout = httpx.Timeout(target.timeout_s, connect=min(10.0, target.timeout_s))
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)
        bounds.bound_client(self._http)
        # Set by the replayer: the exceptions that mean "not in the recording".
        self.miss_errors: tuple[type[BaseException], ...] = ()
        # Set by the recorder: sees the exact bytes of every exchange that went over the wire.
        self.tap: Callable[[Wire], None] | None = None
        # Recording: a request that failed at transport level, so replay fails it the same way.
        self.tap_failure: Callable[[FailedWire], None] | None = None

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def url(self, path: str) -> str:
        """The absolute URL of a path under the base URL (path starts with '/'), or an absolute URL as it is.

        Absolute URLs are those an answer hands out (an image URL): the suite fetches them as a client would.
        """
        if path.startswith(("http://", "https://")):
            return path
        return self.target.base_url.rstrip("/") + path

    def headers(self, extra: dict[str, str] | None = None, *, auth: bool = True) -> dict[str, str]:
        """Request headers: the target's, then the bearer token, then per-request ones."""
        h = {"Accept": "application/json", **self.target.extra_headers}
        if auth and self.target.api_key:
            h["Authorization"] = f"Bearer {self.target.api_key}"
        if extra:
            h.update(extra)
        return h

    def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        stream: bool = False,
    ) -> Exchange:
        """Send one request; a transport failure raises TransportError, any HTTP status is returned."""
        hdrs = self.headers(headers, auth=auth)
        if json_body is not None:
            content = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if stream:
            hdrs["Accept"] = "text/event-stream"
        url = self.url(path)
        answered = False
        start = time.monotonic()
        req: httpx.Request | None = None
        try:
            req = self._http.build_request(method, url, content=content, headers=hdrs)
            try:
                with bounds.deadline(self.target.timeout_s):
                    resp = self._http.send(req, stream=True)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                # A keep-alive connection the server had already closed or reset: nothing was answered,
                # so resend once on a fresh connection, as the official SDKs do.
                start = time.monotonic()
                with bounds.deadline(self.target.timeout_s):
                    resp = self._http.send(req, stream=True)
            answered = True  # the status line and headers are in: what fails now is the body
            try:
                with bounds.deadline(self.target.timeout_s - (time.monotonic() - start)):
                    body = bounds.read_body(resp, self.target.max_body, start)
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                raise BodyCut(self._where(f"connection closed mid-body after {resp.status_code}: {exc}",
                                          method, url), answered=True) from exc
            finally:
                resp.close()
        except BodyCut as exc:
            self._failed(req, content, exc)
            raise
        except httpx.HTTPError as exc:
            err = TransportError(self._where(f"{type(exc).__name__}: {exc or 'no detail'}", method, url),
                                 answered=answered)
            self._failed(req, content, err)
            raise err from exc
        except RecordedFailure as exc:
            raise (BodyCut if exc.kind == "BodyCut" else TransportError)(exc.message, answered=exc.answered) from None
        except self.miss_errors as exc:
            raise ReplayMiss(f"{method} {path} {_missed(json_body, content)}") from exc
        raw, read_times = body.data, list(body.read_times_ms)
        # A replayed body cut when it was recorded says so in a header, with the cap of that run.
        cap = resp.headers.get(bounds.CLIPPED_HEADER) or (str(self.target.max_body) if body.clipped else None)
        elapsed: float | None = (time.monotonic() - start) * 1000
        if RECORDED_ELAPSED in resp.extensions:
            # Replayed: how long the replay took says nothing about the server; what the recording measured does.
            elapsed = resp.extensions[RECORDED_ELAPSED]
        wire = Wire(
            method=method,
            url=url,
            request_headers=tuple(req.headers.items()),
            request_body=content or b"",
            status=resp.status_code,
            reason=resp.reason_phrase,
            response_headers=tuple(resp.headers.multi_items())
            + (((bounds.CLIPPED_HEADER, str(self.target.max_body)),) if body.clipped else ()),
            response_body=raw,
            elapsed_ms=elapsed,
        )
        if cap is not None:
            # Recorded short and marked, so the replay ends in this same error without megabytes on disk.
            if self.tap is not None:
                self.tap(dataclasses.replace(wire, response_body=raw[: bounds.RECORDED_CLIP_BYTES]))
            raise ResponseTooLarge(self._where(f"response larger than {cap} bytes "
                                               "(--max-body; counted after decompression)", method, url),
                                   answered=True)
        ex = self.from_wire(wire, stream=stream, json_body=json_body, headers=hdrs, read_times=read_times)
        reported = (_sse_usage(ex.raw_body) if ex.raw_body is not None else
                    (ex.response_body.get("usage") if isinstance(ex.response_body, dict) else None))
        self.usage.add(reported)
        self.usage.add_for(endpoint_of(path), reported)
        if self.tap is not None:
            self.tap(wire)
        return ex

    def _failed(self, req: httpx.Request | None, content: bytes | None, exc: TransportError) -> None:
        """Tell the recorder about a request that failed at transport level."""
        if self.tap_failure is not None and req is not None:
            self.tap_failure(FailedWire(req.method, str(req.url), tuple(req.headers.items()), content or b"",
                                        "BodyCut" if isinstance(exc, BodyCut) else "TransportError", str(exc),
                                        exc.answered))

    def _where(self, what: str, method: str, url: str) -> str:
        """An error message naming the request, with nothing secret in it."""
        return self.redactor.text(f"{what} ({method} {public_url(url)})")

    def from_wire(
        self,
        wire: Wire,
        *,
        stream: bool,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        read_times: list[float] | None = None,
    ) -> Exchange:
        """The evidence form of an exchange: secrets redacted, the body parsed unless it is a stream or bytes.

        A binary answer (audio, images) is kept as a one-line summary in raw_body, its bytes in the wire;
        a multipart upload is described by its fields and file sizes.
        """
        ctype = next((v for k, v in wire.response_headers if k.lower() == "content-type"), "")
        summary = binary_summary(wire.response_body, ctype)
        text = summary if summary is not None else wire.response_body.decode("utf-8", errors="replace")
        streamed = (ctype.startswith("text/event-stream") or stream) and wire.status < 400
        body = None if streamed or summary is not None else _decode(text)
        sent_type = next((v for k, v in wire.request_headers if k.lower() == "content-type"), "")
        if json_body is not None:
            req_body: Any = json_body
        elif multipart.is_form(sent_type):
            req_body = (multipart.describe(wire.request_body, sent_type)
                        or binary_summary(wire.request_body, sent_type) or _decode(wire.request_body.decode("utf-8", "replace")))
        else:
            req_body = _decode(wire.request_body.decode("utf-8", "replace")) if wire.request_body else None
        return self.redactor.exchange(Exchange(
            method=wire.method,
            url=wire.url,
            request_headers=headers if headers is not None else dict(wire.request_headers),
            request_body=req_body,
            status=wire.status,
            response_headers=dict(wire.response_headers),
            response_body=body,
            raw_body=text if body is None else None,
            elapsed_ms=wire.elapsed_ms,
            read_times_ms=tuple(round(t, 1) for t in read_times or ()),
            wire=wire,
        ))
