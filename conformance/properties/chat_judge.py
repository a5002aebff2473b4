"""What a chat answer must hold: the invariants of the hand-written checks, applied to any generated request."""

from __future__ import annotations

from typing import Any

from conformance import sse, validate
from conformance.checks._shared import shape as _shape
from conformance.checks.chat.streaming import choice_events, dict_chunks, finish_problems, streamed_text
from conformance.context import error_message, has_envelope
from conformance.model import Exchange, Severity
from conformance.properties import triage
from conformance.properties.spec import OK, Example, Judgement
from conformance.verdict import Fail

RESPONSE = "CreateChatCompletionResponse"
CHUNK = "CreateChatCompletionStreamResponse"


def judge_invalid(example: Example, ex: Exchange) -> Judgement:
    """A request with one defect gets a 4xx with the OpenAI error envelope: never a 2xx, a 5xx or a bare 4xx."""
    status = ex.status or 0
    what, field = example.label, example.field or "?"
    if (skip := triage.not_judged(status, what)) is not None:
        return skip
    if 200 <= status < 300:
        return Judgement(f"{what} was accepted with {status}", key=f"accepted {field}",
                         severity=Severity.LAX_VALIDATION)
    # Invalid input answered with the wrong error still ends in an error for the client.
    if status >= 500:
        return Judgement(f"{what} got a server error {status}: {error_message(ex.response_body)}",
                         key=f"server error {field}", severity=Severity.VIOLATES_SPEC)
    if not 400 <= status < 500:
        return Judgement(f"{what} was answered {status}, not a 4xx", key=f"status {status}",
                         severity=Severity.VIOLATES_SPEC)
    if not has_envelope(ex.response_body):
        return Judgement(f"{what} was rejected with {status} without the OpenAI error envelope: "
                         f"{str(ex.response_body)[:150]}", key="no envelope", severity=Severity.VIOLATES_SPEC)
    return OK


def judge_valid(example: Example, ex: Exchange) -> Judgement:
    """A valid request gets a 2xx holding every invariant; a clear 4xx is noted, unless the request is the plainest."""
    status = ex.status or 0
    if (early := triage.valid_rejected(example, ex)) is not None:
        return early
    if status >= 500:
        return Judgement(f"a valid request ({example.label}) got a server error {status}: "
                         f"{error_message(ex.response_body)}", key="server error")
    if not 200 <= status < 300:
        return Judgement(f"a valid request ({example.label}) was answered {status}", key=f"status {status}")
    notes: list[str] = []
    devs: list[str] = []
    try:
        if example.stream and not isinstance(ex.response_body, dict):
            _stream(example, ex, notes, devs)
        else:
            if example.stream:
                if not isinstance(ex.response_body, dict) or ex.response_body.get("object") != "chat.completion":
                    raise _Broken("stream", f"asked to stream, got one JSON body: {str(ex.response_body)[:150]}")
                notes.append("stream ignored: one JSON body")
            _plain(example, ex.response_body, notes, devs)
    except _Broken as b:
        return Judgement(f"a valid request ({example.label}) broke an invariant: {b.reason}", key=b.key,
                         deviations=tuple(devs), severity=b.severity)
    return Judgement(observation="; ".join(notes) or None, deviations=tuple(devs))


class _Broken(Exception):
    def __init__(self, key: str, reason: str, severity: Severity = Severity.BREAKS_CLIENTS) -> None:
        super().__init__(reason)
        self.key, self.reason, self.severity = key, reason, severity


def _schema(name: str, instance: Any, where: str, devs: list[str]) -> None:
    report = validate.check(name, instance)
    devs.extend(f"{where}: {d}" for d in report.deviations if f"{where}: {d}" not in devs)
    if report.breaking:
        raise _Broken(f"{name} schema", f"{where} breaks the {name} schema: " + "; ".join(report.breaking[:2]),
                      Severity.VIOLATES_SPEC)


def _n(example: Example) -> int:
    n = example.body.get("n")
    return n if isinstance(n, int) else 1


def _count(example: Example, indexes: list[Any], notes: list[str]) -> None:
    n = _n(example)
    if len(indexes) == 1 and n > 1:
        notes.append(f"n ignored: one choice for n={n}")
    elif sorted(indexes) != list(range(n)):
        raise _Broken("choices", f"n={n} gave choice indexes {indexes}, not {list(range(n))}")


