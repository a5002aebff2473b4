"""badge.svg: supported of judged features, coloured by the worst severity, rendered with no network."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.render import badge

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def doc(*verdicts: str, complete: bool = True) -> dict:
    """A results document with one feature per verdict."""
    return {"complete": complete, "features": [{"key": f"f{i}", "verdict": v} for i, v in enumerate(verdicts)]}


def test_colour_follows_the_worst_severity() -> None:
    assert badge.summary(doc("supported", "supported", "untested")) == ("2/2 features", "clean")
    assert badge.summary(doc("supported", "lax", "unsupported")) == ("1/3 features", "lax")
    assert badge.summary(doc("supported", "lax", "deviates")) == ("1/3 features", "deviates")
    assert badge.summary(doc("broken", "lax", "deviates")) == ("0/3 features", "broken")
    assert badge.summary(doc("untested")) == ("not judged", "none")
    assert badge.summary(doc("supported", complete=False)) == ("1/1 features (incomplete)", "clean")


def test_the_svg_is_well_formed_and_says_it_in_text() -> None:
    svg = badge.render(doc("supported", "deviates"))
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("aria-label") == "openai compat: 1/2 features"
    assert badge.COLOURS["deviates"] in svg and "deviate from the spec" in root.find(f"{SVG}title").text
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing fetched


def test_bundled_badges_are_rendered_from_their_results() -> None:
    folders = sorted(p.parent for p in (ROOT / "reports").glob("*/results.json"))
    assert folders
    for folder in folders:
        results = json.loads((folder / "results.json").read_text())
        assert (folder / "badge.svg").read_text() == badge.render(results), folder.name
