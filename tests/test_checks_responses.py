"""Responses checks: all pass on the conformant fake, each deviation flips the right ones."""

from __future__ import annotations

import pytest

from conformance.checks.responses.state import UNKNOWN_ID
from conformance.model import CheckResult
from conformance.registry import all_checks
from tests.fake import DEVIATIONS, FakeServer
from tests.helpers import not_passed, run_checks

PATTERN = "responses.*"
ALL = [c.spec.id for c in all_checks() if c.spec.id.startswith("responses.")]

# Deviation -> the checks it must turn from pass, with the outcome; every other Responses check still passes.
STREAM_FAILS = {f"responses.stream.{c}": "fail" for c in ("content_type", "event_schema", "order", "sequence_number",
                                                                   "indexes", "text", "usage")}
EXPECTED: dict[str, dict[str, str]] = {
    "responses.object_wrong": {"responses.create.string_input": "fail", "responses.create.schema": "fail"},
    # Without incomplete_details, a cut answer cannot say why it is incomplete.
    "responses.required_keys_missing": {"responses.create.schema": "fail",
                                        "responses.max_output_tokens.incomplete": "fail"},
    "responses.typed_items_rejected": {"responses.create.message_items": "unsupported"},
    "responses.usage_sum_wrong": {"responses.usage.counts": "fail"},
    "responses.instructions_ignored": {"responses.instructions.effect": "ignored"},
    "responses.invalid_accepted": {"responses.validation.temperature_range": "fail"},
    # Not routed (llama-cpp-python): a 404 to temperature 5 is no validation, as it is no answer to anything else.
    "responses.not_served": {**{c: "unsupported" for c in ALL}, "responses.previous_response_id.unknown": "skip"},
    "responses.completed_when_cut": {"responses.max_output_tokens.incomplete": "fail"},
    "responses.max_output_tokens_ignored": {"responses.max_output_tokens.incomplete": "ignored"},
    # Greedy at every temperature: top_p has no variation left to collapse.
    "responses.temperature_ignored": {"responses.temperature.effect": "ignored", "responses.top_p.effect": "skip"},
    "responses.top_p_ignored": {"responses.top_p.effect": "ignored"},
    "responses.text_format_ignored": {"responses.text.json_object": "ignored", "responses.text.json_schema": "ignored"},
    "responses.json_schema_as_object": {"responses.text.json_schema": "fail"},
    # Cut before it closes, the JSON cannot parse; the key it already wrote outside the schema decides.
    "responses.json_schema_cut_off_schema": {"responses.text.json_schema": "fail"},
    # Clients json.loads() the output text as it comes: a fence breaks them, whatever is inside.
    "responses.json_fenced": {"responses.text.json_object": "fail", "responses.text.json_schema": "fail"},
    # The same cut answer inside an open fence reads the same as without it (llama-server-tools gives either).
    "responses.json_schema_fenced_cut_off_schema": {"responses.text.json_schema": "fail"},
    # The output of a call the client made up is still read: only the forced call is missing.
    "responses.tools_ignored": {"responses.tools.forced_call": "ignored", "responses.tools.in_prompt": "ignored"},
    "responses.call_output_rejected": {"responses.tools.call_output": "unsupported"},
    "responses.call_output_dropped": {"responses.tools.call_output": "ignored"},
    "responses.call_item_dropped": {"responses.tools.call_output": "fail"},
    # Refused even for the id it just returned (as llama-server): refusing an unknown id shows nothing.
    "responses.previous_response_id_rejected": {"responses.previous_response_id.continues": "unsupported",
                                                "responses.previous_response_id.unknown": "skip"},
    "responses.previous_response_id_ignored": {"responses.previous_response_id.continues": "ignored",
                                               "responses.previous_response_id.unknown": "fail"},
    # Nothing stored: the earlier turn is unknown too, which is how the conformant fake answers an unknown id.
    "responses.nothing_stored": {"responses.previous_response_id.continues": "unsupported",
                                 "responses.previous_response_id.unknown": "skip",
                                 "responses.store.retrieve": "ignored"},
    "responses.store_false_kept": {"responses.store.retrieve": "ignored"},
    "responses.stream_as_json": {**STREAM_FAILS, "responses.stream.content_type": "ignored"},
    "responses.stream_content_type": {"responses.stream.content_type": "fail"},
    "responses.stream_no_sequence_number": {"responses.stream.event_schema": "fail",
                                            "responses.stream.sequence_number": "fail"},
    "responses.stream_sequence_repeats": {"responses.stream.sequence_number": "fail"},
    # The official client's stream helper raises on the first content event: every stream check breaks clients.
    "responses.stream_no_indexes": STREAM_FAILS,
    "responses.stream_no_in_progress": {"responses.stream.order": "fail"},
    "responses.stream_delta_lost": {"responses.stream.text": "fail"},
    "responses.stream_no_usage": {"responses.stream.usage": "fail"},
    # The official SDK copes (its helper takes the final response from response.completed only): violates-spec.
    "responses.stream_completed_when_incomplete": {"responses.stream.order": "fail"},
    "responses.stream_created_wrong": {"responses.stream.event_schema": "fail"},
    # As transformers serve: every check that reads a plain Response fails (breaks clients), none errors.
    # The unknown id skips: with no first turn to refer to, refusing an unknown id shows nothing.
    "responses.always_streams": {**{f"responses.{c}": "fail" for c in (
        "create.string_input", "create.schema", "create.message_items", "usage.counts", "instructions.effect",
        "max_output_tokens.incomplete", "temperature.effect", "top_p.effect", "previous_response_id.continues",
        "store.retrieve", "text.json_object", "text.json_schema", "tools.forced_call", "tools.call_output",
        "tools.in_prompt")}, "responses.previous_response_id.unknown": "skip"},
}


