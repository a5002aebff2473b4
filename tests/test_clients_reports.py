"""The client matrix in a run's outputs: recorded and replayed with the same cells, reported, and cited by severity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from conformance import exitcodes, results
from conformance.clients import severity
from conformance.compare import build as compare
from conformance.render import checklist, comparison
from tests.fake import FakeServer
from tests.test_cli_run import oai
from tests.test_clients import needs_node

SECRET = "sk-oai-conformance-clients-secret-98765"


def _cells(doc: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {c["id"]: (c["outcome"], c["value"], c["exception"], c["reason"]) for c in doc["clients"]}


def test_recorded_cells_replay_offline_with_the_same_outcomes(tmp_path: Path) -> None:
    only = "client.openai-python.chat.*,client.openai-node.chat.stream*,chat.response.*"
    with FakeServer(("stream.n_choice_1_first",), api_key=SECRET) as srv:
        live = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--only", only, "--output", "live",
                   "--record", "cas", "--api-key-env", "FAKE_KEY", cwd=tmp_path, env={"FAKE_KEY": SECRET})
    assert live.returncode in (exitcodes.OK, exitcodes.FAILED), live.stdout[-2000:] + live.stderr[-2000:]
    replay = oai("run", "--replay", "cas", "--only", only, "--output", "replay", cwd=tmp_path)
    assert replay.returncode == live.returncode, replay.stdout[-2000:]
    a, b = results.load(tmp_path / "live"), results.load(tmp_path / "replay")
    assert _cells(a) == _cells(b) and a["clients"]
    assert _cells(a)["client.openai-python.chat.stream-n2"][0] == "breaks"
    assert (tmp_path / "cas" / "client.openai-python.chat.stream-n2.json").is_file()
    jsonschema.Draft202012Validator(results.results_schema()).validate(b)
    assert "clients:" in live.stdout and "breaks: openai-python chat.stream-n2" in live.stdout
    for f in [*(tmp_path / "cas").rglob("*"), *(tmp_path / "live").rglob("*")]:
        if f.is_file():
            assert SECRET not in f.read_text(errors="replace"), f"API key written to {f}"


@needs_node
def test_uploads_and_images_of_every_client_replay_offline_with_the_same_cells(tmp_path: Path) -> None:
    # Each client draws a random multipart boundary: the proxy fixes it by content, so the replay finds them.
    only = "client.*.transcription.*,client.*.images.*"
    models = ("--transcription-model", "fake-whisper", "--image-model", "fake-image")
    with FakeServer(("transcription.text_as_json",)) as srv:
        oai("run", "--base-url", srv.base_url, "--model", "fake-model", *models, "--only", only, "--output", "live",
            "--record", "cas", cwd=tmp_path)
    oai("run", "--replay", "cas", "--only", only, "--output", "replay", cwd=tmp_path)
    a, b = results.load(tmp_path / "live"), results.load(tmp_path / "replay")
    assert _cells(a) == _cells(b) and len(a["clients"]) == 12
    assert {k: v[0] for k, v in _cells(b).items() if v[0] != "works"} == {
        "client.openai-python.transcription.text": "breaks", **{
            f"client.modelfusion.{s}": "not-offered" for s in ("transcription.json", "transcription.text",
                                                               "images.generate")}}


@needs_node
def test_the_check_of_a_deviation_a_client_breaks_on_cites_it(tmp_path: Path) -> None:
    # A first delta without role violates the spec; openai-python copes, openai-node's stream helper raises.
    with FakeServer(("stream.no_role_first",)) as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--output", "out",
                "--only", "stream.delta.role,client.openai-*.chat.stream-helper", cwd=tmp_path)
    assert r.returncode == exitcodes.FAILED, r.stdout[-2000:]
    doc = results.load(tmp_path / "out")
    [check] = [c for c in doc["checks"] if c["id"] == "stream.delta.role"]
    assert check["severity"] == "breaks-clients" and check["details"]["clients"]["severity"] == "violates-spec"
    assert check["reason"].startswith("breaks-clients: openai-node chat.stream-helper: OpenAIError: missing role")
    assert doc["gate"] == ["stream.delta.role"]
    # Without the client that breaks, the same deviation stays a spec violation.
    with FakeServer(("stream.no_role_first",)) as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--output", "py",
                "--only", "stream.delta.role,client.openai-python.chat.stream-helper", cwd=tmp_path)
    [check] = [c for c in results.load(tmp_path / "py")["checks"] if c["id"] == "stream.delta.role"]
    assert r.returncode == exitcodes.OK and check["severity"] == "violates-spec"


@needs_node
def test_a_tolerated_deviation_that_breaks_one_client_fails_the_check_it_passed(tmp_path: Path) -> None:
    # A JPEG where no output_format was asked: the image check reads it and passes, noting the deviation;
    # the official clients read the bytes, Genkit labels every image image/png and so mislabels it.
    with FakeServer(("images.jpeg_by_default",)) as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--image-model", "fake-image",
                "--output", "out", "--only", "images.generate.b64_json,client.*.images.generate", cwd=tmp_path)
    assert r.returncode == exitcodes.FAILED, r.stdout[-2000:]
    doc = results.load(tmp_path / "out")
    outcomes = {c["client"]: c["outcome"] for c in doc["clients"]}
    assert outcomes == {"openai-python": "works", "openai-node": "works", "genkit": "breaks",
                        "modelfusion": "not-offered"}
    [check] = doc["checks"]
    assert (check["outcome"], check["severity"]) == ("fail", "breaks-clients")
    assert check["reason"].startswith("breaks-clients: Genkit compat-oai images.generate: the client labels the "
                                      "image image/png, but the bytes are jpeg")
    assert "the image is JPEG though the request names no output_format" in check["reason"]
    assert check["details"]["clients"]["outcome"] == "pass"
    jsonschema.Draft202012Validator(results.results_schema()).validate(doc)
    assert "BROKEN, breaks clients: breaks-clients: Genkit" in (tmp_path / "out" / "checklist.md").read_text()


def test_a_cell_missing_from_the_recording_is_untested(tmp_path: Path) -> None:
    with FakeServer() as srv:
        oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--only", "chat.response.*", "--output", "live",
            "--record", "cas", cwd=tmp_path)
    oai("run", "--replay", "cas", "--only", "chat.response.*,client.openai-python.chat.create,"
        "client.openai-python.images.generate", "--output", "r", cwd=tmp_path)
    cell, image = results.load(tmp_path / "r")["clients"]
    assert cell["outcome"] == "untested" and cell["reason"].startswith("not in the recording")
    # A cell the recorded run had no model for reads as it did live: re-recording would not run it either.
    assert (image["outcome"], image["reason"]) == ("untested", "no image model given (--image-model)")


def _check(sev: str, feature: str = "Streaming", outcome: str = "fail") -> dict[str, Any]:
    return {"id": "stream.x", "endpoint": "/v1/chat/completions", "feature": feature, "outcome": outcome,
            "severity": sev, "reason": "the stream ends without [DONE]", "details": {}}


def _cell(outcome: str, scenario: str = "chat.stream-helper") -> dict[str, Any]:
    return {"id": f"client.openai-node.{scenario}", "client": "openai-node", "label": "openai-node",
            "scenario": scenario, "endpoint": "/v1/chat/completions", "outcome": outcome,
            "exception": "OpenAIError: stream ended without producing a ChatCompletionMessage", "reason": None}


def test_a_spec_failure_a_client_breaks_on_cites_the_client() -> None:
    [check] = severity.cite([_check("violates-spec")], [_cell("breaks")])
    assert check["severity"] == "breaks-clients"
    assert check["reason"].startswith("breaks-clients: openai-node chat.stream-helper: OpenAIError")
    assert check["details"]["clients"] == {"severity": "violates-spec", "cells": ["client.openai-node.chat.stream-helper"]}


def test_a_deviation_no_client_notices_stays_a_spec_violation() -> None:
    assert severity.cite([_check("violates-spec")], [_cell("works")])[0]["severity"] == "violates-spec"
    # Another feature's client cell, or lax validation, is no reason either.
    assert severity.cite([_check("violates-spec", "Logprobs")], [_cell("breaks")])[0]["severity"] == "violates-spec"
    assert severity.cite([_check("lax-validation")], [_cell("breaks")])[0]["severity"] == "lax-validation"


def test_a_tolerated_deviation_a_client_breaks_on_fails_citing_the_client() -> None:
    quiet = {**_check("violates-spec", outcome="pass"), "reason": "the stream ends with [DONE]",
             "deviations": ["chunk: null for an optional key"]}
    quiet.pop("severity")
    [check] = severity.cite([quiet], [_cell("breaks")])
    assert (check["outcome"], check["severity"]) == ("fail", "breaks-clients")
    assert check["reason"].startswith("breaks-clients: openai-node chat.stream-helper: OpenAIError")
    # What held and what was off stay said: a reader re-checking by hand finds both.
    assert "got what it asks (the stream ends with [DONE]) with a deviation it tolerates: chunk: null" in check["reason"]
    assert check["details"]["clients"] == {"outcome": "pass", "cells": ["client.openai-node.chat.stream-helper"],
                                           "deviations": ["chunk: null for an optional key"]}
    ignored = {**quiet, "outcome": "ignored", "deviations": [], "reason": "stream_options is ignored"}
    [check] = severity.cite([ignored], [_cell("breaks")])
    assert check["outcome"] == "fail" and "ignored: stream_options is ignored" in check["reason"]


def test_a_quiet_row_stays_quiet_when_no_client_breaks_or_a_failure_explains_the_break() -> None:
    clean = {**_check("violates-spec", outcome="pass"), "deviations": []}
    quiet = {**clean, "id": "stream.y", "deviations": ["chunk: null for an optional key"]}
    assert severity.cite([clean], [_cell("breaks")])[0]["outcome"] == "pass"  # nothing tolerated: nothing to cite
    assert severity.cite([quiet], [_cell("works")])[0]["outcome"] == "pass"
    # A failing check of the same feature names the break: the tolerated deviation is not blamed for it.
    failing, kept = severity.cite([_check("violates-spec"), quiet], [_cell("breaks")])
    assert failing["severity"] == "breaks-clients" and kept == quiet
    # Lax validation in the same feature explains nothing a valid request broke on (llama-server: tool_choice
    # naming an undeclared function taken with 200 beside a forced call ignored that breaks all four clients).
    lax, cited = severity.cite([_check("lax-validation"), quiet], [_cell("breaks")])
    assert lax["severity"] == "lax-validation" and cited["severity"] == "breaks-clients"
    # Nor does a 5xx to an invalid request (llama-cpp-python: a tool_choice naming an undeclared function); it
    # stays a spec violation, and the quiet row the clients' break points at is still cited.
    invalid = {**_check("violates-spec"), "details": {"invalid_request": True}}
    kept5xx, cited = severity.cite([invalid, quiet], [_cell("breaks")])
    assert kept5xx == invalid and cited["severity"] == "breaks-clients"


def test_a_scenario_links_a_single_check_of_another_feature_it_relies_on() -> None:
    # speech.create asks for the client's default format: speech.format.default_mp3 is its check, the rest of
    # Audio formats (pcm's sample rate) is not.
    default = {**_check("violates-spec", "Audio formats"), "id": "speech.format.default_mp3", "endpoint": "/v1/audio/speech"}
    pcm = {**default, "id": "speech.format.pcm"}
    cell = {**_cell("breaks", "speech.create"), "endpoint": "/v1/audio/speech"}
    cited, kept = severity.cite([default, pcm], [cell])
    assert cited["severity"] == "breaks-clients" and kept == pcm


def _doc(cells: list[dict[str, Any]]) -> dict[str, Any]:
    doc = json.loads((Path(__file__).parents[1] / "reports" / "llama-server" / "results.json").read_text())
    return {**doc, "clients": [{**c, "version": "1", "value": None, "duration_s": 0.0, "evidence": []} for c in cells]}


def test_the_checklist_has_a_works_with_section_per_endpoint() -> None:
    text = checklist.render(_doc([_cell("works", "chat.stream"), _cell("breaks")]))
    section = text.split("### `/v1/chat/completions`", 1)[1].split("\n### ", 1)[0]
    assert "#### Works with\n- [x] openai-node: streaming\n" in section
    assert "- [ ] openai-node: stream helper (accumulated completion) (breaks: OpenAIError: stream ended" in section


def test_the_comparison_has_client_rows() -> None:
    matrix = compare([_doc([_cell("breaks")])])
    rows = [r for r in matrix["rows"] if r["kind"] == "client"]
    assert [r["label"] for r in rows] == ["openai-node: stream helper (accumulated completion)"]
    assert next(iter(rows[0]["cells"].values()))["verdict"] == "broken"
    assert "Works with (clients)" in comparison.markdown(matrix)
    assert "openai-node: stream helper" in comparison.html(matrix)

