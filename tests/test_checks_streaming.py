"""Streaming checks: all pass on the conformant fake, and each streaming deviation flips the right ones."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from conformance.clients import severity
from conformance.context import Run
from conformance.http import Client
from conformance.model import CheckResult, Outcome
from conformance.registry import all_checks, select
from conformance.runner import execute
from tests.fake import DEVIATIONS, FakeServer
from tests.helpers import not_passed, run_checks, target_for

PATTERN = "stream.*"

# The checks that read the default stream, the n=2 stream or the usage streams: a stream the official SDK
# cannot read (conformance/judge) fails every one of them, whatever their own subject.
SDK_CANNOT_READ = {c: "fail" for c in (
    "stream.response.content_type", "stream.sse.framing", "stream.sse.done", "stream.chunk.object", "stream.chunk.id",
    "stream.chunk.created_model", "stream.chunk.schema", "stream.delta.role", "stream.finish_reason.once",
    "stream.content.matches", "stream.delivery.incremental", "stream.n.choices", "stream.usage.include_usage",
    "stream.usage.absent_by_default",
)}

# Deviation -> the checks it must turn from pass, with the outcome; every other stream check still passes.
EXPECTED: dict[str, dict[str, str]] = {
    "stream.no_done": {"stream.sse.done": "fail"},
    "stream.data_after_done": {"stream.sse.done": "fail"},
    "stream.wrong_content_type": {"stream.response.content_type": "fail"},
    "stream.no_space_after_data": {},
    "stream.keepalive_comments": {},
    "stream.crlf_frames": {},
    # The SDK's stream helper keeps only chunks whose object is chat.completion.chunk: it accumulates nothing.
    "stream.chunk_object_wrong": SDK_CANNOT_READ,
    "stream.id_changes": {"stream.chunk.id": "fail"},
    "stream.created_changes": {},
    "stream.created_ms": {"stream.chunk.created_model": "fail"},
    "stream.buffered": {"stream.delivery.incremental": "fail"},
    "stream.options_without_stream_500": {"stream.usage.without_stream": "fail"},
    "stream.no_role_first": {"stream.delta.role": "fail"},
    "stream.finish_reason_twice": {"stream.finish_reason.once": "fail", "stream.n.choices": "fail"},
    "stream.content_after_finish": {
        "stream.finish_reason.once": "fail", "stream.n.choices": "fail", "stream.content.matches": "fail",
    },
    "stream.finish_reason_missing": {"stream.finish_reason.once": "fail", "stream.n.choices": "fail"},
    "stream.usage_ignored": {"stream.usage.include_usage": "ignored"},
    "stream.usage_always": {"stream.usage.absent_by_default": "fail"},
    "stream.usage_in_choices_chunk": {"stream.usage.include_usage": "fail"},
    "stream.text_differs": {"stream.content.matches": "fail"},
    "stream.error_as_text": {"stream.error.invalid_request": "fail"},
    # The official client raises JSONDecodeError on the truncated chunk (a lenient client would drop it).
    "stream.broken_json": SDK_CANNOT_READ,
    "stream.n_ignored": {"stream.n.choices": "ignored"},
    # Well-formed to the suite's own reading, but the official SDK's stream helper cannot accumulate it.
    "stream.n_choice_1_first": {"stream.n.choices": "fail"},
}


# Deviation -> (check, text of the deviation it must record): tolerated spec gaps pass but are noted.
NOTED: dict[str, tuple[str, str]] = {
    "stream.created_changes": ("stream.chunk.created_model", "created changes mid-stream"),
}


def _results(deviations: set[str]) -> dict[str, CheckResult]:
    with FakeServer(deviations=deviations) as srv:
        return run_checks(srv.base_url, PATTERN)



def _execute_alone(url: str, check_id: str) -> CheckResult:
    """One check against a server of the test's own, in a run of its own."""
    [chk] = select(all_checks(), check_id)
    run = Run(target_for(url), Client(target_for(url)))
    try:
        return execute(chk, run)
    finally:
        run.close()

