"""The official openai SDK as a second judge: it reads the suite's bytes in memory and its failures become verdicts."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import openai
import pytest

from conformance import exitcodes, results
from conformance.judge import openai_sdk, review
from conformance.model import CheckResult, CheckSpec, Exchange, Outcome, Severity, Target, Wire
from tests.fake import FakeServer
from tests.helpers import run_checks

CHAT_URL = "http://127.0.0.1:1/v1/chat/completions"
SSE = [("content-type", "text/event-stream")]
JSON = [("content-type", "application/json")]


def chunk(index: int, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    """One chat.completion.chunk carrying one choice."""
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": index, "delta": delta, "finish_reason": finish}], **extra}


def stream(*chunks: dict[str, Any]) -> bytes:
    """SSE bytes of the chunks, ended by [DONE]."""
    return ("".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n").encode()


def two_choices(first: int) -> bytes:
    """An n=2 stream whose first chunk carries only choice `first`."""
    other = 1 - first
    return stream(chunk(first, {"role": "assistant", "content": ""}), chunk(other, {"role": "assistant", "content": ""}),
                  chunk(0, {"content": "Hi"}), chunk(1, {"content": "Yo"}), chunk(0, {}, "stop"), chunk(1, {}, "length"))


def judge_stream(body: bytes) -> openai_sdk.Judgement:
    """The SDK's judgement of a streamed answer."""
    found = openai_sdk.judge("POST", CHAT_URL, {"stream": True}, 200, SSE, body)
    assert found is not None
    return found


def completion(**message: Any) -> bytes:
    """A chat.completion body with one choice."""
    return json.dumps({"id": "c1", "object": "chat.completion", "created": 1, "model": "m", "choices": [
        {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}]}).encode()


def test_choice_1_first_raises_index_error_in_the_stream_helper() -> None:
    """n=2 with choice 1 first: the suite reads two good choices; the SDK's accumulation raises IndexError."""
    found = judge_stream(two_choices(first=1))
    assert found.call == "chat.completions.stream"
    assert found.problem is not None and found.problem.startswith("IndexError in ")
    assert "after accumulating 0 of the 6 chunks" in found.problem
    assert found.sdk == openai_sdk.version() and found.sdk.startswith("openai ")


def test_choices_in_order_read_as_the_suite_reads_them() -> None:
    """The same stream with choice 0 first is fine, and a cut answer (finish_reason length) is no failure."""
    assert judge_stream(two_choices(first=0)).ok


def test_an_sse_error_event_raised_by_the_sdk_is_as_intended() -> None:
    """A 200 stream carrying an error event: the SDK raising APIError with it is how clients learn of the error."""
    body = b'data: {"error": {"message": "too hot", "type": "invalid_request_error"}}\n\ndata: [DONE]\n\n'
    assert judge_stream(body).ok


