"""JSON-mode deviations: response_format ignored, mis-rendered or rejected."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.fake.completions import Completion
from tests.fake.errors import ACCEPT, ApiError, invalid
from tests.fake.registry import deviation
from tests.fake.request import ChatRequest, ResponseFormat
from tests.fake.wire import HttpCtx

Comps = tuple[Completion, ...]


def _retext(comps: Comps, make: Any) -> Comps:
    return tuple(c.with_text(make(c.text)) if c.content is not None else c for c in comps)


@deviation("json.fenced", "JSON content is wrapped in ```json fences", on="outputs")
def _fenced(comps: Comps, req: ChatRequest) -> Comps:
    return _retext(comps, lambda t: f"```json\n{t}\n```") if req.json_type else comps


@deviation("json.not_object", "json_object content is a JSON array", on="outputs")
def _not_object(comps: Comps, req: ChatRequest) -> Comps:
    return _retext(comps, lambda t: f"[{t}]") if req.json_type == "json_object" else comps


@deviation("json.schema_ignored", "json_schema gets a JSON object that does not match the schema", on="outputs")
def _schema_ignored(comps: Comps, req: ChatRequest) -> Comps:
    if req.json_type != "json_schema":
        return comps
    return _retext(comps, lambda t: '{"response":"the fake ignored your schema"}')


# What llama-server's /v1/responses wrote with a strict schema before max_output_tokens cut it: keys of its own.
CUT_OFF_SCHEMA = '{"name": "Ann", "age": 30, "gender": "female", "occupation": "artist", "family": {"name": "Le'


@deviation("json.schema_cut_off_schema", "json_schema gets a JSON object with keys outside the schema, cut by "
           "max_tokens before it closes", on="outputs")
def _schema_cut_off_schema(comps: Comps, req: ChatRequest) -> Comps:
    if req.json_type != "json_schema":
        return comps
    return tuple(replace(c.with_text(CUT_OFF_SCHEMA), finish_reason="length") for c in comps)


@deviation("json.response_format_ignored", "response_format has no effect: plain text answers", on="request")
def _format_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, response_format=None)


def _asks_json(req: ChatRequest) -> bool:
    return any("json" in m.text.lower() for m in req.messages)


@deviation("json.response_format_ignored_prompt_obeyed", "response_format has no effect, but a prompt that asks "
           "for JSON gets the same JSON with or without it (as transformers serve does)", on="request")
def _format_ignored_prompt_obeyed(req: ChatRequest) -> ChatRequest:
    # The fake model answers JSON only under json_object: a prompt asking for JSON stands in for it, the field never.
    return replace(req, response_format=ResponseFormat("json_object") if _asks_json(req) else None)


@deviation("json.object_not_enforced", "json_object is not enforced: a prompt that does not ask for JSON "
           "gets prose (as the prebuilt llama-server does)", on="request")
def _object_not_enforced(req: ChatRequest) -> ChatRequest:
    return replace(req, response_format=None) if req.json_type == "json_object" and not _asks_json(req) else req


@deviation("json.invalid_format_accepted", "an unknown response_format type is accepted with a 200",
           on="map_error")
def _invalid_format_accepted(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == "response_format_type" else err


@deviation("json.schema_rejected", "response_format json_schema gets a 400 'not supported'", on="check")
def _schema_rejected(req: ChatRequest) -> ApiError | None:
    if req.json_type == "json_schema":
        return invalid("response_format", "response_format of type 'json_schema' is not supported by this model.",
                       "unsupported_value")
    return None