def test_every_stream_check_passes_on_the_conformant_fake() -> None:
    """The conformant fake streams exactly as OpenAI does: nothing fails, nothing is even a deviation."""
    results = _results(set())
    assert not_passed(results) == {}
    assert {k: r.deviations for k, r in results.items() if r.deviations} == {}


def test_expected_deviations_exist() -> None:
    """A renamed deviation in the fake would make its case vacuous."""
    assert set(EXPECTED) | set(NOTED) <= set(DEVIATIONS)


@pytest.mark.parametrize("deviation", sorted(EXPECTED))
def test_deviation_flips_the_right_checks(deviation: str) -> None:
    """Each deviation changes exactly the expected verdicts (legal SSE variants change none)."""
    failing = not_passed(_results({deviation}))
    assert {k: v.split(":", 1)[0] for k, v in failing.items()} == EXPECTED[deviation], failing


@pytest.mark.parametrize("deviation", sorted(NOTED))
def test_tolerated_gap_is_recorded_as_a_deviation(deviation: str) -> None:
    """A spec gap no client breaks on passes, but the result says what was seen."""
    check_id, text = NOTED[deviation]
    result = _results({deviation})[check_id]
    assert result.outcome is Outcome.PASS, result.reason
    assert any(text in d for d in result.deviations), result.deviations


@pytest.mark.parametrize(("deviation", "check"), [("stream.created_ms", "stream.chunk.created_model"),
                                                   ("stream.options_without_stream_500", "stream.usage.without_stream")])
def test_spec_only_failures_are_violates_spec(deviation: str, check: str) -> None:
    """Clients read a millisecond created as a number; stream_options without stream is invalid input anyway."""
    result = _results({deviation})[check]
    assert (result.outcome, result.severity and result.severity.value) == (Outcome.FAIL, "violates-spec"), result.reason


# Below: servers written by hand (answers in timed parts, JSON for a stream, replies that depend on the last one).
def _run_one(base_url: str, check_id: str, *, replay: bool = False) -> tuple[Outcome, str]:
    """Run one check against base_url in a fresh run."""
    [chk] = select(all_checks(), check_id)
    run = Run(target_for(base_url), Client(target_for(base_url)))
    if replay:
        run.replay = True  # type: ignore[attr-defined]  # what the replay runner sets
    try:
        res = execute(chk, run)
    finally:
        run.close()
    return res.outcome, res.reason


