"""Property checks offline: schema-driven generators, one-defect requests, judges and the curl reproducer."""

from __future__ import annotations

import importlib
import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import schemas
from conformance.context import PropertySettings
from conformance.model import Exchange, Target
from conformance.properties import badvalues, chat_judge, chat_requests, engine, fromschema
from conformance.properties.fromschema import Typed, field_schema
from conformance.properties.reproducer import curl
from conformance.properties.spec import Budget, Example, budget
from conformance.schemas import validator

REQUEST = "CreateChatCompletionRequest"
MANY = settings(max_examples=300, database=None, deadline=None, suppress_health_check=list(HealthCheck))
DEFAULT = budget(PropertySettings())
EXPLORE = budget(PropertySettings(explore=True), explore_seed=7)


def _bounds(name: str) -> tuple[Any, Any]:
    t = field_schema(REQUEST, name).types[0]
    return t.minimum, t.maximum


def test_bounds_come_from_the_schema_file() -> None:
    raw = json.dumps(schemas.schema(REQUEST))
    for name, (lo, hi) in {"temperature": (0, 2), "top_p": (0, 1), "n": (1, 128), "top_logprobs": (0, 20),
                           "frequency_penalty": (-2, 2), "presence_penalty": (-2, 2)}.items():
        assert _bounds(name) == (lo, hi), name
    assert '"maximum": 128' in raw  # n's bound really is the schema's, not a copy
    # allOf: the two parts that define top_logprobs disagree on null; both hold, so null is not valid.
    assert not field_schema(REQUEST, "top_logprobs").nullable
    assert field_schema(REQUEST, "temperature").nullable
    assert [t.type for t in field_schema(REQUEST, "stop").types] == ["string", "array", "null"]
    assert field_schema(REQUEST, "model").types[0].enum is None  # anyOf [string, enum]: any string


def test_exclusive_bounds_and_cheap_tightening() -> None:
    fs = fromschema.FieldSchema("x", (Typed("number", exclusive_minimum=0, maximum=1), Typed("null")))
    bad = [b.value for b in badvalues.out_of_range(fs)]
    assert bad[:2] == [2, 1.5] and 0 in bad  # the exclusive bound itself is out of range
    ints = fromschema.FieldSchema("k", (Typed("integer", exclusive_minimum=0, exclusive_maximum=5),))

    @MANY
    @given(fromschema.valid(ints))
    def inside(v: int) -> None:
        assert 1 <= v <= 4

    inside()
    tight = fromschema.cheap(field_schema(REQUEST, "n"), maximum=3, minimum=-50)
    assert (tight.types[0].minimum, tight.types[0].maximum) == (1, 3)  # never loosened


def test_a_chosen_field_never_takes_its_schema_default() -> None:
    @MANY
    @given(fromschema.valid(chat_requests.scalar("n"), defaults=False),
           fromschema.valid(chat_requests.scalar("logprobs"), defaults=False))
    def non_default(n: Any, logprobs: Any) -> None:
        assert n in (2, 3, None) and logprobs in (True, None)

    non_default()


@pytest.mark.parametrize("b", [DEFAULT, EXPLORE], ids=["default", "explore"])
def test_every_generated_valid_request_is_schema_valid(b: Budget) -> None:
    seen: set[str] = set()

    @MANY
    @given(chat_requests.valid_examples("m", b))
    def valid(ex: Example) -> None:
        errors = list(validator(REQUEST).iter_errors(ex.body))
        assert not errors, (ex.body, errors[0].message)
        limit = ex.body.get("max_tokens") or ex.body.get("max_completion_tokens")
        assert 1 <= limit <= 16 and ex.body.get("n") in (None, 2, 3)
        seen.update(k for k in ex.body if k not in ("model", "messages"))
        seen.add(ex.label.split(",")[0])

    valid()
    assert {"image conversation", "tool result conversation", "stream", "n", "tools", "logprobs"} <= seen


@pytest.mark.parametrize("b", [DEFAULT, EXPLORE], ids=["default", "explore"])
def test_every_invalid_request_breaks_the_schema_in_one_field(b: Budget) -> None:
    base = {"model": "m", "messages": chat_requests.fragments.CONVERSATIONS["user"], "max_tokens": 1}
    fields: set[str] = set()

    @MANY
    @given(chat_requests.invalid_examples("m", b))
    def invalid(ex: Example) -> None:
        assert list(validator(REQUEST).iter_errors(ex.body)), ex.body
        assert ex.field and ex.label.startswith(ex.field)
        changed = {k for k in {*base, *ex.body} if ex.body.get(k, "absent") != base.get(k, "absent")}
        allowed = {ex.field.split(".")[0].split("[")[0], "logprobs", "tools"}
        assert changed <= (allowed | set(chat_requests.SAFE_CONTEXT) if b.explore else allowed), ex.body
        fields.add(ex.field)

    invalid()
    assert {"temperature", "top_p", "n", "model", "messages", "messages[0].role", "tool_choice"} <= fields


