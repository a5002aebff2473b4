"""Self-tests of the request-field checks against the fake server: conformant, then one deviation at a time."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from conformance.checks.chat.fields import stop_words
from conformance.checks.chat.fields_effect import INVALID, NO_VISIBLE_EFFECT
from conformance.verdict import Skip
from tests.fake import FakeServer
from tests.helpers import not_passed, outcomes, run_checks

PATTERN = "fields.*"

# deviation -> the verdicts it must turn (other checks are free to change too).
CASES: dict[str, dict[str, str]] = {
    "fields.max_tokens_ignored": {"fields.max_tokens.limit": "ignored"},
    "fields.max_tokens_off_by_one": {"fields.max_tokens.limit": "fail"},
    "fields.max_completion_tokens_ignored": {"fields.max_completion_tokens.limit": "ignored"},
    "fields.finish_reason_stop_on_length": {"fields.max_tokens.limit": "fail",
                                             "fields.max_completion_tokens.limit": "fail"},
    "fields.stop_ignored": {"fields.stop.string": "ignored", "fields.stop.list": "ignored"},
    "fields.stop_included": {"fields.stop.string": "fail", "fields.stop.list": "fail"},
    "fields.stop_list_rejected": {"fields.stop.string": "pass", "fields.stop.list": "unsupported"},
    "fields.seed_ignored": {"fields.seed.repeatable": "ignored"},
    "fields.temperature_ignored": {"fields.temperature.high_varies": "ignored"},
    "fields.top_p_ignored": {"fields.top_p.collapses": "ignored"},
    "fields.n_ignored": {"fields.n.choices": "ignored", "fields.n.several": "ignored"},
    "fields.n_rejected": {"fields.n.choices": "unsupported", "fields.n.several": "unsupported"},
    "fields.n_capped": {"fields.n.choices": "pass", "fields.n.several": "unsupported"},
    # Several greedy samples are pointless and vLLM rejects them: the n checks sample at temperature 1.
    "fields.n_greedy_rejected": {"fields.n.choices": "pass", "fields.n.several": "pass"},
    "chat.index_wrong": {"fields.n.choices": "fail"},
    "fields.temperature_zero_sampled": {"fields.temperature.zero_repeatable": "ignored"},
    "fields.penalties_ignored": {"fields.frequency_penalty.effect": "ignored",
                                 "fields.presence_penalty.effect": "ignored"},
    "fields.logit_bias_ignored": {"fields.logit_bias.effect": "ignored"},
    **{f"fields.{f}_rejected": {f"fields.{f}.accepted": "unsupported"}
       for f in ("user", "safety_identifier", "prompt_cache_key")},
    # Nothing stored: metadata has nothing to travel with, but the server still validates it.
    "fields.store_ignored": {"fields.store.effect": "ignored", "fields.metadata.effect": "accepted"},
    **{f"fields.{f}_ignored": {f"fields.{f}.effect": "ignored"}
       for f in ("service_tier", "modalities", "prediction", "reasoning_effort", "verbosity",
                 "web_search_options")},
    # Stored without its metadata: the stored completion contradicts the request.
    "fields.metadata_ignored": {"fields.metadata.effect": "fail"},
    "tools.not_in_prompt": {"fields.functions.effect": "ignored"},
    "tools.named_ignored": {"fields.function_call.forced": "ignored"},
}


@pytest.fixture(scope="module")
def conformant() -> Iterator[str]:
    """A conformant fake server shared by the tests of this module."""
    with FakeServer() as srv:
        yield srv.base_url


def test_conformant_fake_passes_every_field_check(conformant: str) -> None:
    """On the conformant fake every request-field check passes, but those of no visible effect: accepted."""
    results = run_checks(conformant, PATTERN)
    assert len(results) >= 25
    assert {k: v for k, v in not_passed(results).items() if not k.endswith(".accepted")} == {}
    assert all(results[f"fields.{f}.accepted"].outcome.value == "accepted" for f in NO_VISIBLE_EFFECT)


def test_function_call_is_read_in_the_legacy_shape(conformant: str) -> None:
    """A named function_call is answered with message.function_call, and no tools-shape deviation is noted."""
    result = run_checks(conformant, "fields.function_call.forced")["fields.function_call.forced"]
    assert result.reason.startswith("called get_weather(")
    assert result.deviations == ()


def test_stop_list_names_its_cut_and_is_not_first(conformant: str) -> None:
    """The list form puts the biting stop string second, so a server reading stop[0] only is caught."""
    result = run_checks(conformant, "fields.stop.list")["fields.stop.list"]
    stop, cut = result.details["stop"], result.details["expected_cut"]
    assert isinstance(stop, list) and stop[1] == cut and stop[0] != cut
    assert cut not in result.details["text"]


def test_n_usage_counts_both_choices(conformant: str) -> None:
    """The conformant fake's usage sums both choices: no deviation is noted."""
    result = run_checks(conformant, "fields.n.choices")["fields.n.choices"]
    assert result.deviations == ()


