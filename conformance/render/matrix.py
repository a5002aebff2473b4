"""The feature matrix for the top of the pytest-html report, and the evidence block of each row."""

from __future__ import annotations

from typing import Any

from conformance import provenance
from conformance.model import models_text
from conformance.render.html import Raw, h

COLORS = {
    "supported": "#c8f0c8", "partial": "#fff2b3", "accepted": "#eef3d8", "ignored": "#ffe0b3",
    "unsupported": "#e6e6e6", "broken": "#f7c1c1", "deviates": "#f9dcc4", "lax": "#f3ecd2", "untested": "#f4f4f4",

    "pass": "#c8f0c8", "fail": "#f7c1c1", "error": "#f0d0ff", "skip": "#f4f4f4",
}
STYLE = Raw(
    "<style>.oai-matrix{border-collapse:collapse;margin:8px 0;table-layout:fixed;width:100%}"
    ".oai-matrix td,.oai-matrix th{border:1px solid #8c8c8c;padding:2px 6px;font-size:13px;text-align:left;"
    "color:#1a1a1a;overflow-wrap:anywhere;vertical-align:top}"
    ".oai-matrix th:nth-child(1){width:11em}.oai-matrix th:nth-child(2){width:16em}"
    ".oai-matrix th:nth-child(3){width:7em}</style>"
)


def _rows(rows: list[dict[str, Any]]) -> list[object]:
    out: list[object] = []
    for r in rows:
        label = ("\u2003" if r.get("parent") else "") + r["label"]
        out.append(
            h(
                "tr", None,
                h("td", None, r["endpoint"]),
                h("td", None, label),
                h("td", {"style": f"background:{COLORS.get(r['verdict'], '#fff')}"}, r["verdict"]),
                h("td", {"class": "reason"}, "" if r["verdict"] == "supported" else r["reason"]),
            )
        )
    return out


def _table(title: str, rows: list[dict[str, Any]]) -> object:
    head = h("tr", None, *(h("th", None, c) for c in ("endpoint", title, "verdict", "why")))
    return h("table", {"class": "oai-matrix"}, head, *_rows(rows))


def render_fragment(doc: dict[str, Any]) -> str:
    """Feature and request-field verdicts of one run as an HTML fragment."""
    t = doc["target"]
    u = doc["usage"]
    meta = (
        f"{t['name']}: model {models_text(t)} at {t['base_url']}; {u['requests']} requests, "
        f"{u['total_tokens']} tokens; outcomes "
        + ", ".join(f"{k} {v}" for k, v in doc["summary"].items() if v)
        + (f"; replayed {doc['finished_at']}, {provenance.describe(doc['recording'])}" if doc.get("recording") else "")
        + ("" if doc.get("complete", True) else "; INCOMPLETE run (interrupted): checks not run are missing")
    )
    return "".join(
        str(x)
        for x in (
            STYLE,
            *([] if doc.get("complete", True) else [h("p", {"class": "oai-incomplete", "id": "oai-incomplete"},
                                                      f"INCOMPLETE: the run was interrupted after {len(doc['checks'])} "
                                                      "checks; verdicts below cover only those.")]),
            h("h2", None, "Feature matrix"),
            h("p", None, meta),
            _table("feature", doc["features"]),
            h("h2", None, "Request fields"),
            _table("request field", doc["fields"]),
        )
    )


def evidence_html(check: dict[str, Any], body: str) -> str:
    """A collapsible block with the check's outcome, reason and full evidence."""
    return str(
        h(
            "div", None,
            h("p", None, h("b", None, f"{check['outcome']}: "), check["reason"]),
            h("p", None, f"feature: {check['feature']}; field: {check['field'] or '-'}; covers: {check['behavior']}"),
            h("details", None, h("summary", None, "evidence (requests and responses)"), h("pre", None, body)),
        )
    )
