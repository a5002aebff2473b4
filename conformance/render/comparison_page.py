"""comparison.html: the legend first, a matrix that fits the screen, and each check's evidence stored once.

A check evidences a feature and a request field, so the same exchange sits under several cells: the cells
link to it (#ev-<target>-<check>) and the evidence section holds it once per target. A few lines of
inline script open the linked evidence; without script the link still jumps to it. No network.
"""

from __future__ import annotations

import json
import re
from typing import Any

from conformance.jsontext import indented
from conformance.model import models_text
from conformance.render.html import Raw, h
from conformance.verdicts import LEGEND, MARK

SECTION = {"feature": "Supported features", "field": "Supported request fields", "client": "Works with (clients)"}
# Background per verdict; the text on all of them is #1a1a1a (contrast well above 4.5:1).
COLORS = {
    "supported": "#c8f0c8", "partial": "#fff2b3", "accepted": "#eef3d8", "ignored": "#ffe0b3",
    "unsupported": "#e6e6e6", "broken": "#f7c1c1", "deviates": "#f9dcc4", "lax": "#f3ecd2", "untested": "#f7f7f7",
}
EVIDENCE_CHARS = 700  # per request or answer; the full exchange stays in each target's results.json

STYLE = Raw(
    "<style>"
    "body{font-family:system-ui,sans-serif;font-size:14px;color:#1a1a1a;background:#fff;margin:16px;"
    "max-width:100%;overflow-wrap:anywhere}"
    "a{color:#0b4f9c}"
    "table.matrix{border-collapse:collapse;table-layout:fixed;width:100%}"
    "table.matrix th,table.matrix td{border:1px solid #8c8c8c;padding:3px 5px;vertical-align:top;text-align:left}"
    "table.matrix th.row{width:15em;font-weight:normal}"
    "table.matrix tr.group th{background:#2f3b4c;color:#fff;font-weight:bold}"
    "table.matrix td details>*:not(summary){font-size:12px}"
    "table.matrix td ul{margin:2px 0;padding-left:1.1em}"
    "summary{cursor:pointer}"
    "ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 14px}"
    ".mark{display:inline-block;min-width:4.5em;padding:0 4px;border:1px solid #8c8c8c;font-weight:bold}"
    "#evidence details{margin:2px 0}#evidence details.target{margin-left:1.2em}"
    "#evidence pre{white-space:pre-wrap;max-height:28em;overflow:auto;font-size:12px;background:#f4f4f4;"
    "border:1px solid #d0d0d0;padding:4px}"
    "details:target>summary,details.flash>summary{outline:3px solid #0b4f9c}"
    + "".join(f".v-{v}{{background:{c}}}" for v, c in COLORS.items())
    + "</style>"
)

SCRIPT = Raw(
    "<script>function oaiOpen(){var d=location.hash&&document.getElementById(location.hash.slice(1));"
    "if(!d||d.tagName!=='DETAILS')return;for(var p=d;p;p=p.parentElement){if(p.tagName==='DETAILS')p.open=true;}"
    "d.scrollIntoView();}"
    "addEventListener('hashchange',oaiOpen);addEventListener('DOMContentLoaded',oaiOpen);</script>"
)


def anchor(target: str, check_id: str) -> str:
    """The id of one target's evidence for one check."""
    return "ev-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{target}--{check_id}")


def _mark(verdict: str) -> object:
    return h("span", {"class": f"mark v-{verdict}"}, MARK.get(verdict, verdict))


def _shown(check: dict[str, Any]) -> bool:
    """Whether a check has evidence to show: a skip that sent nothing (no model given, say) has only its reason."""
    return not (check["outcome"] == "skip" and check["request"] is None)


def _cell(target: str, cell: dict[str, Any]) -> object:
    verdict = cell["verdict"]
    links = [h("li", None, h("a", {"href": "#" + anchor(target, c["id"])}, c["id"]), f": {c['outcome']}")
             for c in cell["checks"] if _shown(c)]
    if not links and verdict == "untested":
        # Nothing was sent (no model given for the endpoint, say): the reason as a tooltip, no evidence to open.
        return h("td", {"class": f"v-{verdict}", "title": cell["reason"]}, MARK.get(verdict, verdict))
    return h("td", {"class": f"v-{verdict}"},
             h("details", None, h("summary", None, MARK.get(verdict, verdict)),
               h("div", None, cell["reason"]), *([h("ul", None, *links)] if links else [])))


