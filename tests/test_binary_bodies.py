"""Binary answers and multipart uploads: sent, kept as evidence, recorded and replayed byte for byte."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance import multipart
from conformance.http import Client, ResponseTooLarge
from conformance.model import Target
from conformance.recording import Recorder, Replayer, Secrets

# Every byte value, twice: not UTF-8, so a text round trip would change it.
AUDIO = bytes(range(256)) * 2 + b"\xff\xfe\x00\r\n"
UPLOAD = b"RIFF\x00\x01\x02\xff\xfe" + bytes(range(200))


class _Handler(BaseHTTPRequestHandler):
    """POST /v1/audio/speech answers AUDIO; POST /v1/upload answers the digest of the file it was sent."""

    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/v1/audio/speech":
            self._answer(200, "audio/wav", AUDIO)
            return
        parsed = multipart.decode(body, self.headers.get("Content-Type", ""))
        if parsed is None:
            self._answer(400, "application/json", b'{"error": {"message": "not a form", "type": "x"}}')
            return
        fields, files = parsed
        answer = {"fields": fields, "sha256": [hashlib.sha256(f.data).hexdigest() for f in files]}
        self._answer(200, "application/json", json.dumps(answer).encode())

    def _answer(self, status: int, ctype: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """A small local server answering bytes and reading forms."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    finally:
        srv.shutdown()
        srv.server_close()


def _target(url: str, max_body: int = 1 << 20) -> Target:
    return Target(base_url=url, model="m", name="bin", timeout_s=10.0, max_body=max_body)


def _form() -> multipart.Form:
    return multipart.encode([("model", "whisper"), ("timestamp_granularities[]", "word"),
                             ("timestamp_granularities[]", "segment")],
                            [multipart.File("file", "speech.wav", "audio/wav", UPLOAD)])


def test_a_form_decodes_to_what_was_encoded_and_its_bytes_are_stable() -> None:
    form = _form()
    assert form == _form()  # the boundary comes from the content: the same upload is the same bytes
    fields, files = multipart.decode(form.body, form.content_type) or ([], [])
    assert fields == [("model", "whisper"), ("timestamp_granularities[]", "word"),
                      ("timestamp_granularities[]", "segment")]
    assert files == [multipart.File("file", "speech.wav", "audio/wav", UPLOAD)]


def test_a_clients_random_boundary_is_replaced_by_one_fixed_by_the_content() -> None:
    form = _form()
    one = form.body.replace(form.content_type.split("=")[1].encode(), b"----client-random-1")
    two = form.body.replace(form.content_type.split("=")[1].encode(), b"----client-random-2")
    a = multipart.rebound(one, "multipart/form-data; boundary=----client-random-1")
    b = multipart.rebound(two, "multipart/form-data; boundary=----client-random-2")
    assert a == b and b"client-random" not in a.body
    assert multipart.decode(a.body, a.content_type) == multipart.decode(form.body, form.content_type)


def test_binary_answers_and_uploads_become_short_evidence(base_url: str) -> None:
    client = Client(_target(base_url))
    try:
        ex = client.send("POST", "/audio/speech", json_body={"input": "hi"})
        form = _form()
        up = client.send("POST", "/upload", content=form.body, headers={"Content-Type": form.content_type})
    finally:
        client.close()
    assert ex.wire is not None and ex.wire.response_body == AUDIO
    assert ex.response_body is None and ex.raw_body is not None and f"{len(AUDIO)} bytes of audio/wav" in ex.raw_body
    described = up.request_body["multipart/form-data"]
    assert described["timestamp_granularities[]"] == ["word", "segment"]
    assert described["file"]["bytes"] == len(UPLOAD) and described["file"]["filename"] == "speech.wav"
    assert up.response_body["sha256"] == [hashlib.sha256(UPLOAD).hexdigest()]


def test_binary_bodies_replay_byte_for_byte(base_url: str, tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, Secrets())
    live = Client(_target(base_url))
    live.tap = recorder.add
    form = _form()
    try:
        with recorder.cassette("audio.binary.roundtrip"):
            spoken = live.send("POST", "/audio/speech", json_body={"input": "hi"})
            uploaded = live.send("POST", "/upload", content=form.body, headers={"Content-Type": form.content_type})
    finally:
        live.close()
    stored = json.loads((tmp_path / "audio.binary.roundtrip.json").read_text())["interactions"]
    assert "base64_string" in stored[0]["response"]["body"] and "base64_string" in stored[1]["request"]["body"]

    replayer = Replayer(tmp_path, Secrets())
    offline = Client(_target(base_url), transport=replayer.transport)
    offline.miss_errors = replayer.miss
    try:
        with replayer.cassette("audio.binary.roundtrip"):
            again = offline.send("POST", "/audio/speech", json_body={"input": "hi"})
            up_again = offline.send("POST", "/upload", content=form.body, headers={"Content-Type": form.content_type})
    finally:
        offline.close()
    assert again.wire is not None and spoken.wire is not None
    assert again.wire.response_body == spoken.wire.response_body == AUDIO
    assert up_again.response_body == uploaded.response_body
    assert dict(again.wire.response_headers)["content-type"] == "audio/wav"


def test_a_binary_answer_past_max_body_is_cut_and_replays_as_cut(base_url: str, tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, Secrets())
    live = Client(_target(base_url, max_body=100))
    live.tap = recorder.add
    try:
        with recorder.cassette("audio.binary.cut"), pytest.raises(ResponseTooLarge):
            live.send("POST", "/audio/speech", json_body={"input": "hi"})
    finally:
        live.close()
    replayer = Replayer(tmp_path, Secrets())
    offline = Client(_target(base_url), transport=replayer.transport)
    offline.miss_errors = replayer.miss
    try:
        with replayer.cassette("audio.binary.cut"), pytest.raises(ResponseTooLarge, match="larger than 100 bytes"):
            offline.send("POST", "/audio/speech", json_body={"input": "hi"})
    finally:
        offline.close()
