"""Logprobs checks: all pass on the conformant fake; each logprobs deviation flips the right check."""

from __future__ import annotations

import pytest

from conformance.checks.chat.logprobs import agree
from tests.fake import FakeServer
from tests.helpers import not_passed, outcomes, run_checks

LOGPROBS = "logprobs.*"
DEPENDENT = ("logprobs.top_logprobs.count", "logprobs.request.no_unasked_alternatives", "logprobs.values.non_positive", "logprobs.tokens.match_content",
             "logprobs.stream.chunks")


def test_conformant_fake_passes_every_logprobs_check() -> None:
    with FakeServer() as srv:
        results = run_checks(srv.base_url, LOGPROBS)
    assert len(results) == 8
    assert not_passed(results) == {}
    assert all(not r.deviations for r in results.values()), {k: r.deviations for k, r in results.items() if r.deviations}


# Deviation -> the checks it turns from pass, with the outcome; every other logprobs check still passes.
FLIPS: dict[str, dict[str, str]] = {
    "logprobs.ignored": {"logprobs.response.shape": "ignored", "logprobs.request.without_top_logprobs": "ignored",
                         **{c: "skip" for c in DEPENDENT}},
    "logprobs.rejected": {"logprobs.response.shape": "unsupported",
                          "logprobs.request.without_top_logprobs": "unsupported", **{c: "skip" for c in DEPENDENT}},
    "logprobs.needs_top_logprobs": {"logprobs.request.without_top_logprobs": "fail",
                                    "logprobs.request.no_unasked_alternatives": "skip"},
    "logprobs.legacy_shape": {"logprobs.response.shape": "fail", **{c: "skip" for c in DEPENDENT}},
    "logprobs.positive": {"logprobs.values.non_positive": "fail"},
    "logprobs.top_count_wrong": {"logprobs.top_logprobs.count": "fail"},
    "logprobs.tokens_mismatch": {"logprobs.tokens.match_content": "fail"},
    "logprobs.unasked_alternatives": {"logprobs.request.no_unasked_alternatives": "fail"},
    "logprobs.present_when_off": {"logprobs.request.off_is_null": "fail"},
    "stream.logprobs_missing": {"logprobs.stream.chunks": "ignored"},
}


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_flips_the_right_check(deviation: str) -> None:
    expected = FLIPS[deviation]
    with FakeServer(deviations={deviation}) as srv:
        got = outcomes(run_checks(srv.base_url, LOGPROBS))
    assert {k: got[k] for k in expected} == expected
    others = {k: v for k, v in got.items() if k not in expected and v != "pass"}
    assert others == {}, f"{deviation} also changed {others}"


def test_fewer_alternatives_than_asked_is_allowed_and_noted() -> None:
    with FakeServer(deviations={"logprobs.top_count_fewer"}) as srv:
        r = run_checks(srv.base_url, "logprobs.top_logprobs.count")["logprobs.top_logprobs.count"]
    assert r.outcome.value == "pass" and "fewer on" in r.reason
    assert any("the spec allows fewer" in d for d in r.deviations)


def test_logprobs_when_not_asked_name_both_requests() -> None:
    """The spec says null when not asked; the failure names each request that got logprobs anyway."""
    with FakeServer(deviations={"logprobs.present_when_off"}) as srv:
        r = run_checks(srv.base_url, "logprobs.request.off_is_null")["logprobs.request.off_is_null"]
    assert (r.outcome.value, r.severity and r.severity.value) == ("fail", "violates-spec")
    assert "no logprobs field" in r.reason and "logprobs: false" in r.reason


def test_tokens_that_split_a_multibyte_character_agree_through_their_bytes() -> None:
    # "é" is two UTF-8 bytes; a byte-level tokenizer may emit them as two tokens whose text is mangled.
    content = [
        {"token": "caf", "bytes": list(b"caf")},
        {"token": "\\xc3", "bytes": [0xC3]},
        {"token": "\\xa9", "bytes": [0xA9]},
    ]
    assert agree(content, "café") is None
    assert agree(content, "cafe") is not None


def test_tokens_without_bytes_are_compared_as_text() -> None:
    content = [{"token": "Hel", "bytes": None}, {"token": "lo", "bytes": None}]
    assert agree(content, "Hello") is None
    assert "tokens spell 'Hello'" in (agree(content, "Hello!") or "")
