"""Prints the peak memory (RSS) of whole runs against servers whose answers never end or explode.

    python benchmarks/memory.py [--only PATTERN] [--max-body SIZE]

Servers (tests/hostile.py, 127.0.0.1): a 500 MB JSON body, a JSON string that never closes, an SSE
`data:` line that never ends, a gzip bomb (2 GiB of zeros). Each run is a full `oai-conformance run`
in its own process (with --record, so the recording's size is printed too); the figures are that
process's peak resident set size, from wait4().
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance import results  # noqa: E402
from tests.hostile import hostile  # noqa: E402

SERVERS = ("large-body", "endless-string", "endless-line", "gzip-bomb")


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def measure(fault: str, work: Path, extra: list[str]) -> str:
    """One run against one hostile server; a line of figures."""
    out, rec = work / fault / "out", work / fault / "rec"
    with hostile(fault) as url:
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "conformance", "run", "--base-url", url, "--model", "m", "--timeout", "30",
             "--output", str(out), "--record", str(rec), *extra],
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
    doc = results.load(out) if (out / "results.json").exists() else None
    counts = ", ".join(f"{n} {k}" for k, n in doc["summary"].items() if n) if doc else "no results"
    return (f"{fault:15} peak RSS {usage.ru_maxrss / 1024:7.1f} MB  wall {wall:6.1f} s  exit {proc.returncode:3}  "
            f"results.json {(out / 'results.json').stat().st_size / 1e6 if doc else 0:5.2f} MB  "
            f"recording {_folder_size(rec) / 1e6 if rec.exists() else 0:6.2f} MB  ({counts})")


def main() -> None:
    """Measure and print one line per server."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="check ids to run (default: the whole suite)")
    p.add_argument("--max-body", help="passed on to the runs (default: the command's default)")
    args = p.parse_args()
    extra = (["--only", args.only] if args.only else []) + (["--max-body", args.max_body] if args.max_body else [])
    with tempfile.TemporaryDirectory() as tmp:
        for fault in SERVERS:
            print(measure(fault, Path(tmp), extra), flush=True)


if __name__ == "__main__":
    main()
