"""HTTP-level deviations: models endpoints, routing, auth, body parsing, server health."""

from __future__ import annotations

from typing import Any

from tests.fake.app import EMBED_MODEL, MODEL_CREATED
from tests.fake.errors import ACCEPT, ApiError
from tests.fake.registry import State, also, deviation
from tests.fake.wire import HttpCtx, Reply, json_reply, text_reply

_DOWN = "server.down_once"


@deviation("models.bad_shape", "model objects lack owned_by and carry created as a string", on="models_body")
def _models_bad_shape(model: dict[str, Any]) -> dict[str, Any]:
    shaped = {k: v for k, v in model.items() if k != "owned_by"}
    shaped["created"] = str(model["created"])
    return shaped


@deviation("models.model_unlisted", "GET /v1/models lists only the embedding model, though chat requests "
           "for the served model work (a proxy serving an alias it does not list)", on="intercept")
def _model_unlisted(ctx: HttpCtx, state: State) -> Reply | None:
    if ctx.method == "GET" and ctx.path == "/v1/models":
        listed = {"id": EMBED_MODEL, "object": "model", "created": MODEL_CREATED, "owned_by": "fake"}
        return json_reply(200, {"object": "list", "data": [listed]})
    return None


@deviation("models.retrieve_404", "GET /v1/models/{id} answers 404 even for a listed model", on="intercept")
def _retrieve_404(ctx: HttpCtx, state: State) -> ApiError | None:
    if ctx.method == "GET" and ctx.path.startswith("/v1/models/"):
        return ApiError(404, "Not Found", code="not_found", kind="route")
    return None


@deviation("models.retrieve_unrouted", "GET /v1/models/{id} is not routed: answered like any unknown path",
           on="intercept")
def _retrieve_unrouted(ctx: HttpCtx, state: State) -> ApiError | None:
    if ctx.method == "GET" and ctx.path.startswith("/v1/models/"):
        return ApiError(404, f"Invalid URL ({ctx.method} {ctx.path})", code="not_found", kind="route")
    return None


@deviation("models.encoded_id_undecoded", "GET /v1/models/{id} compares the id still percent-encoded: a listed "
           "`org/name` sent as org%2Fname is not found", on="intercept")
def _encoded_id_undecoded(ctx: HttpCtx, state: State) -> ApiError | None:
    if ctx.method == "GET" and ctx.path.startswith("/v1/models/") and "%2F" in ctx.path.upper():
        model_id = ctx.path.removeprefix("/v1/models/")
        return ApiError(404, f"The model '{model_id}' does not exist", param="model", code="model_not_found",
                        kind="model")
    return None


@deviation("models.encoded_id_500", "GET /v1/models/{id} with %2F in the id gets a 500 text answer", on="intercept")
def _encoded_id_500(ctx: HttpCtx, state: State) -> Reply | None:
    if ctx.method == "GET" and ctx.path.startswith("/v1/models/") and "%2F" in ctx.path.upper():
        return text_reply(500, "Internal Server Error")
    return None


@deviation("routes.unknown_200", "unknown routes answer 200 with an HTML page", on="map_error")
def _unknown_200(err: ApiError, ctx: HttpCtx) -> ApiError | Reply:
    if err.kind != "route":
        return err
    return text_reply(200, "<!doctype html><html><body><h1>Welcome</h1></body></html>", "text/html; charset=utf-8")


@deviation("routes.wrong_method_404", "a wrong method on a known route gets 404 instead of 405", on="map_error")
def _wrong_method_404(err: ApiError, ctx: HttpCtx) -> ApiError:
    if err.kind != "method":
        return err
    return ApiError(404, f"Invalid URL ({ctx.method} {ctx.path})", code="not_found", kind="route")


@deviation("routes.wrong_method_500", "a wrong method on a known route gets a 500 text answer (the handler "
           "runs and fails on the missing body)", on="map_error")
def _wrong_method_500(err: ApiError, ctx: HttpCtx) -> ApiError | Reply:
    return text_reply(500, "Internal Server Error") if err.kind == "method" else err


@deviation("auth.ignored", "the API key is not checked: missing or wrong tokens succeed", on="map_error")
def _auth_ignored(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == "auth" else err


@deviation("auth.error_500", "a missing or wrong token gets a 500 text answer", on="map_error")
def _auth_500(err: ApiError, ctx: HttpCtx) -> ApiError | Reply:
    return text_reply(500, "Internal Server Error") if err.kind == "auth" else err


@deviation("json.malformed_500", "a malformed JSON body gets a 500 text answer", on="map_error")
def _malformed_500(err: ApiError, ctx: HttpCtx) -> ApiError | Reply:
    return text_reply(500, "Internal Server Error") if err.kind == "malformed_json" else err


@deviation("json.malformed_unrouted", "POST /v1/chat/completions is not routed: a malformed body gets the unknown "
           "path's 404, as on a speech-only server", on="map_error")
def _malformed_unrouted(err: ApiError, ctx: HttpCtx) -> ApiError:
    if err.kind != "malformed_json":
        return err
    return ApiError(404, f"Invalid URL ({ctx.method} {ctx.path})", code="not_found", kind="route")


@deviation("server.dies_after_error", "after any 4xx answer the next request gets a 503, once", on="observe")
def _remember_4xx(ctx: HttpCtx, status: int, state: State) -> None:
    if 400 <= status < 500:
        state.put(_DOWN, True)


@also("server.dies_after_error", on="intercept")
def _answer_503(ctx: HttpCtx, state: State) -> Reply | None:
    if state.take(_DOWN, False):
        return text_reply(503, "upstream connect error or disconnect/reset before headers")
    return None
