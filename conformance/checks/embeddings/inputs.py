"""Embeddings: the answer's shape, and input as a string, a batch of strings, token ids and lists of them."""

from __future__ import annotations

from typing import Any, TypeGuard

from conformance import catalog
from conformance.checks.embeddings import vectors as v
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, SpecViolation

E = catalog.EMBEDDINGS
# A batch item is the single request's vector, up to the float noise of batched evaluation.
SAME_TEXT = 0.99


@check("embeddings.response.shape", feature="Embeddings", field="input.string", endpoint=E,
       behavior="A string input returns {object: 'list', model, data: [{object: 'embedding', index: 0, embedding: "
                "[finite floats]}], usage}, valid against CreateEmbeddingResponse")
def response_shape(ctx: CheckContext) -> str:
    body = v.embed(ctx, v.TEXT, "a string input")
    vec = v.vectors(body, "a string input", 1)[0]
    ctx.schema("CreateEmbeddingResponse", body, "a string input")
    if body.get("object") != "list":
        raise SpecViolation(f"object is {body.get('object')!r}, not 'list'")
    kind = v.items(body, "a string input")[0].get("object")
    if kind != "embedding":
        raise SpecViolation(f"data[0].object is {kind!r}, not 'embedding'")
    return f"one vector of {len(vec)} finite floats"


def _in_order(batch: list[list[float]], singles: list[list[float]], labels: list[str]) -> None:
    """Each batch item is the vector its own input gets alone, and closer to it than to any other input's."""
    for k, vec in enumerate(batch):
        sims = [v.cosine(vec, s) for s in singles]
        best = max(range(len(sims)), key=sims.__getitem__)  # ties go to the first: identical vectors fail here
        if best != k:
            raise Fail(f"data[{k}] (index {k}) is the vector of input {best} {labels[best]} (cosine {sims[best]:.4f}), "
                       f"not of input {k} {labels[k]} ({sims[k]:.4f}): the batch is out of order")
        if sims[k] < SAME_TEXT:
            raise Fail(f"data[{k}] of a batch of {len(batch)} differs from the vector {labels[k]} gets when sent alone "
                       f"(cosine {sims[k]:.4f}): the vector depends on what else shares the batch")


def _singles(ctx: CheckContext) -> list[list[float]]:
    return [v.one(ctx, text, f"the string {text!r}") for text in v.BATCH]


@check("embeddings.input.strings", feature="Batch input", field="input.strings", endpoint=E, alone=True,
       behavior="A list of strings returns one embedding per string, indexed 0..n-1 in input order, each the vector "
                "the string gets on its own")
def input_strings(ctx: CheckContext) -> str:
    batch = v.vectors(v.embed(ctx, list(v.BATCH), "a list of 3 strings"), "a list of 3 strings", len(v.BATCH))
    singles = _singles(ctx)
    _in_order(batch, singles, [repr(t) for t in v.BATCH])
    low = min(v.cosine(b, s) for b, s in zip(batch, singles))
    return f"{len(batch)} embeddings in input order (cosine with the single requests >= {low:.4f})"


def _lengths(vecs: list[list[float]]) -> set[int]:
    return {len(x) for x in vecs}


@check("embeddings.input.tokens", feature="Token input", field="input.tokens", endpoint=E,
       behavior="A list of token ids is embedded as one input: one vector of the model's length")
def input_tokens(ctx: CheckContext) -> str:
    vec = v.vectors(v.embed(ctx, list(v.TOKENS), "token ids"), "token ids", 1)[0]
    text = v.one(ctx, v.TEXT, "a string input")
    if len(vec) != len(text):
        raise Fail(f"token ids gave a vector of {len(vec)} floats, a string {len(text)}")
    return f"token ids {list(v.TOKENS)} gave one vector of {len(vec)} floats"


@check("embeddings.input.token_lists", feature="Token input", field="input.token_lists", endpoint=E, alone=True,
       behavior="A list of token-id lists returns one embedding per list, indexed in input order, each the vector the "
                "list gets on its own")
