"""The baseline gate fails only on what got worse."""

from __future__ import annotations

from conformance import baseline


def _doc(**outcomes: str) -> dict:
    return {"checks": [{"id": k.replace("_", "."), "outcome": v, "reason": f"because {v}"} for k, v in outcomes.items()]}


def test_worse_better_and_new_are_told_apart() -> None:
    before = _doc(a_x="pass", b_x="fail", c_x="unsupported", d_x="pass")
    after = _doc(a_x="fail", b_x="pass", c_x="unsupported", d_x="error", e_x="fail")
    cmp = baseline.compare(before, after)
    assert [c.id for c in cmp.worse] == ["a.x"]
    assert [c.id for c in cmp.better] == ["b.x"]
    assert cmp.new == ("e.x",)
    assert "a.x: pass -> fail" in baseline.describe(cmp)


def test_an_error_is_not_a_regression() -> None:
    assert not baseline.compare(_doc(a_x="pass"), _doc(a_x="error")).worse


def test_pass_to_unsupported_is_worse() -> None:
    assert baseline.compare(_doc(a_x="pass"), _doc(a_x="unsupported")).worse


def _complete(**outcomes: str) -> dict:
    return {**_doc(**outcomes), "complete": True}


def test_a_recheck_back_at_the_baseline_makes_the_change_unstable() -> None:
    before, after = _doc(a_x="pass", b_x="pass"), _doc(a_x="fail", b_x="fail")
    cmp = baseline.confirm(baseline.compare(before, after), before, [_complete(a_x="pass", b_x="fail")])
    assert [c.id for c in cmp.worse] == ["b.x"]
    assert [(c.id, seen) for c, seen in cmp.unstable] == [("a.x", ("pass",))]
    text = baseline.describe_recheck(cmp)
    assert "1 confirmed worse, 1 unstable" in text and "a.x: pass -> fail, then pass on recheck" in text


def test_every_recheck_must_clear_a_change() -> None:
    before, after = _doc(a_x="pass"), _doc(a_x="fail")
    rechecks = [_complete(a_x="pass"), _complete(a_x="ignored")]
    assert [c.id for c in baseline.confirm(baseline.compare(before, after), before, rechecks).worse] == ["a.x"]


def test_a_recheck_that_judged_nothing_confirms_the_regression() -> None:
    # Not run, skipped, errored or unfinished: no evidence that the regression went away.
    before, after = _doc(a_x="pass"), _doc(a_x="fail")
    cmp = baseline.compare(before, after)
    for rechecks in ([None], [_complete(a_x="error")], [_complete(a_x="skip")], [_complete()], [_doc(a_x="pass")]):
        assert [c.id for c in baseline.confirm(cmp, before, rechecks).worse] == ["a.x"], rechecks
