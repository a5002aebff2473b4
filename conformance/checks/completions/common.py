"""What every /v1/completions check shares: the default request, text accessors and stream chunks."""

from __future__ import annotations

from typing import Any

from conformance import sse, validate
from conformance.checks._shared import shape as _shape
from conformance.context import OMIT, CheckContext
from conformance.model import Exchange
from conformance.verdict import Fail, SpecViolation

PATH = "/completions"
SCHEMA = "CreateCompletionResponse"
OBJECT = "text_completion"
PROMPT = "Once upon a time"
OTHER_PROMPT = "The capital of France is"
MAX_TOKENS = 8
FINISH_REASONS = frozenset({"stop", "length", "content_filter"})
MISSING = "missing required key(s)"
# Token ids below 1000 exist in every common vocabulary (GPT-2, Llama, SmolLM2, Qwen), and none is special.
TOKENS = [464, 3290, 373, 257]
OTHER_TOKENS = [818, 262, 3726, 286, 640]


def body(ctx: CheckContext, **fields: Any) -> dict[str, Any]:
    """A cheap, deterministic completions request; pass OMIT to drop a default field."""
    out: dict[str, Any] = {"model": ctx.model, "prompt": PROMPT, "temperature": 0, "max_tokens": MAX_TOKENS}
    out.update(fields)
    return {k: v for k, v in out.items() if v is not OMIT}


def send(ctx: CheckContext, *, cache: bool = True, **fields: Any) -> Exchange:
    """Send a completions request built by body()."""
    b = body(ctx, **fields)
    return ctx.request("POST", PATH, b, stream=b.get("stream") is True, cache=cache)


def ok(ctx: CheckContext, what: str, *, cache: bool = True, **fields: Any) -> dict[str, Any]:
    """The JSON body of a 2xx answer to a completions request (a 4xx is 'unsupported')."""
    answer: dict[str, Any] = ctx.expect_ok(send(ctx, cache=cache, **fields), what)
    return answer


def choices(answer: dict[str, Any], where: str = "response") -> list[dict[str, Any]]:
    """The non-empty list of choice objects."""
    return _shape.choices(answer, where)


def text(answer: dict[str, Any], index: int = 0) -> str:
    """The text of one choice (position, not index): a string, as the spec requires."""
    got = choices(answer)[index].get("text")
    if not isinstance(got, str):
        raise Fail(f"choices[{index}].text is not a string: {str(got)[:120]!r}")
    return got


def by_index(answer: dict[str, Any], what: str) -> list[str]:
    """The texts in `index` order, failing when the indexes are not 0..n-1 (clients place choices by index)."""
    found = choices(answer)
    indexes = [c.get("index") for c in found]
    if sorted(i for i in indexes if isinstance(i, int)) != list(range(len(found))):
        raise Fail(f"{what}: choice indexes {indexes}, not 0..{len(found) - 1}")
    ordered = sorted(range(len(found)), key=lambda pos: found[pos]["index"])
    return [text(answer, pos) for pos in ordered]


def dict_chunks(stream: sse.Stream) -> list[dict[str, Any]]:
    """The JSON chunks of a stream, failing if any is not an object or there are none."""
    bad = [i for i, c in enumerate(stream.chunks) if not isinstance(c, dict)]
    if bad:
        raise Fail(f"chunk {bad[0]} is not a JSON object: {str(stream.chunks[bad[0]])[:200]}")
    if not stream.chunks:
        raise Fail(f"the stream carried no chunk at all: {'; '.join(stream.problems[:3]) or 'empty body'}")
    return list(stream.chunks)


def streamed_texts(chunks: list[dict[str, Any]]) -> dict[int, str]:
    """Per choice index, the concatenated text of every chunk."""
    out: dict[int, str] = {}
    for pos, chunk in enumerate(chunks):
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or not isinstance(choice.get("index"), int):
                raise Fail(f"chunk {pos}: a choice without an integer index: {str(choice)[:150]}")
            piece = choice.get("text")
            if not isinstance(piece, str):
                shown = "absent" if "text" not in choice else repr(piece)[:80]
                raise Fail(f"chunk {pos}: choices[].text is {shown}, not a string; the openai SDK reads None there "
                           "and client code joining the text raises TypeError")
            out[choice["index"]] = out.get(choice["index"], "") + piece
    return out


def chunk_report(chunk: dict[str, Any]) -> validate.SchemaReport:
    """A chunk against CreateCompletionResponse (the object the spec streams); null finish_reason mid-stream is fine."""
    # The spec's finish_reason enum has no null, yet OpenAI streams null until a choice ends.
    shown = {**chunk, "choices": [{k: v for k, v in c.items() if not (k == "finish_reason" and v is None)}
                                  if isinstance(c, dict) else c for c in chunk.get("choices") or []]}
    report = validate.check(SCHEMA, shown)
    breaking, deviations = [], [d for d in report.deviations if not d.endswith(f"{MISSING} finish_reason")]
    for b in report.breaking:
        # A chunk before the last of its choice has no finish_reason to send (the SDK reads None): what else is
        # missing decides, as for any object.
        head, sep, keys = b.partition(MISSING + " ")
        rest = [k for k in keys.split(", ") if k != "finish_reason"] if sep else None
        if rest is None:
            breaking.append(b)
        elif rest and not set(rest) <= validate.TOLERATED_MISSING:
            breaking.append(f"{head}{MISSING} {', '.join(rest)}")
        elif rest:
            deviations.append(f"{head}{MISSING} {', '.join(rest)}")
    return validate.SchemaReport(tuple(dict.fromkeys(breaking)), tuple(dict.fromkeys(deviations)))


def chunk_schema(ctx: CheckContext, chunk: dict[str, Any], where: str) -> None:
    """Validate one chunk: breaking errors violate the spec, tolerated ones are noted."""
    report = chunk_report(chunk)
    for d in report.deviations:
        if f"{where}: {d}" not in ctx.deviations:
            ctx.deviations.append(f"{where}: {d}")
    if report.breaking:
        raise SpecViolation(f"{where} breaks the {SCHEMA} schema: " + "; ".join(report.breaking[:3]))
