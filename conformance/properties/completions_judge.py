"""What a completions answer must hold: the invariants of the hand-written checks, applied to any generated request."""

from __future__ import annotations

from typing import Any

from conformance import sse, validate
from conformance.checks._shared import shape as _shape
from conformance.checks.completions.common import FINISH_REASONS, OBJECT, chunk_report
from conformance.context import error_message
from conformance.model import Exchange, Severity
from conformance.properties import triage
from conformance.properties.spec import Example, Judgement
from conformance.verdict import Fail

RESPONSE = "CreateCompletionResponse"


class _Broken(Exception):
    def __init__(self, key: str, reason: str, severity: Severity = Severity.BREAKS_CLIENTS) -> None:
        super().__init__(reason)
        self.key, self.reason, self.severity = key, reason, severity


def judge_valid(example: Example, ex: Exchange) -> Judgement:
    """A valid request gets a 2xx holding every invariant; a clear 4xx is noted, unless the request is the plainest."""
    status = ex.status or 0
    if (early := triage.valid_rejected(example, ex)) is not None:
        return early
    if not 200 <= status < 300:
        return Judgement(f"a valid request ({example.label}) got {status}: {error_message(ex.response_body)}",
                         key="server error" if status >= 500 else f"status {status}")
    notes: list[str] = []
    devs: list[str] = []
    try:
        if example.stream and not isinstance(ex.response_body, dict):
            _stream(example, ex, notes, devs)
        else:
            if example.stream:
                notes.append("stream ignored: one JSON body")
            _plain(example, ex.response_body, notes, devs)
    except _Broken as b:
        return Judgement(f"a valid request ({example.label}) broke an invariant: {b.reason}", key=b.key,
                         deviations=tuple(devs), severity=b.severity)
    return Judgement(observation="; ".join(notes) or None, deviations=tuple(devs))


def _expected_choices(example: Example) -> tuple[int, int]:
    """(prompts, n): one choice per prompt and n per prompt."""
    prompt = example.body.get("prompt")
    prompts = len(prompt) if isinstance(prompt, list) and prompt and isinstance(prompt[0], (str, list)) else 1
    n = example.body.get("n")
    return prompts, n if isinstance(n, int) else 1


def _count(example: Example, indexes: list[Any], notes: list[str]) -> None:
    prompts, n = _expected_choices(example)
    want = prompts * n
    if sorted(indexes) == list(range(want)):
        return
    if n > 1 and sorted(indexes) == list(range(prompts)):
        notes.append(f"n ignored: {prompts} choice(s) for n={n}")
        return
    raise _Broken("choices", f"{prompts} prompt(s) with n={n} gave choice indexes {sorted(indexes)}, not "
                  f"{list(range(want))}")


def _usage(holder: dict[str, Any], where: str) -> None:
    try:
        u = _shape.usage(holder, where)
    except Fail as exc:
        raise _Broken("usage", exc.reason) from None
    if u["total_tokens"] != u["prompt_tokens"] + u["completion_tokens"]:
        raise _Broken("usage sum", f"{where}: usage.total_tokens {u['total_tokens']} != prompt_tokens "
                      f"{u['prompt_tokens']} + completion_tokens {u['completion_tokens']}", Severity.VIOLATES_SPEC)


def _plain(example: Example, body: Any, notes: list[str], devs: list[str]) -> None:
    if not isinstance(body, dict):
        raise _Broken("not json", f"the 2xx answer is not a JSON object: {str(body)[:150]}")
    report = validate.check(RESPONSE, body)
    devs.extend(f"response: {d}" for d in report.deviations if f"response: {d}" not in devs)
    if report.breaking:
        raise _Broken("schema", "response breaks the schema: " + "; ".join(report.breaking[:2]), Severity.VIOLATES_SPEC)
    choices = body["choices"]
    _count(example, [c.get("index") for c in choices], notes)
    for pos, c in enumerate(choices):
        if c.get("finish_reason") not in FINISH_REASONS:
            raise _Broken("finish_reason", f"choices[{pos}].finish_reason is {c.get('finish_reason')!r}")
    prompt = example.body.get("prompt")
    if example.body.get("echo") is True and isinstance(prompt, str) and not choices[0]["text"].startswith(prompt):
        notes.append("echo ignored")
    if isinstance(example.body.get("logprobs"), int) and choices[0].get("logprobs") is None:
        notes.append("logprobs ignored: null")
    _usage(body, "response")


def _stream(example: Example, ex: Exchange, notes: list[str], devs: list[str]) -> None:
    ctype = ex.response_headers.get("content-type", "")
    if not ctype.lower().startswith("text/event-stream"):
        raise _Broken("content type", f"a stream with Content-Type {ctype!r}, not text/event-stream")
    stream = sse.parse(ex.raw_body or "")
    if stream.framing:
        raise _Broken("framing", "; ".join(stream.framing[:2]))
    if not stream.done or stream.after_done:
        raise _Broken("no [DONE]", "; ".join(stream.termination), Severity.VIOLATES_SPEC)
    if stream.errors:
        raise _Broken("error event", f"an error event in the stream: {str(stream.errors[0])[:150]}")
    chunks = [c for c in stream.chunks if isinstance(c, dict)]
    odd = [pos for pos, c in enumerate(stream.chunks) if not isinstance(c, dict)]
    if odd:
        raise _Broken("chunks", f"chunk {odd[0]} is {str(stream.chunks[odd[0]])[:60]!r}, not a JSON object")
    if not chunks:
        raise _Broken("chunks", "the stream carried no chunk")
    indexes: set[int] = set()
    for pos, chunk in enumerate(chunks):
        if chunk.get("object") != OBJECT:
            raise _Broken("chunk object", f"chunk {pos} has object {chunk.get('object')!r}, not {OBJECT!r}")
        texts = [c.get("text") for c in chunk.get("choices") or [] if isinstance(c, dict)]
        if any(not isinstance(t, str) for t in texts):
            # The SDK reads None, and client code joining the text raises TypeError.
            raise _Broken("chunk text", f"chunk {pos} has a choice whose text is not a string: {texts}")
        report = chunk_report(chunk)
        devs.extend(f"chunk: {d}" for d in report.deviations if f"chunk: {d}" not in devs)
        if report.breaking:
            raise _Broken("chunk schema", f"chunk {pos} breaks the schema: {report.breaking[0]}",
                          Severity.VIOLATES_SPEC)
        indexes |= {c["index"] for c in chunk["choices"]}
    _count(example, sorted(indexes), notes)
    include = (example.body.get("stream_options") or {}).get("include_usage") is True
    empty = [pos for pos, c in enumerate(chunks) if c.get("choices") == []]
    if empty and not include:
        raise _Broken("usage chunk", f"chunk(s) {empty} have choices [] although include_usage was not asked for")
    usage = [pos for pos, c in enumerate(chunks) if isinstance(c.get("usage"), dict)]
    if include and not usage:
        notes.append("stream_options.include_usage ignored: no usage chunk")
    for pos in usage:
        _usage(chunks[pos], f"chunk {pos}")
