"""The command end to end against the fake server: artefacts, exit codes, no secret on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

from conformance import exitcodes, results
from tests.badservers import MODELS_OK, tcp_server
from tests.fake import FakeServer

SECRET = "sk-oai-conformance-test-secret-123456"


def oai(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command in its own process, as a user would."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})


def test_full_run_on_the_conformant_fake(tmp_path: Path) -> None:
    with FakeServer(api_key=SECRET) as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--name", "fake",
                "--api-key-env", "FAKE_KEY", cwd=tmp_path, env={"FAKE_KEY": SECRET})
    out = tmp_path / "oai-conformance-out" / "fake"
    assert r.returncode == exitcodes.OK, r.stdout[-3000:] + r.stderr[-3000:]
    doc = results.load(out)
    jsonschema.Draft202012Validator(results.results_schema()).validate(doc)
    assert doc["complete"] and doc["target"]["authenticated"]
    assert doc["summary"]["fail"] == 0 and doc["summary"]["error"] == 0
    assert doc["usage"]["requests"] > 0 and doc["usage"]["total_tokens"] > 0
    for name in ("results.json", "checklist.md", "report.html", "junit.xml"):
        assert (out / name).stat().st_size > 0
    checklist = (out / "checklist.md").read_text()
    assert "- [x] Chat completions" in checklist and "- [x] Streaming" in checklist
    assert "Feature matrix" in (out / "report.html").read_text()
    for f in out.rglob("*"):
        assert SECRET not in f.read_text(errors="replace"), f"API key written to {f}"


def test_a_deviation_makes_the_run_fail(tmp_path: Path) -> None:
    with FakeServer(deviations={"stream.broken_json"}) as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--output", "out",
                "--only", "stream.*,chat.response.*", cwd=tmp_path)
    assert r.returncode == exitcodes.FAILED, r.stdout[-2000:]
    doc = results.load(tmp_path / "out")
    assert any(c["outcome"] == "fail" and c["severity"] == "breaks-clients" for c in doc["checks"])
    assert "[ ] Streaming (BROKEN, breaks clients" in (tmp_path / "out" / "checklist.md").read_text()


def test_fail_on_chooses_which_severities_make_the_run_fail(tmp_path: Path) -> None:
    # A stream without [DONE] that closes cleanly violates the spec; official clients cope.
    with FakeServer(deviations={"stream.no_done"}) as srv:
        args = ("run", "--base-url", srv.base_url, "--model", "fake-model", "--only", "stream.sse.done")
        lenient = oai(*args, "--output", "a", cwd=tmp_path)
        strict = oai(*args, "--output", "b", "--fail-on", "violates-spec", cwd=tmp_path)
        bad = oai(*args, "--output", "c", "--fail-on", "everything", cwd=tmp_path)
    assert lenient.returncode == exitcodes.OK, lenient.stdout[-2000:]
    assert strict.returncode == exitcodes.FAILED, strict.stdout[-2000:]
    assert bad.returncode == exitcodes.USAGE and "violates-spec" in bad.stderr
    a, b = results.load(tmp_path / "a"), results.load(tmp_path / "b")
    assert a["gate"] == [] and a["fail_on"] == "breaks-clients" and a["failures"]["violates-spec"] == 1
    assert b["gate"] == ["stream.sse.done"] and b["fail_on"] == "violates-spec"
    assert "[ ] Streaming (deviates from the spec" in (tmp_path / "a" / "checklist.md").read_text()


def test_baseline_gate_passes_when_nothing_got_worse(tmp_path: Path) -> None:
    with FakeServer(deviations={"stream.broken_json"}) as srv:
        args = ("run", "--base-url", srv.base_url, "--model", "fake-model", "--only", "stream.*")
        first = oai(*args, "--output", "a", cwd=tmp_path)
        second = oai(*args, "--output", "b", "--baseline", "a/results.json", cwd=tmp_path)
    assert first.returncode == exitcodes.FAILED
    assert second.returncode == exitcodes.OK, second.stdout[-2000:]
    assert "0 worse" in second.stdout


def test_recheck_confirms_a_regression_that_comes_back(tmp_path: Path) -> None:
    args = ("run", "--model", "fake-model", "--only", "stream.sse.done")
    with FakeServer() as srv:
        assert oai(*args, "--base-url", srv.base_url, "--output", "a", cwd=tmp_path).returncode == exitcodes.OK
    with FakeServer(deviations={"stream.broken_json"}) as srv:
        r = oai(*args, "--base-url", srv.base_url, "--output", "b", "--baseline", "a/results.json", "--recheck", "1",
                cwd=tmp_path)
    assert r.returncode == exitcodes.FAILED, r.stdout[-2000:]
    assert "1 confirmed worse, 0 unstable" in r.stdout
    assert results.load(tmp_path / "b" / "recheck-1")["checks"][0]["outcome"] == "fail"


def test_recheck_tells_a_one_off_regression_from_a_real_one(tmp_path: Path) -> None:
    # The server misbehaves on its first POST only: the run sees it, the recheck's fresh request does not.
    args = ("run", "--model", "fake-model", "--only", "stream.sse.done")
    with FakeServer() as srv:
        assert oai(*args, "--base-url", srv.base_url, "--output", "a", cwd=tmp_path).returncode == exitcodes.OK
    with FakeServer(deviations={"stream.broken_json"}, deviating_posts=1) as srv:
        r = oai(*args, "--base-url", srv.base_url, "--output", "b", "--baseline", "a/results.json", "--recheck", "1",
                cwd=tmp_path)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:]
    assert "1 worse" in r.stdout and "0 confirmed worse, 1 unstable" in r.stdout
    assert "unstable (not counted): stream.sse.done: pass -> fail, then pass on recheck" in r.stdout
    # The run's own report keeps what it saw: the recheck decides the gate, not the evidence.
    assert results.load(tmp_path / "b")["checks"][0]["outcome"] == "fail"


def test_only_matching_nothing_is_a_usage_error(tmp_path: Path) -> None:
    with FakeServer() as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--only", "no.such.check", cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE


def test_server_dying_mid_run_leaves_results_and_exit_4(tmp_path: Path) -> None:
    with tcp_server(b"garbage\r\n", first=MODELS_OK) as url:
        r = oai("run", "--base-url", url, "--model", "m", "--output", "out", "--timeout", "2",
                "--only", "chat.response.*", cwd=tmp_path)
    assert r.returncode == exitcodes.NOT_JUDGED, r.stdout[-2000:] + r.stderr[-2000:]
    doc = results.load(tmp_path / "out")
    assert doc["complete"] and doc["checks"]
    assert {c["outcome"] for c in doc["checks"]} == {"error"}
    assert json.dumps(doc).count("no answer from the target") >= 1


def test_a_run_given_no_chat_model_skips_chat_and_says_why(tmp_path: Path) -> None:
    # A server of audio alone: --speech-model without --model is a run, and chat is untested, not failed.
    with FakeServer() as srv:
        r = oai("run", "--base-url", srv.base_url, "--speech-model", "tts-x", "--output", "out",
                "--only", "chat.requests.isolated,models.list.schema,validation.body.malformed_json", cwd=tmp_path)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    doc = results.load(tmp_path / "out")
    by_id = {c["id"]: c for c in doc["checks"]}
    assert by_id["chat.requests.isolated"]["outcome"] == "skip"
    assert by_id["chat.requests.isolated"]["reason"] == "no chat model given (--model)"
    # A chat check that sends no model (a malformed body) is untested too: it judges chat.
    assert by_id["validation.body.malformed_json"]["outcome"] == "skip"
    assert by_id["models.list.schema"]["outcome"] == "pass"
    assert doc["target"]["model"] is None and "no chat model; speech tts-x" in (tmp_path / "out" / "checklist.md").read_text()
