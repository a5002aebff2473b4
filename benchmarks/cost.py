"""Prints what a run costs: requests and tokens, the wall time of a live run on the fake server, and for
every bundled recording the time its replay took (reading files, not the server's time) beside the
server time the recording measured (the sum of its stored latencies; recordings made before latencies
were stored have none).

    python benchmarks/cost.py
    python benchmarks/cost.py --base-url http://127.0.0.1:8086/v1 --model smollm2   # a live server instead

With --base-url it runs the whole suite once against that server and prints what the run spent (requests,
tokens, wall time; per endpoint), the chat run (the /v1/chat/completions part of the run's usage, split into
the client matrix's cells and the checks) and the verdict counts, so a change to the checks can be measured
before and after on the same server.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance import bundled, results  # noqa: E402
from tests.fake import FakeServer  # noqa: E402

CHAT = "/v1/chat/completions"


def _run(args: list[str], out: Path) -> tuple[float, dict]:
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "conformance", "run", *args, "--output", str(out)],
                   capture_output=True, text=True, cwd=ROOT)
    return time.monotonic() - start, results.load(out)


def _live(base_url: str, model: str, keep: Path | None) -> None:
    """One full run against a live server: what it spent and what it found (its folder kept in keep, if given)."""
    with tempfile.TemporaryDirectory() as tmp:
        secs, doc = _run(["--base-url", base_url, "--model", model], keep or Path(tmp) / "live")
    u, s = doc["usage"], doc["summary"]
    print(f"{base_url}: {len(doc['checks'])} checks, {u['requests']} requests, {u['prompt_tokens']} prompt + "
          f"{u['completion_tokens']} completion = {u['total_tokens']} tokens, {secs:.1f} s wall")
    for endpoint, part in (u.get("endpoints") or {}).items():
        print(f"  {endpoint}: {part['requests']} requests, {part['total_tokens']} tokens")
    chat = (u.get("endpoints") or {}).get(CHAT)
    if chat:
        cells, cell_tokens = _client_spend(doc, CHAT)
        print(f"chat run ({CHAT}): {chat['requests']} requests, {chat['total_tokens']} tokens; of them the client "
              f"matrix's cells {cells} requests, {cell_tokens} tokens; the checks {chat['requests'] - cells} requests, "
              f"{chat['total_tokens'] - cell_tokens} tokens")
    print("verdicts: " + ", ".join(f"{v} {k}" for k, v in s.items() if v))


def _client_spend(doc: dict, endpoint: str) -> tuple[int, int]:
    """Requests and reported tokens of the client matrix's cells on one endpoint (from their evidence)."""
    requests = tokens = 0
    for cell in doc.get("clients") or []:
        for ex in cell.get("evidence") or []:
            if not ex["request"]["url"].split("?")[0].endswith(endpoint[3:]):
                continue
            requests += 1
            body = (ex.get("response") or {}).get("body")
            usage = body.get("usage") if isinstance(body, dict) else None
            if isinstance(usage, dict):
                tokens += sum(v for k, v in usage.items() if k in ("prompt_tokens", "completion_tokens")
                              and isinstance(v, int))
    return requests, tokens


def main() -> None:
    """Measure and print one line per run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", help="measure one run against this live server instead")
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--keep", type=Path, help="with --base-url: write the run's reports here (to compare verdicts)")
    args = parser.parse_args()
    if args.base_url:
        _live(args.base_url, args.model, args.keep)
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        with FakeServer() as srv:
            secs, doc = _run(["--base-url", srv.base_url, "--model", "fake-model"], Path(tmp) / "fake")
        rows.append(("fake server, live", secs, doc))
        for folder in bundled.recordings():
            secs, doc = _run(["--replay", str(folder)], Path(tmp) / folder.name)
            rows.append((f"{folder.name}, replayed", secs, doc))
    print(f"{'run':<34} {'checks':>6} {'requests':>9} {'tokens':>8} {'wall s':>7} {'replay s':>8} {'recorded s':>10}")
    for name, secs, doc in rows:
        u = doc["usage"]
        lat = (doc.get("recording") or {}).get("latencies") or {}
        recorded = f"{lat['total_ms'] / 1000:.1f}" if lat.get("timed") else ("n/a" if doc.get("replay") else "")
        wall, replay = ("", f"{secs:.1f}") if doc.get("replay") else (f"{secs:.1f}", "")
        print(f"{name:<34} {len(doc['checks']):>6} {u['requests']:>9} {u['total_tokens']:>8} {wall:>7} {replay:>8} "
              f"{recorded:>10}")
        parts = u.get("endpoints") or {}
        for endpoint, part in parts.items() if len(parts) > 1 else ():
            print(f"  {endpoint:<32} {'':>6} {part['requests']:>9} {part['total_tokens']:>8}")
    print("Indented rows: the same run's requests and tokens per endpoint (results.json usage.endpoints).")
    print("wall s: a live run, start to end. replay s: replaying a recording (reading files; no server involved).")
    print("recorded s: the server time the recording measured, summed over its distinct exchanges (requests ran")
    print("  concurrently when recorded, so this is not the recorded run's wall time); n/a: the recording predates")
    print("  stored latencies. Replayed requests and tokens are those the recorded run spent against the real server.")


if __name__ == "__main__":
    main()
