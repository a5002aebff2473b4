"""The results document and every renderer: schema-valid, deterministic, and faithful to the outcomes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from conformance import results
from conformance.model import CheckResult, CheckSpec, Exchange, Outcome, Target
from conformance.render import checklist, matrix

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _spec(id: str, feature: str, field: str | None, endpoint: str = "/v1/chat/completions") -> CheckSpec:
    return CheckSpec(id=id, endpoint=endpoint, feature=feature, field=field, behavior=f"behaviour of {id}")


def _ex() -> Exchange:
    return Exchange("POST", "http://h/v1/chat/completions", {"Authorization": "<redacted>"}, {"model": "m"},
                    200, {"content-type": "application/json"}, {"object": "chat.completion"})


def sample_doc() -> dict:
    """A fixed results document covering every outcome."""
    rs = [
        CheckResult(_spec("chat.response.object", "Chat completions", None), Outcome.PASS, "ok", (_ex(),)),
        CheckResult(_spec("chat.messages.text_content", "Chat completions", "messages.content.text"), Outcome.PASS, "ok"),
        CheckResult(_spec("stream.done", "Streaming", "stream"), Outcome.FAIL, "stream did not end with data: [DONE]"),
        CheckResult(_spec("vision.image.data_url", "Vision", "messages.content.image_url"), Outcome.UNSUPPORTED,
                    "image_url rejected with 400: images are not supported"),
        CheckResult(_spec("fields.seed.repeatable", "Reproducible outputs", "seed"), Outcome.IGNORED,
                    "same seed gave different text"),
        CheckResult(_spec("logprobs.shape", "Logprobs", "logprobs"), Outcome.ERROR, "no answer from the target"),
        CheckResult(_spec("models.list.shape", "List models", None, "/v1/models"), Outcome.PASS, "ok",
                    deviations=("ListModelsResponse $.data[0]: missing required key(s) owned_by",)),
        CheckResult(_spec("http.auth.missing", "Authentication", None, "HTTP and errors"), Outcome.SKIP,
                    "no API key configured"),
    ]
    target = Target(base_url="http://127.0.0.1:9/v1", model="m", name="sample", api_key="sk-secret-never-written")
    doc = results.build(target=target, results=rs, usage={"requests": 3, "prompt_tokens": 10, "completion_tokens": 5,
                        "total_tokens": 15, "responses_without_usage": 0},
                        started_at="2026-01-01T00:00:00+00:00", complete=True, selection=None)
    doc["finished_at"] = "2026-01-01T00:00:05+00:00"
    return doc


def test_results_document_validates_against_its_schema() -> None:
    jsonschema.Draft202012Validator(results.results_schema()).validate(sample_doc())


def test_results_never_hold_the_api_key() -> None:
    assert "sk-secret-never-written" not in json.dumps(sample_doc())


def test_schema_rejects_an_unknown_outcome() -> None:
    doc = sample_doc()
    doc["checks"][0]["outcome"] = "passed-ish"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(results.results_schema()).validate(doc)


def test_gate_names_failures_only() -> None:
    assert sample_doc()["gate"] == ["stream.done"]


def test_write_and_load_round_trip(tmp_path: Path) -> None:
    doc = sample_doc()
    results.write(doc, tmp_path / "r" / "results.json")
    assert results.load(tmp_path / "r") == doc


def test_checklist_snapshot() -> None:
    got = checklist.render(sample_doc())
    snap = SNAPSHOTS / "checklist.md"
    if os.environ.get("UPDATE_SNAPSHOTS"):  # regenerate deliberately, then review the diff
        snap.write_text(got, encoding="utf-8")
    assert got == snap.read_text(encoding="utf-8")


def test_checklist_marks_only_supported_items() -> None:
    md = checklist.render(sample_doc())
    assert "- [x] Chat completions" in md
    assert "- [ ] Streaming (BROKEN, breaks clients: stream did not end with data: [DONE] (stream.done))" in md
    assert "- [ ] Vision (unsupported:" in md
    assert "- [ ] Reproducible outputs (ignored:" in md
    assert "  - [x] Text `content`" in md
    assert md.index("### `/v1/models`") < md.index("### `/v1/chat/completions`")


def test_matrix_escapes_what_the_server_said() -> None:
    doc = sample_doc()
    doc["features"][0]["reason"] = "<script>alert(1)</script>"
    doc["features"][0]["verdict"] = "broken"
    html = matrix.render_fragment(doc)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_failing_generated_requests_print_their_full_curl() -> None:
    doc = sample_doc()
    curl = "curl -sS 'http://h/v1/chat/completions' -d '{\"model\":\"m\",\"temperature\":3}'"
    doc["checks"].append({**doc["checks"][2], "id": "prop.chat.invalid_requests", "outcome": "fail",
                          "reason": "temperature 3 was accepted with 200. Minimal request: " + curl,
                          "details": {"reproducer": {"curl": curl}}})
    md = checklist.render(doc)
    assert "### Reproducers" in md and f"  {curl}" in md
    assert "### Reproducers" not in checklist.render(sample_doc())


def test_an_endpoint_nothing_judged_reads_as_one_line() -> None:
    from conformance import catalog

    passed = CheckResult(_spec("chat.response.object", "Chat completions", None), Outcome.PASS, "ok", (_ex(),))
    skipped = CheckResult(_spec("embeddings.input.string", "Embeddings", None, catalog.EMBEDDINGS), Outcome.SKIP,
                          "no embedding model given (--embedding-model)")
    doc = results.build(target=Target(base_url="http://127.0.0.1:9/v1", model="m", name="s"),
                        results=[passed, skipped], usage=sample_doc()["usage"],
                        started_at="2026-01-01T00:00:00+00:00", complete=True, selection=None)
    doc["finished_at"] = "2026-01-01T00:00:05+00:00"
    md = checklist.render(doc)
    section = md.split("### `/v1/embeddings`", 1)[1].split("###", 1)[0]
    assert "Untested: skipped: no embedding model given (--embedding-model)" in section
    assert "- [ ]" not in section  # no list of empty boxes
    assert "#### Supported features" in md.split("### `/v1/embeddings`", 1)[0]  # judged endpoints keep their lists
