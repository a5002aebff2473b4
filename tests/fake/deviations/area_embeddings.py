"""Embeddings deviations: what real servers get wrong on POST /v1/embeddings, one switch each."""

from __future__ import annotations

import base64
import random
import struct
from dataclasses import replace
from typing import Any

from tests.fake.endpoints.embeddings import EmbedRequest, pooled, token_vector
from tests.fake.errors import ACCEPT, ApiError, server_error
from tests.fake.registry import State, deviation
from tests.fake.wire import HttpCtx, Reply, json_reply


def _map(err: ApiError, kind: str) -> Any:
    return ACCEPT if err.kind == kind else err


@deviation("embeddings.not_served", "POST /v1/embeddings is not routed: 404 like any unknown path", on="intercept")
def _not_served(ctx: HttpCtx, state: State) -> ApiError | None:
    if ctx.path == "/v1/embeddings":
        return ApiError(404, f"Invalid URL ({ctx.method} {ctx.path})", code="not_found", kind="route")
    return None


@deviation("embeddings.per_token", "no pooling: each embedding is a list of per-token vectors (llama-cpp-python "
           "without a pooling type)", on="embed_body")
def _per_token(body: dict[str, Any], req: EmbedRequest) -> dict[str, Any]:
    for item, tokens in zip(body["data"], req.inputs):
        item["embedding"] = [token_vector(t) for t in tokens or (0,)]
    return body


@deviation("embeddings.nan", "one value of every vector is NaN", on="embed_vectors")
def _nan(vecs: list[list[float]], req: EmbedRequest) -> list[list[float]]:
    return [[float("nan"), *v[1:]] for v in vecs]


@deviation("embeddings.batch_reversed", "a batch's vectors come back in reverse order, indexes still 0..n-1",
           on="embed_vectors")
def _reversed(vecs: list[list[float]], req: EmbedRequest) -> list[list[float]]:
    return vecs[::-1]


@deviation("embeddings.tokens_500", "token-id input gets a 500 (the server validates input as text only)",
           on="embed_check")
def _tokens_500(req: EmbedRequest) -> ApiError | None:
    given = req.raw.get("input")
    if isinstance(given, list) and given and not isinstance(given[0], str):
        return server_error("Input should be a valid string")
    return None


@deviation("embeddings.token_lists_joined", "a list of token-id lists is embedded as one input", on="embed_request")
def _token_lists_joined(req: EmbedRequest) -> EmbedRequest:
    given = req.raw.get("input")
    if isinstance(given, list) and given and isinstance(given[0], list):
        return replace(req, inputs=(tuple(t for ids in req.inputs for t in ids),))
    return req


@deviation("embeddings.length_varies", "the vector length grows with the input's token count", on="embed_vectors")
def _length_varies(vecs: list[list[float]], req: EmbedRequest) -> list[list[float]]:
    return [v + [0.0] * len(tokens) for v, tokens in zip(vecs, req.inputs)]


@deviation("embeddings.usage_first_only", "usage counts the first input of a batch only", on="embed_body")
def _usage_first(body: dict[str, Any], req: EmbedRequest) -> dict[str, Any]:
    n = len(req.inputs[0])
    body["usage"] = {"prompt_tokens": n, "total_tokens": n}
    return body


@deviation("embeddings.noisy", "every answer adds random noise: the same input never gets the same vector twice",
           on="embed_vectors")
def _noisy(vecs: list[list[float]], req: EmbedRequest) -> list[list[float]]:
    return [[x + random.uniform(-0.01, 0.01) for x in v] for v in vecs]


@deviation("embeddings.constant", "every input gets the same vector", on="embed_vectors")
def _constant(vecs: list[list[float]], req: EmbedRequest) -> list[list[float]]:
    return [token_vector(7)[: len(v)] for v in vecs]


