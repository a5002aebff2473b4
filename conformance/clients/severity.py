"""A spec failure a client breaks on is a client-breaking failure: the failing check cites the clients it breaks.

Linked by endpoint and feature: a cell of a scenario that depends on a check's feature, on the check's
endpoint, that broke. A deviation no client notices keeps its milder severity.
"""

from __future__ import annotations

from typing import Any

from conformance.clients.scenarios import BY_ID

DETAIL = "clients"
MILDER = ("violates-spec",)


def broken_by(check: dict[str, Any], cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The broken cells whose scenario depends on this check's endpoint and feature."""
    out = []
    for cell in cells:
        scenario = BY_ID.get(cell.get("scenario", ""))
        if (cell.get("outcome") == "breaks" and scenario is not None and scenario.endpoint == check.get("endpoint")
                and check.get("feature") in scenario.features):
            out.append(cell)
    return out


def what_broke(cell: dict[str, Any]) -> str:
    """'openai-node chat.stream-helper: TypeError: ...' (the exception, or the wrong value's reason)."""
    said = cell.get("exception") or cell.get("reason") or "broke"
    said = " ".join(str(said).split())
    return f"{cell['label']} {cell['scenario']}: {said[:200]}"


def cite(checks: list[dict[str, Any]], cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The checks, with each milder failure that a client broke on raised to breaks-clients, citing the clients."""
    if not cells:
        return checks
    out = []
    for check in checks:
        broken = broken_by(check, cells) if check.get("outcome") == "fail" and check.get("severity") in MILDER else []
        if broken:
            names = "; ".join(what_broke(c) for c in broken[:3])
            details = {**(check.get("details") or {}),
                       DETAIL: {"severity": check["severity"], "cells": [c["id"] for c in broken]}}
            check = {**check, "severity": "breaks-clients", "details": details,
                     "reason": f"breaks-clients: {names}; {check['reason']}"}
        out.append(check)
    return out
