"""Probes that show each /v1/responses deviation of the fake (merged into probe_table.PROBES)."""

from __future__ import annotations

import json
from typing import Any

from tests.fake.probes import MODEL, Api, Probe, parse_frames

_TOOL = {"type": "function", "name": "get_weather", "strict": False,
         "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"],
           "additionalProperties": False}


def _post(api: Api, **fields: Any) -> Any:
    body = {"model": MODEL, "input": "Say hello.", "temperature": 0, "max_output_tokens": 16, **fields}
    return api.post("responses", body)


def _body(**fields: Any) -> Probe:
    def probe(api: Api) -> Any:
        resp = _post(api, **fields)
        return resp.json() if resp.status_code == 200 else resp.status_code
    return probe


def _pick(probe: Probe, *keys: str) -> Probe:
    def picked(api: Api) -> Any:
        body = probe(api)
        return {k: body.get(k) for k in keys} if isinstance(body, dict) else body
    return picked


def _status(**fields: Any) -> Probe:
    return lambda api: _post(api, **fields).status_code


def _tokens(**fields: Any) -> Probe:
    return lambda api: _post(api, **fields).json()["usage"]["input_tokens"]


def _text(api: Api, **fields: Any) -> str:
    body = _post(api, **fields).json()
    return "".join(p["text"] for i in body["output"] if i["type"] == "message" for p in i["content"])


def _events(api: Api) -> Any:
    resp = _post(api, stream=True)
    if not resp.headers.get("content-type", "").startswith("text/event-stream"):
        return resp.headers.get("content-type")
    return [(e.get("type"), e.get("sequence_number"), e.get("output_index"), e.get("delta"),
             "usage" in e["response"] if "response" in e else None) for e in parse_frames(resp.text)]


def _terminal(api: Api) -> Any:
    """The last event's type and the status of the response it carries."""
    last = parse_frames(_post(api, stream=True).text)[-1]
    return last.get("type"), last.get("response", {}).get("status")


def _created(api: Api) -> Any:
    return parse_frames(_post(api, stream=True).text)[0]["response"]["object"]


def _stored(store: bool) -> Probe:
    def probe(api: Api) -> int:
        rid = _post(api, store=store).json()["id"]
        return api.get(f"responses/{rid}").status_code
    return probe


def _continued(api: Api) -> Any:
    rid = _post(api, input="My name is Ada.").json()["id"]
    resp = _post(api, input="What is my name?", previous_response_id=rid)
    return resp.status_code, resp.json().get("usage", {}).get("input_tokens")


_CALL = [{"role": "user", "content": "Weather?"},
         {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
         {"type": "function_call_output", "call_id": "call_1", "output": "Sunny and warm all day."}]


def _call_output(api: Api) -> Any:
    resp = _post(api, input=_CALL, tools=[_TOOL])
    return resp.status_code, resp.json().get("usage", {}).get("input_tokens")


def _call_tokens(api: Api) -> Any:
    """Input tokens of the same turns with the call's arguments short and long."""
    longer = [{**i, "arguments": '{"city": "' + "Paris, France " * 20 + '"}'} if i.get("type") == "function_call"
              else i for i in _CALL]
    return [_post(api, input=turns, tools=[_TOOL]).json()["usage"]["input_tokens"] for turns in (_CALL, longer)]


def _forced(api: Api) -> Any:
    body = _post(api, tools=[_TOOL], tool_choice={"type": "function", "name": "get_weather"}).json()
    return [i["type"] for i in body["output"]]


def _json(**fmt: Any) -> Probe:
    def probe(api: Api) -> Any:
        text = _text(api, input="Reply in JSON.", text={"format": fmt})
        try:
            return sorted(json.loads(text))
        except ValueError:
            return "not json"
    return probe


PROBES: dict[str, tuple[dict[str, Any], Probe]] = {
    "responses.object_wrong": ({}, _pick(_body(), "object")),
    "responses.always_streams": ({}, lambda api: _post(api).headers.get("content-type", "").split(";")[0]),
    "responses.required_keys_missing": ({}, lambda api: sorted(_body()(api))),
    "responses.typed_items_rejected": ({}, _status(input=[{"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": "Hi"}]}])),
    "responses.usage_sum_wrong": ({}, lambda api: (lambda u: u["total_tokens"] - u["input_tokens"]
                                                   - u["output_tokens"])(_body()(api)["usage"])),
    "responses.instructions_ignored": ({}, _tokens(instructions="Answer like a pirate, always.")),
    "responses.invalid_accepted": ({}, _status(temperature=5)),
    "responses.not_served": ({}, _status()),
    "responses.completed_when_cut": ({}, _pick(_body(input="Write a long story."), "status", "incomplete_details")),
    "responses.max_output_tokens_ignored": ({}, lambda api: _body(input="Write a long story.")(api)["usage"]),
    "responses.temperature_ignored": ({}, lambda api: len({_text(api, temperature=1.5) for _ in range(3)})),
    "responses.top_p_ignored": ({}, lambda api: len({_text(api, temperature=1.5, top_p=0.01) for _ in range(3)})),
    "responses.text_format_ignored": ({}, _json(type="json_object")),
    "responses.json_schema_as_object": ({}, _json(type="json_schema", name="n", schema=_SCHEMA, strict=True)),
    "responses.json_schema_cut_off_schema": ({}, _json(type="json_schema", name="n", schema=_SCHEMA, strict=True)),
    "responses.json_fenced": ({}, _json(type="json_object")),
    "responses.json_schema_fenced_cut_off_schema": ({}, _json(type="json_schema", name="n", schema=_SCHEMA,
                                                              strict=True)),
    "responses.tools_ignored": ({}, _forced),
    "responses.call_output_rejected": ({}, _call_output),
    "responses.call_output_dropped": ({}, _call_output),
    "responses.call_item_dropped": ({}, _call_tokens),
    "responses.previous_response_id_rejected": ({}, _continued),
    "responses.previous_response_id_ignored": ({}, _continued),
    "responses.nothing_stored": ({}, _stored(True)),
    "responses.store_false_kept": ({}, _stored(False)),
    **{f"responses.{n}": ({}, _events) for n in (
        "stream_as_json", "stream_content_type", "stream_no_sequence_number", "stream_sequence_repeats",
        "stream_no_indexes", "stream_no_in_progress", "stream_delta_lost", "stream_no_usage")},
    "responses.stream_completed_when_incomplete": ({}, _terminal),
    "responses.stream_created_wrong": ({}, _created),
}
