"""Self-tests of the fake OpenAI-compatible server: conformant shapes, and that every deviation shows."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fake import DEVIATIONS, FakeServer, token_id
from tests.fake.probe_table import PROBES
from tests.fake.probes import (
    CORRUPT_URL, EXACT, MODEL, PNG_URL, PROMPT, SCHEMA, TOOL_TURN, TOOLS, Api, image_message, parse_frames,
    stream_chunks, streamed_text,
)
from tests.fake.schema_check import problems

ERROR_KEYS = {"message", "type", "param", "code"}
REQUIRED = {"tools": TOOLS, "tool_choice": "required"}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One client for the whole module: building an httpx client costs a tenth of a second."""
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


@pytest.fixture
def api(server: FakeServer, http: httpx.Client) -> Api:
    return Api(http, server.base_url)


def assert_envelope(resp: httpx.Response, status: int, param: str | None = None) -> dict[str, Any]:
    """An OpenAI error envelope with the given status (and param, when given)."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    err = resp.json()["error"]
    assert set(err) == ERROR_KEYS
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["type"], str)
    assert err["code"] is None or isinstance(err["code"], str)
    if param is not None:
        assert err["param"] == param, err
    return err


def words(text: str) -> list[str]:
    return text.split()


# --- models and routing ------------------------------------------------------------------------

def test_models_list(api: Api) -> None:
    body = api.get("models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["fake-model", "fake-embed"]
    for model in body["data"]:
        assert set(model) == {"id", "object", "created", "owned_by"}
        assert model["object"] == "model" and model["owned_by"] == "fake"
        assert isinstance(model["created"], int) and not isinstance(model["created"], bool)


def test_model_retrieve(api: Api) -> None:
    listed = {m["id"]: m for m in api.get("models").json()["data"]}
    for model_id, obj in listed.items():
        assert api.get(f"models/{model_id}").json() == obj
    err = assert_envelope(api.get("models/gpt-nope"), 404, "model")
    assert err["code"] == "model_not_found"


def test_unknown_route_and_wrong_method(api: Api) -> None:
    err = assert_envelope(api.get("no/such/thing"), 404)
    assert isinstance(err["code"], str)
    resp = api.get("chat/completions")
    assert_envelope(resp, 405)
    assert resp.headers["allow"] == "POST"
    assert api.post("models", {}).headers["allow"] == "GET"


def test_malformed_json(api: Api) -> None:
    assert_envelope(api.post("chat/completions", content=b'{"model": "fake-model",'), 400)
    assert_envelope(api.post("chat/completions", content=b""), 400)


def test_auth(http: httpx.Client) -> None:
    with FakeServer(api_key="sk-secret") as srv:
        api = Api(http, srv.base_url, "sk-secret")
        for auth in (None, "sk-wrong"):
            err = assert_envelope(api.get("models", auth=auth), 401)
            assert err["code"] == "invalid_api_key" and err["type"] == "invalid_request_error"
            assert_envelope(api.post("chat/completions", {"model": MODEL}, auth=auth), 401)
        assert api.get("models").status_code == 200
        assert api.chat().status_code == 200


def test_requests_are_recorded(http: httpx.Client) -> None:
    with FakeServer() as srv:
        api = Api(http, srv.base_url)
        api.get("models")
        api.post("chat/completions", content=b"{oops")
        api.chat(max_tokens=2)
        assert srv.requests[0] == ("GET", "/v1/models", None)
        assert srv.requests[1] == ("POST", "/v1/chat/completions", None)
        assert srv.requests[2][2]["max_tokens"] == 2


# --- request validation ------------------------------------------------------------------------

STRICT_BAD = {"type": "json_schema", "json_schema": {"name": "x", "strict": True,
                                                     "schema": {"type": "object", "properties": {"a": {}}}}}


@pytest.mark.parametrize(("fields", "param"), [
    ({"model": 5}, "model"),
    ({"messages": "hello"}, "messages"),
    ({"messages": []}, "messages"),
    ({"messages": [{"role": "user", "content": 123}]}, "messages[0].content"),
    ({"messages": [{"role": "wizard", "content": "hi"}]}, "messages[0].role"),
    ({"messages": [{"content": "hi"}]}, "messages[0].role"),
    ({"messages": [{"role": "system", "content": None}]}, "messages[0].content"),
    ({"messages": [{"role": "user", "content": [{"type": "audio"}]}]}, "messages[0].content[0].type"),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "x"}]}, "messages[1].tool_call_id"),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "x", "tool_call_id": "c"}]},
     "messages[1].role"),
    ({"messages": [image_message(CORRUPT_URL)]}, "messages"),
    ({"messages": [image_message(PNG_URL, detail="ultra")]}, "messages[0].content[1].image_url.detail"),
    ({"stream": "yes"}, "stream"),
    ({"temperature": 2.5}, "temperature"),
    ({"temperature": "hot"}, "temperature"),
    ({"top_p": 1.5}, "top_p"),
    ({"n": 0}, "n"),
    ({"n": 129}, "n"),
    ({"max_tokens": 0}, "max_tokens"),
    ({"max_completion_tokens": 0}, "max_completion_tokens"),
    ({"presence_penalty": 2.5}, "presence_penalty"),
    ({"frequency_penalty": -2.5}, "frequency_penalty"),
    ({"logit_bias": {"5": 101}}, "logit_bias"),
    ({"logit_bias": {"five": 1}}, "logit_bias"),
    ({"logprobs": "yes"}, "logprobs"),
    ({"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
    ({"top_logprobs": 2}, "top_logprobs"),
    ({"seed": 2**63}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"stop": 5}, "stop"),
    ({"stream_options": {"include_usage": True}}, "stream_options"),
    ({"response_format": {"type": "bogus"}}, "response_format.type"),
    ({"response_format": {"type": "json_schema", "json_schema": {"schema": SCHEMA}}},
     "response_format.json_schema.name"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}, "response_format.json_schema.schema"),
    ({"response_format": STRICT_BAD}, "response_format"),
    ({"tools": [{"type": "function", "function": {"name": "bad name!"}}]}, "tools[0].function.name"),
    ({"tools": []}, "tools"),
    ({"tool_choice": "auto"}, "tool_choice"),
    ({"tools": TOOLS, "tool_choice": "sometimes"}, "tool_choice"),
    ({"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "tool_choice"),
    ({"tools": TOOLS, "parallel_tool_calls": "yes"}, "parallel_tool_calls"),
    ({"user": 5}, "user"),
])
def test_validation_error(api: Api, fields: dict[str, Any], param: str) -> None:
    assert_envelope(api.chat(**fields), 400, param)


def test_unknown_or_non_chat_model(api: Api) -> None:
    for model in ("gpt-nope", "fake-embed"):
        assert assert_envelope(api.chat(model=model), 404, "model")["code"] == "model_not_found"


def test_accepted_fields_and_extras(api: Api) -> None:
    resp = api.chat(user="u1", metadata={"k": "v"}, store=False, service_tier="auto", seed=3, modalities=["text"],
                    prediction={"type": "content", "content": "x"}, reasoning_effort="low", verbosity="low",
                    safety_identifier="s", prompt_cache_key="p", web_search_options={}, vendor_extension={"a": 1},
                    messages=[{"role": "developer", "content": "Be brief."},
                              {"role": "user", "content": [{"type": "text", "text": "Hi"}], "name": "ann"}])
    assert resp.status_code == 200, resp.text


# --- chat completions --------------------------------------------------------------------------

def test_chat_shape(api: Api) -> None:
    body = api.body(max_tokens=16)
    assert set(body) == {"id", "object", "created", "model", "system_fingerprint", "choices", "usage"}
    assert re.fullmatch(r"chatcmpl-\w+", body["id"])
    assert body["object"] == "chat.completion" and body["model"] == MODEL
    assert isinstance(body["created"], int) and abs(body["created"] - time.time()) < 60
    assert body["system_fingerprint"] == "fp_fake"
    [choice] = body["choices"]
    assert set(choice) == {"index", "message", "logprobs", "finish_reason"}
    assert choice["index"] == 0 and choice["logprobs"] is None and choice["finish_reason"] == "stop"
    assert choice["message"] == {"role": "assistant", "content": choice["message"]["content"], "refusal": None}
    usage = body["usage"]
    assert usage["prompt_tokens"] == len(words(PROMPT))
    assert usage["completion_tokens"] == len(words(choice["message"]["content"])) == 12
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_temperature_zero_is_a_function_of_the_prompt(api: Api) -> None:
    first = api.content()
    assert api.content() == first
    assert api.content(messages=[{"role": "user", "content": "Something else."}]) != first
    text = words(first)
    assert text[:3] * 4 == text, "greedy output cycles a short phrase (so penalties can show)"
    body = api.body(n=3)
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]


def test_sampling_with_and_without_seed(api: Api) -> None:
    seeded = api.content(temperature=1, seed=7)
    assert api.content(temperature=1, seed=7) == seeded
    assert api.content(temperature=1, seed=8) != seeded
    assert api.content(temperature=1) != api.content(temperature=1)
    assert seeded != api.content()
    texts = [c["message"]["content"] for c in api.body(temperature=1, seed=7, n=2)["choices"]]
    assert texts[0] != texts[1]
    assert api.content(temperature=1, top_p=0.01) == api.content()


def test_penalties_and_logit_bias(api: Api) -> None:
    greedy = api.content()
    for fields in ({"frequency_penalty": 0.5}, {"presence_penalty": 0.5}, {"frequency_penalty": -0.5}):
        assert api.content(**fields) != greedy, fields
    assert set(words(api.content(logit_bias={str(token_id("the")): 100}))) == {"the"}
    banned = words(greedy)[0]
    assert banned not in words(api.content(logit_bias={str(token_id(banned)): -100}))


def test_max_tokens_and_stop(api: Api) -> None:
    for field in ("max_tokens", "max_completion_tokens"):
        body = api.body(**{field: 3})
        assert len(words(body["choices"][0]["message"]["content"])) == 3
        assert body["choices"][0]["finish_reason"] == "length" and body["usage"]["completion_tokens"] == 3
    assert api.body(max_tokens=100)["choices"][0]["finish_reason"] == "stop"
    exact = [{"role": "user", "content": EXACT}]
    assert api.content(messages=exact) == "one two three four"
    body = api.body(messages=exact, stop=["four", "three"])
    assert body["choices"][0]["message"]["content"] == "one two "
    assert body["choices"][0]["finish_reason"] == "stop"
    assert api.content(messages=exact, stop="wo") == "one t"
    assert api.content(messages=exact, stop=["absent"]) == "one two three four"


def test_logprobs(api: Api) -> None:
    body = api.body(logprobs=True, top_logprobs=3)
    choice = body["choices"][0]
    assert set(choice["logprobs"]) == {"content", "refusal"}
    entries = choice["logprobs"]["content"]
    assert "".join(e["token"] for e in entries) == choice["message"]["content"]
    for entry in entries:
        assert set(entry) == {"token", "logprob", "bytes", "top_logprobs"}
        assert entry["logprob"] <= 0 and entry["bytes"] == list(entry["token"].encode())
        assert len(entry["top_logprobs"]) == 3
        assert all(set(t) == {"token", "logprob", "bytes"} and t["logprob"] <= 0 for t in entry["top_logprobs"])
    assert api.body(logprobs=True)["choices"][0]["logprobs"]["content"][0]["top_logprobs"] == []


def test_json_modes(api: Api) -> None:
    assert isinstance(json.loads(api.content(response_format={"type": "json_object"})), dict)
    schema = {"type": "object", "additionalProperties": False, "required": ["name", "age", "tags", "kind", "home"],
              "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0, "maximum": 9},
                             "tags": {"type": "array", "items": {"type": "number"}},
                             "kind": {"enum": ["a", "b"]}, "home": {"$ref": "#/$defs/home"}},
              "$defs": {"home": {"type": "object", "additionalProperties": False, "required": ["ok"],
                                 "properties": {"ok": {"type": "boolean"}}}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "thing", "schema": schema, "strict": True}}
    content = api.content(response_format=fmt, max_tokens=64)
    assert not content.startswith("```") and problems(json.loads(content), schema) == []
    assert api.content(response_format=fmt, max_tokens=64) == content, "temperature 0 is deterministic"


def test_tool_calls(api: Api) -> None:
    body = api.body(**REQUIRED)
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    calls = choice["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert len({c["id"] for c in calls}) == 2
    for call, tool in zip(calls, TOOLS, strict=True):
        assert set(call) == {"id", "type", "function"} and call["type"] == "function" and call["id"].startswith("call_")
        assert problems(json.loads(call["function"]["arguments"]), tool["function"]["parameters"]) == []
    assert len(api.body(parallel_tool_calls=False, **REQUIRED)["choices"][0]["message"]["tool_calls"]) == 1
    named = api.body(tools=TOOLS, tool_choice={"type": "function", "function": {"name": "get_time"}})["choices"][0]
    assert [c["function"]["name"] for c in named["message"]["tool_calls"]] == ["get_time"]
    assert named["finish_reason"] == "stop"
    for fields in ({"tool_choice": "none"}, {}, {"messages": TOOL_TURN}):
        text = api.body(tools=TOOLS, **fields)["choices"][0]
        assert text["finish_reason"] == "stop" and isinstance(text["message"]["content"], str), fields
    auto = api.body(tools=TOOLS, messages=[{"role": "user", "content": "Use get_weather for Paris"}])["choices"][0]
    assert auto["finish_reason"] == "tool_calls"
    assert [c["function"]["name"] for c in auto["message"]["tool_calls"]] == ["get_weather"]


def test_deprecated_functions(api: Api) -> None:
    weather = TOOLS[0]["function"]
    ask = [{"role": "user", "content": "What is the weather in Paris?"}]
    forced = api.body(messages=ask, functions=[weather], function_call={"name": "get_weather"})["choices"][0]
    assert forced["finish_reason"] == "stop" and "tool_calls" not in forced["message"]
    call = forced["message"]["function_call"]
    assert call["name"] == "get_weather" and problems(json.loads(call["arguments"]), weather["parameters"]) == []
    auto = api.body(messages=[{"role": "user", "content": "use get_weather"}], functions=[weather])["choices"][0]
    assert auto["finish_reason"] == "function_call"
    chunks = stream_chunks(api, messages=ask, functions=[weather], function_call={"name": "get_weather"})
    deltas = [c["choices"][0]["delta"]["function_call"] for c in chunks if "function_call" in c["choices"][0]["delta"]]
    assert deltas[0] == {"name": "get_weather", "arguments": ""}
    assert "".join(d["arguments"] for d in deltas) == call["arguments"]
    assert_envelope(api.chat(functions=[weather], function_call={"name": "nope"}), 400, "function_call")
    assert_envelope(api.chat(function_call="auto"), 400, "function_call")


def test_images(api: Api) -> None:
    assert api.chat(messages=[image_message(PNG_URL, detail="high")]).status_code == 200
    jpeg = "data:image/jpeg;base64,/9j/4AAQSkZJRg=="
    assert api.chat(messages=[image_message(jpeg)]).status_code == 200
    assert_envelope(api.chat(messages=[image_message("data:image/png;base64,@@@")]), 400, "messages")


# --- streaming ---------------------------------------------------------------------------------

def test_stream_frames(api: Api) -> None:
    resp, text = api.stream(stream_options={"include_usage": True}, max_tokens=16)
    assert resp.status_code == 200 and resp.headers["content-type"] == "text/event-stream"
    frames = text.split("\n\n")
    assert frames[-1] == "" and frames[-2] == "data: [DONE]"
    assert all(f.startswith("data: ") and "\n" not in f for f in frames[:-1])
    chunks = [json.loads(f[6:]) for f in frames[:-2]]
    *choice_chunks, usage_chunk = chunks
    keys = {"id", "object", "created", "model", "system_fingerprint", "choices", "usage"}
    assert all(set(c) == keys and c["usage"] is None for c in choice_chunks)
    assert len({(c["id"], c["created"], c["model"], c["object"]) for c in chunks}) == 1
    assert chunks[0]["object"] == "chat.completion.chunk"
    deltas = [c["choices"][0] for c in choice_chunks]
    assert all(set(d) == {"index", "delta", "logprobs", "finish_reason"} for d in deltas)
    assert deltas[0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    assert all(set(d["delta"]) == {"content"} and d["finish_reason"] is None for d in deltas[1:-1])
    assert deltas[-1]["delta"] == {} and deltas[-1]["finish_reason"] == "stop"
    body = api.body(max_tokens=16)
    assert usage_chunk["choices"] == [] and usage_chunk["usage"] == body["usage"]
    assert streamed_text(chunks) == body["choices"][0]["message"]["content"]
    assert len(deltas) - 2 == body["usage"]["completion_tokens"]
    assert all("usage" not in c for c in stream_chunks(api))


def test_stream_matches_non_stream(api: Api) -> None:
    for fields in ({}, {"max_tokens": 5}, {"messages": [{"role": "user", "content": EXACT}], "stop": "three"},
                   {"temperature": 1, "seed": 3}, {"response_format": {"type": "json_object"}}):
        assert streamed_text(stream_chunks(api, **fields)) == api.content(**fields), fields
    chunks = stream_chunks(api, n=2, temperature=1, seed=5)
    body = api.body(n=2, temperature=1, seed=5)
    for i in (0, 1):
        assert streamed_text(chunks, i) == body["choices"][i]["message"]["content"]
        mine = [c["choices"][0] for c in chunks if c["choices"][0]["index"] == i]
        assert mine[0]["delta"]["role"] == "assistant" and mine[-1]["finish_reason"] == "stop"


def test_stream_is_incremental(server: FakeServer, http: httpx.Client) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}], "temperature": 0, "stream": True}
    reads = []
    with http.stream("POST", f"{server.base_url}/chat/completions", json=body) as resp:
        for piece in resp.iter_raw():
            reads.append((time.monotonic(), piece))
    assert len(reads) > 1
    assert reads[-1][0] > reads[0][0]
    assert b"".join(p for _, p in reads).endswith(b"data: [DONE]\n\n")


def test_stream_tool_calls(api: Api) -> None:
    chunks = stream_chunks(api, **REQUIRED)
    deltas = [t for c in chunks for t in c["choices"][0]["delta"].get("tool_calls", [])]
    expected = api.body(**REQUIRED)["choices"][0]["message"]["tool_calls"]
    for index, call in enumerate(expected):
        mine = [d for d in deltas if d["index"] == index]
        assert mine[0] == {"index": index, "id": call["id"], "type": "function",
                           "function": {"name": call["function"]["name"], "arguments": ""}}
        assert len(mine) >= 3 and all(set(d) == {"index", "function"} for d in mine[1:])
        assert "".join(d["function"]["arguments"] for d in mine) == call["function"]["arguments"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_stream_logprobs_and_errors(api: Api) -> None:
    chunks = stream_chunks(api, logprobs=True, top_logprobs=2)
    for chunk in chunks:
        choice = chunk["choices"][0]
        if choice["delta"].get("content"):
            [entry] = choice["logprobs"]["content"]
            assert entry["token"] == choice["delta"]["content"] and len(entry["top_logprobs"]) == 2
    resp, _ = api.stream(temperature=5)
    assert_envelope(resp, 400, "temperature")


# --- deviations --------------------------------------------------------------------------------

def test_unknown_deviation_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"no\.such"):
        FakeServer(deviations={"no.such"})
    assert FakeServer(deviations="stream.no_done").deviations == {"stream.no_done"}


def test_deviation_catalogue() -> None:
    areas = {name.split(".")[0] for name in DEVIATIONS}
    assert {"models", "routes", "auth", "json", "server", "errors", "chat", "fields", "stream", "tools",
            "logprobs", "vision", "responses"} <= areas
    assert all(re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", n) and d and "\n" not in d for n, d in DEVIATIONS.items())
    assert set(PROBES) == set(DEVIATIONS), "every deviation needs a probe in tests/fake/probe_table.py"


@pytest.fixture(scope="module")
def conformant(http: httpx.Client) -> Iterator[dict[str | None, Api]]:
    """Conformant servers, one per api_key setting the probes use."""
    with FakeServer() as plain, FakeServer(api_key="sk-fake-key") as keyed:
        yield {None: Api(http, plain.base_url), "sk-fake-key": Api(http, keyed.base_url, "sk-fake-key")}


@pytest.mark.parametrize("name", sorted(DEVIATIONS))
def test_deviation_is_observable(name: str, http: httpx.Client, conformant: dict[str | None, Api]) -> None:
    options, probe = PROBES[name]
    expected = probe(conformant[options.get("api_key")])
    with FakeServer(deviations={name}, **options) as srv:
        seen = probe(Api(http, srv.base_url, options.get("api_key")))
        assert srv.crashes == []
    assert seen != expected


@pytest.mark.parametrize("name", sorted(DEVIATIONS))
def test_deviation_smoke(name: str, http: httpx.Client) -> None:
    with FakeServer(deviations={name}) as srv:
        api = Api(http, srv.base_url)
        api.get("models")
        api.chat(max_tokens=4)
        assert api.get("models").status_code in (200, 503)  # dies_after_error may answer 503 once
        assert api.get("models").status_code == 200
        assert srv.crashes == []


def test_http_dies_after_error_once(http: httpx.Client) -> None:
    with FakeServer(deviations={"server.dies_after_error"}) as srv:
        api = Api(http, srv.base_url)
        assert api.chat(temperature=5).status_code == 400
        assert [api.get("models").status_code for _ in range(2)] == [503, 200]


@pytest.mark.parametrize(("name", "check"), [
    ("errors.detail_envelope", lambda r: r.json() == {"detail": r.json()["detail"]}),
    ("errors.string_envelope", lambda r: isinstance(r.json()["error"], str)),
    ("errors.integer_code", lambda r: r.json()["error"]["code"] == 400),
    ("errors.no_param", lambda r: r.json()["error"]["param"] is None),
    ("errors.plain_text", lambda r: r.headers["content-type"].startswith("text/plain")),
    ("errors.wrong_status", lambda r: r.status_code == 422 and r.json()["error"]["param"] == "temperature"),
    ("errors.validation_500", lambda r: r.status_code == 500),
    ("errors.validation_200", lambda r: r.status_code == 200),
])
def test_error_deviations(name: str, check: Any, http: httpx.Client) -> None:
    with FakeServer(deviations={name}) as srv:
        assert check(Api(http, srv.base_url).chat(temperature=5))


def test_legal_stream_variants_still_parse(http: httpx.Client) -> None:
    for name in ("stream.no_space_after_data", "stream.keepalive_comments", "stream.crlf_frames"):
        with FakeServer(deviations={name}) as srv:
            api = Api(http, srv.base_url)
            text = api.stream()[1]
            payloads = parse_frames(text)
            assert payloads[-1] == "[DONE]" and streamed_text(payloads[:-1]) == api.content(), name


def test_area_examples(http: httpx.Client) -> None:
    def with_dev(name: str) -> Api:
        srv = FakeServer(deviations={name}).start()
        servers.append(srv)
        return Api(http, srv.base_url)

    servers: list[FakeServer] = []
    try:
        assert with_dev("chat.finish_reason_eos").body()["choices"][0]["finish_reason"] == "eos"
        assert len(words(with_dev("fields.max_tokens_off_by_one").content(max_tokens=3))) == 4
        assert with_dev("json.fenced").content(response_format={"type": "json_object"}).startswith("```json\n")
        call = with_dev("tools.arguments_object").body(**REQUIRED)["choices"][0]["message"]["tool_calls"][0]
        assert isinstance(call["function"]["arguments"], dict)
        entries = with_dev("logprobs.positive").body(logprobs=True)["choices"][0]["logprobs"]["content"]
        assert entries[0]["logprob"] > 0
        assert with_dev("vision.rejected").chat(messages=[image_message(PNG_URL)]).status_code == 400
        assert not with_dev("stream.no_done").stream()[1].endswith("data: [DONE]\n\n")
    finally:
        for srv in servers:
            srv.stop()
