"""Sending an embeddings request and reading its vectors: shape, base64, similarity."""

from __future__ import annotations

import base64
import binascii
import math
import struct
from collections.abc import Sequence
from typing import Any

from conformance.context import OMIT, CheckContext, error_message
from conformance.model import Exchange
from conformance.verdict import Fail, Skip, Unsupported

PATH = "/embeddings"
NO_MODEL = "no embedding model given (--embedding-model)"
TEXT = "The quick brown fox jumps over the lazy dog."
# Different lengths and topics, so a reordered batch or a length that follows the text both show.
BATCH = ("Rain is expected tomorrow.", TEXT, "Prime numbers have exactly two divisors: one and themselves.")
OTHER = "Quantum chromodynamics describes the strong interaction between quarks and gluons."
# Small ids exist in every vocabulary; the text they stand for does not matter to the protocol.
TOKENS = (100, 200, 300, 400)
TOKEN_LISTS = ((100, 200, 300), (400, 500))
SAME = 0.9999  # cosine above which two vectors are the same one (float noise aside)


def model(ctx: CheckContext) -> str:
    """The embedding model under test; without one, no embeddings check applies."""
    name = ctx.target.embedding_model
    if not name:
        raise Skip(NO_MODEL)
    return name


def body(ctx: CheckContext, input: Any, **fields: Any) -> dict[str, Any]:
    """An embeddings request for the model under test (OMIT drops a field)."""
    out = {"model": model(ctx), "input": input, **fields}
    return {k: v for k, v in out.items() if v is not OMIT}


def send(ctx: CheckContext, input: Any, *, cache: bool = True, **fields: Any) -> Exchange:
    """POST /embeddings with the given input and fields."""
    return ctx.request("POST", PATH, body(ctx, input, **fields), cache=cache)


def answer(ctx: CheckContext, ex: Exchange, what: str) -> dict[str, Any]:
    """The JSON body of a 2xx answer; a server without the endpoint (404, 405, 501) does not support it."""
    if ex.status in (404, 405, 501):
        raise Unsupported(f"{what}: {ex.status}, POST /embeddings is not served for {model(ctx)!r} "
                          f"({error_message(ex.response_body)[:160]})")
    body_: dict[str, Any] = ctx.expect_ok(ex, what)
    return body_


def embed(ctx: CheckContext, input: Any, what: str, **fields: Any) -> dict[str, Any]:
    """Send and read one embeddings request."""
    return answer(ctx, send(ctx, input, **fields), what)


def items(body: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The `data` list of embedding objects."""
    data = body.get("data")
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise Fail(f"{where}: `data` is not a list of objects: {str(data)[:200]}")
    return data


def flat(value: Any, where: str) -> list[float]:
    """One embedding as a list of finite floats; a per-token (2-D) answer is named as such."""
    if not isinstance(value, list) or not value:
        raise Fail(f"{where} is not a non-empty list of numbers: {str(value)[:120]}")
    if all(isinstance(v, list) for v in value):
        # llama-cpp-python without pooling: one vector per token, which no client can store as one embedding.
        raise Fail(f"{where} is a list of {len(value)} per-token vectors of length {len(value[0])}, not one "
                   "vector: the server does not pool token embeddings (clients expect a flat list of floats)")
    bad = [v for v in value if not isinstance(v, (int, float)) or isinstance(v, bool)]
    if bad:
        raise Fail(f"{where} holds non-numbers, e.g. {bad[0]!r}")
    if not all(math.isfinite(v) for v in value):
        raise Fail(f"{where} holds non-finite values ({next(v for v in value if not math.isfinite(v))!r})")
    return [float(v) for v in value]


def decode(value: Any, where: str) -> list[float]:
    """A base64 embedding decoded as little-endian float32, as the official clients decode it."""
    if not isinstance(value, str):
        raise Fail(f"{where} is {type(value).__name__}, not a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Fail(f"{where} is not valid base64: {exc}") from None
    if not raw or len(raw) % 4:
        raise Fail(f"{where} decodes to {len(raw)} bytes, not a whole number of float32 values")
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def vectors(body: dict[str, Any], where: str, count: int, *, encoded: bool = False) -> list[list[float]]:
    """The vectors in input order: `count` items indexed 0..count-1, in that order, each one flat vector."""
    data = items(body, where)
    indexes = [d.get("index") for d in data]
    if len(data) != count:
        raise Fail(f"{where}: {len(data)} embedding(s) for {count} input(s) (indexes {indexes[:10]})")
    if indexes != list(range(count)):
        raise Fail(f"{where}: the embeddings carry indexes {indexes}, not {list(range(count))} in order")
    read = decode if encoded else flat
    return [read(d.get("embedding"), f"{where}: data[{i}].embedding") for i, d in enumerate(data)]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity (0 when either vector is zero)."""
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    if na == 0 or nb == 0 or len(a) != len(b):
        return 0.0
    return sum(x * y for x, y in zip(a, b)) / (na * nb)


def normalised(v: Sequence[float]) -> list[float]:
    """The vector scaled to unit length."""
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v] if n else list(v)


def one(ctx: CheckContext, input: Any, what: str, **fields: Any) -> list[float]:
    """The single vector of a one-input request."""
    return vectors(embed(ctx, input, what, **fields), what, 1, encoded=fields.get("encoding_format") == "base64")[0]
