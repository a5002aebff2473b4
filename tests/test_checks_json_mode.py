"""JSON mode and structured-output checks: all pass on the conformant fake, each deviation flips the right ones."""

from __future__ import annotations

import pytest

from conformance.checks.chat import json_mode
from conformance.context import CheckContext, Run
from conformance.http import Client
from conformance.model import CheckResult
from conformance.registry import all_checks
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
