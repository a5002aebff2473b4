"""POST /v1/embeddings: deterministic mean-pooled unit vectors, validated like OpenAI, with deviation hooks."""

from __future__ import annotations

import base64
import math
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.fake.errors import ApiError, Halt, bad_type, bad_value, invalid, missing, out_of_range
from tests.fake.registry import add_point
from tests.fake.routes import route
from tests.fake.tokenizer import stable_hash
from tests.fake.wire import HttpCtx, Reply, json_reply

if TYPE_CHECKING:  # tests.fake.app imports this package while it loads
    from tests.fake.app import App

DIM = 32
FORMATS = ("float", "base64")
FIELDS = frozenset({"model", "input", "encoding_format", "dimensions", "user"})
MAX_ITEMS = 2048

add_point("embed_check", "(req) -> ApiError | Reply | None: reject a valid embeddings request")
add_point("embed_request", "(req) -> EmbedRequest: change what the server makes of an embeddings request")
add_point("embed_vectors", "(vectors, req) -> list[list[float]]: change the pooled vectors, in input order")
add_point("embed_body", "(body, req) -> dict: reshape an embeddings answer")


@dataclass(frozen=True)
class EmbedRequest:
    """A validated embeddings request: each input as token ids."""

    model: str
    inputs: tuple[tuple[int, ...], ...]
    encoding: str
    dimensions: int | None
    raw: dict[str, Any]


def text_tokens(text: str) -> tuple[int, ...]:
    """The fake's tokens of a text: one per whitespace-separated word."""
    return tuple(stable_hash("embed-word", w) % 50_000 for w in text.split())


def token_vector(token: int) -> list[float]:
    """One token's vector, the same in every process."""
    return [stable_hash("embed", token, i) / 2**63 - 1.0 for i in range(DIM)]


def unit(vec: list[float]) -> list[float]:
    """The vector scaled to length 1."""
    n = math.sqrt(sum(x * x for x in vec))
    return [x / n for x in vec] if n else vec


def pooled(tokens: tuple[int, ...]) -> list[float]:
    """The mean of the token vectors, scaled to unit length (an empty input, when accepted, gets a fixed vector)."""
    rows = [token_vector(t) for t in tokens] or [token_vector(-1)]
    return unit([sum(col) / len(rows) for col in zip(*rows)])


def _input(value: Any, soft: Any) -> tuple[tuple[int, ...], ...]:
    if isinstance(value, str):
        if value == "":
            soft(invalid("input", "'$.input' is invalid. Please check the API reference: the input cannot be an "
                         "empty string.", kind="embed_empty"))
        return (text_tokens(value),)
    if not isinstance(value, list):
        raise Halt(bad_type("input", "a string or an array", value))
    if not value:
        soft(invalid("input", "'$.input' is invalid: the array must not be empty.", kind="embed_empty"))
        return ((),)
    if len(value) > MAX_ITEMS:
        raise Halt(invalid("input", f"'$.input' is invalid: at most {MAX_ITEMS} inputs per request."))
    if all(isinstance(x, str) for x in value):
        if any(x == "" for x in value):
            soft(invalid("input", "'$.input' is invalid: an input cannot be an empty string.", kind="embed_empty"))
        return tuple(text_tokens(x) for x in value)
    if all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in value):
        return (tuple(value),)
    if all(isinstance(x, list) and x and all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in x)
           for x in value):
        return tuple(tuple(x) for x in value)
    raise Halt(invalid("input", "'$.input' is invalid: expected a string, an array of strings, an array of token "
                       "ids or an array of token-id arrays."))


def parse(body: Any, app: App, soft: Any) -> EmbedRequest:
    """Validate an embeddings request body as OpenAI does; soft errors may be accepted by a deviation."""
    from tests.fake.app import EMBED_MODEL
    if not isinstance(body, dict):
        raise Halt(invalid(None, "The request body must be a JSON object."))
    for key in ("model", "input"):
        if key not in body:
            raise Halt(missing(key))
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise Halt(invalid(unknown[0], f"Unrecognized request argument supplied: {unknown[0]}"))
    model = body["model"]
    if not isinstance(model, str):
        raise Halt(bad_type("model", "a string", model))
    if model != EMBED_MODEL:
        if model in app.config.models:
            raise Halt(invalid("model", f"The model '{model}' does not support embeddings.", kind="model"))
        soft(ApiError(404, f"The model '{model}' does not exist", param="model", code="model_not_found",
                      kind="model"))
    inputs = _input(body["input"], soft)
    encoding = body.get("encoding_format", "float")
    if encoding not in FORMATS:
        soft(bad_value("encoding_format", encoding, FORMATS, kind="embed_encoding"))
        encoding = "float"
    dims = body.get("dimensions")
    if dims is not None:
        if not isinstance(dims, int) or isinstance(dims, bool):
            raise Halt(bad_type("dimensions", "an integer", dims))
        if not 1 <= dims <= DIM:
            raise Halt(out_of_range("dimensions", dims, 1, DIM, integer=True))
    if "user" in body and not isinstance(body["user"], str):
        raise Halt(bad_type("user", "a string", body["user"]))
    return EmbedRequest(model, inputs, encoding, dims, body)


def shorten(vec: list[float], dims: int | None) -> list[float]:
    """The first `dims` values, renormalised (OpenAI's dimensions)."""
    return vec if dims is None else unit(vec[:dims])


def encode(vec: list[float]) -> str:
    """Little-endian float32, base64: what encoding_format base64 sends."""
    return base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()


def answer(req: EmbedRequest, vecs: list[list[float]]) -> dict[str, Any]:
    """The CreateEmbeddingResponse for vectors in input order."""
    data = [{"object": "embedding", "index": i, "embedding": encode(v) if req.encoding == "base64" else v}
            for i, v in enumerate(vecs)]
    tokens = sum(len(t) for t in req.inputs)
    return {"object": "list", "data": data, "model": req.model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


@route(r"^/v1/embeddings$", "POST")
def create(app: App, ctx: HttpCtx) -> Reply:
    """POST /v1/embeddings."""
    req = parse(ctx.body, app, app.soft(ctx))
    rejected = app.hooks.first("embed_check", req)
    if rejected is not None:
        raise Halt(rejected)
    req = app.hooks.pipe("embed_request", req)
    vecs = [shorten(pooled(t), req.dimensions) for t in req.inputs]
    vecs = app.hooks.pipe("embed_vectors", vecs, req)
    return json_reply(200, app.hooks.pipe("embed_body", answer(req, vecs), req))
