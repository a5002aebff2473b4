"""Property checks on the fake server: each catches its class of defect and reports a minimal, pasteable request."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance import exitcodes, results
from conformance.context import DEFAULT_PROMPT, PropertySettings, Run
from conformance.http import Client
from conformance.model import CheckResult
from conformance.properties import chat, conclude, spec
from conformance.registry import all_checks, select
from conformance.runner import execute
from tests.badservers import tcp_server
from tests.fake import FakeServer
from tests.helpers import outcomes, target_for

VALID, INVALID = "prop.chat.valid_requests", "prop.chat.invalid_requests"
PLAIN = [{"role": "user", "content": DEFAULT_PROMPT}]
KEY = "sk-prop-secret-0123456789"


def run_props(deviations: set[str] | frozenset[str] = frozenset(), settings: PropertySettings | None = None,
              api_key: str | None = None) -> dict[str, CheckResult]:
    """Both chat property checks against a fake with the given deviations."""
    with FakeServer(deviations=set(deviations), api_key=api_key) as srv:
        target = target_for(srv.base_url, api_key=api_key)
        run = Run(target, Client(target), properties=settings or PropertySettings())
        try:
            return {c.spec.id: execute(c, run) for c in select(all_checks(), "prop.chat.*")}
        finally:
            run.close()


def repro(result: CheckResult) -> dict[str, Any]:
    """The shrunk request a failing property reports."""
    body: dict[str, Any] = result.details["reproducer"]["request"]
    return body


def bodies(result: CheckResult) -> list[Any]:
    return [e.request_body for e in result.evidence]


def test_every_property_passes_on_the_conformant_fake() -> None:
    res = run_props()
    assert outcomes(res) == {VALID: "pass", INVALID: "pass"}, {k: r.reason for k, r in res.items()}
    for r in res.values():
        prop = r.details["property"]
        assert prop["requests"] == len(r.evidence) == spec.DEFAULT_EXAMPLES
        assert prop["derandomized"] and prop["shrink_requests"] == 0 and "stopped" not in prop
    seeds = [b for b in bodies(res[VALID])[:3]]
    assert seeds == [{"model": "fake-model", "messages": PLAIN, "max_tokens": 1, **extra}
                     for extra in ({}, {"n": 2}, {"stream": True})]
    assert 0 < res[VALID].details["property"]["tokens"] < spec.DEFAULT_TOKENS
    assert res[INVALID].details["property"]["tokens"] == 0  # every invalid request was rejected: nothing generated
    assert all(b["messages"] for b in bodies(res[VALID]))


# deviation -> the verdict of each property; every other deviation of the fake leaves them to other checks.
CATCHES = {
    "errors.validation_500": {VALID: "pass", INVALID: "fail"},
    "errors.validation_200": {VALID: "pass", INVALID: "fail"},
    "fields.numeric_strings_accepted": {VALID: "pass", INVALID: "fail"},
    "errors.detail_envelope": {VALID: "pass", INVALID: "fail"},
    "fields.usage_wrong_when_n_gt_1": {VALID: "fail", INVALID: "pass"},
    "chat.usage_sum_wrong": {VALID: "fail", INVALID: "pass"},
    "chat.finish_reason_eos": {VALID: "fail", INVALID: "pass"},
    "chat.index_wrong": {VALID: "fail", INVALID: "pass"},
    "stream.no_done": {VALID: "fail", INVALID: "pass"},
    "stream.broken_json": {VALID: "fail", INVALID: "pass"},
    # A clear 4xx on a valid but unsupported combination, or a field ignored, is noted: not a failure.
    "fields.n_rejected": {VALID: "pass", INVALID: "pass"},
    "fields.n_ignored": {VALID: "pass", INVALID: "pass"},
}


@pytest.mark.parametrize("deviation", sorted(CATCHES))
def test_each_property_catches_its_class_of_defect(deviation: str) -> None:
    res = run_props({deviation})
    assert outcomes(res) == CATCHES[deviation], {k: r.reason for k, r in res.items()}
    for r in res.values():
        if r.outcome.value == "fail":
            rep = r.details["reproducer"]
            assert rep["curl"] in r.reason and rep["curl"].startswith("curl -sS ")
            assert json.loads(shlex.split(rep["curl"])[-1]) == rep["request"]


@pytest.fixture
def unseeded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated examples only: the minimal seeds would find these bugs before any shrinking."""
    monkeypatch.setattr(chat, "SPEC", dataclasses.replace(chat.SPEC, seeds=lambda model: []))


