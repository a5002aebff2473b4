"""Responses deviations: /v1/responses answered the way real servers get it wrong (llama-server, gateways)."""

from __future__ import annotations

import json
from typing import Any

from tests.fake.deviations.area_json import CUT_OFF_SCHEMA
from tests.fake.errors import ACCEPT, ApiError, Halt, invalid
from tests.fake.registry import State, deviation
from tests.fake import responses_render
from tests.fake.responses_input import SCHEMA_KIND
from tests.fake.wire import HttpCtx, Reply, StreamReply, json_reply

Body = dict[str, Any]
Events = list[dict[str, Any]]
# What llama-server's Response leaves out of the keys the spec requires.
UNSENT = ("error", "incomplete_details", "instructions", "metadata", "parallel_tool_calls", "temperature",
          "tool_choice", "tools", "top_p")


def _without(body: Body, *keys: str) -> Body:
    return {k: v for k, v in body.items() if k not in keys}


def _on_terminal(evs: Events, change: Any) -> Events:
    return [{**e, "response": change(e["response"])} if e.get("type") in ("response.completed", "response.incomplete")
            else e for e in evs]


# --- the Response object --------------------------------------------------------------------------------

@deviation("responses.object_wrong", "a Response has object 'chat.completion'", on="responses_body")
def _object_wrong(resp: Body, body: Body) -> Body:
    return {**resp, "object": "chat.completion"}


@deviation("responses.required_keys_missing", "a Response leaves out keys the spec requires (tools, tool_choice, "
           "temperature, ...), as llama-server does", on="responses_body")
def _required_missing(resp: Body, body: Body) -> Body:
    return _without(resp, *UNSENT)


@deviation("responses.typed_items_rejected", "typed message items with input_text parts get a 400",
           on="responses_check")
def _typed_rejected(body: Body) -> ApiError | None:
    items = body.get("input")
    if isinstance(items, list) and any(isinstance(i, dict) and isinstance(i.get("content"), list) for i in items):
        return invalid("input", "Content parts are not supported.", "unsupported_value")
    return None


@deviation("responses.usage_sum_wrong", "usage.total_tokens is not input_tokens + output_tokens",
           on="responses_body")
def _usage_sum(resp: Body, body: Body) -> Body:
    return {**resp, "usage": {**resp["usage"], "total_tokens": resp["usage"]["total_tokens"] + 7}}


@deviation("responses.instructions_ignored", "instructions are accepted and dropped", on="responses_request")
def _instructions_ignored(body: Body) -> Body:
    return _without(body, "instructions")


@deviation("responses.not_served", "/v1/responses is not routed: 404 {'detail': 'Not Found'} for any request, as "
           "llama-cpp-python's FastAPI app answers", on="intercept")
def _not_served(ctx: HttpCtx, state: State) -> Reply | None:
    if ctx.path == "/v1/responses" or ctx.path.startswith("/v1/responses/"):
        return json_reply(404, {"detail": "Not Found"})
    return None


@deviation("responses.invalid_accepted", "a request the CreateResponse schema rejects (temperature 5, ...) is "
           "answered 200", on="map_error")
