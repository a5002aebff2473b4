"""badge.svg: features supported out of those judged, coloured by the worst failure's severity. No network."""

from __future__ import annotations

from html import escape
from typing import Any

from conformance.verdicts import BROKEN, DEVIATES, LAX, SUPPORTED, UNTESTED

# shields.io's palette: red breaks clients, orange violates the spec, yellow lax validation, green clean.
COLOURS = {BROKEN: "#e05d44", DEVIATES: "#fe7d37", LAX: "#dfb317", "clean": "#4c1", "none": "#9f9f9f"}
LABEL = "openai compat"
# Verdana 11px advance widths, rounded (what shields.io measures with); others count as the widest.
_NARROW = set("ijlI.,:;!|' ")
_WIDE = set("mwMW@%")


def text_width(text: str) -> int:
    """An estimate of the rendered width in pixels, good enough to size the badge's boxes."""
    return sum(4 if c in _NARROW else 10 if c in _WIDE else 7 for c in text)


def summary(doc: dict[str, Any]) -> tuple[str, str]:
    """The badge's message and its colour key for a results document."""
    judged = [r for r in doc["features"] if r["verdict"] != UNTESTED]
    if not judged:
        return "not judged", "none"
    supported = sum(r["verdict"] == SUPPORTED for r in judged)
    verdicts = {r["verdict"] for r in judged}
    worst = next((v for v in (BROKEN, DEVIATES, LAX) if v in verdicts), "clean")
    incomplete = "" if doc.get("complete", True) else " (incomplete)"
    return f"{supported}/{len(judged)} features{incomplete}", worst


def render(doc: dict[str, Any]) -> str:
    """An SVG badge in the shape of a shields.io flat badge, with a title naming the worst severity."""
    message, key = summary(doc)
    lw, mw = text_width(LABEL) + 10, text_width(message) + 10
    total = lw + mw
    colour = COLOURS[key]
    title = {BROKEN: "some features break clients", DEVIATES: "some features deviate from the spec",
             LAX: "some features validate laxly", "clean": "no failing feature", "none": "nothing judged"}[key]
    label, msg = escape(LABEL), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{label}: {msg}">'
        f"<title>{label}: {msg}; {escape(title)}</title>"
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        f'<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{mw}" height="20" fill="{colour}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{lw / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{label}</text>'
        f'<text x="{lw / 2:.1f}" y="14">{label}</text>'
        f'<text x="{lw + mw / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{msg}</text>'
        f'<text x="{lw + mw / 2:.1f}" y="14">{msg}</text></g></svg>\n'
    )
