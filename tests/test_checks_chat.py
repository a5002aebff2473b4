"""Chat response checks: all pass on the conformant fake; each deviation flips the right one."""

from __future__ import annotations

import pytest

from tests.fake import FakeServer
from tests.helpers import not_passed, outcomes, run_checks

CHAT = "chat.*"


def test_conformant_fake_passes_every_chat_check() -> None:
    with FakeServer() as srv:
        results = run_checks(srv.base_url, CHAT)
    assert not_passed(results) == {}
    assert all(not r.deviations for r in results.values()), {k: r.deviations for k, r in results.items() if r.deviations}


# Deviation -> the checks it turns from pass, with the outcome; every other chat check still passes.
FLIPS: dict[str, dict[str, str]] = {
    "chat.object_wrong": {"chat.response.object": "fail", "chat.response.schema": "fail"},
    "chat.created_float": {"chat.response.object": "fail", "chat.response.schema": "fail"},
    "chat.id_missing": {"chat.response.object": "fail", "chat.response.schema": "fail"},
    "chat.finish_reason_eos": {"chat.response.finish_reason": "fail", "chat.response.schema": "fail"},
    "chat.finish_reason_null": {"chat.response.finish_reason": "fail", "chat.response.schema": "fail"},
    "chat.role_missing": {"chat.response.choices": "fail", "chat.response.schema": "fail"},
    # Without usage nothing shows whether a trailing assistant turn reached the prompt.
    "chat.usage_missing": {"chat.response.usage": "fail", "chat.messages.prefill": "skip"},
    "chat.usage_sum_wrong": {"chat.response.usage": "fail"},
    "chat.developer_role_rejected": {"chat.messages.developer": "unsupported"},
    "chat.content_parts_rejected": {"chat.messages.content_parts": "unsupported"},
    "chat.unknown_field_rejected": {"chat.request.unknown_field": "unsupported"},
    # Only the last user turn is read: the system and developer turns before it are dropped too.
    "chat.multi_turn_ignored": {"chat.messages.multi_turn": "fail", "chat.messages.system": "ignored",
                                "chat.messages.developer": "ignored", "chat.messages.prefill": "ignored"},
    # The leak is isolation's finding: content parts compare each form sent right after itself, and pass.
    "chat.state_leaks": {"chat.requests.isolated": "fail", "chat.messages.content_parts": "pass"},
    "chat.content_parts_dropped": {"chat.messages.content_parts": "fail"},
    "chat.model_empty": {"chat.model.echo": "fail"},
    "errors.detail_envelope": {"chat.model.unknown": "fail"},
    "chat.system_role_rejected": {"chat.messages.system": "unsupported"},
    "chat.prefill_rejected": {"chat.messages.prefill": "unsupported"},
    "chat.prefill_dropped": {"chat.messages.prefill": "ignored"},
    "chat.instructions_dropped": {"chat.messages.system": "ignored", "chat.messages.developer": "ignored"},
}


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_flips_the_right_check(deviation: str) -> None:
    expected = FLIPS[deviation]
    with FakeServer(deviations={deviation}) as srv:
        got = outcomes(run_checks(srv.base_url, CHAT))
    assert {k: got[k] for k in expected} == expected
    others = {k: v for k, v in got.items() if k not in expected and v != "pass"}
    assert others == {}, f"{deviation} also changed {others}"


@pytest.mark.parametrize("deviation", ["chat.no_logprobs_key", "chat.no_refusal_key"])
def test_tolerated_spec_gaps_are_deviations_not_failures(deviation: str) -> None:
    with FakeServer(deviations={deviation}) as srv:
        results = run_checks(srv.base_url, "chat.response.schema")
    r = results["chat.response.schema"]
    assert r.outcome.value == "pass"
    key = deviation.split("_")[1]
    assert any(key in d for d in r.deviations), r.deviations


def test_system_and_developer_messages_are_judged_against_the_plain_request() -> None:
    """Each role is sent alone and compared with the plain request the chat checks share (sent once)."""
    with FakeServer() as srv:
        results = run_checks(srv.base_url, "chat.messages.system,chat.messages.developer,chat.response.object")
    assert {r.outcome.value for r in results.values()} == {"pass"}
    plain = {e.wire for e in results["chat.response.object"].evidence}
    for check_id in ("chat.messages.system", "chat.messages.developer"):
        r = results[check_id]
        assert len(r.evidence) == 2 and plain <= {e.wire for e in r.evidence}, r.evidence
        assert "prompt_tokens" in r.reason, r.reason
