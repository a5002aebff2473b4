"""The comparison matrix as Markdown and as a self-contained HTML page (no script, no network)."""

from __future__ import annotations

import json
from typing import Any

from conformance import provenance
from conformance.render.html import Raw, h
from conformance.render.matrix import COLORS
from conformance.verdicts import LEGEND, MARK

SECTION = {"feature": "Supported features", "field": "Supported request fields"}


def _label(row: dict[str, Any]) -> str:
    return ("&nbsp;&nbsp;" if row["parent"] else "") + row["label"]


def _replayed(t: dict[str, Any]) -> str:
    """Replayed runs say when and against what their recording was made."""
    if t.get("recording"):
        return f" (replayed; {provenance.describe(t['recording'])})"
    return " (replayed)" if t["replay"] else ""


def markdown(matrix: dict[str, Any]) -> str:
    """One table per endpoint and kind; a cell is the verdict (details in comparison.html)."""
    names = [t["name"] for t in matrix["targets"]]
    lines = ["# OpenAI compatibility comparison", ""]
    lines += [f"- **{t['name']}**: model `{t['model']}`, server {t['server'] or 'unknown'}, "
              f"{t['finished_at']}{_replayed(t)}" for t in matrix["targets"]]
    lines.append("")
    seen: set[tuple[str, str]] = set()
    for row in matrix["rows"]:
        group = (row["endpoint"], row["kind"])
        if group not in seen:
            seen.add(group)
            title = f"`{row['endpoint']}`" if row["endpoint"].startswith("/") else row["endpoint"]
            lines += ["", f"### {title}: {SECTION[row['kind']]}", "",
                      "| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        cells = [MARK[row["cells"][n]["verdict"]] for n in names]
        lines.append(f"| {_label(row)} | " + " | ".join(cells) + " |")
    lines += ["", "; ".join(f"{MARK[v]}: {LEGEND[v]}" for v in MARK) + ".", ""]
    return "\n".join(lines)


STYLE = Raw(
    "<style>body{font-family:sans-serif;font-size:14px;margin:1em}table{border-collapse:collapse}"
    "td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top;text-align:left}"
    "details pre{max-width:60em;max-height:30em;overflow:auto;font-size:12px;background:#f8f8f8}"
    "summary{cursor:pointer}</style>"
)


def _cell(cell: dict[str, Any]) -> object:
    checks = [
        h("div", None, h("b", None, f"{c['id']}: {c['outcome']}"), " ", c["reason"],
          h("pre", None, json.dumps({"request": c["request"], "response": c["response"]}, indent=1,
                                    ensure_ascii=False)[:20000]))
        for c in cell["checks"]
    ]
    style = {"style": f"background:{COLORS.get(cell['verdict'], '#fff')}"}
    return h("td", style, h("details", None, h("summary", None, MARK[cell["verdict"]]),
                            h("p", None, cell["reason"]), *checks))


def html(matrix: dict[str, Any]) -> str:
    """A self-contained page: every cell expands to its reason and the evidence of its checks."""
    names = [t["name"] for t in matrix["targets"]]
    head = h("tr", None, h("th", None, "endpoint"), h("th", None, ""), *(h("th", None, n) for n in names))
    rows = [
        h("tr", None, h("td", None, r["endpoint"]),
          h("td", None, ("\u2003" if r["parent"] else "") + r["label"] + ("" if r["kind"] == "feature" else " (field)")),
          *(_cell(r["cells"][n]) for n in names))
        for r in matrix["rows"]
    ]
    targets = h("ul", None, *(h("li", None, f"{t['name']}: model {t['model']}, server {t['server'] or 'unknown'}, "
                                            f"{t['usage']['requests']} requests, {t['usage']['total_tokens']} tokens, "
                                            f"{t['finished_at']}{_replayed(t)}")
                              for t in matrix["targets"]))
    legend = h("p", None, *(x for v in MARK for x in (h("b", None, MARK[v]), f": {LEGEND[v]}. ")))
    body = h("body", None, h("h1", None, "OpenAI compatibility comparison"), targets, legend,
             h("table", None, head, *rows))
    return "<!DOCTYPE html>" + str(h("html", None, h("head", None, Raw('<meta charset="utf-8">'),
                                                    h("title", None, "oai-conformance comparison"), STYLE), body))