def test_the_n_gt_1_usage_bug_is_caught_by_a_seed_already_minimal() -> None:
    r = run_props({"fields.usage_wrong_when_n_gt_1"})[VALID]
    assert repro(r) == {"model": "fake-model", "messages": PLAIN, "max_tokens": 1, "n": 2}, r.reason
    assert "usage.total_tokens" in r.reason and r.details["property"]["requests"] == 2


def test_a_generated_n_gt_1_usage_failure_shrinks_to_n_2_and_nothing_else(unseeded: None) -> None:
    r = run_props({"fields.usage_wrong_when_n_gt_1"}, PropertySettings(examples=20))[VALID]
    prop = r.details["property"]
    assert repro(r) == {"model": "fake-model", "messages": PLAIN, "max_tokens": 1, "n": 2}, r.reason
    assert "usage.total_tokens" in r.reason and r.details["reproducer"]["status"] == 200
    assert 0 < prop["shrink_requests"] <= 2 * 20 and "stopped" not in prop


def test_a_500_on_an_out_of_range_value_names_the_field_alone() -> None:
    r = run_props({"errors.validation_500"})[INVALID]
    body = repro(r)
    (field,) = set(body) - {"model", "messages", "max_tokens"}
    assert body["messages"] == PLAIN and body["max_tokens"] == 1
    assert r.reason.startswith(f"{field} {body[field]} (out of range: above the maximum")
    assert "server error 500" in r.reason


def test_an_invalid_type_accepted_is_shrunk_to_one_string_number() -> None:
    r = run_props({"fields.numeric_strings_accepted"})[INVALID]
    body = repro(r)
    (field,) = set(body) - {"model", "messages", "max_tokens"} or {"max_tokens"}
    assert isinstance(body[field], str) and "wrong type" in r.reason and "accepted with 200" in r.reason


def test_stream_framing_bug_shrinks_to_a_plain_stream() -> None:
    r = run_props({"stream.no_done"})[VALID]
    assert repro(r) == {"model": "fake-model", "messages": PLAIN, "max_tokens": 1, "stream": True}, r.reason
    assert "[DONE]" in r.reason and " -N " in r.details["reproducer"]["curl"]


def test_a_rejected_combination_is_an_observation_with_its_message() -> None:
    r = run_props({"fields.n_rejected"})[VALID]
    assert "rejected with a clear 4xx" in r.reason
    assert any("Only n=1 is supported" in o["observed"] for o in r.details["observations"])
    ignored = run_props({"fields.n_ignored"})[VALID]
    assert "noted: n ignored" in ignored.reason


def test_budgets_are_honoured() -> None:
    few = run_props(settings=PropertySettings(examples=4))
    assert [r.details["property"]["requests"] for r in few.values()] == [4, 4]
    poor = run_props(settings=PropertySettings(token_budget=1))[VALID]
    assert poor.outcome.value == "pass" and poor.details["property"]["requests"] == 1
    assert "token budget spent" in poor.reason


