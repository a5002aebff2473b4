"""The least CPU the bundled replay's required parts take, before any check or client runs.

The bundled replay (`oai-conformance run` with no target) gives every recording a pytest session with one
item per check, JUnit and pytest-html reports, and has the official openai client judge every 2xx answer
(design card: pytest, pytest-html, JUnit; "where the official client can judge the same bytes, let it").
This prints what those parts cost alone, each measured in a fresh process:
- start-up: `import conformance.cli` and the official client, once per replaying process;
- pytest: one session per recording with as many no-op items as the suite has checks, writing JUnit and
  pytest-html reports (pytest's own per-item protocol and report writing, no check code);
- the official client judging every recorded 2xx answer once (the replay judges each distinct answer once).
Their sum divided by the cores is the wall time no replay with these parts can beat on this machine, however
fast the checks and the clients become. The same parts for one recording in a fresh process (--one NAME,
default llama-server) are the floor of `oai-conformance run --replay cassettes/NAME`. Run from the checkout root:
    python benchmarks/replay_floor.py [--one NAME]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap

from conformance import bundled
from conformance.registry import all_checks


def _cpu_of(code: str, *args: str) -> float:
    """CPU seconds of a fresh interpreter running code (and everything it starts)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _best(code: str, *args: str, repeat: int = 3) -> float:
    """The lowest CPU of a few runs (other load on the machine only ever adds)."""
    return min(_cpu_of(code, *args) for _ in range(repeat))


_PYTEST = textwrap.dedent("""
    import contextlib, io, sys, time
    import pytest
    folder, items, sessions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(folder + "/test_items.py", "w") as f:
        f.write("import pytest\\n@pytest.mark.parametrize('i', range(%d))\\ndef test_item(i):\\n    pass\\n" % items)
    # Warm: a first session loads pytest's plugins (this project's among them, already counted as start-up).
    for n in range(sessions + 1):
        if n == 1:
            start = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", folder, f"--junitxml={folder}/{n}.xml",
                         f"--html={folder}/{n}.html", "--self-contained-html", folder + "/test_items.py"])
    print(time.process_time() - start)
""")

_JUDGE = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from conformance.judge import openai_sdk
    from conformance.recording import _wire
    import conformance.cli, openai  # counted as start-up; the first judgements' model building counts here
    start = time.process_time()
    judged = skipped = 0
    seen = set()  # per recording: an answer several checks share is judged once
    for cassette in sorted(Path(sys.argv[1]).glob(sys.argv[2] + "/*.json")):
        if cassette.name.startswith("client.") or cassette.name == "preflight.json":
            continue  # the client matrix's exchanges: the clients judge those, not the official client's judge
        try:
            doc = json.loads(cassette.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("interactions"), list):
            continue  # target.json and other files beside the cassettes
        interactions = doc["interactions"] + [c["interaction"] for c in doc.get("metadata", {}).get("cached", [])]
        for interaction in interactions:
            w = _wire(interaction)
            key = (cassette.parent.name, w.method, w.url, w.request_body, w.status, w.response_body)
            if key in seen or not 200 <= w.status < 300:
                continue
            seen.add(key)
            try:
                body = json.loads(w.request_body) if w.request_body else None
            except ValueError:
                skipped += 1  # an upload: judged through its form fields in a run, not counted here
                continue
            openai_sdk.judge(w.method, w.url, body, w.status, w.response_headers, w.response_body)
            judged += 1
    print(time.process_time() - start, judged, skipped)
""")


def _pytest_s(items: int, sessions: int) -> float:
    """CPU seconds of that many warm pytest sessions of no-op items with reports, in one process (imports and the
    first session's plugin loading excluded)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", _PYTEST, tmp, str(items), str(sessions)],
                             check=True, capture_output=True, text=True).stdout.split()
    return float(out[-1])


def _judge_s(pattern: str) -> tuple[float, int, int]:
    """CPU seconds of the official client judging the recordings' distinct 2xx answers; judged; uploads left out."""
    out = subprocess.run([sys.executable, "-c", _JUDGE, str(bundled.cassette_root()), pattern], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def _table(title: str, rows: list[tuple[str, float, str]], processes: int, cores: int) -> None:
    total = sum(cpu for _, cpu, _ in rows)
    print(title)
    print(f"{'part':<60} {'cpu s':>7}")
    for label, cpu, note in rows:
        print(f"{label:<60} {cpu:7.2f}{note}")
    print(f"{'sum: the least CPU with no check and no client':<60} {total:7.2f}")
    print(f"{f'floor: sum / {min(processes, cores)} core(s), in wall seconds':<60} {total / min(processes, cores):7.2f}")


def main() -> None:
    """Print each part's CPU and the floor they set together, for the bundled replay and for one recording."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--one", default="llama-server", help="the recording replayed alone (default llama-server)")
    args = p.parse_args()
    folders = bundled.recordings()
    processes = len(bundled.groups(folders))
    cores = os.cpu_count() or 1
    items = len(all_checks())
    startup = _best("import conformance.cli, openai")
    judge_s, judged, skipped = _judge_s("*")
    uploads = f"  ({skipped} uploads not counted)" if skipped else ""
    _table(f"bundled replay: {len(folders)} recordings, {items} checks each, {processes} replaying processes, "
           f"{cores} cores",
           [("start-up (import conformance.cli, openai), per process", startup * processes, f"  ({processes} x)"),
            (f"pytest: {len(folders)} sessions of {items} no-op items, JUnit + pytest-html",
             _pytest_s(items, len(folders)), ""),
            (f"official client judging {judged} distinct 2xx answers once", judge_s, uploads)], processes, cores)
    one_s, one_judged, one_skipped = _judge_s(args.one)
    print()
    _table(f"one recording ({args.one}) in a fresh process",
           [("start-up (import conformance.cli, openai)", startup, ""),
            (f"pytest: 1 session of {items} no-op items, JUnit + pytest-html", _pytest_s(items, 1), ""),
            (f"official client judging its {one_judged} distinct 2xx answers", one_s,
             f"  ({one_skipped} uploads not counted)" if one_skipped else "")], 1, cores)


if __name__ == "__main__":
    main()