@deviation("embeddings.float_rejected", "an explicit encoding_format 'float' is rejected with 400", on="embed_check")
def _float_rejected(req: EmbedRequest) -> ApiError | None:
    if req.raw.get("encoding_format") == "float":
        return ApiError(400, "encoding_format is not supported", param="encoding_format")
    return None


@deviation("embeddings.base64_ignored", "encoding_format base64 answers with float lists", on="embed_request")
def _base64_ignored(req: EmbedRequest) -> EmbedRequest:
    return replace(req, encoding="float")


@deviation("embeddings.base64_always", "every answer holds base64 strings, even when floats were asked for",
           on="embed_request")
def _base64_always(req: EmbedRequest) -> EmbedRequest:
    return replace(req, encoding="base64")


@deviation("embeddings.base64_big_endian", "base64 embeddings hold big-endian float32", on="embed_body")
def _big_endian(body: dict[str, Any], req: EmbedRequest) -> dict[str, Any]:
    for item in body["data"]:
        if isinstance(item["embedding"], str):
            raw = base64.b64decode(item["embedding"])
            values = struct.unpack(f"<{len(raw) // 4}f", raw)
            item["embedding"] = base64.b64encode(struct.pack(f">{len(values)}f", *values)).decode()
    return body


@deviation("embeddings.dimensions_ignored", "dimensions is accepted and ignored: full-length vectors",
           on="embed_request")
def _dimensions_ignored(req: EmbedRequest) -> EmbedRequest:
    return replace(req, dimensions=None)


@deviation("embeddings.dimensions_not_renormalised", "dimensions truncates the vector without renormalising it",
           on="embed_vectors")
def _dimensions_raw(vecs: list[list[float]], req: EmbedRequest) -> list[list[float]]:
    if req.dimensions is None:
        return vecs
    return [pooled(tokens)[: req.dimensions] for tokens in req.inputs]


@deviation("embeddings.dimensions_rejected", "dimensions is rejected with 400 (a clear refusal)", on="embed_check")
def _dimensions_rejected(req: EmbedRequest) -> ApiError | None:
    if req.dimensions is not None:
        return ApiError(400, "This model does not support specifying dimensions.", param="dimensions")
    return None


@deviation("embeddings.empty_accepted", "an empty string or empty list input is embedded with 200",
           on="map_error")
def _empty_accepted(err: ApiError, ctx: HttpCtx) -> Any:
    return _map(err, "embed_empty")


@deviation("embeddings.empty_list_500", "an empty list input gets a 500", on="map_error")
def _empty_list_500(err: ApiError, ctx: HttpCtx) -> ApiError | Reply:
    if err.kind == "embed_empty" and isinstance(ctx.body, dict) and ctx.body.get("input") == []:
        return json_reply(500, {"error": {"message": '"prompt" must not be empty', "type": "server_error"}})
    return err


@deviation("embeddings.encoding_unchecked", "an unknown encoding_format is accepted and answered with floats",
           on="map_error")
def _encoding_unchecked(err: ApiError, ctx: HttpCtx) -> Any:
    return _map(err, "embed_encoding")



@deviation("embeddings.any_model", "any model id is embedded with the served model", on="map_error")
def _any_model(err: ApiError, ctx: HttpCtx) -> Any:
    if err.status == 404 and err.kind == "model" and ctx.path == "/v1/embeddings":
        return ACCEPT
    return err


@deviation("embeddings.user_rejected", "the user field is rejected with 400", on="embed_check")
def _user_rejected(req: EmbedRequest) -> ApiError | None:
    return ApiError(400, "Unrecognized request argument supplied: user", param="user") if "user" in req.raw else None


@deviation("embeddings.validation_500", "every rejected embeddings request gets a 500 instead of a 400",
           on="map_error")
def _validation_500(err: ApiError, ctx: HttpCtx) -> ApiError:
    if ctx.path == "/v1/embeddings" and err.status == 400:
        return server_error(err.message)
    return err
