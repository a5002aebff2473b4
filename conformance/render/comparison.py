"""The comparison matrix as Markdown and as a self-contained HTML page (no network)."""

from __future__ import annotations

from typing import Any

from conformance import provenance
from conformance.model import models_text
from conformance.render import comparison_page
from conformance.verdicts import LEGEND, MARK

SECTION = {"feature": "Supported features", "field": "Supported request fields", "client": "Works with (clients)"}


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
    lines += [f"- **{t['name']}**: model `{models_text(t)}`, server {t['server'] or 'unknown'}, "
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


def html(matrix: dict[str, Any]) -> str:
    """A self-contained page: legend, matrix, and every check's evidence once (conformance.render.comparison_page)."""
    return comparison_page.render(matrix)