def test_stop_list_keeps_a_word_between_its_two_strings() -> None:
    """Adjacent words ('the story') would make 'kept the first' and 'honoured only the second' look alike."""
    word, later = stop_words('I\'m glad you\'re enjoying the story of the "Lion\'s Roar')
    assert (word, later) == ("the", "Lion")


def test_a_kept_stop_string_is_named_as_such() -> None:
    """A server that keeps the stop string fails both stop checks for that reason, not for reading stop[0] only."""
    with FakeServer(deviations={"fields.stop_included"}) as srv:
        results = run_checks(srv.base_url, "fields.stop.*")
    assert all("includes the stop string" in r.reason for r in results.values()), {k: r.reason for k, r in results.items()}


@pytest.mark.parametrize("deviation", sorted(CASES))
def test_deviation_turns_its_verdict(deviation: str) -> None:
    """Each deviation of the fake gives the expected outcome on the check that covers it."""
    expected = CASES[deviation]
    with FakeServer(deviations={deviation}) as srv:
        got = outcomes(run_checks(srv.base_url, ",".join(expected)))
    assert {k: got[k] for k in expected} == expected


def test_a_short_unstopped_answer_is_not_judged() -> None:
    """Too few words leave no middle to cut at: the stop checks skip and say why."""
    with pytest.raises(Skip, match="too short to cut in the middle"):
        stop_words("Hello there!")


LEAKED = ("fields.stop.string", "fields.stop.list", "fields.temperature.zero_repeatable")


@pytest.mark.parametrize("check_id", LEAKED)
def test_an_answer_that_follows_the_request_before_is_not_blamed_on_the_field(check_id: str) -> None:
    """A prompt cache that leaks the previous request (llama-cpp-python) makes the first answer differ: the
    checks compare answers sent right after the same prompt, pass, and note the dependence."""
    with FakeServer(deviations={"chat.state_leaks"}) as srv:
        # The request before the check is an unrelated one, as in a real run.
        httpx.post(f"{srv.base_url}/chat/completions", timeout=10, json={
            "model": "fake-model", "temperature": 0, "max_tokens": 16,
            "messages": [{"role": "user", "content": "Tell me a story about a lion named Zorblax."}]})
        result = run_checks(srv.base_url, check_id)[check_id]
    assert result.outcome.value == "pass", result.reason
    assert any("depends on the request before it" in d for d in result.deviations), result.deviations
    if check_id.startswith("fields.stop"):
        assert result.details["stop"] != result.details["first_stop"] or result.details["first_text"] != result.details["text"]
        assert result.details["unstopped_text"] != result.details["first_unstopped_text"]
    else:
        first, second, third = result.details["answers"]
        assert first != second == third
        assert "requests 2 and 3" in result.reason


def test_temperature_zero_names_the_requests_it_compared(conformant: str) -> None:
    """The pass reason says the two answers were sent back to back, not that one came from the run cache."""
    result = run_checks(conformant, "fields.temperature.zero_repeatable")["fields.temperature.zero_repeatable"]
    assert result.reason.startswith("two requests sent back to back gave the same text")
    # Three back to back, shared with chat.requests.isolated, none of them the plain request cached earlier.
    assert len(result.evidence) == 3 and len({id(e) for e in result.evidence}) == 3