def test_truncated_json_in_a_stream_breaks_the_sdk_iterator() -> None:
    """The SDK's streaming iterator raises on data that is not JSON, where a lenient reader would drop it."""
    good = stream(chunk(0, {"role": "assistant", "content": "Hi"}), chunk(0, {}, "stop"))
    frames = good.split(b"\n\n")
    frames[1] = frames[1][: len(frames[1]) // 2]
    found = judge_stream(b"\n\n".join(frames))
    assert found.problem is not None and found.problem.startswith("JSONDecodeError")


def test_a_chunk_the_helper_skips_is_wrong_accumulated_text() -> None:
    """The stream helper drops chunks whose object is not chat.completion.chunk: its text differs from the bytes'."""
    skipped = {**chunk(0, {"content": " there"}), "object": ""}
    found = judge_stream(stream(chunk(0, {"role": "assistant", "content": "Hi"}), skipped, chunk(0, {}, "stop")))
    assert found.problem == "choice 0 text 'Hi', the bytes say 'Hi there'"


def test_tool_call_arguments_are_compared() -> None:
    """Tool-call arguments as the SDK accumulates them against the concatenated fragments."""
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a"'}}
    ok = stream(chunk(0, {"role": "assistant", "tool_calls": [call]}),
                chunk(0, {"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]}), chunk(0, {}, "tool_calls"))
    assert judge_stream(ok).ok
    no_index = ok.replace(b'{"index": 0, "function"', b'{"function"')
    found = judge_stream(no_index)
    assert found.problem is not None and "index" in found.problem  # the exception's type differs between versions


def test_a_stream_answered_with_one_json_body_gives_the_sdk_nothing() -> None:
    """stream: true answered with a chat.completion JSON body: the helper accumulates no chunk and raises."""
    found = openai_sdk.judge("POST", CHAT_URL, {"stream": True}, 200, JSON, completion(content="hi"))
    assert found is not None and found.problem is not None
    assert "after accumulating 0 of the 0 chunks" in found.problem


def test_non_streamed_answers() -> None:
    """The non-streaming parse: a good body is read as the suite reads it; a JSON list leaves nothing to read."""
    good = openai_sdk.judge("POST", CHAT_URL, {"stream": False}, 200, JSON, completion(content="hi"))
    assert good is not None and good.ok and good.call == "chat.completions.create"
    bad = openai_sdk.judge("POST", CHAT_URL, {}, 200, JSON, b"[1, 2]")
    assert bad is not None and bad.problem == "reading the result: AttributeError: 'list' object has no attribute 'choices'"
    empty = openai_sdk.judge("POST", CHAT_URL, {}, 200, JSON, b"")
    assert empty is not None and empty.problem is not None and empty.problem.startswith("JSONDecodeError")


def test_models_answers_and_what_is_not_judged() -> None:
    """GET /models and /models/{id} go to models.list and models.retrieve; other routes and non-2xx are not judged."""
    listed = openai_sdk.judge("GET", "http://h/v1/models", None, 200, JSON, b'{"object": "list", "data": [{"id": "a"}]}')
    assert listed is not None and listed.ok and listed.call == "models.list"
    one = openai_sdk.judge("GET", "http://h/v1/models/org/a", None, 200, JSON, b'{"id": "org/a", "object": "model"}')
    assert one is not None and one.ok and one.call == "models.retrieve"
    assert openai_sdk.judge("GET", "http://h/v1/nothing", None, 200, JSON, b"{}") is None
    assert openai_sdk.judge("POST", CHAT_URL, {}, 400, JSON, b"[]") is None
    # stream: "yes" is a request the SDK cannot make (its stream is a boolean): no call to judge the answer with.
    assert openai_sdk.judge("POST", CHAT_URL, {"stream": "yes"}, 200, SSE, two_choices(first=0)) is None


def test_audio_answers_go_to_the_audio_calls() -> None:
    """Speech bytes reach audio.speech.create; a transcription's form names the response_format the call asks."""
    speech_url, stt_url = "http://h/v1/audio/speech", "http://h/v1/audio/transcriptions"
    mp3 = b"ID3\x04\x00\xff\xfe\x00" * 8
    spoken = openai_sdk.judge("POST", speech_url, {"response_format": "mp3"}, 200, [("content-type", "audio/mpeg")], mp3)
    assert spoken is not None and spoken.ok and spoken.call == "audio.speech.create"
    assert openai_sdk.judge("POST", speech_url, {"stream_format": "sse"}, 200, SSE, b"data: {}\n\n") is None

    def form(fmt: str) -> dict[str, Any]:
        return {"multipart/form-data": {"model": "m", "response_format": fmt, "file": {"bytes": 5}}}

    heard = openai_sdk.judge("POST", stt_url, form("json"), 200, JSON, b'{"text": "hello"}')
    assert heard is not None and heard.ok and heard.call == "audio.transcriptions.create"
    # Extra keys in a json answer (LiteLLM adds segments) stay untyped in the SDK: nobody reads them as objects.
    extra = b'{"text": "hello", "usage": null, "segments": [{"id": 0, "start": 0.0, "end": 1.0}]}'
    assert openai_sdk.judge("POST", stt_url, form("json"), 200, JSON, extra).ok  # type: ignore[union-attr]
    verbose = b'{"text": "hi", "language": "en", "duration": 1.0, "segments": [{"id": 0, "start": 0, "end": 1}]}'
    assert openai_sdk.judge("POST", stt_url, form("verbose_json"), 200, JSON, verbose).ok  # type: ignore[union-attr]
    srt = openai_sdk.judge("POST", stt_url, form("srt"), 200, [("content-type", "text/plain")], b"1\n00:00:00,000 --> ")
    assert srt is not None and srt.ok
    # json asked, plain text answered: the SDK cannot build its Transcription from it.
    text = openai_sdk.judge("POST", stt_url, form("json"), 200, [("content-type", "text/plain")], b"hello")
    assert text is not None and text.problem is not None


def test_judging_is_safe_from_many_threads() -> None:
    """Each judgement has its own client: concurrent judgements never see each other's bytes."""
    bodies = [two_choices(first=i % 2) for i in range(16)]
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(judge_stream, bodies))
    assert [f.ok for f in found] == [i % 2 == 0 for i in range(16)]


SPEC = CheckSpec(id="stream.n.choices", endpoint="chat", feature="Multiple choices", field="n", behavior="b")


def _result(outcome: Outcome, body: bytes, reason: str = "own reason",
            severity: Severity | None = None) -> CheckResult:
    wire = Wire("POST", CHAT_URL, (), b"{}", 200, "OK", tuple(SSE), body)
    ex = Exchange("POST", CHAT_URL, {}, {"stream": True}, 200, dict(SSE), None, body.decode(), wire=wire)
    return CheckResult(spec=SPEC, outcome=outcome, reason=reason, evidence=(ex,), severity=severity)


def test_a_client_failure_turns_a_pass_or_an_ignored_into_a_failure() -> None:
    """The SDK's exception is the verdict; the check's own conclusion is kept in details."""
    for before in (Outcome.PASS, Outcome.IGNORED, Outcome.ACCEPTED):
        after = review.review(_result(before, two_choices(first=1)))
        assert after.outcome is Outcome.FAIL and after.severity is Severity.BREAKS_CLIENTS
        assert after.reason.startswith(openai_sdk.version() + ": IndexError in ")
        assert after.reason.endswith("(chat.completions.stream on answer 1 of 1)")
        assert after.details["openai_sdk"]["overrides"] == {"outcome": before.value, "reason": "own reason"}


def test_other_outcomes_keep_their_verdict_and_gain_the_finding() -> None:
    """A check that already failed, or skipped, keeps its reason; the SDK's finding is added as a detail."""
    for before in (Outcome.FAIL, Outcome.SKIP, Outcome.ERROR, Outcome.UNSUPPORTED):  # a FAIL here breaks clients
        after = review.review(_result(before, two_choices(first=1)))
        assert (after.outcome, after.reason) == (before, "own reason")
        [failure] = after.details["openai_sdk"]["failures"]
        assert failure["exchange"] == 1 and failure["problem"].startswith("IndexError")


def test_a_milder_failure_the_sdk_cannot_read_breaks_clients() -> None:
    """The suite saw a spec deviation; the official client raising on the same bytes makes it client-breaking."""
    for milder in (Severity.VIOLATES_SPEC, Severity.LAX_VALIDATION):
        after = review.review(_result(Outcome.FAIL, two_choices(first=1), severity=milder))
        assert after.outcome is Outcome.FAIL and after.severity is Severity.BREAKS_CLIENTS
        assert after.reason.startswith(openai_sdk.version() + ": IndexError") and after.reason.endswith("own reason")
        assert after.details["openai_sdk"]["overrides"]["severity"] == milder.value


def test_a_client_breaking_failure_the_sdk_reads_fine_is_flagged_for_review() -> None:
    """The suite says clients break, the official client copes: the disagreement is written down."""
    for severity in (None, Severity.BREAKS_CLIENTS):
        after = review.review(_result(Outcome.FAIL, two_choices(first=0), severity=severity))
        assert after.outcome is Outcome.FAIL and after.details["openai_sdk"]["agrees"] is False
    # A pass, a spec deviation or lax validation claims nothing about clients: nothing to flag.
    for untouched in (_result(Outcome.PASS, two_choices(first=0)),
                      _result(Outcome.FAIL, two_choices(first=0), severity=Severity.VIOLATES_SPEC),
                      _result(Outcome.FAIL, two_choices(first=0), severity=Severity.LAX_VALIDATION)):
        assert review.review(untouched) == untouched


def test_each_answer_is_judged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream that is evidence of many checks is handed to the SDK once."""
    calls: list[str] = []
    real = openai_sdk.judge
    monkeypatch.setattr(openai_sdk, "judge", lambda *a: calls.append(a[1]) or real(*a))
    result = _result(Outcome.PASS, two_choices(first=0))
    for _ in range(3):
        review.review(result)
    assert calls == [CHAT_URL]


def test_the_fake_choice_1_first_fails_stream_n_choices_through_the_sdk() -> None:
    """The check's own reading passes n=2 with choice 1 first; the official SDK's stream helper does not."""
    with FakeServer(deviations={"stream.n_choice_1_first"}) as srv:
        result = run_checks(srv.base_url, "stream.n.choices")["stream.n.choices"]
    assert result.outcome is Outcome.FAIL
    assert result.reason.startswith("openai ") and "IndexError" in result.reason
    assert result.details["openai_sdk"]["overrides"]["outcome"] == "pass"


def test_results_record_the_sdk_version() -> None:
    """results.json says which SDK judged, and its schema knows the field."""
    doc = results.build(target=Target(base_url="http://h/v1", model="m", name="t"), results=[], usage={
        "requests": 0, "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}, started_at=results.now(),
        complete=True, selection=None)
    assert doc["suite"]["judges"] == {"openai": openai.__version__}
    jsonschema.Draft202012Validator(results.results_schema()).validate(doc)


def test_the_judgement_is_the_same_on_replay(tmp_path: Path) -> None:
    """Replayed, the SDK reads the recorded bytes: the same failure, with no server running."""
    def run(out: str, *args: str) -> dict[str, Any]:
        proc = subprocess.run([sys.executable, "-m", "conformance", "run", *args, "--only", "stream.n.choices",
                               "--output", out], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert proc.returncode == exitcodes.FAILED, proc.stdout[-2000:] + proc.stderr[-2000:]
        return {c["id"]: c for c in results.load(tmp_path / out)["checks"]}

    with FakeServer(deviations={"stream.n_choice_1_first"}) as srv:
        live = run("live", "--base-url", srv.base_url, "--model", "fake-model", "--name", "fk", "--record")
    cassettes = next(p.parent for p in tmp_path.rglob("stream.n.choices.json"))  # wherever the recorder keeps them
    replayed = run("replayed", "--replay", str(cassettes))
    assert live["stream.n.choices"]["reason"] == replayed["stream.n.choices"]["reason"]
    assert "IndexError" in replayed["stream.n.choices"]["reason"]


def test_a_server_error_is_what_the_official_client_raises_on() -> None:
    """A 5xx among a failing check's answers: the SDK makes the same call on those bytes and raises, so it agrees."""
    error = b'{"error": {"code": 500, "message": "image input is not supported", "type": "server_error"}}'
    wire = Wire("POST", CHAT_URL, (), b"{}", 500, "Internal Server Error", (("content-type", "application/json"),),
                error)
    failed = Exchange("POST", CHAT_URL, {}, {"messages": []}, 500, {"content-type": "application/json"},
                      json.loads(error), None, wire=wire)
    ok = _result(Outcome.FAIL, two_choices(first=0), severity=Severity.BREAKS_CLIENTS)
    after = review.review(dataclasses.replace(ok, evidence=(*ok.evidence, failed)))
    note = after.details["openai_sdk"]
    assert note["agrees"] is True and "InternalServerError" in note["note"] and "answer 2" in note["note"], note
    alone = review.review(dataclasses.replace(ok, evidence=(failed,)))
    assert alone.details["openai_sdk"]["agrees"] is True
