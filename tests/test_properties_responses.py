"""Responses property checks on the fake: conformant by default, each catches its class of defect with a curl."""

from __future__ import annotations

import json
import shlex

import pytest

from conformance.model import CheckResult
from tests.fake import FakeServer
from tests.helpers import outcomes, run_checks

VALID, INVALID = "prop.responses.valid_requests", "prop.responses.invalid_requests"

# Deviation -> both properties' outcomes.
CATCHES: dict[str, dict[str, str]] = {
    "responses.invalid_accepted": {VALID: "pass", INVALID: "fail"},
    "responses.usage_sum_wrong": {VALID: "fail", INVALID: "pass"},
    "responses.required_keys_missing": {VALID: "fail", INVALID: "pass"},
    "responses.stream_no_sequence_number": {VALID: "fail", INVALID: "pass"},
    "responses.stream_no_in_progress": {VALID: "fail", INVALID: "pass"},
    # A clear 4xx on a valid but unsupported request is noted, not failed; the plainest request has none.
    "responses.typed_items_rejected": {VALID: "pass", INVALID: "pass"},
}


def _run(deviations: set[str]) -> dict[str, CheckResult]:
    with FakeServer(deviations=deviations) as srv:
        results = run_checks(srv.base_url, "prop.responses.*")
        assert srv.crashes == []
    return results


def test_both_properties_pass_on_the_conformant_fake() -> None:
    """Generated valid requests hold every invariant; generated defects are all rejected with the envelope."""
    res = _run(set())
    assert outcomes(res) == {VALID: "pass", INVALID: "pass"}, {k: r.reason for k, r in res.items()}
    assert res[VALID].details["property"]["requests"] >= 2  # the seeds at least


@pytest.mark.parametrize("deviation", sorted(CATCHES))
def test_each_property_catches_its_class_of_defect(deviation: str) -> None:
    """Each deviation is caught by the property it breaks, with a pasteable curl of the shrunk request."""
    res = _run({deviation})
    assert outcomes(res) == CATCHES[deviation], {k: r.reason for k, r in res.items()}
    for r in res.values():
        if r.outcome.value == "fail":
            rep = r.details["reproducer"]
            assert rep["curl"] in r.reason and "/responses" in rep["curl"]
            assert json.loads(shlex.split(rep["curl"])[-1]) == rep["request"]