def _invalid_accepted(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == SCHEMA_KIND else err


# --- generation fields ----------------------------------------------------------------------------------

@deviation("responses.completed_when_cut", "an answer cut by max_output_tokens says status 'completed', "
           "incomplete_details null (as llama-server does)", on="responses_body")
def _completed_when_cut(resp: Body, body: Body) -> Body:
    return {**resp, "status": "completed", "incomplete_details": None}


@deviation("responses.call_item_dropped", "a function_call input item is not rendered into the prompt, only its "
           "function_call_output is (vLLM without a tool parser)", on="responses_request")
def _call_item_dropped(body: Body) -> Body:
    items = body.get("input")
    if not isinstance(items, list):
        return body
    return {**body, "input": [{**i, "arguments": "{}"} if isinstance(i, dict) and i.get("type") == "function_call"
                              else i for i in items]}


@deviation("responses.max_output_tokens_ignored", "max_output_tokens is dropped", on="responses_request")
def _max_ignored(body: Body) -> Body:
    return _without(body, "max_output_tokens")


@deviation("responses.temperature_ignored", "temperature is read as 0", on="responses_request")
def _temperature_ignored(body: Body) -> Body:
    return {**body, "temperature": 0}


@deviation("responses.top_p_ignored", "top_p is dropped", on="responses_request")
def _top_p_ignored(body: Body) -> Body:
    return _without(body, "top_p")


@deviation("responses.text_format_ignored", "text.format is dropped: plain text answers", on="responses_request")
def _format_ignored(body: Body) -> Body:
    return _without(body, "text")


@deviation("responses.json_schema_as_object", "text.format json_schema is answered as json_object: JSON that "
           "ignores the schema", on="responses_request")
def _schema_as_object(body: Body) -> Body:
    fmt = (body.get("text") or {}).get("format") or {}
    return {**body, "text": {"format": {"type": "json_object"}}} if fmt.get("type") == "json_schema" else body


@deviation("responses.json_schema_cut_off_schema", "text.format json_schema gets JSON with keys outside the schema, "
           "cut by max_output_tokens and still 'completed' (as llama-server answers)", on="responses_body")
def _schema_cut_off_schema(resp: Body, body: Body) -> Body:
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") != "json_schema":
        return resp
    limit = body.get("max_output_tokens") or 16
    output = [{**i, "content": [{**p, "text": CUT_OFF_SCHEMA} for p in i["content"]]} if i.get("type") == "message"
              else i for i in resp["output"]]
    usage = {**resp["usage"], "output_tokens": limit, "total_tokens": resp["usage"]["input_tokens"] + limit}
    return {**resp, "output": output, "usage": usage}


def _message_text(resp: Body, change: Any) -> Body:
    """The Response with every message part's text passed through change."""
    output = [{**i, "content": [{**p, "text": change(p["text"])} for p in i["content"]]} if i.get("type") == "message"
              else i for i in resp["output"]]
    return {**resp, "output": output}


@deviation("responses.json_fenced", "text.format answers come wrapped in a Markdown ```json code fence",
           on="responses_body")
def _json_fenced(resp: Body, body: Body) -> Body:
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") not in ("json_object", "json_schema"):
        return resp
    return _message_text(resp, lambda t: f"```json\n{t}\n```")


@deviation("responses.json_schema_fenced_cut_off_schema", "text.format json_schema gets a ```json fence opening JSON "
           "with keys outside the schema, cut by max_output_tokens and still 'completed' (as llama-server with a "
           "tools template answers)", on="responses_body")
def _schema_fenced_cut(resp: Body, body: Body) -> Body:
    cut = _schema_cut_off_schema(resp, body)
    return cut if cut is resp else _message_text(cut, lambda t: f"```json\n{t}")


# --- function tools -------------------------------------------------------------------------------------

@deviation("responses.tools_ignored", "tools and tool_choice are dropped: a text answer", on="responses_request")
def _tools_ignored(body: Body) -> Body:
    return _without(body, "tools", "tool_choice")


@deviation("responses.call_output_rejected", "function_call_output input items get a 400", on="responses_check")
def _call_output_rejected(body: Body) -> ApiError | None:
    items = body.get("input")
    if isinstance(items, list) and any(isinstance(i, dict) and i.get("type") == "function_call_output" for i in items):
        return invalid("input", "Input items of type 'function_call_output' are not supported.", "unsupported_value")
    return None


@deviation("responses.call_output_dropped", "function_call and function_call_output input items are dropped",
           on="responses_request")
def _call_output_dropped(body: Body) -> Body:
    items = body.get("input")
    if not isinstance(items, list):
        return body
    kept = [i for i in items if not (isinstance(i, dict) and i.get("type") in ("function_call",
                                                                               "function_call_output"))]
    return {**body, "input": kept}


# --- conversation state ---------------------------------------------------------------------------------

@deviation("responses.previous_response_id_rejected", "previous_response_id gets a 400 'not supported' (as "
           "llama-server does)", on="responses_check")
def _previous_rejected(body: Body) -> ApiError | None:
    if body.get("previous_response_id") is not None:
        return invalid("previous_response_id", "previous_response_id is not supported.", "unsupported_parameter")
    return None


@deviation("responses.previous_response_id_ignored", "previous_response_id is dropped, unknown ids included",
           on="responses_request")
def _previous_ignored(body: Body) -> Body:
    return _without(body, "previous_response_id")


@deviation("responses.nothing_stored", "no response is kept: GET /v1/responses/{id} is 404", on="responses_stored")
def _nothing_stored(store: bool) -> bool:
    return False


@deviation("responses.store_false_kept", "store: false is kept and retrievable as well", on="responses_stored")
def _store_false_kept(store: bool) -> bool:
    return True


@deviation("responses.always_streams", "a request that did not ask to stream is answered with an event stream, "
           "as transformers serve's /v1/responses does", on="responses_body")
def _always_streams(resp: Body, body: Body) -> Any:
    created = {**resp, "status": "in_progress", "output": []}
    evs = [{"type": "response.created", "sequence_number": 0, "response": created},
           {"type": "response.completed", "sequence_number": 1, "response": resp}]
    raise Halt(StreamReply(200, responses_render.frames(evs)))


# --- streaming ------------------------------------------------------------------------------------------

@deviation("responses.stream_as_json", "stream: true is answered with one JSON Response", on="responses_reply")
def _stream_as_json(reply: StreamReply, body: Body) -> Any:
    final = json.loads(reply.frames[-1].split("data: ", 1)[1])["response"]
    raise Halt(json_reply(200, final))


@deviation("responses.stream_content_type", "a Responses stream is sent as text/plain",
           on="responses_reply")
def _stream_content_type(reply: StreamReply, body: Body) -> StreamReply:
    return StreamReply(reply.status, reply.frames, "text/plain; charset=utf-8", reply.headers)


@deviation("responses.stream_no_sequence_number", "stream events carry no sequence_number (as llama-server's)",
           on="responses_events")
def _no_sequence(evs: Events, body: Body) -> Events:
    return [_without(e, "sequence_number") for e in evs]


@deviation("responses.stream_sequence_repeats", "sequence_number restarts at 0 after the in_progress event",
           on="responses_events")
def _sequence_repeats(evs: Events, body: Body) -> Events:
    return [{**e, "sequence_number": e["sequence_number"] - 2 if e["sequence_number"] >= 2 else e["sequence_number"]}
            for e in evs]


@deviation("responses.stream_no_indexes", "stream events carry no output_index or content_index (as "
           "llama-server's)", on="responses_events")
def _no_indexes(evs: Events, body: Body) -> Events:
    return [_without(e, "output_index", "content_index") for e in evs]


@deviation("responses.stream_no_in_progress", "the response.in_progress event is not sent", on="responses_events")
def _no_in_progress(evs: Events, body: Body) -> Events:
    return [e for e in evs if e.get("type") != "response.in_progress"]


@deviation("responses.stream_delta_lost", "the last output_text delta is not sent", on="responses_events")
def _delta_lost(evs: Events, body: Body) -> Events:
    last = max((p for p, e in enumerate(evs) if e.get("type") == "response.output_text.delta"), default=None)
    return [e for p, e in enumerate(evs) if p != last]


@deviation("responses.stream_no_usage", "the final response of a stream carries no usage", on="responses_events")
def _stream_no_usage(evs: Events, body: Body) -> Events:
    return _on_terminal(evs, lambda r: _without(r, "usage"))


@deviation("responses.stream_completed_when_incomplete", "a stream cut by max_output_tokens ends with "
           "response.completed carrying status 'incomplete', not response.incomplete (vLLM)", on="responses_events")
def _completed_when_incomplete(evs: Events, body: Body) -> Events:
    # The fake's answers fit max_output_tokens, so the terminal response is made to say it was cut, as vLLM's does.
    cut = {"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}}
    return [{**e, "type": "response.completed", "response": {**e["response"], **cut}} if e.get("type") in (
        "response.completed", "response.incomplete") else e for e in evs]


@deviation("responses.stream_created_wrong", "the response.created event's response has object 'chat.completion'",
           on="responses_events")
def _created_wrong(evs: Events, body: Body) -> Events:
    return [{**e, "response": {**e["response"], "object": "chat.completion"}} if e.get("type") == "response.created"
            else e for e in evs]