def _matrix(matrix: dict[str, Any], names: list[str]) -> object:
    head = h("thead", None, h("tr", None, h("th", {"class": "row"}, "feature / request field"),
                              *(h("th", None, n) for n in names)))
    rows: list[object] = []
    group: tuple[str, str] | None = None
    for r in matrix["rows"]:
        if (r["endpoint"], r["kind"]) != group:
            group = (r["endpoint"], r["kind"])
            rows.append(h("tr", {"class": "group"}, h("th", {"colspan": str(len(names) + 1)},
                                                       f"{r['endpoint']}: {SECTION[r['kind']]}")))
        label = ("\u2003" if r["parent"] else "") + r["label"]
        rows.append(h("tr", None, h("th", {"class": "row"}, label), *(_cell(n, r["cells"][n]) for n in names)))
    return h("table", {"class": "matrix", "id": "matrix"}, head, h("tbody", None, *rows))


def _request_key(request: dict[str, Any] | None) -> str:
    """A request as the suite wrote it: the same for every target but for the URL's host and the headers."""
    if not request:
        return "null"
    return json.dumps({k: v for k, v in request.items() if k not in ("url", "headers")}, sort_keys=True)


def _json(value: Any) -> str:
    text = indented(value, allow_nan=True)
    if len(text) > EVIDENCE_CHARS:
        text = text[:EVIDENCE_CHARS] + f"\n... [{len(text) - EVIDENCE_CHARS} more characters in results.json]"
    return text


def _evidence(matrix: dict[str, Any], names: list[str]) -> object:
    """Each check once: the request it sends (once when every target got the same), then each target's answer."""
    by_check: dict[str, dict[str, dict[str, Any]]] = {}
    for r in matrix["rows"]:
        for name in names:
            for c in r["cells"][name]["checks"]:
                by_check.setdefault(c["id"], {}).setdefault(name, c)
    blocks: list[object] = []
    for cid, per_target in by_check.items():
        requests = {_request_key(c["request"]) for c in per_target.values() if _shown(c)}
        shared = len(requests) == 1
        first = next((c for c in per_target.values() if _shown(c)), next(iter(per_target.values())))
        parts: list[object] = [h("summary", None, h("b", None, cid), " ",
                                 ", ".join(f"{t}: {c['outcome']}" for t, c in per_target.items()))]
        if shared and first["request"]:
            req = {k: v for k, v in first["request"].items() if k != "headers"}
            parts.append(h("div", None, "request (every target):", h("pre", None, _json(req))))
        for name, c in per_target.items():
            if not _shown(c):
                continue  # its reason is in the matrix cell and the summary line names its outcome
            inner: list[object] = [h("summary", None, h("b", None, name), f": {c['outcome']}: {c['reason']}")]
            if not shared and c["request"]:
                inner.append(h("pre", None, "request: " + _json({k: v for k, v in c["request"].items()
                                                                 if k != "headers"})))
            inner.append(h("pre", None, "response: " + _json(c["response"])))
            parts.append(h("details", {"id": anchor(name, cid), "class": "target"}, *inner))
        blocks.append(h("details", {"id": "ev-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", cid), "class": "check"}, *parts))
    return h("div", {"id": "evidence"}, h("h2", None, "Evidence"),
             h("p", None, "Each check once: the request it sent (once, when every target got the same one), then "
                          "each target's outcome, reason and answer (the first exchange, clipped; the full "
                          "exchanges are in each target's results.json)."), *blocks)


def render(matrix: dict[str, Any]) -> str:
    """The self-contained comparison page."""
    names = [t["name"] for t in matrix["targets"]]
    targets = h("ul", None, *(h("li", None, h("b", None, t["name"]),
                                f": model {models_text(t)}, server {t['server'] or 'unknown'}, "
                                f"{t['usage']['requests']} requests, {t['usage']['total_tokens']} tokens, "
                                f"{t['finished_at']}" + (" (replayed)" if t["replay"] else ""))
                              for t in matrix["targets"]))
    legend = h("section", {"id": "legend"}, h("h2", None, "Legend"),
               h("ul", {"class": "legend"}, *(h("li", None, _mark(v), " ", LEGEND[v]) for v in MARK)),
               h("p", None, "Open a cell for its reason and the checks behind it; each check links to its "
                            "evidence below the matrix."))
    body = h("body", None, h("h1", None, "OpenAI compatibility comparison"), targets, legend,
             h("h2", None, "Matrix"), _matrix(matrix, names), _evidence(matrix, names))
    head = h("head", None, Raw('<meta charset="utf-8">'),
             Raw('<meta name="viewport" content="width=device-width, initial-scale=1">'),
             h("title", None, "oai-conformance comparison"), STYLE, SCRIPT)
    return "<!DOCTYPE html>" + str(h("html", {"lang": "en"}, head, body))
