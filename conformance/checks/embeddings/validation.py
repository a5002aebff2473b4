"""Embeddings: inputs and values the API rejects with a 4xx and the error envelope."""

from __future__ import annotations

from typing import Any

from conformance import catalog
from conformance.checks.embeddings import vectors as v
from conformance.context import CheckContext
from conformance.registry import check

E = catalog.EMBEDDINGS
FEATURE = "Input validation"
UNKNOWN_MODEL = "oai-conformance-no-such-model"


def _rejected(ctx: CheckContext, input: Any, what: str, **fields: Any) -> str:
    v.embed(ctx, v.TEXT, "a string input")  # a server without the endpoint rejects everything: that says nothing
    return ctx.expect_rejected(v.send(ctx, input, **fields), what)


@check("embeddings.input.empty_string", feature=FEATURE, field="input.string", endpoint=E,
       behavior="An empty string input is rejected with a 4xx and the error envelope (OpenAI: cannot be empty)")
def empty_string(ctx: CheckContext) -> str:
    return _rejected(ctx, "", "an empty string input")


@check("embeddings.input.empty_list", feature=FEATURE, field="input.strings", endpoint=E,
       behavior="An empty list input is rejected with a 4xx and the error envelope (the schema's minItems 1)")
def empty_list(ctx: CheckContext) -> str:
    return _rejected(ctx, [], "an empty list input")


@check("embeddings.encoding_format.invalid", feature=FEATURE, field="encoding_format", endpoint=E,
       behavior="An encoding_format other than float or base64 is rejected with a 4xx and the error envelope")
def encoding_invalid(ctx: CheckContext) -> str:
    return _rejected(ctx, v.TEXT, "encoding_format 'float16'", encoding_format="float16")


@check("embeddings.model.unknown", feature=FEATURE, field="model", endpoint=E,
       behavior="An unknown model id is rejected with a 4xx (OpenAI: 404) and the error envelope, never embedded by "
                "another model")
def unknown_model(ctx: CheckContext) -> str:
    v.embed(ctx, v.TEXT, "a string input")
    ex = ctx.request("POST", v.PATH, {"model": UNKNOWN_MODEL, "input": v.TEXT})
    found = ctx.expect_rejected(ex, f"the unknown model {UNKNOWN_MODEL!r}", names_missing=True)
    if ex.status != 404:
        ctx.deviations.append(f"an unknown model is rejected with {ex.status}; OpenAI answers 404 model_not_found")
    return found
