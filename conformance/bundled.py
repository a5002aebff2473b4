"""The recordings of real servers shipped with the project, and replaying all of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from conformance import compare, results
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


def replay_all(out: Path, extra: list[str] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Replay every bundled recording into out/<name>/; returns the results and any that failed to run."""
    docs, problems = [], []
    for folder in recordings():
        dest = out / folder.name
        cmd = [sys.executable, "-m", "conformance", "run", "--replay", str(folder), "--output", str(dest),
               *(extra or [])]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if not (dest / "results.json").exists():
            problems.append(f"{folder.name}: replay wrote no results (exit {proc.returncode}): {proc.stderr[-500:]}")
            continue
        doc = results.load(dest)
        docs.append(doc)
        print(f"  {folder.name}: " + ", ".join(f"{n} {k}" for k, n in doc["summary"].items() if n)
              + f" -> {dest / 'checklist.md'}")
    return docs, problems
