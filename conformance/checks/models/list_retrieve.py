"""Models: GET /models (list) and GET /models/{id} (retrieve)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from conformance import catalog
from conformance.checks.http.routes import unknown_route
from conformance.context import CheckContext, error_message, has_envelope
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Fail, LaxValidation, Skip, SpecViolation, Unsupported

LIST, RETRIEVE = "List models", "Retrieve model"
UNKNOWN_ID = "oai-conformance-no-such-model"


def _list(ctx: CheckContext) -> dict[str, Any]:
    return ctx.expect_ok(ctx.request("GET", "/models"), "GET /models")


def _ids(body: dict[str, Any]) -> list[str]:
    data = body.get("data")
    if not isinstance(data, list):
        raise Fail(f"GET /models: `data` is not a list: {str(data)[:200]}")
    return [m["id"] for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)]


def _listed_id(ctx: CheckContext) -> str:
    """The id to retrieve: a model under test when listed (chat first, then embeddings), else the first listed id."""
    ids = _ids(_list(ctx)) if ctx.request("GET", "/models").status == 200 else []
    given = [m for m in (ctx.target.model, ctx.target.embedding_model) if m]
    if not ids:
        return ctx.model if not given else given[0]
    return next((m for m in given if m in ids), ids[0])


def _normalised(ex: Exchange) -> str:
    """The error message with the request path taken out, so two 'not found' answers compare equal."""
    path = urlsplit(ex.url).path
    return error_message(ex.response_body).replace(path, "<path>").strip()


def route_missing(ctx: CheckContext, ex: Exchange) -> bool:
    """True when a 404/405 says the route does not exist, rather than that the model does not."""
    if ex.status == 405:
        return True
    if ex.status != 404:
        return False
    if not has_envelope(ex.response_body):
        return True
    # A server without the route answers it exactly as it answers any unknown path.
    other = unknown_route(ctx)
    return other.status == 404 and _normalised(other) == _normalised(ex)


@check("models.list.schema", feature=LIST, endpoint=catalog.MODELS, required=True,
       behavior="GET /models returns {object: 'list', data: [{id, object: 'model', created (int), owned_by}]}")
def list_schema(ctx: CheckContext) -> str:
    body = _list(ctx)
    ctx.schema("ListModelsResponse", body, "GET /models")
    ids = _ids(body)
    if not ids:
        raise Fail("GET /models lists no model")
    big = [m.get("id") for m in body["data"] if isinstance(m, dict) and isinstance(m.get("created"), int)
           and m["created"] > 10**11]
    if big:
        ctx.deviations.append(f"created looks like milliseconds, not seconds, for {big[0]!r}")
    return f"{len(ids)} model(s): {', '.join(ids[:5])}"


@check("models.list.contains_model", feature=LIST, endpoint=catalog.MODELS,
       behavior="The model under test is listed by GET /models")
def list_contains(ctx: CheckContext) -> str:
    ids = _ids(_list(ctx))
    if ctx.model in ids:
        return f"{ctx.model!r} is listed"
    chat = ctx.chat()
    if chat.status == 200:
        # Proxies often serve aliases they do not list: requests work, but clients that pick from the list
        # (model pickers, discovery) never offer the model.
        raise SpecViolation(f"{ctx.model!r} answers chat requests but GET /models does not list it (listed: {ids[:10]})")
    raise SpecViolation(f"{ctx.model!r} is not listed (listed: {ids[:10]}) and a chat with it gave {chat.status}")


@check("models.retrieve.listed", feature=RETRIEVE, endpoint=catalog.MODELS,
       behavior="GET /models/{id} of a listed id returns that model object with the same id")
def retrieve_listed(ctx: CheckContext) -> str:
    model_id = _listed_id(ctx)
    ex = ctx.request("GET", f"/models/{model_id}")
    if ex.status in (404, 405) and route_missing(ctx, ex):
        raise Unsupported(f"GET /models/{{id}} is not routed: {ex.status} like any unknown path "
                          f"({error_message(ex.response_body)[:120]})")
    if ex.status == 404:
        raise Fail(f"{model_id!r} is listed but GET /models/{model_id} gives 404: {error_message(ex.response_body)[:160]}")
    body = ctx.expect_ok(ex, f"GET /models/{model_id}")
    ctx.schema("Model", body, f"GET /models/{model_id}")
    if body.get("id") != model_id:
        raise Fail(f"GET /models/{model_id} returned id {body.get('id')!r}")
    return f"{model_id!r} retrieved"


@check("models.retrieve.unknown", feature=RETRIEVE, endpoint=catalog.MODELS,
       behavior="GET /models/{id} of an unknown id is rejected with 404 and the error envelope")
def retrieve_unknown(ctx: CheckContext) -> str:
    ex = ctx.request("GET", f"/models/{UNKNOWN_ID}")
    status = ex.status or 0
    if 200 <= status < 300:
        raise LaxValidation(f"an unknown model id was retrieved with {status}: {str(ex.response_body)[:160]}")
    if status >= 500:
        raise SpecViolation(f"an unknown model id gave server error {status}: {error_message(ex.response_body)}")
    if status in (404, 405) and route_missing(ctx, ex):
        listed = ctx.request("GET", f"/models/{_listed_id(ctx)}")
        if listed.status != 200:
            raise Unsupported(f"GET /models/{{id}} is not routed: {status} like any unknown path")
    if not has_envelope(ex.response_body):
        raise SpecViolation(f"an unknown model id gave {status} without the OpenAI error envelope: {str(ex.response_body)[:160]}")
    if status != 404:
        if status in (401, 403):
            raise Skip(f"{status}: the credentials do not allow GET /models/{{id}}")
        ctx.deviations.append(f"unknown model id rejected with {status}, OpenAI answers 404")
    return f"rejected with {status}"