def input_token_lists(ctx: CheckContext) -> str:
    lists = [list(t) for t in v.TOKEN_LISTS]
    batch = v.vectors(v.embed(ctx, lists, "a list of token-id lists"), "a list of token-id lists", len(lists))
    singles = [v.vectors(v.embed(ctx, t, f"token ids {t}"), f"token ids {t}", 1)[0] for t in lists]
    _in_order(batch, singles, [f"token list {t}" for t in lists])
    return f"{len(batch)} embeddings in input order, each as the list gets on its own"


@check("embeddings.vector.length", feature="Embeddings", endpoint=E,
       behavior="Every vector of one model has the same length, whatever the input's length")
def vector_length(ctx: CheckContext) -> str:
    texts = [v.TEXT, *v.BATCH, v.OTHER]
    found = {text: len(v.one(ctx, text, f"the string {text!r}")) for text in dict.fromkeys(texts)}
    batch = v.vectors(v.embed(ctx, list(v.BATCH), "a list of 3 strings"), "a list of 3 strings", len(v.BATCH))
    lengths = set(found.values()) | _lengths(batch)
    if len(lengths) > 1:
        raise Fail(f"vector lengths differ between inputs of one model: {sorted(lengths)} "
                   f"({', '.join(f'{len(t)} chars: {n}' for t, n in found.items())})")
    return f"{len(found) + len(batch)} vectors, all of length {lengths.pop()}"


def _usage(body: dict[str, Any], where: str) -> int:
    u = body.get("usage")
    if not isinstance(u, dict):
        raise SpecViolation(f"{where}: `usage` missing or not an object: {u!r}")
    counts = {k: u.get(k) for k in ("prompt_tokens", "total_tokens")}
    prompt, total = counts["prompt_tokens"], counts["total_tokens"]
    if not (_is_count(prompt) and _is_count(total)):
        raise SpecViolation(f"{where}: usage counts are not integers: {counts}")
    if total != prompt:
        raise SpecViolation(f"{where}: usage.total_tokens {total} != prompt_tokens "
                            f"{prompt} (an embedding generates no tokens)")
    if prompt <= 0:
        raise SpecViolation(f"{where}: usage.prompt_tokens is {prompt} for a non-empty input")
    return int(prompt)


def _is_count(n: object) -> TypeGuard[int]:
    """A JSON integer (true and false are not counts)."""
    return isinstance(n, int) and not isinstance(n, bool)


@check("embeddings.usage", feature="Embeddings", endpoint=E,
       behavior="usage reports integer prompt_tokens > 0 with total_tokens equal to it; a batch counts every input")
def usage(ctx: CheckContext) -> str:
    single = _usage(v.embed(ctx, v.TEXT, "a string input"), "a string input")
    batch = _usage(v.embed(ctx, list(v.BATCH), "a list of 3 strings"), "a list of 3 strings")
    # The batch holds the single text and two more: it must count more.
    if batch <= single:
        raise SpecViolation(f"a batch of {len(v.BATCH)} strings counts {batch} prompt tokens, one of them alone "
                            f"{single}: the batch's other inputs are not counted")
    return f"prompt_tokens {single} for one string, {batch} for a batch of {len(v.BATCH)}"


@check("embeddings.vector.deterministic", feature="Embeddings", endpoint=E, alone=True,
       behavior="The same input sent twice gets the same vector (cosine > 0.9999)")
def deterministic(ctx: CheckContext) -> str:
    first = v.one(ctx, v.TEXT, "a string input")
    again = v.vectors(v.answer(ctx, v.send(ctx, v.TEXT, cache=False), "the same input again"),
                      "the same input again", 1)[0]
    sim = v.cosine(first, again)
    if sim <= v.SAME:
        raise Fail(f"the same input gave different vectors twice (cosine {sim:.6f})")
    return f"cosine {sim:.6f} between two answers to the same input"


@check("embeddings.vector.distinct", feature="Embeddings", endpoint=E, alone=True,
       behavior="Two different texts get different vectors (cosine < 0.9999)")
def distinct(ctx: CheckContext) -> str:
    a = v.one(ctx, v.TEXT, "a string input")
    b = v.one(ctx, v.OTHER, "another string")
    sim = v.cosine(a, b)
    if sim >= v.SAME:
        raise Fail(f"two unrelated texts got the same vector (cosine {sim:.6f}): the input does not reach the "
                   f"embedding ({v.TEXT!r} vs {v.OTHER!r})")
    return f"cosine {sim:.4f} between two unrelated texts"
