"""A full run of the fake server at concurrency 1 and 4: how close the run gets to the server's own limit.

The fake answers each request after a fixed latency and serves a fixed number of requests at once
(slots), like a model server with parallel slots. The limit a client can approach is the server's busy
time divided by its slots; the ratio wall / (busy / slots) says how far a run is from it (1.0 is the
limit). Verdicts must be identical at both concurrencies. Run from the checkout root:
    python benchmarks/concurrency.py [--latency 0.2] [--slots 4]
    python benchmarks/concurrency.py --base-url http://127.0.0.1:8140/v1 --model smollm2 --slots 4
With --base-url (a live server started with that many parallel slots, e.g. llama-server -np 4), the
server's busy time is the sum of the distinct exchanges' times in the concurrency-1 run, when each
request had the server to itself.

It also prints the floor the run's own design sets: the checks and client scenarios marked `alone` (their
verdicts need an otherwise idle server: delivery timing, repeatability at temperature 0, the order a
streamed n=2 answer's choices start in) send their requests one at a time, so their server time S runs
serially whatever the concurrency. Even with every other request packed perfectly into the slots, a run
takes S + (busy - S) / slots, so its ratio is at least that divided by busy / slots.
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


def _command(base_url: str, model: str, concurrency: int, out: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--base-url", base_url, "--model", model,
                           "--concurrency", str(concurrency), "--output", str(out)], capture_output=True, text=True)
    return time.perf_counter() - t0, proc.returncode


def _distinct_s(rows: list[dict]) -> float:
    """The summed time of the distinct exchanges of these rows (a shared one appears in several checks)."""
    seen = {(json.dumps(e["request"], sort_keys=True), e["elapsed_ms"]) for r in rows for e in r["evidence"]}
    return sum(ms or 0.0 for _, ms in seen) / 1000


def _alone_time_s(doc: dict) -> float:
    """The summed time of the distinct exchanges of a run, the client matrix's included."""
    return _distinct_s([*doc["checks"], *doc.get("clients", [])])


def _serial_s(doc: dict) -> float:
    """The server time of the requests that go one at a time by design: those of the alone checks and scenarios."""
    from conformance.clients.scenarios import SCENARIOS
    from conformance.registry import all_checks

    alone = {c.spec.id for c in all_checks() if c.spec.alone}
    scenarios = {s.id for s in SCENARIOS if s.alone}
    return _distinct_s([*(c for c in doc["checks"] if c["id"] in alone),
                        *(c for c in doc.get("clients", []) if c["scenario"] in scenarios)])


def run(concurrency: int, latency: float, slots: int, out: Path, live: tuple[str, str] | None = None,
        busy: float | None = None) -> dict:
    """One full run against a fresh fake (or the live server); its figures."""
    most: int | str = "-"
    if live is None:
        with FakeServer(latency=latency, slots=slots) as srv:
            wall, code = _command(srv.base_url, "fake-model", concurrency, out)
            busy, most = srv.busy_s, srv.max_in_flight
    else:
        wall, code = _command(*live, concurrency, out)
    doc = json.loads((out / "results.json").read_text())
    busy = _alone_time_s(doc) if busy is None else busy
    run_s = doc["limits"]["spent"]["duration_s"]
    return {"exit": code, "wall_s": wall, "run_s": run_s, "busy_s": busy, "max_in_flight": most,
            "requests": doc["usage"]["requests"], "tokens": doc["usage"]["total_tokens"],
            "ratio": run_s / (busy / slots), "serial_s": (serial := _serial_s(doc)),
            "floor": (serial + (busy - serial) / slots) / (busy / slots),
            "verdicts": {c["id"]: c["outcome"] for c in doc["checks"]}}


def main() -> None:
    """Print the figures for concurrency 1 and 4."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latency", type=float, default=0.2, help="seconds per request (default 0.2)")
    p.add_argument("--slots", type=int, default=4, help="requests the server serves at once (default 4)")
    p.add_argument("--base-url", help="a live server instead of the fake (started with --slots parallel slots)")
    p.add_argument("--model", default="smollm2", help="its model (with --base-url)")
    args = p.parse_args()
    live = (args.base_url, args.model) if args.base_url else None
    with tempfile.TemporaryDirectory() as tmp:
        figures = {1: run(1, args.latency, args.slots, Path(tmp) / "1", live)}
        # Live: the busy time is measured once, at concurrency 1, and is the same work at 4.
        figures[4] = run(4, args.latency, args.slots, Path(tmp) / "4", live,
                         figures[1]["busy_s"] if live else None)
    print(f"live server {args.base_url}, {args.slots} slots" if live else
          f"fake server: {args.latency:g} s per request, {args.slots} slots")
    print(f"{'concurrency':>11} {'wall s':>7} {'run s':>7} {'busy s':>7} {'in flight':>9} {'requests':>8} "
          f"{'tokens':>7} {'run/(busy/slots)':>16} {'serial s':>8} {'floor':>5}")
    for n, f in figures.items():
        print(f"{n:>11} {f['wall_s']:7.1f} {f['run_s']:7.1f} {f['busy_s']:7.1f} {f['max_in_flight']:>9} "
              f"{f['requests']:>8} {f['tokens']:>7} {f['ratio']:16.2f} {f['serial_s']:8.1f} {f['floor']:5.2f}")
    same = figures[1]["verdicts"] == figures[4]["verdicts"]
    print("wall: the whole command (start-up included); run: the run itself, from results.json")
    print("serial: server time of the alone checks' and scenarios' requests, sent one at a time by design; floor: "
          "the ratio with everything else packed perfectly, (serial + (busy - serial) / slots) / (busy / slots)")
    print(f"verdicts identical at concurrency 1 and 4: {same}")
    if not same:
        for k, v in figures[1]["verdicts"].items():
            if figures[4]["verdicts"].get(k) != v:
                print(f"  {k}: {v} vs {figures[4]['verdicts'].get(k)}")


if __name__ == "__main__":
    main()
