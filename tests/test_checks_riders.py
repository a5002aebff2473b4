"""Self-tests of the riders' request (conformance/checks/chat/riders.py): one request for three checks where
it is answered normally, each check's own request where it is not, and every check still able to fail."""

from __future__ import annotations

import pytest

from tests.fake import FakeServer
from tests.helpers import outcomes, run_checks

RIDERS = "chat.request.unknown_field,logprobs.request.off_is_null,stream.usage.without_stream"
# The conformant fake rejects stream_options without stream, as OpenAI does; llama.cpp ignores it.
TAKEN = "stream.options_without_stream_ignored"


def test_a_normal_answer_judges_all_three_from_one_request() -> None:
    """Where the riders' request is answered normally, the three checks pass on that one answer."""
    with FakeServer(deviations={TAKEN}) as srv:
        results = run_checks(srv.base_url, RIDERS)
    assert outcomes(results) == {k: "pass" for k in RIDERS.split(",")}
    riders = {r.evidence[-1].wire for r in results.values()}
    assert len(riders) == 1
    assert all("in one request with an unknown field" in r.reason for k, r in results.items()
               if k != "logprobs.request.off_is_null")


def test_a_rejected_riders_request_sends_each_field_alone() -> None:
    """The conformant fake rejects the riders' request: each check then judges its own field alone."""
    with FakeServer() as srv:
        results = run_checks(srv.base_url, RIDERS)
    assert outcomes(results) == {k: "pass" for k in RIDERS.split(",")}
    assert all(len(r.evidence) >= 2 for r in results.values())


# Deviation on top of TAKEN -> the verdicts it must give: a shared answer still fails the check it shows.
FLIPS: dict[str, dict[str, str]] = {
    "logprobs.present_when_off": {"logprobs.request.off_is_null": "fail", "chat.request.unknown_field": "pass"},
    "chat.unknown_field_rejected": {"chat.request.unknown_field": "unsupported",
                                    "logprobs.request.off_is_null": "pass", "stream.usage.without_stream": "pass"},
}


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_flips_its_check_through_the_shared_request(deviation: str) -> None:
    expected = FLIPS[deviation]
    with FakeServer(deviations={TAKEN, deviation}) as srv:
        got = outcomes(run_checks(srv.base_url, RIDERS))
    assert {k: got[k] for k in expected} == expected
