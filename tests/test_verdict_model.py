"""The verdict model: severities, accepted-only fields, honest folding, and the gate's --fail-on level."""

from __future__ import annotations

from typing import Any

import pytest

from conformance import results, verdicts
from conformance.model import CheckResult, CheckSpec, Outcome, Severity
from conformance.render import checklist
from conformance.verdict import Accepted, Fail, LaxValidation, SpecViolation


def _c(id: str, outcome: str, severity: str | None = None, **extra: Any) -> dict[str, Any]:
    row = {"id": id, "outcome": outcome, "reason": f"reason of {id}", "required": False, "details": {}, **extra}
    if severity:
        row["severity"] = severity
    return row


def test_fail_defaults_to_breaking_clients_and_subclasses_say_less() -> None:
    assert Fail("x").severity is Severity.BREAKS_CLIENTS
    assert SpecViolation("x").severity is Severity.VIOLATES_SPEC
    assert LaxValidation("x").severity is Severity.LAX_VALIDATION
    assert Fail("x", severity=Severity.LAX_VALIDATION).severity is Severity.LAX_VALIDATION
    assert Accepted("x").outcome is Outcome.ACCEPTED


def test_a_failure_carries_its_severity_into_results_and_only_failures_do() -> None:
    spec = CheckSpec(id="a.b", endpoint="/v1/chat/completions", feature="Chat completions", field=None, behavior="b")
    assert CheckResult(spec, Outcome.FAIL, "r", severity=Severity.VIOLATES_SPEC).to_json()["severity"] == "violates-spec"
    assert CheckResult(spec, Outcome.FAIL, "r").to_json()["severity"] == "breaks-clients"
    assert "severity" not in CheckResult(spec, Outcome.PASS, "r").to_json()


@pytest.mark.parametrize("severity, verdict", [("breaks-clients", "broken"), ("violates-spec", "deviates"),
                                                ("lax-validation", "lax")])
def test_the_worst_failure_decides_the_verdict(severity: str, verdict: str) -> None:
    got, reason = verdicts.fold([_c("a.ok", "pass"), _c("a.bad", "fail", severity)])
    assert got == verdict and "a.bad" in reason


def test_lax_validation_alone_is_never_broken() -> None:
    checks = [_c("v.t", "fail", "lax-validation"), _c("v.r", "fail", "lax-validation"), _c("v.ok", "pass")]
    assert verdicts.fold(checks)[0] == "lax"
    assert verdicts.fold(checks + [_c("v.s", "fail", "breaks-clients")])[0] == "broken"


def test_accepted_alone_is_accepted_and_never_supported() -> None:
    assert verdicts.fold([_c("fields.store.effect", "accepted")])[0] == "accepted"


def test_rejecting_clearly_never_reads_worse_than_ignoring() -> None:
    rejected = verdicts.fold([_c("a", "pass"), _c("f", "unsupported")])[0]
    ignored = verdicts.fold([_c("a", "pass"), _c("f", "ignored")])[0]
    accepted = verdicts.fold([_c("a", "pass"), _c("f", "accepted")])[0]
    assert rejected == ignored == accepted == "partial"


def test_fields_of_no_visible_effect_are_never_ticked() -> None:
    """A 200 alone is not support: user, safety_identifier and prompt_cache_key read accepted, not supported."""
    reason = "user='x' accepted with a normal answer; the spec defines no effect a client can see"
    got = verdicts.fold([_c("fields.user.accepted", "accepted", reason=reason)])
    assert got == ("accepted", f"{reason} (fields.user.accepted)")


def test_one_pass_among_skips_says_how_much_was_judged() -> None:
    checks = [_c("t.a", "pass")] + [_c(f"t.s{i}", "skip") for i in range(4)]
    verdict, reason = verdicts.fold(checks)
    assert verdict == "partial" and reason.startswith("only 1 of 5 checks judged, 4 skipped")
    verdict, reason = verdicts.fold([_c("t.a", "pass"), _c("t.b", "pass"), _c("t.s", "skip")])
    assert verdict == "supported" and reason == "2 of 3 checks passed, 1 skipped"


def test_gate_follows_fail_on_and_required_checks_always_count() -> None:
    checks = [_c("b", "fail", "breaks-clients"), _c("s", "fail", "violates-spec"), _c("l", "fail", "lax-validation"),
              {**_c("r", "fail", "lax-validation"), "required": True}, {**_c("q", "accepted"), "required": True}]
    ids = lambda level: [c["id"] for c in results.gate(checks, level)]  # noqa: E731
    assert ids(Severity.BREAKS_CLIENTS) == ["b", "r", "q"]
    assert ids(Severity.VIOLATES_SPEC) == ["b", "s", "r", "q"]
    assert ids(Severity.LAX_VALIDATION) == ["b", "s", "l", "r", "q"]
    assert results.failures(checks) == {"breaks-clients": 1, "violates-spec": 1, "lax-validation": 2}


def test_checklist_words_say_how_much_a_failure_matters() -> None:
    rows = [("broken", "BROKEN, breaks clients"), ("deviates", "deviates from the spec"), ("lax", "lax validation")]
    for verdict, words in rows:
        row = {"verdict": verdict, "reason": "why", "label": "X"}
        assert checklist._item(row) == f"- [ ] X ({words}: why)"
    assert checklist._item({"verdict": "accepted", "reason": "store=true (fields.store.effect)", "label": "`store`"}) \
        == "- [ ] `store` (accepted; no effect observed (store=true (fields.store.effect)))"
    assert checklist._item({"verdict": "supported", "reason": "3 check(s) passed", "label": "Y"}) == "- [x] Y"
