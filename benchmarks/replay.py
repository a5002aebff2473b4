"""Replay time of the bundled recordings: the floor of a fresh process, each recording alone, and all of them.

Prints wall and CPU seconds (CPU is the figure that holds on a busy shared machine):
- the floor every fresh process pays: the interpreter, then `import conformance.cli`;
- each recording replayed alone in a fresh process (`oai-conformance run --replay cassettes/NAME`), with the
  client matrix and without it (--no-clients: the checks and the run's own start-up; the difference is the
  clients': their processes start, load their packages and run their scenarios);
- every recording replayed side by side as `oai-conformance run` with no target does (one process per core,
  each replaying its share one after the other with warm client processes): each recording's time in the
  process that replayed it (the first of each process pays the start-up), then the whole, clients included.
Run from the checkout root (--only: those recordings alone, and not the side-by-side replay of every one):
    python benchmarks/replay.py [--only NAME ...] [--no-alone] [--repeat N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
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


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of the child and everything it started, exit code."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    code = subprocess.run(cmd, capture_output=True).returncode
    return time.perf_counter() - t0, _children_cpu() - cpu0, code


def best(cmd: list[str], repeat: int) -> tuple[float, float, int]:
    """The lowest wall and CPU of a few runs (other load on the machine only ever adds)."""
    runs = [timed(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs), runs[-1][2]


def floor(repeat: int) -> None:
    """What any fresh process pays before its first check."""
    print(f"{'fresh process':<44} {'wall s':>7} {'cpu s':>7}")
    for label, code in (("python -c pass", "pass"), ("python -c 'import conformance.cli'", "import conformance.cli")):
        wall, cpu, _ = best([sys.executable, "-c", code], repeat)
        print(f"{label:<44} {wall:7.2f} {cpu:7.2f}")


def alone(folders: list[Path], tmp: Path, repeat: int) -> None:
    """Each recording replayed in a fresh process of its own, with and without the client matrix."""
    print()
    print(f"{'one recording, fresh process':<28} {'wall s':>7} {'cpu s':>7} {'no clients: wall s':>19} {'cpu s':>7}")
    total = [0.0, 0.0, 0.0, 0.0]
    for f in folders:
        cmd = [sys.executable, "-m", "conformance", "run", "--replay", str(f), "--output", str(tmp / f.name)]
        wall, cpu, code = best(cmd, repeat)
        bare_wall, bare_cpu, _ = best([*cmd, "--no-clients"], repeat)
        for i, v in enumerate((wall, cpu, bare_wall, bare_cpu)):
            total[i] += v
        print(f"{f.name:<28} {wall:7.2f} {cpu:7.2f} {bare_wall:19.2f} {bare_cpu:7.2f}"
              + ("" if code in (0, 1) else f"  exit {code}"))
    print(f"{'sum, one after another':<28} {total[0]:7.2f} {total[1]:7.2f} {total[2]:19.2f} {total[3]:7.2f}")


def side_by_side(tmp: Path) -> None:
    """The bundled replay as `oai-conformance run` runs it, with each recording's share of it."""
    timings: list[dict] = []
    cpu0, own0, t0 = _children_cpu(), _own_cpu(), time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # its per-recording summary lines: not figures
        docs, problems = bundled.replay_all(tmp / "all", timings=timings)
    bundled.write_comparison(docs, tmp / "all")
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0 + _own_cpu() - own0
    shares = bundled.groups(bundled.recordings())
    print()
    print(f"all {len(docs)} side by side, {len(shares)} processes: each recording in the process that replayed it")
    print(f"{'recording':<28} {'process':>7} {'wall s':>7} {'cpu s':>7}   (the process's own CPU, not its clients')")
    where = {f.name: i + 1 for i, g in enumerate(shares) for f in g}
    for t in sorted(timings, key=lambda t: (where[t["recording"]], t["recording"])):
        print(f"{t['recording']:<28} {where[t['recording']]:>7} {t['wall_s']:7.2f} {t['cpu_s']:7.2f}")
    print(f"{'whole bundled replay':<28} {'':>7} {wall:7.2f} {cpu:7.2f}   (clients and comparison included; "
          "add the floor's import for the command)")
    for p in problems:
        print(f"  problem: {p}")


def main() -> None:
    """Print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", help="replay only these recordings alone (by folder name), not all side by side")
    p.add_argument("--no-alone", action="store_true", help="skip the one-recording-per-process figures")
    p.add_argument("--repeat", type=int, default=1, help="runs of each fresh-process figure; the best is shown")
    args = p.parse_args()
    folders = [f for f in bundled.recordings() if not args.only or f.name in args.only]
    with tempfile.TemporaryDirectory() as tmp:
        floor(max(3, args.repeat))
        if not args.no_alone:
            alone(folders, Path(tmp), args.repeat)
        if not args.only:  # --only measures those recordings alone, without loading both cores with the rest
            side_by_side(Path(tmp))


if __name__ == "__main__":
    main()
