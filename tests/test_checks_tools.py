"""Function-calling checks: all pass on the conformant fake, and each tool deviation flips the right ones."""

from __future__ import annotations

import re

import pytest

from conformance.checks.chat.tools import _no_call
from conformance.model import CheckResult
from tests.fake import DEVIATIONS, FakeServer
from tests.helpers import not_passed, run_checks

PATTERN = "tools.*"
GATE = "tools.required.tool_calls"
CALL_SHAPE = ("tools.required.tool_calls", "tools.required.enforced", "tools.named.call", "tools.parallel.disabled",
              "tools.parallel.enabled")
ARGUMENTS = ("tools.required.arguments", "tools.named.call", "tools.parallel.disabled", "tools.parallel.enabled")
# The checks that need a server that does call tools: they skip where forcing a call gives text. The
# tool_choice validation checks are not among them: an invalid choice taken with 200 is lax wherever it is.
AFTER_REQUIRED = ("tools.required.enforced", "tools.required.arguments", "tools.required.finish_reason",
                  "tools.none.text", "tools.auto.calls", "tools.parallel.disabled",
                  "tools.parallel.enabled", "tools.stream.index", "tools.stream.first_delta",
                  "tools.stream.arguments", "tools.stream.finish_reason")

# Deviation -> the checks it must turn from pass, with the outcome; every other tool check still passes.
EXPECTED: dict[str, dict[str, str]] = {
    "tools.arguments_object": dict.fromkeys(ARGUMENTS, "fail"),
    "tools.arguments_invalid": {**dict.fromkeys(ARGUMENTS, "fail"), "tools.stream.arguments": "fail"},
    "tools.finish_reason_stop": {"tools.required.finish_reason": "fail", "tools.stream.finish_reason": "fail"},
    "tools.content_not_null": {},  # text beside calls is a recorded deviation, see below
    "tools.id_missing": dict.fromkeys(CALL_SHAPE, "fail"),
    "tools.type_missing": dict.fromkeys(CALL_SHAPE, "fail"),
    "tools.unknown_name": {**dict.fromkeys(CALL_SHAPE, "fail"), "tools.stream.first_delta": "fail"},
    "tools.required_ignored": {"tools.required.tool_calls": "ignored", **dict.fromkeys(AFTER_REQUIRED, "skip")},
    # The gate's 500 is reported once; named choices and tool results still get judged on their own.
    "tools.required_500": {"tools.required.tool_calls": "fail", **dict.fromkeys(AFTER_REQUIRED, "skip")},
    "tools.named_ignored": {"tools.named.call": "ignored"},
    "tools.required_obeyed_only": {"tools.required.enforced": "ignored"},
    "tools.parallel_ignored": {"tools.parallel.disabled": "ignored"},
    "tools.tool_role_rejected": {"tools.result.round_trip": "unsupported"},
    "tools.tool_result_dropped": {"tools.result.round_trip": "ignored"},
    "tools.unknown_choice_accepted": {"tools.choice.unknown_name": "fail"},
    "tools.choice_without_tools_accepted": {"tools.choice.without_tools": "fail"},
    # The official SDK's stream helper raises TypeError on a tool-call delta without index: every check reading
    # that stream fails, not only the one about indexes.
    "stream.tool_call_no_index": dict.fromkeys(("tools.stream.index", "tools.stream.first_delta",
                                                "tools.stream.arguments", "tools.stream.finish_reason"), "fail"),
    "stream.tool_call_id_missing": {"tools.stream.first_delta": "fail"},
    "stream.tool_args_invalid_json": {"tools.stream.arguments": "fail"},
    "stream.tool_args_not_fragmented": {},  # whole arguments in one delta is legal
    "tools.not_in_prompt": {"tools.declared.reach_prompt": "ignored"},
    "tools.only_beside_system": {"tools.declared.reach_prompt": "ignored"},
}


def _results(deviations: set[str]) -> dict[str, CheckResult]:
    with FakeServer(deviations=deviations) as srv:
        return run_checks(srv.base_url, PATTERN)


def test_every_tool_check_passes_on_the_conformant_fake() -> None:
    """The conformant fake calls tools as OpenAI does: nothing fails, nothing is even a deviation."""
    results = _results(set())
    assert len(results) == 17
    assert not_passed(results) == {}
    assert {k: r.deviations for k, r in results.items() if r.deviations} == {}


def test_expected_deviations_exist() -> None:
    """A renamed deviation in the fake would make its case vacuous; a new tool deviation needs a case."""
    tool_devs = {d for d in DEVIATIONS if d.startswith(("tools.", "stream.tool_"))}
    assert set(EXPECTED) | {"tools.rejected"} == tool_devs


@pytest.mark.parametrize("deviation", sorted(EXPECTED))
def test_deviation_flips_the_right_checks(deviation: str) -> None:
    """Each deviation changes exactly the expected verdicts (legal variants change none)."""
    failing = not_passed(_results({deviation}))
    assert {k: v.split(":", 1)[0] for k, v in failing.items()} == EXPECTED[deviation], failing