def _results(deviations: set[str]) -> dict[str, CheckResult]:
    with FakeServer(deviations=deviations) as srv:
        results = run_checks(srv.base_url, PATTERN)
        assert srv.crashes == []
    return results


def test_every_responses_check_passes_on_the_conformant_fake() -> None:
    """The conformant fake serves /v1/responses as OpenAI does: nothing fails, nothing is a deviation."""
    results = _results(set())
    assert not_passed(results) == {}
    assert {k: r.deviations for k, r in results.items() if r.deviations} == {}


def test_expected_deviations_exist() -> None:
    """A renamed deviation in the fake would make its case vacuous."""
    assert set(EXPECTED) <= set(DEVIATIONS)


@pytest.mark.parametrize("deviation", sorted(EXPECTED))
def test_deviation_flips_the_right_checks(deviation: str) -> None:
    """Each deviation changes exactly the expected verdicts."""
    failing = not_passed(_results({deviation}))
    assert {k: v.split(":", 1)[0] for k, v in failing.items()} == EXPECTED[deviation], failing


def test_unknown_id_is_judged_only_where_a_known_id_is_taken() -> None:
    """A server refusing every previous_response_id (llama-server) does not pass for refusing an unknown one.

    The known-id request is the continues check's own: the pair costs no request beyond the unknown id's.
    """
    with FakeServer(deviations={"responses.previous_response_id_rejected"}) as srv:
        results = run_checks(srv.base_url, "responses.previous_response_id.*")
        ids = [b.get("previous_response_id") for m, p, b in srv.requests if p.endswith("/responses")]
    unknown = results["responses.previous_response_id.unknown"]
    assert unknown.outcome.value == "skip"
    assert "refuses even a known previous_response_id" in unknown.reason and "400" in unknown.reason
    assert UNKNOWN_ID not in ids  # nothing to learn from it, so it is not sent
    assert len([i for i in ids if i]) == 1  # the known id once, shared by both checks
    with FakeServer() as srv:
        results = run_checks(srv.base_url, "responses.previous_response_id.*")
        ids = [b.get("previous_response_id") for m, p, b in srv.requests if p.endswith("/responses")]
    assert results["responses.previous_response_id.unknown"].outcome.value == "pass"
    assert len(ids) == 4  # first turn, second turn alone, known id, unknown id


def test_generated_requests_to_an_endpoint_not_served_read_unsupported_as_every_other_responses_check() -> None:
    """A 404 for every generated request is a missing route (llama-cpp-python), not a rejection to judge."""
    with FakeServer(deviations={"responses.not_served"}) as srv:
        results = run_checks(srv.base_url, "prop.responses.*")
    assert {k: r.outcome.value for k, r in results.items()} == {
        "prop.responses.valid_requests": "unsupported", "prop.responses.invalid_requests": "unsupported"}
    assert all("/v1/responses is not served: all 1 generated request(s) got 404" in r.reason for r in results.values())
