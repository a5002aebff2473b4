"""Self-tests of the embeddings checks against the fake server: conformant, then one deviation at a time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.context import Run
from conformance.http import Client
from conformance.model import CheckResult, Target
from conformance.registry import all_checks, select
from conformance.runner import execute
from tests.fake import FakeServer
from tests.fake.app import EMBED_MODEL
from tests.helpers import not_passed, outcomes

PATTERN = "embeddings.*"


def run_embeddings(base_url: str, patterns: str = PATTERN, embedding_model: str | None = EMBED_MODEL,
                   model: str | None = "fake-model") -> dict[str, CheckResult]:
    """Run the matching checks with the fake's embedding model as --embedding-model."""
    target = Target(base_url=base_url, model=model, embedding_model=embedding_model, name="fake",
                    timeout_s=10.0)
    run = Run(target, Client(target))
    try:
        return {c.spec.id: execute(c, run) for c in select(all_checks(), patterns)}
    finally:
        run.close()


@pytest.fixture(scope="module")
def conformant() -> Iterator[str]:
    """A conformant fake server shared by the tests of this module."""
    with FakeServer() as srv:
        yield srv.base_url


def test_conformant_fake_passes_every_embeddings_check(conformant: str) -> None:
    results = run_embeddings(conformant)
    assert len(results) == 16
    # user has no effect a client can see: accepted, never supported (a 200 alone is not support).
    assert not_passed(results, ignore={"embeddings.user.accepted"}) == {}
    assert results["embeddings.user.accepted"].outcome.value == "accepted"
    assert {k: r.deviations for k, r in results.items() if r.deviations} == {}


def test_without_an_embedding_model_every_check_skips(conformant: str) -> None:
    results = run_embeddings(conformant, embedding_model=None)
    assert {r.outcome.value for r in results.values()} == {"skip"}
    assert {r.reason for r in results.values()} == {"no embedding model given (--embedding-model)"}
    assert all(not r.evidence for r in results.values())


def test_an_embeddings_only_run_retrieves_the_embedding_model(conformant: str) -> None:
    """Without --model, GET /models/{id} is judged on the embedding model."""
    results = run_embeddings(conformant, "models.retrieve.*,embeddings.response.shape", model=None)
    assert not_passed(results, ignore=["models.retrieve.encoded_listed"]) == {}
    assert results["models.retrieve.listed"].reason == f"{EMBED_MODEL!r} retrieved"


def test_reasons_name_what_was_seen(conformant: str) -> None:
    results = run_embeddings(conformant, "embeddings.dimensions,embeddings.encoding_format.base64")
    assert "dimensions=16: 16 floats" in results["embeddings.dimensions"].reason
    assert "32 float32 values" in results["embeddings.encoding_format.base64"].reason


ALL = [c.spec.id for c in select(all_checks(), PATTERN)]
NO_FLOATS = ("embeddings.input.empty_string", "embeddings.input.empty_list", "embeddings.encoding_format.invalid",
             "embeddings.usage", "embeddings.model.unknown")

# Deviation -> the checks it turns from pass, with the outcome; every other embeddings check still passes.
FLIPS: dict[str, dict[str, str]] = {
    "embeddings.not_served": {c: "unsupported" for c in ALL},
    # Every check that reads a float vector fails; the rejections and usage do not read one.
    "embeddings.per_token": {c: "fail" for c in ALL if c not in NO_FLOATS},
    "embeddings.nan": {c: "fail" for c in ALL if c not in NO_FLOATS},
    # The SDK judge reads every 2xx answer: a float request answered in base64 breaks the client in every check.
    "embeddings.base64_always": {c: "fail" for c in ALL},
    "embeddings.batch_reversed": {"embeddings.input.strings": "fail", "embeddings.input.token_lists": "fail"},
    "embeddings.tokens_500": {"embeddings.input.tokens": "fail", "embeddings.input.token_lists": "fail"},
    "embeddings.token_lists_joined": {"embeddings.input.token_lists": "fail"},
    "embeddings.length_varies": {"embeddings.vector.length": "fail", "embeddings.input.tokens": "fail",
                                 "embeddings.dimensions": "fail"},
    "embeddings.usage_first_only": {"embeddings.usage": "fail"},
    # Noise shows wherever two answers are compared closely.
    "embeddings.noisy": {c: "fail" for c in ("embeddings.vector.deterministic", "embeddings.encoding_format.float",
                                             "embeddings.encoding_format.base64", "embeddings.dimensions",
                                             "embeddings.user.accepted")},
    "embeddings.constant": {"embeddings.vector.distinct": "fail", "embeddings.input.strings": "fail",
                            "embeddings.input.token_lists": "fail"},
    "embeddings.float_rejected": {"embeddings.encoding_format.float": "unsupported"},
    "embeddings.base64_ignored": {"embeddings.encoding_format.base64": "ignored"},
    "embeddings.base64_big_endian": {"embeddings.encoding_format.base64": "fail"},
    "embeddings.dimensions_ignored": {"embeddings.dimensions": "ignored"},
    "embeddings.dimensions_not_renormalised": {"embeddings.dimensions": "fail"},
    "embeddings.dimensions_rejected": {"embeddings.dimensions": "unsupported"},
    "embeddings.empty_accepted": {"embeddings.input.empty_string": "fail", "embeddings.input.empty_list": "fail"},
    "embeddings.empty_list_500": {"embeddings.input.empty_list": "fail"},
    "embeddings.encoding_unchecked": {"embeddings.encoding_format.invalid": "fail"},
    "embeddings.any_model": {"embeddings.model.unknown": "fail"},
    "embeddings.user_rejected": {"embeddings.user.accepted": "unsupported"},
    "embeddings.validation_500": {c: "fail" for c in ("embeddings.input.empty_string", "embeddings.input.empty_list",
                                                      "embeddings.encoding_format.invalid")},
}


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_flips_the_right_checks(deviation: str) -> None:
    expected = FLIPS[deviation]
    with FakeServer(deviations={deviation}) as srv:
        got = outcomes(run_embeddings(srv.base_url))
    assert {k: got[k] for k in expected} == expected
    # The user check reads accepted on a conformant server (no effect a client can see).
    others = {k: v for k, v in got.items()
              if k not in expected and v != ("accepted" if k == "embeddings.user.accepted" else "pass")}
    assert others == {}, f"{deviation} also changed {others}"


@pytest.mark.parametrize(("deviation", "check", "severity", "words"), [
    ("embeddings.per_token", "embeddings.response.shape", "breaks-clients", "per-token vectors"),
    ("embeddings.empty_accepted", "embeddings.input.empty_string", "lax-validation", "accepted with 200"),
    ("embeddings.empty_list_500", "embeddings.input.empty_list", "violates-spec", "gave 500"),
    ("embeddings.dimensions_not_renormalised", "embeddings.dimensions", "violates-spec", "without renormalising"),
    ("embeddings.usage_first_only", "embeddings.usage", "violates-spec", "not counted"),
    ("embeddings.tokens_500", "embeddings.input.tokens", "breaks-clients", "server error 500"),
])
def test_severity_and_reason(deviation: str, check: str, severity: str, words: str) -> None:
    with FakeServer(deviations={deviation}) as srv:
        result = run_embeddings(srv.base_url, check)[check]
    assert result.severity is not None and result.severity.value == severity, result.reason
    assert words in result.reason

