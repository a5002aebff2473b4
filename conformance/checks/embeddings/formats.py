"""Embeddings: encoding_format (float, base64) and dimensions, each judged by its effect on the vector."""

from __future__ import annotations

import copy
import math
from typing import Any

from conformance import catalog
from conformance.checks.embeddings import vectors as v
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Accepted, Fail, Ignored, SpecViolation

E = catalog.EMBEDDINGS
TOLERANCE = 1e-6  # float32 rounding of the float answer, nothing more
NORM_TOLERANCE = 1e-3
SAME_DIRECTION = 0.99
USER = "oai-conformance-user"


@check("embeddings.encoding_format.float", feature="Embeddings", field="encoding_format.float", endpoint=E, alone=True,
       behavior="encoding_format 'float' returns the same list of floats as the default")
def encoding_float(ctx: CheckContext) -> str:
    default = v.one(ctx, v.TEXT, "a string input")
    explicit = v.one(ctx, v.TEXT, "encoding_format float", encoding_format="float")
    sim = v.cosine(default, explicit)
    if len(explicit) != len(default) or sim <= v.SAME:
        raise Fail(f"encoding_format 'float' gave a different vector than the default ({len(explicit)} vs "
                   f"{len(default)} floats, cosine {sim:.6f})")
    return f"the same {len(explicit)} floats as the default"


def _decoded_body(body: dict[str, Any], vecs: list[list[float]]) -> dict[str, Any]:
    """The answer with its base64 strings replaced by the floats they encode (the schema knows only floats)."""
    out = copy.deepcopy(body)
    for item, vec in zip(out["data"], vecs):
        item["embedding"] = vec
    return out


@check("embeddings.encoding_format.base64", feature="Base64 encoding", field="encoding_format.base64", endpoint=E, alone=True,
       behavior="encoding_format 'base64' returns each embedding as a base64 string of little-endian float32 values "
                "equal to the float answer within 1e-6")
def encoding_base64(ctx: CheckContext) -> str:
    floats = v.one(ctx, v.TEXT, "a string input")
    body = v.embed(ctx, v.TEXT, "encoding_format base64", encoding_format="base64")
    got = v.items(body, "encoding_format base64")
    if got and isinstance(got[0].get("embedding"), list):
        # The official client's default asks for base64 and copes with floats; code that decodes the string breaks.
        raise Ignored(f"encoding_format 'base64' answered with a JSON list ({str(got[0]['embedding'])[:60]}), "
                      "not a base64 string")
    decoded = v.vectors(body, "encoding_format base64", 1, encoded=True)
    ctx.schema("CreateEmbeddingResponse", _decoded_body(body, decoded), "encoding_format base64 (decoded)")
    vec = decoded[0]
    if len(vec) != len(floats):
        raise Fail(f"the base64 string decodes to {len(vec)} little-endian float32 values, the float answer has "
                   f"{len(floats)} (float64 or another layout?)")
    worst = max(abs(a - b) for a, b in zip(vec, floats))
    if worst > TOLERANCE:
        sim = v.cosine(vec, floats)
        why = ("another vector for the same input: the server is not deterministic, or base64 encodes other values"
               if sim > SAME_DIRECTION else "not the same vector at all: byte order or value type differ")
        raise Fail(f"the base64 string decoded as little-endian float32 differs from the float answer by up to "
                   f"{worst:.3g} (cosine {sim:.4f}): {why}")
    same = "exactly the float answer" if worst == 0 else f"within {worst:.1g} of the float answer"
    return f"{len(vec)} float32 values, {same}"


@check("embeddings.dimensions", feature="Dimensions", field="dimensions", endpoint=E, alone=True,
       behavior="dimensions=k returns k floats, the full vector's first k renormalised (or a clear 4xx); never the "
                "full vector")
def dimensions(ctx: CheckContext) -> str:
    full = v.one(ctx, v.TEXT, "a string input")
    k = max(1, len(full) // 2)
    ex = v.send(ctx, v.TEXT, dimensions=k)
    vec = v.vectors(v.answer(ctx, ex, f"dimensions={k}"), f"dimensions={k}", 1)[0]
    if len(vec) == len(full):
        raise Ignored(f"dimensions={k} was accepted but the vector still has {len(full)} floats: a client sizing "
                      f"its index to {k} gets vectors that do not fit")
    if len(vec) != k:
        raise Fail(f"dimensions={k} returned {len(vec)} floats, neither {k} nor the full {len(full)}")
    prefix = v.normalised(full[:k])
    sim = v.cosine(vec, prefix)
    if sim <= v.SAME:
        raise SpecViolation(f"dimensions={k} returned {k} floats that are not the full vector's first {k} "
                            f"renormalised (cosine {sim:.4f})")
    full_norm, norm = math.sqrt(sum(x * x for x in full)), math.sqrt(sum(x * x for x in vec))
    # A server that never normalises its vectors has no length to keep; one that does must renormalise the prefix.
    if abs(full_norm - 1) < NORM_TOLERANCE and abs(norm - 1) > NORM_TOLERANCE:
        raise SpecViolation(f"dimensions={k} returned the first {k} floats of the unit-length vector without "
                            f"renormalising them (length {norm:.4f}, not 1)")
    return f"dimensions={k}: {k} floats, the renormalised prefix of the full {len(full)} (cosine {sim:.6f})"


@check("embeddings.user.accepted", feature="Embeddings", field="user", endpoint=E, alone=True,
       behavior="user is accepted with 200 and the same vector as without it (its effect is not visible by design)")
def user_accepted(ctx: CheckContext) -> str:
    plain = v.one(ctx, v.TEXT, "a string input")
    with_user = v.one(ctx, v.TEXT, "user set", user=USER)
    sim = v.cosine(plain, with_user)
    if sim <= v.SAME:
        raise Fail(f"user={USER!r} changed the vector (cosine {sim:.6f} with the same input without it)")
    # Accepted, never supported: the same vector is what a server that never reads user gives too.
    raise Accepted(f"user={USER!r} accepted with the same vector as without it; the spec defines no effect a "
                   "client can see, so none can be observed")
