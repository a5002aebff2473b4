"""The recordings of real servers shipped with the project, and replaying all of them."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from conformance import compare, exitcodes, guard, results
from conformance.jsontext import indented
from conformance.recording import TARGET_FILE
from conformance.render import comparison


def cassette_root() -> Path:
    """Installed wheels carry the recordings inside the package; a checkout has them at the top."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_cassettes", here.parent / "cassettes"):
        if candidate.is_dir():
            return candidate
    return here.parent / "cassettes"


def recordings(root: Path | None = None) -> list[Path]:
    """Every recorded target folder, sorted by name."""
    root = root or cassette_root()
    return sorted(p.parent for p in root.glob(f"*/{TARGET_FILE}"))


def write_comparison(docs: list[dict[str, Any]], out: Path) -> list[Path]:
    """Write comparison.md, comparison.html and comparison.json; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    matrix = compare.build(docs)
    paths = [out / "comparison.md", out / "comparison.html", out / "comparison.json"]
    paths[0].write_text(comparison.markdown(matrix), encoding="utf-8")
    paths[1].write_text(comparison.html(matrix), encoding="utf-8")
    paths[2].write_text(indented(matrix, allow_nan=True) + "\n", encoding="utf-8")
    return paths


# The line a replaying process prints after each recording (its own standard output, not the user's console):
# how long that recording took in it, for benchmarks/replay.py.
TIMING = "oai-conformance-timing "


def groups(folders: list[Path]) -> list[list[Path]]:
    """The recordings each replaying process takes, one process per core.

    Start-up (imports, the official client's first use, the clients' processes) is most of a replay's cost, so
    it is paid once per process rather than once per recording.
    """
    n = max(1, min(len(folders), os.cpu_count() or 1))
    return [folders[i::n] for i in range(n)]


def _replay_group(folders: list[Path], out: Path, extra: list[str],
                  children: list[subprocess.Popen[str]]) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "conformance.bundled", str(out), *map(str, folders), "--", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children.append(proc)
    stdout, stderr = proc.communicate()
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def _stop(children: list[subprocess.Popen[str]]) -> None:
    """Stop the children the way this process was stopped, so they write their partial results, and wait."""
    # SIGTERM reaches only us (Ctrl-C reaches the whole process group): pass it on, never leave one running.
    for proc in children:
        if proc.poll() is None:
            proc.terminate()
    for proc in children:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def replay_all(out: Path, extra: list[str] | None = None,
               timings: list[dict[str, Any]] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Replay every bundled recording into out/<name>/; returns the results and any that failed to run.

    timings, if given, gets each recording's wall and CPU seconds in the process that replayed it.
    """
    docs, problems = [], []
    folders = recordings()
    shares = groups(folders)
    children: list[subprocess.Popen[str]] = []
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        procs = {id(g): pool.submit(_replay_group, g, out, extra or [], children) for g in shares}
        ends = {f: procs[id(g)] for g in shares for f in g}
        try:
            for folder in folders:
                proc, dest = guard.result_of(ends[folder]), out / folder.name
                if not (dest / "results.json").exists():
                    problems.append(f"{folder.name}: replay wrote no results (exit {proc.returncode}): "
                                    f"{proc.stderr[-500:]}")
                    continue
                if timings is not None:
                    timings.extend(t for line in proc.stdout.splitlines() if line.startswith(TIMING)
                                   if (t := json.loads(line[len(TIMING):]))["recording"] == folder.name)
                doc = results.load(dest)
                docs.append(doc)
                print(f"  {folder.name}: " + ", ".join(f"{n} {k}" for k, n in doc["summary"].items() if n)
                      + f" -> {dest / 'checklist.md'}")
        except BaseException:
            _stop(children)
            raise
    return docs, problems


def _replay_here(argv: list[str]) -> int:
    """Replay the given recordings one after the other in this process: OUT FOLDER... -- EXTRA..."""
    from conformance import cli
    from conformance.clients import process

    # The recordings replay one after the other: each client's process serves them all instead of starting anew.
    process.keep_warm()
    cut = argv.index("--") if "--" in argv else len(argv)
    out, folders, extra = Path(argv[0]), argv[1:cut], argv[cut + 1:]
    for folder in folders:
        wall, cpu = time.perf_counter(), time.process_time()
        code = cli.main(["run", "--replay", folder, "--output", str(out / Path(folder).name), *extra])
        gc.collect()  # the recording's garbage goes now, before the next run freezes what is alive
        print(TIMING + json.dumps({"recording": Path(folder).name, "wall_s": round(time.perf_counter() - wall, 3),
                                   "cpu_s": round(time.process_time() - cpu, 3)}), flush=True)
        if code in (exitcodes.INTERRUPTED, exitcodes.TERMINATED):
            return code  # stopped: the rest is not replayed
    return 0


if __name__ == "__main__":
    sys.exit(_replay_here(sys.argv[1:]))
