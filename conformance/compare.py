"""The comparison matrix: features and request fields as rows, targets as columns, from results files."""

from __future__ import annotations

import json
from typing import Any

from conformance.catalog import ENDPOINT_ORDER
from conformance.clients.scenarios import label as scenario_label
from conformance.model import MODEL_KINDS


EVIDENCE_CHARS = 1500


def _clip(part: dict[str, Any] | None) -> Any:
    """Keep a matrix of many targets small: the full exchange stays in each target's results.json."""
    if part is None:
        return None
    text = json.dumps(part, ensure_ascii=False)
    if len(text) <= EVIDENCE_CHARS:
        return part
    return {k: v for k, v in part.items() if k not in ("body", "raw", "headers")} | {
        "clipped": text[:EVIDENCE_CHARS] + f"... [{len(text) - EVIDENCE_CHARS} more characters in results.json]"
    }


def _evidence(check: dict[str, Any], clipped: dict[int, Any] | None = None) -> dict[str, Any]:
    """A check's first exchange, clipped (clipped: what was clipped already, by part: a check has many rows)."""
    ev = check.get("evidence") or []
    first = ev[0] if ev else None

    def clip(part: dict[str, Any]) -> Any:
        if clipped is None:
            return _clip(part)
        if id(part) not in clipped:
            clipped[id(part)] = _clip(part)
        return clipped[id(part)]

    return {
        "id": check["id"],
        "outcome": check["outcome"],
        "reason": check["reason"],
        "request": clip(first["request"]) if first else None,
        "response": clip(first["response"]) if first else None,
    }


def _cell(by_id: dict[str, dict[str, Any]], row: dict[str, Any], clipped: dict[int, Any]) -> dict[str, Any]:
    return {
        "verdict": row["verdict"],
        "reason": row["reason"],
        "checks": [_evidence(by_id[i], clipped) for i in row["checks"] if i in by_id],
    }


def build(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Combine results documents (one per target) into one matrix."""
    names = _unique_names(docs)
    rows: list[dict[str, Any]] = []
    # Looked up once per document, not once per cell (15 documents x 211 rows x 243 checks).
    checks = [{c["id"]: c for c in doc["checks"]} for doc in docs]
    clipped: dict[int, Any] = {}  # keyed by id(): the documents, and so every part, outlive the build
    for kind in ("features", "fields"):
        keys: dict[tuple[str, str], None] = {}  # in order of first appearance
        found: list[dict[tuple[str, str], dict[str, Any]]] = []
        for doc in docs:
            mine: dict[tuple[str, str], dict[str, Any]] = {}
            for r in doc[kind]:
                keys.setdefault((r["endpoint"], r["key"]))
                mine.setdefault((r["endpoint"], r["key"]), r)  # the first row of a key, as a search would find
            found.append(mine)
        ordered = sorted(keys, key=lambda k: ENDPOINT_ORDER.index(k[0]) if k[0] in ENDPOINT_ORDER
                         else len(ENDPOINT_ORDER))
        for endpoint, key in ordered:
            cells: dict[str, Any] = {}
            label, parent = key, None
            for name, by_key, by_id in zip(names, found, checks):
                row = by_key.get((endpoint, key))
                if row is None:
                    cells[name] = {"verdict": "untested", "reason": "not in this run", "checks": []}
                    continue
                label, parent = row["label"], row["parent"]
                cells[name] = _cell(by_id, row, clipped)
            rows.append({"kind": kind[:-1], "endpoint": endpoint, "key": key, "label": label, "parent": parent,
                         "cells": cells})
    return {"targets": [_target(n, d) for n, d in zip(names, docs)], "rows": rows + _client_rows(names, docs)}


# A client cell as a verdict of the matrix: what the client met, in the palette of the features.
CELL_VERDICT = {"works": "supported", "breaks": "broken", "unsupported": "unsupported", "not-offered": "untested",
                "untested": "untested", "error": "untested"}


def _client_rows(names: list[str], docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per client and scenario: does the client work against each target."""
    keys: dict[tuple[str, str], str] = {}
    for doc in docs:
        for c in doc.get("clients") or []:
            keys.setdefault((c["endpoint"], c["id"]), f"{c['label']}: {scenario_label(c['scenario'])}")
    rows = []
    for (endpoint, cid), label in keys.items():
        cells: dict[str, Any] = {}
        for name, doc in zip(names, docs):
            cell = next((c for c in doc.get("clients") or [] if c["id"] == cid), None)
            if cell is None:
                cells[name] = {"verdict": "untested", "reason": "not in this run", "checks": []}
                continue
            said = cell.get("exception") or cell.get("reason") or ""
            reason = cell["outcome"] if cell["outcome"] == "works" else f"{cell['outcome']}: {said}".rstrip(": ")
            cells[name] = {"verdict": CELL_VERDICT.get(cell["outcome"], "untested"), "reason": reason,
                           "checks": [_evidence({**cell, "reason": reason})]}
        rows.append({"kind": "client", "endpoint": endpoint, "key": cid, "label": label, "parent": None,
                     "cells": cells})
    # After the features and fields, endpoint by endpoint (a stable sort keeps the clients' order).
    return sorted(rows, key=lambda r: ENDPOINT_ORDER.index(r["endpoint"]) if r["endpoint"] in ENDPOINT_ORDER
                  else len(ENDPOINT_ORDER))


def _target(name: str, doc: dict[str, Any]) -> dict[str, Any]:
    t = doc["target"]
    return {
        "name": name,
        "model": t["model"],
        **{key: t.get(key) for key, _ in MODEL_KINDS[1:]},
        "server": t.get("server", {}).get("version") or t.get("server", {}).get("server_header"),
        "finished_at": doc["finished_at"],
        "replay": doc.get("replay", False),
        "recording": doc.get("recording"),
        "summary": doc["summary"],
        "usage": doc["usage"],
    }


def _unique_names(docs: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for doc in docs:
        base = doc["target"]["name"]
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names
