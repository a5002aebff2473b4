"""Protocol edge cases a hostile or sloppy server produces, each judged by one rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conformance import exitcodes, sse
from tests.helpers import run_checks
from tests.hostile import hostile


def oai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_sse_bom_and_event_only_blocks_are_legal() -> None:
    raw = '\ufeffdata: {"a": 1}\n\nevent: ping\n\ndata: [DONE]\n\nevent: ping\n\n'
    s = sse.parse(raw)
    assert s.ok, s.problems
    assert s.chunks == ({"a": 1},) and s.done


def test_invalid_utf8_in_a_stream_is_replaced_and_framing_judged_apart() -> None:
    raw = b'data: {"a": "caf\xe9"}\n\ndata: [DONE]\n\n'.decode("utf-8", errors="replace")
    s = sse.parse(raw)
    assert s.ok, s.problems
    assert s.chunks == ({"a": "caf\ufffd"},)


def test_sse_bom_and_pings_are_not_framing_failures_of_the_suite() -> None:
    # The suite's own reader follows the WHATWG algorithm; the official SDK, the second judge, does not
    # (it drops the chunk after a BOM and crashes on a data-less "event: ping"), and says so itself.
    with hostile("sse-bom-ping") as url:
        results = run_checks(url, "stream.sse.*,stream.chunk.object,stream.content.matches")
    own = {k: r.reason for k, r in results.items() if r.outcome.value != "pass" and not r.reason.startswith("openai")}
    assert not own


def test_json_served_as_html_is_a_deviation() -> None:
    with hostile("json-as-html") as url:
        r = run_checks(url, "chat.response.object")["chat.response.object"]
    assert r.outcome.value == "pass"
    assert any("Content-Type 'text/html" in d for d in r.deviations), r.deviations


def test_proxy_error_page_is_never_judged() -> None:
    with hostile("html-502") as url:
        results = run_checks(url, "chat.*,errors.*,fields.*,validation.*")
    judged = {k: f"{r.outcome.value}: {r.reason}" for k, r in results.items() if r.outcome.value not in ("error", "skip")}
    assert not judged
    assert all("proxy or gateway" in r.reason for r in results.values() if r.outcome.value == "error")


def test_body_cut_twice_is_a_failure() -> None:
    with hostile("cut-body") as url:
        r = run_checks(url, "chat.response.object")["chat.response.object"]
        sent = [p for m, p in url.requests if m == "POST"]
    assert r.outcome.value == "fail" and "mid-body twice in a row" in r.reason, r.reason
    assert len(sent) == 2


def test_results_json_is_strict_json_when_the_server_sends_nan(tmp_path: Path) -> None:
    with hostile("nan") as url:
        r = oai("run", "--base-url", url, "--model", "fake-model", "--only", "chat.response.*", "--output", str(tmp_path),
                cwd=tmp_path)
    assert r.returncode in (exitcodes.OK, exitcodes.FAILED), r.stdout + r.stderr

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    doc = json.loads((tmp_path / "results.json").read_text(), parse_constant=refuse)
    bodies = [e["response"]["body"] for c in doc["checks"] for e in c["evidence"]]
    assert any(isinstance(b, dict) and str(b.get("score", "")).startswith("nan (") for b in bodies)


def test_checklist_escapes_html_from_the_server(tmp_path: Path) -> None:
    with hostile("script") as url:
        r = oai("run", "--base-url", url, "--model", "fake-model", "--only", "chat.*,errors.*", "--name", "<script>x</script>",
                "--output", str(tmp_path), cwd=tmp_path)
    assert r.returncode in (exitcodes.OK, exitcodes.FAILED, exitcodes.NOT_JUDGED), r.stdout + r.stderr
    text = (tmp_path / "checklist.md").read_text()
    assert "<script>" not in text and "&lt;script&gt;" in text
