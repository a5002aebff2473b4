"""Record each check's exchanges as a vcrpy cassette (secrets scrubbed first) and replay them offline."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance import scope
from conformance.http import FailedWire
from conformance.model import Wire, public_url
from conformance.redact import REDACTED, Redactor
from conformance.replay import BASE64, FAILURES, CassetteMiss, CorruptRecording, ReplayTransport, stored_body

if TYPE_CHECKING:  # vcrpy is imported when recording only: it costs a quarter second at every start
    from vcr.request import Request as VcrRequest

TARGET_FILE = "target.json"
PREFLIGHT = "preflight"
# Bodies are stored decoded, so the headers that describe an encoding or a length no longer hold.
_DROP_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "set-cookie"})


def cassette_path(folder: Path, check_id: str) -> Path:
    """Where the cassette of one check lives."""
    return folder / f"{check_id}.json"


def _scrub_json(value: Any, fields: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: (REDACTED if k in fields else _scrub_json(v, fields)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v, fields) for v in value]
    return value


def scrub_body(body: bytes, fields: frozenset[str]) -> bytes:
    """Replace the values of secret JSON fields; non-JSON bodies pass unchanged."""
    if not fields or not body:
        return body
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    return json.dumps(_scrub_json(doc, fields)).encode()


def local_paths() -> list[tuple[bytes, bytes]]:
    """Absolute paths of the recording machine that servers echo (tracebacks, model folders), and their stand-ins."""
    home = str(Path.home()).rstrip("/")
    # The home folder holds the targets home (~/.cache/oai-conformance/targets) and the user's name.
    return [(home.encode() + b"/", b"~/")] if home not in ("", "/") else []


def scrub_local_paths(body: bytes) -> bytes:
    """Replace the recording machine's home folder in a response body: reports must not carry it."""
    for path, stand_in in local_paths():
        body = body.replace(path, stand_in)
    return body


class Secrets:
    """Which headers and JSON fields never reach the disk."""

    def __init__(self, headers: frozenset[str] = frozenset(), fields: frozenset[str] = frozenset(),
                 redactor: Redactor | None = None) -> None:
        base = redactor or Redactor()
        self.redactor = Redactor(base.values, base.headers | {h.lower() for h in headers})
        self.headers = self.redactor.headers
        self.fields = frozenset(fields)

    def request(self, req: VcrRequest) -> VcrRequest:
        """Scrub a request before it is written."""
        for name in list(req.headers):
            req.headers[name] = REDACTED if name.lower() in self.headers else self.redactor.text(req.headers[name])
        if isinstance(req.body, bytes):
            req.body = self.redactor.data(scrub_body(req.body, self.fields))
        req.uri = self.redactor.text(public_url(req.uri))
        return req


