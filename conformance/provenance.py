"""Where a replayed run's answers come from: when and against what they were recorded, and how fast they came."""

from __future__ import annotations

import json
import statistics
from typing import Any

# Recordings made before this day store no latencies (vcrpy cassettes have no timing of their own).
LATENCIES_SINCE = "30 Nov 2026"


def _latencies(checks: list[dict[str, Any]]) -> dict[str, Any]:
    """The recorded elapsed_ms of each distinct exchange (a cached answer shows in every check that used it)."""
    seen: dict[str, float | None] = {}
    for c in checks:
        for e in c.get("evidence") or []:
            key = json.dumps([e.get("request"), e.get("response", {}).get("headers")], sort_keys=True, default=str)
            seen.setdefault(key, e.get("elapsed_ms"))
    timed = sorted(v for v in seen.values() if isinstance(v, (int, float)))
    out: dict[str, Any] = {"exchanges": len(seen), "timed": len(timed)}
    if timed:
        out |= {"total_ms": round(sum(timed), 1), "median_ms": round(statistics.median(timed), 1),
                "max_ms": round(timed[-1], 1)}
    return out


def build(recorded: dict[str, Any], checks: list[dict[str, Any]]) -> dict[str, Any]:
    """The recording block of a replayed results document, from the cassette folder's target.json."""
    server = recorded.get("server") or {}
    return {
        "recorded_at": recorded.get("recorded_at"),
        "suite_version": recorded.get("suite_version"),
        "server_version": server.get("version") or server.get("server_header"),
        "latencies": _latencies(checks),
    }


def describe(rec: dict[str, Any]) -> str:
    """One clause for the reports: when it was recorded, and its latencies (or why there are none).

    The server it was recorded against is the target's server version, which every report already shows.
    """
    lat = rec.get("latencies") or {}
    if lat.get("timed"):
        speed = (f"recorded latencies: median {lat['median_ms']:.0f} ms, max {lat['max_ms']:.0f} ms, "
                 f"{lat['total_ms'] / 1000:.1f} s over {lat['timed']} of {lat['exchanges']} exchanges")
    else:
        speed = (f"no recorded latencies: the recording predates their storage (recordings keep them since "
                 f"{LATENCIES_SINCE}); re-record to see them")
    return (f"recorded {rec.get('recorded_at') or 'at an unknown time'} "
            f"with oai-conformance {rec.get('suite_version') or 'unknown'}; {speed}")
