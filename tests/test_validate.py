"""Schema validation tells what breaks clients from what they tolerate."""

from __future__ import annotations

import copy

from conformance import validate

RESPONSE = {
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi", "refusal": None},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}


def _check(mutate) -> validate.SchemaReport:  # type: ignore[no-untyped-def]
    body = copy.deepcopy(RESPONSE)
    mutate(body)
    return validate.check("CreateChatCompletionResponse", body)


def test_a_spec_response_is_clean() -> None:
    assert _check(lambda b: None) == validate.SchemaReport((), ())


def test_missing_logprobs_and_refusal_are_tolerated() -> None:
    r = _check(lambda b: (b["choices"][0].pop("logprobs"), b["choices"][0]["message"].pop("refusal")))
    assert not r.breaking and len(r.deviations) == 2


def test_null_for_an_optional_key_is_tolerated() -> None:
    r = _check(lambda b: b["choices"][0]["message"].update(annotations=None, function_call=None))
    assert not r.breaking
    assert all("null for an optional key" in d for d in r.deviations) and len(r.deviations) == 2


def test_null_for_a_required_key_breaks() -> None:
    r = _check(lambda b: b.update(id=None))
    assert any("$.id" in e for e in r.breaking)


def test_wrong_type_breaks() -> None:
    r = _check(lambda b: b["choices"][0]["message"].update(content=123))
    assert r.breaking and not r.deviations
