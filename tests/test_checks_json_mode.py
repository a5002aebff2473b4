"""JSON mode and structured-output checks: all pass on the conformant fake, each deviation flips the right ones."""

from __future__ import annotations

import pytest

from conformance.model import CheckResult
from tests.fake import DEVIATIONS, FakeServer
from tests.helpers import not_passed, run_checks

PATTERN = "json.*"

# Deviation -> the checks it must turn from pass, with the outcome; every other JSON check still passes.
EXPECTED: dict[str, dict[str, str]] = {
    "json.fenced": {"json.object.parses": "fail", "json.schema.conforms": "fail"},
    "json.not_object": {"json.object.parses": "fail"},
    "json.schema_ignored": {"json.schema.conforms": "fail"},
    "json.response_format_ignored": {"json.object.parses": "ignored", "json.schema.conforms": "ignored"},
    "json.invalid_format_accepted": {"json.object.invalid_type": "fail"},
    "json.schema_rejected": {"json.schema.conforms": "unsupported"},
}


def _results(deviations: set[str]) -> dict[str, CheckResult]:
    with FakeServer(deviations=deviations) as srv:
        return run_checks(srv.base_url, PATTERN)


def test_every_json_check_passes_on_the_conformant_fake() -> None:
    """The conformant fake honours json_object and json_schema: nothing fails, nothing is a deviation."""
    results = _results(set())
    assert sorted(results) == ["json.object.invalid_type", "json.object.parses", "json.schema.conforms"]
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
