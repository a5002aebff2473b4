"""Folding check outcomes into one verdict per feature and field."""

from __future__ import annotations

import pytest

from conformance import verdicts


def _c(outcome: str, i: int = 0, **kw: object) -> dict:
    return {"id": f"x.y.c{i}", "outcome": outcome, "reason": f"r{i}", "feature": "Streaming",
            "field": "stream", "endpoint": "/v1/chat/completions", "model_dependent": False, **kw}


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        (["pass", "pass"], "supported"),
        (["pass", "skip"], "supported"),
        (["pass", "fail"], "broken"),
        (["unsupported", "fail"], "broken"),
        (["unsupported", "skip"], "unsupported"),
        (["pass", "unsupported"], "partial"),
        (["ignored"], "ignored"),
        (["pass", "error"], "partial"),
        (["error"], "untested"),
        (["skip"], "untested"),
        ([], "untested"),
    ],
)
def test_fold(outcomes: list[str], verdict: str) -> None:
    assert verdicts.fold([_c(o, i) for i, o in enumerate(outcomes)])[0] == verdict


def test_reason_names_the_deciding_check() -> None:
    verdict, reason = verdicts.fold([_c("pass", 0), _c("fail", 1)])
    assert verdict == "broken" and "x.y.c1" in reason and "r1" in reason


def test_model_dependent_checks_do_not_decide_features() -> None:
    rows = verdicts.features([_c("pass", 0), _c("fail", 1, model_dependent=True)])
    streaming = next(r for r in rows if r["key"] == "Streaming")
    assert streaming["verdict"] == "supported" and streaming["checks"] == ["x.y.c0"]


def test_every_catalogued_item_of_a_run_endpoint_gets_a_row() -> None:
    from conformance.catalog import CHAT, EMBEDDINGS, FEATURES, FIELDS

    ran = [{"id": "x", "endpoint": CHAT, "feature": "Streaming", "field": None, "outcome": "pass", "reason": "ok"}]
    assert len(verdicts.features(ran)) == len([f for f in FEATURES if f.endpoint == CHAT])
    assert len(verdicts.fields(ran)) == len([f for f in FIELDS if f.endpoint == CHAT])
    # An endpoint no check touched has no rows: a chat-only run lists no embeddings section.
    assert not [r for r in verdicts.fields(ran) if r["endpoint"] == EMBEDDINGS]
    assert verdicts.features([]) == []