def test_tools_rejected_is_unsupported_once_and_skips_the_rest() -> None:
    """A server without tools costs one request: the primary check is unsupported, the others skip saying why."""
    results = _results({"tools.rejected"})
    outcomes = {k: r.outcome.value for k, r in results.items()}
    assert outcomes.pop("tools.required.tool_calls") == "unsupported"
    assert outcomes.pop("tools.declared.reach_prompt") == "unsupported"
    assert set(outcomes.values()) == {"skip"}
    assert all("tools are not supported" in r.reason for k, r in results.items() if k in outcomes)
    assert {len(r.evidence) for k, r in results.items() if k != "tools.declared.reach_prompt"} == {1}
    # reach_prompt reads the forced request's rejection (the gate's, shared), then sends the tools alone: the
    # run sends the same two requests as when it sent the tools alone first.
    reach = results["tools.declared.reach_prompt"].evidence
    assert len(reach) == 2 and reach[0].wire == results["tools.required.tool_calls"].evidence[0].wire


def test_a_failing_gate_is_reported_once() -> None:
    """A 500 on tool_choice 'required' fails the gate only; the checks that need its calls skip, pointing at it."""
    results = _results({"tools.required_500"})
    assert results["tools.required.tool_calls"].reason.startswith("tools with tool_choice 'required': server error 500")
    skipped = {k: r.reason for k, r in results.items() if r.outcome.value == "skip"}
    assert set(skipped) == set(AFTER_REQUIRED)
    assert all("see tools.required.tool_calls" in reason for reason in skipped.values()), skipped
    assert not any("server error" in r.reason for k, r in results.items() if k not in skipped and k != GATE)


def test_text_beside_tool_calls_is_a_deviation() -> None:
    """OpenAI sends content null with calls; a string is tolerated by clients, so it is noted, not failed."""
    results = _results({"tools.content_not_null"})
    noted = {k for k, r in results.items() if any("content beside tool_calls" in d for d in r.deviations)}
    assert noted == {"tools.required.tool_calls", "tools.named.call"}


def test_auto_reports_the_models_choice() -> None:
    """tool_choice 'auto' samples three times and says how often the model called."""
    result = _results(set())["tools.auto.calls"]
    assert result.spec.model_dependent
    assert result.details == {"calls": 0, "samples": 3}
    assert len(result.evidence) == 4  # the shared forced request, then three fresh samples


@pytest.mark.parametrize(("text", "verdict"), [
    ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "The sea', "Skip"),
    ('{"name": "get_weather", "argu', "Skip"),
    ("The weather in Paris is mild.\n\nHere's how to format the weather data:\n\n```\n{\n  \"type\": \"", "Ignored"),
])
def test_a_cut_answer_excuses_no_call_only_when_it_began_as_a_call(text: str, verdict: str) -> None:
    """Prose cut by max_tokens is the choice ignored, even when it goes on to show JSON (llama-server)."""
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "length"}]}
    assert type(_no_call(body, "tool_choice 'required'")).__name__ == verdict


def test_lax_tool_choice_shows_where_forcing_is_ignored_too() -> None:
    """As llama-server: 'required' gives text and both invalid choices get 200: lax validation, not a skip."""
    results = _results({"tools.required_ignored", "tools.unknown_choice_accepted",
                        "tools.choice_without_tools_accepted"})
    for check_id in ("tools.choice.unknown_name", "tools.choice.without_tools"):
        result = results[check_id]
        assert (result.outcome.value, result.severity and result.severity.value) == ("fail", "lax-validation"), \
            result.reason
        assert "accepted with 200" in result.reason
        # The gate's cached 'required' request plus the invalid one: no request of their own beyond it.
        assert len(result.evidence) == 2


@pytest.mark.parametrize(("deviation", "said"), [
    ("tools.not_in_prompt", r"never reach the prompt: (\d+) prompt tokens with them, \1 without \(the tool_choice "
                            r"'required' request\); nor after a system message with tool_choice 'auto' \((\d+) "
                            r"prompt tokens with them, \2 without\)$"),
    ("tools.only_beside_system", r"^tools reach the prompt only with a system message and tool_choice given \(absent, "
                                 r"it means 'auto' by the spec\) \(after a system message with tool_choice 'auto' "
                                 r"\d+ prompt tokens with them, \d+ without; .*\); in the request judged, (\d+) "
                                 r"prompt tokens with them, \1 without"),
])
def test_tools_missing_from_a_user_turn_alone_are_tried_after_a_system_message(deviation: str, said: str) -> None:
    """chatml-function-calling writes tools into the system message: 'never' must hold with one too."""
    with FakeServer(deviations={deviation}) as srv:
        r = run_checks(srv.base_url, "tools.declared.reach_prompt")["tools.declared.reach_prompt"]
    assert r.outcome.value == "ignored" and re.search(said, r.reason), r.reason
    assert any(e.request_body["messages"][0]["role"] == "system" and e.request_body.get("tool_choice") == "auto"
               for e in r.evidence)
