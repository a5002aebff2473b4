"""/v1/completions checks: all pass on the conformant fake; each deviation flips the right ones."""

from __future__ import annotations

import pytest

from tests.fake import FakeServer
from tests.helpers import not_passed, outcomes, run_checks

COMPLETIONS = "completions.*,prop.completions.*"


def test_conformant_fake_passes_every_completions_check() -> None:
    with FakeServer() as srv:
        results = run_checks(srv.base_url, COMPLETIONS)
        assert srv.crashes == []
    assert not_passed(results) == {}
    assert all(not r.deviations for r in results.values()), {k: r.deviations for k, r in results.items() if r.deviations}


# Deviation -> the checks it turns from pass, with the outcome; every other completions check still passes.
FLIPS: dict[str, dict[str, str]] = {
    "completions.batch_order_reversed": {
        "completions.prompt.strings": "fail",
        "completions.prompt.token_lists": "fail",
    },
    "completions.best_of_unchecked": {"completions.best_of.below_n": "fail"},
    "completions.echo_ignored": {"completions.echo.logprobs": "ignored", "completions.echo.prompt": "ignored"},
    "completions.greedy_random": {
        "completions.stop.honoured": "skip",
        "completions.stream.matches": "fail",
        "completions.temperature.zero_repeatable": "ignored",
    },
    "completions.index_from_one": {
        "completions.n.choices": "fail",
        "completions.prompt.strings": "fail",
        "completions.prompt.token_lists": "fail",
        "completions.response.choices": "fail",
        "prop.completions.valid_requests": "fail",
    },
    "completions.logprobs_chat_shape": {
        "completions.echo.logprobs": "fail",
        "completions.logprobs.legacy_shape": "fail",
        "completions.logprobs.top_logprobs": "fail",
    },
    "completions.logprobs_ignored": {
        "completions.echo.logprobs": "ignored",
        "completions.logprobs.legacy_shape": "ignored",
        "completions.logprobs.top_logprobs": "ignored",
    },
    "completions.max_tokens_ignored": {
        "completions.best_of.candidates": "accepted",
        "completions.max_tokens.length": "ignored",
        "completions.usage.every_choice": "skip",
    },
    "completions.missing_prompt_500": {
        "completions.prompt.missing": "fail",
        "prop.completions.invalid_requests": "fail",
    },
    "completions.n_ignored": {"completions.n.choices": "ignored", "completions.usage.every_choice": "skip"},
    "completions.object_wrong": {
        "completions.response.object": "fail",
        "completions.response.schema": "fail",
        "prop.completions.valid_requests": "fail",
    },
    "completions.seed_ignored": {"completions.seed.repeatable": "ignored"},
    "completions.stop_ignored": {"completions.stop.honoured": "ignored"},
    "completions.stream_no_done": {"completions.stream.chunks": "fail", "prop.completions.valid_requests": "fail"},
    "completions.stream_null_chunk": {"completions.stream.batch": "fail", "prop.completions.valid_requests": "fail"},
    "completions.stream_object_chat": {"completions.stream.chunks": "fail", "prop.completions.valid_requests": "fail"},
    "completions.stream_text_differs": {"completions.stream.matches": "fail"},
    "completions.stream_usage_on_content": {"completions.stream.include_usage": "fail"},
    "completions.stream_usage_unasked": {
        "completions.stream.usage_absent_by_default": "fail",
        "prop.completions.valid_requests": "fail",
    },
    "completions.suffix_ignored": {"completions.suffix.reaches_prompt": "ignored"},
    "completions.suffix_appended": {"completions.suffix.reaches_prompt": "fail"},
    # Stopped on the word and kept it: honoured wrongly, as chat's fields.stop.string reads it.
    "completions.stop_included": {"completions.stop.honoured": "fail"},
    "completions.temperature_ignored": {
        "completions.seed.repeatable": "skip",
        "completions.temperature.high_varies": "ignored",
    },
    "completions.token_ids_as_prompts": {
        "completions.prompt.tokens": "fail",
        "prop.completions.valid_requests": "fail",
    },
    "completions.token_prompts_rejected": {
        "completions.prompt.token_lists": "unsupported",
        "completions.prompt.tokens": "unsupported",
    },
    "completions.unknown_model_200": {"completions.model.unknown": "ignored"},
    "completions.usage_one_choice": {
        "completions.best_of.candidates": "accepted",
        "completions.usage.every_choice": "fail",
    },
    "completions.usage_sum_wrong": {
        "completions.response.usage": "fail",
        "completions.stream.include_usage": "fail",
        "prop.completions.valid_requests": "fail",
    },
    "completions.validation_off": {"prop.completions.invalid_requests": "fail"},
    "completions.batch_first_only": {
        "completions.prompt.strings": "fail",
        "completions.prompt.token_lists": "fail",
        "completions.stream.batch": "fail",
        "prop.completions.valid_requests": "fail",
    },
}


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_flips_the_right_check(deviation: str) -> None:
    expected = FLIPS[deviation]
    with FakeServer(deviations={deviation}) as srv:
        got = outcomes(run_checks(srv.base_url, COMPLETIONS))
        assert srv.crashes == []
    assert {k: got[k] for k in expected} == expected
    others = {k: v for k, v in got.items() if k not in expected and v != "pass"}
    assert others == {}, f"{deviation} also changed {others}"


def test_sdk_judge_reads_completions_streams() -> None:
    """A `data: null` chunk is what the openai client yields as None: the judge says so on the check."""
    with FakeServer(deviations={"completions.stream_null_chunk"}) as srv:
        result = run_checks(srv.base_url, "completions.stream.batch")["completions.stream.batch"]
    found = result.details["openai_sdk"]["failures"][0]
    assert found["call"] == "completions.create(stream=True)"
    assert "without choices" in found["problem"]


def test_sdk_judge_agrees_on_a_conformant_completion() -> None:
    with FakeServer() as srv:
        results = run_checks(srv.base_url, "completions.response.schema,completions.stream.chunks")
    assert all("openai_sdk" not in r.details for r in results.values()), {k: r.details for k, r in results.items()}


def test_cost_is_counted_per_endpoint() -> None:
    """results.json's usage says what each endpoint cost, beside the run's totals."""
    from conformance.http import Client
    from tests.helpers import target_for

    with FakeServer() as srv:
        client = Client(target_for(srv.base_url))
        client.send("POST", "/completions", json_body={"model": "fake-model", "prompt": "Hi", "max_tokens": 3})
        client.send("GET", "/models/fake-model")
        client.close()
    usage = client.usage.to_json()
    assert usage["requests"] == 2
    assert usage["endpoints"]["/v1/completions"] == {"requests": 1, "prompt_tokens": 1, "completion_tokens": 3,
                                                     "total_tokens": 4, "responses_without_usage": 0}
    assert usage["endpoints"]["/v1/models"]["responses_without_usage"] == 1