def _http(body: str, content_type: str) -> bytes:
    """A whole 200 response; Connection: close because the test server hangs up after each reply."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body.encode())}\r\n"
    return f"{head}Connection: close\r\n\r\n{body}".encode()


def _buffered_reply() -> bytes:
    """A whole SSE answer of eight content chunks written at once, as a buffering proxy delivers it."""
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "fake-model"}
    deltas = [{"role": "assistant", "content": ""}] + [{"content": f"w{i} "} for i in range(8)]
    chunks = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return _http(body, "text/event-stream")


def _read_request(conn: socket.socket) -> bytes:
    """Read a whole request, so closing afterwards is a clean FIN and not a reset; returns its body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = next((int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")), 0)
    while len(body) < length:
        body += conn.recv(65536)
    return body


@contextmanager
def _server(parts: list[bytes] | Callable[[bytes], list[bytes]], pause_s: float = 0.0) -> Iterator[str]:
    """Answer every request by writing `parts` (or what they make of its body) with a pause between them."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                body = _read_request(conn)
                for i, part in enumerate(parts(body) if callable(parts) else parts):
                    if i:
                        time.sleep(pause_s)
                    conn.sendall(part)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        stop.set()
        thread.join(5)
        sock.close()


def test_buffered_stream_fails_incremental_delivery() -> None:
    """A complete stream in one write is a buffered answer, not streaming."""
    with _server([_buffered_reply()]) as url:
        outcome, reason = _run_one(url, "stream.delivery.incremental")
    assert outcome is Outcome.FAIL, reason
    assert "buffered" in reason


def test_role_flushed_early_then_buffered_fails_incremental_delivery() -> None:
    """Two deliveries (the role chunk, then everything else at the end) are still a buffered answer."""
    reply = _buffered_reply()
    head, body = reply.split(b"\r\n\r\n", 1)
    head = head.replace(b"Content-Length", b"X-Was-Length")  # the body now ends when the connection closes
    first_end = body.index(b"\n\n") + 2
    parts = [head + b"\r\n\r\n" + body[:first_end], body[first_end:]]
    with _server(parts, pause_s=0.2) as url:
        outcome, reason = _run_one(url, "stream.delivery.incremental")
    assert outcome is Outcome.FAIL, reason


def test_incremental_delivery_is_not_judged_on_replay() -> None:
    """Replayed cassettes lose timing, so delivery is skipped rather than guessed."""
    with FakeServer() as srv:
        outcome, reason = _run_one(srv.base_url, "stream.delivery.incremental", replay=True)
    assert outcome is Outcome.SKIP
    assert reason == "not judged on replay"


def test_json_body_for_a_stream_request_is_ignored_streaming_and_breaks_the_sdk() -> None:
    """One JSON chat.completion for stream: true: the check sees streaming ignored, the official client gets nothing."""
    body = json.dumps({"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                                    "finish_reason": "stop"}]})
    with _server([_http(body, "application/json")]) as url:
        result = _execute_alone(url, "stream.response.content_type")
    assert result.outcome is Outcome.FAIL, result.reason
    assert result.reason.startswith("openai ") and "after accumulating 0 of the 0 chunks" in result.reason
    assert result.details["openai_sdk"]["overrides"]["outcome"] == "ignored"


def test_sse_error_event_for_an_invalid_streamed_request_passes() -> None:
    """An error sent as an SSE event after 200 is a legal way to report it."""
    body = 'data: {"error": {"message": "temperature too high", "type": "invalid_request_error"}}\n\ndata: [DONE]\n\n'
    with _server([_http(body, "text/event-stream")]) as url:
        outcome, reason = _run_one(url, "stream.error.invalid_request")
    assert outcome is Outcome.PASS, reason
    assert "SSE error event" in reason


def test_a_client_break_on_a_valid_stream_is_not_charged_to_the_invalid_stream_check() -> None:
    """A 500 to an invalid streamed request stays violates-spec when a client breaks on a valid stream (curl audit:
    transformers serve's ModelFusion break on the missing [DONE] had made it breaks-clients)."""
    body = "Internal Server Error"
    reply = (f"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
             f"Connection: close\r\n\r\n{body}").encode()
    with _server([reply]) as url:
        result = _execute_alone(url, "stream.error.invalid_request")
    assert result.outcome is Outcome.FAIL and result.details.get("invalid_request") is True, result.reason
    check = {"id": result.spec.id, "endpoint": result.spec.endpoint, "feature": result.spec.feature, "outcome": "fail",
             "severity": "violates-spec", "reason": result.reason, "details": dict(result.details)}
    cell = {"id": "client.modelfusion.chat.stream", "client": "modelfusion", "label": "ModelFusion",
            "scenario": "chat.stream", "endpoint": "/v1/chat/completions", "outcome": "breaks",
            "exception": "waited for data: [DONE]", "reason": None}
    [cited] = severity.cite([check], [cell])
    assert cited["severity"] == "violates-spec" and "modelfusion" not in cited["reason"].lower()


def test_invalid_streamed_requests_all_answered_normally_skip() -> None:
    """A server that streams an answer to every invalid request leaves no error path to judge."""
    body = _buffered_reply().split(b"\r\n\r\n", 1)[1].decode()
    with _server([_http(body, "text/event-stream")]) as url:
        outcome, reason = _run_one(url, "stream.error.invalid_request")
    assert outcome is Outcome.SKIP, reason


def _answering(text_for: Callable[[dict[str, Any]], str], *, null_keys: bool = True) -> Callable[[bytes], list[bytes]]:
    """A chat server whose answer text text_for picks from the request, streamed or not.

    null_keys=False leaves out the finish_reason key of chunks that have none, as transformers serve does.
    """
    def reply(raw: bytes) -> list[bytes]:
        req = json.loads(raw)
        text = text_for(req)
        if not req.get("stream"):
            return [_http(json.dumps({"id": "c1", "object": "chat.completion", "created": 1, "model": "m", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}),
                "application/json")]
        base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
        deltas = [({"role": "assistant", "content": text}, None), ({}, "stop")]
        chunks: list[dict[str, Any]] = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": f}]}
                                        for d, f in deltas]
        for chunk in chunks if not null_keys else []:
            chunk["choices"] = [{k: v for k, v in c.items() if v is not None} for c in chunk["choices"]]
        return [_http("".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n", "text/event-stream")]
    return reply


def test_an_answer_that_depends_on_the_request_before_is_not_a_stream_mismatch() -> None:
    """As llama-cpp-python's prompt cache: the same prompt twice in a row answers otherwise than after another.

    The first stream (after nothing) and answer (after the stream) differ, but sent back to back the
    stream and the non-streamed answer agree: streaming is not what changes the text.
    """
    last: list[str] = []

    def text_for(req: dict[str, Any]) -> str:
        prompt = json.dumps(req["messages"])
        warm = last[-1:] == [prompt]
        last.append(prompt)
        return "warm answer" if warm else "cold answer"

    with _server(_answering(text_for)) as url:
        outcome, reason = _run_one(url, "stream.content.matches")
    assert outcome is Outcome.PASS, reason
    assert "'warm answer'" in reason and "chat.requests.isolated" in reason


def test_content_matches_skips_when_temperature_zero_is_not_repeatable() -> None:
    """Non-streamed answers that differ sent back to back leave nothing to compare the stream with."""
    count = iter(range(100))
    with _server(_answering(lambda req: f"answer {next(count)}")) as url:
        outcome, reason = _run_one(url, "stream.content.matches")
    assert outcome is Outcome.SKIP, reason
    assert "not repeatable" in reason


def test_an_absent_finish_reason_in_chunks_is_a_deviation_not_a_failure() -> None:
    """The SDKs default a chunk's finish_reason to None, so leaving the key out breaks no client."""
    with _server(_answering(lambda req: "hi", null_keys=False)) as url:
        result = _execute_alone(url, "stream.chunk.schema")
    assert result.outcome is Outcome.PASS, result.reason
    assert result.deviations == ("1 of 2 chunks omit choices[].finish_reason (clients read null)",)


@pytest.mark.parametrize(("clean_posts", "outcome", "samples"),
                         [(0, Outcome.FAIL, 1), (1, Outcome.FAIL, 2), (2, Outcome.FAIL, 3), (3, Outcome.PASS, 3)])
def test_n_choices_samples_until_the_order_breaks(clean_posts: int, outcome: Outcome, samples: int) -> None:
    """Choice 1 first on some requests only (llama.cpp: 5 of 6 on a fresh server) is caught within 3 samples."""
    with FakeServer(deviations={"stream.n_choice_1_first"}, clean_posts=clean_posts) as srv:
        result = _execute_alone(srv.base_url, "stream.n.choices")
        sent = [b for m, _, b in srv.requests if m == "POST"]
    assert result.outcome is outcome, result.reason
    assert len(sent) == samples
    if outcome is Outcome.PASS:
        assert "in 3 sample(s)" in result.reason and "began with choice 1" not in result.reason


def test_include_usage_is_judged_on_the_logprobs_stream_where_logprobs_are_judged() -> None:
    """logprobs.stream.chunks' stream asks for usage too: include_usage passes on it, with no stream of its own."""
    with FakeServer() as srv:
        results = run_checks(srv.base_url, "stream.usage.include_usage,logprobs.stream.chunks")
    usage, chunks = results["stream.usage.include_usage"], results["logprobs.stream.chunks"]
    assert usage.outcome.value == "pass" and "logprobs.stream.chunks' stream" in usage.reason
    assert usage.evidence[-1].wire == chunks.evidence[-1].wire


def test_a_usage_finding_is_judged_again_on_a_plain_stream() -> None:
    """A stream that fails include_usage is judged again without logprobs: the finding is the plain stream's."""
    with FakeServer(deviations={"stream.usage_ignored"}) as srv:
        result = run_checks(srv.base_url, "stream.usage.include_usage")["stream.usage.include_usage"]
    assert result.outcome.value == "ignored"
    assert result.evidence[-1].request_body.get("logprobs") is None
