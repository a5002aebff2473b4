"""Which probe shows each deviation, and with which server options (api_key) it runs."""

from __future__ import annotations

import json
from typing import Any

from tests.fake.probes import (
    CORRUPT_URL, EXACT, KEY, PNG_URL, SCHEMA, TOOL_TURN, TOOLS, Api, Probe, body_shape, chunk_shape, error_shape,
    framing, image_message, json_kind, logprob_shape, stream_chunks, streamed_text, streamed_tool_shape, tool_shape,
)
from conformance.checks.chat.fields_effect import INVALID
from tests.fake.probe_images import PROBES as IMAGE_PROBES
from tests.fake.probe_responses import PROBES as RESPONSES_PROBES
from tests.fake.probes_embeddings import EMBEDDING_PROBES
from tests.fake.probes_completions import PROBES as COMPLETIONS_PROBES
from tests.fake.probes_audio import AUDIO_PROBES
from tests.fake.schema_check import problems
from tests.fake.tokenizer import token_id

_REQUIRED: dict[str, Any] = {"tools": TOOLS, "tool_choice": "required"}
_SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "person", "schema": SCHEMA, "strict": True}}
_HISTORY_A = [{"role": "user", "content": "My name is Ada."}, {"role": "assistant", "content": "Hello Ada."}]
_HISTORY_B = [{"role": "user", "content": "My name is Bob."}, {"role": "assistant", "content": "Hello Bob."}]
_LAST = {"role": "user", "content": "What is my name?"}


def _status(**fields: Any) -> Probe:
    return lambda api: api.chat(**fields).status_code


def _limit(**fields: Any) -> Probe:
    def probe(api: Api) -> Any:
        body = api.body(**fields)
        return body["choices"][0]["finish_reason"], body["usage"]["completion_tokens"]
    return probe


