"""The supported-features lists that server projects publish, generated from a results document."""

from __future__ import annotations

import html
from typing import Any

from conformance import provenance
from conformance.catalog import ENDPOINT_ORDER
from conformance.clients.scenarios import label as scenario_label
from conformance.model import models_text
from conformance.verdicts import ACCEPTED, BROKEN, DEVIATES, LAX, SUPPORTED, UNTESTED

REASON_CHARS = 160


def _text(text: object) -> str:
    """Text from a server or a user, escaped: GitHub renders raw HTML in Markdown (a <script> must stay text)."""
    return html.escape(str(text), quote=False)


def _code(text: object) -> str:
    """Text inside a code span: backticks would end it early."""
    return str(text).replace("`", "'")


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return _text(text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 3] + "...")


# How a verdict reads in the two-state list: failures say how much they matter.
_WORDS = {BROKEN: "BROKEN, breaks clients", DEVIATES: "deviates from the spec", LAX: "lax validation"}


def _item(row: dict[str, Any], indent: str = "") -> str:
    verdict, reason = row["verdict"], _one_line(row["reason"])
    if verdict == SUPPORTED:
        return f"{indent}- [x] {row['label']}"
    if verdict == ACCEPTED:
        return f"{indent}- [ ] {row['label']} (accepted; no effect observed ({reason}))"
    return f"{indent}- [ ] {row['label']} ({_WORDS.get(verdict, verdict)}: {reason})"


def _heading(endpoint: str) -> str:
    return f"### `{endpoint}`" if endpoint.startswith("/") else f"### {endpoint}"


def _section(doc: dict[str, Any], endpoint: str) -> list[str]:
    feats = [r for r in doc["features"] if r["endpoint"] == endpoint]
    fields = [r for r in doc["fields"] if r["endpoint"] == endpoint]
    lines = [_heading(endpoint)]
    if feats and all(r["verdict"] == UNTESTED for r in feats + fields):
        # Nothing of it was judged (no model given for it, say): one line, not a list of empty boxes.
        why = next((r for r in feats + fields if r["checks"]), feats[0])  # a check's reason, not "no check covers it"
        return lines + [f"Untested: {_one_line(why['reason'])}."] + _works_with(doc, endpoint)
    if feats:
        lines += ["#### Supported features", *(_item(r) for r in feats)]
    if fields:
        lines.append("#### Supported request fields")
        lines += [_item(r, "  " if r["parent"] else "") for r in fields]
    return lines + _works_with(doc, endpoint)


# How a cell that did not work reads.
_CELL_WORDS = {"breaks": "breaks", "unsupported": "refused by the server", "not-offered": "not offered by the client",
               "untested": "untested", "error": "not judged"}


def _works_with(doc: dict[str, Any], endpoint: str) -> list[str]:
    """The client matrix of one endpoint: [x] where the client did the scenario and got what it asked for."""
    cells = [c for c in doc.get("clients") or [] if c["endpoint"] == endpoint]
    if not cells:
        return []
    lines = ["#### Works with"]
    for c in cells:
        what = f"{_text(c['label'])}: {_text(scenario_label(c['scenario']))}"
        if c["outcome"] == "works":
            lines.append(f"- [x] {what}")
            continue
        said = c.get("exception") or c.get("reason") or ""
        lines.append(f"- [ ] {what} ({_CELL_WORDS.get(c['outcome'], c['outcome'])}"
                     + (f": {_one_line(said)}" if said and c["outcome"] != "not-offered" else "") + ")")
    return lines


def _model_dependent(doc: dict[str, Any]) -> list[str]:
    rows = [c for c in doc["checks"] if c.get("model_dependent")]
    if not rows:
        return []
    lines = ["### Model-dependent behaviour", "Sampled more than once; reported apart from the protocol verdicts above."]
    for c in rows:
        mark = "x" if c["outcome"] == "pass" else " "
        lines.append(f"- [{mark}] {c['behavior']} ({c['outcome']}: {_one_line(c['reason'])})")
    return lines


def _reproducers(doc: dict[str, Any]) -> list[str]:
    """Full curl commands of failing generated requests: the reasons above are cut short."""
    rows = [c for c in doc["checks"] if c["outcome"] == "fail" and (c.get("details") or {}).get("reproducer")]
    lines: list[str] = []
    for c in rows:
        curl = c["details"]["reproducer"].get("curl")
        if curl:
            lines += [f"- `{c['id']}`: {_one_line(c['reason'].split('. Minimal request')[0])}", "", "  ```sh",
                      f"  {curl}", "  ```"]
    return ["### Reproducers", *lines] if lines else []


def _severities(doc: dict[str, Any]) -> str:
    f = doc.get("failures") or {}
    parts = [f"{n} {k}" for k, n in f.items() if n]
    return f" (failures: {', '.join(parts)})" if parts else ""


def render(doc: dict[str, Any]) -> str:
    """The checklist as Markdown: one section per endpoint, [x] only where the evidence says supported."""
    t = doc["target"]
    s = doc["summary"]
    counts = ", ".join(f"{n} {k}" for k, n in s.items() if n)
    server = t.get("server", {}).get("version") or t.get("server", {}).get("server_header") or "unknown"
    head = [
        f"## OpenAI compatibility: {_text(t['name'])}",
        "",
        f"Model `{_code(models_text(t))}` at {_text(t['base_url'])} (server: {_text(server)}); "
        f"oai-conformance {doc['suite']['version']}, {doc['finished_at']}"
        + (f" (replayed; {provenance.describe(doc['recording'])})" if doc.get("recording")
           else " (replayed)" if doc.get("replay") else "")
        + ("" if doc.get("complete") else " (INCOMPLETE run)")
        + ".",
        f"Checks: {counts or 'none'}{_severities(doc)}. Generated from results.json, which holds the evidence "
        "for every item. [x] means a check saw the effect; a 200 alone is not support.",
        "",
    ]
    body: list[str] = []
    for endpoint in ENDPOINT_ORDER:
        if any(r["endpoint"] == endpoint for r in [*doc["features"], *(doc.get("clients") or [])]):
            body += _section(doc, endpoint) + [""]
    extra = _model_dependent(doc)
    repro = _reproducers(doc)
    return "\n".join(head + body + (extra + [""] if extra else []) + (repro + [""] if repro else []))
