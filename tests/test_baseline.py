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
