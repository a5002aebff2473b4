"""Self-tests of the input-validation checks against the fake server: conformant, then one deviation at a time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.checks.chat.validation import CASES, RANGE, SHAPE
from tests.fake import FakeServer
from tests.helpers import not_passed, outcomes, run_checks

PATTERN = "validation.*"
RANGE_IDS = [c.id for c in CASES if c.id.endswith((".out_of_range", ".negative"))]
TOGETHER_IDS = [c.id for c in CASES if c.together == RANGE]
SHAPE_IDS = [c.id for c in CASES if c.together == SHAPE]


@pytest.fixture(scope="module")
def conformant() -> Iterator[str]:
    """A conformant fake server shared by the tests of this module."""
    with FakeServer() as srv:
        yield srv.base_url


def test_conformant_fake_passes_every_validation_check(conformant: str) -> None:
    """On the conformant fake every validation check passes, with param named and no deviation."""
    results = run_checks(conformant, PATTERN)
    assert len(results) == len(CASES) + 2
    assert not_passed(results) == {}
    assert {k: r.deviations for k, r in results.items() if r.deviations} == {}


# Deviation -> the verdicts it must give on the checks that cover it (other checks are free to change too).
FLIPS: dict[str, dict[str, str]] = {
    "errors.validation_500": {i: "fail" for i in RANGE_IDS},
    "errors.validation_200": {i: "fail" for i in RANGE_IDS},
    "json.malformed_500": {"validation.body.malformed_json": "fail", "validation.temperature.out_of_range": "pass"},
    "server.dies_after_error": {"validation.server.survives": "fail"},
    "errors.shape_200": {i: "fail" for i in SHAPE_IDS},
    # An error body clients cannot read fails every rejection, the malformed body's too.
    "errors.detail_envelope": {**{c.id: "fail" for c in CASES}, "validation.body.malformed_json": "fail"},
}


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_turns_its_verdict(deviation: str) -> None:
    """Each deviation of the fake gives the expected outcome on the checks that cover it."""
    expected = FLIPS[deviation]
    with FakeServer(deviations={deviation}) as srv:
        got = outcomes(run_checks(srv.base_url, ",".join(expected)))
    assert {k: got[k] for k in expected} == expected


def test_missing_param_is_a_deviation_not_a_failure() -> None:
    """An error without param still passes, with the missing param noted."""
    with FakeServer(deviations={"errors.no_param"}) as srv:
        results = run_checks(srv.base_url, "validation.temperature.*,validation.messages.empty")
    for result in results.values():
        assert result.outcome.value == "pass"
        assert any("error.param" in d for d in result.deviations), result.deviations




# Each group of cases first sent in one request: its ids, the fake deviation that accepts the whole group with
# 200, and how the reason counts the others.
GROUPS = [
    pytest.param(TOGETHER_IDS, "errors.validation_200", "sent with 4 other out-of-range values", id="out-of-range"),
    pytest.param(SHAPE_IDS, "errors.shape_200", "sent with 1 other invalid value,", id="role-and-model"),
]


@pytest.mark.parametrize(("ids", "deviation", "others"), GROUPS)
def test_a_group_accepted_together_is_judged_from_one_request(ids: list[str], deviation: str, others: str) -> None:
    """A 200 to a group's values at once shows none is validated: one request judges them all."""
    with FakeServer(deviations={deviation}) as srv:
        results = run_checks(srv.base_url, ",".join(ids))
    assert {r.outcome.value for r in results.values()} == {"fail"}
    assert len({r.evidence[0].wire for r in results.values()}) == 1
    assert all(len(r.evidence) == 1 and others in r.reason for r in results.values())


@pytest.mark.parametrize(("ids", "deviation", "others"), GROUPS)
def test_a_rejected_group_is_judged_case_by_case(conformant: str, ids: list[str], deviation: str, others: str) -> None:
    """A rejection of the group names no culprit: each case is then sent alone and judged on its own answer."""
    results = run_checks(conformant, ",".join(ids))
    for result in results.values():
        assert result.outcome.value == "pass"
        assert len(result.evidence) == 2 and result.evidence[1].request_body != result.evidence[0].request_body
