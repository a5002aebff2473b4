"""report.html pieces: an interrupted run is marked incomplete; HTML text is escaped but not bloated."""

from __future__ import annotations

from conformance.render import matrix
from conformance.render.html import h
from tests.test_render import sample_doc


def test_an_incomplete_run_is_marked_above_the_matrix() -> None:
    doc = {**sample_doc(), "complete": False}
    page = matrix.render_fragment(doc)
    assert 'id="oai-incomplete"' in page and "INCOMPLETE: the run was interrupted" in page
    assert page.index("INCOMPLETE") < page.index("Feature matrix")
    assert "INCOMPLETE" not in matrix.render_fragment({**doc, "complete": True})


def test_text_escapes_markup_but_keeps_quotes() -> None:
    assert str(h("pre", {"title": 'a "b"'}, '{"x": "<y>"}')) == '<pre title="a &quot;b&quot;">{"x": "&lt;y&gt;"}</pre>'