def test_isolation_and_temperature_zero_share_their_back_to_back_samples(conformant: str) -> None:
    """The three back-to-back answers are sent once per run, whichever of the two checks asks first."""
    results = run_checks(conformant, "chat.requests.isolated,fields.temperature.zero_repeatable")
    iso, zero = results["chat.requests.isolated"], results["fields.temperature.zero_repeatable"]
    assert [e.wire for e in zero.evidence] == [e.wire for e in iso.evidence[:3]]
    assert len(iso.evidence) == 5


def test_stop_judges_against_an_answer_that_contains_the_stop_string(conformant: str) -> None:
    """The stop string comes from the unstopped answer sent right before, which the reason quotes."""
    for check_id in ("fields.stop.string", "fields.stop.list"):
        result = run_checks(conformant, check_id)[check_id]
        word = result.details["stop"] if check_id.endswith("string") else result.details["expected_cut"]
        assert word in result.details["unstopped_text"] and word not in result.details["text"]
        assert result.details["unstopped_text"].startswith(result.details["text"].rstrip())
        assert "which the unstopped answer" in result.reason


EFFECT_IDS = [f"fields.{f}.effect" for f in INVALID]


def test_fields_that_take_every_invalid_value_at_once_are_judged_from_one_request() -> None:
    """A server dropping all of them takes all the invalid values in one request: each check reads that one."""
    with FakeServer(deviations={f"fields.{f}_ignored" for f in INVALID}) as srv:
        results = run_checks(srv.base_url, ",".join(EFFECT_IDS))
    assert {r.outcome.value for r in results.values()} == {"ignored"}, {k: r.reason for k, r in results.items()}
    assert len({r.evidence[-1].wire for r in results.values()}) == 1
    assert all("all taken: the field is not read" in r.reason for r in results.values())


def test_a_rejected_set_of_invalid_values_sends_the_field_alone() -> None:
    """Where the server reads some of the fields, the set is rejected and the field's own invalid value decides."""
    with FakeServer(deviations={"fields.service_tier_ignored"}) as srv:
        result = run_checks(srv.base_url, "fields.service_tier.effect")["fields.service_tier.effect"]
    assert result.outcome.value == "ignored" and "all taken" not in result.reason
    assert result.evidence[-1].request_body["service_tier"] == INVALID["service_tier"]
    assert result.evidence[-2].status == 400


def test_fields_of_no_visible_effect_share_one_request(conformant: str) -> None:
    """user, safety_identifier and prompt_cache_key go in one request; a rejection sends each alone."""
    ids = [f"fields.{f}.accepted" for f in NO_VISIBLE_EFFECT]
    results = run_checks(conformant, ",".join(ids))
    assert len({r.evidence[0].wire for r in results.values()}) == 1
    with FakeServer(deviations={"fields.user_rejected"}) as srv:
        got = outcomes(run_checks(srv.base_url, ",".join(ids)))
    assert got == {"fields.user.accepted": "unsupported", "fields.safety_identifier.accepted": "accepted",
                   "fields.prompt_cache_key.accepted": "accepted"}


def test_verbosity_low_cut_at_max_tokens_sends_no_high(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 'low' answer cut at max_tokens leaves no room for a longer 'high' one: no effect, one request fewer."""
    from conformance.checks.chat import fields_effect

    monkeypatch.setattr(fields_effect, "VERBOSE_TOKENS", 8)  # the fake's verbose answer is 12 tokens
    with FakeServer(deviations={"fields.verbosity_ignored"}) as srv:
        r = run_checks(srv.base_url, "fields.verbosity.effect")["fields.verbosity.effect"]
    assert r.outcome.value == "ignored" and "cut by max_tokens 8: high cannot be longer" in r.reason
    assert [e.request_body.get("verbosity") for e in r.evidence if e.request_body.get("max_tokens") == 8] == ["low"]