def _usage_adds_up(body: dict[str, Any]) -> bool:
    u = body["usage"]
    return bool(u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"])


def _stop(api: Api) -> Any:
    resp = api.chat(messages=[{"role": "user", "content": EXACT}], stop=["three"])
    return resp.status_code, resp.json()["choices"][0]["message"]["content"] if resp.status_code == 200 else None


def _dies_after_error(api: Api) -> int:
    api.chat(temperature=5)
    return api.get("models").status_code


def _same_twice(**fields: Any) -> Probe:
    return lambda api: api.content(**fields) == api.content(**fields)


def _multi_turn(api: Api) -> Any:
    return api.content(messages=_HISTORY_A + [_LAST]) == api.content(messages=_HISTORY_B + [_LAST])


def _leaks(api: Api) -> Any:
    plain = api.content()
    api.content(messages=_HISTORY_A + [_LAST])
    return api.content() == plain


def _chunks(**fields: Any) -> Probe:
    return lambda api: chunk_shape(stream_chunks(api, max_tokens=3, **fields))


def _text_matches(api: Api) -> Any:
    return streamed_text(stream_chunks(api)) == api.content()


def _schema_valid(api: Api) -> Any:
    content = api.content(response_format=_SCHEMA_FORMAT)
    return json_kind(content) == "dict" and not problems(json.loads(content), SCHEMA)


def _reads(api: Api) -> bool:
    """Whether a stream arrives in more than one read (a buffered one comes whole)."""
    body = {"model": "fake-model", "messages": [{"role": "user", "content": "Hi"}], "temperature": 0, "stream": True}
    with api.client.stream("POST", f"{api.base_url}/chat/completions", json=body) as resp:
        return sum(1 for _ in resp.iter_raw()) > 1


def _stream_error(api: Api) -> Any:
    resp, _ = api.stream(temperature=5)
    return resp.status_code, resp.headers.get("content-type", "").split(";")[0]


_LOGPROBS = {"logprobs": True, "top_logprobs": 2}
_THE = token_id("the")

PROBES: dict[str, tuple[dict[str, Any], Probe]] = {
    **COMPLETIONS_PROBES,
    # http
    "models.bad_shape": ({}, lambda api: [(sorted(m), type(m["created"]).__name__)
                                          for m in api.get("models").json()["data"]]),
    "models.retrieve_404": ({}, lambda api: api.get("models/fake-model").status_code),
    "models.encoded_id_undecoded": ({}, lambda api: api.get("models/fake-embed%2Fx").json()["error"]["message"]),
    "models.retrieve_unrouted": ({}, lambda api: api.get("models/fake-model").status_code),
    "models.encoded_id_500": ({}, lambda api: api.get("models/fake-embed%2Fx").status_code),
    "routes.unknown_200": ({}, lambda api: api.get("no/such/route").status_code),
    "routes.wrong_method_404": ({}, lambda api: api.get("chat/completions").status_code),
    "routes.wrong_method_500": ({}, lambda api: api.get("chat/completions").status_code),
    "models.model_unlisted": ({}, lambda api: [m["id"] for m in api.get("models").json()["data"]]),
    "auth.ignored": ({"api_key": KEY}, lambda api: api.get("models", auth=None).status_code),
    "auth.error_500": ({"api_key": KEY}, lambda api: api.get("models", auth="sk-wrong").status_code),
    "json.malformed_500": ({}, lambda api: api.post("chat/completions", content=b'{"model": ').status_code),
    "json.malformed_unrouted": ({}, lambda api: api.post("chat/completions", content=b'{"model": ').status_code),
    "server.dies_after_error": ({}, _dies_after_error),
    # errors
    **{f"errors.{n}": ({}, lambda api: error_shape(api.chat(temperature=5)))
       for n in ("detail_envelope", "string_envelope", "integer_code", "no_param", "plain_text",
                 "validation_500", "validation_200", "wrong_status")},
    # chat
    **{f"chat.{n}": ({}, lambda api: body_shape(api.body(n=2, logprobs=False)))
       for n in ("object_wrong", "created_float", "id_missing", "finish_reason_eos", "finish_reason_null",
                 "role_missing", "usage_missing", "usage_sum_wrong", "index_wrong", "no_logprobs_key",
                 "no_refusal_key", "function_call_null")},
    "chat.model_empty": ({}, lambda api: api.body()["model"]),
    "chat.system_role_rejected": ({}, _status(messages=[{"role": "system", "content": "Be brief."},
                                                        {"role": "user", "content": "Hi"}])),
    "chat.instructions_dropped": ({}, lambda api: api.body(messages=[{"role": "system", "content": "Be brief."},
                                                                    {"role": "user", "content": "Hi"}])["usage"]),
    "chat.prefill_dropped": ({}, lambda api: api.body(messages=[{"role": "user", "content": "Count."},
                                                              {"role": "assistant", "content": "One,"}])["usage"]),
    "chat.prefill_rejected": ({}, _status(messages=[{"role": "user", "content": "Count."},
                                                    {"role": "assistant", "content": "One,"}])),
    "chat.empty_content_500": ({}, _status(messages=[{"role": "user", "content": ""}])),
    "chat.long_prompt_500": ({}, _status(messages=[{"role": "user", "content": "word " * 400}])),
    "chat.non_ascii_500": ({}, _status(messages=[{"role": "user", "content": "Grüße, 你好"}])),
    "chat.developer_role_rejected": ({}, _status(messages=[{"role": "developer", "content": "Be brief."},
                                                           {"role": "user", "content": "Hi"}])),
    "chat.content_parts_rejected": ({}, _status(messages=[{"role": "user", "content": [{"type": "text",
                                                                                        "text": "Hi"}]}])),
    "chat.content_parts_dropped": ({}, lambda api: api.content(messages=[{"role": "user", "content": [
        {"type": "text", "text": "Count to three."}]}])),
    "chat.unknown_field_rejected": ({}, _status(some_vendor_extension=True)),
    "errors.shape_200": ({}, lambda api: (_status(messages=[{"role": "wizard", "content": "Hi"}])(api),
                                          api.post("chat/completions", {"messages": [
                                              {"role": "user", "content": "Hi"}]}).status_code)),
    "chat.multi_turn_ignored": ({}, _multi_turn),
    "chat.state_leaks": ({}, _leaks),
    # fields
    "fields.max_tokens_ignored": ({}, _limit(max_tokens=3)),
    "fields.max_tokens_off_by_one": ({}, _limit(max_tokens=3)),
    "fields.max_completion_tokens_ignored": ({}, _limit(max_completion_tokens=3)),
    "fields.finish_reason_stop_on_length": ({}, _limit(max_tokens=3)),
    "fields.stop_ignored": ({}, _stop),
    "fields.stop_included": ({}, _stop),
    "fields.stop_list_rejected": ({}, _stop),
    "fields.seed_ignored": ({}, _same_twice(temperature=1, seed=7)),
    "fields.temperature_ignored": ({}, lambda api: api.content(temperature=1.5, seed=1) == api.content()),
    "fields.temperature_zero_sampled": ({}, _same_twice(temperature=0)),
    "fields.top_p_ignored": ({}, lambda api: api.content(temperature=1, top_p=0.01) == api.content()),
    "fields.n_ignored": ({}, lambda api: len(api.body(n=2).get("choices", []))),
    "fields.n_rejected": ({}, lambda api: (api.chat(n=2).status_code, len(api.body(n=2).get("choices", [])))),
    "fields.penalties_ignored": ({}, lambda api: api.content(frequency_penalty=1.0, presence_penalty=1.0)
                                 == api.content()),
    "fields.logit_bias_ignored": ({}, lambda api: api.content(logit_bias={str(_THE): 100}).split().count("the")),
    **{f"fields.{f}_rejected": ({}, _status(**{f: "id-1234"})) for f in ("user", "safety_identifier", "prompt_cache_key")},
    # An invalid value: 400 where the field is read, 200 where it is dropped.
    **{f"fields.{f}_ignored": ({}, _status(**{f: bad})) for f, bad in INVALID.items()},
    "fields.n_capped": ({}, _status(n=4)),
    "fields.n_greedy_rejected": ({}, _status(n=2, temperature=0)),
    "tools.not_in_prompt": ({}, lambda api: api.body(tools=TOOLS)["usage"]["prompt_tokens"]),
    "tools.only_beside_system": ({}, lambda api: api.body(tools=TOOLS)["usage"]["prompt_tokens"]),
    "fields.usage_wrong_when_n_gt_1": ({}, lambda api: [_usage_adds_up(api.body(n=k)) for k in (1, 2)]),
    "fields.numeric_strings_accepted": ({}, _status(temperature="0.5")),
    # streaming
    **{f"stream.{n}": ({}, framing) for n in ("no_done", "data_after_done", "wrong_content_type",
                                               "no_space_after_data", "keepalive_comments", "crlf_frames",
                                               "broken_json")},
    **{f"stream.{n}": ({}, _chunks(stream_options={"include_usage": True}))
       for n in ("chunk_object_wrong", "id_changes", "created_changes", "no_role_first", "finish_reason_twice",
                 "content_after_finish", "finish_reason_missing", "usage_ignored", "usage_in_choices_chunk")},
    "stream.usage_always": ({}, _chunks()),
    "stream.buffered": ({}, _reads),
    "stream.created_ms": ({}, lambda api: stream_chunks(api)[0]["created"] < 10**11),
    "stream.options_without_stream_500": ({}, _status(stream=False, stream_options={"include_usage": True})),
    "stream.options_without_stream_ignored": ({}, _status(stream=False, stream_options={"include_usage": True})),
    "stream.n_ignored": ({}, _chunks(n=2)),
    "stream.n_choice_1_first": ({}, _chunks(n=2)),
    "stream.logprobs_missing": ({}, _chunks(**_LOGPROBS)),
    "stream.text_differs": ({}, _text_matches),
    "stream.error_as_text": ({}, _stream_error),
    **{f"stream.{n}": ({}, lambda api: streamed_tool_shape(api, **_REQUIRED))
       for n in ("tool_args_not_fragmented", "tool_call_no_index", "tool_call_id_missing", "tool_args_invalid_json")},
    # json mode
    "json.fenced": ({}, lambda api: json_kind(api.content(response_format={"type": "json_object"}))),
    "json.not_object": ({}, lambda api: json_kind(api.content(response_format={"type": "json_object"}))),
    "json.response_format_ignored": ({}, lambda api: json_kind(api.content(response_format={"type": "json_object"}))),
    # Without response_format, a prompt that asks for JSON gets JSON: the conformant fake answers it in words.
    "json.response_format_ignored_prompt_obeyed": ({}, lambda api: json_kind(api.content(
        messages=[{"role": "user", "content": 'Reply in JSON: the object {"answer": "yes"} and nothing else.'}]))),
    "json.object_not_enforced": ({}, lambda api: json_kind(api.content(
        messages=[{"role": "user", "content": "Write a short poem about the sea."}],
        response_format={"type": "json_object"}))),
    "json.schema_ignored": ({}, _schema_valid),
    "json.schema_cut_off_schema": ({}, lambda api: api.body(response_format=_SCHEMA_FORMAT)["choices"][0]["finish_reason"]),
    "json.invalid_format_accepted": ({}, _status(response_format={"type": "bogus"})),
    "json.schema_rejected": ({}, _status(response_format=_SCHEMA_FORMAT)),
    # tools
    **{f"tools.{n}": ({}, lambda api: tool_shape(api.body(**_REQUIRED)))
       for n in ("arguments_object", "arguments_invalid", "finish_reason_stop", "content_not_null", "id_missing",
                 "type_missing", "unknown_name", "required_ignored")},
    "tools.named_ignored": ({}, lambda api: tool_shape(api.body(
        tools=TOOLS, tool_choice={"type": "function", "function": {"name": "get_time"}}))),
    "tools.required_obeyed_only": ({}, lambda api: tool_shape(api.body(
        messages=[{"role": "user", "content": "Say hello."}], tools=TOOLS, tool_choice="required"))),
    "tools.parallel_ignored": ({}, lambda api: tool_shape(api.body(parallel_tool_calls=False, **_REQUIRED))),
    "tools.tool_role_rejected": ({}, _status(messages=TOOL_TURN, tools=TOOLS)),
    "tools.tool_result_dropped": ({}, lambda api: api.body(messages=TOOL_TURN, tools=TOOLS)["usage"]["prompt_tokens"]),
    "tools.unknown_choice_accepted": ({}, _status(tools=TOOLS, tool_choice={"type": "function",
                                                                             "function": {"name": "nope"}})),
    "tools.choice_without_tools_accepted": ({}, _status(tool_choice="required")),
    "tools.rejected": ({}, _status(tools=TOOLS)),
    "tools.required_500": ({}, _status(**_REQUIRED)),
    # logprobs
    **{f"logprobs.{n}": ({}, lambda api: logprob_shape(api.body(**_LOGPROBS)))
       for n in ("ignored", "legacy_shape", "positive", "top_count_wrong", "top_count_fewer", "tokens_mismatch")},
    "logprobs.unasked_alternatives": ({}, lambda api: logprob_shape(api.body(logprobs=True))),
    "logprobs.needs_top_logprobs": ({}, _status(logprobs=True)),
    "logprobs.present_when_off": ({}, lambda api: api.body()["choices"][0]["logprobs"] is None),
    "logprobs.rejected": ({}, _status(logprobs=True)),
    # vision
    "vision.rejected": ({}, _status(messages=[image_message(PNG_URL)])),
    "vision.corrupt_500": ({}, _status(messages=[image_message(CORRUPT_URL)])),
    "vision.corrupt_200": ({}, _status(messages=[image_message(CORRUPT_URL)])),
    "vision.detail_rejected": ({}, _status(messages=[image_message(PNG_URL, detail="low")])),
    "vision.url_as_text": ({}, lambda api: api.body(messages=[image_message(PNG_URL)])["usage"]["prompt_tokens"]),
    "vision.image_dropped": ({}, lambda api: api.body(messages=[image_message(PNG_URL)])["usage"]["prompt_tokens"]),
    "vision.detail_no_effect": ({}, lambda api: api.body(messages=[image_message(PNG_URL, detail="low")])["usage"]),
    "vision.detail_ignored": ({}, _status(messages=[image_message(PNG_URL, detail="zzz")])),
    # responses
    **RESPONSES_PROBES,
    # embeddings
    **EMBEDDING_PROBES,
    # speech and transcription
    **AUDIO_PROBES,
    # images
    **IMAGE_PROBES,
}
