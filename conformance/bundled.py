"""The recordings of real servers shipped with the project, and replaying all of them."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from conformance import compare, exitcodes, results
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
    paths[2].write_text(json.dumps(matrix, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return paths


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


def replay_all(out: Path, extra: list[str] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Replay every bundled recording into out/<name>/; returns the results and any that failed to run."""
    docs, problems = [], []
    folders = recordings()
    # A process per core, each replaying its share one after the other: start-up (imports) is most of
    # a replay's cost, so it is paid once per process rather than once per recording.
    n = max(1, min(len(folders), os.cpu_count() or 1))
    groups = [folders[i::n] for i in range(n)]
    children: list[subprocess.Popen[str]] = []
    with ThreadPoolExecutor(max_workers=n) as pool:
        procs = {id(g): pool.submit(_replay_group, g, out, extra or [], children) for g in groups}
        ends = {f: procs[id(g)] for g in groups for f in g}
        try:
            for folder in folders:
                proc, dest = ends[folder].result(), out / folder.name
                if not (dest / "results.json").exists():
                    problems.append(f"{folder.name}: replay wrote no results (exit {proc.returncode}): "
                                    f"{proc.stderr[-500:]}")
                    continue
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
        code = cli.main(["run", "--replay", folder, "--output", str(out / Path(folder).name), *extra])
        gc.collect()  # the recording's garbage goes now, before the next run freezes what is alive
        if code in (exitcodes.INTERRUPTED, exitcodes.TERMINATED):
            return code  # stopped: the rest is not replayed
    return 0


if __name__ == "__main__":
    sys.exit(_replay_here(sys.argv[1:]))
