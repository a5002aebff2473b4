"""What a Responses answer must hold: the invariants of the hand-written checks, applied to any generated request."""

from __future__ import annotations

from typing import Any

from conformance import sse, validate
from conformance.checks.responses import events as ev
from conformance.checks.responses import shape
from conformance.checks.responses.streaming import LETTERS, ORDER
from conformance.context import error_message
from conformance.model import Exchange, Severity
from conformance.properties import triage
from conformance.properties.chat_judge import judge_invalid
from conformance.properties.spec import Example, Judgement
from conformance.verdict import Fail

RESPONSE = "Response"
__all__ = ["RESPONSE", "judge_invalid", "judge_valid"]  # a defect is judged as chat's are: 4xx with the envelope


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
            final = _stream(ex, devs)
        else:
            if example.stream:
                notes.append("stream ignored: one JSON body")
            final = ex.response_body
            _schema(final, "response", devs)
        _response(example, final, notes)
    except _Broken as b:
        return Judgement(f"a valid request ({example.label}) broke an invariant: {b.reason}", key=b.key,
                         deviations=tuple(devs), severity=b.severity)
    except Fail as exc:
        return Judgement(f"a valid request ({example.label}) broke an invariant: {exc.reason}", key="shape",
                         deviations=tuple(devs), severity=exc.severity)
    return Judgement(observation="; ".join(notes) or None, deviations=tuple(devs))


def _schema(instance: Any, where: str, devs: list[str], report: validate.SchemaReport | None = None) -> None:
    report = report or validate.check(RESPONSE, instance)
    devs.extend(f"{where}: {d}" for d in report.deviations if f"{where}: {d}" not in devs)
    if report.breaking:
        raise _Broken("schema", f"{where} breaks its schema: " + "; ".join(report.breaking[:2]),
                      Severity.VIOLATES_SPEC)


def _response(example: Example, resp: Any, notes: list[str]) -> None:
    """The invariants of a finished Response: status and why, usage, the limit and the asked-for shape."""
    if not isinstance(resp, dict):
        raise _Broken("not json", f"the 2xx answer is not a JSON object: {str(resp)[:150]}")
    status, details = resp.get("status"), resp.get("incomplete_details")
    if status == "incomplete" and not (isinstance(details, dict) and details.get("reason")):
        raise _Broken("incomplete", f"status 'incomplete' without incomplete_details.reason: {details!r}",
                      Severity.VIOLATES_SPEC)
    if status == "completed" and details is not None:
        raise _Broken("incomplete", f"status 'completed' with incomplete_details {details!r}", Severity.VIOLATES_SPEC)
    u = shape.usage(resp)
    if u["total_tokens"] != u["input_tokens"] + u["output_tokens"]:
        raise _Broken("usage sum", f"usage.total_tokens {u['total_tokens']} != input_tokens {u['input_tokens']} + "
                      f"output_tokens {u['output_tokens']}", Severity.VIOLATES_SPEC)
    limit = example.body.get("max_output_tokens")
    if isinstance(limit, int) and u["output_tokens"] > limit:
        notes.append(f"max_output_tokens not honoured: {u['output_tokens']} output tokens for {limit}")
    if isinstance(limit, int) and u["output_tokens"] == limit and status == "completed":
        notes.append("cut by max_output_tokens yet status 'completed'")
    choice = example.body.get("tool_choice")
    if (choice == "required" or isinstance(choice, dict)) and not shape.calls(resp):
        notes.append("tool_choice ignored: no function_call item")
    if not shape.output(resp):
        raise _Broken("output", "the output holds no item")


def _stream(ex: Exchange, devs: list[str]) -> Any:
    """The invariants of a stream (framing, each event's schema, order, numbering, text); its final response."""
    ctype = ex.response_headers.get("content-type", "")
    if not ctype.lower().startswith("text/event-stream"):
        raise _Broken("content type", f"a stream with Content-Type {ctype!r}, not text/event-stream")
    stream = sse.parse(ex.raw_body or "")
    if stream.framing:
        raise _Broken("framing", "; ".join(stream.framing[:2]))
    evs = [e for e in stream.chunks if isinstance(e, dict)]
    if not evs or len(evs) != len(stream.chunks):
        raise _Broken("events", f"{len(stream.chunks) - len(evs)} of {len(stream.chunks)} events are not objects")
    for pos, event in enumerate(evs):
        _schema(event, f"event {pos} ({event.get('type')})", devs, ev.check_event(event))
    letters = "".join(LETTERS.get(str(e.get("type")), "") for e in evs)
    if not ORDER.fullmatch(letters):
        raise _Broken("order", f"events out of the documented order ({letters})", Severity.VIOLATES_SPEC)
    numbers = [e.get("sequence_number") for e in evs]
    seq = [n for n in numbers if isinstance(n, int)]
    if len(seq) != len(numbers) or any(b <= a for a, b in zip(seq, seq[1:])):
        raise _Broken("sequence_number", f"sequence_number not increasing: {numbers[:10]}", Severity.VIOLATES_SPEC)
    final = ev.Read(ex, stream, tuple(evs)).final()
    streamed = "".join(e["delta"] for e in evs if e.get("type") == ev.DELTA and isinstance(e.get("delta"), str))
    if streamed != shape.text(final):
        raise _Broken("text", f"the deltas give {streamed[:80]!r}, the final response {shape.text(final)[:80]!r}")
    return final
