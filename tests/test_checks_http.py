"""Models, routing, auth, robustness and error-envelope checks against the fake server."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks.http.errors import envelope_problems
from conformance.model import Target
from conformance.context import CheckContext, Run
from conformance.http import REDACTED, Client
from conformance.model import Exchange
from conformance.registry import all_checks
from conformance.runner import execute
from tests.fake import FakeServer
from tests.fake.endpoints.audio import SPEECH_MODEL
from tests.helpers import not_passed, outcomes, run_checks, target_for

# Ids holding `/` and `:` have their own self-test (test_checks_models_encoded.py): the default fake lists none.
AREA = "models.list.*,models.retrieve.listed,models.retrieve.unknown,http.*,errors.*"
KEY = "sk-test"
AUTH = ("http.auth.missing_token", "http.auth.wrong_token")
ERRORS = ("errors.envelope.invalid_param", "errors.envelope.unknown_model", "errors.envelope.unknown_route",
          "errors.envelope.malformed_json")


def test_conformant_fake_with_a_key_passes_every_check() -> None:
    with FakeServer(api_key=KEY) as srv:
        results = run_checks(srv.base_url, AREA, api_key=KEY)
    assert len(results) == 15
    assert not_passed(results) == {}
    assert all(not r.deviations for r in results.values()), {k: r.deviations for k, r in results.items() if r.deviations}


def test_auth_checks_skip_without_a_key() -> None:
    with FakeServer() as srv:
        got = run_checks(srv.base_url, "http.auth.*")
    assert {k: r.outcome.value for k, r in got.items()} == {k: "skip" for k in AUTH}
    assert all("no API key configured" in r.reason for r in got.values())


def test_the_wrong_token_never_reaches_the_evidence() -> None:
    with FakeServer(api_key=KEY) as srv:
        r = run_checks(srv.base_url, "http.auth.wrong_token", api_key=KEY)["http.auth.wrong_token"]
    assert r.outcome.value == "pass"
    assert r.evidence[0].request_headers["Authorization"] == REDACTED
    assert "wrong-key" not in str(r.to_json()) and KEY not in str(r.to_json())


# Deviation -> the checks it turns from pass, with the outcome; every other check of the area still passes.
FLIPS: dict[str, dict[str, str]] = {
    "models.bad_shape": {"models.list.schema": "fail", "models.retrieve.listed": "fail"},
    "models.retrieve_404": {"models.retrieve.listed": "fail"},
    "routes.unknown_200": {"http.routing.unknown_route": "fail", "errors.envelope.unknown_route": "skip"},
    "auth.ignored": {c: "fail" for c in AUTH},
    "auth.error_500": {c: "fail" for c in AUTH},
    "errors.detail_envelope": {c: "fail" for c in (*ERRORS, "models.retrieve.unknown")},
    "errors.string_envelope": {c: "fail" for c in (*ERRORS, "models.retrieve.unknown")},
    "errors.integer_code": {c: "fail" for c in ERRORS},
    "errors.plain_text": {c: "fail" for c in (*ERRORS, "models.retrieve.unknown")},
    "json.malformed_500": {"errors.envelope.malformed_json": "fail"},
    "models.model_unlisted": {"models.list.contains_model": "fail"},
    "routes.wrong_method_500": {"http.routing.wrong_method": "fail"},
    "chat.empty_content_500": {"http.robustness.empty_content": "fail"},
    "chat.long_prompt_500": {"http.robustness.long_prompt": "fail"},
    "chat.non_ascii_500": {"http.robustness.unicode": "fail"},
}


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_flips_the_right_check(deviation: str) -> None:
    expected = FLIPS[deviation]
    with FakeServer(deviations={deviation}, api_key=KEY) as srv:
        got = outcomes(run_checks(srv.base_url, AREA, api_key=KEY))
    assert {k: got[k] for k in expected} == expected
    others = {k: v for k, v in got.items() if k not in expected and v != "pass"}
    assert others == {}, f"{deviation} also changed {others}"


@pytest.mark.parametrize(
    ("deviation", "check", "severity"),
    [
        ("chat.empty_content_500", "http.robustness.empty_content", "breaks-clients"),  # a valid request crashes
        ("chat.long_prompt_500", "http.robustness.long_prompt", "breaks-clients"),
        ("chat.non_ascii_500", "http.robustness.unicode", "breaks-clients"),
        ("routes.wrong_method_500", "http.routing.wrong_method", "violates-spec"),  # no client sends GET there
        ("models.model_unlisted", "models.list.contains_model", "violates-spec"),  # requests work; pickers miss it
    ],
)
def test_failure_severity(deviation: str, check: str, severity: str) -> None:
    with FakeServer(deviations={deviation}) as srv:
        r = run_checks(srv.base_url, check)[check]
    assert (r.outcome.value, r.severity and r.severity.value) == ("fail", severity), r.reason


@pytest.mark.parametrize(
    ("deviation", "check", "note"),
    [
        ("routes.wrong_method_404", "http.routing.wrong_method", "answered with 404, not 405"),
        ("errors.wrong_status", "errors.envelope.invalid_param", "FastAPI-style 422"),
        ("errors.wrong_status", "errors.envelope.malformed_json", "FastAPI-style 422"),
    ],
)
def test_tolerated_deviations_pass_with_a_note(deviation: str, check: str, note: str) -> None:
    with FakeServer(deviations={deviation}) as srv:
        r = run_checks(srv.base_url, check)[check]
    assert r.outcome.value == "pass", r.reason
    assert any(note in d for d in r.deviations), r.deviations


def test_a_null_param_is_conformant() -> None:
    with FakeServer(deviations={"errors.no_param"}) as srv:
        results = run_checks(srv.base_url, "errors.*")
    assert not_passed(results) == {}


def _context() -> CheckContext:
    target = target_for("http://127.0.0.1:9/v1")  # never contacted: the exchanges below are built by hand
    spec = next(c.spec for c in all_checks() if c.spec.id == "errors.envelope.invalid_param")
    return CheckContext(Run(target, Client(target)), spec)


def _error(body: Any) -> Exchange:
    return Exchange("POST", "http://127.0.0.1:9/v1/chat/completions", {}, None, 400,
                    {"content-type": "application/json"}, body)


def test_missing_param_and_code_keys_are_a_deviation() -> None:
    ctx = _context()
    assert envelope_problems(ctx, _error({"error": {"message": "bad", "type": "invalid_request_error"}}), "x") == []
    assert ctx.deviations == ["x: error object lacks the key(s) param, code (null expected)"]


@pytest.mark.parametrize(
    ("err", "problem"),
    [
        ({"message": "bad", "type": "t", "param": None, "code": 400}, "error.code is the number 400"),
        ({"message": "bad", "param": None, "code": None}, "error.type is None"),
        ({"message": "bad", "type": "t", "param": 3, "code": None}, "breaks the ErrorResponse schema"),
    ],
)
def test_envelope_problems_that_break_clients(err: dict[str, Any], problem: str) -> None:
    problems = envelope_problems(_context(), _error({"error": err}), "x")
    assert any(problem in p for p in problems), problems


def test_malformed_json_is_not_judged_where_no_chat_is_served() -> None:
    """A speech-only server's 404/405 for POST /chat/completions says nothing of how it parses a body."""
    with FakeServer(deviations={"json.malformed_unrouted"}) as srv:
        bare = Target(base_url=srv.base_url, model=None, name="fake", timeout_s=10.0, speech_model=SPEECH_MODEL)
        run = Run(bare, Client(bare))
        try:
            alone = execute(next(c for c in all_checks() if c.spec.id == "errors.envelope.malformed_json"), run)
        finally:
            run.close()
        with_chat = run_checks(srv.base_url, "errors.envelope.malformed_json")["errors.envelope.malformed_json"]
    assert alone.outcome.value == "skip" and "never parsed" in alone.reason, alone.reason
    # With a chat model the route is served, so a 404 for a bad body is judged like any other status.
    assert with_chat.outcome.value == "pass" and any("404" in d for d in with_chat.deviations), with_chat.reason


def test_a_404_is_no_rejection_of_a_value_unless_the_request_names_something_missing() -> None:
    """An unrouted endpoint answers 404 to any request: that refuses no value (llama-cpp-python's /v1/responses)."""
    from conformance.verdict import Unsupported

    ctx = _context()
    not_found = Exchange("POST", "http://127.0.0.1:9/v1/responses", {}, None, 404, {}, {"detail": "Not Found"})
    with pytest.raises(Unsupported, match="the endpoint is not served"):
        ctx.expect_rejected(not_found, "temperature 5")
    # An unknown model or id: OpenAI itself answers 404, and that is the rejection asked for.
    assert ctx.expect_rejected(not_found, "the unknown model 'x'", names_missing=True) == "rejected with 404"
    assert ctx.expect_rejected(_error({"error": {"message": "bad", "type": "invalid_request_error"}}),
                               "temperature 5") == "rejected with 400"
