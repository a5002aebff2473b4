"""The command's console: a header, a line per feature, one summary that says what results.json says."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conformance import exitcodes, inflight, results
from conformance.console import Console, counts_text
from tests.badservers import closed_port_url
from tests.fake import FakeServer

ONLY = "chat.response.*,stream.*,logprobs.*"


def oai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in its own process; its stdout is a pipe, as in CI logs."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_header_feature_lines_and_a_summary_matching_the_results(tmp_path: Path) -> None:
    with FakeServer(deviations={"stream.no_done"}) as srv:
        url = srv.base_url
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--name", "fk", "--only", ONLY,
                "--output", "out", "--server-version", "fake 9", "--fail-on", "violates-spec", cwd=tmp_path)
    assert r.returncode == exitcodes.FAILED, r.stdout + r.stderr
    doc = results.load(tmp_path / "out")
    lines = r.stdout.splitlines()
    assert lines[1] == "oai-conformance: fk: " + url
    assert lines[2] == "  model fake-model; server fake 9"
    n_features = len({c["feature"] for c in doc["checks"]})
    assert lines[3].startswith(f"  {len(doc['checks'])} checks in {n_features} features; concurrency ")
    # One plain line per feature (no progress bar redrawn in a log), with the suite's outcome names.
    by_feature = Counter(c["feature"] for c in doc["checks"])
    for feature, n in by_feature.items():
        outcomes = Counter(c["outcome"] for c in doc["checks"] if c["feature"] == feature)
        assert sum(1 for ln in lines if ln.startswith(f"  {feature}.")) == 1
        assert any(ln.startswith(f"  {feature}.") and ln.endswith(f"{n} check{'s' if n != 1 else ''}: {counts_text(outcomes)}")
                   for ln in lines), feature
    assert "\r" not in r.stdout and "[#" not in r.stdout
    assert f"oai-conformance: fk (fake-model): {counts_text(doc['summary'])}" in lines
    assert f"  features: {counts_text(Counter(f['verdict'] for f in doc['features']))}" in lines
    assert any(ln.startswith("  failing: stream.") for ln in lines)
    assert lines[-1].startswith("oai-conformance: outputs in out (") and lines[-1].endswith("exit 1")
    # pytest's own report is in the log, not on the console.
    assert "passed" not in r.stdout and "FAILED" not in r.stdout and "SKIPPED" not in r.stdout
    assert "failed" in (tmp_path / "out" / "pytest.log").read_text()


def test_pytest_output_only_when_asked(tmp_path: Path) -> None:
    with FakeServer() as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--only", "chat.response.*",
                "--output", "out", "--pytest-output", cwd=tmp_path)
    assert r.returncode == exitcodes.OK and "passed" in r.stdout and "oai-conformance: outputs in" in r.stdout


def test_an_unreachable_target_is_said_once(tmp_path: Path) -> None:
    r = oai("run", "--base-url", closed_port_url(), "--model", "m", "--output", "out", cwd=tmp_path)
    assert r.returncode == exitcodes.UNREACHABLE
    both = r.stdout + r.stderr
    assert both.count("did not answer") == 1 and "_pytest" not in both and "Exit:" not in both, both
    assert "asking http://127.0.0.1" in r.stdout  # said before the wait, so a hang is not silence


def test_a_long_silence_names_the_checks_whose_requests_are_at_the_server() -> None:
    out = io.StringIO()
    con = Console(out, plain=True, heartbeat_s=0.3)
    con.pytest_runtest_logstart("conformance/suite.py::test_check[transcription.json.words]", None)
    con.start_heartbeat()
    with inflight.sending("stream.sse.done"):
        time.sleep(1.6)
    con._stop.set()
    said = out.getvalue()
    # The check next in report order may have skipped long ago: the one the server holds is named.
    assert "still waiting for the server: stream.sse.done (" in said and "transcription" not in said, said


def test_a_long_silence_with_nothing_at_the_server_says_so() -> None:
    out = io.StringIO()
    con = Console(out, plain=True, heartbeat_s=0.3)
    con.pytest_runtest_logstart("conformance/suite.py::test_check[stream.sse.done]", None)
    con.start_heartbeat()
    time.sleep(1.6)
    con._stop.set()
    assert "still running, no check's request at the server; next to report: stream.sse.done (" in out.getvalue()


def test_inflight_counts_each_request_of_a_check() -> None:
    with inflight.sending("a.b"):
        with inflight.sending("a.b"):
            assert set(inflight.snapshot()) == {"a.b"}
        assert set(inflight.snapshot()) == {"a.b"}
    assert "a.b" not in inflight.snapshot()
