"""Prints what a run costs: requests, tokens and wall time, live on the fake server and replayed from
every bundled recording (with the recorded run's own request and token counts).

    python benchmarks/cost.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance import bundled, results  # noqa: E402
from tests.fake import FakeServer  # noqa: E402


def _run(args: list[str], out: Path) -> tuple[float, dict]:
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "conformance", "run", *args, "--output", str(out)],
                   capture_output=True, text=True, cwd=ROOT)
    return time.monotonic() - start, results.load(out)


def main() -> None:
    """Measure and print one line per run."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        with FakeServer() as srv:
            secs, doc = _run(["--base-url", srv.base_url, "--model", "fake-model"], Path(tmp) / "fake")
        rows.append(("fake server, live", secs, doc))
        for folder in bundled.recordings():
            secs, doc = _run(["--replay", str(folder)], Path(tmp) / folder.name)
            rows.append((f"{folder.name}, replayed", secs, doc))
    print(f"{'run':<34} {'checks':>6} {'requests':>9} {'tokens':>8} {'seconds':>8}")
    for name, secs, doc in rows:
        u = doc["usage"]
        print(f"{name:<34} {len(doc['checks']):>6} {u['requests']:>9} {u['total_tokens']:>8} {secs:>8.1f}")
    print("(replayed rows: requests and tokens are those the recorded run spent against the real server)")


if __name__ == "__main__":
    main()
