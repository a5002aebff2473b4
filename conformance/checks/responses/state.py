"""Conversation state kept by the server: previous_response_id, and store with GET /responses/{id}."""

from __future__ import annotations

from typing import Any

from conformance import catalog
from conformance.checks.responses import shape
from conformance.context import CheckContext, error_message, has_envelope
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Fail, Ignored, Skip, SpecViolation, Unsupported

EP = catalog.RESPONSES
FEATURE = "Conversation state"
FIRST = "My name is Ada and I live in a small house by the sea with three cats."
NEXT = "What is my name?"
UNKNOWN_ID = "resp_oaiconformance0000000000000000"
CONTINUES = "responses.previous_response_id.continues"


def _id(resp: dict[str, Any], what: str) -> str:
    rid = resp.get("id")
    if not isinstance(rid, str) or not rid:
        raise Fail(f"{what} has no id to refer to it by: {rid!r}")
    return rid


def _continued(ctx: CheckContext, first: dict[str, Any]) -> Exchange:
    """The second turn sent with the first turn's id (one request per run, shared by the state checks)."""
    return shape.create(ctx, input=NEXT, previous_response_id=_id(first, "the first turn"))


@check(CONTINUES, feature=FEATURE, field="previous_response_id", endpoint=EP,
       behavior="previous_response_id continues a stored response: the earlier turn reaches the prompt (more input "
                "tokens than the same request alone); a server without state rejects it with a clear 4xx")
def continues(ctx: CheckContext) -> str:
    first = shape.answer(ctx, "the first turn", input=FIRST, store=True)
    alone = shape.answer(ctx, "the second turn alone", input=NEXT)
    ex = _continued(ctx, first)
    status = ex.status or 0
    if 400 <= status < 500 and not has_envelope(ex.response_body):
        raise SpecViolation(f"previous_response_id rejected with {status} without the OpenAI error envelope: "
                            f"{error_message(ex.response_body)}")
    resp = ctx.expect_ok(ex, "previous_response_id")
    more = shape.more_input(resp, alone, "the earlier turn")
    ctx.note(text=shape.text(resp))
    if more is None:
        raise Ignored(f"previous_response_id accepted, but the earlier turn never reached the prompt: "
                      f"{shape.input_tokens(resp)} input tokens, the same request alone has {shape.input_tokens(alone)}")
    return f"the earlier turn reaches the prompt: {more}; answered {shape.text(resp)[:50]!r}"


@check("responses.previous_response_id.unknown", feature=FEATURE, field="previous_response_id", endpoint=EP,
       behavior="An unknown previous_response_id is rejected with a 4xx and the error envelope, not answered as "
                "a new conversation")
def unknown(ctx: CheckContext) -> str:
    # Refusing an unknown id shows validation only where a known one is taken: llama-server refuses every id,
    # even the one it just returned. The known-id request is the continues check's own (the run cache shares it).
    try:
        known = _continued(ctx, shape.answer(ctx, "the first turn", input=FIRST, store=True))
    except (Unsupported, Fail) as exc:
        raise Skip(f"no stored response to refer to, so an unknown id shows nothing ({exc.reason})") from exc
    status = known.status or 0
    if not 200 <= status < 300:
        raise Skip(f"the server refuses even a known previous_response_id (the id it just returned gave {status}: "
                   f"{error_message(known.response_body)[:100]}), so refusing an unknown one shows nothing "
                   f"(see {CONTINUES})")
    return ctx.expect_rejected(shape.create(ctx, previous_response_id=UNKNOWN_ID),
                               f"previous_response_id {UNKNOWN_ID!r}", names_missing=True)


@check("responses.store.retrieve", feature=FEATURE, field="store", endpoint=EP,
       behavior="store: true keeps the response (GET /responses/{id} returns it with the same id and output text) "
                "and store: false does not (GET gives 404)")
def retrieve(ctx: CheckContext) -> str:
    kept = shape.answer(ctx, "store: true", store=True, input=FIRST)
    rid = _id(kept, "the stored response")
    got = ctx.request("GET", f"{shape.PATH}/{rid}")
    shown = rid if len(rid) <= 48 else rid[:45] + "..."
    if got.status == 404 or (got.status in (400, 405, 501)):
        # Accepted without effect, as chat's fields.store.effect reads the same observation: the request took
        # store: true with a 2xx, and nothing can be read back (a clear rejection of store is unsupported, above).
        raise Ignored(f"store: true was accepted, but GET {shape.PATH}/{shown} gave {got.status}: "
                      f"{error_message(got.response_body)}; nothing was stored")
    body = ctx.expect_ok(got, f"GET {shape.PATH}/{{id}}")
    if body.get("id") != rid:
        raise Fail(f"GET {shape.PATH}/{shown} returned id {str(body.get('id'))[:48]!r}")
    if shape.text(body) != shape.text(kept):
        raise Fail(f"the retrieved response's text {shape.text(body)[:60]!r} is not the one created "
                   f"{shape.text(kept)[:60]!r}")
    ctx.schema("Response", body, "the retrieved response")
    dropped = shape.answer(ctx, "store: false", store=False, input=FIRST)
    gone = ctx.request("GET", f"{shape.PATH}/{_id(dropped, 'the unstored response')}")
    if gone.status == 200:
        raise Ignored("store: true is kept, but store: false is retrievable too: the field has no effect")
    if gone.status != 404:
        ctx.deviations.append(f"a response created with store: false is answered {gone.status} by GET, not 404")
    return f"store: true retrieved by GET with the same text; store: false gave {gone.status}"
