"""Generated embeddings requests against the fake: both properties pass when conformant, and a deviation breaks each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake import FakeServer
from tests.helpers import not_passed, outcomes
from tests.test_checks_embeddings import run_embeddings


@pytest.fixture(scope="module")
def conformant() -> Iterator[str]:
    """A conformant fake server shared by the tests of this module."""
    with FakeServer() as srv:
        yield srv.base_url


PROPERTIES = "prop.embeddings.*"
# Deviation -> the generated-request properties it breaks (the conformant fake passes both).
FLIPS: dict[str, dict[str, str]] = {
    "embeddings.per_token": {"prop.embeddings.valid_requests": "fail", "prop.embeddings.invalid_requests": "pass"},
    "embeddings.validation_500": {"prop.embeddings.valid_requests": "pass", "prop.embeddings.invalid_requests": "fail"},
}


def test_properties_pass_on_the_conformant_fake(conformant: str) -> None:
    results = run_embeddings(conformant, PROPERTIES)
    assert not_passed(results) == {}
    assert all(r.details["property"]["requests"] > 0 for r in results.values())


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_breaks_a_property(deviation: str) -> None:
    with FakeServer(deviations={deviation}) as srv:
        results = run_embeddings(srv.base_url, PROPERTIES)
    assert outcomes(results) == FLIPS[deviation]
    failed = [r for r in results.values() if r.outcome.value == "fail"]
    assert all("curl" in r.reason for r in failed)
