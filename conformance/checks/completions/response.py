"""The text_completion object: schema, identity fields, choices, usage; validation of prompt and model."""

from __future__ import annotations

from typing import Any

from conformance import catalog
from conformance.checks._shared import shape as _shape
from conformance.checks.completions import common
from conformance.context import OMIT, CheckContext, has_envelope
from conformance.registry import check
from conformance.verdict import Fail, Ignored, SpecViolation

FEATURE = "Completions"
EP = catalog.COMPLETIONS


def _basic(ctx: CheckContext) -> dict[str, Any]:
    return common.ok(ctx, "a plain completion")


@check("completions.response.schema", endpoint=EP, feature=FEATURE, field="prompt.string", required=True,
       behavior="A plain completion (a string prompt) returns a body valid against CreateCompletionResponse")
def response_schema(ctx: CheckContext) -> str:
    ctx.schema(common.SCHEMA, _basic(ctx), "response")
    return "valid against the spec" + (" (with tolerated deviations)" if ctx.deviations else "")


@check("completions.response.object", endpoint=EP, feature=FEATURE, required=True,
       behavior="object is 'text_completion'; id a non-empty string; created integer seconds; model a string")
def response_object(ctx: CheckContext) -> str:
    answer = _basic(ctx)
    problems = []
    if answer.get("object") != common.OBJECT:
        problems.append(f"object is {answer.get('object')!r}, not {common.OBJECT!r}")
    if not isinstance(answer.get("id"), str) or not answer.get("id"):
        problems.append(f"id is {answer.get('id')!r}, not a non-empty string")
    created = answer.get("created")
    if not isinstance(created, int) or isinstance(created, bool):
        problems.append(f"created is {created!r}, not integer seconds")
    elif created > 10**11:
        problems.append(f"created is {created}: milliseconds, not seconds")
    if not isinstance(answer.get("model"), str):
        problems.append(f"model is {answer.get('model')!r}, not a string")
    if problems:
        raise Fail("; ".join(problems))
    return f"object {common.OBJECT!r}, id, created={created}, model={answer['model']!r}"


@check("completions.response.choices", endpoint=EP, feature=FEATURE, field="prompt.string", required=True,
       behavior="choices is a non-empty list; index equals position; text a string; finish_reason one of "
                "stop, length, content_filter")
def response_choices(ctx: CheckContext) -> str:
    answer = _basic(ctx)
    for pos, choice in enumerate(common.choices(answer)):
        common.text(answer, pos)
        if choice.get("index") != pos:
            raise SpecViolation(f"choices[{pos}].index is {choice.get('index')!r}")
        if choice.get("finish_reason") not in common.FINISH_REASONS:
            raise SpecViolation(f"choices[{pos}].finish_reason is {choice.get('finish_reason')!r}")
    return f"text {common.text(answer)!r}, finish_reason {common.choices(answer)[0]['finish_reason']!r}"


@check("completions.response.usage", endpoint=EP, feature=FEATURE, required=True,
       behavior="usage present with integer counts and total_tokens = prompt_tokens + completion_tokens")
def response_usage(ctx: CheckContext) -> str:
    u = _shape.usage(_basic(ctx))
    if u["total_tokens"] != u["prompt_tokens"] + u["completion_tokens"]:
        raise SpecViolation(f"total_tokens {u['total_tokens']} != {u['prompt_tokens']} + {u['completion_tokens']}")
    if u["completion_tokens"] < 1 or u["prompt_tokens"] < 1:
        raise SpecViolation(f"implausible usage for a non-empty prompt and answer: {u}")
    return f"usage {u['prompt_tokens']}+{u['completion_tokens']}={u['total_tokens']}"


@check("completions.prompt.missing", endpoint=EP, feature="Input validation", field="prompt",
       behavior="A request without prompt (required by the spec) is rejected with a 4xx and the error envelope, "
                "not a 5xx")
def prompt_missing(ctx: CheckContext) -> str:
    ex = common.send(ctx, prompt=OMIT)
    verdict = ctx.expect_rejected(ex, "a request without prompt")
    message = ex.response_body.get("error", {}).get("message", "") if has_envelope(ex.response_body) else ""
    if "exception" in message.lower():
        # Clients show the message to users: a parser's exception text is no help, but no client breaks on it.
        ctx.deviations.append(f"the error message is a raw exception text: {message[:120]!r}")
    return verdict


@check("completions.model.unknown", endpoint=EP, feature="Input validation", field="model",
       behavior="An unknown model is rejected with 404 (or 400) and the error envelope, not answered by another model")
def unknown_model(ctx: CheckContext) -> str:
    ex = common.send(ctx, model="oai-conformance-no-such-model", max_tokens=1)
    if ex.status == 200:
        raise Ignored("an unknown model id was answered with 200 (served by the default model)")
    if ex.status is None or ex.status >= 500:
        raise SpecViolation(f"unknown model gave {ex.status}")
    if not has_envelope(ex.response_body):
        raise SpecViolation(f"unknown model gave {ex.status} without the OpenAI error envelope: "
                            f"{str(ex.response_body)[:200]}")
    return f"rejected with {ex.status}"
