"""JSON mode and structured-output checks: all pass on the conformant fake, each deviation flips the right ones."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import ANY

import pytest

from conformance.checks.chat import json_mode
from conformance.context import CheckContext, Run
from conformance.http import Client
from conformance.model import CheckResult, Exchange
from conformance.registry import all_checks
from conformance.verdict import Verdict
from tests.fake import DEVIATIONS, FakeServer
from tests.helpers import not_passed, run_checks, target_for

PATTERN = "json.*"

# Deviation -> the checks it must turn from pass, with the outcome; every other JSON check still passes.
EXPECTED: dict[str, dict[str, str]] = {
    "json.fenced": {"json.object.parses": "fail", "json.object.enforced": "fail", "json.schema.conforms": "fail"},
    "json.not_object": {"json.object.parses": "fail", "json.object.enforced": "fail"},
    # Obeys a prompt that asks for JSON, answers a poem prompt in prose: only the probe can tell.
    "json.object_not_enforced": {"json.object.enforced": "ignored"},
    "json.schema_ignored": {"json.schema.conforms": "fail"},
    "json.schema_cut_off_schema": {"json.schema.conforms": "fail"},
    "json.response_format_ignored": {"json.object.parses": "ignored", "json.object.enforced": "ignored",
                                     "json.schema.conforms": "ignored"},
    # transformers serve: the field is dropped, the prompt alone gives JSON; a schema is not followed.
    "json.response_format_ignored_prompt_obeyed": {"json.object.parses": "ignored", "json.object.enforced": "ignored",
                                                   "json.schema.conforms": "fail"},
    "json.invalid_format_accepted": {"json.object.invalid_type": "fail"},
    "json.schema_rejected": {"json.schema.conforms": "unsupported"},
}


def _results(deviations: set[str]) -> dict[str, CheckResult]:
    with FakeServer(deviations=deviations) as srv:
        return run_checks(srv.base_url, PATTERN)


def test_every_json_check_passes_on_the_conformant_fake() -> None:
    """The conformant fake honours json_object and json_schema: nothing fails, nothing is a deviation."""
    results = _results(set())
    assert sorted(results) == ["json.object.enforced", "json.object.invalid_type", "json.object.parses",
                               "json.schema.conforms"]
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


def test_a_poem_prompt_in_prose_is_named_not_enforced() -> None:
    """json_object obeyed only when asked for JSON reads as accepted but not enforced, with the prose quoted."""
    result = _results({"json.object_not_enforced"})["json.object.enforced"]
    assert result.reason.startswith("json_object accepted but not enforced: a poem prompt answered in prose: ")
    assert result.details["text"][:1] not in "{["


def test_a_cut_object_still_shows_enforcement(monkeypatch: pytest.MonkeyPatch) -> None:
    """An object cut by max_tokens cannot parse, but began as JSON: enforcement is still what it shows."""
    monkeypatch.setattr(json_mode, "ENFORCE_TOKENS", 3)
    with FakeServer() as srv:
        spec = next(c.spec for c in all_checks() if c.spec.id == "json.object.enforced")
        run = Run(target_for(srv.base_url), Client(target_for(srv.base_url)))
        try:
            reason = json_mode.object_enforced(CheckContext(run, spec))
        finally:
            run.close()
    assert reason.startswith("a poem prompt was answered with a JSON object, cut by max_tokens: '{")


def test_json_from_the_prompt_alone_is_not_json_mode() -> None:
    """The same JSON without response_format and a poem in prose: ignored, with both pieces of evidence named."""
    result = _results({"json.response_format_ignored_prompt_obeyed"})["json.object.parses"]
    assert result.reason.startswith("json_object accepted but not enforced: the same request without "
                                    "response_format gets the same JSON, byte for byte ("), result.reason
    assert "a poem prompt with json_object is answered in prose" in result.reason
    assert json.loads(result.details["without_response_format"]) == {"answer": ANY}
    assert result.details["poem_with_json_object"][:1] not in "{["


def test_enforcement_is_the_evidence_on_the_conformant_fake() -> None:
    """A poem prompt answered with JSON shows the constraint: no request without response_format is needed."""
    result = _results(set())["json.object.parses"]
    assert "; json_object is enforced: a poem prompt with it was answered with JSON too: '{" in result.reason
    assert "without_response_format" not in result.details


def test_a_changed_answer_is_the_evidence_when_the_poem_is_prose() -> None:
    """Not enforced on a poem, but the JSON prompt without response_format gets prose: json_object made the JSON."""
    result = _results({"json.object_not_enforced"})["json.object.parses"]
    assert result.outcome.value == "pass"
    assert "; without response_format the same request gets " in result.reason
    assert not result.details["without_response_format"].lstrip().startswith("{")


class _Canned:
    """A context that answers each prompt (with or without response_format) from a table."""

    def __init__(self, answers: dict[tuple[str, bool], tuple[int, Any]]) -> None:
        self.answers, self.deviations, self.details = answers, [], {}

    def chat(self, **fields: Any) -> Exchange:
        status, body = self.answers[(fields["messages"][0]["content"], "response_format" in fields)]
        return Exchange("POST", "/v1/chat/completions", {}, fields, status, {"Content-Type": "application/json"},
                        body)

    expect_ok = CheckContext.expect_ok
    note = CheckContext.note


def _answer(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}]}


_OBJECT = json_mode.OBJECT_PROMPT[0]["content"]
_POEM = json_mode.PROSE_PROMPT[0]["content"]
# OpenAI's refusal of json_object when no message says JSON.
_REFUSAL = (400, {"error": {"message": "'messages' must contain the word 'json' in some form, to use "
                            "'response_format' of type 'json_object'.", "type": "invalid_request_error"}})


def test_a_refusal_without_the_word_json_shows_the_field_is_acted_on() -> None:
    """OpenAI refuses the poem probe and its JSON answer may not change without the field: the refusal is effect."""
    ctx = _Canned({(_OBJECT, True): (200, _answer('{"answer": "yes"}')), (_OBJECT, False): (200, _answer(
        '{"answer": "yes"}')), (_POEM, True): _REFUSAL})
    reason = json_mode.object_parses(ctx)  # type: ignore[arg-type]
    assert reason.startswith('a JSON object {"answer": "yes"}; the prompt alone gives JSON too, but the server acts '
                             "on json_object: a poem prompt with it is rejected with 400: 'messages' must contain"), reason


@pytest.mark.parametrize(("text", "outcome"), [
    ('```json\n{"answer": "yes"}\n```', "fail"), ('{"answer": "yes"', "fail"), ('["yes"]', "fail"),
    ("Yes, here it is: the answer is yes.", "ignored")])
def test_an_answer_that_is_not_a_json_object_still_does_not_pass(text: str, outcome: str) -> None:
    """Even where the poem probe shows enforcement, content that is not a bare JSON object is judged as before."""
    ctx = _Canned({(_OBJECT, True): (200, _answer(text)), (_POEM, True): (200, _answer('{"poem": "sea"}'))})
    with pytest.raises(Verdict) as caught:
        json_mode.object_parses(ctx)  # type: ignore[arg-type]
    assert caught.value.outcome.value == outcome, caught.value


def test_no_evidence_either_way_is_not_judged() -> None:
    """A poem probe that errors and the same JSON without the field: neither effect nor its absence is shown."""
    ctx = _Canned({(_OBJECT, True): (200, _answer('{"answer": "yes"}')), (_OBJECT, False): (200, _answer(
        '{"answer": "yes"}')), (_POEM, True): (500, {"error": {"message": "grammar failed"}})})
    with pytest.raises(Verdict) as caught:
        json_mode.object_parses(ctx)  # type: ignore[arg-type]
    assert caught.value.outcome.value == "skip"
    assert caught.value.reason.endswith("a poem prompt with json_object got 500: grammar failed"), caught.value