def _usage(holder: dict[str, Any], where: str, choices: int, example: Example, notes: list[str]) -> None:
    try:
        u = _shape.usage(holder, where)
    except Fail as exc:
        raise _Broken("usage", exc.reason) from None
    if u["total_tokens"] != u["prompt_tokens"] + u["completion_tokens"]:
        raise _Broken("usage sum", f"{where}: usage.total_tokens {u['total_tokens']} != prompt_tokens "
                      f"{u['prompt_tokens']} + completion_tokens {u['completion_tokens']}", Severity.VIOLATES_SPEC)
    limit = example.body.get("max_completion_tokens") or example.body.get("max_tokens")
    if isinstance(limit, int) and u["completion_tokens"] > choices * limit:
        notes.append(f"length limit not honoured: {u['completion_tokens']} completion tokens for {choices} x {limit}")


def _stops(example: Example, texts: list[str], notes: list[str]) -> None:
    stop = example.body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    hits = [s for s in stops if s and any(s in t for t in texts)]
    if hits:
        notes.append(f"stop sequence in the output: {hits[0]!r}")


def _plain(example: Example, body: Any, notes: list[str], devs: list[str]) -> None:
    if not isinstance(body, dict):
        raise _Broken("not json", f"the 2xx answer is not a JSON object: {str(body)[:150]}")
    _schema(RESPONSE, body, "response", devs)
    choices = body["choices"]
    _count(example, [c.get("index") for c in choices], notes)
    for pos, c in enumerate(choices):
        if c.get("index") != pos:
            raise _Broken("choices", f"choices[{pos}].index is {c.get('index')!r}")
        if c.get("finish_reason") not in _shape.FINISH_REASONS:
            raise _Broken("finish_reason", f"choices[{pos}].finish_reason is {c.get('finish_reason')!r}")
        if example.body.get("logprobs") is True and c.get("logprobs") is None:
            notes.append("logprobs ignored: null")
    _usage(body, "response", len(choices), example, notes)
    texts = [c["message"].get("content") for c in choices]
    _stops(example, [t for t in texts if isinstance(t, str)], notes)


def _stream(example: Example, ex: Exchange, notes: list[str], devs: list[str]) -> None:
    ctype = ex.response_headers.get("content-type", "")
    if not ctype.lower().startswith("text/event-stream"):
        raise _Broken("content type", f"a stream with Content-Type {ctype!r}, not text/event-stream")
    stream = sse.parse(ex.raw_body or "")
    if stream.framing:
        raise _Broken("framing", "; ".join(stream.framing[:2]))
    if not stream.done or stream.after_done:
        # Clients that stop at a clean close cope; the spec still ends every stream with [DONE].
        raise _Broken("no [DONE]", "; ".join(stream.termination), Severity.VIOLATES_SPEC)
    if stream.errors:
        raise _Broken("error event", f"an error event in the stream: {str(stream.errors[0])[:150]}")
    try:
        chunks = dict_chunks(stream)
        for chunk in chunks:
            _schema(CHUNK, chunk, "chunk", devs)
        events = choice_events(chunks)
        _count(example, sorted(events), notes)
        for index, seq in sorted(events.items()):
            if (problem := finish_problems(index, seq, devs)) is not None:
                raise _Broken("finish_reason", problem, Severity.VIOLATES_SPEC)
        texts = [streamed_text(chunks, i)[0] for i in sorted(events)]
    except Fail as exc:
        raise _Broken("chunks", exc.reason, exc.severity) from None
    _stops(example, texts, notes)
    empty = [pos for pos, c in enumerate(chunks) if c.get("choices") == []]
    include = (example.body.get("stream_options") or {}).get("include_usage") is True
    if empty and not include:
        raise _Broken("usage chunk", f"chunk(s) {empty} have choices [] although include_usage was not asked for")
    usage = [pos for pos, c in enumerate(chunks) if isinstance(c.get("usage"), dict)]
    if include and not usage:
        notes.append("stream_options.include_usage ignored: no usage chunk")
    for pos in usage:
        _usage(chunks[pos], f"chunk {pos}", max(1, len(events)), example, notes)
