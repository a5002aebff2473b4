"""Record each check's exchanges as a vcrpy cassette (secrets scrubbed first) and replay them offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import vcr
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.persisters.filesystem import FilesystemPersister
from vcr.request import Request as VcrRequest
from vcr.serializers import jsonserializer

from conformance.http import REDACTED, SECRET_HEADERS
from conformance.model import Wire

TARGET_FILE = "target.json"
PREFLIGHT = "preflight"
# Bodies are stored decoded, so the headers that describe an encoding or a length no longer hold.
_DROP_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "set-cookie"})
MATCH_ON = ("method", "path", "query", "body")


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


class Secrets:
    """Which headers and JSON fields never reach the disk."""

    def __init__(self, headers: frozenset[str] = frozenset(), fields: frozenset[str] = frozenset()) -> None:
        self.headers = SECRET_HEADERS | {h.lower() for h in headers}
        self.fields = frozenset(fields)

    def request(self, req: VcrRequest) -> VcrRequest:
        """vcrpy hook: scrub a request before it is written, and before it is matched on replay."""
        for name in list(req.headers):
            if name.lower() in self.headers:
                req.headers[name] = REDACTED
        if isinstance(req.body, bytes):
            req.body = scrub_body(req.body, self.fields)
        return req


class Recorder:
    """Collects the exchanges one check used (cache hits included) and writes them as its cassette."""

    def __init__(self, folder: Path, secrets: Secrets) -> None:
        self.folder = folder
        self.secrets = secrets
        self._wires: list[Wire] = []

    def add(self, wire: Wire | None) -> None:
        """Keep one exchange of the current check."""
        if wire is not None:
            self._wires.append(wire)

    @contextmanager
    def cassette(self, check_id: str) -> Iterator[None]:
        """Record everything inside the block into this check's cassette."""
        self._wires = []
        try:
            yield
        finally:
            self._save(check_id)

    def _save(self, check_id: str) -> None:
        requests, responses = [], []
        for w in self._wires:
            req = VcrRequest(w.method, w.url, w.request_body, dict(w.request_headers))
            requests.append(self.secrets.request(req))
            headers: dict[str, list[str]] = {}
            for k, v in w.response_headers:
                if k.lower() in self.secrets.headers:
                    v = REDACTED
                if k.lower() not in _DROP_RESPONSE_HEADERS:
                    headers.setdefault(k, []).append(v)
            body = scrub_body(w.response_body, self.secrets.fields)
            responses.append({"status": {"code": w.status, "message": w.reason}, "headers": headers,
                              "body": {"string": body}})
        FilesystemPersister.save_cassette(
            cassette_path(self.folder, check_id),
            {"requests": requests, "responses": responses, "metadata": {"check_id": check_id}},
            serializer=jsonserializer,
        )


class Replayer:
    """Answers each check from its own cassette; a request not recorded fails without touching the network."""

    miss = (CannotOverwriteExistingCassetteException,)

    def __init__(self, folder: Path, secrets: Secrets) -> None:
        self.folder = folder
        self._vcr = vcr.VCR(
            serializer="json",
            record_mode="none",
            match_on=MATCH_ON,
            before_record_request=secrets.request,
            decode_compressed_response=False,
        )

    @contextmanager
    def cassette(self, check_id: str) -> Iterator[None]:
        """Serve everything inside the block from this check's cassette."""
        with self._vcr.use_cassette(str(cassette_path(self.folder, check_id))):
            yield


def write_target(folder: Path, info: dict[str, Any]) -> None:
    """Record who was recorded (never a key): replay rebuilds the target from it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TARGET_FILE).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_target(folder: Path) -> dict[str, Any]:
    """What write_target wrote."""
    path = folder / TARGET_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a recording: it has no {TARGET_FILE}")
    return json.loads(path.read_text(encoding="utf-8"))