def test_defects_cover_every_class_and_field() -> None:
    fields = {d.path for ds in chat_requests.DEFECTS.values() for d in ds}
    assert set(chat_requests.DEFECTS) == {"out of range", "wrong type", "missing required field",
                                          "unknown enum value", "malformed message"}
    assert {"temperature", "top_p", "n", "seed", "top_logprobs", "model", "messages", "messages[0].role"} <= fields
    top = next(d for d in chat_requests.DEFECTS["out of range"] if d.path == "top_logprobs")
    assert top.companions == {"logprobs": True}  # else a rejection could be about logprobs, not the range


def _ex(status: int, body: Any, raw: str | None = None, ctype: str = "application/json") -> Exchange:
    return Exchange("POST", "http://h/v1/chat/completions", {}, {}, status, {"content-type": ctype}, body, raw)


PLAIN = Example({"model": "m", "messages": [], "max_tokens": 1}, "plain request", plain=True)
WITH_N = Example({"model": "m", "messages": [], "max_tokens": 4, "n": 2}, "n")
ENVELOPE = {"error": {"message": "no", "type": "invalid_request_error"}}


def _answer(n: int, total_delta: int = 0) -> dict[str, Any]:
    choices = [{"index": i, "message": {"role": "assistant", "content": "hi", "refusal": None},
                "finish_reason": "stop", "logprobs": None} for i in range(n)]
    return {"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": choices,
            "usage": {"prompt_tokens": 3, "completion_tokens": n, "total_tokens": 3 + n + total_delta}}


def test_judge_valid_rejection_is_an_observation_except_for_the_plainest_request() -> None:
    assert chat_judge.judge_valid(WITH_N, _ex(400, ENVELOPE)).observation.startswith("rejected with 400")
    assert chat_judge.judge_valid(WITH_N, _ex(400, ENVELOPE)).failure is None
    plain = chat_judge.judge_valid(PLAIN, _ex(400, ENVELOPE))
    assert plain.failure and "plainest valid request was rejected with 400" in plain.failure
    assert chat_judge.judge_valid(WITH_N, _ex(500, ENVELOPE)).key == "server error"
    assert chat_judge.judge_valid(WITH_N, _ex(429, ENVELOPE)).harness


def test_judge_valid_invariants() -> None:
    assert chat_judge.judge_valid(WITH_N, _ex(200, _answer(2))).failure is None
    assert chat_judge.judge_valid(WITH_N, _ex(200, _answer(2, total_delta=1))).key == "usage sum"
    assert chat_judge.judge_valid(WITH_N, _ex(200, _answer(1))).observation == "n ignored: one choice for n=2"
    bad = _answer(2)
    bad["choices"][1]["finish_reason"] = "eos"
    assert chat_judge.judge_valid(WITH_N, _ex(200, bad)).failure


def test_judge_valid_stream_framing() -> None:
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]}
    streamed = Example({"model": "m", "messages": [], "max_tokens": 1, "stream": True}, "stream")
    good = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
    sse = "text/event-stream"
    assert chat_judge.judge_valid(streamed, _ex(200, None, good, sse)).failure is None
    no_done = chat_judge.judge_valid(streamed, _ex(200, None, good.replace("data: [DONE]\n\n", ""), sse))
    assert no_done.key == "no [DONE]" and no_done.severity.value == "violates-spec"
    cut = chat_judge.judge_valid(streamed, _ex(200, None, good[:-1], sse))
    assert cut.key == "framing" and cut.severity.value == "breaks-clients"


def test_judge_invalid() -> None:
    ex = Example({"model": "m"}, "temperature 3 (out of range: above the maximum 2)", field="temperature")
    assert chat_judge.judge_invalid(ex, _ex(400, ENVELOPE)).failure is None
    assert chat_judge.judge_invalid(ex, _ex(200, _answer(1))).key == "accepted temperature"
    assert chat_judge.judge_invalid(ex, _ex(500, "boom")).key == "server error temperature"
    assert chat_judge.judge_invalid(ex, _ex(400, {"detail": "no"})).key == "no envelope"


def test_curl_keeps_the_key_in_its_variable_and_round_trips_the_body() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "it's \"quoted\" $HOME"}], "stop": ["\n"]}
    t = Target("http://127.0.0.1:9/v1", "m", "t", api_key="sk-secret", api_key_env="MY_KEY")
    cmd = curl(t, "/chat/completions", body, stream=True)
    assert "sk-secret" not in cmd and '"Authorization: Bearer $MY_KEY"' in cmd
    words = shlex.split(cmd)
    assert words[:3] == ["curl", "-sS", "-N"] and json.loads(words[words.index("-d") + 1]) == body
    assert "Authorization" not in curl(Target("http://h/v1", "m", "t"), "/chat/completions", body)


def test_literals_in_local_source_never_reach_the_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Hypothesis draws literals found in local modules; recordings must not depend on what the code says.
    (tmp_path / "oai_prop_magic.py").write_text("MAGIC = 123456789\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("oai_prop_magic")
    drawn: list[int] = []

    @settings(max_examples=2000, database=None, derandomize=True)
    @given(st.integers(0, 10**9))
    def draw(x: int) -> None:
        drawn.append(x)

    with engine.own_source_ignored():
        draw()
    assert 123456789 not in drawn and len(drawn) > 1000
