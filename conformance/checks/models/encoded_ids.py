"""Models: GET /models/{id} for ids holding `/` and `:` (Ollama's `name:tag`, vLLM's `org/name`), encoded as the SDK does."""

from __future__ import annotations

from urllib.parse import quote

from conformance import catalog
from conformance.checks.models.list_retrieve import RETRIEVE, _ids, _list, _listed_id, route_missing
from conformance.context import CheckContext, error_message, has_envelope
from conformance.registry import check
from conformance.verdict import Fail, LaxValidation, Skip, SpecViolation, Unsupported

UNKNOWN_ID = "oai-conformance/no-such-model:latest"
SPECIAL = ("/", ":")


def sdk_path(model_id: str) -> str:
    """The path the official clients request: `/` percent-encoded as %2F, `:` left as is (RFC 3986 pchar)."""
    return "/models/" + quote(model_id, safe="!$&'()*+,;=:@")


def _routed(ctx: CheckContext) -> None:
    """Unsupported unless GET /models/{id} answers for a plain listed id (else every answer here says nothing)."""
    ex = ctx.request("GET", f"/models/{_listed_id(ctx)}")
    if ex.status != 200 and route_missing(ctx, ex):
        raise Unsupported(f"GET /models/{{id}} is not routed: {ex.status} like any unknown path "
                          f"({error_message(ex.response_body)[:120]})")


@check("models.retrieve.encoded_listed", feature=RETRIEVE, endpoint=catalog.MODELS,
       behavior="A listed id holding `/` or `:` is retrieved by GET /models/{id} with `/` sent as %2F (as the SDK "
                "sends it), returning the model with the same id")
def encoded_listed(ctx: CheckContext) -> str:
    _routed(ctx)
    ids = _ids(_list(ctx))
    wanted = [m for m in (ctx.target.model, ctx.target.embedding_model) if m in ids]
    special = [i for i in dict.fromkeys([*wanted, *ids]) if any(c in i for c in SPECIAL)]
    if not special:
        raise Skip(f"no listed id holds `/` or `:` (listed: {ids[:5]})")
    model_id = special[0]
    path = sdk_path(model_id)
    ex = ctx.request("GET", path)
    if ex.status != 200:
        raise Fail(f"{model_id!r} is listed but GET {path} gives {ex.status}: {error_message(ex.response_body)[:160]} "
                   "(the SDK's models.retrieve fails)")
    body = ctx.expect_ok(ex, f"GET {path}")
    ctx.schema("Model", body, f"GET {path}")
    if body.get("id") != model_id:
        raise Fail(f"GET {path} returned id {body.get('id')!r}, not {model_id!r}")
    return f"{model_id!r} retrieved as GET {path}"


@check("models.retrieve.encoded_unknown", feature=RETRIEVE, endpoint=catalog.MODELS,
       behavior="An unknown id holding `/` and `:` (sent as the SDK sends it) is rejected with 404 and the error "
                "envelope, like any unknown id")
def encoded_unknown(ctx: CheckContext) -> str:
    _routed(ctx)
    path = sdk_path(UNKNOWN_ID)
    ex = ctx.request("GET", path)
    status = ex.status or 0
    if 200 <= status < 300:
        raise LaxValidation(f"GET {path} of an unknown id answered {status}: {str(ex.response_body)[:160]}")
    if status >= 500:
        raise SpecViolation(f"GET {path} of an unknown id gave server error {status}: "
                            f"{error_message(ex.response_body)[:160]}")
    if not has_envelope(ex.response_body):
        raise SpecViolation(f"GET {path} gave {status} without the OpenAI error envelope: {str(ex.response_body)[:160]}")
    if status != 404:
        if status in (401, 403):
            raise Skip(f"{status}: the credentials do not allow GET /models/{{id}}")
        ctx.deviations.append(f"GET {path} rejected with {status}, OpenAI answers 404")
    return f"GET {path} rejected with {status}"
