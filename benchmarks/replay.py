"""Replay time of every bundled recording, one at a time and all together as `oai-conformance run` does.

Prints wall and CPU seconds per recording (CPU is the figure that holds on a busy shared machine), with and
without the client matrix (--no-clients: what the checks and the run's own start-up cost; the rest is the
clients'), then the whole bundled replay (recordings replayed side by side on every core). Run from the
checkout root:
    python benchmarks/replay.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance import bundled


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of the child, exit code."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    code = subprocess.run(cmd, capture_output=True).returncode
    return time.perf_counter() - t0, _children_cpu() - cpu0, code


def main() -> None:
    """Print the figures."""
    folders = bundled.recordings()
    with tempfile.TemporaryDirectory() as tmp:
        total = [0.0, 0.0, 0.0, 0.0]
        print(f"{'recording':<26} {'wall s':>7} {'cpu s':>7} {'no clients: wall s':>19} {'cpu s':>7}")
        for f in folders:
            cmd = [sys.executable, "-m", "conformance", "run", "--replay", str(f), "--output", str(Path(tmp) / f.name)]
            wall, cpu, code = timed(cmd)
            bare_wall, bare_cpu, _ = timed([*cmd, "--no-clients"])
            for i, v in enumerate((wall, cpu, bare_wall, bare_cpu)):
                total[i] += v
            print(f"{f.name:<26} {wall:7.2f} {cpu:7.2f} {bare_wall:19.2f} {bare_cpu:7.2f}"
                  + ("" if code in (0, 1) else f"  exit {code}"))
        print(f"{'sum, one at a time':<26} {total[0]:7.2f} {total[1]:7.2f} {total[2]:19.2f} {total[3]:7.2f}")
        wall, cpu, code = timed([sys.executable, "-m", "conformance", "run", "--output", str(Path(tmp) / "all")])
        print(f"{'all bundled (side by side)':<26} {wall:7.2f} {cpu:7.2f}  exit {code}")


if __name__ == "__main__":
    main()
