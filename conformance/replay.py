"""Replay at the client's own transport: answers each check from its vcrpy-format cassette, thread-safely.

vcrpy patches httpx for the whole process, so one cassette at a time; checks running concurrently each
need their own. This transport reads the same files and matches as the recordings were made to be
matched (method, path, query, body compared as JSON when JSON), each recorded answer played once.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from conformance import scope
from conformance.http import RECORDED_ELAPSED, RecordedFailure

# The cassette metadata key of the requests that failed at transport level while recording.
FAILURES = "failures"


class CassetteMiss(Exception):
    """The current check's cassette holds no (unplayed) answer to this request."""


class CorruptRecording(Exception):
    """A recording file that cannot be read; the message names the file."""


def load_cassette(path: Path) -> dict[str, Any]:
    """A cassette's JSON, checked for the shape replay needs; CorruptRecording names the file otherwise."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise CorruptRecording(f"{path} is not a readable cassette ({type(exc).__name__}: {exc}); "
                               "re-record this target") from None
    items = doc.get("interactions") if isinstance(doc, dict) else None
    ok = isinstance(items, list) and isinstance(doc.get("metadata", {}), dict) and all(
        isinstance(i, dict) and isinstance(i.get("request"), dict) and isinstance(i.get("response"), dict)
        and isinstance(i["response"].get("status"), dict) and isinstance(i["request"].get("uri"), str)
        for i in items)
    if not ok:
        raise CorruptRecording(f"{path} is not a cassette (no list of request/response interactions); "
                               "re-record this target")
    return doc


@dataclass
class _Tape:
    """One check's recorded interactions and which of them were played."""

    interactions: list[dict[str, Any]]
    metadata: dict[str, Any] = field(default_factory=dict)
    played: list[bool] = field(default_factory=list)
    failures_played: set[int] = field(default_factory=set)  # indexes into metadata[FAILURES]

    def __post_init__(self) -> None:
        self.played = [False] * len(self.interactions)


def _json_or_raw(body: bytes, headers: Any) -> Any:
    ctype = next((v for k, v in _header_items(headers) if k.lower() == "content-type"), "")
    if "application/json" in ctype.lower() and body:
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


def _header_items(headers: Any) -> list[tuple[str, str]]:
    if isinstance(headers, dict):
        return [(k, v) for k, vs in headers.items() for v in (vs if isinstance(vs, list) else [vs])]
    return list(headers)


def _request_key(method: str, url: str) -> tuple[str, str, list[tuple[str, str]]]:
    parts = urlsplit(url)
    return method.upper(), parts.path, sorted(parse_qsl(parts.query, keep_blank_values=True))


# A body that is not UTF-8 text is stored as {"base64_string": ...} in place of vcrpy's {"string": ...}.
BASE64 = "base64_string"


def stored_body(recorded: dict[str, Any]) -> bytes:
    """The exact bytes of a recorded request's or response's body."""
    body = recorded.get("body")
    if isinstance(body, dict) and BASE64 in body:
        try:
            return base64.b64decode(str(body[BASE64]), validate=True)
        except (binascii.Error, ValueError):
            raise CorruptRecording(f"a recorded body is not valid base64 ({str(body[BASE64])[:40]!r}...); "
                                   "re-record this target") from None
    if isinstance(body, dict):  # vcrpy's {"string": ...} form
        body = body.get("string")
    if body is None:
        return b""
    return body if isinstance(body, bytes) else str(body).encode()


class ReplayTransport(httpx.BaseTransport):
    """An httpx transport that answers from the cassette of the check running in the calling thread."""

    def __init__(self, folder: Path, scrub: Any = None) -> None:
        self.folder = folder
        # The recorder scrubbed secret fields before writing: scrub outgoing bodies the same way to match.
        self._scrub = scrub or (lambda body: body)
        self._tapes: dict[str, _Tape] = {}
        self._lock = threading.Lock()

    def load(self, check_id: str) -> _Tape:
        """The check's cassette, read once (an absent file is an empty cassette)."""
        with self._lock:
            tape = self._tapes.get(check_id)
            if tape is None:
                path = self.folder / f"{check_id}.json"
                # A broken file says which one it is: a check whose cassette cannot be read is not judged.
                data = load_cassette(path) if path.is_file() else {}
                tape = self._tapes[check_id] = _Tape(list(data.get("interactions", [])), data.get("metadata", {}))
            return tape

    def metadata(self, check_id: str) -> dict[str, Any]:
        """The cassette's metadata block (what the recorder noted beside the interactions)."""
        return self.load(check_id).metadata

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Play the first unplayed recorded answer whose request matches this one."""
        check_id = scope.current()
        if check_id is None:
            raise CassetteMiss("no check is running")
        body = self._scrub(request.read())
        key = _request_key(request.method, str(request.url))
        mine = _json_or_raw(body, request.headers.multi_items())
        tape = self.load(check_id)
        with self._lock:
            for i, inter in enumerate(tape.interactions):
                rec = inter["request"]
                if tape.played[i] or _request_key(rec["method"], rec["uri"]) != key:
                    continue
                rec_body = stored_body(rec)
                theirs = _json_or_raw(rec_body, rec.get("headers", {}))
                same = mine == theirs if type(mine) is type(theirs) else body == rec_body
                if same:
                    tape.played[i] = True
                    return _response(inter["response"], request)
            # A request that failed at transport level when recorded fails again, the same way.
            for i, failed in enumerate(tape.metadata.get(FAILURES) or []):
                if i in tape.failures_played or not isinstance(failed, dict):
                    continue
                if _request_key(str(failed.get("method")), str(failed.get("uri"))) != key:
                    continue
                rec_body = stored_body(failed)
                theirs = _json_or_raw(rec_body, {"content-type": request.headers.get("content-type", "")})
                if (mine == theirs) if type(mine) is type(theirs) else body == rec_body:
                    tape.failures_played.add(i)
                    raise RecordedFailure(str(failed.get("kind")), str(failed.get("message")),
                                          bool(failed.get("answered")))
        raise CassetteMiss(f"{request.method} {request.url} not in cassette {check_id}")


def _response(rec: dict[str, Any], request: httpx.Request) -> httpx.Response:
    message = rec["status"].get("message")
    extensions: dict[str, Any] = {RECORDED_ELAPSED: rec.get("elapsed_ms")}
    if message:
        extensions["reason_phrase"] = message.encode("ascii", "replace")
    return httpx.Response(
        rec["status"]["code"],
        headers=_header_items(rec.get("headers", {})),
        # A stream, not content=: content would add a Content-Length the recording dropped.
        stream=httpx.ByteStream(stored_body(rec)),
        extensions=extensions,
        request=request,
    )
