"""Prints what the official-SDK judge costs and finds: every distinct 2xx answer of every bundled recording,
handed to the openai client in memory, with the import time, the time per answer and the failures.

    python benchmarks/judge.py [--failures]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance import bundled  # noqa: E402
from conformance.judge import openai_sdk  # noqa: E402


def _answers(folder: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The distinct recorded interactions of one recording (sent ones and cache hits)."""
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or "interactions" not in doc:
            continue
        cached = [c["interaction"] for c in doc.get("metadata", {}).get("cached", [])]
        for i in doc["interactions"] + cached:
            key = (i["request"]["uri"], str(i["request"]["body"]), i["response"]["body"]["string"])
            seen.setdefault(key, i)
    return seen


def _judge(i: dict[str, Any]) -> openai_sdk.Judgement | None:
    req, resp = i["request"], i["response"]
    try:
        body = json.loads(req["body"]) if req["body"] else None
    except ValueError:
        body = None
    headers = [(k, v) for k, vs in resp["headers"].items() for v in vs]
    return openai_sdk.judge(req["method"], req["uri"], body, resp["status"]["code"], headers,
                            resp["body"]["string"].encode())


def main() -> None:
    """Measure and print one line per recording (and each failure with --failures)."""
    start = time.perf_counter()
    sdk = openai_sdk.version()
    print(f"{sdk}: import {time.perf_counter() - start:.2f} s")
    print(f"{'recording':<24} {'answers':>7} {'judged':>6} {'failed':>6} {'seconds':>8} {'ms/answer':>9}")
    for folder in bundled.recordings():
        answers = list(_answers(folder).values())
        start = time.perf_counter()
        found = [(i, _judge(i)) for i in answers]
        secs = time.perf_counter() - start
        judged = [(i, j) for i, j in found if j is not None]
        failed = [(i, j) for i, j in judged if not j.ok]
        print(f"{folder.name:<24} {len(answers):>7} {len(judged):>6} {len(failed):>6} {secs:>8.2f} "
              f"{1000 * secs / max(1, len(judged)):>9.1f}")
        if "--failures" in sys.argv:
            for i, j in failed:
                print(f"    {i['request']['method']} {i['request']['uri']}: {j.describe()}")


if __name__ == "__main__":
    main()