class Recorder:
    """Collects the exchanges one check used (cache hits included) and writes them as its cassette."""

    def __init__(self, folder: Path, secrets: Secrets) -> None:
        self.folder = folder
        self.secrets = secrets
        # Per check: checks may run concurrently, each thread tagged with its check (conformance.scope).
        self._wires: dict[str, list[Wire]] = {}
        self._cached: dict[str, list[tuple[str, bool, Wire]]] = {}
        self._notes: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def add(self, wire: Wire) -> None:
        """Keep one exchange the current check sent over the wire."""
        with self._lock:
            self._wires.setdefault(scope.current() or "", []).append(wire)

    def add_cached(self, key: str, stream: bool, wire: Wire | None) -> None:
        """Keep one exchange the current check took from the run cache."""
        if wire is not None:
            with self._lock:
                self._cached.setdefault(scope.current() or "", []).append((key, stream, wire))

    def add_failure(self, failed: FailedWire) -> None:
        """Keep a request of the current check that failed at transport level, so replay fails it alike."""
        from vcr.request import Request as VcrRequest

        req = self.secrets.request(VcrRequest(failed.method, failed.url, failed.request_body,
                                              dict(failed.request_headers)))
        body: Any = req.body
        if isinstance(body, bytes):
            try:
                body = body.decode("utf-8")
            except UnicodeDecodeError:  # an upload: kept exact, as the interactions keep theirs
                body = {BASE64: base64.b64encode(body).decode("ascii")}
        entry = {"method": req.method, "uri": req.uri, "body": body, "kind": failed.kind,
                 "message": self.secrets.redactor.text(failed.message), "answered": failed.answered}
        with self._lock:
            self._notes.setdefault(scope.current() or "", {}).setdefault(FAILURES, []).append(entry)

    def note(self, key: str, value: Any) -> None:
        """Keep something the current check needs on replay (a property's generated requests)."""
        with self._lock:
            self._notes.setdefault(scope.current() or "", {})[key] = value

    @contextmanager
    def cassette(self, check_id: str) -> Iterator[None]:
        """Record everything inside the block (in this thread) into this check's cassette."""
        with self._lock:
            self._wires[check_id], self._cached[check_id], self._notes[check_id] = [], [], {}
        try:
            with scope.within(check_id):
                yield
        finally:
            with self._lock:
                wires, cached = self._wires.pop(check_id), self._cached.pop(check_id)
                notes = self._notes.pop(check_id)
            self._save(check_id, wires, cached, notes)

    def _pair(self, w: Wire) -> tuple[VcrRequest, dict[str, Any]]:
        from vcr.request import Request as VcrRequest

        req = self.secrets.request(VcrRequest(w.method, w.url, w.request_body, dict(w.request_headers)))
        headers: dict[str, list[str]] = {}
        for k, v in w.response_headers:
            v = REDACTED if k.lower() in self.secrets.headers else self.secrets.redactor.text(v)
            if k.lower() not in _DROP_RESPONSE_HEADERS:
                headers.setdefault(k, []).append(v)
        body = scrub_local_paths(self.secrets.redactor.data(scrub_body(w.response_body, self.secrets.fields)))
        resp: dict[str, Any] = {"status": {"code": w.status, "message": w.reason}, "headers": headers,
                                "body": {"string": body}}
        if w.elapsed_ms is not None:
            # vcrpy stores no timing: kept beside the response (vcrpy ignores the key) so a replay can show
            # how long the server took, not how long reading a file took.
            resp["elapsed_ms"] = round(w.elapsed_ms, 1)
        return req, resp

    def _save(self, check_id: str, wires: list[Wire], hits: list[tuple[str, bool, Wire]],
              notes: dict[str, Any]) -> None:
        from vcr.serialize import CASSETTE_FORMAT_VERSION
        from vcr.serializers import compat, jsonserializer

        def interaction(w: Wire) -> dict[str, Any]:
            req, resp = self._pair(w)
            request, response = compat.convert_to_unicode(req._to_dict()), compat.convert_to_unicode(resp)
            # Bytes that are not UTF-8 (audio, images, uploads) stay bytes: stored as base64, to replay exactly.
            if isinstance(request.get("body"), bytes):
                request["body"] = {BASE64: base64.b64encode(request["body"]).decode("ascii")}
            if isinstance(response["body"].get("string"), bytes):
                response["body"] = {BASE64: base64.b64encode(response["body"]["string"]).decode("ascii")}
            return {"request": request, "response": response}

        cached = [{"key": key, "stream": stream, "interaction": interaction(w)} for key, stream, w in hits]
        # vcrpy's own format, written here: vcrpy before 9 (the newest on Python 3.10) drops the metadata
        # block that replay needs (cache hits, property traces).
        data = {"version": CASSETTE_FORMAT_VERSION, "interactions": [interaction(w) for w in wires],
                "metadata": {"check_id": check_id, "cached": cached, **notes}}
        path = cassette_path(self.folder, check_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(jsonserializer.serialize(data), encoding="utf-8")


class Replayer:
    """Answers each check from its own cassette; a request not recorded fails without touching the network."""

    miss = (CassetteMiss,)

    def __init__(self, folder: Path, secrets: Secrets) -> None:
        self.folder = folder
        self.transport = ReplayTransport(folder, lambda body: scrub_body(body, secrets.fields))

    @contextmanager
    def cassette(self, check_id: str) -> Iterator[None]:
        """Serve everything inside the block (in this thread) from this check's cassette."""
        with scope.within(check_id):
            yield

    def metadata(self, check_id: str) -> dict[str, Any]:
        """What the recorder kept beside this check's exchanges (empty when the check was not recorded)."""
        return self.transport.metadata(check_id)

    def knows(self, check_id: str) -> bool:
        """Whether the recording has a cassette for this check (a check added since has none)."""
        return cassette_path(self.transport.folder, check_id).is_file()

    def cached(self, check_id: str) -> list[tuple[str, bool, Wire]]:
        """The exchanges this check took from the run cache when it was recorded."""
        meta = self.transport.metadata(check_id)
        try:
            return [(c["key"], c["stream"], _wire(c["interaction"])) for c in meta.get("cached", [])]
        except (KeyError, TypeError, AttributeError) as exc:
            raise CorruptRecording(f"{cassette_path(self.folder, check_id)}: cached exchanges are malformed "
                                   f"({exc!r}); re-record this target") from None


def _wire(interaction: dict[str, Any]) -> Wire:
    req, resp = interaction["request"], interaction["response"]
    return Wire(
        method=req["method"],
        url=req["uri"],
        request_headers=tuple((k, v) for k, vs in req["headers"].items() for v in vs),
        request_body=stored_body(req),
        status=resp["status"]["code"],
        reason=resp["status"].get("message") or "",
        response_headers=tuple((k, v) for k, vs in resp["headers"].items() for v in vs),
        response_body=stored_body(resp),
        elapsed_ms=resp.get("elapsed_ms"),
    )


def write_target(folder: Path, info: dict[str, Any]) -> None:
    """Record who was recorded (never a key): replay rebuilds the target from it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TARGET_FILE).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_target(folder: Path) -> dict[str, Any]:
    """What write_target wrote."""
    path = folder / TARGET_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a recording: it has no {TARGET_FILE}")
    info = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(info, dict) or not isinstance(info.get("target"), dict):
        raise ValueError(f"{path} is not a recording's target file (no target table)")
    return info
