"""A full run of the fake server at concurrency 1 and 4: how close the run gets to the server's own limit.

The fake answers each request after a fixed latency and serves a fixed number of requests at once
(slots), like a model server with parallel slots. The limit a client can approach is the server's busy
time divided by its slots; the ratio wall / (busy / slots) says how far a run is from it (1.0 is the
limit). Verdicts must be identical at both concurrencies. Run from the checkout root:
    python benchmarks/concurrency.py [--latency 0.2] [--slots 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fake, from a checkout

from tests.fake import FakeServer  # noqa: E402


def run(concurrency: int, latency: float, slots: int, out: Path) -> dict:
    """One full run against a fresh fake; its figures."""
    with FakeServer(latency=latency, slots=slots) as srv:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--base-url", srv.base_url,
                               "--model", "fake-model", "--concurrency", str(concurrency), "--output", str(out)],
                              capture_output=True, text=True)
        wall = time.perf_counter() - t0
        busy, most = srv.busy_s, srv.max_in_flight
    doc = json.loads((out / "results.json").read_text())
    run_s = doc["limits"]["spent"]["duration_s"]
    return {"exit": proc.returncode, "wall_s": wall, "run_s": run_s, "busy_s": busy, "max_in_flight": most,
            "requests": doc["usage"]["requests"], "tokens": doc["usage"]["total_tokens"],
            "ratio": run_s / (busy / slots), "verdicts": {c["id"]: c["outcome"] for c in doc["checks"]}}


def main() -> None:
    """Print the figures for concurrency 1 and 4."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latency", type=float, default=0.2, help="seconds per request (default 0.2)")
    p.add_argument("--slots", type=int, default=4, help="requests the fake serves at once (default 4)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = {n: run(n, args.latency, args.slots, Path(tmp) / str(n)) for n in (1, 4)}
    print(f"fake server: {args.latency:g} s per request, {args.slots} slots")
    print(f"{'concurrency':>11} {'wall s':>7} {'run s':>7} {'busy s':>7} {'in flight':>9} {'requests':>8} "
          f"{'tokens':>7} {'run/(busy/slots)':>16}")
    for n, f in figures.items():
        print(f"{n:>11} {f['wall_s']:7.1f} {f['run_s']:7.1f} {f['busy_s']:7.1f} {f['max_in_flight']:>9} "
              f"{f['requests']:>8} {f['tokens']:>7} {f['ratio']:16.2f}")
    same = figures[1]["verdicts"] == figures[4]["verdicts"]
    print("wall: the whole command (start-up included); run: the run itself, from results.json")
    print(f"verdicts identical at concurrency 1 and 4: {same}")
    if not same:
        for k, v in figures[1]["verdicts"].items():
            if figures[4]["verdicts"].get(k) != v:
                print(f"  {k}: {v} vs {figures[4]['verdicts'].get(k)}")


if __name__ == "__main__":
    main()