@pytest.mark.parametrize("bound", [0, 2])
def test_shrinking_stops_at_its_bound_and_reports_the_best_so_far(bound: int, unseeded: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def tight(settings: PropertySettings, seed: int | None = None) -> spec.Budget:
        return dataclasses.replace(spec.budget(settings, seed), shrink_requests=bound)

    monkeypatch.setattr(conclude, "budget", tight)
    r = run_props({"fields.usage_wrong_when_n_gt_1"}, PropertySettings(examples=20))[VALID]
    prop = r.details["property"]
    assert r.outcome.value == "fail" and prop["shrink_requests"] == bound
    assert prop["stopped"] == f"shrinking stopped at its bound of {bound} requests"
    assert repro(r)["n"] >= 2 and r.details["reproducer"]["status"] == 200
    # Not yet the minimum: the best found within the bound is reported.
    assert repro(r) != {"model": "fake-model", "messages": PLAIN, "max_tokens": 1, "n": 2}


def test_derandomized_runs_send_the_same_requests_and_explore_does_not_need_to() -> None:
    first, again = run_props(), run_props()
    for check_id in (VALID, INVALID):
        assert bodies(first[check_id]) == bodies(again[check_id])
    explored = run_props(settings=PropertySettings(examples=5, explore=True))
    prop = explored[VALID].details["property"]
    assert explored[VALID].outcome.value == "pass" and prop["requests"] == 5
    assert prop["derandomized"] is False and isinstance(prop["seed"], int)


def test_a_target_that_stops_answering_is_not_judged_but_the_request_is_named() -> None:
    with tcp_server(b"not http at all\r\n\r\n") as base_url:
        target = target_for(base_url)
        run = Run(target, Client(target))
        try:
            r = execute(select(all_checks(), VALID)[0], run)
        finally:
            run.close()
    assert r.outcome.value == "error" and "sending plain request" in r.reason
    assert r.details["unanswered"]["curl"].startswith("curl -sS ") and r.details["property"]["requests"] == 0


def oai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in its own process, with the key in the environment only."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PROP_KEY": KEY})


def _verdicts(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["id"]: (c["outcome"], c["reason"]) for c in doc["checks"]}


def test_a_recorded_property_run_replays_to_the_same_verdicts(tmp_path: Path) -> None:
    bugs = {"fields.usage_wrong_when_n_gt_1", "errors.validation_500"}
    with FakeServer(deviations=bugs, api_key=KEY) as srv:
        live = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--name", "pf", "--record",
                   "--api-key-env", "PROP_KEY", "--secret-field", "user", "--only", "prop.chat.*", "--fail-on", "violates-spec", cwd=tmp_path)
        assert live.returncode == exitcodes.FAILED, live.stdout[-2000:] + live.stderr[-2000:]
        doc = results.load(tmp_path / "oai-conformance-out" / "pf")
        # The reported command, pasted into a shell with the key in its variable, shows the bug again.
        curl = next(c for c in doc["checks"] if c["id"] == INVALID)["details"]["reproducer"]["curl"]
        shown = subprocess.run(["bash", "-c", curl + " -o /dev/null -w '%{http_code}'"], capture_output=True,
                               text=True, timeout=30, env={**os.environ, "PROP_KEY": KEY})
        assert shown.stdout == "500", shown
    replay = oai("run", "--replay", "oai-conformance-out/pf/cassettes", "--output", "replayed", "--only", "prop.chat.*",
                 "--fail-on", "violates-spec", cwd=tmp_path)
    assert replay.returncode == exitcodes.FAILED, replay.stdout[-2000:] + replay.stderr[-2000:]
    again = results.load(tmp_path / "replayed")
    assert _verdicts(again) == _verdicts(doc) and {o for o, _ in _verdicts(doc).values()} == {"fail"}
    report = tmp_path / "oai-conformance-out" / "pf"
    assert all('"Authorization: Bearer $PROP_KEY"' in reason for _, reason in _verdicts(doc).values())
    assert KEY not in (report / "results.json").read_text()
    html = (report / "report.html").read_text()
    assert "curl -sS" in html and "$PROP_KEY" in html and KEY not in html
    # Wrong usage sums and 500s on invalid input violate the spec; official clients cope with both.
    assert {c["severity"] for c in doc["checks"]} == {"violates-spec"}
    assert "- [ ] Generated requests (deviates from the spec: a valid request (n) broke an invariant" in (
        report / "checklist.md").read_text()


def test_cli_options_reach_the_properties(tmp_path: Path) -> None:
    with FakeServer() as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--only", "prop.chat.*", "--output", "o",
                "--examples", "3", "--token-budget", "500", cwd=tmp_path)
        assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
        bad = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--examples", "0", cwd=tmp_path)
    assert bad.returncode == exitcodes.USAGE
    # Properties of an endpoint whose model was not given (images: --image-model) skip before any request.
    ran = [c for c in results.load(tmp_path / "o")["checks"] if c["outcome"] != "skip"]
    assert ran
    for check in ran:
        prop = check["details"]["property"]
        assert (prop["examples"], prop["token_budget"], prop["requests"]) == (3, 500, 3)
