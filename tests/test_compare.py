"""The comparison matrix across targets: rows, columns, evidence, and no network needed to read it."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from conformance import bundled, compare, exitcodes, results
from conformance.render import comparison
from tests.test_render import sample_doc


def _two() -> list[dict]:
    a = sample_doc()
    b = copy.deepcopy(a)
    b["target"]["name"] = "other"
    for row in b["features"]:
        if row["key"] == "Streaming":
            row.update(verdict="supported", reason="1 check(s) passed")
    return [a, b]


def test_matrix_has_a_column_per_target_and_a_row_per_item() -> None:
    m = compare.build(_two())
    assert [t["name"] for t in m["targets"]] == ["sample", "other"]
    streaming = next(r for r in m["rows"] if r["key"] == "Streaming")
    assert streaming["cells"]["sample"]["verdict"] == "broken"
    assert streaming["cells"]["other"]["verdict"] == "supported"
    assert streaming["cells"]["sample"]["checks"][0]["id"] == "stream.done"


def test_same_names_are_made_unique() -> None:
    a = sample_doc()
    assert [t["name"] for t in compare.build([a, a])["targets"]] == ["sample", "sample-2"]


def test_markdown_lists_verdicts_per_target() -> None:
    md = comparison.markdown(compare.build(_two()))
    assert "| | sample | other |" in md
    assert "| Streaming | BROKEN | yes |" in md


def test_html_is_self_contained_and_expands_to_evidence() -> None:
    page = comparison.html(compare.build(_two()))
    assert "<details>" in page and "chat.response.object</a>: pass" in page
    # Self-contained: an inline script at most, nothing fetched.
    assert not re.search(r"<script[^>]+src|<link|src=\"http|url\(", page)
    # Evidence stored once: a check cited by a feature row and a field row links to one block per target.
    assert page.count('id="ev-sample--chat.response.object"') == 1
    assert page.count('href="#ev-sample--chat.response.object"') >= 1
    assert page.index('id="legend"') < page.index('id="matrix"') < page.index('id="evidence"')


def test_compare_command_writes_all_three(tmp_path: Path) -> None:
    from conformance.cli import main

    paths = []
    for i, doc in enumerate(_two()):
        results.write(doc, tmp_path / str(i) / "results.json")
        paths.append(str(tmp_path / str(i)))
    assert main(["compare", *paths, "--output", str(tmp_path / "cmp")]) == exitcodes.OK
    assert json.loads((tmp_path / "cmp" / "comparison.json").read_text())["targets"][1]["name"] == "other"
    assert (tmp_path / "cmp" / "comparison.html").stat().st_size > 0


def test_bundled_recordings_are_found_in_the_checkout() -> None:
    assert bundled.cassette_root().name in ("cassettes", "_cassettes")
