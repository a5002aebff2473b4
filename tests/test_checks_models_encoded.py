"""GET /models/{id} for ids holding `/` and `:`, against a fake that serves such a model."""

from __future__ import annotations

import pytest

from tests.fake import FakeServer
from tests.helpers import not_passed, outcomes, run_checks

MODEL = "fake-org/fake-model:q4"
PATTERN = "models.retrieve.*"


def _run(base_url: str) -> dict[str, str]:
    return outcomes(run_checks(base_url, PATTERN, model=MODEL))


def test_conformant_fake_retrieves_an_encoded_listed_id() -> None:
    with FakeServer(model=MODEL) as srv:
        results = run_checks(srv.base_url, PATTERN, model=MODEL)
    assert not_passed(results) == {}
    assert results["models.retrieve.encoded_listed"].reason == (
        "'fake-org/fake-model:q4' retrieved as GET /models/fake-org%2Ffake-model:q4")


def test_without_such_an_id_the_listed_check_skips() -> None:
    with FakeServer() as srv:
        result = run_checks(srv.base_url, "models.retrieve.encoded_listed")["models.retrieve.encoded_listed"]
    assert result.outcome.value == "skip" and "no listed id holds" in result.reason


FLIPS: dict[str, dict[str, str]] = {
    "models.encoded_id_undecoded": {"models.retrieve.encoded_listed": "fail"},
    "models.encoded_id_500": {"models.retrieve.encoded_listed": "fail", "models.retrieve.encoded_unknown": "fail"},
    # A 404 for a listed id that is not the unknown-route answer: the route exists and fails.
    "models.retrieve_404": {"models.retrieve.listed": "fail", "models.retrieve.encoded_listed": "fail"},
    "models.retrieve_unrouted": {c: "unsupported" for c in ("models.retrieve.listed", "models.retrieve.unknown",
                                                            "models.retrieve.encoded_listed",
                                                            "models.retrieve.encoded_unknown")},
}


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_flips_the_right_checks(deviation: str) -> None:
    expected = FLIPS[deviation]
    with FakeServer(model=MODEL, deviations={deviation}) as srv:
        got = _run(srv.base_url)
    assert {k: got[k] for k in expected} == expected
    assert {k: v for k, v in got.items() if k not in expected and v != "pass"} == {}
