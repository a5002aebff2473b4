"""POST /v1/responses and GET /v1/responses/{id}: the fake model behind OpenAI's Responses API, conformant by default."""

from __future__ import annotations

import copy
from typing import Any

from tests.fake import completions, responses_input, responses_render
from tests.fake.errors import ApiError, Halt, invalid
from tests.fake.registry import add_point
from tests.fake.routes import route
from tests.fake.validate_chat import parse_chat
from tests.fake.wire import HttpCtx, StreamReply, json_reply

add_point("responses_request", "(body) -> dict: change what the server reads of a /responses request")
add_point("responses_check", "(body) -> ApiError | None: reject a valid /responses request")
add_point("responses_body", "(resp, body) -> dict: reshape a Response object as sent (not as stored)")
add_point("responses_events", "(events, body) -> list[dict]: reshape the events of a streamed response")
add_point("responses_reply", "(reply, body) -> StreamReply: change the raw frames or headers of a Responses stream")
add_point("responses_stored", "(store) -> bool | None: whether a response is kept for GET (None: as store says)")

KEY = "responses:"  # app.state key prefix of stored responses


def _history(app: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversation a previous_response_id continues: its messages and its answer (chat form)."""
    prev = body.get("previous_response_id")
    if prev is None:
        return []
    stored = app.state.peek(KEY + prev)
    if stored is None:
        raise Halt(ApiError(400, f"Previous response with id '{prev}' not found.", param="previous_response_id",
                            code="previous_response_not_found"))
    return list(stored["messages"])


def _answer_messages(resp: dict[str, Any]) -> list[dict[str, Any]]:
    """A stored answer as chat messages, for a later turn to continue from."""
    out: list[dict[str, Any]] = []
    for item in resp["output"]:
        if item["type"] == "message":
            out.append({"role": "assistant", "content": item["content"][0]["text"]})
        elif item["type"] == "function_call":
            out.append({"role": "assistant", "content": None, "tool_calls": [{
                "id": item["call_id"], "type": "function",
                "function": {"name": item["name"], "arguments": item["arguments"]}}]})
    return out


def _readable(app: Any, ctx: HttpCtx) -> dict[str, Any]:
    """The body, valid against CreateResponse; a field a deviation accepts although invalid is left out."""
    body = dict(ctx.body)
    while (err := responses_input.schema_error(body)) is not None:
        app.soft(ctx)(err)  # raises, unless a deviation accepts what OpenAI rejects
        top = (err.param or "").split(".")[0]
        if top not in body:
            break
        del body[top]
    return body


@route(r"^/v1/responses$", "POST")
def create(app: Any, ctx: HttpCtx) -> Any:
    """POST /v1/responses."""
    if not isinstance(ctx.body, dict):
        raise Halt(invalid(None, "We could not parse the JSON body of your request."))
    body: dict[str, Any] = app.hooks.pipe("responses_request", _readable(app, ctx))
    if (rejected := app.hooks.first("responses_check", body)) is not None:
        raise Halt(rejected)
    history = _history(app, body)
    chat = responses_input.chat_body(body, history)
    req = parse_chat(chat, (app.config.model,), app.config.models, app.soft(ctx))
    comp = completions.build(req, completions.Knobs())[0]
    rid, created = responses_render.new_id("resp"), responses_render.now()
    final = responses_render.response(body, req, comp, rid, created)
    store = body.get("store") is not False
    kept = app.hooks.first("responses_stored", store)
    if store if kept is None else kept:
        app.state.put(KEY + rid, {"response": copy.deepcopy(final), "messages": chat["messages"][
            1 if body.get("instructions") else 0:] + _answer_messages(final)})
    if body.get("stream") is True:
        evs = app.hooks.pipe("responses_events", responses_render.events(final, comp), body)
        reply = StreamReply(200, responses_render.frames(evs))
        return app.hooks.pipe("responses_reply", reply, body)
    return json_reply(200, app.hooks.pipe("responses_body", final, body))


@route(r"^/v1/responses/(?P<response_id>[^/]+)$", "GET")
def retrieve(app: Any, ctx: HttpCtx, response_id: str) -> Any:
    """GET /v1/responses/{id}: a response created with store left on."""
    stored = app.state.peek(KEY + response_id)
    if stored is None:
        raise Halt(ApiError(404, f"Response with id '{response_id}' not found.", param="response_id",
                            code="not_found", kind="not_found"))
    return json_reply(200, stored["response"])
