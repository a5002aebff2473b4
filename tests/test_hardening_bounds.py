"""A hostile server never costs unbounded memory, disk or time: --max-body, one deadline per request."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance import exitcodes
from conformance.http import Client, ResponseTooLarge, TransportError
from conformance.bounds import CLIPPED_HEADER
from conformance.model import Target
from tests.hostile import hostile

MAX = 256 * 1024
ONE_CHECK = "chat.response.*"


def oai(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("fault", ["large-body", "endless-string", "endless-line", "gzip-bomb"])
def test_body_is_cut_at_max_body_after_decompression(fault: str) -> None:
    with hostile(fault) as url:
        client = Client(Target(url, "fake-model", "t", timeout_s=10, max_body=MAX))
        start = time.monotonic()
        with pytest.raises(ResponseTooLarge, match=f"larger than {MAX} bytes"):
            client.send("POST", "/chat/completions", json_body={"model": "fake-model", "messages": []}, stream=True)
        client.close()
    assert time.monotonic() - start < 5


def test_header_drip_is_bounded_by_one_deadline() -> None:
    # One header byte every 0.2 s: no read ever times out, only the request's own deadline ends it.
    with hostile("drip-headers", drip=0.2) as url:
        client = Client(Target(url, "fake-model", "t", timeout_s=1.5))
        start = time.monotonic()
        with pytest.raises(TransportError, match="deadline of 1.5s"):
            client.send("GET", "/models")
        client.close()
    assert time.monotonic() - start < 3


def test_drip_in_preflight_is_unreachable_within_the_timeout(tmp_path: Path) -> None:
    with hostile("drip-headers", drip=0.2) as url:
        start = time.monotonic()
        r = oai("run", "--base-url", url, "--model", "fake-model", "--timeout", "2", cwd=tmp_path)
    assert r.returncode == exitcodes.UNREACHABLE, r.stdout + r.stderr
    assert time.monotonic() - start < 20
    assert "deadline of 2s" in r.stdout + r.stderr


@pytest.mark.parametrize("value", ["0", "nan", "inf", "-1", "soon"])
def test_timeout_must_be_finite_and_positive(tmp_path: Path, value: str) -> None:
    r = oai("run", "--base-url", "http://127.0.0.1:8100/v1", "--model", "fake-model", "--timeout", value, cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE, r.stdout + r.stderr
    assert "--timeout" in r.stderr


def test_timeout_zero_in_target_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text('[target]\nbase_url = "http://127.0.0.1:8100/v1"\nmodel = "fake-model"\ntimeout = 0\n')
    r = oai("run", "--target-file", str(f), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE and "timeout must be" in r.stderr


def test_oversized_answer_is_an_error_recorded_clipped_and_replayed_alike(tmp_path: Path) -> None:
    with hostile("large-body", size=64 * 1024 * 1024) as url:
        r = oai("run", "--base-url", url, "--model", "fake-model", "--timeout", "10", "--max-body", "256K",
                "--only", ONE_CHECK, "--output", str(tmp_path / "live"), "--record", str(tmp_path / "rec"),
                cwd=tmp_path)
    assert r.returncode == exitcodes.NOT_JUDGED, r.stdout + r.stderr
    live = json.loads((tmp_path / "live" / "results.json").read_text())
    errors = [c for c in live["checks"] if c["outcome"] == "error"]
    assert errors and all(f"response larger than {MAX} bytes" in c["reason"] for c in errors)
    # The recording holds the clipped body, marked, never the 64 MB.
    cassettes = list((tmp_path / "rec").glob("chat.*.json"))
    assert cassettes and sum(p.stat().st_size for p in cassettes) < 4 * MAX * len(cassettes)
    assert any(CLIPPED_HEADER in p.read_text() for p in cassettes)
    r2 = oai("run", "--replay", str(tmp_path / "rec"), "--output", str(tmp_path / "replayed"), "--only", ONE_CHECK,
             cwd=tmp_path)
    assert r2.returncode == exitcodes.NOT_JUDGED, r2.stdout + r2.stderr
    replayed = json.loads((tmp_path / "replayed" / "results.json").read_text())
    assert [(c["id"], c["outcome"]) for c in replayed["checks"]] == [(c["id"], c["outcome"]) for c in live["checks"]]


class _Chunks(httpx.SyncByteStream):
    """A body that arrives in network-sized pieces, as from a socket (content= would be read at once)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        for i in range(0, len(self.body), 65536):
            yield self.body[i:i + 65536]


def _gzip_client(body: bytes, max_body: int = MAX) -> Client:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
                              stream=_Chunks(body))

    return Client(Target("http://127.0.0.1:8100/v1", "fake-model", "t", max_body=max_body),
                  transport=httpx.MockTransport(answer))


def test_gzip_answers_are_decoded_by_the_bounded_decoder() -> None:
    ex = _gzip_client(gzip.compress(b'{"object": "list", "data": []}')).send("GET", "/models")
    assert ex.response_body == {"object": "list", "data": []}
    with pytest.raises(ResponseTooLarge):
        _gzip_client(gzip.compress(b'{"x": "' + b"0" * (MAX * 4) + b'"}')).send("GET", "/models")
    with pytest.raises(TransportError, match="cannot decode"):
        _gzip_client(b"\x1f\x8b\x08\x00not gzip at all").send("GET", "/models")
